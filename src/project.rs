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

    /// The project's root directory.
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
        self.confine(FsLoader)
    }

    /// `inner` (the language server's buffers over the file system) confined to this
    /// project, as [`Project::loader`] confines the file system.
    pub fn confine<L: Loader>(&self, inner: L) -> ProjectLoader<L> {
        ProjectLoader {
            project: self.clone(),
            inner,
        }
    }

    fn outside(&self) -> LoadError {
        LoadError::OutsideProject {
            root: self.root.clone(),
        }
    }
}

/// A loader (the file system by default) confined to a [`Project`]: every frontend that
/// reads an untrusted tree — the CLI, and the language server over an editor's buffers —
/// goes through it, so an import outside the project is refused the same way everywhere.
#[derive(Debug, Clone)]
pub struct ProjectLoader<L = FsLoader> {
    project: Project,
    inner: L,
}

impl<L: Loader> Loader for ProjectLoader<L> {
    fn canonicalize(&self, path: &Path) -> Result<PathBuf, LoadError> {
        self.inner.canonicalize(path)
    }

    /// The root source. A pipe (`envdef check <(generate)`) is the user's own stream; a
    /// regular file, or an editor's buffer, must resolve inside the project (a committed
    /// `app.envdef` symlink to `/proc/self/environ` must not be parsed and quoted in
    /// diagnostics).
    fn load(&self, path: &Path) -> Result<String, LoadError> {
        let is_stream = std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir());
        if !is_stream && !self.project.contains(&self.inner.canonicalize(path)?) {
            return Err(self.project.outside());
        }
        self.inner.load(path)
    }

    fn load_import(&self, path: &Path) -> Result<String, LoadError> {
        let canonical = self.inner.canonicalize(path)?;
        if !self.project.contains(&canonical) {
            return Err(self.project.outside());
        }
        if canonical.is_dir() {
            return Err(LoadError::IsDirectory);
        }
        if canonical.extension().map_or(true, |e| e != "envdef") {
            return Err(LoadError::NotEnvdef);
        }
        // Opened from the root without following a symlink: the file checked above is
        // the file read, even if something swaps a link in between.
        self.inner
            .load_import_within(&self.project.root, &canonical)
    }

    /// Names for an import's did-you-mean, only from directories inside the project.
    fn list_sources(&self, dir: &Path) -> Vec<String> {
        match self.inner.canonicalize(dir) {
            Ok(canonical) if self.project.contains(&canonical) => self.inner.list_sources(dir),
            _ => Vec::new(),
        }
    }
}

/// A loader borrowed (the language server keeps one overlay of buffers and confines it
/// per root).
impl<L: Loader + ?Sized> Loader for &L {
    fn canonicalize(&self, path: &Path) -> Result<PathBuf, LoadError> {
        (**self).canonicalize(path)
    }
    fn load(&self, path: &Path) -> Result<String, LoadError> {
        (**self).load(path)
    }
    fn load_import(&self, path: &Path) -> Result<String, LoadError> {
        (**self).load_import(path)
    }
    fn load_import_within(&self, root: &Path, canonical: &Path) -> Result<String, LoadError> {
        (**self).load_import_within(root, canonical)
    }
    fn list_sources(&self, dir: &Path) -> Vec<String> {
        (**self).list_sources(dir)
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
