//! Parameter values of environment instances against their declared types (E0362): a
//! `--param branch=…` or a union member must fit `branch: string len in 1..=40 matching
//! /…/` before the instance's values are trusted.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::resolve::Program;

use super::types::{Regexes, TypeTable};
use super::values::{self, Raw, RawValue};

pub(super) fn check_params(
    program: &Program,
    types: &mut TypeTable<'_>,
    diagnostics: &mut Diagnostics,
) {
    // Lowered first: lowering compiles the types' regexes, which checking reads.
    let mut typed = Vec::new();
    for env in program.envs.values() {
        // Each declared parameter type once, with its errors, instance or not.
        for param in &env.param_decls {
            if let Some(ty) = &param.ty {
                types.lower(ty, diagnostics);
            }
        }
        for value in &env.params {
            if value.value.is_empty() {
                diagnostics.push(empty_value(env, value));
                continue;
            }
            let Some(ty_expr) = &value.param.ty else {
                continue;
            };
            // A broken type is reported where it is declared.
            if let Some(ty) = types.lower(ty_expr, &mut Diagnostics::new()) {
                typed.push((env, value, ty));
            }
        }
    }
    let regexes: &Regexes = &types.regexes;
    for (env, value, ty) in typed {
        let raw = RawValue {
            raw: Raw::Str(value.value.clone()),
            span: value.param.name.span,
        };
        let Err(err) = values::check(&raw, &ty, regexes) else {
            continue;
        };
        diagnostics.push(
            Diagnostic::error(
                Code::InvalidParameterValue,
                format!(
                    "parameter `{}` of environment `{}`: {}",
                    value.param.name.text,
                    env.parent_name.as_ref().map_or("", |p| p.text.as_str()),
                    err.message
                ),
            )
            .primary(err.type_span, err.type_label)
            .note(if value.given {
                format!(
                    "given as `--param {}={}`, for the instance `{}`",
                    value.param.name.text, value.value, env.name.text
                )
            } else {
                format!(
                    "`{}` is a member of the parameter's union: the instance `{}`",
                    value.value, env.name.text
                )
            })
            .help_opt(err.help)
            .help(if value.given {
                format!(
                    "give `--param {}=VALUE` a value its type allows",
                    value.param.name.text
                )
            } else {
                "make every member of the union fit the refinements".to_string()
            }),
        );
    }
}

/// An empty value names nothing (its label would be a bare hash); on a command line it is
/// most often an unset shell variable (`--param branch=$BRANCH`), which must not create a
/// preview of its own.
fn empty_value(env: &crate::resolve::EnvEntry, value: &crate::resolve::ParamValue) -> Diagnostic {
    let base = env.parent_name.as_ref().map_or("", |p| p.text.as_str());
    let name = &value.param.name.text;
    let d = Diagnostic::error(
        Code::InvalidParameterValue,
        format!("parameter `{name}` of environment `{base}` is empty"),
    )
    .primary(
        value.param.name.span,
        "an instance needs a value to be named by",
    );
    if value.given {
        d.note(format!(
            "given as `--param {name}=` (an unset shell variable expands to nothing)"
        ))
        .help(format!(
            "give `--param {name}=VALUE` a value, e.g. the branch name"
        ))
    } else {
        d.help("remove the empty member `\"\"` from the parameter's union")
    }
}
