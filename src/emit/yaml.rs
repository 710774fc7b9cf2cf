//! YAML scalars for compose and Kubernetes: every data-derived scalar is a JSON-style
//! double-quoted string, which PyYAML, ruamel, js-yaml, Go yaml (kubectl, compose) and
//! serde_yaml all read exactly, and which no YAML reader retypes (`"yes"`, `"0123"`, `"1e3"`).

/// A double-quoted YAML scalar. Escapes `"` `\`, every C0/C1 control, DEL, the YAML 1.1
/// line breaks (U+0085, U+2028, U+2029), BOM and the non-characters U+FFFE/U+FFFF; other
/// characters (non-BMP included: YAML 1.1 readers do not join surrogate escapes) stay UTF-8.
pub(crate) fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    quote_into(value, &mut out);
    out
}

pub(crate) fn quote_into(value: &str, out: &mut String) {
    out.push('"');
    // Fast path (almost every value): printable ASCII with nothing to escape is copied in
    // one go; char-by-char pushing was 15% of a 10,000-variable compile.
    if value
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
    {
        out.push_str(value);
        out.push('"');
        return;
    }
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{feff}'
            | '\u{fffe}'
            | '\u{ffff}' => {
                use std::fmt::Write;
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Compose interpolates `$` in every string; `$$` is a literal `$`.
pub(crate) fn compose_escape(value: &str) -> std::borrow::Cow<'_, str> {
    if value.contains('$') {
        std::borrow::Cow::Owned(value.replace('$', "$$"))
    } else {
        std::borrow::Cow::Borrowed(value)
    }
}

/// A DNS-1123 label (Kubernetes names, namespaces, `app.kubernetes.io/name` values).
pub(crate) fn is_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// A compose-spec service name (`^[a-zA-Z0-9._-]+$`).
pub(crate) fn is_compose_service_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
}

/// A ConfigMap data key (`[-._a-zA-Z0-9]+`, at most 253 bytes).
pub(crate) fn is_configmap_key(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_json_style() {
        assert_eq!(quote("yes"), "\"yes\"");
        assert_eq!(quote("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
        assert_eq!(quote("\u{1}\u{85}😀"), "\"\\u0001\\u0085😀\"");
    }

    #[test]
    fn names() {
        assert!(is_dns1123_label("api-2"));
        assert!(!is_dns1123_label("Api"));
        assert!(!is_dns1123_label("a_b"));
        assert!(!is_dns1123_label("-a"));
    }
}
