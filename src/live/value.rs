//! A live value (the text a process got in its environment) read back as its declared
//! type, the inverse of the text form `emit::text` writes: ints and floats in decimal,
//! bools `true`/`false`, durations canonical (`1h30m`) or a number in the variable's `unit`,
//! lists split on `separator` (or a JSON array with `list_format = "json"`), union members
//! exactly. Then the refinements (`in`, `matching`, `len in`).

use crate::model::{DurationUnit, Number, Refinement, Type, TypeKind, Value, ValueFormat};

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
        // Only the text envdef writes: `0123` (octal elsewhere), `+1`, `-0` are refused.
        TypeKind::Int => match text.parse::<i64>() {
            Ok(i) if i.to_string() == text => Ok(Value::Int(i)),
            _ => Err(format!("`{shown}` is not an integer")),
        },
        TypeKind::Float => match text.parse::<f64>() {
            Ok(f) if f.is_finite() && plain_decimal(text) => Ok(Value::Float(f)),
            _ => Err(format!("`{shown}` is not a plain decimal number")),
        },
        TypeKind::Bool => {
            let (yes, no) = match &format.bool_words {
                Some((yes, no)) => (yes.as_str(), no.as_str()),
                None => ("true", "false"),
            };
            if text == yes {
                Ok(Value::Bool(true))
            } else if text == no {
                Ok(Value::Bool(false))
            } else {
                Err(format!("`{shown}` is not `{yes}` or `{no}`"))
            }
        }
        TypeKind::Url => match crate::check::url_problem(text) {
            None => Ok(Value::Str(text.to_string())),
            Some(problem) => Err(format!("`{shown}` is not a URL: {problem}")),
        },
        TypeKind::Duration => duration(text, format.duration_unit)
            .map(Value::Duration)
            .ok_or_else(|| match format.duration_unit {
                Some(unit) => format!(
                    "`{shown}` is not a number of {} (whole milliseconds, at most `{}d`)",
                    unit_name(unit),
                    crate::notation::MAX_DURATION_DAYS
                ),
                None => format!(
                    "`{shown}` is not a duration as envdef writes it (`1h30m`, `250ms`, at most `{}d`)",
                    crate::notation::MAX_DURATION_DAYS
                ),
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

/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?`: how envdef writes a float (no exponent, no `+`, no
/// leading zero, digits on both sides of the point).
fn plain_decimal(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    // Every float has a text of at most 17 significant digits (envdef writes the shortest);
    // the application targets' patterns need the limit to be exact (`emit::decimal`).
    let significant = format!("{whole}{}", fraction.unwrap_or(""));
    let significant = significant.trim_start_matches('0').trim_end_matches('0');
    all_digits(whole)
        && (whole == "0" || !whole.starts_with('0'))
        && fraction.map_or(true, all_digits)
        && significant.len() <= 17
}

fn unit_name(unit: DurationUnit) -> &'static str {
    match unit {
        DurationUnit::Ms => "milliseconds",
        DurationUnit::S => "seconds",
        DurationUnit::M => "minutes",
        DurationUnit::H => "hours",
    }
}

/// Milliseconds, from canonical text (exactly as envdef writes it: `1h30m`, never `90m`,
/// so that every reader can bound it by one pattern) or a (decimal) number of `unit`; at
/// most [`crate::notation::MAX_DURATION_MS`] either way.
fn duration(text: &str, unit: Option<DurationUnit>) -> Option<u64> {
    let Some(unit) = unit else {
        let millis = crate::notation::parse_duration(text)?;
        return (crate::notation::format_duration(millis) == text).then_some(millis);
    };
    let size = unit.millis();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // `01` is no number envdef writes (and octal to some readers).
    if whole.len() > 1 && whole.starts_with('0') {
        return None;
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) || (text.contains('.') && fraction.is_empty())
    {
        return None;
    }
    let millis = whole.parse::<u64>().ok()?.checked_mul(size)?;
    // The fraction must land on whole milliseconds: `fraction / 10^digits * size` is an
    // integer (0.00005 minutes is 3 ms; 0.0005 seconds is none). No unit's size has more
    // than 7 factors of 10 to spare, so a longer significant fraction never lands.
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > 7 {
        return None;
    }
    let scale = 10u64.pow(fraction.len() as u32);
    let part = fraction.parse::<u64>().unwrap_or(0) * size;
    if part % scale != 0 {
        return None;
    }
    let millis = millis.checked_add(part / scale)?;
    (millis <= crate::notation::MAX_DURATION_MS).then_some(millis)
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

    /// Only the text envdef writes: the other readers (pydantic, zod, JSON Schema) refuse the
    /// rest too (tests/readers_apps.rs has the full matrix against them).
    #[test]
    fn reads_only_the_text_form() {
        let f = ValueFormat::default();
        let int = ty(TypeKind::Int, vec![]);
        for bad in ["0123", "+1", "-0", " 1", "1_000", "1e3", "0x10", "1.0"] {
            assert!(parse(bad, &int, &f).is_err(), "{bad}");
        }
        let float = ty(TypeKind::Float, vec![]);
        for bad in ["1e3", ".5", "1.", "00.5", "+0.5", "inf"] {
            assert!(parse(bad, &float, &f).is_err(), "{bad}");
        }
        assert_eq!(parse("-0.25", &float, &f), Ok(Value::Float(-0.25)));
        let yes_no = ValueFormat {
            bool_words: Some(("yes".into(), "no".into())),
            ..ValueFormat::default()
        };
        let b = ty(TypeKind::Bool, vec![]);
        assert_eq!(parse("no", &b, &yes_no), Ok(Value::Bool(false)));
        assert!(parse("true", &b, &yes_no).is_err());
        let minutes = ValueFormat {
            duration_unit: Some(DurationUnit::M),
            ..ValueFormat::default()
        };
        let d = ty(TypeKind::Duration, vec![]);
        assert_eq!(parse("1.00005", &d, &minutes), Ok(Value::Duration(60_003)));
        assert!(parse("1.00001", &d, &minutes).is_err());
        assert!(parse("01", &d, &minutes).is_err());
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
