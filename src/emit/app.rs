//! What the application targets (`pydantic`, `typescript`, `jsonschema`) share: which
//! variables an artifact describes, and each variable's default.
//!
//! These targets describe a service's environment, not one environment's values, so their
//! artifacts are written once (per service with `{service}` in the path, once for the
//! project without), and once per environment only when the path has `{env}`.

use crate::model::{Model, Value, VarDef, VarId};

use super::job::Job;

/// The variables an application artifact describes: the service's (its own first, then
/// the ones it `uses`), or every declared variable for a project-wide artifact (keys were
/// checked to be unique by `names::check`).
pub(super) fn app_vars<'m>(model: &'m Model, job: &Job<'m>) -> Vec<AppVar<'m>> {
    match job.service {
        Some(service) => service
            .keys(model)
            .map(|(id, var, key)| AppVar {
                id,
                var,
                key,
                // A variable read under several keys (`uses A, A as B`) is a field per
                // key, each named after its key; otherwise the field is the variable's.
                field: if service.more_keys_of(id).next().is_none() {
                    &var.name
                } else {
                    key
                },
            })
            .collect(),
        None => model
            .vars
            .iter()
            .enumerate()
            .map(|(i, var)| AppVar {
                id: VarId(i as u32),
                var,
                key: &var.emit_name,
                field: &var.name,
            })
            .collect(),
    }
}

/// A variable of an application artifact and the key the process reads it under.
pub(super) struct AppVar<'m> {
    pub id: VarId,
    pub var: &'m VarDef,
    /// The service's alias (`uses NAME as KEY`), else the variable's `emit_name`.
    pub key: &'m str,
    /// What a class field is named after: the variable's name for its first key, the key
    /// itself for a further one.
    pub field: &'m str,
}

/// The declaration's default, when it is a literal (an interpolated default such as
/// `"${PUBLIC_URL}/api"` differs per environment and is no default of the class), also when
/// every environment overrides it: it is what the declaration says the variable is when
/// nothing sets it, and a field should not turn required because one more environment
/// overrides its default. For an artifact written per environment, that environment's
/// value is used as the default instead.
pub(super) fn default_value<'m>(model: &'m Model, job: &Job<'m>, id: VarId) -> Option<&'m Value> {
    let var = model.var(id);
    if var.is_secret() {
        return None;
    }
    if let Some(env) = job.env {
        return env.value(id).map(|r| &r.value);
    }
    var.default.as_ref()
}

/// Whether the variable must be present in the environment: not optional, and no default.
pub(super) fn required(model: &Model, job: &Job<'_>, id: VarId) -> bool {
    !model.var(id).optional && default_value(model, job, id).is_none()
}
