//! `envdef verify ENV [--service S] [--dotenv FILE]… [-f FILE]`: check a live environment
//! (this process's variables, or the given `.env` files) against the definition
//! (`live::verify`). Exit 0 when it matches, 1 with a diagnostic per problem, 2 when a
//! name is unknown or a file cannot be read. Never prints a secret's value.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::compile::{bad_name, load, params_apply};
use super::{SourceArg, Status, Ui};
use crate::live;
use crate::live::verify::{self, KeyState};
use crate::query::names;
use crate::Loader;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The environment the live values should match.
    pub env: String,
    /// The service whose variables are checked (default: the only service).
    #[arg(long, short = 's', value_name = "SERVICE")]
    pub service: Option<String>,
    /// Check these .env files (later ones override earlier ones) instead of the current
    /// process environment.
    #[arg(long = "dotenv", value_name = "FILE")]
    pub dotenv: Vec<PathBuf>,
    #[command(flatten)]
    pub source: SourceArg,
}

pub fn run(ui: &Ui, args: VerifyArgs) -> Status {
    match verify_cmd(ui, args) {
        Ok(status) | Err(status) => status,
    }
}

fn verify_cmd(ui: &Ui, args: VerifyArgs) -> Result<Status, Status> {
    let mut loaded = load(ui, &args.source)?;
    let model = &loaded.model;
    let env = names::env(model, &args.env, true).map_err(|d| bad_name(ui, &loaded, d))?;
    params_apply(ui, &loaded, &[env])?;
    let service = live::select_service(model, args.service.as_deref())
        .map_err(|d| bad_name(ui, &loaded, d))?;
    let (env_name, service_name) = (env.name.clone(), service.name.clone());
    let mut live_env = if args.dotenv.is_empty() {
        verify::from_process()
    } else {
        Default::default()
    };
    for path in &args.dotenv {
        let text = crate::FsLoader.load(path).map_err(|e| {
            ui.tool_error(&format!("cannot read `{}`: {e}", path.display()));
            Status::ToolError
        })?;
        let model = &loaded.model;
        // Keys of plain variables, under their names and every `uses … as KEY` key; a key
        // that is a secret's anywhere (as a name or an alias) is never shown.
        let aliases = || {
            model
                .services
                .values()
                .flat_map(|s| {
                    s.aliases
                        .iter()
                        .chain(s.more_keys.iter().map(|(id, k)| (id, k)))
                })
                .map(|(&id, alias)| (model.var(id), alias))
        };
        let mut plain: std::collections::HashSet<String> = model
            .vars
            .iter()
            .filter(|v| !v.is_secret())
            .map(|v| v.emit_name.clone())
            .chain(
                aliases()
                    .filter(|(v, _)| !v.is_secret())
                    .map(|(_, a)| a.clone()),
            )
            .collect();
        for (_, alias) in aliases().filter(|(v, _)| v.is_secret()) {
            plain.remove(alias);
        }
        for var in model.vars.iter().filter(|v| v.is_secret()) {
            plain.remove(&var.emit_name);
        }
        let shown = |key: &str| plain.contains(key);
        verify::add_dotenv(&mut live_env, &mut loaded.sources, path, text, &shown).map_err(
            |e| {
                ui.tool_error(&format!("cannot read `{}`:\n{e}", path.display()));
                Status::ToolError
            },
        )?;
    }
    let model = &loaded.model;
    let env = &model.envs[env_name.as_str()];
    let service = &model.services[service_name.as_str()];
    let result = verify::verify(
        &loaded.program,
        &loaded.sources,
        model,
        env,
        service,
        &live_env,
    );
    ui.diagnostics(&result.diagnostics, &loaded.sources);
    report(ui, &result, &env_name, &service_name);
    Ok(if result.diagnostics.iter().any(|d| d.is_error()) {
        Status::Failed
    } else {
        Status::Ok
    })
}

fn state_word(state: &KeyState) -> &'static str {
    match state {
        KeyState::Valid => "ok",
        KeyState::SecretPresent => "secret present",
        KeyState::Missing => "missing",
        KeyState::Invalid => "invalid",
        KeyState::Unset => "unset (optional)",
    }
}

/// One line per key with `-v` (and always in JSON), then a summary on stderr.
fn report(ui: &Ui, result: &verify::Verification, env: &str, service: &str) {
    if ui.is_machine() {
        // JSON: one object per key after the diagnostics; other machine formats carry
        // the diagnostics only.
        if ui.is_json() {
            for (key, state) in &result.keys {
                ui.outln(json!({ "key": key, "state": state_word(state), "env": env, "service": service }));
            }
        }
        return;
    }
    if ui.verbose {
        for (key, state) in &result.keys {
            ui.outln(format_args!("{key:<32} {}", state_word(state)));
        }
    }
    let count = |s: KeyState| result.keys.iter().filter(|(_, k)| *k == s).count();
    let errors = result.diagnostics.iter().filter(|d| d.is_error()).count();
    let summary = format!(
        "{} variables of service `{service}` checked against `{env}`: {} ok, {} secrets present, {} missing, {} invalid",
        result.keys.len(),
        count(KeyState::Valid),
        count(KeyState::SecretPresent),
        count(KeyState::Missing),
        count(KeyState::Invalid),
    );
    if errors == 0 {
        ui.status(&summary);
    } else {
        ui.err(&format!("{summary}\n"));
    }
}
