//! `envdef switch` and `envdef status`: what each working file holds and what may replace
//! it.
//!
//! A working file (an `emit` line with `working = true`) holds one environment at a time.
//! The state file (`workflow::Active`) records, per file, the environment `switch` wrote
//! into it and the hash of what it wrote; comparing that and the file on disk with what
//! the source produces now gives every state `status` shows, and tells `switch` whether a
//! file in its way is one it wrote (replaced) or not (refused without `--force`).

use std::path::Path;

use crate::diagnostics::{Code, Diagnostic};
use crate::workflow::WorkingEntry;

/// What a working file is, for `envdef status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkingState {
    /// It holds exactly what `switch` would write for its environment now.
    Current,
    /// It is what `switch` wrote, but the source has changed since: switch again.
    Stale,
    /// It was changed by hand since `switch` wrote it.
    Edited,
    /// `switch` wrote it, but it is gone.
    Missing,
    /// `switch` wrote it, but no working `emit` line produces it for its environment any
    /// more (the line, the service or the environment went away).
    NotProduced,
    /// The source produces it for the active environment, but it was never switched (a
    /// service or `emit` line added since the last `switch`).
    NotSwitched,
}

impl WorkingState {
    /// How `envdef switch --status` prints the state.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkingState::Current => "current",
            WorkingState::Stale => "stale",
            WorkingState::Edited => "edited",
            WorkingState::Missing => "missing",
            WorkingState::NotProduced => "not produced",
            WorkingState::NotSwitched => "not switched",
        }
    }

    /// Why it is not current, and what to do, for the human report.
    pub fn explain(self, env: &str) -> Option<String> {
        let again = format!("run `envdef switch {env}`");
        match self {
            WorkingState::Current => None,
            WorkingState::Stale => Some(format!(
                "the source changed since `envdef switch {env}`; {again}"
            )),
            WorkingState::Edited => Some(format!(
                "edited since `envdef switch {env}` wrote it; change the source instead (`envdef switch {env} --force` replaces it)"
            )),
            WorkingState::Missing => Some(format!("deleted since `envdef switch`; {again}")),
            WorkingState::NotProduced => Some(format!(
                "no working `emit` line produces it for `{env}` any more; delete it"
            )),
            WorkingState::NotSwitched => Some(format!(
                "the source produces it for `{env}`, but it was not switched yet; {again}"
            )),
        }
    }
}

/// The state of a file `switch` recorded. `disk`: the hash of the file on disk (`None`:
/// no file); `expected`: the hash of what the source produces for `recorded.env` now
/// (`None`: nothing).
pub fn recorded_state(
    recorded: &WorkingEntry,
    disk: Option<&str>,
    expected: Option<&str>,
) -> WorkingState {
    match (disk, expected) {
        (None, _) => WorkingState::Missing,
        (Some(disk), Some(expected)) if disk == expected => WorkingState::Current,
        (Some(disk), _) if disk != recorded.sha256 => WorkingState::Edited,
        (Some(_), None) => WorkingState::NotProduced,
        (Some(_), Some(_)) => WorkingState::Stale,
    }
}

/// E0622: `switch` would replace a file at a working file's path that it did not write
/// (`recorded` is `None`), or that was edited since it did. Nothing is written.
pub fn not_ours(path: &Path, recorded: Option<&WorkingEntry>) -> Diagnostic {
    let (message, note) = match recorded {
        None => (
            format!(
                "`{}` is not a working file envdef wrote; `switch` does not replace it",
                path.display()
            ),
            "a `.env` written by hand may hold values (or secrets) that exist nowhere else"
                .to_string(),
        ),
        Some(entry) => (
            format!(
                "`{}` was edited since `envdef switch {}` wrote it; `switch` does not replace it",
                path.display(),
                entry.env
            ),
            "the edits would be lost".to_string(),
        ),
    };
    Diagnostic::error(Code::WorkingFileNotOurs, message)
        .note(note)
        .help("move what it holds into the .envdef source (or move the file away), then switch again; `--force` replaces it anyway")
}

/// E0621: nothing to switch, with the line that would make one.
pub fn no_working_files(env: &str, any_working: bool) -> Diagnostic {
    let message = if any_working {
        format!("no working file is produced for `{env}` (the `when` of every `working = true` line excludes it, or the selected services)")
    } else {
        "the source has no working files: no `emit` line has `working = true`".to_string()
    };
    Diagnostic::error(Code::NoWorkingFiles, message)
        .note("`envdef switch` writes the working files of one environment; `envdef compile` writes the committed artifacts")
        .help("add `working = true` to an emit line whose path has no `{env}`, e.g. emit dotenv to \"{service}/.env\" { working = true } (and list the files in .gitignore)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(hash: &str) -> WorkingEntry {
        WorkingEntry {
            env: "staging".into(),
            sha256: hash.into(),
        }
    }

    #[test]
    fn states_of_a_recorded_file() {
        let e = entry("a");
        assert_eq!(recorded_state(&e, None, Some("a")), WorkingState::Missing);
        assert_eq!(
            recorded_state(&e, Some("x"), Some("a")),
            WorkingState::Edited
        );
        assert_eq!(
            recorded_state(&e, Some("a"), Some("a")),
            WorkingState::Current
        );
        assert_eq!(
            recorded_state(&e, Some("a"), Some("b")),
            WorkingState::Stale
        );
        assert_eq!(
            recorded_state(&e, Some("a"), None),
            WorkingState::NotProduced
        );
        // Whoever wrote it, a file that holds exactly what the source produces is current.
        assert_eq!(
            recorded_state(&e, Some("b"), Some("b")),
            WorkingState::Current
        );
    }
}
