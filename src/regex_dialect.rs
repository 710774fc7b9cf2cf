//! Rust `regex` patterns → the regex dialects of the application targets: Python's `re`
//! (the `pydantic` target) and ECMAScript with the `u` flag (JavaScript `RegExp` for
//! `typescript`, JSON Schema's `pattern` for `jsonschema`).
//!
//! The pattern is parsed by `regex-syntax` (the parser of the `regex` crate envdef checks
//! values with) into its HIR, where every shorthand is already explicit: `\d` is the list of
//! Unicode digit ranges, `(?i)k` is `[Kk\u{212A}]`, `.` is "every character but `\n`". The
//! HIR is written back in the target's syntax with nothing left to the target's own reading
//! of a shorthand, a flag or an anchor, because those are where the dialects differ:
//! JavaScript's `\d` and `\w` are ASCII, Python's `$` also matches before a final newline,
//! JavaScript's `.` stops at `\r`, `\u2028` and `\u2029`, case folding differs. So classes
//! are written as explicit ranges, `^`/`$` as Python's `\A`/`\Z`, multi-line anchors and
//! ASCII word boundaries as look-arounds (both dialects have them), groups as non-capturing
//! groups, and every character outside printable ASCII as an escape.
//!
//! What has no exact spelling is refused with [`Untranslatable`], naming the construct:
//! Unicode word boundaries (`\b` outside `(?-u:…)`: JavaScript's `\b` is ASCII-only and
//! Python's `\w` is not Rust's), CRLF-aware anchors (`(?R)`), and byte-oriented patterns
//! that match invalid UTF-8. The checker reports those at `check` (E0370) for the targets
//! that need the pattern.
//!
//! All three engines, like Rust's `is_match`, search for a match anywhere in the value
//! (JSON Schema's `pattern`, `RegExp.prototype.test`, `re.search`, pydantic's
//! `regex_engine = "python-re"`).

use std::fmt::Write as _;

use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// A target regex dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// Python 3 `re` on `str`.
    Python,
    /// ECMAScript (ES2018+) with the `u` flag: JavaScript `new RegExp(p, "u")`, and JSON
    /// Schema 2020-12 `pattern` as Unicode-aware validators read it.
    Ecma,
}

impl Dialect {
    /// How messages name the dialect.
    pub fn describe(self) -> &'static str {
        match self {
            Dialect::Python => "Python `re`",
            Dialect::Ecma => "ECMAScript `RegExp` (JavaScript, JSON Schema)",
        }
    }
}

/// A construct of a Rust pattern that a dialect cannot express with the same meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Untranslatable {
    /// The construct, as a user would name it: "a Unicode word boundary `\b`".
    pub construct: &'static str,
    /// Why the dialect cannot carry it, and what to write instead.
    pub help: &'static str,
}

/// The longest translation written (a class such as `\pL` spelled as explicit ranges is
/// large; past this the pattern is refused rather than bloating every artifact).
pub const MAX_TRANSLATED_BYTES: usize = 64 * 1024;

/// Translates a valid Rust `regex` pattern into `dialect`, with the same matches.
pub fn translate(pattern: &str, dialect: Dialect) -> Result<String, Untranslatable> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .map_err(|_| Untranslatable {
            construct: "a pattern that does not parse",
            help: "fix the pattern (check reports why with E0309)",
        })?;
    let mut out = String::with_capacity(pattern.len() * 2);
    write_hir(&hir, dialect, &mut out)?;
    if out.len() > MAX_TRANSLATED_BYTES {
        return Err(Untranslatable {
            construct: "a character class too large to spell out",
            help: "Unicode classes (`\\w`, `\\pL`, `(?i)` over large scripts) are written as explicit ranges; use a narrower class such as `[a-zA-Z0-9_]`",
        });
    }
    Ok(out)
}

fn write_hir(hir: &Hir, dialect: Dialect, out: &mut String) -> Result<(), Untranslatable> {
    match hir.kind() {
        HirKind::Empty => {}
        HirKind::Literal(lit) => {
            let text = std::str::from_utf8(&lit.0).map_err(|_| bytes_refused())?;
            for c in text.chars() {
                literal_char(c, dialect, out);
            }
        }
        HirKind::Class(class) => write_class(class, dialect, out)?,
        HirKind::Look(look) => write_look(*look, dialect, out)?,
        HirKind::Repetition(rep) => {
            write_atom(&rep.sub, dialect, out)?;
            match (rep.min, rep.max) {
                (0, None) => out.push('*'),
                (1, None) => out.push('+'),
                (0, Some(1)) => out.push('?'),
                (n, None) => {
                    let _ = write!(out, "{{{n},}}");
                }
                (n, Some(m)) if n == m => {
                    let _ = write!(out, "{{{n}}}");
                }
                (n, Some(m)) => {
                    let _ = write!(out, "{{{n},{m}}}");
                }
            }
            if !rep.greedy {
                out.push('?');
            }
        }
        // Capture groups become plain groups: only whether the value matches counts.
        HirKind::Capture(cap) => {
            out.push_str("(?:");
            write_hir(&cap.sub, dialect, out)?;
            out.push(')');
        }
        HirKind::Concat(parts) => {
            for part in parts {
                // An alternation inside a concatenation needs its group back.
                if matches!(part.kind(), HirKind::Alternation(_)) {
                    write_atom(part, dialect, out)?;
                } else {
                    write_hir(part, dialect, out)?;
                }
            }
        }
        HirKind::Alternation(branches) => {
            for (i, branch) in branches.iter().enumerate() {
                if i > 0 {
                    out.push('|');
                }
                write_hir(branch, dialect, out)?;
            }
        }
    }
    Ok(())
}

/// `hir` as one quantifiable unit: grouped unless it already is a single atom.
fn write_atom(hir: &Hir, dialect: Dialect, out: &mut String) -> Result<(), Untranslatable> {
    let single = match hir.kind() {
        HirKind::Class(_) | HirKind::Capture(_) => true,
        HirKind::Literal(lit) => std::str::from_utf8(&lit.0).is_ok_and(|s| s.chars().count() == 1),
        _ => false,
    };
    if single {
        write_hir(hir, dialect, out)
    } else {
        out.push_str("(?:");
        write_hir(hir, dialect, out)?;
        out.push(')');
        Ok(())
    }
}

fn bytes_refused() -> Untranslatable {
    Untranslatable {
        construct: "a byte-oriented part (`(?-u:…)` matching bytes that are not UTF-8)",
        help: "environment values are text; match characters instead (remove `(?-u)`, or keep it to ASCII)",
    }
}

/// ASCII word characters, for the look-arounds that spell `(?-u:\b)`.
const ASCII_WORD: &str = "[0-9A-Za-z_]";

fn write_look(look: Look, dialect: Dialect, out: &mut String) -> Result<(), Untranslatable> {
    let w = ASCII_WORD;
    let text = match (look, dialect) {
        (Look::Start, Dialect::Python) => r"\A".to_string(),
        // Without the `m` flag `^`/`$` are the ends of the input in ECMAScript.
        (Look::Start, Dialect::Ecma) => "^".to_string(),
        // Python's `$` and even `\Z`-less forms match before a final newline; `\Z` does not.
        (Look::End, Dialect::Python) => r"\Z".to_string(),
        (Look::End, Dialect::Ecma) => "$".to_string(),
        // `(?m)^`: the start, or just after `\n` (and nothing else: not `\r`, not U+2028).
        (Look::StartLF, _) => r"(?<![^\n])".to_string(),
        (Look::EndLF, _) => r"(?![^\n])".to_string(),
        (Look::WordAscii, _) => format!("(?:(?<={w})(?!{w})|(?<!{w})(?={w}))"),
        (Look::WordAsciiNegate, _) => format!("(?:(?<={w})(?={w})|(?<!{w})(?!{w}))"),
        (Look::WordStartAscii, _) => format!("(?<!{w})(?={w})"),
        (Look::WordEndAscii, _) => format!("(?<={w})(?!{w})"),
        (Look::WordStartHalfAscii, _) => format!("(?<!{w})"),
        (Look::WordEndHalfAscii, _) => format!("(?!{w})"),
        (Look::StartCRLF | Look::EndCRLF, _) => {
            return Err(Untranslatable {
                construct: "a CRLF-aware line anchor (`(?R)` with `(?m)`)",
                help: "neither Python nor JavaScript has an anchor that treats `\\r\\n` as one line break; remove `R`, or match the line breaks explicitly",
            })
        }
        _ => {
            return Err(Untranslatable {
                construct: "a Unicode word boundary (`\\b`, `\\B`, `\\<`, `\\>`)",
                help: "JavaScript's `\\b` knows only ASCII word characters and Python's `\\w` is not Rust's; write `(?-u:\\b)` for an ASCII word boundary",
            })
        }
    };
    out.push_str(&text);
    Ok(())
}

/// A class as explicit ranges (or their complement, when that is shorter).
fn write_class(class: &Class, dialect: Dialect, out: &mut String) -> Result<(), Untranslatable> {
    let ranges: Vec<(u32, u32)> = match class {
        Class::Unicode(c) => c
            .ranges()
            .iter()
            .map(|r| (r.start() as u32, r.end() as u32))
            .collect(),
        Class::Bytes(c) => {
            if c.ranges().iter().any(|r| r.end() > 0x7F) {
                return Err(bytes_refused());
            }
            c.ranges()
                .iter()
                .map(|r| (u32::from(r.start()), u32::from(r.end())))
                .collect()
        }
    };
    let complement = complement(&ranges);
    if ranges.is_empty() {
        // Matches nothing.
        out.push_str(r"[^\s\S]");
        return Ok(());
    }
    if ranges.len() == 1 && ranges[0].0 == ranges[0].1 {
        literal_char(
            char::from_u32(ranges[0].0).unwrap_or('\u{FFFD}'),
            dialect,
            out,
        );
        return Ok(());
    }
    let (negate, shown) = if complement.is_empty() {
        // Every character: `[\s\S]` in both dialects.
        out.push_str(r"[\s\S]");
        return Ok(());
    } else if complement.len() < ranges.len() {
        (true, &complement)
    } else {
        (false, &ranges)
    };
    out.push('[');
    if negate {
        out.push('^');
    }
    for &(lo, hi) in shown {
        class_char(lo, dialect, out);
        if hi > lo {
            if hi > lo + 1 {
                out.push('-');
            }
            class_char(hi, dialect, out);
        }
    }
    out.push(']');
    Ok(())
}

/// The code points (surrogates excluded: no string value holds one) not in `ranges`.
fn complement(ranges: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let mut next = 0u32;
    for &(lo, hi) in ranges {
        if lo > next {
            push_without_surrogates(next, lo - 1, &mut out);
        }
        next = hi + 1;
    }
    if next <= 0x10FFFF {
        push_without_surrogates(next, 0x10FFFF, &mut out);
    }
    out
}

fn push_without_surrogates(lo: u32, hi: u32, out: &mut Vec<(u32, u32)>) {
    let (s_lo, s_hi) = (0xD800, 0xDFFF);
    if hi < s_lo || lo > s_hi {
        out.push((lo, hi));
        return;
    }
    if lo < s_lo {
        out.push((lo, s_lo - 1));
    }
    if hi > s_hi {
        out.push((s_hi + 1, hi));
    }
}

/// A literal character outside a class.
fn literal_char(c: char, dialect: Dialect, out: &mut String) {
    if c.is_ascii_alphanumeric() || c == '_' {
        out.push(c);
    } else if "\\^$.|?*+()[]{}/".contains(c) {
        // Syntax characters: a backslash makes them literal in both dialects (ECMAScript's
        // `u` mode allows exactly these identity escapes).
        out.push('\\');
        out.push(c);
    } else if c.is_ascii_graphic() || c == ' ' {
        out.push(c);
    } else {
        code_point(c as u32, dialect, out);
    }
}

/// A character inside `[…]`: letters and digits as they are, everything else escaped so
/// that no dialect reads a range, a set operation (Python warns on `--`, `&&`, `||`, `~~`)
/// or a nested class.
fn class_char(cp: u32, dialect: Dialect, out: &mut String) {
    match char::from_u32(cp) {
        Some(c) if c.is_ascii_alphanumeric() || c == '_' => out.push(c),
        Some(c) if "\\^-[]".contains(c) => {
            out.push('\\');
            out.push(c);
        }
        _ => code_point(cp, dialect, out),
    }
}

/// A code point as an escape both dialects read as that character.
fn code_point(cp: u32, dialect: Dialect, out: &mut String) {
    let _ = match (dialect, cp) {
        (_, 0..=0xFF) => write!(out, "\\x{cp:02x}"),
        (_, 0x100..=0xFFFF) => write!(out, "\\u{cp:04x}"),
        (Dialect::Python, _) => write!(out, "\\U{cp:08x}"),
        (Dialect::Ecma, _) => write!(out, "\\u{{{cp:x}}}"),
    };
}

/// A Rust pattern that matches exactly the strings envdef's `url` type accepts (a scheme,
/// `://`, a host unless the scheme is `file`, a numeric port if any, no whitespace or control
/// character; `check::values::url_problem` is the rule, and a test holds the two together).
/// `exclude` lists characters the URL may not contain (a list's separator), so a joined
/// list can be matched element by element.
pub fn url_pattern(exclude: &str) -> String {
    let mut ex = String::new();
    for c in exclude.chars() {
        let _ = write!(ex, "\\x{{{:x}}}", c as u32);
    }
    let any = format!("[^\\s\\p{{Cc}}{ex}]");
    let authority = format!("[^\\s\\p{{Cc}}/?#{ex}]");
    let host_port = format!("[^\\s\\p{{Cc}}/?#@{ex}]");
    let bracket_first = format!("[^\\s\\p{{Cc}}/?#@\\[\\]{ex}]");
    let host = format!("[^\\s\\p{{Cc}}/?#@:{ex}]");
    let host_first = format!("[^\\s\\p{{Cc}}/?#@:\\[{ex}]");
    // After the host: nothing, or a port that is digits (or empty), or anything that ends
    // in `]` (an IPv6 literal with a zone, as the rule reads it).
    let port = format!("(?::{host_port}*\\]|(?::{host_port}*)?:[0-9]*)");
    let named = format!("\\[+{bracket_first}{host_port}*|{host_first}{host}*{port}?");
    let empty_host = format!("\\[+(?:\\]{host_port}*)?|{port}?");
    format!(
        "^(?:file://(?:{authority}*@)?(?:{named}|{empty_host})|[A-Za-z][A-Za-z0-9+.\\-]*://(?:{authority}*@)?(?:{named}))(?:[/?#]{any}*)?$"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn py(p: &str) -> String {
        translate(p, Dialect::Python).unwrap()
    }

    fn js(p: &str) -> String {
        translate(p, Dialect::Ecma).unwrap()
    }

    #[test]
    fn anchors_are_the_ends_of_the_text() {
        assert_eq!(py("^a$"), r"\Aa\Z");
        assert_eq!(js("^a$"), "^a$");
        assert_eq!(js("(?m)^a$"), r"(?<![^\n])a(?![^\n])");
    }

    #[test]
    fn shorthands_become_explicit() {
        assert_eq!(js("[a-z0-9-]"), r"[\-0-9a-z]");
        assert_eq!(js("."), r"[^\x0a]");
        assert_eq!(js("(?s)."), r"[\s\S]");
        // Unicode digits, not JavaScript's ASCII `\d`.
        assert!(js(r"\d").contains(r"\u0660-\u0669"));
        assert_eq!(js("(?i)k"), r"[Kk\u212a]");
        assert_eq!(py("[^@]+"), r"[^\x40]+");
        assert_eq!(js(r"\u{1F600}"), r"\u{1f600}");
        assert_eq!(py(r"\u{1F600}"), r"\U0001f600");
    }

    #[test]
    fn groups_and_repetitions() {
        assert_eq!(js("^postgres(ql)?://"), r"^postgres(?:ql)?:\/\/");
        assert_eq!(js("a{2,5}?b{3}"), "a{2,5}?b{3}");
        assert_eq!(js("x(a|bc)y"), "x(?:a|bc)y");
        assert_eq!(js("ab+"), "ab+");
        assert_eq!(js("(?:ab)+"), "(?:ab)+");
    }

    #[test]
    fn refused_constructs_are_named() {
        for p in [r"\bword\b", r"\B", r"(?mR)^x"] {
            assert!(translate(p, Dialect::Ecma).is_err(), "{p}");
            assert!(translate(p, Dialect::Python).is_err(), "{p}");
        }
        assert!(translate(r"(?-u:\xFF)", Dialect::Ecma).is_err());
        assert!(js(r"(?-u:\b)x").contains("(?<=[0-9A-Za-z_])"));
    }
}
