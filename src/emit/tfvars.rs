//! The `tfvars` and `variables_tf` targets: typed `name = value` lines aligned as
//! `terraform fmt` wants, and one `variable` block per variable (HCL details in [`super::hcl`]).
//! Secrets are never written to tfvars; names were validated by `names::check`.

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
use unicode_segmentation::UnicodeSegmentation;

use super::job::{text_error, value_error, Block, Job};
use super::{hcl, text};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{Env, Model, Refinement, Resolved, Type, TypeKind, Value, VarDef, VarId};

/// The variables of a Terraform artifact: all of the model's, or one service's.
fn tf_vars<'m>(model: &'m Model, job: &Job<'m>) -> Vec<(VarId, &'m VarDef)> {
    match job.service {
        Some(svc) => svc.vars.iter().map(|id| (*id, model.var(*id))).collect(),
        None => model
            .vars
            .iter()
            .enumerate()
            .map(|(i, v)| (VarId(i as u32), v))
            .collect(),
    }
}

pub(super) fn tfvars_body<'m>(
    model: &'m Model,
    job: &Job<'m>,
    out: &mut Block,
    errors: &mut Vec<Diagnostic>,
) {
    let Some(env) = job.env else {
        return;
    };
    // Two passes: which variables are written (and the widest name, for `terraform fmt`
    // alignment), then the lines straight into the output.
    let mut written: Vec<(&str, &VarDef, &Value)> = Vec::new();
    let mut width = 0;
    let mut write = |name: &'m str, var: &'m VarDef, res: &'m Resolved| {
        if let Some(error) = unwritable(var, env, res, job) {
            errors.push(error);
            return;
        }
        width = width.max(name.len());
        written.push((name, var, &res.value));
    };
    for (id, var) in tf_vars(model, job) {
        if var.is_secret() {
            continue;
        }
        // A per-service artifact carries what that service reads, overrides included.
        let res = match job.service {
            Some(service) => env.value_for(&service.name, id),
            None => env.value(id),
        };
        if let Some(res) = res {
            write(&var.tfvars_name, var, res);
        }
    }
    // An artifact for the whole environment: a service's override of a shared variable
    // as its own Terraform variable (`api_log_level`), beside the shared one.
    if job.service.is_none() {
        for service in job.services(model) {
            for (&id, name) in &service.override_tfvars {
                let Some(res) = env
                    .service_value(&service.name, id)
                    .and_then(|v| v.value.as_ref())
                else {
                    continue;
                };
                write(name, model.var(id), res);
            }
        }
    }
    out.reserve(written.len() * (width + 32));
    let mut line = String::new();
    for (name, var, value) in written {
        line.clear();
        line.push_str(name);
        // Terraform identifiers are ASCII, so bytes are columns.
        for _ in name.len()..width {
            line.push(' ');
        }
        line.push_str(" = ");
        hcl::value_into(value, &var.format, &mut line);
        line.push('\n');
        out.push_str(&line);
    }
}

/// Why a value cannot go into tfvars as it is (an inexact duration unit, a string that is
/// not NFC, a length Terraform counts differently), if it cannot.
fn unwritable(var: &VarDef, env: &Env, res: &Resolved, job: &Job<'_>) -> Option<Diagnostic> {
    if let (Value::Duration(ms), Some(unit)) = (&res.value, var.format.duration_unit) {
        if let Err(e) = text::duration_in_unit(*ms, unit) {
            return Some(text_error(e, var, env, res, job));
        }
    }
    if let Some(bad) = not_nfc(&res.value) {
        return Some(not_nfc_error(bad, var, env, res, job));
    }
    length_disagreement(var, env, res, job)
}

/// `variables.tf`. The `secrets` option says what becomes of secrets: `"sensitive"` (the
/// default) declares each as a `sensitive` variable without a default, fed at apply time
/// through `TF_VAR_<name>` (tfvars never hold them); `"omit"` leaves them out, for
/// configurations that read secrets from a store themselves.
pub(super) fn variables_tf_body<'m>(
    model: &'m Model,
    job: &Job<'m>,
    out: &mut Block,
    errors: &mut Vec<Diagnostic>,
) {
    let omit_secrets = match super::job::option_str(job.emit, "secrets", None, None).as_deref() {
        None | Some("sensitive") => false,
        Some("omit") => true,
        Some(other) => {
            errors.push(
                Diagnostic::error(
                    Code::InvalidEmitOption,
                    format!("the `variables_tf` option `secrets` is {other:?}"),
                )
                .primary(job.emit.span, "written by this emit")
                .help("use `secrets = \"sensitive\"` (declared, fed through `TF_VAR_…`) or `secrets = \"omit\"` (left out)"),
            );
            false
        }
    };
    // Each variable's block is built here, then goes to `out`.
    let mut block = String::new();
    for (_, var) in tf_vars(model, job) {
        if omit_secrets && var.is_secret() {
            continue;
        }
        block.clear();
        if !out.is_empty() {
            block.push('\n');
        }
        hcl::variable_block(var, &mut block);
        out.push_str(&block);
    }
    if job.service.is_none() {
        for service in job.services(model) {
            for (&id, name) in &service.override_tfvars {
                let shared = model.var(id);
                // Declared like an optional variable: null wherever no override applies.
                let mut var = shared.clone();
                var.tfvars_name.clone_from(name);
                var.optional = true;
                var.doc = Some(format!(
                    "{}'s own value of {} where an environment overrides it ({}.{}); null: {} applies",
                    service.name, shared.tfvars_name, service.name, shared.name, shared.tfvars_name
                ));
                block.clear();
                block.push('\n');
                hcl::variable_block(&var, &mut block);
                out.push_str(&block);
            }
        }
    }
}

/// The first string in `value` that is not in NFC. Terraform's strings (cty) are always NFC:
/// `"e\u{301}"` would arrive as `"\u{e9}"`, so such a value cannot be carried unchanged.
pub(crate) fn not_nfc(value: &Value) -> Option<&str> {
    match value {
        Value::Str(s) => {
            // ASCII (almost every value) is NFC without a look at the tables.
            let nfc = s.is_ascii()
                || match is_nfc_quick(s.chars()) {
                    IsNormalized::Yes => true,
                    IsNormalized::No => false,
                    IsNormalized::Maybe => s.nfc().eq(s.chars()),
                };
            (!nfc).then_some(s.as_str())
        }
        Value::List(items) => items.iter().find_map(not_nfc),
        _ => None,
    }
}

fn not_nfc_error(bad: &str, var: &VarDef, env: &Env, res: &Resolved, job: &Job<'_>) -> Diagnostic {
    let composed: String = bad.nfc().collect();
    value_error(
        Code::TfvarsNotNfc,
        format!(
            "`{}` in environment `{}` has the string {bad:?}, which Terraform would read as {composed:?}: it normalizes every string to Unicode NFC",
            var.qualified_name(),
            env.name
        ),
        var,
        res,
        job,
    )
    .help("write the composed form (NFC) in the source, or do not emit this variable to tfvars")
}

/// A string whose `len` refinement envdef accepted (counting Unicode scalar values) but
/// Terraform's `length()` would refuse: cty counts grapheme clusters, so `"e\u{301}"` is 2
/// for envdef and 1 for Terraform, and the `variables_tf` validation would reject the value
/// at `terraform apply` (E0414).
fn length_disagreement(
    var: &VarDef,
    env: &Env,
    res: &Resolved,
    job: &Job<'_>,
) -> Option<Diagnostic> {
    let (ty, strings): (&Type, Vec<&str>) = match (&var.ty.kind, &res.value) {
        (TypeKind::List { element }, Value::List(items)) => (
            element,
            items
                .iter()
                .filter_map(|v| match v {
                    Value::Str(s) => Some(s.as_str()),
                    _ => None,
                })
                .collect(),
        ),
        (_, Value::Str(s)) => (&var.ty, vec![s.as_str()]),
        _ => return None,
    };
    for refinement in &ty.refinements {
        let Refinement::Len { lo, hi, inclusive } = refinement else {
            continue;
        };
        for s in &strings {
            if s.is_ascii() {
                continue;
            }
            let graphemes = s.graphemes(true).count() as u64;
            let within = graphemes >= *lo
                && if *inclusive {
                    graphemes <= *hi
                } else {
                    graphemes < *hi
                };
            if within {
                continue;
            }
            let chars = s.chars().count();
            let range = format!("{lo}..{}{hi}", if *inclusive { "=" } else { "" });
            return Some(
                value_error(
                    Code::TfvarsLengthDisagrees,
                    format!(
                        "`{}` in environment `{}` has the string {s:?}: {chars} characters for envdef's `len in {range}`, but {graphemes} for Terraform's length(), which counts grapheme clusters",
                        var.qualified_name(),
                        env.name
                    ),
                    var,
                    res,
                    job,
                )
                .help("Terraform's validation would refuse it at `terraform apply`: use a value within the range either way (without combining characters), or do not emit this variable to Terraform"),
            );
        }
    }
    None
}
