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
mod provider;
mod sops;
mod vault;

use crate::secret_ref::{Scheme, SecretRef};

pub use env::EnvProvider;
pub use file::FileProvider;
pub use provider::{Context, Provider, ProviderError, SecretValue};
pub(crate) use sops::sops_extract;
pub use sops::SopsProvider;
pub use vault::VaultProvider;

/// A reference that could not be resolved: which one, by which provider, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveError {
    /// The reference as resolved (`{env}`/`{service}` expanded).
    pub reference: String,
    /// The scheme, or `None` when the reference names no known scheme.
    pub provider: Option<&'static str>,
    /// Why the provider could not give the value.
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
        let value = provider
            .fetch(parsed.location(), &self.context)
            .map_err(|error| fail(Some(scheme.as_str()), error))?;
        // No environment variable can hold a NUL byte (exec would refuse the whole
        // environment); said before anything starts, without the value.
        if value.expose().contains('\0') {
            return Err(fail(
                Some(scheme.as_str()),
                ProviderError::new(
                    "the value contains a NUL byte, which no environment variable can hold",
                )
                .help("store the value without NUL bytes (base64-encode binary data)"),
            ));
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests;
