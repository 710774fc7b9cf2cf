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
use std::sync::OnceLock;

use regex_syntax::hir::{Class, Hir, HirKind, Look};

use crate::hash::Memo;

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
    let cx = Cx {
        dialect,
        separator: None,
    };
    translate_in(pattern, cx)
}

/// A whole-value pattern in `dialect` for a list joined with the one-character
/// `separator`: it matches exactly when every element matches `pattern` as Rust's
/// `is_match` reads it on the element alone (the empty text is the empty list, which
/// matches). Each element is a run of other characters that contains a match of the
/// element pattern, rewritten so that it never consumes the separator and its anchors and
/// word boundaries see the element's ends where the separator stands:
/// `^(?:E(?:,E)*)?$` with `E = [^,]*R[^,]*`.
pub fn translate_each_element(
    pattern: &str,
    dialect: Dialect,
    separator: char,
) -> Result<String, Untranslatable> {
    let cx = Cx {
        dialect,
        separator: Some(separator),
    };
    let inner = translate_in(pattern, cx)?;
    let mut not_sep = String::new();
    write_ranges(
        &subtract(&[(0, 0x10FFFF)], separator),
        false,
        cx,
        &mut not_sep,
    );
    let mut sep = String::new();
    literal_char(separator, dialect, &mut sep);
    let element = format!("{not_sep}*(?:{inner}){not_sep}*");
    let (start, end) = match dialect {
        Dialect::Python => (r"\A", r"\Z"),
        Dialect::Ecma => ("^", "$"),
    };
    let out = format!("{start}(?:{element}(?:{sep}{element})*)?{end}");
    if out.len() > MAX_TRANSLATED_BYTES {
        return Err(too_large());
    }
    Ok(out)
}

/// The separator of a list joined with exactly one character: the lists whose elements
/// a pattern over the whole text can find (`None` for a JSON list or a longer separator).
pub fn element_separator(format: &crate::model::ValueFormat) -> Option<char> {
    let mut chars = format.separator.chars();
    match (format.list_json, chars.next(), chars.next()) {
        (false, Some(c), None) => Some(c),
        _ => None,
    }
}

/// What a translation writes for: the dialect, and for a pattern applied to each element
/// of a joined list, the separator it must neither consume nor look past.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Cx {
    dialect: Dialect,
    separator: Option<char>,
}

/// Most bytes of translations remembered per process ([`translate_in`]).
const MEMO_BYTES: usize = 16 << 20;

/// [`translate_uncached`], once per pattern and [`Cx`] in a process: each artifact of an
/// application target (a schema per service) translates the same patterns again, and a
/// translation walks the pattern's whole HIR (half of a `check` of the bundled fleet).
fn translate_in(pattern: &str, cx: Cx) -> Result<String, Untranslatable> {
    type Translations = Memo<(String, Cx), Result<String, Untranslatable>>;
    static DONE: OnceLock<Translations> = OnceLock::new();
    DONE.get_or_init(|| Memo::new(MEMO_BYTES)).get_or(
        (pattern.to_string(), cx),
        |result| pattern.len() + result.as_ref().map_or(0, String::len),
        || translate_uncached(pattern, cx),
    )
}

fn translate_uncached(pattern: &str, cx: Cx) -> Result<String, Untranslatable> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .map_err(|_| Untranslatable {
            construct: "a pattern that does not parse",
            help: "fix the pattern (check reports why with E0309)",
        })?;
    let mut out = String::with_capacity(pattern.len() * 2);
    write_hir(&hir, cx, &mut out)?;
    if out.len() > MAX_TRANSLATED_BYTES {
        return Err(too_large());
    }
    Ok(out)
}

fn too_large() -> Untranslatable {
    Untranslatable {
        construct: "a character class too large to spell out",
        help: "Unicode classes (`\\w`, `\\pL`, `(?i)` over large scripts) are written as explicit ranges; use a narrower class such as `[a-zA-Z0-9_]`",
    }
}

fn write_hir(hir: &Hir, cx: Cx, out: &mut String) -> Result<(), Untranslatable> {
    match hir.kind() {
        HirKind::Empty => {}
        HirKind::Literal(lit) => {
            let text = std::str::from_utf8(&lit.0).map_err(|_| bytes_refused())?;
            for c in text.chars() {
                if Some(c) == cx.separator {
                    // An element never holds its list's separator.
                    out.push_str(NOTHING);
                } else {
                    literal_char(c, cx.dialect, out);
                }
            }
        }
        HirKind::Class(class) => write_class(class, cx, out)?,
        HirKind::Look(look) => write_look(*look, cx, out)?,
        HirKind::Repetition(rep) => {
            write_atom(&rep.sub, cx, out)?;
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
            write_hir(&cap.sub, cx, out)?;
            out.push(')');
        }
        HirKind::Concat(parts) => {
            for part in parts {
                // An alternation inside a concatenation needs its group back.
                if matches!(part.kind(), HirKind::Alternation(_)) {
                    write_atom(part, cx, out)?;
                } else {
                    write_hir(part, cx, out)?;
                }
            }
        }
        HirKind::Alternation(branches) => {
            for (i, branch) in branches.iter().enumerate() {
                if i > 0 {
                    out.push('|');
                }
                write_hir(branch, cx, out)?;
            }
        }
    }
    Ok(())
}

/// Matches nothing, in both dialects.
const NOTHING: &str = r"[^\s\S]";

/// `hir` as one quantifiable unit: grouped unless it already is a single atom.
fn write_atom(hir: &Hir, cx: Cx, out: &mut String) -> Result<(), Untranslatable> {
    let single = match hir.kind() {
        HirKind::Class(_) | HirKind::Capture(_) => true,
        HirKind::Literal(lit) => std::str::from_utf8(&lit.0).is_ok_and(|s| s.chars().count() == 1),
        _ => false,
    };
    if single {
        write_hir(hir, cx, out)
    } else {
        out.push_str("(?:");
        write_hir(hir, cx, out)?;
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
const ASCII_WORD: &[(u32, u32)] = &[(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)];

fn write_look(look: Look, cx: Cx, out: &mut String) -> Result<(), Untranslatable> {
    // Within a list element the separator stands where the element's text ends: it is
    // neither a word character nor anything but an edge to the anchors.
    let sep: Vec<(u32, u32)> = cx
        .separator
        .map(|c| vec![(c as u32, c as u32)])
        .unwrap_or_default();
    let class = |ranges: &[(u32, u32)], negate: bool| {
        let mut s = String::new();
        write_ranges(ranges, negate, cx, &mut s);
        s
    };
    // Outside a list the classes keep their short spelling.
    let (w, not_lf) = match cx.separator {
        None => (r"[0-9A-Za-z_]".to_string(), r"[^\n]".to_string()),
        Some(c) => (
            class(
                &ASCII_WORD
                    .iter()
                    .flat_map(|&(lo, hi)| subtract(&[(lo, hi)], c))
                    .collect::<Vec<_>>(),
                false,
            ),
            class(&union(&[(0x0A, 0x0A)], &sep), true),
        ),
    };
    let text = match (look, cx.dialect, cx.separator) {
        (Look::Start, _, Some(_)) => format!("(?<!{})", class(&sep, true)),
        (Look::End, _, Some(_)) => format!("(?!{})", class(&sep, true)),
        (Look::Start, Dialect::Python, None) => r"\A".to_string(),
        // Without the `m` flag `^`/`$` are the ends of the input in ECMAScript.
        (Look::Start, Dialect::Ecma, None) => "^".to_string(),
        // Python's `$` and even `\Z`-less forms match before a final newline; `\Z` does not.
        (Look::End, Dialect::Python, None) => r"\Z".to_string(),
        (Look::End, Dialect::Ecma, None) => "$".to_string(),
        // `(?m)^`: the start, or just after `\n` (and nothing else: not `\r`, not U+2028).
        (Look::StartLF, _, _) => format!("(?<!{not_lf})"),
        (Look::EndLF, _, _) => format!("(?!{not_lf})"),
        (Look::WordAscii, _, _) => format!("(?:(?<={w})(?!{w})|(?<!{w})(?={w}))"),
        (Look::WordAsciiNegate, _, _) => format!("(?:(?<={w})(?={w})|(?<!{w})(?!{w}))"),
        (Look::WordStartAscii, _, _) => format!("(?<!{w})(?={w})"),
        (Look::WordEndAscii, _, _) => format!("(?<={w})(?!{w})"),
        (Look::WordStartHalfAscii, _, _) => format!("(?<!{w})"),
        (Look::WordEndHalfAscii, _, _) => format!("(?!{w})"),
        (Look::StartCRLF | Look::EndCRLF, _, _) => {
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
fn write_class(class: &Class, cx: Cx, out: &mut String) -> Result<(), Untranslatable> {
    let mut ranges: Vec<(u32, u32)> = match class {
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
    if let Some(sep) = cx.separator {
        // An element never holds its list's separator.
        ranges = subtract(&ranges, sep);
    }
    write_ranges(&ranges, false, cx, out);
    Ok(())
}

/// The class of `ranges` (sorted, disjoint), or of every other character when `negate`:
/// spelled as a single character, `[\s\S]`, nothing, or `[…]`/`[^…]` whichever is shorter.
fn write_ranges(ranges: &[(u32, u32)], negate: bool, cx: Cx, out: &mut String) {
    let ranges = if negate {
        complement(ranges)
    } else {
        ranges.to_vec()
    };
    let complement = complement(&ranges);
    if ranges.is_empty() {
        out.push_str(NOTHING);
        return;
    }
    if ranges.len() == 1 && ranges[0].0 == ranges[0].1 {
        literal_char(
            char::from_u32(ranges[0].0).unwrap_or('\u{FFFD}'),
            cx.dialect,
            out,
        );
        return;
    }
    let (negate, shown) = if complement.is_empty() {
        // Every character: `[\s\S]` in both dialects.
        out.push_str(r"[\s\S]");
        return;
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
        class_char(lo, cx.dialect, out);
        if hi > lo {
            if hi > lo + 1 {
                out.push('-');
            }
            class_char(hi, cx.dialect, out);
        }
    }
    out.push(']');
}

/// `ranges` without the character `c`.
fn subtract(ranges: &[(u32, u32)], c: char) -> Vec<(u32, u32)> {
    let c = c as u32;
    let mut out = Vec::with_capacity(ranges.len() + 1);
    for &(lo, hi) in ranges {
        if c < lo || c > hi {
            out.push((lo, hi));
            continue;
        }
        if lo < c {
            out.push((lo, c - 1));
        }
        if c < hi {
            out.push((c + 1, hi));
        }
    }
    out
}

/// Two sorted range lists as one (sorted, merged).
fn union(a: &[(u32, u32)], b: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let mut all: Vec<(u32, u32)> = a.iter().chain(b).copied().collect();
    all.sort_unstable();
    let mut out: Vec<(u32, u32)> = Vec::with_capacity(all.len());
    for (lo, hi) in all {
        match out.last_mut() {
            Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
            _ => out.push((lo, hi)),
        }
    }
    out
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

    #[test]
    fn each_element_of_a_joined_list() {
        let each = |p, sep| translate_each_element(p, Dialect::Ecma, sep).unwrap();
        assert_eq!(
            each("^[a-z]+$", ','),
            r"^(?:[^\x2c]*(?:(?<![^\x2c])[a-z]+(?![^\x2c]))[^\x2c]*(?:,[^\x2c]*(?:(?<![^\x2c])[a-z]+(?![^\x2c]))[^\x2c]*)*)?$"
        );
        // `.` and negated classes stop at the separator; a literal separator never matches.
        assert!(each("a.c", ';').contains(r"a[^\x0a\x3b]c"));
        assert!(each("x,y", ',').contains(r"x[^\s\S]y"));
        // The separator is not a word character, even when it is one (`_`).
        assert!(each(r"(?-u:\b)go", '_').contains("(?<=[0-9A-Za-z])"));
        assert!(translate_each_element(r"\bgo", Dialect::Ecma, ',').is_err());
        assert!(translate_each_element("^a$", Dialect::Python, ',')
            .unwrap()
            .starts_with(r"\A(?:"));
    }
}
