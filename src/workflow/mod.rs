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

mod drift;
mod error;
mod orphans;
mod paths;
mod plan;
mod write;

pub use drift::{drift, Problem, ProblemKind};
pub use error::{WorkflowError, WorkflowResult};
pub use orphans::{find_orphans, prune, HeaderMatcher, SKIPPED_DIRS};
pub use paths::display_path;
pub use plan::{plan, FileState, OutputFile, Plan, PlannedFile};
pub use write::{write, write_file, WriteSummary};

#[cfg(test)]
mod tests;
