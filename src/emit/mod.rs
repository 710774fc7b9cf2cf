//! Emit: [`Model`] → artifacts (path + contents). E04xx. Does no output IO.
//!
//! Contract for the CLI (`compile`): [`emit`] turns a checked model into a deterministic list
//! of [`Artifact`]s whose paths are relative to the output root and validated (never `..`,
//! never absolute, no empty segment). When any E04xx error is reported, `emit` returns no
//! artifacts at all, so nothing partial is ever written.
//!
//! How: every `emit` line is expanded into jobs (one per environment, and per service for
//! per-service targets or paths with `{service}`); paths are validated and checked for
//! collisions, and keys and names are validated once per service (`names`), before anything
//! renders. Each job renders through a handlebars template (built-ins embedded and compiled
//! once per process; user templates once per call; `render`). Built-in templates hold the
//! shape of the file; the value block (the part that grows with the number of variables) is
//! written in Rust straight from the typed model by the target's module (`dotenv`,
//! `tfvars`, `compose`, `kubernetes`) with the format's quoting (`dotenv`, `hcl`, `yaml`;
//! the text form of values in `text`) and handed to the template's `{{block}}` helper. User
//! templates get the model as data (`data`) and the quoting helpers (`helpers`). Jobs render
//! in parallel; results are collected in job order, so output never depends on scheduling.
//!
//! Invariants: `emit` never reads `ast`; a secret's value does not exist in the model, and no
//! target writes anything for a secret but its reference; any E04xx error means no artifacts.
//!
//! The only input read here is the user's template files (`--templates DIR`, the emit
//! option `template`), which are part of the compile's input like the source itself.

mod ansible;
mod app;
mod compose;
mod data;
mod decimal;
mod dotenv;
pub(crate) mod envfile;
mod guard;
pub(crate) mod hcl;
mod helpers;
mod job;
mod jsonschema;
mod kubernetes;
mod names;
mod pydantic;
mod pylit;
mod render;
mod shape;
pub(crate) mod text;
pub(crate) mod tfvars;
mod typescript;
pub(crate) mod yaml;

use std::path::PathBuf;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::hash::{FastHashMap, FastHashSet};
use crate::model::{Emit, Env, Model, Service};

pub use helpers::TEMPLATE_HELPERS;
use job::{expand, Builtin, Job, Template};
pub use job::{EmitOptions, BUILTIN_TARGETS, HEADER_MARKER, MAX_ARTIFACTS, MAX_OUTPUT_BYTES};

/// One file to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// Relative to the output root; validated to stay inside it.
    pub path: PathBuf,
    /// The file's whole text.
    pub contents: String,
    /// The emit target that produced it (`dotenv`, `compose`, a custom name).
    pub target: String,
    /// The environment it is for; empty for an environment-independent artifact (a
    /// `variables_tf` whose path has no `{env}`).
    pub env: String,
    /// The service, for per-service artifacts (`dotenv`, `kubernetes`, `{service}` paths).
    pub service: Option<String>,
    /// The `emit` line that produced it: where a diagnostic about the file (missing,
    /// stale) points in the source.
    pub span: crate::source::Span,
}

/// Renders every selected `emit` line for every selected environment (and service).
/// Deterministic order: emit lines in declaration order, then environments, then services.
pub fn emit(model: &Model, options: &EmitOptions, diagnostics: &mut Diagnostics) -> Vec<Artifact> {
    let mut errors: Vec<Diagnostic> = Vec::new();

    let envs = select_envs(model, options, &mut errors);
    let emits = select_emits(model, options, &mut errors);
    let templates = render::UserTemplates::load(model, &emits, options, &mut errors);
    let jobs = plan(
        model,
        &emits,
        &envs,
        &templates,
        options.source_dir.as_deref(),
        &mut errors,
    );
    if options.working.is_some() {
        working_over_committed(model, &jobs, options, &mut errors);
    }
    auto_tfvars_shared(&jobs, diagnostics);
    names::check(model, &jobs, &mut errors);
    if !errors.is_empty() {
        push_deduped(errors, diagnostics);
        return Vec::new();
    }

    let results = render::render_all(model, &jobs, &templates, options.measure_only);
    let mut artifacts = Vec::with_capacity(jobs.len());
    for (job, result) in jobs.iter().zip(results) {
        match result {
            Ok((contents, _)) => artifacts.push(Artifact {
                path: PathBuf::from(&job.path),
                contents,
                target: job.emit.target.clone(),
                env: job.env.map(|e| e.name.clone()).unwrap_or_default(),
                service: job.service.map(|s| s.name.clone()),
                span: job.emit.span,
            }),
            Err(errs) => errors.extend(errs),
        }
    }
    if !errors.is_empty() {
        push_deduped(errors, diagnostics);
        return Vec::new();
    }
    artifacts
}

/// A value problem shows up once per artifact that writes the value; report it once.
fn push_deduped(errors: Vec<Diagnostic>, diagnostics: &mut Diagnostics) {
    let mut seen = FastHashSet::default();
    for d in errors {
        let key = (d.code, d.message.clone(), d.primary_span());
        if seen.insert(key) {
            diagnostics.push(d);
        }
    }
}

fn select_envs<'m>(
    model: &'m Model,
    options: &EmitOptions,
    errors: &mut Vec<Diagnostic>,
) -> Vec<&'m Env> {
    if let Some(name) = &options.working {
        // One environment at a time: the caller named a concrete one (`query::names`).
        return model.concrete_envs().filter(|e| e.name == *name).collect();
    }
    if options.envs.is_empty() {
        return model.concrete_envs().collect();
    }
    for name in &options.envs {
        match model.envs.get(name) {
            None => {
                let known: Vec<&str> = model.concrete_envs().map(|e| e.name.as_str()).collect();
                errors.push(
                    Diagnostic::error(
                        Code::UnknownSelection,
                        format!("`--env {name}`: no environment `{name}` is declared"),
                    )
                    .help(format!("declared environments: {}", known.join(", "))),
                );
            }
            Some(env) if env.is_abstract => errors.push(
                Diagnostic::error(
                    Code::UnknownSelection,
                    format!("`--env {name}`: environment `{name}` is abstract and never emitted"),
                )
                .primary(env.span, "declared abstract here"),
            ),
            Some(_) => {}
        }
    }
    // Declaration order, whatever order the flags came in.
    model
        .concrete_envs()
        .filter(|e| options.envs.contains(&e.name))
        .collect()
}

fn select_emits<'m>(
    model: &'m Model,
    options: &EmitOptions,
    errors: &mut Vec<Diagnostic>,
) -> Vec<&'m Emit> {
    for target in &options.targets {
        if !model.emits.iter().any(|e| e.target == *target) {
            let known: Vec<&str> = model.emits.iter().map(|e| e.target.as_str()).collect();
            errors.push(
                Diagnostic::error(
                    Code::UnknownSelection,
                    format!("`--target {target}`: no `emit {target}` line in the source"),
                )
                .help(if known.is_empty() {
                    "the source has no `emit` lines".to_string()
                } else {
                    format!("emitted targets: {}", known.join(", "))
                }),
            );
        }
    }
    let working = options.working.is_some();
    model
        .emits
        .iter()
        .filter(|e| e.is_working() == working)
        .filter(|e| options.targets.is_empty() || options.targets.contains(&e.target))
        .collect()
}

/// The concrete environments some `working = true` line covers, in declaration order:
/// those `envdef switch` can switch to (and `check` validates one by one).
pub fn working_envs(model: &Model) -> Vec<&Env> {
    model
        .concrete_envs()
        .filter(|env| {
            model
                .emits
                .iter()
                .any(|e| e.is_working() && e.covers_env(&env.name))
        })
        .collect()
}

/// A working file where `compile` writes an artifact (in any environment): `switch` would
/// overwrite a committed file, `compile` the working one. E0402, like any collision.
fn working_over_committed(
    model: &Model,
    working: &[Job<'_>],
    options: &EmitOptions,
    errors: &mut Vec<Diagnostic>,
) {
    let committed_options = EmitOptions {
        working: None,
        envs: Vec::new(),
        targets: Vec::new(),
        ..options.clone()
    };
    // Paths only: planning expands them without rendering; its own errors are the
    // committed lines' and are reported when those are emitted.
    let mut ignored = Vec::new();
    let emits = select_emits(model, &committed_options, &mut ignored);
    let envs: Vec<&Env> = model.concrete_envs().collect();
    let templates = render::UserTemplates::paths_only(&emits);
    let committed = plan(
        model,
        &emits,
        &envs,
        &templates,
        options.source_dir.as_deref(),
        &mut ignored,
    );
    let by_path: FastHashMap<String, &Job<'_>> = committed
        .iter()
        .map(|j| (j.path.to_lowercase(), j))
        .collect();
    for job in working {
        if let Some(other) = by_path.get(&job.path.to_lowercase()) {
            errors.push(
                Diagnostic::error(
                    Code::ArtifactPathCollision,
                    if other.path == job.path {
                        format!(
                            "the working file `{}` is also an artifact `compile` writes",
                            job.path
                        )
                    } else {
                        format!(
                            "the working file `{}` and the artifact `{}` differ only in case: on case-insensitive file systems (macOS, Windows) they are one file",
                            job.path, other.path
                        )
                    },
                )
                .primary(job.emit.span, "this working file")
                .secondary(other.emit.span, "this emit writes the artifact")
                .help("give the working file a path no committed `emit` line writes (e.g. \"{service}/.env\" next to \"{service}/.env.{env}\")"),
            );
        }
    }
}

/// Expands every emit line into jobs, validating each path and refusing collisions.
fn plan<'m>(
    model: &'m Model,
    emits: &[&'m Emit],
    envs: &[&'m Env],
    templates: &render::UserTemplates,
    source_dir: Option<&str>,
    errors: &mut Vec<Diagnostic>,
) -> Vec<Job<'m>> {
    let mut jobs = Vec::new();
    for (emit_idx, emit) in emits.iter().copied().enumerate() {
        let builtin = Builtin::from_name(&emit.target);
        let template = match templates.for_emit(emit_idx) {
            Some(index) => Template::Custom(index),
            None => match builtin {
                Some(b) => Template::Builtin(b),
                // `UserTemplates::load` already reported the missing template.
                None => continue,
            },
        };
        let per_service =
            emit.path.contains("{service}") || builtin.is_some_and(Builtin::always_per_service);
        // `{branch}`: the path is per environment, and only for those that have the
        // parameter (instances of `env preview(branch) …`).
        let params = param_placeholders(&emit.path);
        let per_env = emit.path.contains("{env}")
            || !params.is_empty()
            || !builtin.is_some_and(Builtin::env_independent);
        // `when`: only the covered environments, and in each only the covered services.
        let env_list: Vec<Option<&Env>> = if per_env {
            envs.iter()
                .filter(|e| emit.covers_env(&e.name))
                .filter(|e| {
                    params
                        .iter()
                        .all(|name| e.params.iter().any(|p| p.name == *name))
                })
                .map(|e| Some(*e))
                .collect()
        } else {
            vec![None]
        };
        let mut path_failed = false;
        for env in &env_list {
            let services: Vec<Option<&Service>> = if per_service {
                model
                    .services
                    .values()
                    .filter(|s| env.map_or(true, |e| emit.covers(&e.name, &s.name)))
                    .map(Some)
                    .collect()
            } else {
                vec![None]
            };
            for service in &services {
                let env_name = env.map(|e| e.name.as_str());
                let service_name = service.map(|s| s.name.as_str());
                let mut path = expand(&emit.path, env_name, service_name);
                // Labels (`feature-login-fix`): one DNS-1123 label each, never a `/`, `.`
                // or `..`, whatever the branch name was.
                for p in env.map_or(&[][..], |e| &e.params[..]) {
                    path = path.replace(&format!("{{{}}}", p.name), &p.label);
                }
                // A name fills one path segment: a `/` in it would open directories the
                // path template never named.
                let checked = if [("{env}", env_name), ("{service}", service_name)]
                    .into_iter()
                    .any(|(placeholder, name)| {
                        emit.path.contains(placeholder) && name.is_some_and(|n| !is_segment_name(n))
                    }) {
                    Err("puts an environment or service name that is not a single path segment into it")
                } else {
                    validate_path(&path)
                };
                if let Err(reason) = checked {
                    if !path_failed {
                        errors.push(
                            Diagnostic::error(
                                Code::EmitPathOutsideRoot,
                                format!(
                                    "emit path `{}` expands to `{}`, which {reason}",
                                    emit.path.escape_debug(),
                                    path.escape_debug()
                                ),
                            )
                            .primary(emit.span, "this emit")
                            .help("emit paths are relative to the output directory and may not contain `..`, empty segments or a leading `/`"),
                        );
                    }
                    path_failed = true;
                    continue;
                }
                if jobs.len() == MAX_ARTIFACTS {
                    // Stop planning: the job list itself would exhaust memory first.
                    errors.push(
                        Diagnostic::error(
                            Code::TooMuchOutput,
                            format!("the emit lines would write more than {MAX_ARTIFACTS} artifacts"),
                        )
                        .primary(emit.span, "the limit is reached while expanding this emit")
                        .help("emit fewer environment × service combinations (select with `--env` / `--target`), or split the source"),
                    );
                    return jobs;
                }
                jobs.push(Job {
                    emit,
                    env: *env,
                    service: *service,
                    path,
                    template,
                    source_dir: source_dir.map(str::to_string),
                });
            }
        }
    }

    check_collisions(&jobs, errors);
    jobs
}

/// Two jobs on one path, on paths that differ only in case (one file on macOS and Windows),
/// or a file where another artifact needs a directory: each reported once.
fn check_collisions(jobs: &[Job<'_>], errors: &mut Vec<Diagnostic>) {
    let mut first: FastHashMap<String, usize> = crate::hash::map_with_capacity(jobs.len());
    let mut reported = FastHashSet::default();
    for (i, job) in jobs.iter().enumerate() {
        let key = job.path.to_lowercase();
        let Some(&j) = first.get(&key) else {
            first.insert(key, i);
            continue;
        };
        if !reported.insert(key) {
            continue;
        }
        let other = &jobs[j];
        let (message, help) = if other.path == job.path {
            let help = if other.env.map(|e| &e.name) != job.env.map(|e| &e.name)
                && !job.emit.path.contains("{env}")
            {
                "add `{env}` to the path so each environment gets its own file, or make it a working file that `envdef switch ENV` writes for one environment at a time: `{ working = true }`"
            } else if other.service.map(|s| &s.name) != job.service.map(|s| &s.name)
                && !job.emit.path.contains("{service}")
            {
                "add `{service}` to the path so each service gets its own file"
            } else {
                "give the emit lines different paths"
            };
            (
                format!("two artifacts would be written to `{}`", job.path),
                help,
            )
        } else {
            (
                format!(
                    "`{}` and `{}` differ only in case: on case-insensitive file systems (macOS, Windows) one would overwrite the other",
                    other.path, job.path
                ),
                "give the environments, services or emit paths names that differ in more than case",
            )
        };
        let mut d = Diagnostic::error(Code::ArtifactPathCollision, message)
            .primary(job.emit.span, "this emit writes it");
        if !std::ptr::eq(other.emit, job.emit) {
            d = d.secondary(other.emit.span, "and so does this one");
        }
        errors.push(d.help(help));
    }

    // A path that another artifact needs as a directory (`a` and `a/b`).
    let mut dirs: FastHashMap<String, usize> = FastHashMap::default();
    for (i, job) in jobs.iter().enumerate() {
        let lower = job.path.to_lowercase();
        for (at, _) in lower.match_indices('/') {
            dirs.entry(lower[..at].to_string()).or_insert(i);
        }
    }
    for job in jobs {
        if let Some(&i) = dirs.get(&job.path.to_lowercase()) {
            let other = &jobs[i];
            let mut d = Diagnostic::error(
                Code::ArtifactPathCollision,
                format!(
                    "`{}` would be a file, but `{}` needs it to be a directory",
                    job.path, other.path
                ),
            )
            .primary(job.emit.span, "this emit writes the file");
            if !std::ptr::eq(other.emit, job.emit) {
                d = d.secondary(other.emit.span, "this one writes below it");
            }
            errors.push(
                d.help("give the emit lines paths that do not nest inside each other's files"),
            );
        }
    }
}

/// W0431: Terraform loads every `*.auto.tfvars` (and `.auto.tfvars.json`) of its working
/// directory, the alphabetically last one winning. Two environments' files in one
/// directory mean `terraform apply` for one environment silently uses another's values.
fn auto_tfvars_shared(jobs: &[Job<'_>], diagnostics: &mut Diagnostics) {
    let mut first: FastHashMap<&str, &Job<'_>> = FastHashMap::default();
    let mut reported = FastHashSet::default();
    for job in jobs {
        let is_auto = job.path.ends_with(".auto.tfvars") || job.path.ends_with(".auto.tfvars.json");
        let Some(env) = job.env.filter(|_| is_auto) else {
            continue;
        };
        let dir = job.path.rsplit_once('/').map_or("", |(dir, _)| dir);
        let Some(other) = first.get(dir).copied() else {
            first.insert(dir, job);
            continue;
        };
        if other.env.is_some_and(|e| e.name == env.name) || !reported.insert(dir) {
            continue;
        }
        let shown = if dir.is_empty() { "." } else { dir };
        let mut d = Diagnostic::warning(
            Code::AutoTfvarsShareDirectory,
            format!(
                "`{}` and `{}` are both `.auto.tfvars` in `{shown}`: Terraform loads every one of them, and the alphabetically last wins",
                other.path, job.path
            ),
        )
        .primary(job.emit.span, "writes one environment's `.auto.tfvars` next to another's");
        if !std::ptr::eq(other.emit, job.emit) {
            d = d.secondary(other.emit.span, "and this one writes the other");
        }
        diagnostics.push(
            d.note(format!(
                "`terraform apply` for `{}` would use values of another environment",
                env.name
            ))
            .help("use `-var-file`: `emit tfvars to \"infra/{env}.tfvars\"` and `terraform apply -var-file={env}.tfvars`, or one directory per environment: `\"infra/{env}/terraform.auto.tfvars\"`"),
        );
    }
}

/// An environment or service name usable as one path segment.
fn is_segment_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\'])
        && !name.chars().any(char::is_control)
}

/// A path that stays inside the output root on every platform.
fn validate_path(path: &str) -> Result<(), &'static str> {
    if path.is_empty() {
        return Err("is empty");
    }
    if path.starts_with('/') || path.starts_with('\\') {
        return Err("is absolute");
    }
    if path.len() >= 2 && path.as_bytes()[1] == b':' && path.as_bytes()[0].is_ascii_alphabetic() {
        return Err("starts with a drive letter");
    }
    if path.contains('\\') {
        return Err("contains a backslash (a path separator on Windows)");
    }
    if path.chars().any(char::is_control) {
        return Err("contains a control character");
    }
    for segment in path.split('/') {
        match segment {
            "" => return Err("has an empty segment"),
            "." | ".." => return Err("has a `.` or `..` segment"),
            _ => {}
        }
    }
    if path.contains('{') && (path.contains("{env}") || path.contains("{service}")) {
        return Err("still has a placeholder that this target cannot fill");
    }
    Ok(())
}

/// The parameter placeholders of an emit path (`{branch}`): every `{NAME}` but `{env}`
/// and `{service}` (the checker allowed only parameters' names).
fn param_placeholders(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        let name = &after[..close];
        if name != "env" && name != "service" && !out.contains(&name) {
            out.push(name);
        }
        rest = &after[close + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_root() {
        assert!(validate_path("a/b.env").is_ok());
        assert!(validate_path(".env.local").is_ok());
        for bad in [
            "", "/etc/x", "a/../b", "a//b", "a/", "./a", "C:x", "a\\b", "{env}/x",
        ] {
            assert!(validate_path(bad).is_err(), "{bad}");
        }
    }
}
