//! A live value (the text a process got in its environment) read back as its declared
//! type, the inverse of the text form `emit::text` writes: ints and floats in decimal,
//! bools `true`/`false`, durations canonical (`1h30m`) or a number in the variable's `unit`,
//! lists split on `separator` (or a JSON array with `list_format = "json"`), union members
//! exactly. Then the refinements (`in`, `matching`, `len in`).

use crate::model::{DurationUnit, Number, Refinement, Type, TypeKind, Value, ValueFormat};
use crate::source::FileId;

/// Reads `text` as `ty`; the error is a sentence about the value (plain values only: the
/// caller never passes a secret).
pub fn parse(text: &str, ty: &Type, format: &ValueFormat) -> Result<Value, String> {
    let value = parse_kind(text, &ty.kind, format)?;
    refine(&value, text, ty)?;
    Ok(value)
}

fn parse_kind(text: &str, kind: &TypeKind, format: &ValueFormat) -> Result<Value, String> {
    let shown = crate::check::values_clip(text);
    match kind {
        TypeKind::String => Ok(Value::Str(text.to_string())),
        TypeKind::Int => text
            .parse::<i64>()
            .map(Value::Int)
            .map_err(|_| format!("`{shown}` is not an integer")),
        TypeKind::Float => match text.parse::<f64>() {
            Ok(f) if f.is_finite() && !text.starts_with('+') => Ok(Value::Float(f)),
            _ => Err(format!("`{shown}` is not a number")),
        },
        TypeKind::Bool => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("`{shown}` is not `true` or `false`")),
        },
        TypeKind::Url => match crate::check::url_problem(text) {
            None => Ok(Value::Str(text.to_string())),
            Some(problem) => Err(format!("`{shown}` is not a URL: {problem}")),
        },
        TypeKind::Duration => duration(text, format.duration_unit)
            .map(Value::Duration)
            .ok_or_else(|| match format.duration_unit {
                Some(unit) => format!("`{shown}` is not a number of {}", unit_name(unit)),
                None => format!("`{shown}` is not a duration like `1h30m` or `250ms`"),
            }),
        TypeKind::Enum { members } => {
            if members.iter().any(|m| m == text) {
                Ok(Value::Str(text.to_string()))
            } else {
                let mut message = format!(
                    "`{shown}` is not one of {}",
                    members
                        .iter()
                        .map(|m| format!("\"{m}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                if let Some(close) = crate::diagnostics::suggest::did_you_mean(
                    text,
                    members.iter().map(String::as_str),
                ) {
                    message.push_str(&format!(" ({close})"));
                }
                Err(message)
            }
        }
        TypeKind::List { element } => {
            let items: Vec<String> = if format.list_json {
                let json: serde_json::Value = serde_json::from_str(text)
                    .map_err(|_| format!("`{shown}` is not a JSON array"))?;
                let array = json
                    .as_array()
                    .ok_or_else(|| format!("`{shown}` is not a JSON array"))?;
                array
                    .iter()
                    .map(|v| match v {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect()
            } else if text.is_empty() {
                Vec::new()
            } else {
                text.split(format.separator.as_str())
                    .map(str::to_string)
                    .collect()
            };
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let value = parse(item, element, format)
                    .map_err(|e| format!("element {} of the list: {e}", i + 1))?;
                out.push(value);
            }
            Ok(Value::List(out))
        }
    }
}

fn unit_name(unit: DurationUnit) -> &'static str {
    match unit {
        DurationUnit::Ms => "milliseconds",
        DurationUnit::S => "seconds",
        DurationUnit::M => "minutes",
        DurationUnit::H => "hours",
    }
}

/// Milliseconds, from canonical text or a (decimal) number of `unit`.
fn duration(text: &str, unit: Option<DurationUnit>) -> Option<u64> {
    let Some(unit) = unit else {
        if text.is_empty() || text.contains('_') {
            return None;
        }
        return crate::syntax::literal::duration(FileId(0), text, 0)
            .ok()
            .map(|d| d.millis);
    };
    let size: u64 = match unit {
        DurationUnit::Ms => 1,
        DurationUnit::S => 1_000,
        DurationUnit::M => 60_000,
        DurationUnit::H => 3_600_000,
    };
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) || (text.contains('.') && fraction.is_empty())
    {
        return None;
    }
    let mut millis = whole.parse::<u64>().ok()?.checked_mul(size)?;
    // Each fractional digit is a tenth of the one before; it must land on whole ms.
    let mut scale = size;
    for digit in fraction.bytes() {
        if scale % 10 != 0 {
            if digit != b'0' {
                return None;
            }
            continue;
        }
        scale /= 10;
        millis = millis.checked_add(u64::from(digit - b'0') * scale)?;
    }
    Some(millis)
}

/// The declared refinements, checked on a parsed value.
fn refine(value: &Value, text: &str, ty: &Type) -> Result<(), String> {
    let shown = crate::check::values_clip(text);
    for refinement in &ty.refinements {
        match refinement {
            Refinement::Range { lo, hi, inclusive } => {
                let n = match value {
                    Value::Int(i) => *i as f64,
                    Value::Float(f) => *f,
                    Value::Duration(ms) => *ms as f64,
                    _ => continue,
                };
                let (lo_f, hi_f) = (number(*lo), number(*hi));
                let inside = n >= lo_f && if *inclusive { n <= hi_f } else { n < hi_f };
                if !inside {
                    let op = if *inclusive { "..=" } else { ".." };
                    return Err(format!(
                        "`{shown}` is outside {}{op}{}",
                        number_text(*lo, value),
                        number_text(*hi, value)
                    ));
                }
            }
            Refinement::Matching { pattern } => {
                let Value::Str(s) = value else { continue };
                let re = regex::RegexBuilder::new(pattern)
                    .size_limit(crate::check::REGEX_SIZE_LIMIT)
                    .build()
                    .map_err(|_| format!("the pattern /{pattern}/ does not compile"))?;
                if !re.is_match(s) {
                    return Err(format!("`{shown}` does not match /{pattern}/"));
                }
            }
            Refinement::Len { lo, hi, inclusive } => {
                let len = match value {
                    Value::Str(s) => s.chars().count() as u64,
                    Value::List(items) => items.len() as u64,
                    _ => continue,
                };
                let inside = len >= *lo && if *inclusive { len <= *hi } else { len < *hi };
                if !inside {
                    let op = if *inclusive { "..=" } else { ".." };
                    return Err(format!("`{shown}` has length {len}, outside {lo}{op}{hi}"));
                }
            }
        }
    }
    Ok(())
}

fn number(n: Number) -> f64 {
    match n {
        Number::Int(i) => i as f64,
        Number::Float(f) => f,
    }
}

fn number_text(n: Number, value: &Value) -> String {
    match (n, value) {
        (Number::Int(ms), Value::Duration(_)) if ms >= 0 => {
            crate::model::format_duration(ms as u64)
        }
        (Number::Int(i), _) => i.to_string(),
        (Number::Float(f), _) => f.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(kind: TypeKind, refinements: Vec<Refinement>) -> Type {
        Type {
            kind,
            refinements,
            name: None,
        }
    }

    #[test]
    fn reads_back_what_the_text_targets_write() {
        let f = ValueFormat::default();
        assert_eq!(
            parse("42", &ty(TypeKind::Int, vec![]), &f),
            Ok(Value::Int(42))
        );
        assert_eq!(
            parse("1m30s", &ty(TypeKind::Duration, vec![]), &f),
            Ok(Value::Duration(90_000))
        );
        let secs = ValueFormat {
            duration_unit: Some(DurationUnit::S),
            ..ValueFormat::default()
        };
        assert_eq!(
            parse("1.5", &ty(TypeKind::Duration, vec![]), &secs),
            Ok(Value::Duration(1_500))
        );
        assert!(parse("1.0005", &ty(TypeKind::Duration, vec![]), &secs).is_err());
        let list = ty(
            TypeKind::List {
                element: Box::new(ty(TypeKind::Int, vec![])),
            },
            vec![],
        );
        assert_eq!(
            parse("1,2", &list, &f),
            Ok(Value::List(vec![Value::Int(1), Value::Int(2)]))
        );
        assert_eq!(
            parse("1,x", &list, &f).unwrap_err(),
            "element 2 of the list: `x` is not an integer"
        );
    }

    #[test]
    fn refinements_are_checked() {
        let f = ValueFormat::default();
        let port = ty(
            TypeKind::Int,
            vec![Refinement::Range {
                lo: Number::Int(1),
                hi: Number::Int(65535),
                inclusive: true,
            }],
        );
        assert_eq!(
            parse("70000", &port, &f).unwrap_err(),
            "`70000` is outside 1..=65535"
        );
        let level = ty(
            TypeKind::Enum {
                members: vec!["debug".into(), "info".into()],
            },
            vec![],
        );
        assert!(parse("inf", &level, &f)
            .unwrap_err()
            .starts_with("`inf` is not one of \"debug\", \"info\""));
    }
}
