//! What the scheme files and the resolver share: the value type, the provider trait, its
//! context and error. In a file of its own so that `mod.rs` uses the scheme files and they
//! use this, never `mod.rs` (ARCHITECTURE.md: imports go one way).

use std::collections::HashMap;
use std::path::PathBuf;

use zeroize::Zeroizing;

use crate::secret_ref::{Location, Scheme};

/// A resolved secret. The bytes are zeroed when it is dropped; `Debug` never shows them and
/// there is deliberately no `Display`, so a value cannot reach a message by accident.
#[derive(Clone)]
pub struct SecretValue(Zeroizing<String>);

impl SecretValue {
    /// Takes ownership of a value (zeroed when this is dropped).
    pub fn new(value: String) -> SecretValue {
        SecretValue(Zeroizing::new(value))
    }

    /// A derived secret's value: the pieces joined into one buffer allocated at its final
    /// size, so no reallocation leaves an unzeroed copy of a part behind.
    pub fn concat(pieces: &[&str]) -> SecretValue {
        let mut out = String::with_capacity(pieces.iter().map(|p| p.len()).sum());
        for piece in pieces {
            out.push_str(piece);
        }
        SecretValue::new(out)
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

    /// A variable of [`Context::vars`], if set.
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
    /// An error with its reason (one sentence, never the value) and no help.
    pub fn new(reason: impl Into<String>) -> ProviderError {
        ProviderError {
            reason: reason.into(),
            help: None,
        }
    }

    /// Sets the `help:` line.
    pub fn help(mut self, help: impl Into<String>) -> ProviderError {
        self.help = Some(help.into());
        self
    }
}

/// One secret backend, for one scheme of [`crate::secret_ref`].
pub trait Provider {
    /// The scheme it resolves.
    fn scheme(&self) -> Scheme;
    /// Fetches the value `location` names (always of this provider's scheme).
    fn fetch(&self, location: &Location, context: &Context) -> Result<SecretValue, ProviderError>;
}
