//! `env://NAME`: the value of `NAME` in the environment envdef runs in (a CI job's
//! masked variable, a developer's shell).

use super::provider::{Context, Provider, ProviderError, SecretValue};
use crate::secret_ref::{Location, Scheme};

/// Resolves `env://NAME` from [`Context::vars`].
pub struct EnvProvider;

impl Provider for EnvProvider {
    fn scheme(&self) -> Scheme {
        Scheme::Env
    }

    fn fetch(&self, location: &Location, context: &Context) -> Result<SecretValue, ProviderError> {
        let Location::Env { name } = location else {
            return Err(ProviderError::new("not an `env://` reference"));
        };
        match context.vars.get(name.as_str()) {
            Some(value) => Ok(SecretValue::new(value.clone())),
            None => Err(ProviderError::new(format!(
                "the environment variable `{name}` is not set"
            ))
            .help(format!("export `{name}` before running envdef"))),
        }
    }
}
