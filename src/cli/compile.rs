//! `envdef compile [FILE] [--env E]… [--target T]… [--out DIR] [--templates DIR]
//! [--check | --prune]`: write the artifacts the `emit` lines ask for, or (`--check`) report
//! how the files on disk differ from them.
//!
//! Every artifact is always emitted, even with `--env`/`--target`: the selection only
//! decides what is written or checked, while the full set is what tells an orphan (no
//! `emit` produces it) from an artifact of an environment that was merely not selected.
//! Also home of the helpers `diff`, `explain` and `list` share (loading the model, errors
//! about names given on the command line).

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;

use super::show::Paint;
use super::{find_source, Status, Ui};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::emit::{self, Artifact, EmitOptions, HEADER_MARKER};
use crate::model::Model;
use crate::source::SourceMap;
use crate::workflow::{self, HeaderMatcher, Problem, ProblemKind};
use crate::FsLoader;

#[derive(Debug, Args)]
pub struct CompileArgs {
    /// The root source file (default: the only `*.envdef` in the current directory).
    #[arg(conflicts_with = "file_flag")]
    pub file: Option<PathBuf>,
    /// The same as FILE (every command that reads a source accepts `-f`).
    #[arg(long = "file", short = 'f', value_name = "FILE", id = "file_flag")]
    pub file_flag: Option<PathBuf>,
    /// Only this environment (repeatable; default: every concrete environment).
    #[arg(long = "env", value_name = "ENV")]
    pub envs: Vec<String>,
    /// Only this target (repeatable; default: every `emit` line).
    #[arg(long = "target", value_name = "TARGET")]
    pub targets: Vec<String>,
    /// Output root that `emit` paths are relative to (default: the directory of FILE).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// A directory whose `<target>.hbs` templates override or add targets.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Write nothing; exit 1 if any artifact is missing, stale or orphaned.
    #[arg(long)]
    pub check: bool,
    /// Also delete orphans: files envdef generated earlier that no `emit` produces now.
    #[arg(long, conflicts_with = "check")]
    pub prune: bool,
}

/// A checked model and everything needed to talk about it.
pub(super) struct Loaded {
    pub path: PathBuf,
    pub sources: SourceMap,
    pub model: Model,
    /// Warnings of a clean run (errors mean there is no [`Loaded`]).
    pub diagnostics: Diagnostics,
}

/// Finds, parses and checks the source. On failure prints what went wrong and returns the
/// exit status; on success the warnings are returned unprinted, so a command can print
/// them together with its own diagnostics.
pub(super) fn load(ui: &Ui, file: Option<PathBuf>) -> Result<Loaded, Status> {
    let path = find_source(file).map_err(|message| {
        ui.tool_error(&message);
        Status::ToolError
    })?;
    let compilation = crate::check_file(&FsLoader, &path, ui.check_options).map_err(|err| {
        ui.tool_error(&err.to_string());
        Status::ToolError
    })?;
    match compilation.model {
        Some(model) if !compilation.diagnostics.has_errors() => Ok(Loaded {
            path,
            sources: compilation.sources,
            model,
            diagnostics: compilation.diagnostics,
        }),
        _ => {
            ui.diagnostics(&compilation.diagnostics, &compilation.sources);
            Err(Status::Failed)
        }
    }
}

/// A name given on the command line that the source does not know (exit 2, like any
/// usage error), with the closest known name and the full list.
pub(super) fn unknown_name(
    ui: &Ui,
    sources: &SourceMap,
    code: Code,
    what: &str,
    name: &str,
    known: &[&str],
) -> Status {
    let mut diagnostic = Diagnostic::error(code, format!("unknown {what} `{name}`")).help_opt(
        crate::resolve::suggest::did_you_mean(name, known.iter().copied()),
    );
    diagnostic = if known.is_empty() {
        diagnostic.note(format!("the source declares no {what}s"))
    } else {
        diagnostic.note(format!("known {what}s: {}", known.join(", ")))
    };
    ui.diagnostics([&diagnostic], sources);
    Status::ToolError
}

/// Checks an environment name; `concrete` refuses abstract ones (they are never emitted).
pub(super) fn check_env(
    ui: &Ui,
    loaded: &Loaded,
    name: &str,
    concrete: bool,
) -> Result<(), Status> {
    match loaded.model.envs.get(name) {
        Some(env) if concrete && env.is_abstract => {
            let names: Vec<&str> = loaded
                .model
                .concrete_envs()
                .map(|e| e.name.as_str())
                .collect();
            let diagnostic = Diagnostic::error(
                Code::UnknownEnvironmentArg,
                format!(
                    "environment `{name}` is abstract; abstract environments are never emitted"
                ),
            )
            .primary(env.span, "declared abstract here")
            .note(format!("concrete environments: {}", names.join(", ")));
            ui.diagnostics([&diagnostic], &loaded.sources);
            Err(Status::ToolError)
        }
        Some(_) => Ok(()),
        None => {
            let names: Vec<&str> = loaded
                .model
                .envs
                .values()
                .filter(|e| !concrete || !e.is_abstract)
                .map(|e| e.name.as_str())
                .collect();
            Err(unknown_name(
                ui,
                &loaded.sources,
                Code::UnknownEnvironmentArg,
                "environment",
                name,
                &names,
            ))
        }
    }
}

pub fn run(ui: &Ui, args: CompileArgs) -> Status {
    match compile(ui, args) {
        Ok(status) | Err(status) => status,
    }
}

fn compile(ui: &Ui, args: CompileArgs) -> Result<Status, Status> {
    // Never freed: the process exits right after, and freeing a big model value by value
    // costs as much as a tenth of a large compile (docs/performance.md).
    let mut loaded =
        std::mem::ManuallyDrop::new(load(ui, args.file.clone().or(args.file_flag.clone()))?);
    for env in &args.envs {
        check_env(ui, &loaded, env, true)?;
    }
    let mut targets: Vec<&str> = Vec::new();
    for e in &loaded.model.emits {
        if !targets.contains(&e.target.as_str()) {
            targets.push(&e.target);
        }
    }
    for target in &args.targets {
        if !targets.contains(&target.as_str()) {
            return Err(unknown_name(
                ui,
                &loaded.sources,
                Code::UnknownTargetArg,
                "target",
                target,
                &targets,
            ));
        }
    }

    let options = EmitOptions {
        envs: Vec::new(),
        targets: Vec::new(),
        templates_dir: args.templates.clone(),
    };
    let mut emitted = Diagnostics::new();
    let artifacts = emit::emit(&loaded.model, &options, &mut emitted);
    if ui.check_options.deny_warnings {
        emitted.deny_warnings();
    }
    loaded.diagnostics.extend(emitted);
    ui.diagnostics(&loaded.diagnostics, &loaded.sources);
    if loaded.diagnostics.has_errors() {
        // Nothing is written when anything is wrong: a half-updated set of artifacts is
        // worse than a stale one.
        return Ok(Status::Failed);
    }

    let selected = |a: &Artifact| {
        (args.envs.is_empty() || a.env.is_empty() || args.envs.contains(&a.env))
            && (args.targets.is_empty() || args.targets.contains(&a.target))
    };
    // Every produced path, selected or not: what is not among them is an orphan.
    let produced: HashSet<PathBuf> = artifacts.iter().map(|a| a.path.clone()).collect();
    let (chosen, skipped): (Vec<Artifact>, Vec<Artifact>) =
        artifacts.into_iter().partition(|a| selected(a));
    let root = output_root(&loaded.path, args.out.as_deref());
    let matcher = HeaderMatcher {
        marker: HEADER_MARKER.to_string(),
        source: Path::new(&loaded.model.source_name)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned()),
    };

    let io = |err: workflow::WorkflowError| {
        ui.tool_error(&err.to_string());
        Status::ToolError
    };
    let plan = workflow::plan(&root, &chosen).map_err(io)?;
    if args.check {
        let orphans = workflow::find_orphans(&root, &produced, &matcher).map_err(io)?;
        let problems = workflow::drift(&plan, &orphans);
        return Ok(report_check(ui, &plan, &problems));
    }
    let summary = workflow::write(&plan).map_err(io)?;
    let removed = if args.prune {
        let orphans = workflow::find_orphans(&root, &produced, &matcher).map_err(io)?;
        workflow::prune(&root, &orphans, &matcher).map_err(io)?
    } else {
        Vec::new()
    };
    report_compile(ui, &root, &chosen, &skipped, &summary, &removed);
    Ok(Status::Ok)
}

/// `--out`, else the directory holding the source file.
fn output_root(source: &Path, out: Option<&Path>) -> PathBuf {
    match out {
        Some(out) => out.to_path_buf(),
        None => match source.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        },
    }
}

fn report_compile(
    ui: &Ui,
    root: &Path,
    chosen: &[Artifact],
    skipped: &[Artifact],
    summary: &workflow::WriteSummary,
    removed: &[PathBuf],
) {
    let mut out = std::io::stdout().lock();
    let written: HashSet<&Path> = summary.written.iter().map(PathBuf::as_path).collect();
    if ui.is_json() {
        let line = |out: &mut std::io::StdoutLock<'_>, a: &Artifact, status: &str| {
            let value = json!({
                "path": workflow::display_path(root, &a.path),
                "status": status,
                "target": a.target,
                "env": a.env,
                "service": a.service,
            });
            let _ = writeln!(out, "{value}");
        };
        for a in chosen {
            line(
                &mut out,
                a,
                if written.contains(a.path.as_path()) {
                    "written"
                } else {
                    "unchanged"
                },
            );
        }
        for a in skipped {
            line(&mut out, a, "skipped");
        }
        for rel in removed {
            let value = json!({ "path": workflow::display_path(root, rel), "status": "removed" });
            let _ = writeln!(out, "{value}");
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
            let _ = writeln!(out, "{} {}", paint.green("wrote"), shown.display());
        } else if ui.verbose {
            let _ = writeln!(out, "{} {}", paint.dim("unchanged"), shown.display());
        }
    }
    if ui.verbose {
        for a in skipped {
            let shown = workflow::display_path(root, &a.path);
            let _ = writeln!(
                out,
                "{} {} (not selected)",
                paint.dim("skipped"),
                shown.display()
            );
        }
    }
    for rel in removed {
        let _ = writeln!(
            out,
            "{} {}",
            paint.red("removed"),
            workflow::display_path(root, rel).display()
        );
    }
    let mut parts = vec![
        format!("{} written", summary.written.len()),
        format!("{} unchanged", summary.unchanged.len()),
        format!("{} skipped", skipped.len()),
    ];
    if !removed.is_empty() {
        parts.push(format!("{} removed", removed.len()));
    }
    let _ = writeln!(out, "{}", parts.join(", "));
}

fn report_check(ui: &Ui, plan: &workflow::Plan<'_>, problems: &[Problem]) -> Status {
    let mut out = std::io::stdout().lock();
    let by_path: HashMap<&Path, &Artifact> = plan
        .files
        .iter()
        .map(|f| (f.artifact.path.as_path(), f.artifact))
        .collect();
    let artifact_of = |rel: &Path| by_path.get(rel).copied();
    if ui.is_json() {
        for p in problems {
            let a = artifact_of(&p.path);
            // Diagnostic-shaped (code, severity, message, file, line) so the same CI
            // annotation step handles these and source diagnostics alike.
            let value = json!({
                "code": problem_code(p.kind).as_str(),
                "severity": "error",
                "kind": p.kind.as_str(),
                "message": problem_message(p),
                "file": p.display,
                "line": p.line.unwrap_or(1),
                "column": 1,
                "path": p.path,
                "target": a.map(|a| &a.target),
                "env": a.map(|a| &a.env),
                "service": a.and_then(|a| a.service.as_ref()),
                "diff": p.diff,
                "help": problem_help(p.kind),
            });
            let _ = writeln!(out, "{value}");
        }
        return if problems.is_empty() {
            Status::Ok
        } else {
            Status::Failed
        };
    }
    let paint = Paint(ui.color_stdout);
    if !ui.quiet {
        for p in problems {
            if let Some(diff) = &p.diff {
                let _ = out.write_all(colour_diff(diff, paint).as_bytes());
            }
        }
    }
    for p in problems {
        let _ = writeln!(
            out,
            "{} {}: {}",
            paint.red(&format!("{:<7}", p.kind.as_str())),
            p.display.display(),
            problem_message(p)
        );
    }
    drop(out);
    if problems.is_empty() {
        ui.status(&format!("all {} artifacts are current", plan.files.len()));
        return Status::Ok;
    }
    let count = |k: ProblemKind| problems.iter().filter(|p| p.kind == k).count();
    let mut kinds = Vec::new();
    for (kind, word) in [
        (ProblemKind::Missing, "missing"),
        (ProblemKind::Stale, "stale"),
        (ProblemKind::Orphan, "orphaned"),
    ] {
        let n = count(kind);
        if n > 0 {
            kinds.push(format!("{n} {word}"));
        }
    }
    let fix = if count(ProblemKind::Orphan) > 0 {
        "envdef compile --prune"
    } else {
        "envdef compile"
    };
    let _ = writeln!(
        std::io::stderr(),
        "error: {} artifact{} not current ({}); run `{fix}` and commit the result",
        problems.len(),
        if problems.len() == 1 { " is" } else { "s are" },
        kinds.join(", ")
    );
    Status::Failed
}

fn problem_code(kind: ProblemKind) -> Code {
    match kind {
        ProblemKind::Missing => Code::ArtifactMissing,
        ProblemKind::Stale => Code::ArtifactStale,
        ProblemKind::Orphan => Code::ArtifactOrphaned,
    }
}

fn problem_message(p: &Problem) -> String {
    match p.kind {
        ProblemKind::Missing => "not on disk; the source produces it".to_string(),
        ProblemKind::Stale => format!(
            "differs from what the source produces (first difference at line {}{}{})",
            p.line.unwrap_or(1),
            if p.note.is_some() { ": " } else { "" },
            p.note.unwrap_or("")
        ),
        ProblemKind::Orphan => {
            "generated by envdef, but no `emit` line produces it any more".to_string()
        }
    }
}

fn problem_help(kind: ProblemKind) -> &'static str {
    match kind {
        ProblemKind::Missing => "run `envdef compile` to write it",
        ProblemKind::Stale => "edit the .envdef source instead, then run `envdef compile`",
        ProblemKind::Orphan => "run `envdef compile --prune` to delete it",
    }
}

fn colour_diff(diff: &str, paint: Paint) -> String {
    if !paint.0 {
        return diff.to_string();
    }
    let mut out = String::with_capacity(diff.len() + 64);
    for line in diff.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        let styled = if body.starts_with("+++") || body.starts_with("---") {
            paint.bold(body)
        } else if body.starts_with('+') {
            paint.green(body)
        } else if body.starts_with('-') {
            paint.red(body)
        } else if body.starts_with("@@") {
            paint.cyan(body)
        } else {
            body.to_string()
        };
        out.push_str(&styled);
        out.push_str(nl);
    }
    out
}
