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

/// Longest artifact path accepted (PATH_MAX less the NUL): walking by directory handles
/// could write deeper, but no other tool could then open the file by its path.
const MAX_PATH_BYTES: usize = 4095;

/// Why a path read from a record in the tree (the manifest, the journal, `switch`'s state
/// file) cannot name a file below the output root, if it cannot: a record may be planted,
/// and every path in it is printed (`orphan …`, `removed …`) or acted on.
pub(crate) fn record_path_problem(rel: &Path) -> Option<&'static str> {
    if check_relative(Path::new(""), rel).is_ok() {
        return None;
    }
    Some(if has_control(rel) {
        "the path holds a control character"
    } else {
        "the path is not relative"
    })
}

/// Whether a path holds a control character: `emit` never makes one, and one printed
/// would reach the terminal as an escape sequence.
fn has_control(rel: &Path) -> bool {
    rel.to_string_lossy().chars().any(char::is_control)
}

/// Only plain names: no `..`, `.`, root or prefix, at least one component, no control
/// character, and a path other tools can open.
pub(crate) fn check_relative(root: &Path, rel: &Path) -> WorkflowResult<()> {
    if rel.as_os_str().len() > MAX_PATH_BYTES {
        return Err(WorkflowError::io(
            "write",
            display_path(root, rel),
            std::io::Error::other(format!(
                "the path is too long ({} bytes; at most {MAX_PATH_BYTES})",
                rel.as_os_str().len()
            )),
        ));
    }
    if has_control(rel) {
        return Err(WorkflowError::OutsideRoot {
            path: PathBuf::from(
                crate::diagnostics::render::escape_controls(
                    &display_path(root, rel).to_string_lossy(),
                )
                .into_owned(),
            ),
            reason: "the path holds a control character".to_string(),
        });
    }
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
