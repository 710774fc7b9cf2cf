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
    /// Plain text of the value; [`string_with`] escapes it.
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
}
