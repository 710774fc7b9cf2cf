//! `matching /re/` patterns for Terraform: envdef checks values with the Rust `regex`
//! crate, Terraform's `regex()` uses Go's RE2 syntax. The two agree on most patterns but
//! not all: Rust's `\d`, `\w`, `\s` and `\b` are Unicode-aware (Go's are ASCII), Rust has
//! `\u{…}` escapes, nested classes and set operations (`[a-z&&[^aeiou]]`), `\b{start}`,
//! `\<`, CRLF mode and repetition counts past Go's 1000.
//!
//! [`to_re2`] returns a pattern that RE2 reads with exactly the meaning envdef checked: the
//! pattern itself when it uses only constructs both engines read alike, else a translation
//! built from the compiled form (classes as explicit code point ranges), else the name of
//! the construct RE2 cannot express (E0328 at `check`).

use std::sync::OnceLock;

use regex_syntax::ast::{self, Ast};
use regex_syntax::hir::{Class, Hir, HirKind, Look};

use crate::hash::Memo;

/// Go's regexp refuses a repetition count above this.
const RE2_MAX_REPEAT: u32 = 1000;

/// The RE2 form of `pattern`, or what RE2 cannot express. Worked out once per pattern in a
/// process: `check` asks for every variable's pattern on every run (the language server on
/// every edit), and `variables_tf` again for each artifact.
pub fn to_re2(pattern: &str) -> Result<String, String> {
    type Forms = Memo<String, Result<String, String>>;
    static DONE: OnceLock<Forms> = OnceLock::new();
    DONE.get_or_init(|| Memo::new(16 << 20)).get_or(
        pattern.to_string(),
        |form| pattern.len() + form.as_ref().map_or_else(String::len, String::len),
        || to_re2_uncached(pattern),
    )
}

fn to_re2_uncached(pattern: &str) -> Result<String, String> {
    let ast = ast::parse::Parser::new()
        .parse(pattern)
        .map_err(|e| format!("the pattern does not parse: {}", e.kind()))?;
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .map_err(|_| "a construct the pattern parser refuses".to_string())?;
    if portable_as_written(&ast) {
        return Ok(pattern.to_string());
    }
    let mut out = String::new();
    print(&hir, &mut out)?;
    Ok(out)
}

/// Whether every construct in the pattern means the same in RE2 as written.
fn portable_as_written(ast: &Ast) -> bool {
    let mut stack = vec![ast];
    while let Some(node) = stack.pop() {
        match node {
            Ast::Empty(_) | Ast::Dot(_) => {}
            Ast::Flags(f) => {
                if !flags_portable(&f.flags) {
                    return false;
                }
            }
            Ast::Literal(lit) => {
                if !literal_portable(lit) {
                    return false;
                }
            }
            // Unicode-aware in Rust, ASCII in RE2; Rust has more property names.
            Ast::ClassPerl(_) | Ast::ClassUnicode(_) => return false,
            Ast::ClassBracketed(c) => {
                if !class_set_portable(&c.kind) {
                    return false;
                }
            }
            Ast::Assertion(a) => {
                if !matches!(
                    a.kind,
                    ast::AssertionKind::StartLine
                        | ast::AssertionKind::EndLine
                        | ast::AssertionKind::StartText
                        | ast::AssertionKind::EndText
                ) {
                    return false;
                }
            }
            Ast::Repetition(r) => {
                if let ast::RepetitionKind::Range(range) = &r.op.kind {
                    let (a, b) = match *range {
                        ast::RepetitionRange::Exactly(n) => (n, n),
                        ast::RepetitionRange::AtLeast(n) => (n, n),
                        ast::RepetitionRange::Bounded(a, b) => (a, b),
                    };
                    if a > RE2_MAX_REPEAT || b > RE2_MAX_REPEAT {
                        return false;
                    }
                }
                stack.push(&r.ast);
            }
            Ast::Group(g) => {
                match &g.kind {
                    ast::GroupKind::NonCapturing(flags) if !flags_portable(flags) => return false,
                    // `(?<name>…)` needs Go 1.22; `(?P<name>…)` is read everywhere.
                    ast::GroupKind::CaptureName {
                        starts_with_p: false,
                        ..
                    } => return false,
                    _ => {}
                }
                stack.push(&g.ast);
            }
            Ast::Alternation(a) => stack.extend(a.asts.iter()),
            Ast::Concat(c) => stack.extend(c.asts.iter()),
        }
    }
    true
}

fn flags_portable(flags: &ast::Flags) -> bool {
    flags.items.iter().all(|item| {
        matches!(
            item.kind,
            ast::FlagsItemKind::Negation
                | ast::FlagsItemKind::Flag(
                    ast::Flag::CaseInsensitive
                        | ast::Flag::MultiLine
                        | ast::Flag::DotMatchesNewLine
                        | ast::Flag::SwapGreed
                )
        )
    })
}

fn literal_portable(lit: &ast::Literal) -> bool {
    match &lit.kind {
        ast::LiteralKind::Verbatim | ast::LiteralKind::Meta | ast::LiteralKind::Superfluous => {
            // `\/` and the like are fine in RE2 only for punctuation.
            !(matches!(lit.kind, ast::LiteralKind::Superfluous) && lit.c.is_alphanumeric())
        }
        ast::LiteralKind::HexFixed(ast::HexLiteralKind::X)
        | ast::LiteralKind::HexBrace(ast::HexLiteralKind::X) => true,
        // `\a \f \t \n \r \v`: RE2 has all of them; `\ ` (escaped space, x mode) too.
        ast::LiteralKind::Special(_) => true,
        // `\u0041`, `\U…`, octal: Rust only.
        _ => false,
    }
}

fn class_set_portable(set: &ast::ClassSet) -> bool {
    match set {
        ast::ClassSet::BinaryOp(_) => false,
        ast::ClassSet::Item(item) => class_item_portable(item),
    }
}

fn class_item_portable(item: &ast::ClassSetItem) -> bool {
    match item {
        ast::ClassSetItem::Empty(_) | ast::ClassSetItem::Ascii(_) => true,
        ast::ClassSetItem::Literal(lit) => literal_portable(lit),
        ast::ClassSetItem::Range(r) => literal_portable(&r.start) && literal_portable(&r.end),
        ast::ClassSetItem::Unicode(_) | ast::ClassSetItem::Perl(_) => false,
        // A class inside a class (`[a[b]]`) is Rust only.
        ast::ClassSetItem::Bracketed(_) => false,
        ast::ClassSetItem::Union(u) => u.items.iter().all(class_item_portable),
    }
}

/// Writes `hir` in RE2 syntax: literals escaped, classes as ranges, every group explicit.
fn print(hir: &Hir, out: &mut String) -> Result<(), String> {
    match hir.kind() {
        HirKind::Empty => out.push_str("(?:)"),
        HirKind::Literal(lit) => {
            let text = std::str::from_utf8(&lit.0)
                .map_err(|_| "a byte that is not UTF-8 (`(?-u)` with `\\xFF`)".to_string())?;
            for c in text.chars() {
                push_char(c, false, out);
            }
        }
        HirKind::Class(Class::Unicode(class)) => {
            out.push('[');
            if class.ranges().is_empty() {
                // Matches nothing; RE2 has no empty class.
                out.push_str("^\\x00-\\x{10FFFF}");
            }
            for r in class.ranges() {
                push_char(r.start(), true, out);
                if r.end() != r.start() {
                    out.push('-');
                    push_char(r.end(), true, out);
                }
            }
            out.push(']');
        }
        HirKind::Class(Class::Bytes(class)) => {
            if class.ranges().iter().any(|r| r.end() > 0x7F) {
                return Err("a byte class beyond ASCII (`(?-u)`)".to_string());
            }
            out.push('[');
            for r in class.ranges() {
                push_char(char::from(r.start()), true, out);
                if r.end() != r.start() {
                    out.push('-');
                    push_char(char::from(r.end()), true, out);
                }
            }
            out.push(']');
        }
        HirKind::Look(look) => out.push_str(match look {
            Look::Start => "\\A",
            Look::End => "\\z",
            Look::StartLF => "(?m:^)",
            Look::EndLF => "(?m:$)",
            Look::WordAscii => "\\b",
            Look::WordAsciiNegate => "\\B",
            Look::WordUnicode | Look::WordUnicodeNegate => {
                return Err(
                    "a Unicode word boundary `\\b` or `\\B` (RE2's are ASCII-only; write `(?-u:\\b)` if ASCII is meant)"
                        .to_string(),
                )
            }
            Look::StartCRLF | Look::EndCRLF => {
                return Err("CRLF mode `(?R)`".to_string());
            }
            _ => {
                return Err(
                    "a word-start or word-end assertion (`\\b{start}`, `\\b{end}`, `\\<`, `\\>`)"
                        .to_string(),
                )
            }
        }),
        HirKind::Repetition(rep) => {
            let too_many = rep.min > RE2_MAX_REPEAT || rep.max.is_some_and(|m| m > RE2_MAX_REPEAT);
            if too_many {
                return Err(format!(
                    "a repetition count above {RE2_MAX_REPEAT} (RE2's limit)"
                ));
            }
            out.push_str("(?:");
            print(&rep.sub, out)?;
            out.push(')');
            match (rep.min, rep.max) {
                (0, None) => out.push('*'),
                (1, None) => out.push('+'),
                (0, Some(1)) => out.push('?'),
                (n, None) => out.push_str(&format!("{{{n},}}")),
                (n, Some(m)) if n == m => out.push_str(&format!("{{{n}}}")),
                (n, Some(m)) => out.push_str(&format!("{{{n},{m}}}")),
            }
            if !rep.greedy {
                out.push('?');
            }
        }
        HirKind::Capture(cap) => {
            match &cap.name {
                Some(name) => out.push_str(&format!("(?P<{name}>")),
                None => out.push('('),
            }
            print(&cap.sub, out)?;
            out.push(')');
        }
        HirKind::Concat(parts) => {
            for part in parts {
                print(part, out)?;
            }
        }
        HirKind::Alternation(parts) => {
            out.push_str("(?:");
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    out.push('|');
                }
                print(part, out)?;
            }
            out.push(')');
        }
    }
    Ok(())
}

/// One character of a literal or a class, readable where it can be.
fn push_char(c: char, in_class: bool, out: &mut String) {
    if c.is_ascii_alphanumeric() || c == '_' || c == ' ' {
        out.push(c);
    } else if c.is_ascii_punctuation() {
        // Escaping punctuation is always allowed in RE2, in and out of classes.
        let special = if in_class {
            matches!(c, '\\' | ']' | '[' | '^' | '-')
        } else {
            regex_syntax::is_meta_character(c)
        };
        if special {
            out.push('\\');
        }
        out.push(c);
    } else {
        out.push_str(&format!("\\x{{{:X}}}", c as u32));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same_meaning(pattern: &str, samples: &[&str]) {
        let translated = to_re2(pattern).unwrap();
        let a = regex::Regex::new(pattern).unwrap();
        let b = regex::Regex::new(&translated).unwrap();
        for s in samples {
            assert_eq!(
                a.is_match(s),
                b.is_match(s),
                "{pattern} → {translated} on {s:?}"
            );
        }
    }

    #[test]
    fn portable_patterns_are_kept_as_written() {
        for p in [
            "^[a-z][a-z0-9-]*$",
            "^(?i)abc$",
            r"^\x41+$",
            "^[[:alpha:]]{2,8}$",
            r"^a\.b\/c$",
            "(?P<x>a|b)+",
        ] {
            assert_eq!(to_re2(p).unwrap(), p);
        }
    }

    #[test]
    fn rust_only_constructs_are_translated_exactly() {
        same_meaning(r"^\u0041\u{42}$", &["AB", "ab", "A"]);
        same_meaning(r"^\d+$", &["123", "١٢٣", "12a", ""]);
        same_meaning(r"^[a-z&&[^aeiou]]+$", &["bcd", "bad", "xyz"]);
        same_meaning(r"^\p{Greek}+$", &["αβγ", "abc"]);
        same_meaning(r"^\s*x$", &["\u{2003}x", " x", "y"]);
        same_meaning("^(?<name>a)b$", &["ab", "b"]);
        assert_eq!(to_re2(r"^\u0041$").unwrap(), "\\AA\\z");
    }

    #[test]
    fn constructs_re2_lacks_are_named() {
        assert!(to_re2(r"\bword\b").unwrap_err().contains("word boundary"));
        assert!(to_re2(r"\b{start}x").unwrap_err().contains("word-start"));
        assert!(to_re2(r"a{1001}").unwrap_err().contains("1000"));
        assert!(to_re2(r"(?Rm)^a$").unwrap_err().contains("CRLF"));
        // Without `m`, CRLF mode changes nothing: `^`/`$` are the text's ends.
        assert_eq!(to_re2(r"(?R)^a$").unwrap(), "\\Aa\\z");
        assert_eq!(to_re2(r"(?-u:\b)x").unwrap(), "\\bx");
    }
}
