//! The `compose` target: the `services.<name>.environment` block of an override file, every
//! scalar JSON-style quoted ([`super::yaml`]), `$` doubled, secrets as
//! `${KEY:?KEY must be set}` so compose takes them from the host at run time. A variable
//! that an `= unset` removes in the environment is written `KEY: !reset null`: compose
//! (≥ 2.24) then drops the key from the merged configuration, so an upstream file's
//! default (`${KEY:-http://minio:9000}`) does not survive into this environment.

use super::job::{services_of, text_error, Job, Prepared};
use super::{text, yaml};
use crate::diagnostics::Diagnostic;
use crate::model::{Model, Value};

pub(super) fn body(
    model: &Model,
    prepared: &Prepared,
    job: &Job<'_>,
    errors: &mut Vec<Diagnostic>,
) -> String {
    let Some(env) = job.env else {
        return String::new();
    };
    let mut out = String::new();
    for service in services_of(model, job) {
        out.reserve(service.vars.len() * 48);
        out.push_str("  ");
        yaml::quote_into(&service.name, &mut out);
        out.push_str(":\n    environment:");
        let mut any = false;
        for &id in &service.vars {
            let Some(res) = env.value(id) else {
                if env.unset_at(id).is_some() {
                    out.push_str(if any { "      " } else { "\n      " });
                    out.push_str(&prepared.yaml_keys[id.index()]);
                    out.push_str(": !reset null\n");
                    any = true;
                }
                continue;
            };
            let var = model.var(id);
            // Ints, floats and bools need neither `$$` nor escaping: write them directly.
            let mark = out.len();
            out.push_str(if any { "      " } else { "\n      " });
            out.push_str(&prepared.yaml_keys[id.index()]);
            out.push_str(": \"");
            if text::push_plain_scalar(&res.value, &var.format, &mut out) {
                out.push_str("\"\n");
                any = true;
                continue;
            }
            out.truncate(mark);
            let value = if matches!(res.value, Value::Secret { .. }) {
                // Compose reads the secret from the host at run time and refuses to start
                // without it; the key is a portable name, so this needs no escaping.
                std::borrow::Cow::Owned(format!("${{{0}:?{0} must be set}}", var.emit_name))
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
                out.push('\n');
                any = true;
            }
            out.push_str("      ");
            out.push_str(&prepared.yaml_keys[id.index()]);
            out.push_str(": ");
            yaml::quote_into(&value, &mut out);
            out.push('\n');
        }
        if !any {
            out.push_str(" {}\n");
        }
    }
    out
}
