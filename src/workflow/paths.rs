//! Keeping every path inside the output root.
//!
//! `emit` already validates its paths; this is the second line of defence, because this is
//! the module that actually writes and deletes. Lexical checks reject `..`, absolute paths
//! and empty segments; [`Containment`] rejects a symlinked directory that leads outside the
//! root (canonicalising each distinct directory once, not once per file).

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use super::error::{WorkflowError, WorkflowResult};

/// How a path under the output root is shown to the user: relative to the current directory
/// as the user named the root (`out/k8s/api.yaml`), or bare when the root is `.`.
pub fn display_path(root: &Path, rel: &Path) -> PathBuf {
    if root.as_os_str().is_empty() || root == Path::new(".") {
        rel.to_path_buf()
    } else {
        root.join(rel)
    }
}

/// Only plain names: no `..`, `.`, root or prefix, and at least one component.
pub(crate) fn check_relative(root: &Path, rel: &Path) -> WorkflowResult<()> {
    let plain = rel.components().next().is_some()
        && rel.components().all(|c| matches!(c, Component::Normal(_)));
    if plain {
        Ok(())
    } else {
        Err(WorkflowError::OutsideRoot {
            path: display_path(root, rel),
            reason: "the path is absolute or contains `..`".to_string(),
        })
    }
}

/// Remembers which directories under the root were verified to resolve inside it.
#[derive(Debug)]
pub(crate) struct Containment {
    root: PathBuf,
    /// The canonical root; `None` when the root does not exist yet (then nothing under it
    /// exists either, so there is no symlink to worry about).
    canonical_root: Option<PathBuf>,
    checked: HashMap<PathBuf, bool>,
}

impl Containment {
    pub(crate) fn new(root: &Path) -> Containment {
        Containment {
            root: root.to_path_buf(),
            canonical_root: std::fs::canonicalize(root).ok(),
            checked: HashMap::new(),
        }
    }

    /// Errors when the existing part of `rel`'s parent directory resolves outside the
    /// root. Directories that do not exist yet are fine: envdef will create them as real
    /// directories.
    pub(crate) fn check_parent(&mut self, rel: &Path) -> WorkflowResult<()> {
        let Some(parent) = rel.parent().filter(|p| !p.as_os_str().is_empty()) else {
            return Ok(());
        };
        if self.canonical_root.is_none() {
            // The root may have been created since; look again once.
            self.canonical_root = std::fs::canonicalize(&self.root).ok();
        }
        let Some(canonical_root) = &self.canonical_root else {
            return Ok(());
        };
        if let Some(&inside) = self.checked.get(parent) {
            return self.verdict(inside, parent);
        }
        let inside = match std::fs::canonicalize(self.root.join(parent)) {
            Ok(real) => real.starts_with(canonical_root),
            // Not there yet (or a dangling link, which create_dir will report): ask the
            // nearest existing ancestor instead.
            Err(_) => match parent.parent().filter(|p| !p.as_os_str().is_empty()) {
                Some(_) => {
                    self.check_parent(parent)?;
                    true
                }
                None => true,
            },
        };
        self.checked.insert(parent.to_path_buf(), inside);
        self.verdict(inside, parent)
    }

    fn verdict(&self, inside: bool, parent: &Path) -> WorkflowResult<()> {
        if inside {
            Ok(())
        } else {
            Err(WorkflowError::OutsideRoot {
                path: display_path(&self.root, parent),
                reason: "it is a symlink (or under one) that leads outside the output root"
                    .to_string(),
            })
        }
    }

    /// Forgets verdicts (directories were created since).
    pub(crate) fn reset(&mut self) {
        self.checked.clear();
        self.canonical_root = std::fs::canonicalize(&self.root).ok();
    }
}
