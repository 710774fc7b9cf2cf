//! What `compile --check` reports: every way the files on disk differ from what the source
//! produces.

use std::path::{Path, PathBuf};

use similar::{DiffOp, TextDiff};

use super::paths::display_path;
use super::plan::{FileState, Plan};

/// Lines of context around each change in a stale file's diff.
const CONTEXT_LINES: usize = 3;
/// Time budget for computing one stale file's diff.
const DIFF_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(250);

/// The kind of drift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The source produces the artifact; no file is there.
    Missing,
    /// The file differs from what the source produces (hand-edited or out of date).
    Stale,
    /// envdef generated the file earlier, but no `emit` produces it any more.
    Orphan,
}

impl ProblemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::Missing => "missing",
            ProblemKind::Stale => "stale",
            ProblemKind::Orphan => "orphan",
        }
    }
}

/// One artifact that is not current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    /// Relative to the output root.
    pub path: PathBuf,
    /// As the user sees it (output root joined).
    pub display: PathBuf,
    /// For a stale file: a unified diff from the file on disk (`a/`) to what would be
    /// written (`b/`), so `git apply`/`patch -p1` from the current directory applies it.
    pub diff: Option<String>,
    /// For a stale file: the first line (1-based, on disk) that differs, for CI annotations.
    pub line: Option<usize>,
    /// For a stale file: why the diff may look empty (`the file on disk has CRLF line
    /// endings, envdef writes LF`), since a diff shows no line endings.
    pub note: Option<&'static str>,
}

/// A stale file edited on Windows: every line differs, invisibly.
const CRLF_NOTE: &str = "the file on disk has CRLF line endings, envdef writes LF";

/// The problems of a plan (missing and stale files, in plan order) followed by `orphans`
/// (relative paths, as [`super::find_orphans`] returns them).
pub fn drift(plan: &Plan<'_>, orphans: &[PathBuf]) -> Vec<Problem> {
    let root = plan.root.as_path();
    let mut problems = Vec::new();
    for file in &plan.files {
        let rel = file.file.path;
        match file.state {
            FileState::Unchanged => {}
            FileState::New => problems.push(Problem {
                kind: ProblemKind::Missing,
                path: rel.to_path_buf(),
                display: display_path(root, rel),
                diff: None,
                line: None,
                note: None,
            }),
            FileState::Changed => {
                let old = file.on_disk.as_deref().unwrap_or("");
                let (diff, line) = unified_diff(root, rel, old, file.file.contents);
                problems.push(Problem {
                    kind: ProblemKind::Stale,
                    path: rel.to_path_buf(),
                    display: display_path(root, rel),
                    diff: Some(diff),
                    line: Some(line),
                    note: (old.contains("\r\n") && !file.file.contents.contains("\r\n"))
                        .then_some(CRLF_NOTE),
                });
            }
        }
    }
    problems.extend(orphans.iter().map(|rel| Problem {
        kind: ProblemKind::Orphan,
        path: rel.clone(),
        display: display_path(root, rel),
        diff: None,
        line: None,
        note: None,
    }));
    problems
}

/// A unified diff with `a/PATH` and `b/PATH` headers, and the first differing line.
fn unified_diff(root: &Path, rel: &Path, old: &str, new: &str) -> (String, usize) {
    // Myers is quadratic in the worst case (a file rewritten top to bottom); past the
    // deadline `similar` settles for a coarser but still correct diff.
    let diff = TextDiff::configure()
        .timeout(DIFF_TIMEOUT)
        .diff_lines(old, new);
    let shown = display_path(root, rel);
    let shown = shown.to_string_lossy();
    // git's `a/` and `b/` prefixes, except for an absolute path, where they would mislead.
    let (a, b) = if Path::new(shown.as_ref()).is_absolute() {
        (shown.to_string(), shown.to_string())
    } else {
        (format!("a/{shown}"), format!("b/{shown}"))
    };
    let text = diff
        .unified_diff()
        .context_radius(CONTEXT_LINES)
        .header(&a, &b)
        .to_string();
    let line = diff
        .ops()
        .iter()
        .find(|op| !matches!(op, DiffOp::Equal { .. }))
        .map_or(1, |op| op.old_range().start + 1);
    (text, line)
}
