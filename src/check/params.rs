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
