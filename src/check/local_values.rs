//! What secret values a target may carry: plain local secret values (`insecure env`) kept
//! out of deployment artifacts (E0346), and derived secrets kept out of targets that cannot
//! compose them (E0347).
//!
//! Input: the built [`Model`]. A secret may hold a plain value only in an environment
//! marked `insecure` (checked while evaluating, E0345); here every `kubernetes`, `tfvars`
//! and `variables_tf` emit is held to covering no environment where a secret it would
//! carry has such a value: those artifacts go to clusters and Terraform state, where a
//! local password must never land. One diagnostic per emit line and secret.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::{Model, Value, VarId};

/// Targets whose artifacts are deployment inputs.
const DEPLOYMENT_TARGETS: &[&str] = &["kubernetes", "tfvars", "variables_tf"];

pub(super) fn plain_values_in_artifacts(model: &Model, diagnostics: &mut Diagnostics) {
    for emit in &model.emits {
        if !DEPLOYMENT_TARGETS.contains(&emit.target.as_str()) {
            continue;
        }
        // Per secret: the first environment and where its plain value is set, then the others.
        let mut found: Vec<(VarId, String, crate::source::Span, Vec<String>)> = Vec::new();
        for env in model.concrete_envs().filter(|e| e.insecure) {
            for service in model.services.values() {
                if !emit.covers(&env.name, &service.name) {
                    continue;
                }
                for &id in &service.vars {
                    if !model.var(id).is_secret() {
                        continue;
                    }
                    let Some(res) = env.value_for(&service.name, id) else {
                        continue;
                    };
                    // A reference, or a derived secret built only from references, carries
                    // no plain value even in an `insecure` environment.
                    match &res.value {
                        Value::Secret { .. } => continue,
                        Value::Derived { local, .. } if local.is_empty() => continue,
                        _ => {}
                    }
                    match found.iter_mut().find(|f| f.0 == id) {
                        Some(f) => {
                            if f.1 != env.name && !f.3.contains(&env.name) {
                                f.3.push(env.name.clone());
                            }
                        }
                        None => found.push((id, env.name.clone(), res.origin.span, Vec::new())),
                    }
                }
            }
        }
        for (id, env, value_span, others) in found {
            let var = model.var(id);
            let mut d = Diagnostic::error(
                Code::PlainSecretInArtifact,
                format!(
                    "`emit {}` would write the plain local value of secret `{}` for environment `{env}`",
                    emit.target,
                    var.qualified_name()
                ),
            )
            .primary(emit.span, format!("covers `insecure env {env}`"))
            .secondary(value_span, "plain local value, set here")
            .help(format!(
                "a local value never goes into a {} artifact: limit the emit to deployed environments (`emit {} to \"...\" when env != \"{env}\"`), or give `{}` a reference in `{env}`",
                target_words(&emit.target),
                emit.target,
                var.qualified_name()
            ));
            if !others.is_empty() {
                let list = others
                    .iter()
                    .map(|e| format!("`{e}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                d = d.note(format!("the same holds for: {list}"));
            }
            diagnostics.push(d);
        }
    }
}

/// The built-in targets, each of which carries a derived secret or deliberately leaves it
/// out: compose interpolates it, Kubernetes templates it in the ExternalSecret, dotenv and
/// tfvars leave it out (as every secret), variables_tf declares it `sensitive`, and the
/// application targets (jsonschema, pydantic, typescript) describe it as the secret string
/// it is; ansible joins its parts' lookups in one Jinja expression (or refuses it, E0440).
const DERIVED_CARRIERS: &[&str] = &[
    "dotenv",
    "tfvars",
    "variables_tf",
    "compose",
    "kubernetes",
    "jsonschema",
    "pydantic",
    "typescript",
    "ansible",
];

/// E0347: a custom template (a target name of its own, or a built-in one with `template =
/// "…"`) sees a secret only as its reference; a derived secret has several, so the
/// template could only drop it or write something wrong. Refused by name, per emit and
/// variable.
pub(super) fn derived_in_templates(model: &Model, diagnostics: &mut Diagnostics) {
    for emit in &model.emits {
        let custom = !DERIVED_CARRIERS.contains(&emit.target.as_str())
            || emit.options.contains_key("template");
        if !custom {
            continue;
        }
        let mut reported: Vec<VarId> = Vec::new();
        for env in model.concrete_envs() {
            for service in model.services.values() {
                if !emit.covers(&env.name, &service.name) {
                    continue;
                }
                for &id in &service.vars {
                    let Some(res) = env.value(id) else { continue };
                    if !matches!(res.value, Value::Derived { .. }) || reported.contains(&id) {
                        continue;
                    }
                    reported.push(id);
                    let name = model.var(id).qualified_name();
                    diagnostics.push(
                        Diagnostic::error(
                            Code::DerivedSecretNotCarried,
                            format!(
                                "the template of `emit {}` cannot carry derived secret `{name}` (environment `{}`, service `{}`)",
                                emit.target, env.name, service.name
                            ),
                        )
                        .primary(emit.span, "a template sees a secret only as one reference")
                        .secondary(res.origin.span, "composed from other secrets here")
                        .help(format!(
                            "limit the emit to the services that do not read `{name}` (`when service != \"{}\"`), or let the application build the value from its parts",
                            service.name
                        )),
                    );
                }
            }
        }
    }
}

fn target_words(target: &str) -> &'static str {
    if target == "kubernetes" {
        "Kubernetes"
    } else {
        "Terraform"
    }
}
