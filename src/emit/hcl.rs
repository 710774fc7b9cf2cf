//! HCL for Terraform: string literals with every escape Terraform needs (`\ " \n \r \t`,
//! other controls as `\uXXXX`, template sequences `${` → `$${` and `%{` → `%%{`), typed
//! values (numbers, bools, lists), and `variable` blocks with validations derived from the
//! refinements. Layout is what `terraform fmt` produces (`=` aligned in a run of attributes).

use std::fmt::Write;

use crate::emit::text::duration_in_unit;
use crate::model::format_duration;
use crate::model::{Number, Refinement, Type, TypeKind, Value, ValueFormat, VarDef};
use crate::notation::float_value;

/// An HCL quoted string.
pub(crate) fn string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    string_into(value, &mut out);
    out
}

pub(crate) fn string_into(value: &str, out: &mut String) {
    out.push('"');
    let bytes = value.as_bytes();
    // Fast path: printable ASCII without quotes, backslashes or template sigils needs no
    // escaping and is copied in one go.
    if bytes
        .iter()
        .all(|&b| (0x20..0x7f).contains(&b) && !matches!(b, b'"' | b'\\' | b'$' | b'%'))
    {
        out.push_str(value);
        out.push('"');
        return;
    }
    for (i, c) in value.char_indices() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // A template sequence would be evaluated; doubling the sigil makes it literal.
            '$' | '%' if bytes.get(i + 1) == Some(&b'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends a typed HCL value; `false` (and a partial write) only for a secret, which the
/// callers never pass.
pub(crate) fn value_into(value: &Value, format: &ValueFormat, out: &mut String) -> bool {
    match value {
        Value::Secret { .. } | Value::Derived { .. } => return false,
        Value::Str(s) => string_into(s, out),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&float_value(*f)),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Duration(ms) => match format.duration_unit {
            // The emitter checks exactness before; fall back to the canonical string.
            Some(unit) => match duration_in_unit(*ms, unit) {
                Ok(n) => out.push_str(&n),
                Err(_) => string_into(&format_duration(*ms), out),
            },
            None => string_into(&format_duration(*ms), out),
        },
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                if !value_into(item, format, out) {
                    return false;
                }
            }
            out.push(']');
        }
    }
    true
}

/// A Terraform identifier (`[A-Za-z_][A-Za-z0-9_-]*`).
pub(crate) fn is_identifier(s: &str) -> bool {
    let mut b = s.bytes();
    matches!(b.next(), Some(c) if c.is_ascii_alphabetic() || c == b'_')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
}

/// `name = value` lines with `=` aligned, as `terraform fmt` wants.
pub(crate) fn aligned(lines: &[(&str, String)], indent: &str, out: &mut String) {
    let width = lines
        .iter()
        .map(|(n, _)| n.chars().count())
        .max()
        .unwrap_or(0);
    for (name, value) in lines {
        out.push_str(indent);
        out.push_str(name);
        for _ in name.chars().count()..width {
            out.push(' ');
        }
        out.push_str(" = ");
        out.push_str(value);
        out.push('\n');
    }
}

/// The Terraform type constraint of a variable.
pub(crate) fn type_constraint(ty: &Type, format: &ValueFormat) -> String {
    match &ty.kind {
        TypeKind::String | TypeKind::Url | TypeKind::Enum { .. } => "string".into(),
        TypeKind::Int | TypeKind::Float => "number".into(),
        TypeKind::Bool => "bool".into(),
        TypeKind::Duration if format.duration_unit.is_some() => "number".into(),
        TypeKind::Duration => "string".into(),
        TypeKind::List { element } => format!("list({})", type_constraint(element, format)),
    }
}

fn number(n: Number) -> String {
    match n {
        Number::Int(i) => i.to_string(),
        Number::Float(f) => float_value(f),
    }
}

/// Conditions (HCL expression, message) on `subject` from a type's refinements. `label`
/// is the noun phrase the messages start with ("The value of port", "Every element of
/// hosts"); each message is one sentence (Terraform before 1.2 wanted a capital letter at
/// the start and a period at the end).
fn conditions(ty: &Type, subject: &str, label: &str, out: &mut Vec<(String, String)>) {
    match &ty.kind {
        TypeKind::Enum { members } => {
            let list: Vec<String> = members.iter().map(|m| string(m)).collect();
            out.push((
                format!("contains([{}], {subject})", list.join(", ")),
                format!("{label} must be one of: {}.", members.join(", ")),
            ));
        }
        // `% 1 == 0`, not `floor(x) == x`: Terraform 1.0 validates a value given with `-var`
        // or `TF_VAR_` before converting it to the declared type, and `floor("8080") ==
        // "8080"` compares a number with a string (false); `%` converts its operands.
        TypeKind::Int => out.push((
            format!("{subject} % 1 == 0"),
            format!("{label} must be a whole number."),
        )),
        _ => {}
    }
    for refinement in &ty.refinements {
        match refinement {
            Refinement::Range { lo, hi, inclusive } => {
                let op = if *inclusive { "<=" } else { "<" };
                let (lo, hi) = (number(*lo), number(*hi));
                out.push((
                    format!("{subject} >= {lo} && {subject} {op} {hi}"),
                    if *inclusive {
                        format!("{label} must be between {lo} and {hi}.")
                    } else {
                        format!("{label} must be at least {lo} and less than {hi}.")
                    },
                ));
            }
            Refinement::Len { lo, hi, inclusive } => {
                let op = if *inclusive { "<=" } else { "<" };
                let unit = if matches!(ty.kind, TypeKind::List { .. }) {
                    "elements"
                } else {
                    "characters"
                };
                out.push((
                    format!("length({subject}) >= {lo} && length({subject}) {op} {hi}"),
                    if *inclusive {
                        format!("{label} must have between {lo} and {hi} {unit}.")
                    } else {
                        format!("{label} must have at least {lo} and fewer than {hi} {unit}.")
                    },
                ));
            }
            Refinement::Matching { pattern } => out.push((
                // RE2's form of the pattern: `check` refused those it cannot express (E0328).
                format!(
                    "can(regex({}, {subject}))",
                    string(&crate::re2::to_re2(pattern).unwrap_or_else(|_| pattern.clone()))
                ),
                format!("{label} must match the regular expression /{pattern}/."),
            )),
        }
    }
}

/// One `variable` block.
pub(crate) fn variable_block(var: &VarDef, out: &mut String) {
    let name = var.tfvars_name.as_str();
    let _ = writeln!(out, "variable {} {{", string(name));
    let mut attrs: Vec<(&str, String)> = vec![("type", type_constraint(&var.ty, &var.format))];
    if let Some(doc) = &var.doc {
        attrs.push(("description", string(doc)));
    }
    if var.optional {
        // Unset in some environments: the tfvars then leave it out. (Variables are
        // nullable by default; the `nullable` argument needs Terraform ≥ 1.1.)
        attrs.push(("default", "null".into()));
    }
    if var.is_secret() {
        attrs.push(("sensitive", "true".into()));
    }
    aligned(&attrs, "  ", out);

    let subject = format!("var.{name}");
    let label = sentence_label(name);
    let mut conds = Vec::new();
    conditions(&var.ty, &subject, &label, &mut conds);
    if let TypeKind::List { element } = &var.ty.kind {
        let mut inner = Vec::new();
        conditions(
            element,
            "v",
            &format!("Every element of {name}"),
            &mut inner,
        );
        for (cond, msg) in inner {
            conds.push((format!("alltrue([for v in {subject} : {cond}])"), msg));
        }
    }
    for (cond, msg) in conds {
        let cond = if var.optional {
            format!("{subject} == null ? true : ({cond})")
        } else {
            cond
        };
        out.push_str("\n  validation {\n");
        aligned(
            &[("condition", cond), ("error_message", string(&msg))],
            "    ",
            out,
        );
        out.push_str("  }\n");
    }
    out.push_str("}\n");
}

/// The subject of every message: Terraform ≤ 1.1 wants error messages to start with a
/// capital letter, and the variable's name may not have one.
fn sentence_label(name: &str) -> String {
    format!("The value of {name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_templates_and_controls() {
        assert_eq!(string("${a} %{b} $x %y"), r#""$${a} %%{b} $x %y""#);
        assert_eq!(string("$${a}"), r#""$$${a}""#);
        assert_eq!(string("a\"b\\c\n\t\u{1}"), r#""a\"b\\c\n\t\u0001""#);
    }

    #[test]
    fn aligns_like_terraform_fmt() {
        let mut out = String::new();
        aligned(
            &[("a", "1".into()), ("long_name", "2".into())],
            "",
            &mut out,
        );
        assert_eq!(out, "a         = 1\nlong_name = 2\n");
    }
}
