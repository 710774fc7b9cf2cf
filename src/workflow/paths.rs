//! Keeping every path inside the output root.
//!
//! `emit` already validates its paths; this is the second line of defence, because this is
//! the module that actually writes and deletes. Lexical checks reject `..`, absolute paths
//! and empty segments; symlinks are refused as the tree is walked (`dir.rs`).

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
