//! Why the workflow could not do its job. Every variant names the path involved; the CLI
//! prints it and exits 2 (the tool could not run), as opposed to drift, which is exit 1.

use std::fmt;
use std::io;
use std::path::PathBuf;

pub type WorkflowResult<T> = Result<T, WorkflowError>;

/// A failure to read, write or delete, or a path the workflow refuses to touch.
#[derive(Debug)]
pub enum WorkflowError {
    /// An I/O operation failed. `path` is as the user sees it (output root joined).
    Io {
        /// What was being done, as a verb phrase: "write", "create directory", ….
        action: &'static str,
        path: PathBuf,
        error: io::Error,
    },
    /// Something other than a directory sits where a directory is needed.
    NotADirectory {
        path: PathBuf,
        /// The artifact that needed the directory.
        artifact: PathBuf,
    },
    /// A directory sits where an artifact is to be written.
    IsADirectory { path: PathBuf },
    /// A path (or a symlinked directory on it) would leave the output root.
    OutsideRoot { path: PathBuf, reason: String },
    /// Two artifacts want the same file.
    Conflict { path: PathBuf },
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
            | WorkflowError::Conflict { path } => path,
        }
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
        }
    }
}

impl std::error::Error for WorkflowError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WorkflowError::Io { error, .. } => Some(error),
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
