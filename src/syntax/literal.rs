//! Literal tokens → values: strings (escapes, `${NAME}`, `$$`), regexes, and the digit-led
//! words the grammar accepts as `number` (ints, floats, durations).
//!
//! The grammar accepts these tokens generously on purpose; this module decides what they
//! mean and, when they mean nothing, says precisely why, pointing INTO the token (the bad
//! escape, the unknown unit). Functions take the token's text and its absolute start
//! offset and return the value or a finished [`Diagnostic`].

use crate::ast::{DurationLit, Ident, RegexLit, StrLit, StrPart, ValueKind};
use crate::diagnostics::{Code, Diagnostic};
use crate::notation::{MAX_DURATION_DAYS, MAX_DURATION_MS};
use crate::source::{FileId, Span};

/// Milliseconds per duration unit, largest first (the required order).
const UNITS: &[(&str, u64)] = &crate::notation::DURATION_UNITS;

/// Decodes a string token (quotes included) at byte offset `at`.
pub(crate) fn string(file: FileId, raw: &str, at: usize) -> Result<StrLit, Diagnostic> {
    let span = Span::new(file, at, at + raw.len());
    let inner = &raw[1..raw.len() - 1];
    // Fast path: most strings have nothing to decode.
    if !inner.bytes().any(|b| b == b'\\' || b == b'$') {
        let parts = if inner.is_empty() {
            Vec::new()
        } else {
            vec![StrPart::Text(inner.to_string())]
        };
        return Ok(StrLit { parts, span });
    }
    let base = at + 1;
    let sp = |a: usize, b: usize| Span::new(file, base + a, base + b);
    let mut parts = Vec::new();
    let mut text = String::new();
    let bytes = inner.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => {
                let c = inner[i + 1..].chars().next().unwrap_or('\\');
                let esc_end = i + 1 + c.len_utf8();
                match c {
                    '"' => text.push('"'),
                    '\\' => text.push('\\'),
                    'n' => text.push('\n'),
                    'r' => text.push('\r'),
                    't' => text.push('\t'),
                    'u' => {
                        let (ch, end) = unicode_escape(inner, i, &sp)?;
                        text.push(ch);
                        i = end;
                        continue;
                    }
                    other => {
                        let mut d = Diagnostic::error(
                            Code::InvalidEscape,
                            format!("unknown escape `\\{other}` in a string"),
                        )
                        .primary(sp(i, esc_end), "not a valid escape");
                        d = d.help(if other == '$' {
                            "write `$$` for a literal `$`".to_string()
                        } else {
                            "the escapes are `\\\"`, `\\\\`, `\\n`, `\\r`, `\\t` and `\\u{HEX}`; write `\\\\` for a backslash".to_string()
                        });
                        return Err(d);
                    }
                }
                i = esc_end;
            }
            b'$' => match dollar(inner, i) {
                Dollar::Doubled => {
                    text.push('$');
                    i += 2;
                }
                Dollar::Unclosed => {
                    return Err(Diagnostic::error(
                        Code::MalformedInterpolation,
                        "unterminated interpolation `${` in a string",
                    )
                    .primary(sp(i, i + 2), "this `${` is never closed")
                    .help("close it with `}`, or write `$${` for a literal `${`"));
                }
                Dollar::Interp { close } => {
                    let name_start = i + 2;
                    let name_end = close;
                    let name = &inner[name_start..name_end];
                    if !is_ident(name) {
                        let what = if name.is_empty() {
                            "an empty interpolation `${}`".to_string()
                        } else {
                            format!("`{name}` is not a variable name")
                        };
                        return Err(Diagnostic::error(
                            Code::MalformedInterpolation,
                            format!("invalid interpolation: {what}"),
                        )
                        .primary(sp(i, name_end + 1), "expected `${NAME}`")
                        .help("interpolate a variable as `${NAME}` (or `${env}`, `${service}`); write `$$` for a literal `$`"));
                    }
                    if !text.is_empty() {
                        parts.push(StrPart::Text(std::mem::take(&mut text)));
                    }
                    parts.push(StrPart::Interp(Ident {
                        text: name.to_string(),
                        span: sp(name_start, name_end),
                    }));
                    i = name_end + 1;
                }
                // A `$` before anything else is just a dollar sign.
                Dollar::Plain => {
                    text.push('$');
                    i += 1;
                }
            },
            _ => {
                // Copy the run up to the next special byte in one go.
                let run_end = inner[i..].find(['\\', '$']).map_or(inner.len(), |n| i + n);
                text.push_str(&inner[i..run_end]);
                i = run_end;
            }
        }
    }
    if !text.is_empty() {
        parts.push(StrPart::Text(text));
    }
    Ok(StrLit { parts, span })
}

/// What the `$` at byte `i` of a string's text starts. The one place that knows the
/// interpolation syntax: the decoder above and [`interpolations`] both ask it.
enum Dollar {
    /// `$$`: a literal `$`.
    Doubled,
    /// `${…}` closed by the `}` at byte `close`.
    Interp { close: usize },
    /// `${` with no `}` after it.
    Unclosed,
    /// A `$` before anything else: just a dollar sign.
    Plain,
}

fn dollar(text: &str, i: usize) -> Dollar {
    match text.as_bytes().get(i + 1) {
        Some(b'$') => Dollar::Doubled,
        Some(b'{') => match text[i + 2..].find('}') {
            Some(n) => Dollar::Interp { close: i + 2 + n },
            None => Dollar::Unclosed,
        },
        _ => Dollar::Plain,
    }
}

/// One `${NAME}` in a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpolation<'a> {
    /// The name between the braces (`API_URL`, or the built-ins `env` and `service`).
    pub name: &'a str,
    /// Byte range of the whole `${NAME}` in the template.
    pub range: std::ops::Range<usize>,
}

/// Every `${NAME}` of a template in the model's form ([`crate::model::Origin::template`]:
/// escapes decoded, a literal `$` written `$$`), in order. `$$` is skipped; text after an
/// unclosed `${` has no interpolations.
pub fn interpolations(template: &str) -> Vec<Interpolation<'_>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(n) = template[from..].find('$') {
        let at = from + n;
        match dollar(template, at) {
            Dollar::Doubled => from = at + 2,
            Dollar::Plain => from = at + 1,
            Dollar::Unclosed => break,
            Dollar::Interp { close } => {
                found.push(Interpolation {
                    name: &template[at + 2..close],
                    range: at..close + 1,
                });
                from = close + 1;
            }
        }
    }
    found
}

/// `\u{HEX}` starting at the backslash at `i`; returns the char and the offset after `}`.
fn unicode_escape(
    inner: &str,
    i: usize,
    sp: &dyn Fn(usize, usize) -> Span,
) -> Result<(char, usize), Diagnostic> {
    let help = "write a Unicode escape as `\\u{HEX}` with 1 to 6 hex digits, e.g. `\\u{1F600}`";
    let rest = &inner[i + 2..];
    if !rest.starts_with('{') {
        return Err(Diagnostic::error(
            Code::InvalidUnicodeEscape,
            "invalid Unicode escape: expected `{` after `\\u`",
        )
        .primary(sp(i, i + 2), "expected `\\u{...}`")
        .help(help));
    }
    let Some(close) = rest.find('}') else {
        return Err(Diagnostic::error(
            Code::InvalidUnicodeEscape,
            "invalid Unicode escape: missing `}`",
        )
        .primary(sp(i, i + 3), "this `\\u{` is never closed")
        .help(help));
    };
    let hex = &rest[1..close];
    let end = i + 2 + close + 1;
    let bad = |msg: String, label: &str| {
        Err(Diagnostic::error(Code::InvalidUnicodeEscape, msg)
            .primary(sp(i, end), label.to_string())
            .help(help))
    };
    if hex.is_empty() || hex.len() > 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return bad(
            format!("invalid Unicode escape `\\u{{{hex}}}`"),
            "expected 1 to 6 hex digits",
        );
    }
    let value = u32::from_str_radix(hex, 16).unwrap_or(u32::MAX);
    match char::from_u32(value) {
        Some(c) => Ok((c, end)),
        None => bad(
            format!("invalid Unicode escape `\\u{{{hex}}}`: not a Unicode scalar value"),
            "surrogates and values above 10FFFF are not characters",
        ),
    }
}

fn is_ident(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Decodes a regex token (slashes included): `\/` becomes `/`, other escapes stay for the
/// regex engine.
pub(crate) fn regex(file: FileId, raw: &str, at: usize) -> RegexLit {
    let inner = &raw[1..raw.len() - 1];
    RegexLit {
        pattern: inner.replace("\\/", "/"),
        span: Span::new(file, at, at + raw.len()),
    }
}

/// Classifies and converts a `number` token: an int, a float or a duration.
pub(crate) fn number(file: FileId, raw: &str, at: usize) -> Result<ValueKind, Diagnostic> {
    let span = Span::new(file, at, at + raw.len());
    let (negative, body) = match raw.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    let body_at = at + usize::from(negative);
    let is_exponent = |s: &str| {
        // `1e3`, `2.5E-4`: digits, optional fraction, an exponent, nothing else.
        let Some(e) = s.find(['e', 'E']) else {
            return false;
        };
        let (mant, exp) = (&s[..e], &s[e + 1..]);
        let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        !mant.is_empty()
            && mant
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.' || b == b'_')
            && !exp.is_empty()
            && exp.bytes().all(|b| b.is_ascii_digit())
    };
    if body.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
        return int(raw, body, span);
    }
    if body
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'_' || b == b'.')
        || is_exponent(body)
    {
        return float(raw, body, span);
    }
    if matches!(body.as_bytes().get(1), Some(b'x' | b'o' | b'b')) && body.starts_with('0') {
        return Err(Diagnostic::error(
            Code::InvalidNumber,
            format!("`{raw}`: hexadecimal, octal and binary numbers are not supported"),
        )
        .primary(span, "not a decimal number")
        .help("write the number in decimal"));
    }
    if let Some(d) = fractional_duration(raw, body, span) {
        return Err(d);
    }
    let mant_end = body
        .find(|c: char| !(c.is_ascii_digit() || c == '_' || c == '.'))
        .unwrap_or(body.len());
    if matches!(&body[mant_end..], "e" | "E" | "e+" | "e-" | "E+" | "E-") {
        return Err(Diagnostic::error(
            Code::InvalidNumber,
            format!("`{raw}` is not a number: the exponent has no digits"),
        )
        .primary(span, "incomplete exponent")
        .help(format!("write the exponent's digits, e.g. `{}3`", raw)));
    }
    let d = duration(file, body, body_at)?;
    if negative {
        return Err(Diagnostic::error(
            Code::InvalidDuration,
            format!("a duration cannot be negative: `{raw}`"),
        )
        .primary(span, "negative duration")
        .help(format!("write `{body}`")));
    }
    Ok(ValueKind::Duration(d))
}

fn check_underscores(raw: &str, digits: &str, span: Span) -> Result<(), Diagnostic> {
    if digits.starts_with('_') || digits.ends_with('_') || digits.contains("__") {
        return Err(Diagnostic::error(
            Code::InvalidNumber,
            format!("misplaced `_` in the number `{raw}`"),
        )
        .primary(span, "`_` may only separate digits")
        .help(format!("write `{}`", raw.replace('_', ""))));
    }
    Ok(())
}

fn int(raw: &str, body: &str, span: Span) -> Result<ValueKind, Diagnostic> {
    check_underscores(raw, body, span)?;
    let digits: String = body.chars().filter(|&c| c != '_').collect();
    if digits.len() > 1 && digits.starts_with('0') {
        let trimmed = digits.trim_start_matches('0');
        let fixed = if trimmed.is_empty() { "0" } else { trimmed };
        let sign = if raw.starts_with('-') { "-" } else { "" };
        return Err(Diagnostic::error(
            Code::LeadingZero,
            format!("integer with a leading zero: `{raw}`"),
        )
        .primary(span, "leading zeros are not allowed")
        .help(format!(
            "write `{sign}{fixed}`, or `\"{raw}\"` if it is a code rather than a number (a leading zero often means octal to other tools)"
        )));
    }
    let signed = if raw.starts_with('-') {
        format!("-{digits}")
    } else {
        digits
    };
    match signed.parse::<i64>() {
        Ok(n) => Ok(ValueKind::Int(n)),
        Err(_) => Err(Diagnostic::error(
            Code::NumberOutOfRange,
            format!("integer `{raw}` is out of range"),
        )
        .primary(span, "does not fit in 64 bits")
        .help(format!(
            "integers range from {} to {}; quote it if it is an identifier, not a number",
            i64::MIN,
            i64::MAX
        ))),
    }
}

fn float(raw: &str, body: &str, span: Span) -> Result<ValueKind, Diagnostic> {
    let mantissa_end = body.find(['e', 'E']).unwrap_or(body.len());
    let (int_part, frac) = match body[..mantissa_end].split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (&body[..mantissa_end], None),
    };
    if body[..mantissa_end].matches('.').count() > 1 || frac.is_some_and(str::is_empty) {
        return Err(
            Diagnostic::error(Code::InvalidNumber, format!("`{raw}` is not a number"))
                .primary(span, "malformed number")
                .help("write a float like `0.5`, `2.5e-3` or `1e3`"),
        );
    }
    check_underscores(raw, int_part, span)?;
    if let Some(f) = frac {
        check_underscores(raw, f, span)?;
    }
    let digits = int_part.replace('_', "");
    if digits.len() > 1 && digits.starts_with('0') {
        return Err(Diagnostic::error(
            Code::LeadingZero,
            format!("number with a leading zero: `{raw}`"),
        )
        .primary(span, "leading zeros are not allowed")
        .help(format!(
            "write `{}`",
            raw.replacen(&digits, digits.trim_start_matches('0'), 1)
        )));
    }
    let clean: String = raw.chars().filter(|&c| c != '_').collect();
    match clean.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(ValueKind::Float(x)),
        _ => Err(Diagnostic::error(
            Code::NumberOutOfRange,
            format!("float `{raw}` is out of range"),
        )
        .primary(span, "too large for a 64-bit float")
        .help("floats go up to about 1.8e308")),
    }
}

/// `1h30m`, `250ms`, `2d`: (digits unit)+, units strictly largest first.
pub(crate) fn duration(file: FileId, body: &str, at: usize) -> Result<DurationLit, Diagnostic> {
    let span = Span::new(file, at, at + body.len());
    let units_help =
        "duration units are `d`, `h`, `m`, `s` and `ms`, largest first, e.g. `1h30m` or `250ms`";
    let bytes = body.as_bytes();
    let mut i = 0;
    let mut total: u64 = 0;
    let mut last_rank: Option<usize> = None;
    let mut parts: Vec<(u64, usize)> = Vec::new();
    while i < bytes.len() {
        let num_start = i;
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'_') {
            i += 1;
        }
        let unit_start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        let digits = &body[num_start..unit_start];
        let unit = &body[unit_start..i];
        if digits.is_empty() {
            let rest = &body[num_start..];
            return Err(Diagnostic::error(
                Code::InvalidDuration,
                format!("invalid duration `{body}`"),
            )
            .primary(
                Span::new(file, at + num_start, at + body.len()),
                format!("unexpected `{rest}`"),
            )
            .help(units_help));
        }
        let unit_span = Span::new(file, at + unit_start, at + i);
        let Some(rank) = UNITS.iter().position(|(u, _)| *u == unit) else {
            let msg = if unit.is_empty() {
                format!("invalid duration `{body}`: a number needs a unit here")
            } else {
                format!("invalid duration `{body}`: unknown unit `{unit}`")
            };
            let label_span = if unit.is_empty() {
                Span::new(file, at + num_start, at + i)
            } else {
                unit_span
            };
            let mut d = Diagnostic::error(Code::InvalidDuration, msg)
                .primary(label_span, "not a duration unit");
            let suggestion = UNITS
                .iter()
                .map(|(u, _)| *u)
                .chain(["sec", "min", "hour", "day"])
                .find(|u| {
                    !unit.is_empty() && unit.starts_with(u)
                        || u.starts_with(unit) && !unit.is_empty()
                });
            d = d.help(match (suggestion, unit) {
                (_, "") => units_help.to_string(),
                (Some("sec"), _) => {
                    format!("write seconds as `s`: `{}`", body.replacen(unit, "s", 1))
                }
                (Some("min"), _) => {
                    format!("write minutes as `m`: `{}`", body.replacen(unit, "m", 1))
                }
                (Some("hour"), _) => {
                    format!("write hours as `h`: `{}`", body.replacen(unit, "h", 1))
                }
                (Some("day"), _) => format!("write days as `d`: `{}`", body.replacen(unit, "d", 1)),
                _ => units_help.to_string(),
            });
            return Err(d);
        };
        if let Some(prev) = last_rank {
            if rank <= prev {
                let mut sorted = parts.clone();
                let clean = digits.replace('_', "");
                sorted.push((clean.parse().unwrap_or(0), rank));
                sorted.sort_by_key(|p| p.1);
                let fixed: String = sorted
                    .iter()
                    .map(|(n, r)| format!("{n}{}", UNITS[*r].0))
                    .collect();
                let msg = if rank == prev {
                    format!("invalid duration `{body}`: unit `{unit}` appears twice")
                } else {
                    format!("invalid duration `{body}`: units must go from largest to smallest")
                };
                let help = if rank == prev {
                    "give each unit once, largest first".to_string()
                } else {
                    format!("write `{fixed}`")
                };
                return Err(Diagnostic::error(Code::InvalidDuration, msg)
                    .primary(unit_span, format!("`{unit}` after `{}`", UNITS[prev].0))
                    .help(help));
            }
        }
        last_rank = Some(rank);
        let clean = digits.replace('_', "");
        let n: u64 = clean.parse().map_err(|_| duration_too_long(body, span))?;
        let ms = n
            .checked_mul(UNITS[rank].1)
            .ok_or_else(|| duration_too_long(body, span))?;
        total = total
            .checked_add(ms)
            .ok_or_else(|| duration_too_long(body, span))?;
        parts.push((n, rank));
    }
    if total > MAX_DURATION_MS {
        return Err(duration_too_long(body, span));
    }
    Ok(DurationLit { millis: total })
}

/// E0107 for a duration over [`MAX_DURATION_MS`], the longest every application reader
/// (pydantic's `timedelta`, JavaScript's numbers, JSON Schema) holds exactly.
fn duration_too_long(body: &str, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::NumberOutOfRange,
        format!("duration `{body}` is out of range"),
    )
    .primary(span, format!("longer than {MAX_DURATION_DAYS}d"))
    .help(format!(
        "durations go up to {MAX_DURATION_DAYS}d ({MAX_DURATION_MS}ms, about 273,790 years), \
         the longest that pydantic, JavaScript and JSON Schema all read exactly"
    ))
}

/// `1.5h`: durations have no fractions; suggest the exact whole-unit spelling.
fn fractional_duration(raw: &str, body: &str, span: Span) -> Option<Diagnostic> {
    let unit_start = body.find(|c: char| c.is_ascii_alphabetic())?;
    let (num, unit) = body.split_at(unit_start);
    if !num.contains('.') {
        return None;
    }
    let mut d = Diagnostic::error(
        Code::InvalidDuration,
        format!("invalid duration `{raw}`: a duration has no fractions"),
    )
    .primary(span, "fractional duration");
    let per = UNITS.iter().find(|(u, _)| *u == unit).map(|(_, ms)| *ms);
    let value: Option<f64> = num.replace('_', "").parse().ok();
    if let (Some(per), Some(value)) = (per, value) {
        let millis = value * per as f64;
        if millis.fract() == 0.0 && (1.0..1e15).contains(&millis) {
            d = d.help(format!(
                "use smaller units: `{}`",
                canonical_duration(millis as u64)
            ));
            return Some(d);
        }
    }
    Some(d.help("use whole numbers of smaller units, e.g. `1h30m` or `1500ms`"))
}

/// The canonical, largest-first spelling of a duration (`5400000` ms → `1h30m`).
pub(crate) fn canonical_duration(mut millis: u64) -> String {
    if millis == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    for (unit, per) in UNITS {
        if millis >= *per {
            out.push_str(&format!("{}{unit}", millis / per));
            millis %= per;
        }
    }
    out
}
