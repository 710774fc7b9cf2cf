//! Block attributes: `{ key = value, ... }` on `var`, `secret` and `flag` → [`VarMeta`]
//! (doc, example, deprecated, emitted names, value format). E0317, E0318.
//!
//! Every key is validated against the kind of declaration and the variable's type, so an
//! attribute envdef would silently ignore is always a diagnostic.

use crate::ast;
use crate::diagnostics::suggest;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::{DurationUnit, TypeKind, ValueFormat};
use crate::resolve::VarDecl;

/// What the attributes (and defaults) say about one variable.
#[derive(Debug, Clone)]
pub(crate) struct VarMeta {
    pub doc: Option<String>,
    pub example: Option<String>,
    pub deprecated: Option<String>,
    pub env_name: Option<String>,
    pub tfvars_name: Option<String>,
    pub format: ValueFormat,
}

const VAR_KEYS: &[&str] = &[
    "doc",
    "example",
    "deprecated",
    "tfvars_name",
    "env_name",
    "unit",
    "separator",
    "list_format",
    "bool_format",
];
const SECRET_KEYS: &[&str] = &["doc", "example", "deprecated", "tfvars_name", "env_name"];
const FLAG_KEYS: &[&str] = &[
    "doc",
    "deprecated",
    "tfvars_name",
    "env_name",
    "bool_format",
];

/// Validates a declaration's attributes. `kind` is the resolved type (None when broken).
pub(crate) fn var_meta(
    decl: &VarDecl,
    kind: Option<&TypeKind>,
    diagnostics: &mut Diagnostics,
) -> VarMeta {
    let allowed = match decl {
        VarDecl::Var(_) => VAR_KEYS,
        VarDecl::Secret(_) => SECRET_KEYS,
        VarDecl::Flag(_) => FLAG_KEYS,
    };
    let mut meta = VarMeta {
        doc: decl.doc().map(ast::StrLit::to_template),
        example: None,
        deprecated: None,
        env_name: None,
        tfvars_name: None,
        format: ValueFormat::default(),
    };
    let mut seen: Vec<(&str, crate::source::Span)> = Vec::new();
    if let Some(doc) = decl.doc() {
        seen.push(("doc", doc.span));
    }
    for attr in decl.attrs() {
        let key = attr.key.text.as_str();
        let applied = admit(decl, allowed, attr, &seen).and_then(|()| {
            seen.push((key, attr.key.span));
            match key {
                "doc" | "example" | "deprecated" => text_attr(&mut meta, key, attr),
                "tfvars_name" | "env_name" => name_attr(&mut meta, key, attr),
                "unit" => unit_attr(&mut meta, attr, kind),
                "bool_format" => bool_format_attr(&mut meta, attr, kind),
                "separator" | "list_format" => list_attr(&mut meta, key, attr, kind),
                _ => Ok(()),
            }
        });
        if let Err(d) = applied {
            diagnostics.push(d);
        }
    }
    meta
}

/// An attribute this kind of declaration takes, given once.
fn admit(
    decl: &VarDecl,
    allowed: &[&str],
    attr: &ast::Attr,
    seen: &[(&str, crate::source::Span)],
) -> Result<(), Diagnostic> {
    let key = attr.key.text.as_str();
    if !allowed.contains(&key) {
        if VAR_KEYS.contains(&key) {
            return Err(Diagnostic::error(
                Code::InvalidAttribute,
                format!("`{key}` does not apply to a {}", decl.kind_word()),
            )
            .primary(
                attr.key.span,
                format!("not allowed on a {}", decl.kind_word()),
            )
            .help(format!(
                "a {} takes: {}",
                decl.kind_word(),
                allowed.join(", ")
            )));
        }
        let help = suggest::did_you_mean(key, allowed.iter().copied())
            .unwrap_or_else(|| format!("known attributes: {}", allowed.join(", ")));
        return Err(Diagnostic::error(
            Code::UnknownAttribute,
            format!("unknown attribute `{key}`"),
        )
        .primary(attr.key.span, "not a known attribute")
        .help(help));
    }
    if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
        return Err(
            Diagnostic::error(Code::InvalidAttribute, format!("`{key}` is given twice"))
                .primary(attr.key.span, "given again here")
                .secondary(*first, "first given here")
                .help("keep one of them"),
        );
    }
    Ok(())
}

fn invalid(attr: &ast::Attr, message: String, label: &str) -> Diagnostic {
    Diagnostic::error(Code::InvalidAttribute, message).primary(attr.value.span, label)
}

/// `doc`, `example`, `deprecated`.
fn text_attr(meta: &mut VarMeta, key: &str, attr: &ast::Attr) -> Result<(), Diagnostic> {
    let text = match &attr.value.kind {
        ast::ValueKind::Str(s) => Some(s.to_template()),
        ast::ValueKind::Bool(true) if key == "deprecated" => Some(String::new()),
        ast::ValueKind::Int(i) if key == "example" => Some(i.to_string()),
        ast::ValueKind::Float(f) if key == "example" => Some(f.to_string()),
        ast::ValueKind::Bool(b) if key == "example" => Some(b.to_string()),
        _ => None,
    };
    let Some(text) = text else {
        return Err(invalid(
            attr,
            format!("`{key}` takes a string"),
            "expected a string",
        ));
    };
    match key {
        "doc" => meta.doc = Some(text),
        "example" => meta.example = Some(text),
        _ => meta.deprecated = Some(text),
    }
    Ok(())
}

/// `tfvars_name`, `env_name`.
fn name_attr(meta: &mut VarMeta, key: &str, attr: &ast::Attr) -> Result<(), Diagnostic> {
    let Some(name) = plain(attr) else {
        // A string with `${…}` is interpolation, not a wrong type: say so.
        if matches!(&attr.value.kind, ast::ValueKind::Str(_)) {
            return Err(invalid(
                attr,
                format!("`{key}` cannot use interpolation"),
                "interpolation (`${…}`) here",
            )
            .help(format!(
                "a name is fixed text: write it out, e.g. `{key} = \"api_url\"`"
            )));
        }
        return Err(invalid(
            attr,
            format!("`{key}` takes a string"),
            "expected a string",
        ));
    };
    let (valid, help) = if key == "env_name" {
        (
            is_env_name(&name),
            "an environment variable name is letters, digits and `_`, not starting with a digit",
        )
    } else {
        (
            is_tf_name(&name),
            "a Terraform name is letters, digits, `_` and `-`, starting with a letter or `_`",
        )
    };
    if !valid {
        return Err(invalid(
            attr,
            // Control characters are escaped: a raw BEL or ESC would act on the terminal,
            // a newline would break the message.
            format!("`{}` is not a valid `{key}`", name.escape_debug()),
            "invalid name",
        )
        .help(help));
    }
    if key == "env_name" {
        meta.env_name = Some(name);
    } else {
        meta.tfvars_name = Some(name);
    }
    Ok(())
}

/// `unit`, on durations and lists of durations.
fn unit_attr(
    meta: &mut VarMeta,
    attr: &ast::Attr,
    kind: Option<&TypeKind>,
) -> Result<(), Diagnostic> {
    let is_duration = matches!(kind, Some(TypeKind::Duration))
        || matches!(kind, Some(TypeKind::List { element }) if element.kind == TypeKind::Duration);
    if kind.is_some() && !is_duration {
        return Err(
            Diagnostic::error(Code::InvalidAttribute, "`unit` applies only to durations")
                .primary(attr.key.span, "this variable is not a duration")
                .help("remove `unit`, or declare the variable as `duration`"),
        );
    }
    let unit = match plain(attr).as_deref() {
        Some("ms") => DurationUnit::Ms,
        Some("s") => DurationUnit::S,
        Some("m") => DurationUnit::M,
        Some("h") => DurationUnit::H,
        _ => {
            return Err(invalid(
                attr,
                "`unit` must be \"ms\", \"s\", \"m\" or \"h\"".to_string(),
                "unknown unit",
            ))
        }
    };
    meta.format.duration_unit = Some(unit);
    Ok(())
}

/// `separator`, `list_format`, on lists.
fn bool_format_attr(
    meta: &mut VarMeta,
    attr: &ast::Attr,
    kind: Option<&TypeKind>,
) -> Result<(), Diagnostic> {
    let is_bool = matches!(kind, Some(TypeKind::Bool))
        || matches!(kind, Some(TypeKind::List { element }) if element.kind == TypeKind::Bool);
    if kind.is_some() && !is_bool {
        return Err(Diagnostic::error(
            Code::InvalidAttribute,
            "`bool_format` applies only to bools and flags",
        )
        .primary(attr.key.span, "this variable is not a bool")
        .help("remove `bool_format`, or declare the variable as `bool`"));
    }
    match plain(attr).as_deref().and_then(bool_words) {
        Some(words) => {
            meta.format.bool_words = Some(words);
            Ok(())
        }
        None => Err(invalid(
            attr,
            "`bool_format` must be two different words for true and false, separated by `/`: \"1/0\", \"yes/no\", \"on/off\", \"True/False\"".to_string(),
            "expected \"TRUE/FALSE\"",
        )
        .help("write the word for true, `/`, then the word for false: `bool_format = \"1/0\"`")),
    }
}

/// `"yes/no"` as the words for true and false: two different, non-empty words of letters,
/// digits, `_`, `-` and `.` (bare in every text format, so no target needs to quote them).
fn bool_words(text: &str) -> Option<(String, String)> {
    let (yes, no) = text.split_once('/')?;
    let word = |w: &str| {
        !w.is_empty()
            && w.len() <= 32
            && w.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
    };
    (word(yes) && word(no) && yes != no).then(|| (yes.to_string(), no.to_string()))
}

fn list_attr(
    meta: &mut VarMeta,
    key: &str,
    attr: &ast::Attr,
    kind: Option<&TypeKind>,
) -> Result<(), Diagnostic> {
    if kind.is_some() && !matches!(kind, Some(TypeKind::List { .. })) {
        return Err(Diagnostic::error(
            Code::InvalidAttribute,
            format!("`{key}` applies only to lists"),
        )
        .primary(attr.key.span, "this variable is not a list")
        .help(format!(
            "remove `{key}`, or declare the variable as `list<T>`"
        )));
    }
    let value = plain(attr);
    if key == "separator" {
        match value {
            Some(sep) if !sep.is_empty() => meta.format.separator = sep,
            _ => {
                return Err(invalid(
                    attr,
                    "`separator` must be a non-empty string".to_string(),
                    "expected a non-empty string",
                ))
            }
        }
    } else {
        match value.as_deref() {
            Some("csv") => meta.format.list_json = false,
            Some("json") => meta.format.list_json = true,
            _ => {
                return Err(invalid(
                    attr,
                    "`list_format` must be \"csv\" or \"json\"".to_string(),
                    "unknown list format",
                ))
            }
        }
    }
    Ok(())
}

/// The attribute's value as a plain string (no interpolation).
fn plain(attr: &ast::Attr) -> Option<String> {
    match &attr.value.kind {
        ast::ValueKind::Str(s) => s.as_plain(),
        _ => None,
    }
}

fn is_env_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_tf_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// `snake_case` of a name: `API_URL` → `api_url`, `apiUrl` → `api_url`, `new-thing` →
/// `new_thing`.
pub(crate) fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c == '-' || c == '.' {
            out.push('_');
            prev_lower = false;
        } else {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

/// `UPPER_SNAKE`: `A-Z`, digits and `_`, starting with a letter.
pub(crate) fn is_upper_snake(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// `lower_snake`: `a-z`, digits and `_`, starting with a letter.
pub(crate) fn is_lower_snake(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake() {
        assert_eq!(snake_case("API_URL"), "api_url");
        assert_eq!(snake_case("apiUrl"), "api_url");
        assert_eq!(snake_case("api.PORT"), "api_port");
        assert_eq!(snake_case("new_checkout"), "new_checkout");
        assert_eq!(snake_case("HTTP2_PORT"), "http2_port");
        assert!(is_upper_snake("API_URL2"));
        assert!(!is_upper_snake("apiUrl"));
        assert!(is_lower_snake("new_checkout"));
        assert!(!is_lower_snake("NewCheckout"));
    }
}
