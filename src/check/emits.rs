//! `emit` lines: validated and lowered to `model::Emit` (E0319, E0320, E0324).
//!
//! Built-in targets accept only the options in [`known_options`]; any other target name is
//! a custom template target and its options are passed through to the template untouched.
//! Every target takes `working = true` (a bool): the line then describes a *working file*
//! that `envdef switch ENV` writes for one environment at a time, never `compile`; its path
//! may not name `{env}` (E0620), since every environment is written to the same file.
//! Paths and option strings may use the placeholders `{env}` and `{service}` only. Whether
//! an expanded path is safe and collision-free is decided by `emit`, which sees the
//! expanded paths.

use indexmap::IndexMap;

use crate::ast;
use crate::diagnostics::suggest;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::{Emit, Value};
use crate::source::Span;

/// The options a built-in target understands (all take strings); `None` for a custom
/// target, whose options are free-form.
pub fn known_options(target: &str) -> Option<&'static [&'static str]> {
    match target {
        "dotenv" | "tfvars" | "compose" => Some(&["template", WORKING]),
        "pydantic" | "typescript" | "ansible" => Some(&["template"]),
        "variables_tf" => Some(&["template", "secrets"]),
        "kubernetes" => Some(&[
            "template",
            WORKING,
            "namespace",
            "secret_store",
            "secret_store_kind",
            "secret_store_vault",
            "secret_store_aws_sm",
            "secret_store_gcp_sm",
            "secret_store_op",
            "refresh_interval",
            "external_secrets_version",
        ]),
        "jsonschema" => Some(&["template", "variant"]),
        _ => None,
    }
}

/// Why a built-in target's option value is not one it accepts, for options with a fixed set
/// of values.
fn option_value_problem(target: &str, key: &str, value: &str) -> Option<&'static str> {
    match (target, key) {
        ("jsonschema", "variant") if value != "env" && value != "typed" => {
            Some("must be \"env\" (every value a string, as the process reads it) or \"typed\"")
        }
        _ => None,
    }
}

/// `scopes` is aligned with `decls` (each emit's evaluated `when`), or empty.
/// `params`: the parameters of the parameterised environments (`branch`), which paths may
/// use as placeholders too.
pub(crate) fn lower_emits(
    decls: &[ast::EmitDecl],
    scopes: Vec<Option<crate::model::EmitScope>>,
    params: &[&str],
    diagnostics: &mut Diagnostics,
) -> Vec<Emit> {
    let mut out = Vec::with_capacity(decls.len());
    let mut scopes = scopes.into_iter();
    for decl in decls {
        let scope = scopes.next().flatten();
        let target = decl.target.text.as_str();
        let path_ok = check_template(&decl.path, "path", params, diagnostics);
        let mut options = IndexMap::new();
        let mut first_span: IndexMap<&str, Span> = IndexMap::new();
        for attr in &decl.options {
            let key = attr.key.text.as_str();
            if let Some(first) = first_span.get(key) {
                diagnostics.push(
                    Diagnostic::error(
                        Code::InvalidEmitOption,
                        format!("option `{key}` is given twice"),
                    )
                    .primary(attr.key.span, "given again here")
                    .secondary(*first, "first given here")
                    .help("keep one of them"),
                );
                continue;
            }
            first_span.insert(key, attr.key.span);
            // `working` where the target takes it (every target but the ones that do not
            // depend on the environment, whose lists leave it out).
            if key == WORKING && known_options(target).map_or(true, |k| k.contains(&WORKING)) {
                if let Some(working) = working_option(attr, &decl.path, diagnostics) {
                    options.insert(key.to_string(), Value::Bool(working));
                }
                continue;
            }
            if let Some(known) = known_options(target) {
                if !known.contains(&key) {
                    let help = suggest::did_you_mean(key, known.iter().copied())
                        .unwrap_or_else(|| format!("`{target}` takes: {}", known.join(", ")));
                    diagnostics.push(
                        Diagnostic::error(
                            Code::UnknownEmitOption,
                            format!("target `{target}` has no option `{key}`"),
                        )
                        .primary(attr.key.span, "unknown option")
                        .help(help),
                    );
                    continue;
                }
                let ast::ValueKind::Str(s) = &attr.value.kind else {
                    diagnostics.push(
                        Diagnostic::error(
                            Code::InvalidEmitOption,
                            format!("option `{key}` takes a string"),
                        )
                        .primary(attr.value.span, "expected a string"),
                    );
                    continue;
                };
                if !check_template(s, "option", &[], diagnostics) {
                    continue;
                }
                if let Some(problem) = option_value_problem(target, key, &s.to_template()) {
                    diagnostics.push(
                        Diagnostic::error(
                            Code::InvalidEmitOption,
                            format!("option `{key}` of `{target}` {problem}"),
                        )
                        .primary(attr.value.span, "not an accepted value"),
                    );
                    continue;
                }
                if s.to_template().is_empty() {
                    diagnostics.push(
                        Diagnostic::error(
                            Code::InvalidEmitOption,
                            format!("option `{key}` is empty"),
                        )
                        .primary(attr.value.span, "empty string")
                        .help("remove the option to use the default"),
                    );
                    continue;
                }
            }
            options.insert(key.to_string(), literal(&attr.value));
        }
        if path_ok {
            out.push(Emit {
                target: target.to_string(),
                path: decl.path.to_template(),
                options,
                scope,
                span: decl.span,
            });
        }
    }
    out
}

/// The option that makes an emit line a working file (`envdef switch`).
pub const WORKING: &str = crate::model::WORKING_OPTION;

/// `working = BOOL`; with `true`, the path may not contain `{env}` (E0620). `None` after
/// reporting a problem.
fn working_option(
    attr: &ast::Attr,
    path: &ast::StrLit,
    diagnostics: &mut Diagnostics,
) -> Option<bool> {
    let ast::ValueKind::Bool(working) = attr.value.kind else {
        diagnostics.push(
            Diagnostic::error(
                Code::InvalidEmitOption,
                format!("option `{WORKING}` takes `true` or `false`"),
            )
            .primary(attr.value.span, "expected a bool")
            .help(format!(
                "write `{WORKING} = true` to make this a working file of `envdef switch`"
            )),
        );
        return None;
    };
    if working && path.to_template().contains("{env}") {
        diagnostics.push(
            Diagnostic::error(
                Code::WorkingPathNamesEnv,
                format!(
                    "the working file `{}` names `{{env}}` in its path",
                    path.to_template().escape_debug()
                ),
            )
            .primary(path.span, "one file per environment")
            .secondary(attr.span, "a working file")
            .note(
                "`envdef switch ENV` writes the environment it switches to into the same \
                 working file, replacing the one before",
            )
            .help(
                "remove `{env}` from the path (e.g. \"{service}/.env\"), or remove \
                 `working = true` to commit one file per environment",
            ),
        );
        return None;
    }
    Some(working)
}

/// A literal as a model value (strings as written; `{env}` expands later).
fn literal(value: &ast::Value) -> Value {
    match &value.kind {
        ast::ValueKind::Str(s) => Value::Str(s.to_template()),
        ast::ValueKind::Int(i) => Value::Int(*i),
        ast::ValueKind::Float(f) => Value::Float(*f),
        ast::ValueKind::Bool(b) => Value::Bool(*b),
        ast::ValueKind::Duration(d) => Value::Duration(d.millis),
        ast::ValueKind::List(items) => Value::List(items.iter().map(literal).collect()),
    }
}

/// Why a path template could leave the output directory (before expansion; `emit`
/// re-validates the expanded paths).
fn unsafe_path(text: &str) -> Option<&'static str> {
    if text.starts_with('/') || text.starts_with('\\') {
        return Some("is absolute");
    }
    let bytes = text.as_bytes();
    if bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic() {
        return Some("starts with a drive letter");
    }
    if text.contains('\\') {
        return Some("contains a backslash");
    }
    if text
        .split('/')
        .any(|seg| seg.is_empty() || seg == "." || seg == "..")
    {
        return Some("has an empty, `.` or `..` segment");
    }
    None
}

/// Placeholders in an emit path or option string: only `{env}` and `{service}` (and, in
/// paths, `{PARAM}` of an environment parameter), never `${...}`; braces balanced.
fn check_template(
    s: &ast::StrLit,
    what: &str,
    params: &[&str],
    diagnostics: &mut Diagnostics,
) -> bool {
    let bad = |message: String, label: &str, help: &str| {
        Diagnostic::error(Code::InvalidEmitPath, message)
            .primary(s.span, label)
            .help(help.to_string())
    };
    for part in &s.parts {
        if let ast::StrPart::Interp(ident) = part {
            diagnostics.push(
                Diagnostic::error(
                    Code::InvalidEmitPath,
                    format!(
                        "emit {what}s use `{{{}}}`, not `${{{}}}`",
                        ident.text, ident.text
                    ),
                )
                .primary(ident.span, "`${...}` is for values")
                .help("write `{env}` or `{service}` without the `$`"),
            );
            return false;
        }
    }
    let text = s.to_template();
    if text.is_empty() && what == "path" {
        diagnostics.push(bad(
            "emit path is empty".to_string(),
            "empty path",
            "name the file to write, e.g. \"{service}/.env.{env}\"",
        ));
        return false;
    }
    if what == "path" {
        if let Some(problem) = unsafe_path(&text) {
            diagnostics.push(bad(
                format!("emit path `{text}` {problem}"),
                "outside the output directory",
                "emit paths are relative to `--out`, with no `..`, `.` or empty segments",
            ));
            return false;
        }
    }
    let mut rest = text.as_str();
    while let Some(open) = rest.find(['{', '}']) {
        if rest.as_bytes()[open] == b'}' {
            diagnostics.push(bad(
                format!("unmatched `}}` in emit {what} `{text}`"),
                "unmatched `}`",
                "placeholders are `{env}` and `{service}`",
            ));
            return false;
        }
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            diagnostics.push(bad(
                format!("unclosed `{{` in emit {what} `{text}`"),
                "unclosed `{`",
                "placeholders are `{env}` and `{service}`",
            ));
            return false;
        };
        let name = &after[..close];
        if name != "env" && name != "service" && !params.contains(&name) {
            let known = ["env", "service"].into_iter().chain(params.iter().copied());
            let help = suggest::did_you_mean(name, known).unwrap_or_else(|| {
                if what == "path" {
                    "emit paths expand `{env}`, `{service}` and the parameters of parameterised environments (`env preview(branch)`: `{branch}`)".to_string()
                } else {
                    "emit options expand only `{env}` and `{service}`; an instance's parameters reach them through `{env}` (`preview-feature-x`)".to_string()
                }
            });
            diagnostics.push(bad(
                format!("unknown placeholder `{{{name}}}` in emit {what} `{text}`"),
                "unknown placeholder",
                &help,
            ));
            return false;
        }
        rest = &after[close + 1..];
    }
    true
}
