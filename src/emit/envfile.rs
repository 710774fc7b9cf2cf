//! .env quoting: one encoding per value that python-dotenv, Node dotenv, dotenvy, docker
//! compose `env_file` and POSIX `set -a; . ./file` all read back byte-identically, or a
//! reason why none exists (see `docs/targets.md` and `/work/shared/READERS.md`).
//!
//! The three encodings, tried in order:
//! 1. bare `KEY=value` — only `[A-Za-z0-9_./:@%+,=-]` (nothing any reader or sh interprets);
//! 2. single quotes `KEY='value'` — literal in sh, Node, dotenvy and compose; python-dotenv
//!    only decodes `\\` and `\'` there, and compose ends the value at `\'`, so the value
//!    must hold no `'`, no `\\` and not end in `\`;
//! 3. double quotes `KEY="value"` — for values with `'`: every reader disagrees about
//!    escapes and `$`, so the value must hold no `"`, `\`, `$` or backtick.
//!
//! Rejected everywhere: NUL (no environment can hold it), CR (Node turns it into LF),
//! and `${…}` (python-dotenv expands it in every quoting style; a `${` with no closing `}`
//! is literal to it).

use std::borrow::Cow;

/// Why a value cannot be written portably (completes "the value ...").
pub(crate) type Unportable = &'static str;

/// The value as it appears after `KEY=`.
pub(crate) fn quote(value: &str) -> Result<Cow<'_, str>, Unportable> {
    if value.bytes().all(is_bare) {
        return Ok(Cow::Borrowed(value));
    }
    if value.contains('\0') {
        return Err("contains a NUL character, which no environment variable can hold");
    }
    if value.contains('\r') {
        return Err("contains a carriage return, which Node dotenv reads as a newline");
    }
    if python_dotenv_expands(value) {
        return Err("contains `${…}`, which python-dotenv expands in every quoting style");
    }
    if !value.contains('\'') {
        if value.contains("\\\\") {
            return Err(
                "contains `\\\\`, which python-dotenv reads as one backslash inside single \
                 quotes (and double quotes cannot carry a backslash for Node dotenv)",
            );
        }
        if value.ends_with('\\') {
            return Err(
                "ends with a backslash, which docker compose reads as escaping the closing \
                 single quote (and double quotes cannot carry a backslash for Node dotenv)",
            );
        }
        let mut out = String::with_capacity(value.len() + 2);
        out.push('\'');
        out.push_str(value);
        out.push('\'');
        return Ok(Cow::Owned(out));
    }
    if let Some(c) = value.chars().find(|c| matches!(c, '"' | '\\' | '$' | '`')) {
        return Err(match c {
            '"' => "contains both `'` and `\"`, which no quoting carries for every reader",
            '\\' => "contains both `'` and a backslash, which no quoting carries for every reader",
            '$' => "contains both `'` and `$`, which no quoting carries for every reader",
            _ => "contains both `'` and a backtick, which no quoting carries for every reader",
        });
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    out.push_str(value);
    out.push('"');
    Ok(Cow::Owned(out))
}

/// Whether python-dotenv's interpolation pattern `\$\{[^}:]*(:-[^}]*)?\}` matches anywhere:
/// a `${` with a closing `}` and no `:` before it (unless the `:` starts `:-`). A `${`
/// without one is read back literally, so only this shape is refused.
pub(crate) fn python_dotenv_expands(value: &str) -> bool {
    let bytes = value.as_bytes();
    let mut from = 0;
    while let Some(found) = value[from..].find("${") {
        let start = from + found + 2;
        let rest = &bytes[start..];
        match rest.iter().position(|&b| b == b'}' || b == b':') {
            Some(i) if rest[i] == b'}' => return true,
            Some(i) if rest.get(i + 1) == Some(&b'-') && rest[i + 2..].contains(&b'}') => {
                return true
            }
            _ => {}
        }
        from = start - 1;
    }
    false
}

/// Bytes no reader interprets when unquoted (the empty value is bare too).
fn is_bare(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'_' | b'.' | b'/' | b':' | b'@' | b'%' | b'+' | b',' | b'=' | b'-'
        )
}

/// A key every reader and sh accept: `[A-Za-z_][A-Za-z0-9_]*`.
pub(crate) fn is_portable_key(key: &str) -> bool {
    let mut bytes = key.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// POSIX single quoting (`'…'\''…'`), for the `sh` helper of custom templates.
pub(crate) fn sh_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_plainest_portable_quoting() {
        assert_eq!(quote("").unwrap(), "");
        assert_eq!(
            quote("postgres://a@b:5432/db").unwrap(),
            "postgres://a@b:5432/db"
        );
        assert_eq!(quote("a b").unwrap(), "'a b'");
        assert_eq!(quote("#x").unwrap(), "'#x'");
        assert_eq!(quote("pa$$word").unwrap(), "'pa$$word'");
        assert_eq!(quote("C:\\x").unwrap(), "'C:\\x'");
        assert_eq!(quote("it's").unwrap(), "\"it's\"");
        assert_eq!(quote("two\nlines").unwrap(), "'two\nlines'");
    }

    #[test]
    fn rejects_what_no_reader_agrees_on() {
        for bad in [
            "a${B}",
            "\r",
            "x\\\\y",
            "trail\\",
            "it's \"q\"",
            "it's $5",
            "a\0",
        ] {
            assert!(quote(bad).is_err(), "{bad:?}");
        }
        // python-dotenv only expands `${…}` with a closing brace.
        assert_eq!(quote("cost ${").unwrap(), "'cost ${'");
        assert_eq!(quote("${a:b}").unwrap(), "'${a:b}'");
        assert!(quote("${a:-b}").is_err());
        assert!(quote("${a:-b").is_ok());
        assert!(quote("${${x}").is_err());
        assert!(quote("${:${x}").is_err());
    }
}
