//! `explain`: a value and its provenance: the environments consulted (the environment, its
//! parent, …), the line that set the value (or the declaration's default), and each
//! `${NAME}` of an interpolated string expanded step by step. Also [`values`]: a variable
//! in every environment (what an editor shows on hover).

use crate::model::{Env, Model, Origin, Resolved, VarDef, VarId};

/// Nested interpolations are followed this deep (the checker already rejects cycles; this
/// only bounds the answer).
pub const MAX_DEPTH: usize = 8;

/// Where one variable's value in one environment came from.
#[derive(Debug, Clone)]
pub struct Explanation<'m> {
    /// The environment asked about.
    pub env: &'m Env,
    /// The variable asked about.
    pub var: VarId,
    /// The service whose value is explained (`api.LOG_LEVEL` for a shared `LOG_LEVEL`):
    /// its per-service override applies. `None`: the environment's value.
    pub service: Option<&'m str>,
    /// Without a service: every service that reads another value here because of a
    /// per-service override, with that value (`None`: unset for it) and its origin.
    pub overrides: Vec<ServiceOverride<'m>>,
    /// Its declaration.
    pub def: &'m VarDef,
    /// `None`: unset (an optional variable, or nothing set it in an abstract environment).
    pub resolved: Option<&'m Resolved>,
    /// The environments consulted, from `env` up to the one that set the value (the whole
    /// chain when none did).
    pub chain: Vec<ChainLink<'m>>,
    /// The value is the declaration's default (no environment set it).
    pub default_used: bool,
    /// Where an `= unset` (in `env` or an ancestor) removed the value, when one did.
    pub unset_by: Option<&'m Origin>,
    /// The string template the value was interpolated from, as written.
    pub template: Option<&'m str>,
    /// Each `${…}` of [`Explanation::template`], in order.
    pub steps: Vec<Step<'m>>,
}

/// A service that reads its own value of the variable in the environment.
#[derive(Debug, Clone, Copy)]
pub struct ServiceOverride<'m> {
    /// The service.
    pub service: &'m str,
    /// Its value (`None`: an override unsets it for the service).
    pub resolved: Option<&'m Resolved>,
    /// Where an `= unset` removed it for the service.
    pub unset_by: Option<&'m Origin>,
}

/// One environment of an `extends` chain.
#[derive(Debug, Clone, Copy)]
pub struct ChainLink<'m> {
    /// The environment's name.
    pub env: &'m str,
    /// Declared `abstract`.
    pub is_abstract: bool,
    /// This environment's assignment set the value.
    pub sets: bool,
}

/// One `${NAME}` of a template, resolved in the environment.
#[derive(Debug, Clone)]
pub struct Step<'m> {
    /// As written: `${API_URL}`.
    pub written: String,
    /// What it refers to.
    pub kind: StepKind<'m>,
    /// When the referenced value was itself interpolated (and [`MAX_DEPTH`] allows): its
    /// template's steps.
    pub nested: Option<Vec<Step<'m>>>,
}

/// What a `${NAME}` refers to.
#[derive(Debug, Clone)]
pub enum StepKind<'m> {
    /// `${env}` or `${service}`, with the text it expands to (`{service}` in a shared
    /// variable, where no single service applies).
    Builtin(String),
    /// A declared variable and its value here (`None`: unset).
    Var {
        /// The variable.
        id: VarId,
        /// Its value in the environment.
        resolved: Option<&'m Resolved>,
    },
    /// A name that is not declared (only in a template the checker did not see).
    Unknown,
}

/// Explains `var` in `env`, as `service` reads it when given (its per-service overrides
/// apply), else the environment's value with the services that read another one.
pub fn explain<'m>(
    model: &'m Model,
    env: &'m Env,
    var: VarId,
    service: Option<&'m str>,
) -> Explanation<'m> {
    let def = model.var(var);
    let (resolved, unset_by) = match service {
        Some(s) => (env.value_for(s, var), env.unset_for(s, var)),
        None => (env.value(var), env.unset_at(var)),
    };
    let overrides = match service {
        Some(_) => Vec::new(),
        None => env
            .service_values
            .iter()
            .filter_map(|(name, values)| {
                let i = values.binary_search_by_key(&var.0, |v| v.var.0).ok()?;
                Some(ServiceOverride {
                    service: name,
                    resolved: values[i].value.as_deref(),
                    unset_by: values[i].unset.as_ref(),
                })
            })
            .collect(),
    };
    // The environment whose line decided: the one that set the value, or unset it.
    let setter = resolved.map(|r| &r.origin).or(unset_by).and_then(|o| o.env);
    let mut chain = Vec::new();
    for &link in &env.chain {
        let sets = Some(link) == setter;
        chain.push(ChainLink {
            env: model.env_name(link),
            is_abstract: model.envs[link].is_abstract,
            sets,
        });
        if sets {
            break;
        }
    }
    let template = resolved.and_then(|r| r.origin.template.as_deref());
    Explanation {
        env,
        var,
        service,
        overrides,
        def,
        resolved,
        chain,
        default_used: resolved.is_some_and(|r| r.origin.env.is_none()),
        unset_by,
        template,
        steps: template.map_or_else(Vec::new, |t| {
            steps(model, (env, service.or(def.owner.as_deref())), t, 1)
        }),
    }
}

/// Every `${…}` of `template`, resolved in `env` as `scope` reads it (the service of a
/// service's own variable or of the explained override; `None`: shared).
fn steps<'m>(
    model: &'m Model,
    (env, scope): (&'m Env, Option<&str>),
    template: &str,
    depth: usize,
) -> Vec<Step<'m>> {
    crate::syntax::interpolations(template)
        .into_iter()
        .map(|interp| {
            let name = interp.name;
            let builtin = match name {
                "env" => Some(env.name.clone()),
                "service" => Some(scope.unwrap_or("{service}").to_string()),
                _ => None,
            };
            let (kind, nested) = match builtin {
                Some(text) => (StepKind::Builtin(text), None),
                None => {
                    // Inside a service's own variable, a bare name may mean a sibling.
                    let id = scope
                        .and_then(|svc| model.find_var(&format!("{svc}.{name}")))
                        .or_else(|| model.find_var(name));
                    match id {
                        None => (StepKind::Unknown, None),
                        Some(id) => {
                            let resolved = match scope {
                                Some(svc) => env.value_for(svc, id),
                                None => env.value(id),
                            };
                            let nested = resolved
                                .and_then(|r| r.origin.template.as_deref())
                                .filter(|_| depth < MAX_DEPTH)
                                .map(|t| steps(model, (env, scope), t, depth + 1));
                            (StepKind::Var { id, resolved }, nested)
                        }
                    }
                }
            };
            Step {
                written: format!("${{{name}}}"),
                kind,
                nested,
            }
        })
        .collect()
}

/// One environment's value of a variable.
#[derive(Debug, Clone, Copy)]
pub struct EnvValue<'m> {
    /// The environment.
    pub env: &'m Env,
    /// The value and who set it (`None`: unset here).
    pub resolved: Option<&'m Resolved>,
}

/// `var` in every environment (abstract ones included), in declaration order.
pub fn values(model: &Model, var: VarId) -> Vec<EnvValue<'_>> {
    model
        .envs
        .values()
        .map(|env| EnvValue {
            env,
            resolved: env.value(var),
        })
        .collect()
}
