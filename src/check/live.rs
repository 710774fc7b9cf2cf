//! Asserts re-evaluated with live values, for `envdef verify`: the environment's values
//! from the model, with the variables a live process actually has put in their place.
//! A failing rule is E0613 (the model itself passed every assert, so every failure comes
//! from a live value).

use std::sync::Arc;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::{EnvId, Model, Origin, Resolved, Value, VarId};
use crate::resolve::Program;
use crate::source::{SourceMap, Span};

use crate::model::TypeKind;

use super::types::Regexes;

/// Every assert evaluated in `env` with `live` in place of the model's values (`None`: the
/// variable is not usable live, so rules that need it are not evaluated). `spans` gives,
/// per live value, where it came from (a `.env` line, or the declaration). `service`'s
/// own values (its per-service overrides) stand in `env` for the variables not live.
pub fn live_asserts(
    program: &Program,
    sources: &SourceMap,
    model: &Model,
    (env, service): (&str, &str),
    live: &[(VarId, Option<Value>, Span)],
) -> Vec<Diagnostic> {
    let mut optional = Vec::with_capacity(program.vars.len());
    let mut unions = Vec::with_capacity(program.vars.len());
    for id in 0..program.vars.len() {
        let var = model.var(VarId(id as u32));
        optional.push(var.optional);
        unions.push(match &var.ty.kind {
            TypeKind::Enum { members } => Some(members.clone()),
            _ => None,
        });
    }
    let mut regexes = Regexes::default();
    let values: Vec<Vec<Option<Arc<Resolved>>>> = program
        .envs
        .keys()
        .map(|name| {
            let Some(model_env) = model.envs.get(name) else {
                return Vec::new();
            };
            if name != env {
                return model_env.values.clone();
            }
            let mut values: Vec<Option<Arc<Resolved>>> = (0..model_env.values.len())
                .map(|i| {
                    let id = VarId(i as u32);
                    match model_env.service_value(service, id) {
                        Some(own) => own.value.clone(),
                        None => model_env.values[i].clone(),
                    }
                })
                .collect();
            {
                for (id, value, span) in live {
                    values[id.index()] = value.clone().map(|value| {
                        Arc::new(Resolved {
                            value,
                            origin: Origin {
                                env: program.envs.get_index_of(env).map(EnvId::new),
                                span: *span,
                                template: None,
                                service: None,
                            },
                        })
                    });
                }
            }
            values
        })
        .collect();
    let mut out = Diagnostics::new();
    let views = vec![Vec::new(); values.len()];
    let live_spans: Vec<Span> = live.iter().map(|(_, _, span)| *span).collect();
    super::asserts::check_asserts(
        program,
        sources,
        (&values, &views, &live_spans),
        &optional,
        &unions,
        &mut regexes,
        &mut out,
    );
    out.into_vec()
        .into_iter()
        .filter(|d| d.code == Code::AssertFailed)
        .map(|mut d| {
            d.code = Code::LiveAssertFailed;
            d
        })
        .collect()
}
