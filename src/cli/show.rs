//! Plain-text and JSON forms of model values, types and provenance, shared by `diff`,
//! `explain` and `list`. Values are shown in source notation (`"text"`, `8080`, `30s`,
//! `["a", "b"]`) except that a string is the text the application receives: `$` is not
//! doubled (`"cost=$5"`, where the source says `"cost=$$5"`), because these commands
//! answer "what value does it get". Secrets are only ever shown as their reference.

use serde_json::{json, Value as Json};

use crate::model::{Model, Number, Origin, Refinement, Type, TypeKind, Value, VarDef, VarKind};
use crate::source::{SourceMap, Span};

/// A value in source syntax. `service` expands `{service}` in secret references.
pub(super) fn value(v: &Value, service: Option<&str>) -> String {
    match v {
        Value::Str(s) => quoted(s),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => crate::notation::float_source(*f),
        Value::Bool(b) => b.to_string(),
        Value::Duration(ms) => crate::model::format_duration(*ms),
        Value::List(items) => {
            let items: Vec<String> = items.iter().map(|i| value(i, service)).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Secret { reference } => {
            format!("secret from {}", quoted(&reference_for(reference, service)))
        }
        Value::Derived { parts, .. } => format!(
            "secret derived from {}",
            quoted(&derived_text(parts, service))
        ),
    }
}

/// A value for JSON output: strings, numbers, bools and lists as themselves, durations in
/// canonical text, secrets as `{"secret": "REF"}`.
pub(super) fn value_json(v: &Value, service: Option<&str>) -> Json {
    match v {
        Value::Str(s) => json!(s),
        Value::Int(i) => json!(i),
        Value::Float(f) => json!(f),
        Value::Bool(b) => json!(b),
        Value::Duration(ms) => json!(crate::model::format_duration(*ms)),
        Value::List(items) => Json::Array(items.iter().map(|i| value_json(i, service)).collect()),
        Value::Secret { reference } => json!({ "secret": reference_for(reference, service) }),
        Value::Derived { parts, .. } => json!({ "derived": derived_text(parts, service) }),
    }
}

/// A derived secret as its template with each secret part's reference in `${…}`
/// (`postgres://app:${vault://kv/db#password}@db`): what it is built from, never a value.
fn derived_text(parts: &[crate::model::DerivedPart], service: Option<&str>) -> String {
    let mut out = String::new();
    for part in parts {
        match part {
            crate::model::DerivedPart::Text { text } => out.push_str(text),
            crate::model::DerivedPart::Secret { reference, .. } => {
                out.push_str("${");
                out.push_str(&reference_for(reference, service));
                out.push('}');
            }
        }
    }
    out
}

fn reference_for(reference: &str, service: Option<&str>) -> String {
    match service {
        Some(s) => reference.replace("{service}", s),
        None => reference.to_string(),
    }
}

/// A string value quoted and escaped (`\"`, `\\`, control characters), `$` kept as the
/// application sees it (see the module doc).
pub(super) fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A type as written: its name if it has one, else its structure and refinements.
pub(super) fn ty(t: &Type) -> String {
    match &t.name {
        Some(name) => name.clone(),
        None => structure(t),
    }
}

/// A named type together with what it stands for (`Port = int in 1..=65535`).
pub(super) fn ty_expanded(t: &Type) -> String {
    match &t.name {
        Some(name) => format!("{name} = {}", structure(t)),
        None => structure(t),
    }
}

/// The type's structure and refinements, ignoring its name.
fn structure(t: &Type) -> String {
    let mut out = match &t.kind {
        TypeKind::String => "string".to_string(),
        TypeKind::Int => "int".to_string(),
        TypeKind::Float => "float".to_string(),
        TypeKind::Bool => "bool".to_string(),
        TypeKind::Url => "url".to_string(),
        TypeKind::Duration => "duration".to_string(),
        TypeKind::Enum { members } => members
            .iter()
            .map(|m| quoted(m))
            .collect::<Vec<_>>()
            .join(" | "),
        TypeKind::List { element } => format!("list<{}>", ty(element)),
    };
    for r in &t.refinements {
        out.push(' ');
        out.push_str(&refinement(r));
    }
    out
}

fn refinement(r: &Refinement) -> String {
    let number = |n: &Number| match n {
        Number::Int(i) => i.to_string(),
        Number::Float(f) => crate::notation::float_source(*f),
    };
    let op = |inclusive: bool| if inclusive { "..=" } else { ".." };
    match r {
        Refinement::Range { lo, hi, inclusive } => {
            format!("in {}{}{}", number(lo), op(*inclusive), number(hi))
        }
        Refinement::Matching { pattern } => format!("matching /{}/", escape_slashes(pattern)),
        Refinement::Len { lo, hi, inclusive } => format!("len in {lo}{}{hi}", op(*inclusive)),
    }
}

/// A pattern as written between slashes: a bare `/` gets its backslash back.
fn escape_slashes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut escaped = false;
    for c in pattern.chars() {
        if c == '/' && !escaped {
            out.push('\\');
        }
        escaped = c == '\\' && !escaped;
        out.push(c);
    }
    out
}

/// `var`, `secret` or `flag` plus the type (`url?` for an optional one).
pub(super) fn declared_type(var: &VarDef) -> String {
    match var.kind {
        VarKind::Secret => "secret".to_string(),
        VarKind::Flag => "flag".to_string(),
        VarKind::Var => {
            let t = ty(&var.ty);
            if var.optional {
                if t.contains(' ') {
                    format!("({t})?")
                } else {
                    format!("{t}?")
                }
            } else {
                t
            }
        }
    }
}

/// `file:line` of a span.
pub(super) fn location(span: Span, sources: &SourceMap) -> String {
    let file = sources.get(span.file);
    let at = file.line_col(span.start as usize);
    format!("{}:{}", file.name, at.line)
}

/// The whole source line a span starts on, trimmed.
pub(super) fn line_text(span: Span, sources: &SourceMap) -> String {
    let file = sources.get(span.file);
    let start = (span.start as usize).min(file.text.len());
    let line_start = file.text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = file.text[start..]
        .find('\n')
        .map_or(file.text.len(), |i| start + i);
    // A source line may hold raw escape sequences (`"\x1b]0;…\x07"` in a string): never
    // to a terminal as they are.
    crate::diagnostics::render::escape_controls(file.text[line_start..line_end].trim()).into_owned()
}

/// Who set a value: the environment, or `default` for the declaration.
pub(super) fn setter(model: &Model, origin: &Origin) -> String {
    match (origin.env, origin.service) {
        (Some(env), Some(service)) => format!(
            "{} (for {})",
            model.env_name(env),
            model.service_name(service)
        ),
        (Some(env), None) => model.env_name(env).to_string(),
        (None, _) => "default".to_string(),
    }
}

/// Provenance for JSON: `{ "env", "file", "line", "column", "text" }`.
pub(super) fn origin_json(model: &Model, origin: &Origin, sources: &SourceMap) -> Json {
    let file = sources.get(origin.span.file);
    let at = file.line_col(origin.span.start as usize);
    json!({
        "env": origin.env.map(|e| model.env_name(e)),
        "service": origin.service.map(|s| model.service_name(s)),
        "file": file.name,
        "line": at.line,
        "column": at.column,
        "text": line_text(origin.span, sources),
        "template": origin.template,
    })
}

/// ANSI styling for stdout, applied only when colour is on.
#[derive(Debug, Clone, Copy)]
pub(super) struct Paint(pub bool);

impl Paint {
    fn wrap(self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    pub(super) fn red(self, text: &str) -> String {
        self.wrap("31", text)
    }
    pub(super) fn green(self, text: &str) -> String {
        self.wrap("32", text)
    }
    pub(super) fn cyan(self, text: &str) -> String {
        self.wrap("36", text)
    }
    pub(super) fn bold(self, text: &str) -> String {
        self.wrap("1", text)
    }
    pub(super) fn dim(self, text: &str) -> String {
        self.wrap("2", text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_like_source() {
        assert_eq!(value(&Value::Str("a\"b\n".into()), None), r#""a\"b\n""#);
        assert_eq!(value(&Value::Duration(5_400_000), None), "1h30m");
        assert_eq!(value(&Value::Duration(250), None), "250ms");
        assert_eq!(value(&Value::Float(1.0), None), "1.0");
        assert_eq!(
            value(
                &Value::List(vec![Value::Int(1), Value::Str("x".into())]),
                None
            ),
            r#"[1, "x"]"#
        );
        let secret = Value::Secret {
            reference: "vault://{service}/db".into(),
        };
        assert_eq!(
            value(&secret, Some("api")),
            r#"secret from "vault://api/db""#
        );
        assert_eq!(
            value_json(&secret, None),
            json!({"secret": "vault://{service}/db"})
        );
    }
}
