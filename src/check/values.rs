//! Values: an interpolated literal ([`Raw`]) checked against its [`TyInfo`] → a typed
//! `model::Value`, or a [`ValueError`] that names the value AND the part of the type it
//! breaks (E0304–E0308).
//!
//! Pure functions: no environment, no diagnostics sink; the caller decides where (and how
//! often) an error is reported.

use crate::diagnostics::suggest;
use crate::diagnostics::Code;
pub use crate::model::format_duration;
use crate::model::{Number, Refinement, TypeKind, Value};
use crate::source::Span;

use super::types::{Regexes, TyInfo};

/// A literal after interpolation, before type checking.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Raw {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Duration(u64),
    List(Vec<RawValue>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawValue {
    pub raw: Raw,
    pub span: Span,
}

/// A value that breaks its type.
#[derive(Debug, Clone)]
pub(crate) struct ValueError {
    pub code: Code,
    pub message: String,
    /// The value (or list element) at fault.
    pub value_span: Span,
    pub value_label: String,
    /// The type or refinement it breaks.
    pub type_span: Span,
    pub type_label: String,
    pub help: Option<String>,
}

/// Boxed: errors are rare and the `Ok` path should stay small.
pub(crate) type CheckResult<T> = Result<T, Box<ValueError>>;

/// Checks `value` against `ty`.
pub(crate) fn check(value: &RawValue, ty: &TyInfo, regexes: &Regexes) -> CheckResult<Value> {
    let out = check_base(value, ty, regexes)?;
    for (refinement, span) in ty.ty.refinements.iter().zip(&ty.refinement_spans) {
        check_refinement(&out, value, refinement, *span, ty, regexes)?;
    }
    Ok(out)
}

fn mismatch(value: &RawValue, ty: &TyInfo, help: Option<String>) -> Box<ValueError> {
    let expected = ty.display();
    Box::new(ValueError {
        code: Code::TypeMismatch,
        message: format!(
            "expected {}, found {} {}",
            article(&expected),
            kind_name(&value.raw),
            short(&value.raw)
        ),
        value_span: value.span,
        value_label: format!("this is {}", article_kind(&value.raw)),
        type_span: ty.use_span,
        type_label: format!("expected `{expected}` because of this type"),
        help,
    })
}

fn check_base(value: &RawValue, ty: &TyInfo, regexes: &Regexes) -> CheckResult<Value> {
    match (&ty.ty.kind, &value.raw) {
        (TypeKind::String, Raw::Str(s)) => Ok(Value::Str(s.clone())),
        (TypeKind::Url, Raw::Str(s)) => match url_problem(s) {
            None => Ok(Value::Str(s.clone())),
            Some(problem) => Err(Box::new(ValueError {
                code: Code::InvalidUrl,
                message: format!("`{}` is not a valid URL: {problem}", clip(s)),
                value_span: value.span,
                value_label: "not a URL".to_string(),
                type_span: ty.base_span,
                type_label: format!("`{}` requires an absolute URL", ty.display()),
                help: Some(
                    "a URL has a scheme and a host, like `https://api.example.com/v1` or `postgres://db.internal:5432/app`"
                        .to_string(),
                ),
            })),
        },
        (TypeKind::Enum { members }, Raw::Str(s)) => {
            if members.iter().any(|m| m == s) {
                Ok(Value::Str(s.clone()))
            } else {
                let closest = suggest::closest(s, members.iter().map(String::as_str));
                let help = match closest {
                    Some(c) => format!("did you mean `\"{c}\"`?"),
                    None => format!(
                        "allowed: {}",
                        members
                            .iter()
                            .map(|m| format!("\"{m}\""))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                Err(Box::new(ValueError {
                    code: Code::NotEnumMember,
                    message: format!("`\"{}\"` is not a member of `{}`", clip(s), ty.display()),
                    value_span: value.span,
                    value_label: "not an allowed member".to_string(),
                    type_span: ty.base_span,
                    type_label: "allowed members are listed here".to_string(),
                    help: Some(help),
                }))
            }
        }
        (TypeKind::Int, Raw::Int(i)) => Ok(Value::Int(*i)),
        (TypeKind::Float, Raw::Int(i)) => Ok(Value::Float(*i as f64)),
        (TypeKind::Float, Raw::Float(f)) => Ok(Value::Float(*f)),
        (TypeKind::Bool, Raw::Bool(b)) => Ok(Value::Bool(*b)),
        (TypeKind::Duration, Raw::Duration(ms)) => Ok(Value::Duration(*ms)),
        (TypeKind::List { .. }, Raw::List(items)) => {
            let element = ty.element.as_deref().expect("list types carry their element");
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(check(item, element, regexes)?);
            }
            Ok(Value::List(out))
        }
        (kind, raw) => {
            let help = mismatch_help(kind, raw)
                .unwrap_or_else(|| format!("write {} literal", article(&ty.display())));
            Err(mismatch(value, ty, Some(help)))
        }
    }
}

fn mismatch_help(kind: &TypeKind, raw: &Raw) -> Option<String> {
    match (kind, raw) {
        (TypeKind::Int | TypeKind::Float, Raw::Str(s)) if s.trim().parse::<f64>().is_ok() => {
            Some(format!("write the number without quotes: `{}`", s.trim()))
        }
        (TypeKind::Bool, Raw::Str(s)) if s == "true" || s == "false" => {
            Some(format!("write the bool without quotes: `{s}`"))
        }
        (TypeKind::Duration, Raw::Str(s)) => Some(format!(
            "write a duration without quotes, with a unit: `30s`, `5m`, `1h30m`{}",
            if s.is_empty() { "" } else { " (not a string)" }
        )),
        (TypeKind::Duration, Raw::Int(i)) => {
            Some(format!("add a unit: `{i}s`, `{i}ms`, `{i}m` or `{i}h`"))
        }
        (TypeKind::Int, Raw::Float(_)) => Some("an `int` has no fractional part".to_string()),
        (
            TypeKind::String | TypeKind::Url | TypeKind::Enum { .. },
            Raw::Int(_) | Raw::Float(_) | Raw::Bool(_),
        ) => Some("put the value in double quotes to make it a string".to_string()),
        (TypeKind::List { .. }, _) => Some("write a list in brackets: `[a, b]`".to_string()),
        (_, Raw::List(_)) => Some("only `list<T>` variables take a list".to_string()),
        _ => None,
    }
}

fn check_refinement(
    value: &Value,
    raw: &RawValue,
    refinement: &Refinement,
    span: Span,
    ty: &TyInfo,
    regexes: &Regexes,
) -> CheckResult<()> {
    match refinement {
        Refinement::Range { lo, hi, inclusive } => {
            let x = match value {
                Value::Int(i) => *i as f64,
                Value::Float(f) => *f,
                _ => return Ok(()),
            };
            let (lo_f, hi_f) = (num(*lo), num(*hi));
            let ok = x >= lo_f && if *inclusive { x <= hi_f } else { x < hi_f };
            if ok {
                return Ok(());
            }
            let range = format!(
                "{}{}{}",
                num_text(*lo),
                if *inclusive { "..=" } else { ".." },
                num_text(*hi)
            );
            Err(Box::new(ValueError {
                code: Code::OutOfRange,
                message: format!(
                    "`{}` is outside the range of `{}`",
                    short(&raw.raw),
                    ty.display()
                ),
                value_span: raw.span,
                value_label: format!("{} is not in {range}", short(&raw.raw)),
                type_span: span,
                type_label: format!("`{}` allows {range}", ty.display()),
                help: Some(if x < lo_f {
                    format!("the smallest allowed value is {}", num_text(*lo))
                } else {
                    format!(
                        "the largest allowed value is {}",
                        if *inclusive {
                            num_text(*hi)
                        } else {
                            format!("below {}", num_text(*hi))
                        }
                    )
                }),
            }))
        }
        Refinement::Len { lo, hi, inclusive } => {
            let (len, unit) = match value {
                Value::Str(s) => (s.chars().count() as u64, "characters"),
                Value::List(items) => (items.len() as u64, "elements"),
                _ => return Ok(()),
            };
            let ok = len >= *lo && if *inclusive { len <= *hi } else { len < *hi };
            if ok {
                return Ok(());
            }
            let range = format!("{lo}{}{hi}", if *inclusive { "..=" } else { ".." });
            Err(Box::new(ValueError {
                code: Code::OutOfRange,
                message: format!(
                    "value has {len} {unit}; `{}` allows a length in {range}",
                    ty.display()
                ),
                value_span: raw.span,
                value_label: format!("{len} {unit}"),
                type_span: span,
                type_label: format!("length must be in {range}"),
                help: Some(format!(
                    "use a value with {} {unit}",
                    describe_len(*lo, *hi, *inclusive)
                )),
            }))
        }
        Refinement::Matching { pattern } => {
            let Value::Str(s) = value else { return Ok(()) };
            let Some(re) = regexes.get(pattern) else {
                return Ok(());
            };
            if re.is_match(s) {
                return Ok(());
            }
            Err(Box::new(ValueError {
                code: Code::PatternMismatch,
                message: format!(
                    "`{}` does not match the pattern of `{}`",
                    clip(s),
                    ty.display()
                ),
                value_span: raw.span,
                value_label: "does not match".to_string(),
                type_span: span,
                type_label: format!("must match {}", crate::notation::regex_source(pattern)),
                help: Some(
                    "change the value so the pattern finds a match in it (anchor the pattern with `^...$` to match the whole value)"
                        .to_string(),
                ),
            }))
        }
    }
}

/// "between 1 and 8", "at least 2", for `len` help lines.
fn describe_len(lo: u64, hi: u64, inclusive: bool) -> String {
    let hi_incl = if inclusive { hi } else { hi.saturating_sub(1) };
    if lo == hi_incl {
        format!("exactly {lo}")
    } else {
        format!("{lo} to {hi_incl}")
    }
}

fn num(n: Number) -> f64 {
    match n {
        Number::Int(i) => i as f64,
        Number::Float(f) => f,
    }
}

fn num_text(n: Number) -> String {
    match n {
        Number::Int(i) => i.to_string(),
        Number::Float(f) => crate::notation::float_source(f),
    }
}

/// Why `s` is not an absolute URL (`scheme://host[...]`), or `None` if it is one.
pub(crate) fn url_problem(s: &str) -> Option<&'static str> {
    let Some((scheme, rest)) = s.split_once("://") else {
        return Some("it has no `scheme://`");
    };
    let mut chars = scheme.chars();
    let scheme_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return Some("the scheme is not valid");
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("it contains whitespace");
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host_port.starts_with('[') {
        host_port
            .split(']')
            .next()
            .unwrap_or("")
            .trim_start_matches('[')
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    // `file:///path` has an empty host and is still a URL.
    if host.is_empty() && scheme != "file" {
        return Some("it has no host");
    }
    if let Some((_, port)) = host_port
        .rsplit_once(':')
        .filter(|_| !host_port.ends_with(']'))
    {
        if !port.is_empty()
            && !port.chars().all(|c| c.is_ascii_digit())
            && !host_port.starts_with('[')
        {
            return Some("the port is not a number");
        }
    }
    None
}

fn kind_name(raw: &Raw) -> &'static str {
    match raw {
        Raw::Str(_) => "string",
        Raw::Int(_) => "int",
        Raw::Float(_) => "float",
        Raw::Bool(_) => "bool",
        Raw::Duration(_) => "duration",
        Raw::List(_) => "list",
    }
}

fn article_kind(raw: &Raw) -> String {
    article(kind_name(raw))
}

/// "an `int`", "a `url`", "a `list<string>`".
fn article(word: &str) -> String {
    let vowel = word
        .chars()
        .next()
        .is_some_and(|c| "aeiouAEIOU".contains(c) && !word.starts_with("url"));
    if vowel {
        format!("an `{word}`")
    } else {
        format!("a `{word}`")
    }
}

/// A short rendering of a raw value for messages.
pub(crate) fn short(raw: &Raw) -> String {
    match raw {
        Raw::Str(s) => format!("\"{}\"", clip(s)),
        Raw::Int(i) => i.to_string(),
        Raw::Float(f) => crate::notation::float_source(*f),
        Raw::Bool(b) => b.to_string(),
        Raw::Duration(ms) => format_duration(*ms),
        Raw::List(items) => format!("[…{} elements]", items.len()),
    }
}

/// Strings in messages are cut at 60 characters.
pub(crate) fn clip(s: &str) -> String {
    let escaped: String = s.escape_debug().collect();
    if escaped.chars().count() > 60 {
        format!("{}…", escaped.chars().take(60).collect::<String>())
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(url_problem("https://api.acme.com/v1"), None);
        assert_eq!(url_problem("postgres://u:p@db:5432/app"), None);
        assert_eq!(url_problem("http://[::1]:8080/"), None);
        assert_eq!(url_problem("file:///tmp/x"), None);
        assert!(url_problem("api.acme.com").is_some());
        assert!(url_problem("https://").is_some());
        assert!(url_problem("https://a b").is_some());
        assert!(url_problem("1http://x").is_some());
        assert!(url_problem("http://host:abc/").is_some());
    }
}
