//! What `compile --check` reports: every way the files on disk differ from what the source
//! produces.

use std::path::{Path, PathBuf};

use similar::{DiffOp, TextDiff};

use super::orphans::Orphan;
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
    /// An earlier compile into this root was interrupted (its journal is there): the tree
    /// may mix old and new artifacts until `compile` completes or rolls the run back.
    Interrupted,
}

impl ProblemKind {
    /// The word `compile --check` prints for it.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::Missing => "missing",
            ProblemKind::Stale => "stale",
            ProblemKind::Orphan => "orphan",
            ProblemKind::Interrupted => "interrupted",
        }
    }
}

/// One artifact that is not current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// How it is not current.
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
    /// endings, envdef writes LF`), since a diff shows no line endings; for an orphan that
    /// was edited since envdef wrote it, that `--prune` keeps it.
    pub note: Option<&'static str>,
}

/// An orphan edited since envdef wrote it.
pub const MODIFIED_NOTE: &str =
    "changed since envdef wrote it, so `--prune` keeps it (`--prune --force` deletes it)";
/// A stale file too large to diff.
const TOO_LARGE_NOTE: &str = "the file on disk is too large to show a diff";

/// A file at an artifact's path that envdef did not write: it may hold anyone's
/// credentials, so its content is not shown (and `compile` does not replace it).
pub const FOREIGN_NOTE: &str = "envdef did not write this file (no generated header, not in the \
     manifest), so its content is not shown and `compile` replaces it only with `--force`";

/// A stale file edited on Windows: every line differs, invisibly.
const CRLF_NOTE: &str = "the file on disk has CRLF line endings, envdef writes LF";

/// The problems of a plan (an interrupted run first, then missing and stale files in plan
/// order) followed by `orphans` (as [`super::find_orphans`] returns them).
pub fn drift(plan: &Plan<'_>, orphans: &[Orphan], interrupted: bool) -> Vec<Problem> {
    let root = plan.root.as_path();
    let mut problems = Vec::new();
    if interrupted {
        let journal = Path::new(super::manifest::JOURNAL);
        problems.push(Problem {
            kind: ProblemKind::Interrupted,
            path: journal.to_path_buf(),
            display: display_path(root, journal),
            diff: None,
            line: None,
            note: None,
        });
    }
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
            FileState::Changed if file.foreign => problems.push(Problem {
                kind: ProblemKind::Stale,
                path: rel.to_path_buf(),
                display: display_path(root, rel),
                diff: None,
                line: Some(1),
                note: Some(FOREIGN_NOTE),
            }),
            FileState::Changed if file.on_disk.is_none() => problems.push(Problem {
                kind: ProblemKind::Stale,
                path: rel.to_path_buf(),
                display: display_path(root, rel),
                diff: None,
                line: Some(1),
                note: Some(TOO_LARGE_NOTE),
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
    problems.extend(orphans.iter().map(|o| Problem {
        kind: ProblemKind::Orphan,
        path: o.path.clone(),
        display: display_path(root, &o.path),
        diff: None,
        line: None,
        note: o.modified.then_some(MODIFIED_NOTE),
    }));
    problems
}

/// What a removed line reads in a `--check` diff when it holds a credential.
pub const HIDDEN_LINE: &str = "<line not shown: it holds a secret or a credential>";

/// The diff with every removed line that holds a credential replaced by [`HIDDEN_LINE`],
/// and control characters in every line escaped (`\u{1b}`): a committed artifact or a
/// template can hold raw escape sequences, which must not drive the terminal or CI log
/// that shows the diff. A `\r` ending a line stays (CRLF files are shown as such).
/// Removed lines come from the file on disk, not from the source: a developer who pasted
/// the real `DB_PASSWORD=…` into a generated `.env.local` must not see it printed by the
/// pre-commit hook, nor a CI runner with a persistent workspace put it in its log. A line
/// holds a credential when it assigns a secret-named key (`DB_PASSWORD=…`,
/// `db_password = "…"`, `DB_PASSWORD: …`) or its value has a credential's shape (the
/// rules `envdef import` drafts secrets by).
fn redact_removed_credentials(diff: &str) -> String {
    let mut out = String::with_capacity(diff.len());
    for line in diff.split_inclusive('\n') {
        let body = line.strip_prefix('-').filter(|_| !line.starts_with("---"));
        match body {
            Some(body) if holds_credential(body.trim_end_matches(['\n', '\r'])) => {
                out.push('-');
                out.push_str(HIDDEN_LINE);
                out.push('\n');
            }
            _ => {
                let (body, end) = match line.strip_suffix("\r\n") {
                    Some(body) => (body, "\r\n"),
                    None => match line.strip_suffix('\n') {
                        Some(body) => (body, "\n"),
                        None => (line, ""),
                    },
                };
                out.push_str(&crate::diagnostics::render::escape_controls(body));
                out.push_str(end);
            }
        }
    }
    out
}

fn holds_credential(line: &str) -> bool {
    use crate::credential::{by_name, by_value};
    let trimmed = line.trim_start();
    if trimmed.starts_with('#') || trimmed.starts_with("//") {
        // envdef's own note on a secret (`# DB_PASSWORD: secret, not written here
        // (reference: …)`) names it without its value; any other comment is judged by its
        // content as a whole.
        return !trimmed.contains(", not written here (") && by_value(trimmed).is_some();
    }
    let assignment = trimmed.strip_prefix("export ").unwrap_or(trimmed);
    if let Some((key, value)) = assignment.split_once(['=', ':']) {
        let key = key.trim().trim_matches(['"', '\'', '-', ' ']);
        let value = value.trim().trim_matches(['"', '\'']);
        let is_key = !key.is_empty()
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        // `key:` alone is a secret store's path in an ExternalSecret (`remoteRef`), not a
        // credential.
        if is_key && !key.eq_ignore_ascii_case("key") {
            return !value.is_empty() && (by_name(key).is_some() || by_value(value).is_some());
        }
    }
    by_value(trimmed).is_some()
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
    let text = redact_removed_credentials(&text);
    let line = diff
        .ops()
        .iter()
        .find(|op| !matches!(op, DiffOp::Equal { .. }))
        .map_or(1, |op| op.old_range().start + 1);
    (text, line)
}
