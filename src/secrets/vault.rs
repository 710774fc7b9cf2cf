//! `vault://MOUNT/PATH#KEY`: one key of a KV version 2 secret, read over the Vault HTTP API
//! (`GET $VAULT_ADDR/v1/MOUNT/data/PATH` with `X-Vault-Token: $VAULT_TOKEN`, and
//! `X-Vault-Namespace: $VAULT_NAMESPACE` when set). OpenBao speaks the same API.
//!
//! The first segment is the mount (`kv`, `secret`), the rest the secret's path. Each secret
//! is fetched once per run however many keys are read from it. Connecting gives up after
//! [`CONNECT_TIMEOUT`], a whole request after [`REQUEST_TIMEOUT`] or `VAULT_CLIENT_TIMEOUT`
//! (read as the Vault CLI reads it: seconds, or a duration such as `30s`), so a server that
//! accepts the connection and never answers cannot hold the run; `https://` addresses use
//! rustls with the Mozilla root certificates.

use std::cell::RefCell;
use std::collections::HashMap;
use std::time::Duration;

use zeroize::Zeroizing;

use super::{Context, Provider, ProviderError, SecretValue};
use crate::secret_ref::{Location, Scheme};

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// Responses larger than this are not a KV secret.
const MAX_RESPONSE_BYTES: u64 = 4 << 20;

/// One KV secret's keys and values.
type Secret = HashMap<String, SecretValue>;

/// Resolves `vault://` over Vault's HTTP API (KV v2), reading each secret once per run.
#[derive(Default)]
pub struct VaultProvider {
    /// `ADDR/v1/MOUNT/data/PATH` → the secret's keys, or why it could not be read.
    cache: RefCell<HashMap<String, Result<Secret, ProviderError>>>,
    /// Addresses that could not be reached: asked once per run, not once per secret.
    unreachable: RefCell<HashMap<String, ProviderError>>,
}

impl Provider for VaultProvider {
    fn scheme(&self) -> Scheme {
        Scheme::Vault
    }

    fn fetch(&self, location: &Location, context: &Context) -> Result<SecretValue, ProviderError> {
        let Location::Vault { mount, path, key } = location else {
            return Err(ProviderError::new("not a `vault://` reference"));
        };
        let (mount, path, key) = (mount.as_str(), path.as_str(), key.as_str());
        let addr = context.var("VAULT_ADDR").ok_or_else(|| {
            ProviderError::new("VAULT_ADDR is not set")
                .help("export VAULT_ADDR (e.g. https://vault.example.com:8200) and VAULT_TOKEN")
        })?;
        let url = format!(
            "{}/v1/{}/data/{}",
            addr.trim_end_matches('/'),
            mount,
            path.trim_start_matches('/')
        );
        if let Some(err) = self.unreachable.borrow().get(addr) {
            return Err(err.clone());
        }
        let mut cache = self.cache.borrow_mut();
        let secret = cache.entry(url.clone()).or_insert_with(|| {
            let result = read_secret(&url, addr, mount, path, context);
            if let Err(Failure::Unreachable(err)) = &result {
                self.unreachable
                    .borrow_mut()
                    .insert(addr.to_string(), err.clone());
            }
            result.map_err(|(Failure::Unreachable(err) | Failure::Answered(err))| err)
        });
        let secret = secret.as_ref().map_err(Clone::clone)?;
        match secret.get(key) {
            Some(value) => Ok(value.clone()),
            None => {
                let mut keys: Vec<&str> = secret.keys().map(String::as_str).collect();
                keys.sort_unstable();
                Err(
                    ProviderError::new(format!("the secret `{mount}/{path}` has no key `{key}`"))
                        .help(if keys.is_empty() {
                            "the secret has no keys".to_string()
                        } else {
                            format!("its keys: {}", keys.join(", "))
                        }),
                )
            }
        }
    }
}

/// Why a secret could not be read: the server was never reached (the same for every secret
/// of the run), or it answered with an error for this one.
enum Failure {
    Unreachable(ProviderError),
    Answered(ProviderError),
}

fn read_secret(
    url: &str,
    addr: &str,
    mount: &str,
    path: &str,
    context: &Context,
) -> Result<Secret, Failure> {
    let token = context.var("VAULT_TOKEN").ok_or_else(|| {
        Failure::Unreachable(
            ProviderError::new("VAULT_TOKEN is not set")
                .help("export VAULT_TOKEN (e.g. from `vault login` or `bao login`)"),
        )
    })?;
    let timeout = request_timeout(context).map_err(Failure::Unreachable)?;
    let agent = ureq::AgentBuilder::new()
        .timeout_connect(CONNECT_TIMEOUT.min(timeout))
        .timeout(timeout)
        .redirects(0)
        .build();
    let mut request = agent.get(url).set("X-Vault-Token", token);
    if let Some(namespace) = context.var("VAULT_NAMESPACE") {
        request = request.set("X-Vault-Namespace", namespace);
    }
    let response = match request.call() {
        Ok(response) => response,
        Err(ureq::Error::Status(status, response)) => {
            return Err(Failure::Answered(status_error(
                status, response, mount, path,
            )))
        }
        Err(ureq::Error::Transport(transport)) if timed_out(&transport) => {
            let within = crate::notation::format_duration(timeout.as_millis() as u64);
            return Err(Failure::Unreachable(
                ProviderError::new(format!("Vault at {addr} did not answer within {within}"))
                    .help(format!(
                        "check that the server is healthy and reachable; VAULT_CLIENT_TIMEOUT sets how long to wait (now {within})"
                    )),
            ));
        }
        Err(ureq::Error::Transport(transport)) => {
            return Err(Failure::Unreachable(
                ProviderError::new(format!(
                    "cannot reach Vault at {addr}: {}",
                    transport_reason(&transport)
                ))
                .help("check VAULT_ADDR and that the server is running and reachable"),
            ))
        }
    };
    let body = read_body(response).map_err(Failure::Answered)?;
    let json: serde_json::Value = serde_json::from_str(&body).map_err(|_| {
        Failure::Answered(ProviderError::new(format!(
            "Vault at {addr} did not answer with JSON"
        )))
    })?;
    let Some(data) = json.pointer("/data/data").and_then(|d| d.as_object()) else {
        return Err(Failure::Answered(
            ProviderError::new(format!(
                "`{mount}/{path}` is not a KV version 2 secret (no `data.data` in the answer)"
            ))
            .help("`vault://` reads KV v2 mounts (`vault secrets enable -version=2 kv`)"),
        ));
    };
    let mut out = HashMap::with_capacity(data.len());
    for (key, value) in data {
        let text = match value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => b.to_string(),
            // Nested values have no environment-variable form; leaving the key out makes
            // a reference to it fail with the list of usable keys.
            _ => continue,
        };
        out.insert(key.clone(), SecretValue::new(text));
    }
    Ok(out)
}

/// How long one request may take: `VAULT_CLIENT_TIMEOUT` (whole seconds, or a duration
/// such as `30s`, `1m30s`, `500ms`) or [`REQUEST_TIMEOUT`].
fn request_timeout(context: &Context) -> Result<Duration, ProviderError> {
    let Some(text) = context.var("VAULT_CLIENT_TIMEOUT") else {
        return Ok(REQUEST_TIMEOUT);
    };
    let text = text.trim();
    let millis = match text.parse::<u64>() {
        Ok(seconds) => seconds.checked_mul(1000),
        Err(_) => crate::notation::parse_duration(text),
    };
    match millis {
        Some(ms) if ms > 0 => Ok(Duration::from_millis(ms)),
        _ => Err(ProviderError::new(format!(
            "VAULT_CLIENT_TIMEOUT is `{text}`, which is not a positive duration"
        ))
        .help("give whole seconds (`30`) or a duration (`30s`, `1m30s`, `500ms`)")),
    }
}

/// Whether a transport error is a timeout (connecting, or waiting for the answer).
fn timed_out(transport: &ureq::Transport) -> bool {
    std::error::Error::source(transport)
        .and_then(|e| e.downcast_ref::<std::io::Error>())
        .is_some_and(|e| {
            matches!(
                e.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            )
        })
}

fn read_body(response: ureq::Response) -> Result<Zeroizing<String>, ProviderError> {
    use std::io::Read;
    let mut body = Zeroizing::new(String::new());
    response
        .into_reader()
        .take(MAX_RESPONSE_BYTES)
        .read_to_string(&mut body)
        .map_err(|e| ProviderError::new(format!("reading Vault's answer failed: {e}")))?;
    Ok(body)
}

/// An HTTP error status → what it means for the user. Vault's `errors` array holds
/// messages such as "permission denied", never secret data.
fn status_error(status: u16, response: ureq::Response, mount: &str, path: &str) -> ProviderError {
    let messages: Vec<String> = read_body(response)
        .ok()
        .and_then(|body| serde_json::from_str::<serde_json::Value>(&body).ok())
        .and_then(|json| {
            json.get("errors")?.as_array().map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| e.as_str().map(|s| s.trim().to_string()))
                    .filter(|s| !s.is_empty())
                    .collect()
            })
        })
        .unwrap_or_default();
    let said = if messages.is_empty() {
        String::new()
    } else {
        format!(" ({})", messages.join("; "))
    };
    match status {
        403 => ProviderError::new(format!("Vault denied reading `{mount}/{path}`{said}"))
            .help("check that VAULT_TOKEN is valid and its policy allows `read` on this path"),
        404 => ProviderError::new(format!("no secret at `{mount}/{path}`{said}")).help(format!(
            "check the path, and that `{mount}` is a KV version 2 mount"
        )),
        _ => ProviderError::new(format!(
            "Vault answered HTTP {status} for `{mount}/{path}`{said}"
        )),
    }
}

fn transport_reason(transport: &ureq::Transport) -> String {
    let reason = match transport.kind() {
        ureq::ErrorKind::ConnectionFailed => "connection failed",
        ureq::ErrorKind::Dns => "the host name does not resolve",
        ureq::ErrorKind::InvalidUrl => "VAULT_ADDR is not a valid URL",
        ureq::ErrorKind::UnknownScheme => "VAULT_ADDR must start with http:// or https://",
        ureq::ErrorKind::Io => "the connection failed or timed out",
        _ => "the request failed",
    };
    // The OS's words (`Connection refused`, `timed out`) without Rust's `(os error N)`.
    match std::error::Error::source(transport).map(ToString::to_string) {
        Some(source) => {
            let source = match source.find(" (os error") {
                Some(at) => source[..at].to_string(),
                None => source,
            };
            format!("{reason} ({})", source.to_lowercase())
        }
        None => reason.to_string(),
    }
}
