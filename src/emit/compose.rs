//! The `compose` target: the `services.<name>.environment` block of an override file, every
//! scalar JSON-style quoted ([`super::yaml`]), `$` doubled, secrets as `${NAME:?…}` so
//! compose takes them from the host at run time: `NAME` is the variable an `env://NAME`
//! reference names (each environment's own source), else the secret's own key (one host
//! variable whatever key a service reads it under). A derived secret is its text with a
//! `${NAME:?…}` per secret part. A variable
//! that an `= unset` removes in the environment is written `KEY: !reset null`: compose
//! (≥ 2.24) then drops the key from the merged configuration, so an upstream file's
//! default (`${KEY:-http://minio:9000}`) does not survive into this environment.

use super::job::{services_of, text_error, Block, Job, Prepared};
use super::{text, yaml};
use crate::diagnostics::Diagnostic;
use crate::model::{DerivedPart, Model};
use crate::secret_ref::{Location, SecretRef};

/// The host variable compose interpolates for a secret: `NAME` of an `env://NAME` reference.
/// Other schemes are resolved before compose runs (`envdef run`, or the deployment's own
/// tooling) into the variable named like the key.
fn host_variable(reference: &str) -> Option<&str> {
    match SecretRef::parse(reference).ok()?.location() {
        // The name is a portable environment variable name (checked when parsed); borrow
        // it from the reference text.
        Location::Env { .. } => reference.strip_prefix("env://"),
        _ => None,
    }
}

/// `${NAME:?NAME must be set}` for a secret: `NAME` from an `env://NAME` reference, else the
/// secret's own key (`emit_name`), so a secret that services read under different keys
/// (`uses DB_PASSWORD as POSTGRES_PASSWORD`) is one host variable.
fn required_host_variable(reference: &str, own_key: &str) -> String {
    let host = host_variable(reference).unwrap_or(own_key);
    format!("${{{host}:?{host} must be set}}")
}

pub(super) fn body(
    model: &Model,
    prepared: &Prepared,
    job: &Job<'_>,
    out: &mut Block,
    errors: &mut Vec<Diagnostic>,
) {
    let Some(env) = job.env else {
        return;
    };
    // Each service's header and each variable's line are built here, then go to `out`.
    let mut line = String::new();
    for service in services_of(model, job) {
        out.reserve(service.vars.len() * 48);
        line.clear();
        line.push_str("  ");
        yaml::quote_into(&service.name, &mut line);
        line.push_str(":\n    environment:");
        let mut any = false;
        for (id, var, key) in service.keys(model) {
            out.push_str(&line);
            line.clear();
            let Some(res) = env.value_for(&service.name, id) else {
                if env.unset_for(&service.name, id).is_some() {
                    line.push_str(if any { "      " } else { "\n      " });
                    line.push_str(&prepared.yaml_key(id, var, key));
                    line.push_str(": !reset null\n");
                    any = true;
                }
                continue;
            };
            // Ints, floats and bools need neither `$$` nor escaping: write them directly.
            line.push_str(if any { "      " } else { "\n      " });
            line.push_str(&prepared.yaml_key(id, var, key));
            line.push_str(": \"");
            if text::push_plain_scalar(&res.value, &var.format, &mut line) {
                line.push_str("\"\n");
                any = true;
                continue;
            }
            line.clear();
            let value = if let Some(reference) = res.value.secret_reference(&service.name) {
                // Compose reads the secret from the host at run time and refuses to start
                // without it; both names are portable, so this needs no escaping.
                std::borrow::Cow::Owned(required_host_variable(&reference, &var.emit_name))
            } else if let Some(parts) = res.value.derived_parts() {
                // A derived secret: compose interpolates each secret part from the host;
                // the text between them is escaped (`$` doubled) like any value.
                let mut composed = String::new();
                for part in parts {
                    match part {
                        DerivedPart::Text { text } => {
                            composed.push_str(&yaml::compose_escape(text));
                        }
                        DerivedPart::Secret { var: part_var, .. } => {
                            let reference = part.reference(&service.name).unwrap_or_default();
                            let name = &model.var(*part_var).emit_name;
                            composed.push_str(&required_host_variable(&reference, name));
                        }
                    }
                }
                std::borrow::Cow::Owned(composed)
            } else {
                match text::value_text(&res.value, &var.format) {
                    Ok(Some(t)) => match yaml::compose_escape(&t) {
                        std::borrow::Cow::Borrowed(_) => t,
                        std::borrow::Cow::Owned(escaped) => std::borrow::Cow::Owned(escaped),
                    },
                    Ok(None) => continue,
                    Err(e) => {
                        errors.push(text_error(e, var, env, res, job));
                        continue;
                    }
                }
            };
            if !any {
                line.push('\n');
                any = true;
            }
            line.push_str("      ");
            line.push_str(&prepared.yaml_key(id, var, key));
            line.push_str(": ");
            yaml::quote_into(&value, &mut line);
            line.push('\n');
        }
        out.push_str(&line);
        if !any {
            out.push_str(" {}\n");
        }
    }
}
