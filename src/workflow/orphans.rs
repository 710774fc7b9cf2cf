//! Finding and removing artifacts envdef generated earlier but produces no more.
//!
//! How candidates are found: a walk of the whole output root (not only the directories the
//! current `emit` paths can reach — an `emit` line that was deleted takes its directory
//! with it, and its files are exactly the orphans we are after). No manifest: a manifest
//! is one more file to commit, merge and keep in sync, and it is lost the first time
//! someone deletes it; the header every built-in artifact carries is already the record.
//!
//! To keep the walk cheap in a repository, it does not follow symlinks, skips the
//! directories in [`SKIPPED_DIRS`] (VCS metadata, dependency and build trees) unless a
//! produced artifact lives under one, and reads at most the first [`HEADER_BYTES`] of each
//! file. A file is envdef's when one of its first [`HEADER_LINES`] lines contains
//! [`crate::emit::HEADER_MARKER`] and, when known, the source file's name — so two sources
//! that write into one directory never claim each other's artifacts.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::error::{WorkflowError, WorkflowResult};
use super::paths::{check_relative, display_path};

/// Directory names the orphan walk does not enter (unless an artifact is produced there).
pub const SKIPPED_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    ".jj",
    ".terraform",
    ".venv",
    "venv",
    "__pycache__",
    "node_modules",
    "target",
];

/// How many leading lines may hold the header.
const HEADER_LINES: usize = 5;
/// How many leading bytes are read to find it.
const HEADER_BYTES: usize = 1024;

/// Recognises envdef's header in a file's first lines.
#[derive(Debug, Clone)]
pub struct HeaderMatcher {
    /// [`crate::emit::HEADER_MARKER`].
    pub marker: String,
    /// The source file's name (`fleet.envdef`) as the header states it; `None` accepts any
    /// envdef header.
    pub source: Option<String>,
}

impl HeaderMatcher {
    /// Whether `head` (the first bytes of a file) carries the header.
    pub fn matches(&self, head: &[u8]) -> bool {
        let head = String::from_utf8_lossy(head);
        head.lines().take(HEADER_LINES).any(|line| {
            line.contains(&self.marker)
                && self
                    .source
                    .as_deref()
                    .map_or(true, |source| line.contains(source))
        })
    }

    fn file_matches(&self, path: &Path) -> std::io::Result<bool> {
        let mut head = Vec::with_capacity(HEADER_BYTES);
        std::fs::File::open(path)?
            .take(HEADER_BYTES as u64)
            .read_to_end(&mut head)?;
        Ok(self.matches(&head))
    }
}

/// Files under `root` that carry envdef's header and are not in `produced` (relative
/// paths), sorted. A missing root has no orphans.
pub fn find_orphans(
    root: &Path,
    produced: &HashSet<PathBuf>,
    matcher: &HeaderMatcher,
) -> WorkflowResult<Vec<PathBuf>> {
    let walk_root = if root.as_os_str().is_empty() {
        Path::new(".")
    } else {
        root
    };
    if !walk_root.is_dir() {
        return Ok(Vec::new());
    }
    // Skipped directories that still must be walked because artifacts live in them.
    let wanted: HashSet<&Path> = produced.iter().flat_map(|p| p.ancestors()).collect();
    let mut orphans = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel_dir) = stack.pop() {
        let dir = walk_root.join(&rel_dir);
        let entries = std::fs::read_dir(&dir).map_err(|err| {
            WorkflowError::io("list directory", display_path(root, &rel_dir), err)
        })?;
        let mut subdirs = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|err| {
                WorkflowError::io("list directory", display_path(root, &rel_dir), err)
            })?;
            // `file_type` does not follow symlinks: linked files and directories are skipped.
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            let name = entry.file_name();
            let rel = rel_dir.join(&name);
            if file_type.is_dir() {
                let skipped = name.to_str().is_some_and(|n| SKIPPED_DIRS.contains(&n));
                if !skipped || wanted.contains(rel.as_path()) {
                    subdirs.push(rel);
                }
            } else if file_type.is_file() && !produced.contains(&rel) {
                // An unreadable file is not ours to judge (nor to delete): skip it.
                if matcher.file_matches(&entry.path()).unwrap_or(false) {
                    orphans.push(rel);
                }
            }
        }
        // Reverse so the stack visits directories in name order (output is sorted anyway).
        subdirs.sort();
        stack.extend(subdirs.into_iter().rev());
    }
    orphans.sort();
    Ok(orphans)
}

/// Deletes `orphans` (relative to `root`) after checking once more that each still carries
/// the header, then removes directories that became empty (never the root). Returns the
/// paths deleted.
pub fn prune(
    root: &Path,
    orphans: &[PathBuf],
    matcher: &HeaderMatcher,
) -> WorkflowResult<Vec<PathBuf>> {
    let mut removed = Vec::new();
    for rel in orphans {
        check_relative(root, rel)?;
        let full = root.join(rel);
        let is_plain_file = std::fs::symlink_metadata(&full).is_ok_and(|m| m.is_file());
        if !is_plain_file || !matcher.file_matches(&full).unwrap_or(false) {
            continue;
        }
        std::fs::remove_file(&full)
            .map_err(|err| WorkflowError::io("remove", display_path(root, rel), err))?;
        removed.push(rel.clone());
        // Tidy up directories the orphan leaves empty (`k8s/old/`), deepest first.
        for dir in rel.ancestors().skip(1) {
            if dir.as_os_str().is_empty() || std::fs::remove_dir(root.join(dir)).is_err() {
                break;
            }
        }
    }
    Ok(removed)
}
