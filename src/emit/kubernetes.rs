//! The `kubernetes` target: per service and environment a `ConfigMap` with every non-secret
//! value as a quoted string, and an `ExternalSecret` (external-secrets.io/v1beta1) pointing
//! at the references of its secrets; never a `Secret`. The template holds the manifest's
//! shape; this module builds its data and the ConfigMap's `data:` block.

use std::fmt::Write;

use serde::Serialize;

use super::data::Header;
use super::job::{option_str, text_error, Job, Prepared};
use super::names::dns_error;
use super::{text, yaml};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::Model;

#[derive(Serialize)]
pub(super) struct KubeData<'a> {
    #[serde(flatten)]
    header: Header<'a>,
    config_name: String,
    secret_name: String,
    namespace: Option<String>,
    labels: String,
    secret_store: String,
    secret_store_kind: String,
    refresh_interval: String,
    secrets: Vec<KubeSecret>,
}

#[derive(Serialize)]
struct KubeSecret {
    key: String,
    remote_key: String,
    property: Option<String>,
}

pub(super) fn data<'a>(
    model: &Model,
    prepared: &Prepared,
    header: Header<'a>,
    job: &Job<'_>,
    errors: &mut Vec<Diagnostic>,
) -> Option<(KubeData<'a>, String)> {
    let (Some(env), Some(service)) = (job.env, job.service) else {
        return None;
    };
    let namespace = option_str(job.emit, "namespace", Some(&env.name), Some(&service.name));
    if let Some(ns) = &namespace {
        if !yaml::is_dns1123_label(ns) {
            errors.push(dns_error("namespace", ns, job.emit));
        }
    }
    let mut labels = String::new();
    for (k, v) in [
        ("app.kubernetes.io/name", service.name.as_str()),
        ("app.kubernetes.io/part-of", model.project.as_str()),
        ("app.kubernetes.io/managed-by", "envdef"),
    ] {
        let _ = writeln!(labels, "    {k}: {}", yaml::quote(v));
    }

    let mut data = String::new();
    let mut secrets = Vec::new();
    data.reserve(service.vars.len() * 48);
    for &id in &service.vars {
        let Some(res) = env.value(id) else { continue };
        let var = model.var(id);
        if let Some(reference) = res.value.secret_reference(&service.name) {
            let (remote_key, property) = remote_ref(&reference);
            secrets.push(KubeSecret {
                key: var.emit_name.clone(),
                remote_key,
                property,
            });
            continue;
        }
        let mark = data.len();
        data.push_str("  ");
        data.push_str(&prepared.yaml_keys[id.index()]);
        data.push_str(": \"");
        if text::push_plain_scalar(&res.value, &var.format, &mut data) {
            data.push_str("\"\n");
            continue;
        }
        data.truncate(mark);
        match text::value_text(&res.value, &var.format) {
            Ok(Some(t)) => {
                data.push_str("  ");
                data.push_str(&prepared.yaml_keys[id.index()]);
                data.push_str(": ");
                yaml::quote_into(&t, &mut data);
                data.push('\n');
            }
            Ok(None) => {}
            Err(e) => errors.push(text_error(e, var, env, res, job)),
        }
    }
    // The template puts the line breaks after these blocks.
    let data = if data.is_empty() {
        "data: {}".to_string()
    } else {
        format!("data:\n{}", data.trim_end_matches('\n'))
    };
    let labels = labels.trim_end_matches('\n').to_string();
    let opt = |key: &str, default: &str| {
        option_str(job.emit, key, Some(&env.name), Some(&service.name))
            .unwrap_or_else(|| default.to_string())
    };
    let secret_store = opt("secret_store", "envdef");
    let secret_store_kind = opt("secret_store_kind", "ClusterSecretStore");
    let refresh_interval = opt("refresh_interval", "1h");
    if !is_dns1123_subdomain(&secret_store) {
        errors.push(option_error(
            "secret_store",
            &secret_store,
            "a store's name is a DNS-1123 subdomain: lowercase letters, digits, `-` and `.`, at most 253 characters",
            job,
        ));
    }
    if !matches!(
        secret_store_kind.as_str(),
        "SecretStore" | "ClusterSecretStore"
    ) {
        errors.push(option_error(
            "secret_store_kind",
            &secret_store_kind,
            "use `SecretStore` or `ClusterSecretStore`",
            job,
        ));
    }
    if !is_go_duration(&refresh_interval) {
        errors.push(option_error(
            "refresh_interval",
            &refresh_interval,
            "the operator reads a Go duration such as `1h`, `30m` or `1h30m` (units ns, us, ms, s, m, h)",
            job,
        ));
    }
    Some((
        KubeData {
            header,
            config_name: format!("{}-config", service.name),
            secret_name: format!("{}-secrets", service.name),
            namespace,
            labels,
            secret_store,
            secret_store_kind,
            refresh_interval,
            secrets,
        },
        data,
    ))
}

/// Maps an envdef reference to an External Secrets `remoteRef`: providers want their own path
/// (`kv/acme/prod/db` for Vault, a secret name or ARN for AWS), so a leading `scheme://` is
/// dropped and a `#fragment` becomes `property` (an empty fragment is none). A reference
/// without `://` (an ARN, a bare name) is kept as the key.
fn remote_ref(reference: &str) -> (String, Option<String>) {
    let (key, property) = match reference.split_once('#') {
        Some((k, p)) => (k, (!p.is_empty()).then(|| p.to_string())),
        None => (reference, None),
    };
    let key = match key.split_once("://") {
        Some((scheme, rest)) if is_scheme(scheme) => rest,
        _ => key,
    };
    (key.to_string(), property)
}

/// RFC 3986 scheme: a letter, then letters, digits, `+`, `-`, `.`.
fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// A Kubernetes object name (DNS-1123 subdomain), as a store's name must be.
fn is_dns1123_subdomain(s: &str) -> bool {
    s.len() <= 253
        && !s.is_empty()
        && s.split('.').all(|part| {
            let b = part.as_bytes();
            !b.is_empty()
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
                && b[0] != b'-'
                && b[b.len() - 1] != b'-'
        })
}

/// What Go's `time.ParseDuration` accepts (unsigned): `0`, or numbers with units
/// `ns us µs ms s m h`, such as `1h30m` or `1.5s`.
fn is_go_duration(s: &str) -> bool {
    if s == "0" {
        return true;
    }
    let mut rest = s;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        let number = &rest[..digits];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return false;
        }
        rest = &rest[digits..];
        let Some(unit) = ["ns", "us", "\u{b5}s", "ms", "s", "m", "h"]
            .into_iter()
            .filter(|u| rest.starts_with(u))
            .max_by_key(|u| u.len())
        else {
            return false;
        };
        rest = &rest[unit.len()..];
    }
    true
}

fn option_error(key: &str, value: &str, help: &str, job: &Job<'_>) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidTargetName,
        format!("the `kubernetes` option `{key}` is {value:?}, which the External Secrets Operator does not accept"),
    )
    .primary(job.emit.span, "written by this emit")
    .help(help.to_string())
}
