//! pest failures → diagnostics in the language's own words.
//!
//! pest reports a position and the rules it tried there. We turn that into what a person
//! needs: the token actually found (never a rule name), what was expected phrased for the
//! spot in the declaration (`expected `=`, a doc string or `{` after the type of
//! `API_URL``), and a `help:` for the usual mistakes (`:` for `=`, a missing type, an
//! unquoted string, a misspelt keyword). The named punctuation rules of the grammar
//! (`var_colon`, `attr_eq`, ...) tell us where in a declaration parsing stopped.

mod habits;
mod rules;
mod site;

use super::parser::Rule;
use crate::diagnostics::Diagnostic;
pub(crate) use site::ErrorContext;
use site::Site;

/// Turns a pest failure on one chunk into one diagnostic: the first rule that recognises
/// the site speaks, and the generic "expected ..., found ..." covers the rest.
pub(crate) fn diagnostic(err: &pest::error::Error<Rule>, cx: &ErrorContext<'_>) -> Diagnostic {
    let site = Site::new(err, cx);
    habits::HABITS
        .iter()
        .chain(rules::RULES)
        .find_map(|rule| rule(&site))
        .unwrap_or_else(|| rules::anything_else(&site))
}
