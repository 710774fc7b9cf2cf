//! Names checked once per emit call, before anything renders: every key an artifact would
//! write must be valid for its format and unique in the artifact, and every service name
//! must be valid for the targets that write it. Doing this per service (not per artifact)
//! keeps the render loop free of hashing and lets each problem be reported once.

use super::job::{Builtin, Job, Template};
use super::{envfile, hcl, yaml};
use crate::diagnostics::{Code, Diagnostic};
use crate::hash::{FastHashMap, FastHashSet};
use crate::model::{Emit, Model, Service, VarDef, VarId};

/// What one check covers; used to run each check once.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Check<'m> {
    EnvKeys(&'m str, bool),
    TfNames(Option<&'m str>),
    KubeService(&'m str),
    ComposeService(&'m str),
    Project,
    AllKeys,
    AnsibleNames(Option<&'m str>),
    JsKeys(Option<&'m str>),
}

pub(crate) fn check(model: &Model, jobs: &[Job<'_>], errors: &mut Vec<Diagnostic>) {
    let mut done: FastHashSet<Check<'_>> = FastHashSet::default();
    for job in jobs {
        let Template::Builtin(target) = job.template else {
            continue;
        };
        let services: Vec<&Service> = job.services(model);
        match target {
            Builtin::Dotenv | Builtin::Compose | Builtin::Kubernetes => {
                let kube = target == Builtin::Kubernetes;
                for service in &services {
                    if done.insert(Check::EnvKeys(&service.name, kube)) {
                        env_keys(model, service, kube, job.emit, errors);
                    }
                    if target == Builtin::Compose
                        && done.insert(Check::ComposeService(&service.name))
                    {
                        compose_service(service, job.emit, errors);
                    }
                    if kube && done.insert(Check::KubeService(&service.name)) {
                        kube_service(service, job.emit, errors);
                    }
                }
                if kube && done.insert(Check::Project) && !is_label_value(&model.project) {
                    errors.push(
                        Diagnostic::error(
                            Code::InvalidTargetName,
                            format!(
                                "the project name `{}` is not a valid Kubernetes label value",
                                model.project
                            ),
                        )
                        .primary(job.emit.span, "written by this emit")
                        .help("label values use letters, digits, `-`, `_` and `.`, at most 63 characters"),
                    );
                }
            }
            Builtin::Jsonschema | Builtin::Pydantic | Builtin::Typescript => {
                match job.service {
                    Some(service) => {
                        if done.insert(Check::EnvKeys(&service.name, false)) {
                            env_keys(model, service, false, job.emit, errors);
                        }
                    }
                    None => {
                        if done.insert(Check::AllKeys) {
                            all_keys(model, job.emit, errors);
                        }
                    }
                }
                let scope = job.service.map(|s| s.name.as_str());
                if target == Builtin::Typescript && done.insert(Check::JsKeys(scope)) {
                    js_keys(model, job, errors);
                }
            }
            Builtin::Ansible => {
                let scope = job.service.map(|s| s.name.as_str());
                if done.insert(Check::AnsibleNames(scope)) {
                    ansible_names(model, job.service, job.emit, errors);
                }
            }
            Builtin::Tfvars | Builtin::VariablesTf => {
                let scope = job.service.map(|s| s.name.as_str());
                if done.insert(Check::TfNames(scope)) {
                    tf_names(model, job.service, job.emit, errors);
                }
            }
        }
    }
}

fn env_keys(
    model: &Model,
    service: &Service,
    kube: bool,
    emit: &Emit,
    errors: &mut Vec<Diagnostic>,
) {
    let mut seen: FastHashMap<&str, &VarDef> = crate::hash::map_with_capacity(service.vars.len());
    for (_, var, key) in service.keys(model) {
        if !envfile::is_portable_key(key) || (kube && !yaml::is_configmap_key(key)) {
            errors.push(key_error(
                key,
                "a portable environment variable name",
                var,
                emit,
            ));
        } else if let Some(first) = seen.insert(key, var) {
            if !std::ptr::eq(first, var) {
                errors.push(duplicate_key_error(key, first, var, emit));
            }
        }
    }
}

/// A project-wide application artifact (no `{service}`) holds every variable under its key:
/// each key valid and used by one variable only.
fn all_keys(model: &Model, emit: &Emit, errors: &mut Vec<Diagnostic>) {
    let mut seen: FastHashMap<&str, &VarDef> = crate::hash::map_with_capacity(model.vars.len());
    for var in &model.vars {
        let key = var.emit_name.as_str();
        if !envfile::is_portable_key(key) {
            errors.push(key_error(
                key,
                "a portable environment variable name",
                var,
                emit,
            ));
        } else if let Some(first) = seen.insert(key, var) {
            errors.push(
                duplicate_key_error(key, first, var, emit)
                    .note("a path without `{service}` describes every variable of the project in one artifact; add `{service}` for one per service"),
            );
        }
    }
}

/// Ansible variable names (Terraform names, `-` as `_`): identifiers Ansible accepts, once
/// per artifact.
fn ansible_names(
    model: &Model,
    service: Option<&Service>,
    emit: &Emit,
    errors: &mut Vec<Diagnostic>,
) {
    let ids: Vec<VarId> = match service {
        Some(s) => s.vars.clone(),
        None => (0..model.vars.len()).map(|i| VarId(i as u32)).collect(),
    };
    let mut seen: FastHashMap<String, &VarDef> = crate::hash::map_with_capacity(ids.len());
    for id in ids {
        let var = model.var(id);
        let name = super::ansible::var_name(var);
        if !super::ansible::is_variable_name(&name) {
            errors.push(
                key_error(&name, "an Ansible variable name (an identifier that Ansible does not reserve)", var, emit)
                    .help("give the variable another Terraform name with `tfvars_name = \"...\"`; the ansible target uses it"),
            );
        } else if let Some(first) = seen.get(&name) {
            errors.push(duplicate_key_error(&name, first, var, emit));
        } else {
            seen.insert(name, var);
        }
    }
}

/// Keys of the zod object: `__proto__` is the one name a JavaScript object cannot hold as a
/// key (writing it sets the object's prototype), so zod would drop its value unread.
fn js_keys(model: &Model, job: &Job<'_>, errors: &mut Vec<Diagnostic>) {
    for app_var in super::app::app_vars(model, job) {
        if app_var.key == "__proto__" {
            errors.push(key_error(
                app_var.key,
                "a key a JavaScript object holds (it sets the object's prototype; zod would drop the value)",
                app_var.var,
                job.emit,
            ));
        }
    }
}

fn tf_names(model: &Model, service: Option<&Service>, emit: &Emit, errors: &mut Vec<Diagnostic>) {
    let ids: Vec<VarId> = match service {
        Some(s) => s.vars.clone(),
        None => (0..model.vars.len()).map(|i| VarId(i as u32)).collect(),
    };
    let mut seen: FastHashMap<&str, &VarDef> = crate::hash::map_with_capacity(ids.len());
    for id in ids {
        let var = model.var(id);
        let name = var.tfvars_name.as_str();
        if !hcl::is_identifier(name) {
            errors.push(key_error(name, "a Terraform identifier", var, emit));
        } else if let Some(first) = seen.insert(name, var) {
            if !std::ptr::eq(first, var) {
                errors.push(duplicate_key_error(name, first, var, emit));
            }
        }
    }
}

fn kube_service(service: &Service, emit: &Emit, errors: &mut Vec<Diagnostic>) {
    if !yaml::is_dns1123_label(&service.name) {
        errors.push(
            dns_error("service", &service.name, emit).secondary(service.span, "declared here"),
        );
    }
}

fn compose_service(service: &Service, emit: &Emit, errors: &mut Vec<Diagnostic>) {
    if !yaml::is_compose_service_name(&service.name) {
        errors.push(
            Diagnostic::error(
                Code::InvalidTargetName,
                format!("`{}` is not a valid compose service name", service.name),
            )
            .primary(service.span, "declared here")
            .secondary(emit.span, "written by this emit")
            .help("compose service names use only letters, digits, `.`, `_` and `-`"),
        );
    }
}

/// A name that Kubernetes requires to be a DNS-1123 label.
pub(crate) fn dns_error(what: &str, value: &str, emit: &Emit) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidTargetName,
        format!("the {what} `{value}` is not a valid Kubernetes name (a DNS-1123 label)"),
    )
    .primary(emit.span, "written by this emit")
    .help("use lowercase letters, digits and `-`, at most 63 characters, starting and ending with a letter or digit")
}

fn key_error(key: &str, what: &str, var: &VarDef, emit: &Emit) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidTargetName,
        format!("`{}` is written as `{key}`, which is not {what}", var.qualified_name()),
    )
    .primary(var.span, "declared here")
    .secondary(emit.span, format!("written by this `{}` emit", emit.target))
    .help("set `env_name` (or `tfvars_name`) to a name made of letters, digits and `_`, not starting with a digit")
}

fn duplicate_key_error(key: &str, first: &VarDef, second: &VarDef, emit: &Emit) -> Diagnostic {
    Diagnostic::error(
        Code::DuplicateEmittedKey,
        format!(
            "`{}` and `{}` would both be written as `{key}` by the `{}` emit",
            first.qualified_name(),
            second.qualified_name(),
            emit.target
        ),
    )
    .primary(second.span, "second variable")
    .secondary(first.span, "first variable")
    .secondary(emit.span, "this emit")
    .help("rename one of them, or give it its own `env_name` / `tfvars_name`")
}

/// A Kubernetes label value: empty, or ≤ 63 of `[A-Za-z0-9._-]` starting and ending
/// alphanumeric.
fn is_label_value(s: &str) -> bool {
    let b = s.as_bytes();
    b.is_empty()
        || (b.len() <= 63
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric())
}
