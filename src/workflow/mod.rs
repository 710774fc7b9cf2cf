//! Workflow: [`OutputFile`]s (emitted artifacts, formatted or imported sources) → files
//! under an output root. The only module that writes or deletes files; it knows nothing
//! of `emit`.
//!
//! [`Output::open`] opens and locks the root (exclusive for `compile`, shared for
//! `--check`); then, each usable on its own:
//!
//! - [`recover`]: finish or undo a run that was killed (its journal is still there).
//! - [`plan`]: compare every artifact with what is on disk → new / changed / unchanged.
//! - [`write()`]: apply a plan, per file atomic and per run recoverable (`write.rs`), and
//!   record the artifacts with their hashes in the manifest (`manifest.rs`);
//!   [`write_working`] does the same for `envdef switch`'s working files, recorded with
//!   the environment they hold in the state file instead (`active.rs`), never the manifest.
//! - [`drift`]: what `--check` reports: missing, stale (with a unified diff), orphaned,
//!   interrupted.
//! - [`find_orphans`] / [`prune`]: manifest entries of this source that no `emit` produces
//!   any more; deleted only while their content is what envdef wrote.
//!
//! Invariants: everything below the root is reached through directory handles that never
//! follow a symlink (`dir.rs`), so nothing is read, written or deleted outside it, even
//! when the tree changes mid-run; no artifact goes into `.git` or over the source, an
//! import or a template ([`Guard`]); a failure leaves every existing artifact as it was (or
//! a journal the next run completes); only files envdef wrote are ever deleted. The
//! library prints nothing: results and errors are values for the CLI.

mod active;
mod dir;
mod drift;
mod error;
mod manifest;
mod orphans;
mod output;
mod paths;
mod plan;
mod write;

pub use crate::project::lexical_absolute;
pub use active::{disk_hash, Active, WorkingEntry, ACTIVE};
pub use drift::{drift, Problem, ProblemKind, FOREIGN_NOTE, MODIFIED_NOTE};
pub use error::{WorkflowError, WorkflowResult};
pub use manifest::{sha256, Manifest, JOURNAL, MANIFEST};
pub use orphans::{find_orphans, prune, Orphan, PruneSummary};
pub use output::{Access, Guard, Output};
pub use paths::display_path;
pub use plan::{plan, FileState, OutputFile, Plan, PlannedFile, DIFF_READ_LIMIT};
pub use write::{interrupted, recover, write, write_file, write_working, Recovery, WriteSummary};

#[cfg(test)]
mod tests;
