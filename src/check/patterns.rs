//! E0370: a `matching` pattern that an emitted application target cannot carry.
//!
//! `pydantic` writes each pattern as Python `re`, `typescript` and `jsonschema` as an
//! ECMAScript `RegExp`; [`crate::regex_dialect`] translates exactly or names what it cannot.
//! Checked here, at `check`, for the variables each such `emit` line writes, so that a
//! pattern that would mean something else in the application is an error before anything is
//! compiled (and `check` and `compile` agree).

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::hash::FastHashSet;
use crate::model::Value;
use crate::model::{Emit, Model, Refinement};
use crate::regex_dialect::{element_separator, translate, translate_each_element, Dialect};
use crate::source::Span;

use super::envs::VarInfo;
use super::types::TyInfo;

/// The regex dialect an application target writes its patterns in.
pub(crate) fn dialect_of(target: &str) -> Option<Dialect> {
    match target {
        "pydantic" => Some(Dialect::Python),
        "typescript" | "jsonschema" => Some(Dialect::Ecma),
        _ => None,
    }
}

pub(crate) fn check_carried(model: &Model, infos: &[VarInfo], diagnostics: &mut Diagnostics) {
    let mut reported: FastHashSet<(Span, &str)> = FastHashSet::default();
    for emit in &model.emits {
        let Some(dialect) = dialect_of(&emit.target) else {
            continue;
        };
        for index in written_vars(model, emit) {
            let Some(ty) = infos.get(index).and_then(|i| i.ty.as_ref()) else {
                continue;
            };
            let format = &model.vars[index].format;
            let mut level = Some(ty);
            let mut in_list = false;
            while let Some(info) = level {
                // The env JSON Schema checks a list's elements inside the one string.
                let each = (in_list && env_schema(emit)).then(|| {
                    element_separator(format).ok_or(if format.list_json {
                        "the list is written as JSON".to_string()
                    } else {
                        format!("the list is joined by {:?}", format.separator)
                    })
                });
                check_type(
                    info,
                    emit,
                    dialect,
                    each.as_ref(),
                    &mut reported,
                    diagnostics,
                );
                level = info.element.as_deref();
                in_list = true;
            }
        }
    }
}

/// The variables an emit line writes: those of the services it covers somewhere, or every
/// variable for a path without `{service}`.
fn written_vars(model: &Model, emit: &Emit) -> Vec<usize> {
    if !emit.path.contains("{service}") {
        return (0..model.vars.len()).collect();
    }
    let mut seen = FastHashSet::default();
    let mut out = Vec::new();
    for service in model.services.values() {
        let covered = model
            .concrete_envs()
            .any(|e| emit.covers(&e.name, &service.name));
        if !covered {
            continue;
        }
        for id in &service.vars {
            if seen.insert(id.index()) {
                out.push(id.index());
            }
        }
    }
    out
}

/// Whether `emit` writes the JSON Schema of the environment as strings (not `typed`).
fn env_schema(emit: &Emit) -> bool {
    emit.target == "jsonschema"
        && !matches!(emit.options.get("variant"), Some(Value::Str(v)) if v == "typed")
}

/// `each`: the pattern is on the elements of a list that the target checks as one string,
/// joined by this separator (or why no pattern can find the elements).
fn check_type<'e>(
    info: &TyInfo,
    emit: &'e Emit,
    dialect: Dialect,
    each: Option<&Result<char, String>>,
    reported: &mut FastHashSet<(Span, &'e str)>,
    diagnostics: &mut Diagnostics,
) {
    for (refinement, span) in info.ty.refinements.iter().zip(&info.refinement_spans) {
        let Refinement::Matching { pattern } = refinement else {
            continue;
        };
        let result = match each {
            None => translate(pattern, dialect).map(drop).map_err(Ok),
            Some(Ok(separator)) => translate_each_element(pattern, dialect, *separator)
                .map(drop)
                .map_err(Ok),
            Some(Err(unfindable)) => Err(Err(unfindable.clone())),
        };
        let Err(why) = result else {
            continue;
        };
        if !reported.insert((*span, emit.target.as_str())) {
            continue;
        }
        let why = match why {
            Ok(why) => why,
            Err(unfindable) => {
                diagnostics.push(
                Diagnostic::error(
                    Code::UntranslatablePattern,
                    format!(
                        "the pattern /{pattern}/ on a list's elements cannot be checked by the `jsonschema` target's env variant: {unfindable}"
                    ),
                )
                .primary(*span, "on each element")
                .secondary(emit.span, "this emit checks each list as one string")
                .help("a pattern over the whole string finds the elements only between one-character separators: use a one-character `separator`, or `variant = \"typed\"` for the schema of the typed values"),
            );
                continue;
            }
        };
        diagnostics.push(
            Diagnostic::error(
                Code::UntranslatablePattern,
                format!(
                    "the pattern /{pattern}/ uses {}, which the `{}` target cannot write in {} with the same meaning",
                    why.construct,
                    emit.target,
                    dialect.describe()
                ),
            )
            .primary(*span, "this pattern")
            .secondary(emit.span, format!("the `{}` emit writes it", emit.target))
            .help(why.help),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::check::values::url_problem;
    use crate::regex_dialect::url_pattern;

    /// The `url` rule and the pattern the application targets write for it agree.
    #[test]
    fn url_pattern_is_the_url_rule() {
        let re = regex::Regex::new(&url_pattern("")).unwrap();
        let corpus = [
            "https://acme.example",
            "https://acme.example/api?x=1#f",
            "postgres://dev:dev@localhost:5432/acme_dev",
            "redis://localhost:6379/0",
            "file:///etc/x",
            "file://",
            "file://:80/x",
            "file://:ab/x",
            "http://",
            "http:///x",
            "http://:80",
            "http://a:b",
            "http://a:80",
            "http://a:",
            "http://[::1]:80/",
            "http://[::1",
            "http://[]/",
            "http://[[]/",
            "http://[[x]/",
            "http://a:b]",
            "http://u@p@h:1/",
            "http://u@/x",
            "http://exa mple",
            "http://a\u{a0}b",
            "http://a\u{85}b",
            "http://a/\u{7f}",
            "1http://a",
            "h+t.t-p://a",
            "h_t://a",
            "://a",
            "no scheme",
            "HTTP://A",
            "http://a?b",
            "http://a#b:c",
            "http://héllo.example/ü",
            "http://a:1:2",
            "http://a:1:x",
            "FILE://",
            "file://[",
            "file://[]",
            "file://[x",
            "file://u@",
        ];
        for s in corpus {
            assert_eq!(
                url_problem(s).is_none(),
                re.is_match(s),
                "{s:?}: rule says {:?}",
                url_problem(s)
            );
        }
        // Exhaustively over short strings of the characters the rule looks at.
        let alphabet = ['a', ':', '/', '@', '[', ']', '1', '#', ' '];
        let mut strings = vec![String::new()];
        for _ in 0..5 {
            let mut next = Vec::new();
            for s in &strings {
                for c in alphabet {
                    next.push(format!("{s}{c}"));
                }
            }
            for tail in &next {
                for scheme in ["http://", "file://"] {
                    let s = format!("{scheme}{tail}");
                    assert_eq!(url_problem(&s).is_none(), re.is_match(&s), "{s:?}");
                }
            }
            strings = next;
        }
    }
}
