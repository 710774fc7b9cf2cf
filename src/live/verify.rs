//! `envdef verify`: a live environment (a process's variables, or `.env` files) checked
//! against what the definition says one service reads in one environment.
//!
//! Reported, each as a diagnostic: a variable the environment sets that is missing (E0610;
//! secrets included: present or not, never their values), a key that is not declared but
//! is a close misspelling of one the service reads (E0611), a plain value that does not
//! read back as its type or breaks a refinement (E0612), and an assert that fails once the
//! live values are put in (E0613). Keys the service does not read are otherwise ignored:
//! a process environment holds `PATH`, `HOME` and the rest.

use indexmap::IndexMap;

use crate::diagnostics::{Code, Diagnostic};
use crate::model::{Env, Model, Service, VarId, VarKind};
use crate::resolve::Program;
use crate::source::{SourceFile, SourceMap, Span};

use super::value;

/// One variable as a live process has it.
#[derive(Debug, Clone)]
pub struct LiveVar {
    /// The text the process has.
    pub value: String,
    /// The `KEY=value` line, for values read from a `.env` file.
    pub span: Option<Span>,
}

/// Key → value; a later source overrides an earlier one (as compose's `env_file` list does).
pub type LiveEnvironment = IndexMap<String, LiveVar>;

/// The current process's environment (non-UTF-8 names and values are skipped: no declared
/// key is non-UTF-8).
pub fn from_process() -> LiveEnvironment {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .map(|(k, value)| (k, LiveVar { value, span: None }))
        .collect()
}

/// Adds a `.env` file's entries to `live`, and the file to `sources` so diagnostics point
/// at its lines. The file is read as docker compose's `env_file` reads it; malformed lines
/// are an error message naming the file and line.
///
/// Diagnostics show lines around the ones they point at, so the text kept in `sources`
/// shows a value only for keys in `shown` (the model's plain variables): every other line
/// (secrets, undeclared keys, perhaps a misspelt secret) reads `KEY=<not shown>`, with the
/// same line numbers.
pub fn add_dotenv(
    live: &mut LiveEnvironment,
    sources: &mut SourceMap,
    path: &std::path::Path,
    text: String,
    shown: &dyn Fn(&str) -> bool,
) -> Result<(), String> {
    let parsed = crate::import::dotenv::parse(&text).map_err(|errors| {
        errors
            .iter()
            .map(|e| format!("{}:{}: {}", path.display(), e.line, e.message))
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    let starts: Vec<usize> = parsed.entries.iter().map(|e| e.line).collect();
    for entry in &parsed.entries {
        // A plain variable's value is shown, unless it has a credential's shape (an
        // `API_URL` with a password in it): the line is quoted around any diagnostic.
        if shown(&entry.key) && !looks_like_credential(&entry.value) {
            continue;
        }
        // The entry's lines: up to the next entry (a quoted value may span several).
        let first = entry.line - 1;
        let end = starts
            .iter()
            .copied()
            .filter(|&l| l > entry.line)
            .min()
            .map_or(lines.len(), |l| l - 1);
        for (n, line) in lines.iter_mut().enumerate().take(end).skip(first) {
            let trimmed = line.trim_start();
            if n == first {
                *line = format!("{}=<not shown>", entry.key);
            } else if !trimmed.is_empty() && !trimmed.starts_with('#') {
                line.clear();
            }
        }
    }
    let display = lines.join("\n");
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(display.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let file = sources.add(SourceFile::new(
        path.to_path_buf(),
        path.display().to_string(),
        display.clone(),
    ));
    for entry in parsed.entries {
        let start = line_starts.get(entry.line - 1).copied().unwrap_or(0);
        let end = display[start..]
            .find('\n')
            .map_or(display.len(), |at| start + at);
        live.insert(
            entry.key,
            LiveVar {
                value: entry.value,
                span: Some(Span::new(file, start, end)),
            },
        );
    }
    Ok(())
}

/// What verify found for one key the service reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyState {
    /// A plain value, present and valid.
    Valid,
    /// A secret, present (its value is not looked at).
    SecretPresent,
    /// Not set live though the environment gives it a value (or a secret set but empty).
    Missing,
    /// Set live to a text that its type refuses.
    Invalid,
    /// An optional variable the environment leaves unset, absent live too.
    Unset,
}

/// The outcome: one state per key the service reads, and the diagnostics.
#[derive(Debug)]
pub struct Verification {
    /// `(key, state)` for every key the service reads, in its order.
    pub keys: Vec<(String, KeyState)>,
    /// What is wrong with the live values, one diagnostic each.
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks `live` against what `service` reads in `env`.
pub fn verify(
    program: &Program,
    sources: &SourceMap,
    model: &Model,
    env: &Env,
    service: &Service,
    live: &LiveEnvironment,
) -> Verification {
    let mut keys = Vec::new();
    let mut diagnostics = Vec::new();
    let mut live_values = Vec::new();
    let where_ = format!("service `{}` in `{}`", service.name, env.name);
    // Every key this service reads (its aliases, and a variable's further keys).
    for (id, var, key) in service.keys(model) {
        let expected = env.value_for(&service.name, id);
        let state = match (live.get(key), expected) {
            (None, None) => KeyState::Unset,
            (None, Some(resolved)) => {
                let what = if var.is_secret() {
                    "secret"
                } else {
                    "variable"
                };
                diagnostics.push(
                    Diagnostic::error(
                        Code::LiveMissing,
                        format!("{what} `{key}` is not set ({where_} reads it)"),
                    )
                    .primary(var.span, "declared here")
                    .secondary(
                        resolved.origin.span,
                        match resolved.origin.env {
                            Some(setter) => format!("`{}` sets it here", model.env_name(setter)),
                            None => format!("the default, which `{}` uses", env.name),
                        },
                    )
                    .help(missing_help(var.kind, key)),
                );
                live_values.push((id, None, var.span));
                KeyState::Missing
            }
            (Some(got), _) if var.is_secret() => {
                if got.value.is_empty() {
                    diagnostics.push(
                        Diagnostic::error(
                            Code::LiveMissing,
                            format!("secret `{key}` is set but empty ({where_} reads it)"),
                        )
                        .primary(got.span.unwrap_or(var.span), "empty here")
                        .help("give the secret its value (envdef never shows or checks it beyond presence)"),
                    );
                    KeyState::Missing
                } else {
                    KeyState::SecretPresent
                }
            }
            (Some(got), _) => match value::parse(&got.value, &var.ty, &var.format) {
                Ok(parsed) => {
                    live_values.push((id, Some(parsed), got.span.unwrap_or(var.span)));
                    KeyState::Valid
                }
                Err(why) => {
                    let mut d = Diagnostic::error(
                        Code::LiveInvalidValue,
                        format!(
                            "`{key}` does not fit its type `{}`: {why}",
                            var.ty.display_name()
                        ),
                    );
                    d = match got.span {
                        Some(span) => d
                            .primary(span, "this value")
                            .secondary(var.span, "declared here"),
                        None => d.primary(var.span, "declared here"),
                    };
                    if let Some(resolved) = expected {
                        if !matches!(resolved.value, crate::model::Value::Secret { .. }) {
                            let text = crate::emit::text::value_text(&resolved.value, &var.format)
                                .ok()
                                .flatten()
                                .map(|t| t.into_owned())
                                .unwrap_or_default();
                            d = d.help(format!(
                                "`{}` sets `{key}={}`",
                                env.name,
                                crate::check::values_clip(&text)
                            ));
                        }
                    }
                    diagnostics.push(d);
                    live_values.push((id, None, var.span));
                    KeyState::Invalid
                }
            },
        };
        keys.push((key.to_string(), state));
    }
    diagnostics.extend(misspelt_keys(model, service, live));
    diagnostics.extend(crate::check::live_asserts(
        program,
        sources,
        model,
        (&env.name, &service.name),
        &live_values,
    ));
    // A plain variable's live value with a credential's shape never reaches the output:
    // not in a type error's message, not in an assert's labels (`API_URL` is "…" here).
    let credentials: Vec<&str> = service
        .keys(model)
        .filter_map(|(_, _, key)| live.get(key))
        .map(|got| got.value.as_str())
        .filter(|value| looks_like_credential(value))
        .collect();
    for d in &mut diagnostics {
        redact(d, &credentials);
    }
    Verification { keys, diagnostics }
}

/// Whether a live value has a credential's shape (the rules `envdef import` drafts
/// secrets by), so that verify does not print it.
fn looks_like_credential(value: &str) -> bool {
    value.len() >= crate::credential::TAINT_MIN_LEN && crate::credential::by_value(value).is_some()
}

/// Replaces every quoted occurrence of `credentials` in `d`'s text.
fn redact(d: &mut Diagnostic, credentials: &[&str]) {
    const HIDDEN: &str = "<not shown: it looks like a credential>";
    let hide = |text: &mut String| {
        for value in credentials {
            if text.contains(value) {
                *text = text.replace(value, HIDDEN);
            }
        }
    };
    hide(&mut d.message);
    for label in &mut d.labels {
        hide(&mut label.message);
    }
    if let Some(help) = &mut d.help {
        hide(help);
    }
    for note in &mut d.notes {
        hide(note);
    }
}

fn missing_help(kind: VarKind, key: &str) -> String {
    match kind {
        VarKind::Secret => {
            format!("inject `{key}` from its secret store (or start the process with `envdef run`)")
        }
        _ => format!(
            "set `{key}` (the environment's .env, compose or Kubernetes artifact carries it)"
        ),
    }
}

/// Undeclared keys within a small edit distance of a key the service reads.
fn misspelt_keys(model: &Model, service: &Service, live: &LiveEnvironment) -> Vec<Diagnostic> {
    let reads: Vec<(&str, VarId)> = service.keys(model).map(|(id, _, key)| (key, id)).collect();
    // A key some variable is written under anywhere: its own name or a service's alias.
    let declared = |key: &str| {
        model.vars.iter().any(|v| v.emit_name == key)
            || model.services.values().any(|s| {
                s.aliases.values().any(|alias| alias == key)
                    || s.more_keys.iter().any(|(_, more)| more == key)
            })
    };
    let mut out = Vec::new();
    for (key, got) in live {
        if declared(key) {
            continue;
        }
        let Some((close, id)) = reads
            .iter()
            .copied()
            .find(|(read, _)| is_misspelling(key, read))
        else {
            continue;
        };
        let var = model.var(id);
        let mut d = Diagnostic::error(
            Code::LiveUnknownKey,
            format!("`{key}` is not declared; the application reads `{close}`"),
        );
        d = match got.span {
            Some(span) => d
                .primary(span, "this key")
                .secondary(var.span, format!("`{close}` is declared here")),
            None => d.primary(var.span, format!("`{close}` is declared here")),
        };
        out.push(d.help(format!(
            "did you mean `{close}`? rename `{key}` to `{close}`"
        )));
    }
    out
}

/// Close enough to be a typo, far enough from the noise of a process environment (`HOME`
/// is not a misspelling of `HOST`): at least four characters, and one edit (two for names
/// of eight or more) ignoring case.
fn is_misspelling(key: &str, declared: &str) -> bool {
    if key.len() < 4 || key == declared {
        return false;
    }
    let (a, b) = (key.to_ascii_lowercase(), declared.to_ascii_lowercase());
    let allowed = if declared.len() >= 8 { 2 } else { 1 };
    strsim::osa_distance(&a, &b) <= allowed
}
