//! Workflow: [`OutputFile`]s (emitted artifacts, formatted or imported sources) → files
//! under an output root. The only module that writes or deletes files; it knows nothing
//! of `emit`.
//!
//! Four steps, each usable on its own (the CLI's `compile`, `compile --check` and
//! `compile --prune` combine them):
//!
//! - [`plan`]: compare every artifact with what is on disk → new / changed / unchanged.
//! - [`write()`]: apply a plan atomically. Every changed file is first written to a temp file
//!   in its own directory; only when all temp files exist are they renamed over their
//!   targets. Unchanged files are never touched (their mtime stays).
//! - [`drift`]: what `--check` reports: missing, stale (with a unified diff), orphaned.
//! - [`find_orphans`] / [`prune`]: files under the root that envdef generated earlier (its
//!   header names envdef and this source) but that no `emit` produces any more.
//!
//! Invariants: nothing is written, read for comparison or deleted outside the output root
//! (paths are re-validated here even though `emit` validates them, and a symlinked
//! directory that leads outside the root is refused); a failure leaves every existing
//! artifact as it was and no temp file behind; only files carrying envdef's header are ever
//! deleted. The library prints nothing: results and errors are values for the CLI.

mod dir;
mod drift;
mod error;
mod manifest;
mod orphans;
mod output;
mod paths;
mod plan;
mod write;

pub use drift::{drift, Problem, ProblemKind, MODIFIED_NOTE};
pub use error::{WorkflowError, WorkflowResult};
pub use manifest::{sha256, Manifest, JOURNAL, MANIFEST};
pub use orphans::{find_orphans, prune, Orphan, PruneSummary};
pub use output::{lexical_absolute, Access, Guard, Output};
pub use paths::display_path;
pub use plan::{plan, FileState, OutputFile, Plan, PlannedFile, DIFF_READ_LIMIT};
pub use write::{interrupted, recover, write, write_file, Recovery, WriteSummary};

#[cfg(test)]
mod tests;
