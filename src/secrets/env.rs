//! `env://NAME`: the value of `NAME` in the environment envdef runs in (a CI job's
//! masked variable, a developer's shell).

use super::{Context, Provider, ProviderError, SecretValue};

pub struct EnvProvider;

impl Provider for EnvProvider {
    fn scheme(&self) -> &'static str {
        "env"
    }

    fn syntax(&self) -> &'static str {
        "env://NAME"
    }

    fn fetch(&self, name: &str, context: &Context) -> Result<SecretValue, ProviderError> {
        if name.is_empty() || name.contains(['=', '\0']) {
            return Err(ProviderError::new(format!(
                "`{}` is not an environment variable name",
                name.escape_debug()
            )));
        }
        match context.vars.get(name) {
            Some(value) => Ok(SecretValue::new(value.clone())),
            None => Err(ProviderError::new(format!(
                "the environment variable `{name}` is not set"
            ))
            .help(format!("export `{name}` before running envdef"))),
        }
    }
}
