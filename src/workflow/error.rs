//! Why the workflow could not do its job. Every variant names the path involved; the CLI
//! prints it and exits 2 (the tool could not run), as opposed to drift, which is exit 1.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// A workflow operation's result.
pub type WorkflowResult<T> = Result<T, WorkflowError>;

/// A failure to read, write or delete, or a path the workflow refuses to touch.
#[derive(Debug)]
pub enum WorkflowError {
    /// An I/O operation failed. `path` is as the user sees it (output root joined).
    Io {
        /// What was being done, as a verb phrase: "write", "create directory", ….
        action: &'static str,
        /// The path it was done to.
        path: PathBuf,
        /// What the operating system said.
        error: io::Error,
    },
    /// Something other than a directory sits where a directory is needed.
    NotADirectory {
        /// The path that is not a directory.
        path: PathBuf,
        /// The artifact that needed the directory.
        artifact: PathBuf,
    },
    /// A directory sits where an artifact is to be written.
    IsADirectory {
        /// The directory.
        path: PathBuf,
    },
    /// A path (or a symlinked directory on it) would leave the output root.
    OutsideRoot {
        /// The path as given.
        path: PathBuf,
        /// How it would leave the root.
        reason: String,
    },
    /// Two artifacts want the same file.
    Conflict {
        /// The file both want.
        path: PathBuf,
    },
    /// A symlink sits where an artifact, or a directory on its way, should be. envdef
    /// never reads or writes through one (E0520).
    Symlink {
        /// Where the symlink is.
        path: PathBuf,
    },
    /// The path is one envdef must never write: inside `.git`, the source, an imported
    /// file, a template, or envdef's own manifest (E0521). `what` names it.
    Forbidden {
        /// The path refused.
        path: PathBuf,
        /// What it is ("the source file", "a template").
        what: String,
    },
    /// A FIFO, socket or device sits where an artifact should be.
    NotAFile {
        /// Where it is.
        path: PathBuf,
    },
    /// A file that envdef did not write (no generated header, and its hash is not in the
    /// manifest) sits where an artifact goes; it is not replaced without `--force` (E0522).
    NotOurs {
        /// The file kept.
        path: PathBuf,
    },
    /// The manifest or journal of the output root cannot be understood.
    BadRecord {
        /// The manifest or journal.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Renaming the new files into place failed part way: some artifacts are new, the
    /// rest old. The journal records the run, so the next compile completes it.
    PartialCommit {
        /// The file whose rename failed.
        path: PathBuf,
        /// What the operating system said.
        error: io::Error,
        /// How many files were already in place.
        done: usize,
        /// How many the run writes.
        total: usize,
    },
}

impl WorkflowError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, error: io::Error) -> Self {
        WorkflowError::Io {
            action,
            path: path.into(),
            error,
        }
    }

    /// The path the error is about.
    pub fn path(&self) -> &std::path::Path {
        match self {
            WorkflowError::Io { path, .. }
            | WorkflowError::NotADirectory { path, .. }
            | WorkflowError::IsADirectory { path }
            | WorkflowError::OutsideRoot { path, .. }
            | WorkflowError::Conflict { path }
            | WorkflowError::Symlink { path }
            | WorkflowError::Forbidden { path, .. }
            | WorkflowError::NotAFile { path }
            | WorkflowError::NotOurs { path }
            | WorkflowError::BadRecord { path, .. }
            | WorkflowError::PartialCommit { path, .. } => path,
        }
    }

    /// The stable code of a refusal (security-relevant ones have their own).
    pub fn code(&self) -> Option<crate::diagnostics::Code> {
        use crate::diagnostics::Code;
        match self {
            WorkflowError::Symlink { .. } => Some(Code::ArtifactSymlink),
            WorkflowError::Forbidden { .. } => Some(Code::ForbiddenDestination),
            WorkflowError::PartialCommit { .. } => Some(Code::RunInterrupted),
            WorkflowError::NotOurs { .. } => Some(Code::ArtifactNotOurs),
            _ => None,
        }
    }

    /// How to get past the error.
    pub fn help(&self) -> Option<String> {
        Some(match self {
            WorkflowError::Symlink { .. } => {
                "envdef never follows a symlink below the output root; replace the link with \
                 a regular file or directory (or delete it), or choose another `--out`"
                    .to_string()
            }
            WorkflowError::Forbidden { .. } => {
                "change the `emit` path (or `--out`) so it names a file of its own".to_string()
            }
            WorkflowError::PartialCommit { .. } => {
                "fix the cause and run `envdef compile` again: it completes the interrupted run"
                    .to_string()
            }
            WorkflowError::BadRecord { path, .. } => format!(
                "restore `{}` from version control, or delete it (orphans it listed are then \
                 no longer found)",
                path.display()
            ),
            WorkflowError::NotAFile { .. } => {
                "move it away; envdef writes artifacts as regular files".to_string()
            }
            WorkflowError::NotOurs { .. } => {
                "move what it holds into the .envdef source (`envdef import` drafts it) or \
                 move the file away; `--force` replaces it anyway (once, when migrating files \
                 written by hand)"
                    .to_string()
            }
            _ => return None,
        })
    }
}

impl fmt::Display for WorkflowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WorkflowError::Io {
                action,
                path,
                error,
            } => write!(
                f,
                "cannot {action} `{}`: {}",
                path.display(),
                describe(error)
            ),
            WorkflowError::NotADirectory { path, artifact } => write!(
                f,
                "`{}` is a file, but `{}` needs a directory there",
                path.display(),
                artifact.display()
            ),
            WorkflowError::IsADirectory { path } => write!(
                f,
                "`{}` is a directory; an artifact cannot be written there",
                path.display()
            ),
            WorkflowError::OutsideRoot { path, reason } => write!(
                f,
                "refusing to touch `{}`: {reason}; envdef never writes outside the output root",
                path.display()
            ),
            WorkflowError::Conflict { path } => write!(
                f,
                "two artifacts would be written to `{}`; give the `emit` paths `{{env}}` or \
                 `{{service}}` so they differ",
                path.display()
            ),
            WorkflowError::Symlink { path } => {
                write!(f, "refusing to use `{}`: it is a symlink", path.display())
            }
            WorkflowError::Forbidden { path, what } => {
                write!(f, "refusing to write `{}`: it is {what}", path.display())
            }
            WorkflowError::NotAFile { path } => write!(
                f,
                "`{}` is not a regular file (a FIFO, socket or device); an artifact cannot \
                 be written there",
                path.display()
            ),
            WorkflowError::NotOurs { path } => write!(
                f,
                "refusing to replace `{}`: envdef did not write it (it has no generated \
                 header and is not in the manifest); nothing was written",
                path.display()
            ),
            WorkflowError::BadRecord { path, reason } => {
                write!(f, "cannot read `{}`: {reason}", path.display())
            }
            WorkflowError::PartialCommit {
                path,
                error,
                done,
                total,
            } => write!(
                f,
                "cannot replace `{}`: {}; {done} of {total} changed artifacts were updated \
                 before it, the rest are still old",
                path.display(),
                describe(error)
            ),
        }
    }
}

impl std::error::Error for WorkflowError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WorkflowError::Io { error, .. } | WorkflowError::PartialCommit { error, .. } => {
                Some(error)
            }
            _ => None,
        }
    }
}

/// The OS message without the "(os error N)" noise for the common cases users can act on.
fn describe(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        // EROFS and ENOSPC by number: their ErrorKinds are newer than our MSRV.
        _ if cfg!(unix) && error.raw_os_error() == Some(30) => "read-only file system".to_string(),
        _ if cfg!(unix) && error.raw_os_error() == Some(28) => {
            "no space left on device".to_string()
        }
        _ => error.to_string(),
    }
}
