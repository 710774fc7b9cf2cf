//! `envdef compile [FILE] [--env E]… [--service S]… [--target T]… [--out DIR]
//! [--templates DIR] [--check | --prune]`: write the artifacts the `emit` lines ask for, or (`--check`) report
//! how the files on disk differ from them. Selection, output root, orphan matching and
//! drift wording come from [`crate::query::artifacts`].
//! Also home of the helpers `diff`, `explain` and `list` share (loading the model, errors
//! about names given on the command line).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;

use super::show::Paint;
use super::{SourceArg, Status, Ui};
use crate::diagnostics::render::{json_span, JsonLabel};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::emit::{self, Artifact, EmitOptions};
use crate::model::{Env, Model};
use crate::project::Project;
use crate::query::artifacts::{self, Selected, Selection};
use crate::query::names;
use crate::source::SourceMap;
use crate::workflow::{self, Problem};

#[derive(Debug, Args)]
pub struct CompileArgs {
    #[command(flatten)]
    pub source: SourceArg,
    /// Only this environment (repeatable; default: every concrete environment).
    #[arg(long = "env", value_name = "ENV")]
    pub envs: Vec<String>,
    /// Only this service's artifacts (repeatable; default: every service). Artifacts of no
    /// single service, such as a shared `.env`, are still written.
    #[arg(long = "service", value_name = "SERVICE")]
    pub services: Vec<String>,
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
    /// Also delete orphans: files envdef wrote earlier (its manifest lists them) that no
    /// `emit` produces now. One edited since is kept unless `--force`.
    #[arg(long, conflicts_with = "check")]
    pub prune: bool,
    /// Replace files at artifact paths that envdef did not write (no generated header, not
    /// in its manifest), as when migrating hand-written files; with `--prune` or
    /// `--teardown`, also delete orphans that were edited since envdef wrote them.
    #[arg(long, conflicts_with = "check")]
    pub force: bool,
    /// With `--param`: delete the artifacts this instance's compile wrote (a preview
    /// environment's teardown); one edited since is kept unless `--force`.
    #[arg(long, conflicts_with_all = ["check", "prune"])]
    pub teardown: bool,
}

/// A checked model and everything needed to talk about it.
pub(super) struct Loaded {
    pub path: PathBuf,
    pub sources: SourceMap,
    /// The resolved declarations (`verify` re-evaluates asserts over them).
    pub program: crate::resolve::Program,
    pub model: Model,
    /// Warnings of a clean run (errors mean there is no [`Loaded`]).
    pub diagnostics: Diagnostics,
    /// The project root everything read and written must stay inside.
    pub project: Project,
}

/// Finds, parses and checks the source. On failure prints what went wrong and returns the
/// exit status; on success the warnings are returned unprinted, so a command can print
/// them together with its own diagnostics. Imports must stay inside the project root
/// (`--root DIR`, see [`crate::project`]).
pub(super) fn load(ui: &Ui, source: &SourceArg) -> Result<Loaded, Status> {
    let path = source.path().map_err(|message| {
        ui.tool_error(&message);
        Status::ToolError
    })?;
    let project = Project::discover(&path, ui.root.as_deref()).map_err(|message| {
        ui.tool_error(&message);
        Status::ToolError
    })?;
    let compilation =
        crate::check_file_with_params(&project.loader(), &path, ui.check_options, &ui.params)
            .map_err(|err| {
                ui.tool_error(&err.to_string());
                Status::ToolError
            })?;
    match compilation.model {
        Some(model) if !compilation.diagnostics.has_errors() => Ok(Loaded {
            path,
            sources: compilation.sources,
            program: compilation.program,
            model,
            diagnostics: compilation.diagnostics,
            project,
        }),
        _ => {
            ui.diagnostics(&compilation.diagnostics, &compilation.sources);
            Err(Status::Failed)
        }
    }
}

/// A name given on the command line that the source does not know: the query's
/// diagnostic, exit 2 like any usage error.
pub(super) fn bad_name(ui: &Ui, loaded: &Loaded, diagnostic: Diagnostic) -> Status {
    ui.diagnostics([&diagnostic], &loaded.sources);
    Status::ToolError
}

/// Every `--param` must make one of the environments a command names (`explain preview-x
/// … --param branch=x`, or `preview`, which stands for that instance): one that makes none
/// of them would be silently ignored, and the user would read another environment's values.
pub(super) fn params_apply(ui: &Ui, loaded: &Loaded, envs: &[&Env]) -> Result<(), Status> {
    for (name, value) in &ui.params {
        let makes = |e: &Env| {
            e.params
                .iter()
                .any(|p| p.given && p.name == *name && p.value == *value)
        };
        if envs.iter().any(|e| makes(e)) {
            continue;
        }
        let named: Vec<String> = envs.iter().map(|e| format!("`{}`", e.name)).collect();
        let made: Vec<&str> = loaded
            .model
            .envs
            .values()
            .filter(|e| makes(e))
            .map(|e| e.name.as_str())
            .collect();
        let diagnostic = Diagnostic::error(
            Code::ParameterMismatch,
            format!(
                "`--param {name}={value}` does not apply to {}",
                named.join(" or ")
            ),
        )
        .note(format!(
            "it makes the instance{} {}",
            if made.len() == 1 { "" } else { "s" },
            made.join(", ")
        ))
        .help(format!(
            "name the instance (or the parameterised environment it extends), or drop `--param {name}=…`"
        ));
        return Err(bad_name(ui, loaded, diagnostic));
    }
    Ok(())
}

pub fn run(ui: &Ui, args: CompileArgs) -> Status {
    match compile(ui, args) {
        Ok(status) | Err(status) => status,
    }
}

fn compile(ui: &Ui, args: CompileArgs) -> Result<Status, Status> {
    // Never freed: the process exits right after, and freeing a big model value by value
    // costs as much as a tenth of a large compile (docs/performance.md).
    let mut loaded = std::mem::ManuallyDrop::new(load(ui, &args.source)?);
    let instance_run =
        artifacts::instance_run(&loaded.program, &loaded.model, &ui.params, &args.envs)
            .transpose()
            .map_err(|d| bad_name(ui, &loaded, d))?;
    if args.teardown && instance_run.is_none() {
        ui.tool_error(
            "`--teardown` removes one instance's artifacts: give its `--param NAME=VALUE`",
        );
        return Err(Status::ToolError);
    }
    let selection = Selection {
        envs: instance_run.as_ref().map_or_else(
            || names::expand_matrices(&loaded.model, &args.envs),
            |run| run.envs.clone(),
        ),
        services: args.services.clone(),
        targets: args.targets.clone(),
        env_only: instance_run.is_some(),
    };
    selection
        .validate(&loaded.model)
        .map_err(|d| bad_name(ui, &loaded, d))?;

    let options = EmitOptions {
        envs: Vec::new(),
        targets: Vec::new(),
        templates_dir: args.templates.clone(),
        project_root: Some(loaded.project.root().to_path_buf()),
        working: None,
        measure_only: false,
        source_dir: artifacts::source_dir_from(&loaded.path, args.out.as_deref()),
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

    let Selected {
        mut chosen,
        skipped,
        mut produced,
    } = artifacts::select(artifacts, &selection);
    if args.teardown {
        // The instance produces nothing: what its compiles recorded becomes orphans of its
        // manifest key, which the prune below deletes.
        for artifact in chosen.drain(..) {
            produced.remove(&artifact.path);
        }
    }
    let root = artifacts::output_root(&loaded.path, args.out.as_deref());
    let source = instance_run.as_ref().map_or_else(
        || artifacts::manifest_source(&loaded.model),
        |run| run.manifest_source.clone(),
    );
    let guard = guard(&loaded, args.templates.as_deref());

    let io = |err: workflow::WorkflowError| workflow_error(ui, &err);
    let access = if args.check {
        workflow::Access::Read
    } else {
        workflow::Access::Write
    };
    let out =
        workflow::Output::open(&root, Some(loaded.project.root()), access, guard).map_err(io)?;
    if let Some(taken) = instance_taken(&out, &loaded.model, &source, &chosen).map_err(io)? {
        ui.diagnostics([&taken], &SourceMap::new());
        return Err(Status::ToolError);
    }
    let outputs = || {
        chosen.iter().map(|a| workflow::OutputFile {
            path: &a.path,
            contents: &a.contents,
        })
    };
    if args.check {
        let plan = workflow::plan(&out, outputs()).map_err(io)?;
        let interrupted = workflow::interrupted(&out).map_err(io)?;
        let orphans = workflow::find_orphans(&out, &produced, &source).map_err(io)?;
        let problems = workflow::drift(&plan, &orphans, interrupted);
        return Ok(report_check(ui, &chosen, &problems, &loaded.sources));
    }
    recover(ui, &out, &root).map_err(io)?;
    let plan = workflow::plan(&out, outputs()).map_err(io)?;
    let summary = workflow::write(&out, &plan, &source, args.force).map_err(io)?;
    let pruned = if args.prune || args.teardown {
        let orphans = workflow::find_orphans(&out, &produced, &source).map_err(io)?;
        workflow::prune(&out, &orphans, &source, args.force).map_err(io)?
    } else {
        workflow::PruneSummary::default()
    };
    for kept in &pruned.kept {
        ui.warning(&format!(
            "kept `{}`: {}",
            workflow::display_path(&root, kept).display(),
            workflow::MODIFIED_NOTE
        ));
    }
    report_compile(ui, &root, &chosen, &skipped, &summary, &pruned.removed);
    Ok(Status::Ok)
}

/// Two values that sanitise to one instance name (branches `feature/x` and `Feature_X` are
/// both `preview-feature-x`) would write the same files: refused (E0230) when the output
/// already holds that instance's files for other `--param` values, instead of one branch's
/// preview silently replacing the other's.
fn instance_taken(
    out: &workflow::Output,
    model: &Model,
    source: &str,
    chosen: &[Artifact],
) -> workflow::WorkflowResult<Option<Diagnostic>> {
    let Some(dir) = &out.dir else {
        return Ok(None);
    };
    let base = artifacts::manifest_source(model);
    let Some((instances, values)) = artifacts::InstanceRun::parse_key(source, &base) else {
        return Ok(None);
    };
    let manifest = workflow::Manifest::load(&out.root, dir)?;
    for artifact in chosen {
        for other in manifest.writers_of(&artifact.path) {
            let Some((_, other_values)) = artifacts::InstanceRun::parse_key(other, &base) else {
                continue;
            };
            if other_values == values {
                continue;
            }
            return Ok(Some(
                Diagnostic::error(
                    Code::InstanceNameCollision,
                    format!(
                        "`--param {values}` makes `{instances}`, which this output already holds for `--param {other_values}`"
                    ),
                )
                .note(format!(
                    "`{}` was written for `--param {other_values}`; both values have one DNS-1123 label",
                    artifact.path.display()
                ))
                .help(format!(
                    "tear that instance down first (`envdef compile --teardown --param {other_values}`), or compile this one into another `--out`"
                )),
            ));
        }
    }
    Ok(None)
}

/// Finishes or undoes an interrupted earlier run into `out` (a compile's or a switch's),
/// and says which on stderr.
pub(super) fn recover(
    ui: &Ui,
    out: &workflow::Output,
    root: &Path,
) -> workflow::WorkflowResult<()> {
    if let Some(recovery) = workflow::recover(out)? {
        ui.status(&match recovery {
            workflow::Recovery::Completed { files } => format!(
                "an earlier compile into `{}` was interrupted while renaming; completed it ({files} files)",
                root.display()
            ),
            workflow::Recovery::RolledBack { files } => format!(
                "an earlier compile into `{}` was interrupted while writing; rolled it back ({files} temp files removed)",
                root.display()
            ),
        });
    }
    Ok(())
}

/// Prints a workflow failure (with its code and help when it has them); exit 2.
pub(super) fn workflow_error(ui: &Ui, err: &workflow::WorkflowError) -> Status {
    match err.code() {
        Some(code) => {
            let diagnostic = Diagnostic::error(code, err.to_string()).help_opt(err.help());
            ui.diagnostics([&diagnostic], &SourceMap::new());
        }
        None => ui.tool_error(&err.to_string()),
    }
    Status::ToolError
}

/// What no artifact may overwrite: the source, every imported file, every template this
/// compile reads (the `template` options, `<target>.hbs` in `--templates DIR`).
pub(super) fn guard(loaded: &Loaded, templates_dir: Option<&Path>) -> workflow::Guard {
    let mut guard = workflow::Guard::new();
    for (_, file) in loaded.sources.files() {
        guard.forbid(&file.path, format!("the envdef source `{}`", file.name));
    }
    let source_dir = loaded.path.parent().unwrap_or(Path::new(""));
    for emit in &loaded.model.emits {
        let mut templates = Vec::new();
        if let Some(crate::model::Value::Str(p)) = emit.options.get("template") {
            templates.push(source_dir.join(p));
        }
        if let Some(dir) = templates_dir {
            templates.push(dir.join(format!("{}.hbs", emit.target)));
        }
        for template in templates {
            guard.forbid(&template, format!("the template `{}`", template.display()));
        }
    }
    guard
}

fn report_compile(
    ui: &Ui,
    root: &Path,
    chosen: &[Artifact],
    skipped: &[Artifact],
    summary: &workflow::WriteSummary,
    removed: &[PathBuf],
) {
    let written: HashSet<&Path> = summary.written.iter().map(PathBuf::as_path).collect();
    if ui.is_json() {
        let line = |a: &Artifact, status: &str| {
            let value = json!({
                "path": workflow::display_path(root, &a.path),
                "status": status,
                "target": a.target,
                "env": a.env,
                "service": a.service,
            });
            ui.outln(value);
        };
        for a in chosen {
            line(
                a,
                if written.contains(a.path.as_path()) {
                    "written"
                } else {
                    "unchanged"
                },
            );
        }
        for a in skipped {
            line(a, "skipped");
        }
        for rel in removed {
            let value = json!({ "path": workflow::display_path(root, rel), "status": "removed" });
            ui.outln(value);
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
    if ui.verbose {
        for a in skipped {
            let shown = workflow::display_path(root, &a.path);
            ui.outln(format_args!(
                "{} {} (not selected)",
                paint.dim("skipped"),
                shown.display()
            ));
        }
    }
    for rel in removed {
        ui.outln(format_args!(
            "{} {}",
            paint.red("removed"),
            workflow::display_path(root, rel).display()
        ));
    }
    let mut parts = vec![
        format!("{} written", summary.written.len()),
        format!("{} unchanged", summary.unchanged.len()),
        format!("{} skipped", skipped.len()),
    ];
    if !removed.is_empty() {
        parts.push(format!("{} removed", removed.len()));
    }
    ui.outln(format_args!("{}", parts.join(", ")));
}

fn report_check(ui: &Ui, chosen: &[Artifact], problems: &[Problem], sources: &SourceMap) -> Status {
    let by_path: HashMap<&Path, &Artifact> = chosen.iter().map(|a| (a.path.as_path(), a)).collect();
    let artifact_of = |rel: &Path| by_path.get(rel).copied();
    if ui.is_json() {
        for p in problems {
            let a = artifact_of(&p.path);
            // Diagnostic-shaped (code, severity, message, file, line) so the same CI
            // annotation step handles these and source diagnostics alike. `file` and
            // `line` are the artifact's; `labels` point at the `emit` line in the source.
            let d = artifacts::drift_diagnostic(p, a);
            let labels: Vec<_> = d
                .labels
                .iter()
                .map(|l| JsonLabel {
                    span: json_span(l.span, sources),
                    message: &l.message,
                    primary: l.primary,
                })
                .collect();
            let value = json!({
                "code": d.code.as_str(),
                "severity": "error",
                "kind": p.kind.as_str(),
                "message": d.message,
                "file": p.display,
                "line": p.line.unwrap_or(1),
                "column": 1,
                "path": p.path,
                "target": a.map(|a| &a.target),
                "env": a.map(|a| &a.env),
                "service": a.and_then(|a| a.service.as_ref()),
                "diff": p.diff,
                "labels": labels,
                "help": d.help,
            });
            ui.outln(value);
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
                ui.out(&colour_diff(diff, paint));
            }
        }
    }
    for p in problems {
        let d = artifacts::drift_diagnostic(p, artifact_of(&p.path));
        // `file:line:col` of the `emit` line, which terminals and editors open.
        let origin = d
            .primary_span()
            .map(|span| {
                let at = json_span(span, sources);
                format!(" [emit at {}:{}:{}]", at.file, at.line, at.column)
            })
            .unwrap_or_default();
        ui.outln(format_args!(
            "{} {}: {}{origin}",
            paint.red(&format!("{:<7}", p.kind.as_str())),
            p.display.display(),
            d.message
        ));
    }
    if problems.is_empty() {
        ui.status(&format!("all {} artifacts are current", chosen.len()));
        return Status::Ok;
    }
    if let Some(summary) = artifacts::drift_summary(problems) {
        ui.err(&format!("error: {summary}\n"));
    }
    Status::Failed
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
