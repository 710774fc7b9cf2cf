//! Python source literals for the `pydantic` target, written as `ruff format` / black
//! leave them: double quotes unless single quotes need fewer escapes, lowercase hex
//! escapes, every character outside printable ASCII escaped (no source-encoding or
//! line-separator surprises).

use std::fmt::Write as _;

/// A Python `str` literal of `s`.
pub(crate) fn string(s: &str) -> String {
    let doubles = s.matches('"').count();
    let singles = s.matches('\'').count();
    let quote = if singles < doubles { '\'' } else { '"' };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            c => {
                let cp = c as u32;
                let _ = match cp {
                    0..=0xFF => write!(out, "\\x{cp:02x}"),
                    0x100..=0xFFFF => write!(out, "\\u{cp:04x}"),
                    _ => write!(out, "\\U{cp:08x}"),
                };
            }
        }
    }
    out.push(quote);
    out
}

/// A float literal: always with a `.` or exponent-free digits plus `.0`.
pub(crate) fn float(f: f64) -> String {
    let text = crate::notation::float_value(f);
    if text.contains('.') {
        text
    } else {
        format!("{text}.0")
    }
}

/// A Python identifier for a settings field: the variable's name in lower snake case; a
/// name pydantic or Python reserves gets a suffix or prefix (`class_`, `field_model_x`).
pub(crate) fn field_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty()
        || out.starts_with(|c: char| c.is_ascii_digit() || c == '_')
        || out.starts_with("model_")
        // pydantic-settings' own protected namespace: a field under it is a warning at
        // import (an error where warnings are, as under `pytest -W error`).
        || out.starts_with("settings_customise_sources")
    {
        out.insert_str(0, "field_");
    }
    if KEYWORDS.contains(&out.as_str()) || SHADOWED.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// `PascalCase` from a service or project name (`billing-sync` → `BillingSync`).
pub(crate) fn class_name(name: &str) -> String {
    let mut out = String::new();
    for part in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "Service");
    }
    out
}

const KEYWORDS: &[&str] = &[
    "false", "none", "true", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield", "match", "case", "type",
];

/// Attributes of `BaseModel` a field would shadow (pydantic warns or refuses).
const SHADOWED: &[&str] = &[
    "copy",
    "dict",
    "json",
    "schema",
    "schema_json",
    "construct",
    "validate",
    "parse_obj",
    "parse_raw",
    "parse_file",
    "from_orm",
    "update_forward_refs",
    "settings_customise_sources",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings() {
        assert_eq!(string("it's"), "\"it's\"");
        assert_eq!(string("say \"hi\""), "'say \"hi\"'");
        assert_eq!(string("a\nb\\ü😀"), "\"a\\nb\\\\\\xfc\\U0001f600\"");
    }

    #[test]
    fn names() {
        assert_eq!(field_name("PORT"), "port");
        assert_eq!(field_name("CLASS"), "class_");
        assert_eq!(field_name("model_config"), "field_model_config");
        assert_eq!(field_name("SCHEMA"), "schema_");
        assert_eq!(
            field_name("SETTINGS_CUSTOMISE_SOURCES"),
            "field_settings_customise_sources"
        );
        assert_eq!(class_name("billing-sync"), "BillingSync");
    }
}
