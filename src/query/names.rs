//! Names a user gave (on the command line, in an editor command) looked up in the model.
//! An unknown name is an error [`Diagnostic`] with a stable code, the closest known name as
//! `help:` and the known names as a note.

use crate::diagnostics::{Code, Diagnostic};
use crate::model::{Env, Model, Service, VarDef, VarId};

/// A diagnostic for a name the source does not know: `unknown {what} `{name}``, with the
/// closest of `known` as help and all of them as a note.
pub fn unknown_name(code: Code, what: &str, name: &str, known: &[&str]) -> Diagnostic {
    let diagnostic = Diagnostic::error(code, format!("unknown {what} `{name}`")).help_opt(
        crate::diagnostics::suggest::did_you_mean(name, known.iter().copied()),
    );
    if known.is_empty() {
        diagnostic.note(format!("the source declares no {what}s"))
    } else {
        diagnostic.note(format!("known {what}s: {}", known.join(", ")))
    }
}

/// The environment called `name`. With `concrete`, an abstract one is refused too (they are
/// never emitted). A parameterised declaration (`env preview(branch) …`) stands for its
/// instance when `--param` created exactly one; without its `--param` values it is refused
/// with the parameters to give. Errors are [`Code::UnknownEnvironmentArg`].
pub fn env<'m>(model: &'m Model, name: &str, concrete: bool) -> Result<&'m Env, Diagnostic> {
    match model.envs.get(name) {
        Some(env) if !env.open_params.is_empty() || (concrete && is_family(model, env)) => {
            parameterised(model, env, concrete)
        }
        Some(env) if concrete && env.is_abstract => {
            let names: Vec<&str> = model.concrete_envs().map(|e| e.name.as_str()).collect();
            Err(Diagnostic::error(
                Code::UnknownEnvironmentArg,
                format!(
                    "environment `{name}` is abstract; abstract environments are never emitted"
                ),
            )
            .primary(env.span, "declared abstract here")
            .note(format!("concrete environments: {}", names.join(", "))))
        }
        Some(env) => Ok(env),
        None => {
            let names: Vec<&str> = model
                .envs
                .values()
                .filter(|e| !concrete || !e.is_abstract)
                .map(|e| e.name.as_str())
                .collect();
            Err(unknown_name(
                Code::UnknownEnvironmentArg,
                "environment",
                name,
                &names,
            ))
        }
    }
}

/// The instances of a parameterised declaration, in order.
pub fn instances<'m>(model: &'m Model, decl: &'m Env) -> impl Iterator<Item = &'m Env> {
    model.envs.values().filter(move |e| {
        !e.params.is_empty() && e.parent.is_some_and(|p| model.env_name(p) == decl.name)
    })
}

/// Environment names as `compile --env` takes them: a matrix (`production` of
/// `env production(region: "eu" | "us")`) stands for all its instances.
pub fn expand_matrices(model: &Model, names: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        match model.envs.get(name) {
            Some(env) if env.open_params.is_empty() && is_family(model, env) => {
                out.extend(instances(model, env).map(|e| e.name.clone()));
            }
            _ => out.push(name.clone()),
        }
    }
    out
}

fn is_family(model: &Model, env: &Env) -> bool {
    instances(model, env).next().is_some()
}

/// `decl` named on the command line: its one `--param` instance, or (not `concrete`) a
/// matrix's abstract base, or an error naming what to give.
fn parameterised<'m>(
    model: &'m Model,
    decl: &'m Env,
    concrete: bool,
) -> Result<&'m Env, Diagnostic> {
    let name = &decl.name;
    let all: Vec<&Env> = instances(model, decl).collect();
    let given: Vec<&Env> = all
        .iter()
        .copied()
        .filter(|e| e.params.iter().any(|p| p.given))
        .collect();
    if let [one] = given.as_slice() {
        return Ok(one);
    }
    if all.is_empty() {
        let params: Vec<String> = decl
            .open_params
            .iter()
            .map(|p| format!("--param {p}=VALUE"))
            .collect();
        let (noun, them) = if params.len() == 1 {
            ("parameter", "its value")
        } else {
            ("parameters", "their values")
        };
        let missing: Vec<String> = decl.open_params.iter().map(|p| format!("`{p}`")).collect();
        return Err(Diagnostic::error(
            Code::UnknownEnvironmentArg,
            format!(
                "environment `{name}` needs its {noun} {}: give {them} with `{}`",
                missing.join(", "),
                params.join(" ")
            ),
        )
        .primary(decl.span, format!("`{name}` is declared with parameters here"))
        .note(format!(
            "each value makes an instance of `{name}`, an ordinary environment; `envdef list` with the same `--param` shows its name"
        ))
        .help(format!("add `{}` to the command", params.join(" "))));
    }
    if !concrete && given.is_empty() {
        // A matrix's base: `diff --promote staging production` compares every region.
        return Ok(decl);
    }
    let names: Vec<&str> = all.iter().map(|e| e.name.as_str()).collect();
    Err(Diagnostic::error(
        Code::UnknownEnvironmentArg,
        format!(
            "environment `{name}` stands for {} environments; name one of them",
            all.len()
        ),
    )
    .primary(
        decl.span,
        format!("`{name}` is declared with parameters here"),
    )
    .note(format!("instances of `{name}`: {}", names.join(", ")))
    .help(format!("e.g. `{}`", names[0])))
}

/// The service called `name` ([`Code::UnknownServiceArg`] if there is none).
pub fn service<'m>(model: &'m Model, name: &str) -> Result<&'m Service, Diagnostic> {
    model.services.get(name).ok_or_else(|| {
        let names: Vec<&str> = model.services.keys().map(String::as_str).collect();
        unknown_name(Code::UnknownServiceArg, "service", name, &names)
    })
}

/// A variable by the name a user would type: `NAME` or `svc.NAME`; else a flag or variable
/// by its emitted key (`FEATURE_NEW_CHECKOUT`), or a service's variable by its bare name,
/// when exactly one matches. Errors are [`Code::UnknownVariableArg`].
pub fn variable(model: &Model, name: &str) -> Result<VarId, Diagnostic> {
    if let Some(id) = model.find_var(name) {
        return Ok(id);
    }
    let unique = |pred: &dyn Fn(&VarDef) -> bool| {
        let mut hits = model.vars.iter().enumerate().filter(|(_, v)| pred(v));
        match (hits.next(), hits.next()) {
            (Some((i, _)), None) => Some(VarId(i as u32)),
            _ => None,
        }
    };
    unique(&|v| v.emit_name == name)
        .or_else(|| unique(&|v| v.name == name))
        .ok_or_else(|| {
            let names: Vec<String> = model.vars.iter().map(VarDef::qualified_name).collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            unknown_name(Code::UnknownVariableArg, "variable", name, &names)
        })
}

/// Like [`variable`], and also `svc.NAME` for a shared `NAME` that service `svc` reads:
/// the variable as that service reads it (its per-service overrides apply).
pub fn service_variable<'m>(
    model: &'m Model,
    name: &str,
) -> Result<(VarId, Option<&'m str>), Diagnostic> {
    let err = match variable(model, name) {
        Ok(id) => return Ok((id, None)),
        Err(err) => err,
    };
    let Some((svc, var)) = name.split_once('.') else {
        return Err(err);
    };
    let Some((svc, service)) = model.services.get_key_value(svc) else {
        return Err(err);
    };
    match model.find_var(var) {
        Some(id) if service.vars.contains(&id) => Ok((id, Some(svc.as_str()))),
        _ => Err(err),
    }
}

/// The targets the source's `emit` lines name, each once, in the order first written.
pub fn targets(model: &Model) -> Vec<&str> {
    let mut targets: Vec<&str> = Vec::new();
    for e in &model.emits {
        if !targets.contains(&e.target.as_str()) {
            targets.push(&e.target);
        }
    }
    targets
}

/// `name` if an `emit` line uses that target ([`Code::UnknownTargetArg`] if none does).
pub fn target<'m>(model: &'m Model, name: &str) -> Result<&'m str, Diagnostic> {
    let known = targets(model);
    match known.iter().find(|t| **t == name) {
        Some(t) => Ok(t),
        None => Err(unknown_name(Code::UnknownTargetArg, "target", name, &known)),
    }
}
