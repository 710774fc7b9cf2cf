//! The `tfvars` and `variables_tf` targets: typed `name = value` lines aligned as
//! `terraform fmt` wants, and one `variable` block per variable (HCL details in [`super::hcl`]).
//! Secrets are never written to tfvars; names were validated by `names::check`.

use super::render::text_error;
use super::{hcl, text, Job};
use crate::diagnostics::Diagnostic;
use crate::model::{Model, Value, VarDef, VarId};

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

pub(super) fn tfvars_body(model: &Model, job: &Job<'_>, errors: &mut Vec<Diagnostic>) -> String {
    let Some(env) = job.env else {
        return String::new();
    };
    // Two passes: which variables are written (and the widest name, for `terraform fmt`
    // alignment), then the lines straight into the output.
    let mut written: Vec<(&VarDef, &Value)> = Vec::new();
    let mut width = 0;
    for (id, var) in tf_vars(model, job) {
        if var.is_secret() {
            continue;
        }
        let Some(res) = env.value(id) else { continue };
        if let (Value::Duration(ms), Some(unit)) = (&res.value, var.format.duration_unit) {
            if let Err(e) = text::duration_in_unit(*ms, unit) {
                errors.push(text_error(e, var, env, res, job));
                continue;
            }
        }
        width = width.max(var.tfvars_name.len());
        written.push((var, &res.value));
    }
    let mut out = String::with_capacity(written.len() * (width + 32));
    for (var, value) in written {
        out.push_str(&var.tfvars_name);
        // Terraform identifiers are ASCII, so bytes are columns.
        for _ in var.tfvars_name.len()..width {
            out.push(' ');
        }
        out.push_str(" = ");
        hcl::value_into(value, &var.format, &mut out);
        out.push('\n');
    }
    out
}

pub(super) fn variables_tf_body(model: &Model, job: &Job<'_>) -> String {
    let mut out = String::new();
    for (_, var) in tf_vars(model, job) {
        if !out.is_empty() {
            out.push('\n');
        }
        hcl::variable_block(var, &mut out);
    }
    out
}
