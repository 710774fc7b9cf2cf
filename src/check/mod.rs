//! Check: [`Program`] → [`Model`] (types, values, secrets, asserts). E03xx, W03xx.
//!
//! PLACEHOLDER until semantics land.

use crate::diagnostics::Diagnostics;
use crate::model::Model;
use crate::resolve::Program;
use crate::source::SourceMap;

pub fn check(
    program: &Program,
    sources: &SourceMap,
    diagnostics: &mut Diagnostics,
) -> Option<Model> {
    let _ = (program, sources, diagnostics);
    None
}
