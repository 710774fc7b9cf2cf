//! Knock-on errors: diagnostics that are only consequences of another one. They are
//! dropped, or attached as a note to the error that causes them, so the first error a
//! user (or an editor) sees is the real one.
//!
//! - A declaration that did not parse is left out of the program; the checks still run on
//!   every declaration that parsed, and the errors its absence causes (uses of its name,
//!   environments extending it, "unused" warnings when a service's `uses` was lost) and
//!   those about a literal already reported as malformed are dropped.
//! - An assignment to a misspelt name (`DATABSE_URL = …` in `staging`, E0209 with a
//!   did-you-mean) makes the intended variable miss its value there (E0309): that error
//!   becomes a note on the misspelling.
//! - An import that could not be read (E0201–E0203) hides every name its file declares:
//!   the "unknown name" errors that follow become one note on the import error.

use std::collections::HashSet;

use super::{Code, Diagnostic, Diagnostics};
use crate::source::{SourceMap, Span};

/// Codes that say "this name is not declared".
const UNKNOWN_NAME: &[Code] = &[
    Code::UnknownType,
    Code::UnknownParent,
    Code::UnknownVariable,
    Code::UnknownService,
    Code::UnknownEnvironment,
];

fn is_syntax(d: &Diagnostic) -> bool {
    let code = d.code.as_str();
    code.starts_with("E00") || code.starts_with("E01")
}

fn is_import_failure(d: &Diagnostic) -> bool {
    matches!(
        d.code,
        Code::ImportUnreadable | Code::ImportCycle | Code::ImportLimit
    )
}

/// A top-level declaration that did not parse (its syntax error is reported).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenDecl {
    /// The declaration keyword (`var`, `service`, …), `None` when the chunk did not start
    /// with one (`DATABSE_URL = …` outside an environment, `vr X: int`).
    pub keyword: Option<String>,
    /// The name it would have declared, when one can be read (`var NAME`, `env NAME`,
    /// `abstract env NAME`, the word of `NAME = …`).
    pub name: Option<String>,
    /// The whole unreadable line.
    pub span: Span,
}

/// Runs every rule of this module, in place. `declarations` are the (name, whole
/// declaration) spans of the environments, services and variables that parsed: one that
/// holds a syntax error (an assignment lowered with an error) is incomplete.
pub fn resolve(
    diagnostics: &mut Diagnostics,
    broken: &[BrokenDecl],
    declarations: &[(Span, Span)],
    sources: &SourceMap,
) {
    let items = std::mem::take(diagnostics).into_vec();
    let items = drop_broken_follow_ons(items, broken, declarations, sources);
    let items = attach_misspelt_assignments(items);
    let items = attach_import_follow_ons(items, sources);
    let items = attach_toml_section_follow_ons(items);
    let items = attach_unopened_block_follow_ons(items);
    for d in items {
        diagnostics.push(d);
    }
}

fn overlaps(a: Span, b: Span) -> bool {
    a.file == b.file && a.start < b.end.max(b.start + 1) && b.start < a.end.max(a.start + 1)
}

/// Drops the semantic diagnostics that a declaration left out after a syntax error, or a
/// literal reported as malformed, would cause.
fn drop_broken_follow_ons(
    items: Vec<Diagnostic>,
    broken: &[BrokenDecl],
    declarations: &[(Span, Span)],
    sources: &SourceMap,
) -> Vec<Diagnostic> {
    let syntax_spans: Vec<Span> = items
        .iter()
        .filter(|d| is_syntax(d) && d.is_error())
        .filter_map(Diagnostic::primary_span)
        .collect();
    if syntax_spans.is_empty() && broken.is_empty() {
        return items;
    }
    // Declarations with a syntax error inside: what they lack (an environment's value,
    // a service's `uses`) may be what the broken part said, so errors that name them (a
    // label on the declaration's name) are follow-ons.
    let incomplete: Vec<Span> = declarations
        .iter()
        .filter(|(_, whole)| syntax_spans.iter().any(|&s| overlaps(*whole, s)))
        .map(|&(name, _)| name)
        .collect();
    // Names of broken declarations: every error that mentions one may follow from it.
    let names: HashSet<&str> = broken
        .iter()
        .filter(|b| b.keyword.is_some())
        .filter_map(|b| b.name.as_deref())
        .collect();
    // Names of keyword-less chunks (`NAME = …` outside an environment, `vr NAME: int`):
    // they may have meant to declare NAME, so "unknown NAME" errors follow from them; but
    // they declare nothing, so other errors about NAME (a value out of its range in
    // another environment) are real.
    let maybe_declared: HashSet<&str> = broken
        .iter()
        .filter(|b| b.keyword.is_none())
        .filter_map(|b| b.name.as_deref())
        .collect();
    let names_kind = |b: &BrokenDecl| {
        matches!(
            b.keyword.as_deref(),
            None | Some("type" | "var" | "secret" | "flag" | "service" | "env" | "abstract")
        )
    };
    // A name-declaring declaration whose name could not be read: any unknown name may be
    // its, so those errors cannot be told from follow-ons.
    let anonymous = broken.iter().any(|b| b.name.is_none() && names_kind(b));
    // A service's `uses` (or what may have been a service) was lost.
    let uses_lost = broken
        .iter()
        .any(|b| matches!(b.keyword.as_deref(), None | Some("service" | "group")));
    let mentions = |d: &Diagnostic, names: &HashSet<&str>| {
        names.iter().any(|name| {
            d.message.contains(&format!("`{name}`"))
                || d.message.contains(&format!(".{name}`"))
                || d.labels.iter().any(|l| {
                    let text = sources.slice(l.span);
                    text == *name || text.strip_suffix(name).is_some_and(|p| p.ends_with('.'))
                })
        })
    };
    items
        .into_iter()
        .filter(|d| {
            if is_syntax(d) || is_import_failure(d) {
                return true;
            }
            let on_malformed_literal = d
                .primary_span()
                .is_some_and(|p| syntax_spans.iter().any(|&s| overlaps(p, s)));
            let names_incomplete = d
                .labels
                .iter()
                .any(|l| incomplete.iter().any(|&n| overlaps(l.span, n)));
            let follow_on = on_malformed_literal
                || names_incomplete
                || mentions(d, &names)
                || (UNKNOWN_NAME.contains(&d.code) && mentions(d, &maybe_declared))
                || (anonymous && UNKNOWN_NAME.contains(&d.code))
                || (uses_lost && d.code == Code::UnusedVariable);
            !follow_on
        })
        .collect()
}

/// `environment `E` sets `Y`, which is not declared` + `did you mean `X`?` → (E, X).
fn misspelt_assignment(d: &Diagnostic) -> Option<(&str, &str)> {
    if d.code != Code::UnknownVariable {
        return None;
    }
    let rest = d.message.strip_prefix("environment `")?;
    let (env, rest) = rest.split_once('`')?;
    rest.strip_prefix(" sets `")?
        .strip_suffix("`, which is not declared")?;
    let meant = d
        .help
        .as_deref()?
        .strip_prefix("did you mean `")?
        .strip_suffix("`?")?;
    Some((env, meant))
}

/// `` `X` has no value in environment `E` `` → (X, E).
fn missing_value(d: &Diagnostic) -> Option<(&str, &str)> {
    if d.code != Code::MissingValue {
        return None;
    }
    let rest = d.message.strip_prefix('`')?;
    let (var, rest) = rest.split_once('`')?;
    let env = rest
        .strip_prefix(" has no value in environment `")?
        .strip_suffix('`')?;
    Some((var, env))
}

/// The missing value a misspelt assignment causes becomes a note on the misspelling.
fn attach_misspelt_assignments(mut items: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let pairs: Vec<(usize, String, String)> = items
        .iter()
        .enumerate()
        .filter_map(|(i, d)| misspelt_assignment(d).map(|(e, x)| (i, e.to_string(), x.to_string())))
        .collect();
    if pairs.is_empty() {
        return items;
    }
    let mut dropped = vec![false; items.len()];
    // (variable, environment) → the E0309 saying it has no value there (one pass, so a
    // file with thousands of misspellings stays linear).
    let mut missing: std::collections::HashMap<(String, String), usize> =
        std::collections::HashMap::new();
    for (j, d) in items.iter().enumerate() {
        if let Some((var, env)) = missing_value(d) {
            missing
                .entry((var.to_string(), env.to_string()))
                .or_insert(j);
        }
    }
    for (i, env, meant) in pairs {
        let found = missing.remove(&(meant.clone(), env.clone()));
        if let Some(j) = found {
            dropped[j] = true;
            let mut note = format!(
                "so `{meant}` has no value in environment `{env}` (E0309, not reported separately)"
            );
            // The missing value may have been reported once for several environments.
            for other in &items[j].notes {
                if other.starts_with("the same problem occurs in") {
                    note.push_str("; ");
                    note.push_str(other);
                }
            }
            items[i].notes.push(note);
        }
    }
    items
        .into_iter()
        .zip(dropped)
        .filter(|(_, dropped)| !dropped)
        .map(|(d, _)| d)
        .collect()
}

/// After an import that could not be read, "unknown name" errors become one note on the
/// (first) import error: the names may well be declared in the file that was not read.
fn attach_import_follow_ons(items: Vec<Diagnostic>, sources: &SourceMap) -> Vec<Diagnostic> {
    if !items.iter().any(is_import_failure) {
        return items;
    }
    let mut hidden: Vec<(Span, String)> = Vec::new();
    let mut kept = Vec::with_capacity(items.len());
    for d in items {
        if UNKNOWN_NAME.contains(&d.code) || d.code == Code::UnusedVariable {
            if let (true, Some(s)) = (d.code != Code::UnusedVariable, d.primary_span()) {
                let file = sources.get(s.file);
                let lc = file.line_col(s.start as usize);
                let text = format!(
                    "`{}` ({}:{}:{})",
                    sources.slice(s),
                    file.name,
                    lc.line,
                    lc.column
                );
                hidden.push((s, text));
            }
            continue;
        }
        kept.push(d);
    }
    hidden.sort_by_key(|(s, _)| (s.file, s.start));
    let hidden: Vec<String> = hidden.into_iter().map(|(_, t)| t).collect();
    if !hidden.is_empty() {
        let list = first_of(&hidden, 8);
        let note = format!(
            "{} later use{} of undeclared names may be declared in the file that was not read, and {} not reported: {list}",
            hidden.len(),
            if hidden.len() == 1 { "" } else { "s" },
            if hidden.len() == 1 { "is" } else { "are" },
        );
        if let Some(d) = kept.iter_mut().find(|d| is_import_failure(d)) {
            d.notes.push(note);
        }
    }
    kept
}

/// After a TOML `[qa]` section header (reported by the parser), the `NAME = value` lines
/// below it are "assignments outside an environment" only because the header is not an
/// `env` block: they become a note on the header's error.
fn attach_toml_section_follow_ons(items: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let is_section = |d: &Diagnostic| d.message.contains("` is a TOML section;");
    if !items.iter().any(is_section) {
        return items;
    }
    let mut kept: Vec<Diagnostic> = Vec::with_capacity(items.len());
    // Index in `kept` of the last section header, per file, with what follows it.
    let mut current: Option<(usize, crate::source::FileId, u32)> = None;
    let mut sorted = items;
    sorted.sort_by_key(|d| d.primary_span().map(|s| (s.file, s.start)));
    for d in sorted {
        let span = d.primary_span();
        if is_section(&d) {
            current = span.map(|s| (kept.len(), s.file, s.start));
            kept.push(d);
            continue;
        }
        let assignment = d.code == Code::ExpectedDeclaration
            && d.message
                .starts_with("expected a declaration, found the assignment");
        match (current, span) {
            (Some((i, file, _)), Some(s)) if assignment && s.file == file => {
                let name = d
                    .message
                    .split('`')
                    .nth(1)
                    .unwrap_or("")
                    .trim_end_matches(" = ...")
                    .to_string();
                let note = format!("`{name} = ...` below it belongs in that block");
                kept[i].notes.push(note);
            }
            _ => {
                if span.is_some_and(|s| Some(s.file) != current.map(|c| c.1)) {
                    current = None;
                }
                kept.push(d);
            }
        }
    }
    kept
}

/// After `env NAME` (or `service NAME`) without its `{` (reported by the parser at the
/// header), every line of
/// the intended body is an error of its own: "expected a declaration, found the
/// assignment", "unknown keyword `DB_PASSWORD`" for `DB_PASSWORD from …`, and "unexpected
/// closing `}`" at the end. They follow from the one missing `{`, so the syntax errors up to
/// and including that first stray `}` become one note on the header's error.
fn attach_unopened_block_follow_ons(items: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let is_header = |d: &Diagnostic| {
        // "expected `{` after `api`", "expected `extends`, `{` or `(` after `local`".
        d.code == Code::UnexpectedInput
            && d.message.starts_with("expected ")
            && d.message
                .split_once(" after `")
                .is_some_and(|(expected, _)| expected.contains("`{`"))
    };
    if !items.iter().any(is_header) {
        return items;
    }
    let mut sorted = items;
    sorted.sort_by_key(|d| d.primary_span().map(|s| (s.file, s.start)));
    let mut kept: Vec<Diagnostic> = Vec::with_capacity(sorted.len());
    // The header's index in `kept`, its file, and what was folded into it so far.
    let mut open: Option<(usize, crate::source::FileId, Vec<String>)> = None;
    let close = |kept: &mut Vec<Diagnostic>, open: Option<(usize, _, Vec<String>)>| {
        if let Some((i, _, folded)) = open {
            if !folded.is_empty() {
                let list = first_of(&folded, 4);
                if kept[i].help.is_none() {
                    kept[i].help = Some(
                        "open the block with `{` after its name; its last line is followed by `}`"
                            .to_string(),
                    );
                }
                kept[i].notes.push(format!(
                    "the {} line{} below it ({list}) belong{} in that block and {} not reported separately",
                    folded.len(),
                    if folded.len() == 1 { "" } else { "s" },
                    if folded.len() == 1 { "s" } else { "" },
                    if folded.len() == 1 { "is" } else { "are" },
                ));
            }
        }
    };
    for d in sorted {
        let span = d.primary_span();
        if is_header(&d) {
            close(&mut kept, open.take());
            open = span.map(|s| (kept.len(), s.file, Vec::new()));
            kept.push(d);
            continue;
        }
        let in_body = matches!((&open, span), (Some((_, file, _)), Some(s)) if s.file == *file)
            && is_syntax(&d);
        if !in_body {
            kept.push(d);
            continue;
        }
        let closer = d.code == Code::UnexpectedCloser;
        if let Some((_, _, folded)) = open.as_mut() {
            folded.push(if closer {
                "the `}` that ends it".to_string()
            } else {
                match d.message.split('`').nth(1) {
                    Some(what) => format!("`{what}`"),
                    None => d.message.clone(),
                }
            });
        }
        if closer {
            close(&mut kept, open.take());
        }
    }
    close(&mut kept, open.take());
    kept
}

/// The first `shown` of `items`, comma-separated, then "and N more" for the rest.
pub(crate) fn first_of(items: &[String], shown: usize) -> String {
    let mut list = items[..items.len().min(shown)].join(", ");
    if items.len() > shown {
        list.push_str(&format!(" and {} more", items.len() - shown));
    }
    list
}
