//! The `kubernetes` target: per service and environment a `ConfigMap` with every non-secret
//! value as a quoted string, and an `ExternalSecret` (`external-secrets.io/v1`, or `v1beta1`
//! for operators before 0.17) pointing at the references of its secrets; never a `Secret`.
//! Each reference becomes a `remoteRef` through [`SecretRef::remote_ref`]; a scheme with its
//! own store (`secret_store_vault = "…"`) gets a per-entry `sourceRef.storeRef`, so one
//! service can read several stores. The template holds the manifest's shape; this module
//! builds its data and the ConfigMap's `data:` block.

use std::fmt::Write;

use serde::Serialize;

use super::data::Header;
use super::job::{option_str, text_error, Block, Job, Prepared};
use super::names::dns_error;
use super::{text, yaml};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{DerivedPart, Model, Value, VarId};
use crate::secret_ref::{Scheme, SecretRef};

/// `external_secrets_version` values: the operator serves `v1` since 0.16 and stopped
/// serving `v1beta1` in 0.17.
const ESO_VERSIONS: [&str; 2] = ["v1", "v1beta1"];

/// The emit option naming the store of one scheme's references, for the schemes the
/// operator has a provider for.
pub(crate) fn store_option(scheme: Scheme) -> Option<&'static str> {
    match scheme {
        Scheme::Vault => Some("secret_store_vault"),
        Scheme::AwsSm => Some("secret_store_aws_sm"),
        Scheme::GcpSm => Some("secret_store_gcp_sm"),
        Scheme::OnePassword => Some("secret_store_op"),
        Scheme::Env | Scheme::File | Scheme::Sops => None,
    }
}

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
    /// `v1` or `v1beta1` (`external_secrets_version`).
    eso_version: String,
    secrets: Vec<KubeSecret>,
    /// `spec.target.template.data` when the service reads a derived secret: every key of
    /// the Secret, each a Go template over the fetched keys. Empty otherwise (no template).
    template: Vec<KubeTemplate>,
}

#[derive(Serialize)]
struct KubeTemplate {
    key: String,
    text: String,
}

#[derive(Serialize)]
struct KubeSecret {
    key: String,
    remote_key: String,
    property: Option<String>,
    /// A store other than the ExternalSecret's own (`secret_store_<scheme>`).
    store: Option<String>,
    store_kind: String,
}

pub(super) fn data<'a>(
    model: &Model,
    prepared: &Prepared,
    header: Header<'a>,
    job: &Job<'_>,
    measure: bool,
    errors: &mut Vec<Diagnostic>,
) -> Option<(KubeData<'a>, Block)> {
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

    let opt = |key: &str, default: &str| {
        option_str(job.emit, key, Some(&env.name), Some(&service.name))
            .unwrap_or_else(|| default.to_string())
    };
    let secret_store = opt("secret_store", "envdef");
    let secret_store_kind = opt("secret_store_kind", "ClusterSecretStore");
    let mut data = Block::new(measure);
    let mut secrets = Vec::new();
    data.reserve(service.vars.len() * 48);
    // Each variable's line is built here, then goes to `data`.
    let mut line = String::new();
    for (id, var, key) in service.keys(model) {
        let Some(res) = env.value_for(&service.name, id) else {
            continue;
        };
        if let Some(reference) = res.value.secret_reference(&service.name) {
            secrets.push(secret_entry(
                &reference,
                key.to_string(),
                job,
                &secret_store,
                &secret_store_kind,
            ));
            continue;
        }
        if res.value.derived_parts().is_some() {
            // Composed from its parts' keys in the template, below.
            continue;
        }
        line.clear();
        line.push_str("  ");
        line.push_str(&prepared.yaml_key(id, var, key));
        line.push_str(": \"");
        if text::push_plain_scalar(&res.value, &var.format, &mut line) {
            line.push_str("\"\n");
            data.push_str(&line);
            continue;
        }
        line.clear();
        match text::value_text(&res.value, &var.format) {
            Ok(Some(t)) => {
                line.push_str("  ");
                line.push_str(&prepared.yaml_key(id, var, key));
                line.push_str(": ");
                yaml::quote_into(&t, &mut line);
                line.push('\n');
                data.push_str(&line);
            }
            Ok(None) => {}
            Err(e) => errors.push(text_error(e, var, env, res, job)),
        }
    }
    // The template puts the line breaks after these blocks.
    let data = data.framed("data: {}", "data:\n");
    let labels = labels.trim_end_matches('\n').to_string();
    let template = derived_template(model, job, &mut secrets, &secret_store, &secret_store_kind);
    let refresh_interval = opt("refresh_interval", "1h");
    let eso_version = opt("external_secrets_version", "v1");
    for scheme in Scheme::ALL {
        let Some(key) = store_option(scheme) else {
            continue;
        };
        if let Some(store) = option_str(job.emit, key, Some(&env.name), Some(&service.name)) {
            if !is_dns1123_subdomain(&store) {
                errors.push(option_error(key, &store, STORE_NAME_HELP, job));
            }
        }
    }
    if !is_dns1123_subdomain(&secret_store) {
        errors.push(option_error(
            "secret_store",
            &secret_store,
            STORE_NAME_HELP,
            job,
        ));
    }
    if !ESO_VERSIONS.contains(&eso_version.as_str()) {
        errors.push(option_error(
            "external_secrets_version",
            &eso_version,
            "use `v1` (External Secrets Operator 0.16 and later) or `v1beta1` (before 0.17)",
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
            eso_version,
            secrets,
            template,
        },
        data,
    ))
}

/// One `data` entry of the ExternalSecret: `secretKey` `key` fetched from `reference`,
/// through the store of its scheme when the emit names one (`secret_store_vault = …`).
fn secret_entry(
    reference: &str,
    key: String,
    job: &Job<'_>,
    secret_store: &str,
    secret_store_kind: &str,
) -> KubeSecret {
    let env = job.env.map(|e| e.name.as_str());
    let service = job.service.map(|s| s.name.as_str());
    let (remote_key, property, scheme) = remote_ref(reference);
    let store = scheme
        .and_then(store_option)
        .and_then(|option| option_str(job.emit, option, env, service))
        .filter(|store| store != secret_store);
    KubeSecret {
        key,
        remote_key,
        property,
        store,
        store_kind: secret_store_kind.to_string(),
    }
}

/// `target.template.data` for a service that reads a derived secret: the operator renders
/// each key of the Secret from the fetched keys (`{{ .DB_PASSWORD }}`), and a derived
/// secret from its text and its parts' keys. A part the service does not read itself is
/// fetched under a key of its own; with the default `mergePolicy: Replace` only the
/// template's keys reach the Secret, so such a part never becomes a key the service sees.
fn derived_template(
    model: &Model,
    job: &Job<'_>,
    secrets: &mut Vec<KubeSecret>,
    secret_store: &str,
    secret_store_kind: &str,
) -> Vec<KubeTemplate> {
    let (Some(env), Some(service)) = (job.env, job.service) else {
        return Vec::new();
    };
    let derived = |id: VarId| env.value(id).and_then(|r| r.value.derived_parts());
    if !service.vars.iter().any(|&id| derived(id).is_some()) {
        return Vec::new();
    }
    let mut template = Vec::new();
    // The fetched key of each secret part, by variable.
    let mut part_keys: Vec<(VarId, String)> = Vec::new();
    for (id, _, key) in service.keys(model) {
        let Some(res) = env.value(id) else { continue };
        let key = key.to_string();
        if let Value::Secret { .. } = res.value {
            template.push(KubeTemplate {
                text: go_template_key(&key),
                key: key.clone(),
            });
            part_keys.push((id, key));
        }
    }
    for (id, _, key) in service.keys(model) {
        let Some(parts) = derived(id) else { continue };
        let mut text = String::new();
        for part in parts {
            match part {
                DerivedPart::Text { text: t } => text.push_str(&t.replace("{{", "{{ \"{{\" }}")),
                DerivedPart::Secret { var, .. } => {
                    let key = match part_keys.iter().find(|(v, _)| v == var) {
                        Some((_, key)) => key.clone(),
                        None => {
                            let key = free_key(&model.var(*var).emit_name, secrets, model, service);
                            let reference = part.reference(&service.name).unwrap_or_default();
                            secrets.push(secret_entry(
                                &reference,
                                key.clone(),
                                job,
                                secret_store,
                                secret_store_kind,
                            ));
                            part_keys.push((*var, key.clone()));
                            key
                        }
                    };
                    text.push_str(&go_template_key(&key));
                }
            }
        }
        template.push(KubeTemplate {
            key: key.to_string(),
            text,
        });
    }
    // The Secret's keys in the service's order.
    let order = |key: &str| service.keys(model).position(|(_, _, k)| k == key);
    template.sort_by_key(|t| order(&t.key));
    template
}

/// `{{ .KEY }}`: keys are portable names (checked), so the field syntax reads them.
fn go_template_key(key: &str) -> String {
    format!("{{{{ .{key} }}}}")
}

/// A fetched key for a part the service does not read: its own name, unless the service
/// or another entry already uses that key.
fn free_key(
    name: &str,
    secrets: &[KubeSecret],
    model: &Model,
    service: &crate::model::Service,
) -> String {
    let taken = |key: &str| {
        secrets.iter().any(|s| s.key == key) || service.keys(model).any(|(_, _, k)| k == key)
    };
    let mut key = name.to_string();
    let mut n = 1;
    while taken(&key) {
        n += 1;
        key = format!("{name}_PART{n}");
    }
    key
}

const STORE_NAME_HELP: &str = "a store's name is a DNS-1123 subdomain: lowercase letters, digits, `-` and `.`, at most 253 characters";

/// Maps a reference to an External Secrets `remoteRef` (`key`, `property`) and its scheme.
/// Store schemes map as their providers expect ([`SecretRef::remote_ref`]). `env://`,
/// `file://` and `sops://` have no operator provider: their body is written as the key and
/// a `#fragment` as the property, for a store that serves those keys (docs/targets.md).
fn remote_ref(reference: &str) -> (String, Option<String>, Option<Scheme>) {
    let parsed = SecretRef::parse(reference).ok();
    if let Some(remote) = parsed.as_ref().and_then(SecretRef::remote_ref) {
        return (remote.key, remote.property, parsed.map(|p| p.scheme()));
    }
    let body = reference
        .split_once("://")
        .map_or(reference, |(_, body)| body);
    let (key, property) = match body.split_once('#') {
        Some((k, p)) => (k, (!p.is_empty()).then(|| p.to_string())),
        None => (body, None),
    };
    (key.to_string(), property, parsed.map(|p| p.scheme()))
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
