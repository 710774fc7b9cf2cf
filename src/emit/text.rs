//! Typed value → the text form used by the text targets (.env, compose, ConfigMap data).
//!
//! Ints and floats in plain decimal, bools `true`/`false`, durations canonical (`1h30m`) or as
//! an exact number in the variable's `unit`, lists joined by `separator` or as a JSON array.
//! Secrets have no text form (they are references, never values).

use std::borrow::Cow;

use crate::model::{DurationUnit, Value, ValueFormat};
use crate::notation::float_value;

/// Why a value has no text form; the caller attaches variable, environment and span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TextError {
    /// A list element contains the separator that joins the list.
    Separator { element: String, separator: String },
    /// A duration that is not a terminating decimal in the requested unit.
    InexactUnit { millis: u64, unit: &'static str },
}

/// The text form of a value, or `None` for a secret.
/// Strings are borrowed: most values are strings, and this runs once per value per
/// artifact.
pub(crate) fn value_text<'v>(
    value: &'v Value,
    format: &ValueFormat,
) -> Result<Option<Cow<'v, str>>, TextError> {
    Ok(Some(Cow::Owned(match value {
        Value::Secret { .. } | Value::Derived { .. } => return Ok(None),
        Value::Str(s) => return Ok(Some(Cow::Borrowed(s))),
        Value::List(items) if format.list_json => {
            let mut out = String::new();
            list_json(items, format, &mut out)?;
            out
        }
        Value::List(items) => {
            let mut out = String::new();
            for (i, item) in items.iter().enumerate() {
                let text = scalar_text(item, format)?;
                if !format.separator.is_empty() && text.contains(format.separator.as_str()) {
                    return Err(TextError::Separator {
                        element: text,
                        separator: format.separator.clone(),
                    });
                }
                if i > 0 {
                    out.push_str(&format.separator);
                }
                out.push_str(&text);
            }
            out
        }
        other => scalar_text(other, format)?,
    })))
}

/// Writes an int, float or bool straight into `out` (no allocation) and returns `true`;
/// `false` for every other value. Their text (`-12`, `0.5`, `true`) needs no quoting in
/// any format, which lets the hot loops skip `value_text` and the quoting for them.
pub(crate) fn push_plain_scalar(value: &Value, format: &ValueFormat, out: &mut String) -> bool {
    use std::fmt::Write as _;
    match value {
        // `bool_format` words are checked to be bare (letters, digits, `_`, `-`, `.`).
        Value::Bool(b) if format.bool_words.is_some() => {
            let (yes, no) = format.bool_words.as_ref().expect("checked");
            out.push_str(if *b { yes } else { no });
        }
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        // `-0` is written `0`, as in `notation::float_value`.
        Value::Float(f) if *f == 0.0 => out.push('0'),
        Value::Float(f) => {
            let _ = write!(out, "{f}");
        }
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        _ => return false,
    }
    true
}

/// A non-list value's text (a nested list, which the checker does not produce, is JSON).
fn scalar_text(value: &Value, format: &ValueFormat) -> Result<String, TextError> {
    Ok(match value {
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => float_value(*f),
        Value::Bool(b) => match &format.bool_words {
            Some((yes, no)) => {
                if *b {
                    yes.clone()
                } else {
                    no.clone()
                }
            }
            None => b.to_string(),
        },
        Value::Duration(ms) => duration_text(*ms, format.duration_unit)?,
        Value::List(items) => {
            let mut out = String::new();
            list_json(items, format, &mut out)?;
            out
        }
        Value::Secret { .. } | Value::Derived { .. } => String::new(),
    })
}

fn list_json(items: &[Value], format: &ValueFormat, out: &mut String) -> Result<(), TextError> {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match item {
            Value::Str(s) => out.push_str(&serde_json::Value::String(s.clone()).to_string()),
            Value::List(inner) => list_json(inner, format, out)?,
            Value::Duration(ms) if format.duration_unit.is_none() => out.push_str(
                &serde_json::Value::String(crate::model::format_duration(*ms)).to_string(),
            ),
            other => out.push_str(&scalar_text(other, format)?),
        }
    }
    out.push(']');
    Ok(())
}

/// A duration in the variable's unit when it has one, else canonical.
pub(crate) fn duration_text(millis: u64, unit: Option<DurationUnit>) -> Result<String, TextError> {
    match unit {
        None => Ok(crate::model::format_duration(millis)),
        Some(unit) => duration_in_unit(millis, unit),
    }
}

fn unit_info(unit: DurationUnit) -> (u64, &'static str) {
    let name = match unit {
        DurationUnit::Ms => "ms",
        DurationUnit::S => "s",
        DurationUnit::M => "m",
        DurationUnit::H => "h",
    };
    (unit.millis(), name)
}

/// The exact decimal `millis / unit`, or an error when it does not terminate (`1s` in `m`).
pub(crate) fn duration_in_unit(millis: u64, unit: DurationUnit) -> Result<String, TextError> {
    let (size, name) = unit_info(unit);
    let whole = millis / size;
    let mut rem = millis % size;
    if rem == 0 {
        return Ok(whole.to_string());
    }
    // The reduced denominator must have only factors 2 and 5 for a terminating decimal.
    let mut den = size / gcd(rem, size);
    while den % 2 == 0 {
        den /= 2;
    }
    while den % 5 == 0 {
        den /= 5;
    }
    if den != 1 {
        return Err(TextError::InexactUnit { millis, unit: name });
    }
    let mut out = whole.to_string();
    out.push('.');
    while rem != 0 {
        rem *= 10;
        out.push(char::from(b'0' + (rem / size) as u8));
        rem %= size;
    }
    Ok(out)
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Text safe inside a one-line `#` comment: control characters (newlines included) become
/// spaces, so a doc string or file name can never start a new line in the output.
pub(crate) fn comment_text(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
                ' '
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration_in_unit(1_500, DurationUnit::S).unwrap(), "1.5");
        assert_eq!(duration_in_unit(1, DurationUnit::S).unwrap(), "0.001");
        assert_eq!(duration_in_unit(90_000, DurationUnit::M).unwrap(), "1.5");
        assert_eq!(duration_in_unit(30_000, DurationUnit::Ms).unwrap(), "30000");
        assert!(duration_in_unit(1_000, DurationUnit::M).is_err());
    }

    #[test]
    fn plain_scalars_match_their_text() {
        for v in [
            Value::Int(-12),
            Value::Float(1e3),
            Value::Float(-0.0),
            Value::Float(0.25),
            Value::Bool(true),
        ] {
            let yes_no = ValueFormat {
                bool_words: Some(("yes".into(), "no".into())),
                ..ValueFormat::default()
            };
            for format in [ValueFormat::default(), yes_no] {
                let mut out = String::new();
                assert!(push_plain_scalar(&v, &format, &mut out));
                assert_eq!(out, value_text(&v, &format).unwrap().unwrap());
            }
        }
        assert!(!push_plain_scalar(
            &Value::Str("1".into()),
            &ValueFormat::default(),
            &mut String::new()
        ));
    }

    #[test]
    fn bool_format_words_replace_true_and_false() {
        let format = ValueFormat {
            bool_words: Some(("1".into(), "0".into())),
            ..ValueFormat::default()
        };
        let text = |v: &Value| value_text(v, &format).unwrap().unwrap().into_owned();
        assert_eq!(text(&Value::Bool(true)), "1");
        assert_eq!(text(&Value::Bool(false)), "0");
        assert_eq!(
            text(&Value::List(vec![Value::Bool(true), Value::Bool(false)])),
            "1,0"
        );
    }

    #[test]
    fn floats_have_no_exponent() {
        let f = ValueFormat::default();
        assert_eq!(value_text(&Value::Float(1e3), &f).unwrap().unwrap(), "1000");
        assert_eq!(
            value_text(&Value::Float(1e-7), &f).unwrap().unwrap(),
            "0.0000001"
        );
        assert_eq!(value_text(&Value::Float(-0.0), &f).unwrap().unwrap(), "0");
    }

    #[test]
    fn lists() {
        let f = ValueFormat::default();
        let v = Value::List(vec![Value::Str("a".into()), Value::Int(2)]);
        assert_eq!(value_text(&v, &f).unwrap().unwrap(), "a,2");
        let bad = Value::List(vec![Value::Str("a,b".into())]);
        assert!(matches!(
            value_text(&bad, &f),
            Err(TextError::Separator { .. })
        ));
        let json = ValueFormat {
            list_json: true,
            ..ValueFormat::default()
        };
        assert_eq!(value_text(&bad, &json).unwrap().unwrap(), r#"["a,b"]"#);
    }
}
