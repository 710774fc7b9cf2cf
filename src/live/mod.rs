//! The developer loop: one environment of the model, for one service, as the process
//! environment a program sees (`envdef run`), checked against a live environment
//! (`envdef verify`), or written to the service's working files (`envdef switch`).
//!
//! [`service_environment`] is what all three start from: every key the service reads in an
//! environment, in declaration order, with its text (the form `.env` files carry) or, for a
//! secret, its reference. Nothing here holds a secret's value: `run` resolves references
//! through [`crate::secrets`] right before starting the child.

pub mod run;
pub mod switch;
pub mod terraform;
pub mod value;
pub mod verify;

use crate::diagnostics::{Code, Diagnostic};
use crate::emit::text;
use crate::model::{DerivedPart, Env, Model, Service, Value, VarId};
use crate::source::Span;

/// One key a service reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The environment variable name (`API_URL`, `FEATURE_NEW_CHECKOUT`, or the `KEY` of
    /// `uses NAME as KEY`).
    pub key: String,
    /// The variable it carries.
    pub var: VarId,
    /// What its value is made of.
    pub source: EntrySource,
    /// Where the value (or the reference) was set: the assignment or the default.
    pub span: Span,
}

/// What an entry's value is made of.
#[derive(Debug, Clone, PartialEq)]
pub enum EntrySource {
    /// The text form of a plain value, exactly as `.env` files carry it (unquoted).
    Text(String),
    /// A secret: its reference with `{env}` and `{service}` expanded.
    Secret {
        /// The reference to resolve.
        reference: String,
    },
    /// A derived secret: text and references (expanded), joined once each is resolved.
    Derived {
        /// The pieces, in order.
        parts: Vec<DerivedSource>,
    },
}

/// One part of a derived secret's value for `run`.
#[derive(Debug, Clone, PartialEq)]
pub enum DerivedSource {
    /// Text taken as it is.
    Text(String),
    /// A secret resolved in its place.
    Secret {
        /// Its reference, `{env}` and `{service}` expanded.
        reference: String,
    },
}

/// Picks the service a command works on: the one named, else the only one.
pub fn select_service<'m>(
    model: &'m Model,
    named: Option<&str>,
) -> Result<&'m Service, Diagnostic> {
    match named {
        Some(name) => crate::query::names::service(model, name),
        None if model.services.len() == 1 => Ok(&model.services[0]),
        None => {
            let known: Vec<&str> = model.services.keys().map(String::as_str).collect();
            Err(Diagnostic::error(
                Code::UnknownServiceArg,
                "the source declares several services; name one with `--service`",
            )
            .note(format!("known services: {}", known.join(", "))))
        }
    }
}

/// Every key `service` reads in `env`, in the service's order. Unset optional variables
/// are left out (as every target leaves them out). A value with no text form (a list
/// element containing its separator, a duration inexact in its `unit`) is an error
/// naming the variable.
pub fn service_environment(
    model: &Model,
    env: &Env,
    service: &Service,
) -> Result<Vec<Entry>, Diagnostic> {
    let mut entries = Vec::with_capacity(service.vars.len());
    for &id in &service.vars {
        let Some(resolved) = env.value_for(&service.name, id) else {
            continue;
        };
        let var = model.var(id);
        let source = match resolved.value.secret_reference(&service.name) {
            Some(reference) => EntrySource::Secret { reference },
            None if resolved.value.derived_parts().is_some() => {
                derived_source(&resolved.value, &service.name)
            }
            None => match text::value_text(&resolved.value, &var.format) {
                Ok(Some(text)) => EntrySource::Text(text.into_owned()),
                Ok(None) => continue,
                Err(err) => {
                    let (code, why) = text_error(&err);
                    return Err(Diagnostic::error(
                        code,
                        format!(
                            "`{}` in `{}` has no text form for the environment: {why}",
                            var.qualified_name(),
                            env.name,
                        ),
                    )
                    .primary(resolved.origin.span, "this value"));
                }
            },
        };
        // Under every key this service reads it (`uses DB_PASSWORD as POSTGRES_PASSWORD`).
        for key in std::iter::once(service.key(id, var)).chain(service.more_keys_of(id)) {
            entries.push(Entry {
                key: key.to_string(),
                var: id,
                source: source.clone(),
                span: resolved.origin.span,
            });
        }
    }
    Ok(entries)
}

/// A derived secret's parts for `run`, references expanded for `service`.
fn derived_source(value: &Value, service: &str) -> EntrySource {
    let parts = value.derived_parts().unwrap_or_default();
    EntrySource::Derived {
        parts: parts
            .iter()
            .map(|part| match part {
                DerivedPart::Text { text } => DerivedSource::Text(text.clone()),
                DerivedPart::Secret { reference, .. } => DerivedSource::Secret {
                    reference: reference.replace("{service}", service),
                },
            })
            .collect(),
    }
}

fn text_error(err: &text::TextError) -> (Code, String) {
    match err {
        text::TextError::Separator { element, separator } => (
            Code::ListElementContainsSeparator,
            format!("the element `{element}` contains the separator `{separator}`"),
        ),
        text::TextError::InexactUnit { millis, unit } => (
            Code::InexactDurationUnit,
            format!(
                "{} is not exact in {unit}",
                crate::model::format_duration(*millis)
            ),
        ),
    }
}
