//! Secret providers: a secret reference (`vault://kv/app/db#password`) → its value, at run
//! time, for `envdef run` only.
//!
//! Each scheme is one [`Provider`] in its own file (`env`, `file`, `sops`, `vault`); adding a
//! scheme is one file and one line in [`Resolver::standard`]. Values live in memory only, as
//! [`SecretValue`] (zeroed on drop, redacted in `Debug`, no `Display`); a [`ResolveError`]
//! carries the reference and the provider's reason, never a value.
//!
//! The rest of envdef never sees a value: the model holds references, and this module is
//! called by nothing but the `run` path, right before the child process starts.

mod env;
mod file;
mod sops;
mod vault;

use std::collections::HashMap;
use std::path::PathBuf;

use zeroize::Zeroizing;

use crate::secret_ref::{Location, Scheme, SecretRef};

pub use env::EnvProvider;
pub use file::FileProvider;
pub use sops::SopsProvider;
pub use vault::VaultProvider;

/// A resolved secret. The bytes are zeroed when it is dropped; `Debug` never shows them and
/// there is deliberately no `Display`, so a value cannot reach a message by accident.
#[derive(Clone)]
pub struct SecretValue(Zeroizing<String>);

impl SecretValue {
    pub fn new(value: String) -> SecretValue {
        SecretValue(Zeroizing::new(value))
    }

    /// The value, for the one place that needs it: the child's environment.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretValue(<redacted>)")
    }
}

/// What providers may read besides the reference: the process environment (`VAULT_ADDR`,
/// `env://` names) and the directory relative paths are resolved against.
#[derive(Debug, Clone)]
pub struct Context {
    /// The environment envdef itself runs in (a snapshot; tests pass their own).
    pub vars: HashMap<String, String>,
    /// Relative `file://` and `sops://` paths are relative to this directory (the one
    /// holding the root `.envdef`, like emit paths).
    pub base_dir: PathBuf,
}

impl Context {
    /// The current process environment (names and values that are not UTF-8 are skipped:
    /// no provider setting is non-UTF-8).
    pub fn from_process(base_dir: PathBuf) -> Context {
        Context {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
            base_dir,
        }
    }

    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// `path` made absolute against [`Context::base_dir`].
    pub fn path(&self, path: &str) -> PathBuf {
        let p = PathBuf::from(path);
        if p.is_absolute() {
            p
        } else {
            self.base_dir.join(p)
        }
    }
}

/// Why a provider could not produce a value. Never contains a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderError {
    /// One sentence, in the provider's words (`cannot reach Vault at http://…: connection
    /// refused`).
    pub reason: String,
    /// How to fix it, when there is something to say.
    pub help: Option<String>,
}

impl ProviderError {
    pub fn new(reason: impl Into<String>) -> ProviderError {
        ProviderError {
            reason: reason.into(),
            help: None,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> ProviderError {
        self.help = Some(help.into());
        self
    }
}

/// One secret backend, for one scheme of [`crate::secret_ref`].
pub trait Provider {
    fn scheme(&self) -> Scheme;
    /// Fetches the value `location` names (always of this provider's scheme).
    fn fetch(&self, location: &Location, context: &Context) -> Result<SecretValue, ProviderError>;
}

/// A reference that could not be resolved: which one, by which provider, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveError {
    pub reference: String,
    /// The scheme, or `None` when the reference names no known scheme.
    pub provider: Option<&'static str>,
    pub error: ProviderError,
}

/// Every provider, by scheme.
pub struct Resolver {
    providers: Vec<Box<dyn Provider>>,
    context: Context,
}

impl Resolver {
    /// The built-in providers: `env://`, `file://`, `sops://`, `vault://`.
    pub fn standard(context: Context) -> Resolver {
        Resolver {
            providers: vec![
                Box::new(EnvProvider),
                Box::new(FileProvider),
                Box::new(SopsProvider),
                Box::new(VaultProvider::default()),
            ],
            context,
        }
    }

    /// The schemes this resolver can resolve.
    pub fn schemes(&self) -> Vec<Scheme> {
        self.providers.iter().map(|p| p.scheme()).collect()
    }

    /// Resolves one reference (`{env}` and `{service}` already expanded).
    pub fn resolve(&self, reference: &str) -> Result<SecretValue, ResolveError> {
        let fail = |provider, error| ResolveError {
            reference: reference.to_string(),
            provider,
            error,
        };
        // `check` refuses malformed references already (E0340–E0343); this is for a
        // reference built at run time. The message never repeats the reference.
        let parsed = SecretRef::parse(reference)
            .map_err(|e| fail(None, ProviderError::new(e.to_string())))?;
        let scheme = parsed.scheme();
        let Some(provider) = self.providers.iter().find(|p| p.scheme() == scheme) else {
            let known: Vec<String> = self
                .providers
                .iter()
                .map(|p| format!("`{}`", p.scheme().form()))
                .collect();
            return Err(fail(
                Some(scheme.as_str()),
                ProviderError::new(format!(
                    "`envdef run` cannot fetch `{}://` references itself",
                    scheme.as_str()
                ))
                .help(format!(
                    "it resolves {}; for this one, fetch the value with its own tool and use `env://`",
                    known.join(", ")
                )),
            ));
        };
        provider
            .fetch(parsed.location(), &self.context)
            .map_err(|error| fail(Some(scheme.as_str()), error))
    }
}

#[cfg(test)]
mod tests;
