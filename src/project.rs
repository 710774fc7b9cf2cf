//! The project root: the directory a compilation may read from (imports, templates) and
//! write below (the output tree).
//!
//! A source can come from an untrusted branch, with any file committed next to it,
//! symlinks included. So by default the project is the git work tree that holds the root
//! source (the nearest ancestor with a `.git` entry), or the source's own directory
//! outside git; `--root DIR` sets it explicitly (it must contain the source). Imports and
//! templates are resolved with symlinks followed and must land inside it, never under
//! `.git`; imports must be `*.envdef` files, so no other file's lines can ever reach a
//! diagnostic snippet.

use std::path::{Component, Path, PathBuf};

use crate::source::{FsLoader, LoadError, Loader};

/// A project root (canonical).
#[derive(Debug, Clone)]
pub struct Project {
    root: PathBuf,
}

impl Project {
    /// The project of the root source `source`; `explicit` is `--root DIR`.
    pub fn discover(source: &Path, explicit: Option<&Path>) -> Result<Project, String> {
        let lexical = lexical_absolute(source);
        let source_dir = lexical.parent().unwrap_or(Path::new("/")).to_path_buf();
        let root = match explicit {
            Some(dir) => {
                let root = std::fs::canonicalize(dir)
                    .map_err(|e| format!("cannot use `--root {}`: {e}", dir.display()))?;
                let dir_real = std::fs::canonicalize(&source_dir).unwrap_or(source_dir.clone());
                if !dir_real.starts_with(&root) {
                    return Err(format!(
                        "`--root {}` does not contain the source `{}`; the project root must hold it",
                        dir.display(),
                        source.display()
                    ));
                }
                root
            }
            None => {
                let found = source_dir
                    .ancestors()
                    .find(|d| std::fs::symlink_metadata(d.join(".git")).is_ok())
                    .unwrap_or(&source_dir)
                    .to_path_buf();
                std::fs::canonicalize(&found).unwrap_or(found)
            }
        };
        Ok(Project { root })
    }

    /// A project rooted at `root` as is (tests, tools).
    pub fn at(root: PathBuf) -> Project {
        Project { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether `canonical` (a path with symlinks resolved) is inside the project and not
    /// under a `.git` directory.
    pub fn contains(&self, canonical: &Path) -> bool {
        match canonical.strip_prefix(&self.root) {
            Ok(rel) => !rel.components().any(|c| {
                matches!(c, Component::Normal(n)
                    if n.to_str().is_some_and(|n| n.eq_ignore_ascii_case(".git")))
            }),
            Err(_) => false,
        }
    }

    /// Checks a file about to be read (`path` as written): `Err` with why not.
    pub fn check_read(&self, path: &Path) -> Result<PathBuf, LoadError> {
        let canonical = std::fs::canonicalize(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => LoadError::NotFound,
            _ => LoadError::Io(e),
        })?;
        if self.contains(&canonical) {
            Ok(canonical)
        } else {
            Err(LoadError::OutsideProject {
                root: self.root.clone(),
            })
        }
    }

    /// The loader that enforces this project on the root source and every import.
    pub fn loader(&self) -> ProjectLoader {
        ProjectLoader {
            project: self.clone(),
        }
    }
}

/// [`FsLoader`] confined to a [`Project`].
#[derive(Debug, Clone)]
pub struct ProjectLoader {
    project: Project,
}

impl Loader for ProjectLoader {
    fn canonicalize(&self, path: &Path) -> Result<PathBuf, LoadError> {
        FsLoader.canonicalize(path)
    }

    /// The root source. A pipe (`envdef check <(generate)`) is the user's own stream; a
    /// regular file must resolve inside the project (a committed `app.envdef` symlink to
    /// `/proc/self/environ` must not be parsed and quoted in diagnostics).
    fn load(&self, path: &Path) -> Result<String, LoadError> {
        let is_file = std::fs::metadata(path).is_ok_and(|m| m.is_file());
        if is_file {
            self.project.check_read(path)?;
        }
        FsLoader.load(path)
    }

    fn load_import(&self, path: &Path) -> Result<String, LoadError> {
        let canonical = self.project.check_read(path)?;
        if canonical.is_dir() {
            return Err(LoadError::IsDirectory);
        }
        if canonical.extension().map_or(true, |e| e != "envdef") {
            return Err(LoadError::NotEnvdef);
        }
        FsLoader.load_import(&canonical)
    }
}

/// `path` made absolute against the current directory, with `.` and `..` applied
/// lexically (as the user wrote them, not as symlinks would resolve them). Here rather than
/// in `workflow` (which re-exports it) so that `emit`, which checks templates against the
/// project, never reaches `workflow`.
pub fn lexical_absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .unwrap_or_else(|_| PathBuf::from("/"))
            .join(path)
    };
    let mut out = PathBuf::new();
    for part in joined.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
