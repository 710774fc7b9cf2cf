//! The output root, opened once and locked, and the destinations envdef refuses to write.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};

use super::active::ACTIVE;
use super::dir::{Dir, OpenError};
use super::error::{WorkflowError, WorkflowResult};
use super::manifest::{JOURNAL, MANIFEST};
use super::paths::display_path;

/// Files an artifact must never replace, by identity (device, inode: a hard link or
/// another spelling of the path is the same file), and why.
#[derive(Debug, Default, Clone)]
pub struct Guard {
    ids: HashMap<(u64, u64), String>,
}

impl Guard {
    /// A guard that protects nothing yet.
    pub fn new() -> Guard {
        Guard::default()
    }

    /// Never write over `path` (following symlinks: the file it names), described as
    /// `what` ("the source `fleet.envdef`"). A missing file is skipped.
    pub fn forbid(&mut self, path: &Path, what: impl Into<String>) {
        use std::os::unix::fs::MetadataExt;
        if let Ok(meta) = std::fs::metadata(path) {
            self.ids.insert((meta.dev(), meta.ino()), what.into());
        }
    }

    /// Refuses paths through `.git` (in any letter case: case-insensitive file systems
    /// resolve `.GIT` to the same directory) and envdef's own records.
    pub(crate) fn check_name(&self, root: &Path, rel: &Path) -> WorkflowResult<()> {
        if rel.components().any(|c| is_git(c.as_os_str())) {
            return Err(WorkflowError::Forbidden {
                path: display_path(root, rel),
                what: "inside a `.git` directory (git runs hooks and config from there)"
                    .to_string(),
            });
        }
        if [MANIFEST, JOURNAL, ACTIVE]
            .iter()
            .any(|r| rel == Path::new(r))
        {
            return Err(WorkflowError::Forbidden {
                path: display_path(root, rel),
                what: "envdef's record of the files it wrote".to_string(),
            });
        }
        Ok(())
    }

    pub(crate) fn check_id(&self, root: &Path, rel: &Path, id: (u64, u64)) -> WorkflowResult<()> {
        match self.ids.get(&id) {
            Some(what) => Err(WorkflowError::Forbidden {
                path: display_path(root, rel),
                what: what.clone(),
            }),
            None => Ok(()),
        }
    }
}

fn is_git(name: &OsStr) -> bool {
    name.to_str()
        .is_some_and(|n| n.trim_end_matches(['.', ' ']).eq_ignore_ascii_case(".git"))
}

/// An output root, open and locked for the whole run.
#[derive(Debug)]
pub struct Output {
    pub(crate) root: PathBuf,
    /// `None` when the root does not exist (read-only use only).
    pub(crate) dir: Option<Dir>,
    pub(crate) guard: Guard,
}

/// How the root is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// `compile --check`: never created; a shared lock (waits for a running compile).
    Read,
    /// `compile`: created when missing; an exclusive lock, so concurrent compiles into one
    /// root run one after the other (the second finds the files current).
    Write,
}

impl Output {
    /// Opens `root`. Inside `project` (the project root, canonical), the directories from
    /// the project root down to the output root are opened without following symlinks, so
    /// a committed symlink cannot move the output elsewhere; a root outside the project was
    /// named by the user and is taken as it resolves.
    pub fn open(
        root: &Path,
        project: Option<&Path>,
        access: Access,
        guard: Guard,
    ) -> WorkflowResult<Output> {
        let absolute = crate::project::lexical_absolute(root);
        if let Some(git) = absolute.components().find(|c| is_git(c.as_os_str())) {
            let _ = git;
            return Err(WorkflowError::Forbidden {
                path: root.to_path_buf(),
                what: "inside a `.git` directory (git runs hooks and config from there)"
                    .to_string(),
            });
        }
        let inside = project.and_then(|p| absolute.strip_prefix(p).ok().map(|rel| (p, rel)));
        let dir = match inside {
            Some((project, rel)) => open_below(root, project, rel, access)?,
            None => open_outside(root, access)?,
        };
        if let Some(dir) = &dir {
            dir.lock(access == Access::Write)
                .map_err(|e| WorkflowError::io("lock", root.to_path_buf(), e))?;
        }
        Ok(Output {
            root: root.to_path_buf(),
            dir,
            guard,
        })
    }

    /// The root as the user named it.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

fn open_below(
    root: &Path,
    project: &Path,
    rel: &Path,
    access: Access,
) -> WorkflowResult<Option<Dir>> {
    let mut dir =
        Dir::open_path(project).map_err(|e| WorkflowError::io("open", project.to_path_buf(), e))?;
    let mut at = project.to_path_buf();
    for part in rel.components() {
        let Component::Normal(name) = part else {
            continue;
        };
        at.push(name);
        let next = match access {
            Access::Write => dir.child_or_create(name).map(|(d, _)| Some(d)),
            Access::Read => dir.child(name),
        };
        dir = match next {
            Ok(Some(d)) => d,
            Ok(None) => return Ok(None),
            Err(OpenError::Symlink) => return Err(WorkflowError::Symlink { path: at }),
            Err(OpenError::NotADirectory) => {
                return Err(WorkflowError::NotADirectory {
                    path: at,
                    artifact: root.to_path_buf(),
                })
            }
            Err(OpenError::Io(e)) => return Err(WorkflowError::io("open", at, e)),
        };
    }
    Ok(Some(dir))
}

fn open_outside(root: &Path, access: Access) -> WorkflowResult<Option<Dir>> {
    if access == Access::Write {
        match std::fs::metadata(root) {
            Ok(meta) if !meta.is_dir() => {
                return Err(WorkflowError::NotADirectory {
                    path: root.to_path_buf(),
                    artifact: root.to_path_buf(),
                })
            }
            Ok(_) => {}
            // Concurrent compiles may both create it: create_dir_all accepts that.
            Err(_) => std::fs::create_dir_all(root)
                .map_err(|e| WorkflowError::io("create directory", root.to_path_buf(), e))?,
        }
    }
    match Dir::open_path(root) {
        Ok(dir) => Ok(Some(dir)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && access == Access::Read => Ok(None),
        Err(e) if super::dir::is_not_a_directory(&e) => Err(WorkflowError::NotADirectory {
            path: root.to_path_buf(),
            artifact: root.to_path_buf(),
        }),
        Err(e) => Err(WorkflowError::io("open", root.to_path_buf(), e)),
    }
}
