//! Queries: [`Model`](crate::Model) and [`Program`](crate::resolve::Program) → the answers
//! a frontend shows. The CLI's `list`, `diff`, `explain` and `compile` and the language
//! server call these and only render what they return.
//!
//! - [`names`]: the environment, service, variable or target a user named, or a
//!   [`Diagnostic`](crate::Diagnostic) saying it is unknown (with the closest name).
//! - [`list`], [`diff`], [`explain`] (and [`values`]): what the model holds, how two
//!   environments differ, and where a value came from, `${…}` by `${…}`.
//! - [`artifacts`]: which artifacts a selection (environments, services, targets) writes,
//!   the output root, the orphan matcher, and drift as diagnostics.
//! - [`symbols`] and [`complete`]: what an editor asks about a position: the symbol there,
//!   its definition and references, and the names that fit.
//!
//! Invariants: nothing here prints, reads or writes files; every answer borrows from the
//! model or program it was asked about and is in declaration order.

pub mod artifacts;
pub mod complete;
mod diff;
mod explain;
mod list;
pub mod names;
pub mod symbols;

pub use diff::{diff, promotion, DiffKind, DiffRow, Promotion, PromotionRow};
pub use explain::{
    explain, values, ChainLink, EnvValue, Explanation, ServiceOverride, Step, StepKind, MAX_DEPTH,
};
pub use list::{list, Listing, ServiceListing};

#[cfg(test)]
mod tests;
