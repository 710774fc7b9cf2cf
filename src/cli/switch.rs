//! `envdef switch ENV [--service S]… [--force]`: write the working files (`emit … {
//! working = true }`) of one environment, and `envdef status`: which environment each
//! working file holds and whether it is current (`live::switch`).
//!
//! Working files go through the same write path as `compile` (journal, temp files,
//! renames, directory handles that never follow a symlink, the output root's lock), into
//! the same output root (the source's directory); they are recorded with their
//! environment in `.envdef-active`, never in the manifest. Secrets are never written to
//! them: the targets write a secret's reference (or, for compose, a `${VAR}` the shell
//! fills), exactly as in committed artifacts.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;

use super::compile::{bad_name, guard, load, params_apply, recover, workflow_error, Loaded};
use super::show::Paint;
use super::{SourceArg, Status, Ui};
use crate::diagnostics::Diagnostics;
use crate::emit::{self, Artifact, EmitOptions};
use crate::live::switch::{self as working, WorkingState};
use crate::query::artifacts::{self, Selection};
use crate::query::names;
use crate::workflow::{self, FileState, OutputFile};

#[derive(Debug, Args)]
pub struct SwitchArgs {
    /// The environment the working files get.
    pub env: String,
    /// Only this service's working files (repeatable; default: every service).
    #[arg(long = "service", short = 's', value_name = "SERVICE")]
    pub services: Vec<String>,
    #[command(flatten)]
    pub source: SourceArg,
    /// Output root that the working files' paths are relative to, as for `compile`
    /// (default: the directory of FILE); `.envdef-active` is kept there.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// A directory whose `<target>.hbs` templates override or add targets (as for
    /// `compile`).
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Also replace a file envdef did not write, or a working file edited since.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub source: SourceArg,
    /// The output root `envdef switch --out DIR` wrote to (default: the directory of FILE).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// A directory whose `<target>.hbs` templates override or add targets (as for
    /// `compile`).
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

pub fn run_switch(ui: &Ui, args: SwitchArgs) -> Status {
    match switch(ui, args) {
        Ok(status) | Err(status) => status,
    }
}

pub fn run_status(ui: &Ui, args: StatusArgs) -> Status {
    match status(ui, args) {
        Ok(status) | Err(status) => status,
    }
}

/// The working files of `env`, or the diagnostics that stop them (printed by the caller).
fn working_files(
    ui: &Ui,
    loaded: &Loaded,
    env: &str,
    templates: Option<&Path>,
) -> Result<(Vec<Artifact>, Diagnostics), Diagnostics> {
    let options = EmitOptions {
        templates_dir: templates.map(Path::to_path_buf),
        project_root: Some(loaded.project.root().to_path_buf()),
        working: Some(env.to_string()),
        ..EmitOptions::default()
    };
    let mut emitted = Diagnostics::new();
    let artifacts = emit::emit(&loaded.model, &options, &mut emitted);
    if ui.check_options.deny_warnings {
        emitted.deny_warnings();
    }
    if emitted.has_errors() {
        Err(emitted)
    } else {
        Ok((artifacts, emitted))
    }
}

fn switch(ui: &Ui, args: SwitchArgs) -> Result<Status, Status> {
    let mut loaded = load(ui, &args.source)?;
    let model = &loaded.model;
    let env = names::env(model, &args.env, true).map_err(|d| bad_name(ui, &loaded, d))?;
    params_apply(ui, &loaded, &[env])?;
    let env = env.name.clone();
    let selection = Selection {
        envs: vec![env.clone()],
        services: args.services.clone(),
        targets: Vec::new(),
        env_only: false,
    };
    selection
        .validate(model)
        .map_err(|d| bad_name(ui, &loaded, d))?;
    let any_working = model.emits.iter().any(|e| e.is_working());
    let artifacts = match working_files(ui, &loaded, &env, args.templates.as_deref()) {
        Ok((artifacts, warnings)) => {
            loaded.diagnostics.extend(warnings);
            artifacts
        }
        Err(errors) => {
            loaded.diagnostics.extend(errors);
            ui.diagnostics(&loaded.diagnostics, &loaded.sources);
            return Ok(Status::Failed);
        }
    };
    ui.diagnostics(&loaded.diagnostics, &loaded.sources);
    let chosen = artifacts::select(artifacts, &selection).chosen;
    if chosen.is_empty() {
        ui.diagnostics(
            [&working::no_working_files(&env, any_working)],
            &loaded.sources,
        );
        return Ok(Status::Failed);
    }

    let root = artifacts::output_root(&loaded.path, args.out.as_deref());
    let source = artifacts::manifest_source(&loaded.model);
    let io = |err: workflow::WorkflowError| workflow_error(ui, &err);
    let out = workflow::Output::open(
        &root,
        Some(loaded.project.root()),
        workflow::Access::Write,
        guard(&loaded, args.templates.as_deref()),
    )
    .map_err(io)?;
    recover(ui, &out, &root).map_err(io)?;
    let plan = workflow::plan(
        &out,
        chosen.iter().map(|a| OutputFile {
            path: &a.path,
            contents: &a.contents,
        }),
    )
    .map_err(io)?;
    let active = workflow::Active::load(&out).map_err(io)?;
    // A file in the way that envdef did not write, or that was edited since: a
    // hand-written `.env` may hold the only copy of a value, so it is never replaced
    // silently.
    let mut refused = Vec::new();
    for file in plan.files.iter().filter(|f| f.state == FileState::Changed) {
        let recorded = active.get(&source, file.file.path);
        let disk = workflow::disk_hash(&out, file.file.path).map_err(io)?;
        if recorded.map(|r| &r.sha256) != disk.as_ref() {
            refused.push(working::not_ours(&plan.display(file.file.path), recorded));
        }
    }
    if !refused.is_empty() && !args.force {
        ui.diagnostics(&refused, &loaded.sources);
        ui.status("nothing was written");
        return Ok(Status::Failed);
    }
    let summary = workflow::write_working(&out, &plan, &source, &env).map_err(io)?;

    // Working files of another environment that this switch did not replace (an emit's
    // `when` covers that environment and not this one): they still hold the old values.
    let produced: HashSet<&Path> = chosen.iter().map(|a| a.path.as_path()).collect();
    let left: Vec<(PathBuf, String)> = if args.services.is_empty() {
        active
            .files_of(&source)
            .filter(|(path, entry)| !produced.contains(path) && entry.env != env)
            .map(|(path, entry)| (workflow::display_path(&root, path), entry.env.clone()))
            .collect()
    } else {
        Vec::new()
    };
    for (path, other) in &left {
        ui.warning(&format!(
            "`{}` still holds `{other}`: no working file of `{env}` replaces it (delete it, or cover `{env}` in its emit's `when`)",
            path.display()
        ));
    }
    report_switch(ui, &root, &env, &chosen, &summary);
    Ok(Status::Ok)
}

fn report_switch(
    ui: &Ui,
    root: &Path,
    env: &str,
    chosen: &[Artifact],
    summary: &workflow::WriteSummary,
) {
    let written: HashSet<&Path> = summary.written.iter().map(PathBuf::as_path).collect();
    if ui.is_json() {
        for a in chosen {
            let state = if written.contains(a.path.as_path()) {
                "written"
            } else {
                "unchanged"
            };
            ui.outln(json!({
                "path": workflow::display_path(root, &a.path),
                "status": state,
                "target": a.target,
                "env": a.env,
                "service": a.service,
            }));
        }
        return;
    }
    if ui.quiet {
        return;
    }
    let paint = Paint(ui.color_stdout);
    for a in chosen {
        let shown = workflow::display_path(root, &a.path);
        if written.contains(a.path.as_path()) {
            ui.outln(format_args!("{} {}", paint.green("wrote"), shown.display()));
        } else if ui.verbose {
            ui.outln(format_args!(
                "{} {}",
                paint.dim("unchanged"),
                shown.display()
            ));
        }
    }
    ui.outln(format_args!(
        "switched to {env}: {} written, {} unchanged",
        summary.written.len(),
        summary.unchanged.len()
    ));
}

/// One line of `envdef status`.
struct Row {
    path: PathBuf,
    env: String,
    state: WorkingState,
    artifact: Option<Artifact>,
}

fn status(ui: &Ui, args: StatusArgs) -> Result<Status, Status> {
    let loaded = load(ui, &args.source)?;
    let root = artifacts::output_root(&loaded.path, args.out.as_deref());
    let source = artifacts::manifest_source(&loaded.model);
    let io = |err: workflow::WorkflowError| workflow_error(ui, &err);
    let out = workflow::Output::open(
        &root,
        Some(loaded.project.root()),
        workflow::Access::Read,
        guard(&loaded, args.templates.as_deref()),
    )
    .map_err(io)?;
    let active = workflow::Active::load(&out).map_err(io)?;

    // What the source produces now, per environment a file holds (each emitted once).
    let mut produced: HashMap<String, Vec<Artifact>> = HashMap::new();
    let templates = args.templates.as_deref();
    let mut rows = Vec::new();
    for (path, entry) in active.files_of(&source) {
        let artifact = produced_for(ui, &loaded, &entry.env, templates, &mut produced)?
            .iter()
            .find(|a| a.path == path)
            .cloned();
        let expected = artifact
            .as_ref()
            .map(|a| workflow::sha256(a.contents.as_bytes()));
        let disk = workflow::disk_hash(&out, path).map_err(io)?;
        rows.push(Row {
            path: path.to_path_buf(),
            env: entry.env.clone(),
            state: working::recorded_state(entry, disk.as_deref(), expected.as_deref()),
            artifact,
        });
    }
    let active_env = active.active(&source).map(str::to_string);
    if let Some(env) = &active_env {
        for artifact in produced_for(ui, &loaded, env, templates, &mut produced)? {
            if active.get(&source, &artifact.path).is_none() {
                rows.push(Row {
                    path: artifact.path.clone(),
                    env: env.clone(),
                    state: WorkingState::NotSwitched,
                    artifact: Some(artifact.clone()),
                });
            }
        }
    }
    report_status(ui, &root, &loaded, active_env.as_deref(), &rows);
    // Exit 0 only when the checkout is wholly the active environment: every working file
    // current *and* holding it. A file left with another environment's values (an emit
    // whose `when` excludes the active one) is what a tool would still read.
    let all_active = rows
        .iter()
        .all(|r| r.state == WorkingState::Current && Some(r.env.as_str()) == active_env.as_deref());
    Ok(if active_env.is_some() && all_active {
        Status::Ok
    } else {
        Status::Failed
    })
}

/// The working files the source produces for `env` now, emitted once per environment;
/// none for an environment that was removed or made abstract since the switch.
fn produced_for<'c>(
    ui: &Ui,
    loaded: &Loaded,
    env: &str,
    templates: Option<&Path>,
    cache: &'c mut HashMap<String, Vec<Artifact>>,
) -> Result<&'c [Artifact], Status> {
    if !cache.contains_key(env) {
        let artifacts = if names::env(&loaded.model, env, true).is_ok() {
            match working_files(ui, loaded, env, templates) {
                Ok((artifacts, _)) => artifacts,
                Err(errors) => {
                    ui.diagnostics(&errors, &loaded.sources);
                    return Err(Status::Failed);
                }
            }
        } else {
            Vec::new()
        };
        cache.insert(env.to_string(), artifacts);
    }
    Ok(&cache[env])
}

/// For an environment the model lacks because it is an instance of a parameterised
/// environment (`preview-feature-x` of `preview`, switched with `--param`): what to give.
fn needs_params(loaded: &Loaded, env: &str) -> Option<String> {
    if loaded.model.envs.contains_key(env) {
        return None;
    }
    let decl = loaded
        .model
        .envs
        .values()
        .find(|d| !d.open_params.is_empty() && env.starts_with(&format!("{}-", d.name)))?;
    let params: Vec<String> = decl
        .open_params
        .iter()
        .map(|p| format!("--param {p}=VALUE"))
        .collect();
    Some(format!(
        "`{env}` is an instance of `{}`: run `envdef status {}` with the values it was switched with",
        decl.name,
        params.join(" ")
    ))
}

fn report_status(ui: &Ui, root: &Path, loaded: &Loaded, active: Option<&str>, rows: &[Row]) {
    if ui.is_json() {
        ui.outln(json!({ "kind": "active", "env": active }));
        for row in rows {
            ui.outln(json!({
                "kind": "file",
                "path": workflow::display_path(root, &row.path),
                "env": row.env,
                "state": row.state.as_str(),
                "target": row.artifact.as_ref().map(|a| &a.target),
                "service": row.artifact.as_ref().and_then(|a| a.service.as_ref()),
            }));
        }
        return;
    }
    let Some(active) = active else {
        let envs: Vec<&str> = emit::working_envs(&loaded.model)
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        if envs.is_empty() {
            ui.outln("no environment is active, and the source has no working files (`emit … { working = true }`)");
        } else {
            ui.outln(format_args!(
                "no environment is active: run `envdef switch ENV` ({})",
                envs.join(", ")
            ));
        }
        return;
    };
    let paint = Paint(ui.color_stdout);
    ui.outln(format_args!("active environment: {active}"));
    let shown: Vec<String> = rows
        .iter()
        .map(|r| workflow::display_path(root, &r.path).display().to_string())
        .collect();
    let path_width = shown.iter().map(|s| s.chars().count()).max().unwrap_or(0);
    let env_width = rows.iter().map(|r| r.env.len()).max().unwrap_or(0);
    for (row, path) in rows.iter().zip(&shown) {
        // At least one space before the reason (`not produced` fills the 12 columns).
        let state = format!("{:<12}", format!("{} ", row.state.as_str()));
        let state = if row.state == WorkingState::Current && row.env == active {
            paint.green(&state)
        } else {
            paint.red(&state)
        };
        let why = match row.state.explain(&row.env) {
            Some(_) if row.state == WorkingState::NotProduced && needs_params(loaded, &row.env).is_some() => {
                needs_params(loaded, &row.env).unwrap_or_default()
            }
            Some(why) => why,
            None if row.env != active => format!(
                "holds `{}`, not the active `{active}` (no working `emit` of `{active}` replaces it); delete it, or run `envdef switch {}`",
                row.env, row.env
            ),
            None => String::new(),
        };
        let line = format!("{path:<path_width$}  {:<env_width$}  {state}{why}", row.env);
        ui.outln(line.trim_end());
    }
}
