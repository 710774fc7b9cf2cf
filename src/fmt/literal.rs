//! Canonical source text for literals: strings (escaped, `$` doubled), durations
//! (largest unit first), floats (shortest form that reads back exactly). Shared by `fmt`
//! and `import`, so a drafted source is already formatted.

/// A string literal without interpolation: `"…"` with `\\ \" \n \r \t` escaped, other
/// control characters as `\u{…}`, and every `$` written `$$` so nothing interpolates.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    push_text(&mut out, text);
    out.push('"');
    out
}

/// One piece of a string literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    /// `${NAME}`
    Interp(&'a str),
}

/// A string literal with interpolations.
pub fn string_with(pieces: &[Piece<'_>]) -> String {
    let mut out = String::from("\"");
    for piece in pieces {
        match piece {
            Piece::Text(t) => push_text(&mut out, t),
            Piece::Interp(name) => {
                out.push_str("${");
                out.push_str(name);
                out.push('}');
            }
        }
    }
    out.push('"');
    out
}

/// Appends `text` escaped for the inside of a string literal.
pub fn push_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' => out.push_str("$$"),
            c if c.is_control() || is_invisible(c) => {
                out.push_str(&format!("\\u{{{:X}}}", c as u32));
            }
            c => out.push(c),
        }
    }
}

/// Characters that render as nothing (or reorder text) and would hide in review.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'
    )
}

/// The shortest decimal text that reads back as exactly `f` (Rust's `Display`: no
/// exponent). Used for values; [`float_literal`] adds the `.0` a source literal needs.
pub fn float_text(f: f64) -> String {
    format!("{f}")
}

/// A float literal for source text: always has a `.` (or an exponent), so it stays a float.
pub fn float_literal(f: f64) -> String {
    let text = format!("{f:?}");
    if text.contains(['.', 'e', 'E']) || !f.is_finite() {
        text
    } else {
        format!("{text}.0")
    }
}

const UNITS: &[(&str, u64)] = &[
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

/// Canonical duration text (the model's one formatter).
pub use crate::model::format_duration as duration;

/// Parses `1h30m`-style text (units `d h m s ms`, each at most once, descending) to
/// milliseconds; `None` if it is not a duration or overflows.
pub fn parse_duration(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut total: u64 = 0;
    let mut last_unit = usize::MAX; // index into UNITS of the previous unit
    if bytes.is_empty() {
        return None;
    }
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
        let n: u64 = text[start..i].parse().ok()?;
        let unit_idx = if text[i..].starts_with("ms") {
            i += 2;
            4
        } else {
            let idx = match bytes.get(i) {
                Some(b'd') => 0,
                Some(b'h') => 1,
                Some(b'm') => 2,
                Some(b's') => 3,
                _ => return None,
            };
            i += 1;
            idx
        };
        if last_unit != usize::MAX && unit_idx <= last_unit {
            return None;
        }
        last_unit = unit_idx;
        total = total.checked_add(n.checked_mul(UNITS[unit_idx].1)?)?;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_everything_that_matters() {
        assert_eq!(string("a\"b\\c\nd\te$f${g}"), r#""a\"b\\c\nd\te$$f$${g}""#);
        assert_eq!(string("\u{1}"), r#""\u{1}""#);
        assert_eq!(string("{a: 1} → ok"), r#""{a: 1} → ok""#);
        assert_eq!(
            string_with(&[
                Piece::Text("http://"),
                Piece::Interp("HOST"),
                Piece::Text("/$")
            ]),
            r#""http://${HOST}/$$""#
        );
    }

    #[test]
    fn durations() {
        assert_eq!(duration(5_400_000), "1h30m");
        assert_eq!(duration(1_500), "1s500ms");
        assert_eq!(duration(0), "0s");
        assert_eq!(parse_duration("1h30m"), Some(5_400_000));
        assert_eq!(parse_duration("90m"), Some(5_400_000));
        assert_eq!(parse_duration("250ms"), Some(250));
        assert_eq!(parse_duration("30m1h"), None);
        assert_eq!(parse_duration("5"), None);
        assert_eq!(parse_duration("5x"), None);
        assert_eq!(parse_duration("99999999999999999999d"), None);
    }

    #[test]
    fn floats() {
        assert_eq!(float_text(0.5), "0.5");
        assert_eq!(float_text(2.0), "2");
        assert_eq!(float_literal(2.0), "2.0");
        assert_eq!(float_literal(1e300), "1e300");
    }
}
