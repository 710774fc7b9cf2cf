//! Habits from other formats, recognised where pest stops, each with the envdef spelling
//! and a suggestion (machine-applicable when the rewrite is certain): `30 seconds`
//! (`30s`), `5%`, `'debug'`, `True`, `// comment`, `env "local" {`, `"a" || "b"`, a `;` at the end
//! of a line, `env dev : base`, `extends a, b`. A TOML `[qa]` section
//! is recognised too (its assignments below are attached to it by
//! `diagnostics::knock_on`). Tried before the rules of `rules.rs`.

use super::site::Site;
use crate::diagnostics::{Applicability, Code, Diagnostic};
use crate::source::Span;

type RuleFn = fn(&Site<'_>) -> Option<Diagnostic>;

pub(super) const HABITS: &[RuleFn] = &[
    spelled_out_duration,
    percent,
    single_quotes,
    capitalised_bool,
    slash_comment,
    quoted_env_name,
    toml_section,
    double_pipe_union,
    semicolon,
    colon_for_extends,
    several_parents,
];

fn unexpected(message: String) -> Diagnostic {
    Diagnostic::error(Code::UnexpectedInput, message)
}

fn span(s: &Site<'_>, start: usize, end: usize) -> Span {
    Span::new(s.cx.file, start, end)
}

/// The short unit for a unit written out (`seconds` → `s`).
fn short_unit(word: &str) -> Option<&'static str> {
    Some(match word.to_ascii_lowercase().as_str() {
        "ms" | "msec" | "msecs" | "millis" | "millisecond" | "milliseconds" => "ms",
        "s" | "sec" | "secs" | "second" | "seconds" => "s",
        "m" | "min" | "mins" | "minute" | "minutes" => "m",
        "h" | "hr" | "hrs" | "hour" | "hours" => "h",
        "d" | "day" | "days" => "d",
        _ => return None,
    })
}

/// `30 seconds`, `5 min`: a number and a unit written apart.
fn spelled_out_duration(s: &Site<'_>) -> Option<Diagnostic> {
    let found = s.found?;
    let prev = s.prev?;
    let unit = short_unit(found.text)?;
    if !prev.text.bytes().all(|b| b.is_ascii_digit()) || prev.text.is_empty() {
        return None;
    }
    let written = &s.cx.text[prev.start..found.end];
    let duration = format!("{}{unit}", prev.text);
    Some(
        unexpected(format!("`{written}` is not a duration"))
            .primary(
                span(s, prev.start, found.end),
                "a number and a unit written apart",
            )
            .help(format!(
                "write a duration as digits and a short unit with no space: `{duration}`"
            ))
            .suggest(
                span(s, prev.start, found.end),
                duration,
                Applicability::MachineApplicable,
            ),
    )
}

/// `5%`: envdef has no percent literal.
fn percent(s: &Site<'_>) -> Option<Diagnostic> {
    let found = s.found?;
    let prev = s.prev?;
    if found.text != "%"
        || prev.end != found.start
        || !prev.text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    {
        return None;
    }
    let number: f64 = prev.text.parse().ok()?;
    let fraction = number / 100.0;
    Some(
        unexpected(format!("`{}%` is not a number envdef knows", prev.text))
            .primary(span(s, found.start, found.end), "no percent literal")
            .help(format!(
                "write the number: `{}` (type `int`) or the fraction `{fraction}` (type `float`), and say the unit in the doc string",
                prev.text
            ))
            .suggest(span(s, found.start, found.end), "", Applicability::MaybeIncorrect),
    )
}

/// `'debug'`: strings use double quotes.
fn single_quotes(s: &Site<'_>) -> Option<Diagnostic> {
    let found = s.found?;
    if found.text != "'" && !found.text.starts_with('\'') {
        return None;
    }
    let rest = &s.cx.text[found.start + 1..];
    let line_end = rest.find('\n').unwrap_or(rest.len());
    let close = rest[..line_end].find('\'')?;
    let inner = &rest[..close];
    if inner.contains(['"', '\\']) {
        return None;
    }
    let end = found.start + 1 + close + 1;
    let replacement = format!("\"{inner}\"");
    Some(
        unexpected(format!("`'{inner}'`: strings use double quotes"))
            .primary(span(s, found.start, end), "single quotes")
            .help(format!("write `{replacement}`"))
            .suggest(
                span(s, found.start, end),
                replacement,
                Applicability::MachineApplicable,
            ),
    )
}

/// `True`, `FALSE`: booleans are lower case.
fn capitalised_bool(s: &Site<'_>) -> Option<Diagnostic> {
    let found = s.found?;
    let lower = found.text.to_ascii_lowercase();
    if !(lower == "true" || lower == "false") || found.text == lower {
        return None;
    }
    Some(
        unexpected(format!("`{}` is not a boolean", found.text))
            .primary(span(s, found.start, found.end), "booleans are lower case")
            .help(format!("write `{lower}`"))
            .suggest(
                span(s, found.start, found.end),
                lower,
                Applicability::MachineApplicable,
            ),
    )
}

/// `// comment`: comments start with `#`.
fn slash_comment(s: &Site<'_>) -> Option<Diagnostic> {
    let found = s.found?;
    if !s.cx.text[found.start..].starts_with("//") {
        return None;
    }
    Some(
        unexpected("`//` does not start a comment".to_string())
            .primary(span(s, found.start, found.start + 2), "not a comment")
            .help("comments start with `#`")
            .suggest(
                span(s, found.start, found.start + 2),
                "#",
                Applicability::MachineApplicable,
            ),
    )
}

/// `env "local" {`: names are not quoted.
fn quoted_env_name(s: &Site<'_>) -> Option<Diagnostic> {
    let mut found = s.found?;
    let mut keyword = s.prev_text;
    // The scanner did not start a declaration at `env "local"`: pest stops at `env`.
    if matches!(found.text, "env" | "service") {
        let next = s.tokens.get(s.found_idx? + 1)?;
        keyword = found.text;
        found = *next;
    }
    if !matches!(keyword, "env" | "extends" | "service") || !found.text.starts_with('"') {
        return None;
    }
    let name = found.text.trim_matches('"');
    let ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !ok {
        return None;
    }
    let what = if keyword == "service" {
        "a service"
    } else {
        "an environment"
    };
    Some(
        unexpected(format!(
            "{what} name is not quoted: `{keyword} {name}`, found `{}`",
            found.text
        ))
        .primary(span(s, found.start, found.end), "quoted")
        .help(format!("write `{keyword} {name}`"))
        .suggest(
            span(s, found.start, found.end),
            name,
            Applicability::MachineApplicable,
        ),
    )
}

/// `[qa]` on a line of its own: a TOML/INI section where an `env` block is meant.
fn toml_section(s: &Site<'_>) -> Option<Diagnostic> {
    let found = s.found?;
    if found.text != "[" {
        return None;
    }
    let text = s.cx.text;
    let line_start = text[..found.start].rfind('\n').map_or(0, |i| i + 1);
    if !text[line_start..found.start].trim().is_empty() {
        return None;
    }
    let rest = &text[found.start + 1..];
    let close = rest.find(']')?;
    let name = rest[..close].trim();
    let after = rest[close + 1..].split('\n').next().unwrap_or("");
    let simple = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && (after.trim().is_empty() || after.trim_start().starts_with('#'));
    if !simple {
        return None;
    }
    let end = found.start + 1 + close + 1;
    Some(
        unexpected(format!("`[{name}]` is a TOML section; an environment is an `env {name} {{ ... }}` block"))
            .primary(span(s, found.start, end), "section header")
            .help(format!(
                "put the assignments that follow in `env {name} {{ ... }}` (one `NAME = value` per line)"
            )),
    )
}

/// `"a" || "b"` in a type: union members are separated by one `|` (`||` is for asserts).
fn double_pipe_union(s: &Site<'_>) -> Option<Diagnostic> {
    let found = s.found?;
    if found.text != "||" {
        return None;
    }
    Some(
        unexpected("`||` between union members".to_string())
            .primary(span(s, found.start, found.end), "a union uses a single `|`")
            .help("separate the members with `|`: `\"a\" | \"b\"` (`||` means \"or\" in asserts)")
            .suggest(
                span(s, found.start, found.end),
                "|",
                Applicability::MachineApplicable,
            ),
    )
}

/// `NAME = "value";`: no statement terminator.
fn semicolon(s: &Site<'_>) -> Option<Diagnostic> {
    let found = s.found?;
    if found.text != ";" {
        return None;
    }
    Some(
        unexpected("`;` is not needed".to_string())
            .primary(span(s, found.start, found.end), "no terminator in envdef")
            .help("an assignment or declaration ends at the end of its line: remove the `;`")
            .suggest(
                span(s, found.start, found.end),
                "",
                Applicability::MachineApplicable,
            ),
    )
}

/// The text of the line that holds `at`, up to `at`.
fn line_before(text: &str, at: usize) -> &str {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    &text[line_start..at]
}

/// Whether the line up to `at` is an environment header (`env NAME`, `abstract env NAME`,
/// `insecure env NAME`, ...).
fn in_env_header(s: &Site<'_>, at: usize) -> bool {
    let words: Vec<&str> = line_before(s.cx.text, at).split_whitespace().collect();
    // Still in the header: no `{` yet (`env dev { PORT: 80 }` is an assignment's `:`).
    words.iter().position(|w| *w == "env").is_some_and(|i| {
        words[..i]
            .iter()
            .all(|w| matches!(*w, "abstract" | "insecure"))
            && !words[i..].iter().any(|w| w.contains('{'))
    })
}

/// `env dev : deployed {` (YAML/class habit): a parent is named with `extends`.
fn colon_for_extends(s: &Site<'_>) -> Option<Diagnostic> {
    let found = s.found?;
    if found.text != ":" || !in_env_header(s, found.start) {
        return None;
    }
    let name = s.prev?.text;
    let parent = s
        .found_idx
        .and_then(|i| s.tokens.get(i + 1))
        .map(|t| t.text)
        .filter(|t| {
            t.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        })
        .unwrap_or("PARENT");
    Some(
        unexpected(format!(
            "`:` after `env {name}`: a parent is named with `extends`"
        ))
        .primary(span(s, found.start, found.end), "write `extends` here")
        .help(format!("write `env {name} extends {parent} {{`"))
        .suggest(
            span(s, found.start, found.end),
            "extends",
            Applicability::MachineApplicable,
        ),
    )
}

/// `env dev extends deployed, base {`: one parent per environment.
fn several_parents(s: &Site<'_>) -> Option<Diagnostic> {
    let found = s.found?;
    if found.text != "," || !in_env_header(s, found.start) {
        return None;
    }
    if !line_before(s.cx.text, found.start).contains(" extends ") {
        return None;
    }
    let first = s.prev?.text;
    let second = s
        .found_idx
        .and_then(|i| s.tokens.get(i + 1))
        .map_or("SECOND", |t| t.text);
    Some(
        unexpected("an environment extends one parent".to_string())
            .primary(span(s, found.start, found.end), "a second parent")
            .help(format!(
                "chain them instead: extend `{first}` here, and let it extend the other (`env {first} extends {second}`)"
            )),
    )
}
