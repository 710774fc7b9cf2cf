//! `envdef run`: resolve every secret of one service's environment, then start the command
//! with those values added to its environment, and nowhere else.
//!
//! All references are resolved before anything starts; if any fails, every failure is
//! reported (variable, reference, provider's reason, never a value) and the command is not
//! started. On Unix the command then *replaces* envdef (`exec`): it keeps envdef's process
//! id, so signals sent to it (Ctrl-C, `docker stop`, `kill`) reach it directly, its exit
//! status is the status, and no envdef process stays around holding the values. Elsewhere
//! it is started as a child and waited for, and its exit code is passed through.

use std::ffi::{OsStr, OsString};

use crate::diagnostics::{Code, Diagnostic};
use crate::secrets::{ResolveError, Resolver, SecretValue};

use super::{DerivedSource, Entry, EntrySource};

/// The variables to add to the child's environment. Every value, plain or secret, is held
/// as a [`SecretValue`] (zeroed on drop, never shown by `Debug`).
#[derive(Debug, Default)]
pub struct ChildEnvironment {
    /// `(name, value)` in the order the service reads them.
    pub vars: Vec<(String, SecretValue)>,
}

/// Resolves every entry. `Err` holds one E0601 per reference that failed, in order.
/// `whom` says in messages who the values are for: "service `api`", or "Terraform".
pub fn resolve(
    entries: &[Entry],
    resolver: &Resolver,
    whom: &str,
    env: &str,
) -> Result<ChildEnvironment, Vec<Diagnostic>> {
    let mut out = ChildEnvironment::default();
    let mut failures = Vec::new();
    for entry in entries {
        match &entry.source {
            // exec would refuse the whole environment, blaming the command.
            EntrySource::Text(text) if text.contains('\0') => failures.push(
                Diagnostic::error(
                    Code::UnportableDotenvValue,
                    format!(
                        "`{}` for {whom} in `{env}` contains a NUL character, which no environment variable can hold",
                        entry.key
                    ),
                )
                .primary(entry.span, "this value"),
            ),
            EntrySource::Text(text) => out
                .vars
                .push((entry.key.clone(), SecretValue::new(text.clone()))),
            EntrySource::Secret { reference } => match resolver.resolve(reference) {
                Ok(value) => out.vars.push((entry.key.clone(), value)),
                Err(err) => failures.push(unresolved(entry, &err, whom, env)),
            },
            EntrySource::Derived { parts } => {
                // Every part is resolved first (every failure reported), then joined into
                // one SecretValue; the resolved parts are zeroed when they drop.
                let mut resolved: Vec<SecretValue> = Vec::new();
                let mut ok = true;
                for part in parts {
                    match part {
                        DerivedSource::Text(text) => resolved.push(SecretValue::new(text.clone())),
                        DerivedSource::Secret { reference } => match resolver.resolve(reference) {
                            Ok(value) => resolved.push(value),
                            Err(err) => {
                                ok = false;
                                failures.push(unresolved(entry, &err, whom, env));
                            }
                        },
                    }
                }
                if ok {
                    let pieces: Vec<&str> = resolved.iter().map(SecretValue::expose).collect();
                    out.vars
                        .push((entry.key.clone(), SecretValue::concat(&pieces)));
                }
            }
        }
    }
    if failures.is_empty() {
        Ok(out)
    } else {
        Err(failures)
    }
}

/// E0601: names the variable, the reference and the provider's reason; the value, which
/// envdef does not have, cannot appear.
fn unresolved(entry: &Entry, err: &ResolveError, whom: &str, env: &str) -> Diagnostic {
    let provider = match err.provider {
        Some(scheme) => format!("{scheme}: {}", err.error.reason),
        None => err.error.reason.clone(),
    };
    Diagnostic::error(
        Code::SecretUnresolved,
        format!(
            "cannot resolve secret `{}` for {whom} in `{env}`: {provider}",
            entry.key
        ),
    )
    // A reference that does not even parse may be a pasted credential: not echoed.
    .primary(
        entry.span,
        match err.provider {
            Some(_) => format!("`{}` comes from here", err.reference),
            None => "this reference".to_string(),
        },
    )
    .help_opt(err.error.help.clone())
}

/// Why the command could not be started (exit 127 when not found, 126 otherwise, as
/// shells and `env` do).
#[derive(Debug)]
pub struct StartError {
    /// The command as given.
    pub program: OsString,
    /// What starting it failed with.
    pub error: std::io::Error,
}

impl StartError {
    /// The exit status `envdef run` ends with: 127 when the command is not found, else 126.
    pub fn exit_code(&self) -> u8 {
        if self.error.kind() == std::io::ErrorKind::NotFound {
            127
        } else {
            126
        }
    }
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let reason = match self.error.kind() {
            std::io::ErrorKind::NotFound => "command not found".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => self.error.to_string(),
        };
        write!(
            f,
            "cannot run `{}`: {reason}",
            self.program.to_string_lossy()
        )
    }
}

/// Starts `program` with `args`, the current environment plus `vars`. On Unix this returns
/// only if the command could not be started; elsewhere it waits and returns the exit code.
pub fn start(program: &OsStr, args: &[OsString], vars: ChildEnvironment) -> Result<u8, StartError> {
    let mut command = std::process::Command::new(program);
    command.args(args);
    for (key, value) in &vars.vars {
        command.env(key, value.expose());
    }
    let fail = |error| StartError {
        program: program.to_os_string(),
        error,
    };
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        Err(fail(command.exec()))
    }
    #[cfg(not(unix))]
    {
        let status = command.status().map_err(fail)?;
        drop(vars);
        Ok(status.code().map_or(1, |c| c.clamp(0, 255) as u8))
    }
}
