//! `envdef run ENV --terraform -- terraform …`: the Terraform input variables of one
//! environment as `TF_VAR_<name>`, secrets resolved at run time like every `run`.
//!
//! The names are those `tfvars` and `variables_tf` use (`tfvars_name`; a service's
//! override of a shared variable as `<service>_<name>` when no service is selected, as a
//! whole-environment tfvars file writes it). The text is what Terraform reads back exactly
//! from `TF_VAR_`: a variable whose type is a string, number or bool is taken as the raw
//! text (`true`/`false` whatever `bool_format` says, so the bool conversion accepts it); a
//! list is parsed by Terraform as an HCL expression, so it is the HCL literal tfvars writes.

use super::{derived_source, text_error, Entry, EntrySource};
use crate::diagnostics::{Code, Diagnostic};
use crate::emit::{hcl, text, tfvars};
use crate::model::{Env, Model, Resolved, Service, Value, VarDef, VarId};

/// The prefix Terraform reads input variables from.
pub const PREFIX: &str = "TF_VAR_";

/// Every Terraform variable of `env` (one service's, when `service` is given) with its
/// value or reference, keyed `TF_VAR_<name>`. Unset optional variables are left out
/// (`variables_tf` gives them `default = null`).
pub fn terraform_environment(
    model: &Model,
    env: &Env,
    service: Option<&Service>,
) -> Result<Vec<Entry>, Diagnostic> {
    let mut entries = Vec::new();
    match service {
        Some(service) => {
            for &id in &service.vars {
                if let Some(res) = env.value_for(&service.name, id) {
                    let var = model.var(id);
                    entries.push(entry(&var.tfvars_name, id, var, res, env, &service.name)?);
                }
            }
        }
        None => {
            for (i, var) in model.vars.iter().enumerate() {
                let id = VarId(i as u32);
                if let Some(res) = env.value(id) {
                    let owner = var.owner.as_deref().unwrap_or_default();
                    entries.push(entry(&var.tfvars_name, id, var, res, env, owner)?);
                }
            }
            // A service's override of a shared variable: its own Terraform variable.
            for service in model.services.values() {
                for (&id, name) in &service.override_tfvars {
                    let Some(res) = env
                        .service_value(&service.name, id)
                        .and_then(|v| v.value.as_ref())
                    else {
                        continue;
                    };
                    entries.push(entry(name, id, model.var(id), res, env, &service.name)?);
                }
            }
        }
    }
    Ok(entries)
}

fn entry(
    name: &str,
    id: VarId,
    var: &VarDef,
    res: &Resolved,
    env: &Env,
    service: &str,
) -> Result<Entry, Diagnostic> {
    let source = match &res.value {
        Value::Secret { .. } | Value::Derived { .. } => {
            let source = match res.value.secret_reference(service) {
                Some(reference) => EntrySource::Secret { reference },
                None => derived_source(&res.value, service),
            };
            if service.is_empty() && mentions_service(&source) {
                return Err(Diagnostic::error(
                    Code::UnknownServiceArg,
                    format!(
                        "the reference of `{}` in `{}` depends on the service (`{{service}}`); name one with `--service`",
                        var.qualified_name(),
                        env.name
                    ),
                )
                .primary(res.origin.span, "set here"));
            }
            source
        }
        value => EntrySource::Text(terraform_text(value, var, env, res)?),
    };
    Ok(Entry {
        key: format!("{PREFIX}{name}"),
        var: id,
        source,
        span: res.origin.span,
    })
}

fn mentions_service(source: &EntrySource) -> bool {
    match source {
        EntrySource::Secret { reference } => reference.contains("{service}"),
        EntrySource::Derived { parts } => parts.iter().any(|p| {
            matches!(p, super::DerivedSource::Secret { reference } if reference.contains("{service}"))
        }),
        EntrySource::Text(_) => false,
    }
}

/// A plain value as Terraform reads it from `TF_VAR_`: raw text for a string, number or
/// bool; the HCL literal for a list.
fn terraform_text(
    value: &Value,
    var: &VarDef,
    env: &Env,
    res: &Resolved,
) -> Result<String, Diagnostic> {
    let refuse = |code: Code, why: String| {
        Diagnostic::error(
            code,
            format!(
                "`{}` in `{}` cannot be passed to Terraform exactly: {why}",
                var.qualified_name(),
                env.name
            ),
        )
        .primary(res.origin.span, "this value")
    };
    if let (Value::Duration(ms), Some(unit)) = (value, var.format.duration_unit) {
        if let Err(err) = text::duration_in_unit(*ms, unit) {
            let (code, why) = text_error(&err);
            return Err(refuse(code, why));
        }
    }
    // Terraform stores every string in Unicode NFC: one that is not would arrive changed
    // (tfvars refuses it with E0412 for the same reason).
    if let Some(bad) = tfvars::not_nfc(value) {
        return Err(refuse(
            Code::TfvarsNotNfc,
            format!(
                "the string {bad:?} is not in Unicode NFC, and Terraform normalizes every string"
            ),
        )
        .help("write the composed form (NFC) in the source"));
    }
    Ok(match value {
        Value::Str(s) => s.clone(),
        Value::Duration(ms) if var.format.duration_unit.is_none() => {
            crate::model::format_duration(*ms)
        }
        other => {
            let mut out = String::new();
            hcl::value_into(other, &var.format, &mut out);
            out
        }
    })
}
