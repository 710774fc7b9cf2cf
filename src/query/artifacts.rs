//! Which artifacts a compile writes, where, and how the files on disk differ from them.
//!
//! Every artifact is always emitted, even for a narrow selection: the selection only
//! decides what is written or checked, while the full set is what tells an orphan (no
//! `emit` produces it) from an artifact of an environment that was merely not selected.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::diagnostics::{Code, Diagnostic};
use crate::emit::Artifact;
use crate::model::Model;
use crate::workflow::{Problem, ProblemKind};

/// The artifacts a user asked for. An empty list selects everything of its kind.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Concrete environment names.
    pub envs: Vec<String>,
    /// Service names (an artifact of no single service, such as a `.env` of shared
    /// variables, is always selected).
    pub services: Vec<String>,
    /// Target names (`dotenv`, `compose`, a custom template, …).
    pub targets: Vec<String>,
    /// A `--param` run: only artifacts of an environment (a `variables_tf` of every
    /// environment belongs to the ordinary compile, not to one preview's).
    pub env_only: bool,
}

impl Selection {
    /// Every name must be known to `model`: a concrete environment, a service, a target
    /// some `emit` line uses. The first unknown one is the error.
    pub fn validate(&self, model: &Model) -> Result<(), Diagnostic> {
        for env in &self.envs {
            super::names::env(model, env, true)?;
        }
        for service in &self.services {
            super::names::service(model, service)?;
        }
        for target in &self.targets {
            super::names::target(model, target)?;
        }
        Ok(())
    }

    /// Whether `artifact` is selected. Artifacts of no environment (such as
    /// `variables_tf`) are selected whatever the environments.
    pub fn contains(&self, artifact: &Artifact) -> bool {
        let any =
            |names: &[String], name: &str| names.is_empty() || names.iter().any(|n| n == name);
        (if artifact.env.is_empty() {
            !self.env_only
        } else {
            any(&self.envs, &artifact.env)
        }) && artifact
            .service
            .as_deref()
            .map_or(true, |s| any(&self.services, s))
            && any(&self.targets, &artifact.target)
    }
}

/// What a `--param` run compiles: the instances the given values created (all of them, or
/// those of the `--env` names: an instance, or a parameterised environment standing for its
/// instances), and the manifest key their artifacts are recorded under, so the ordinary
/// compile never sees them as orphans and a teardown prunes exactly them.
#[derive(Debug, Clone)]
pub struct InstanceRun {
    /// The instances to compile, by name.
    pub envs: Vec<String>,
    /// `SOURCE#INSTANCE[,INSTANCE…] --param NAME=VALUE…`: the values as given, so that
    /// two branches that sanitise to one instance name (`feature/x`, `Feature_X`) are told
    /// apart in one output directory.
    pub manifest_source: String,
}

impl InstanceRun {
    /// The `--param NAME=VALUE…` part of a manifest key written by an instance run of the
    /// source `base` (`SOURCE`), with its instance names; `None` for other keys.
    pub fn parse_key<'k>(key: &'k str, base: &str) -> Option<(&'k str, &'k str)> {
        let rest = key.strip_prefix(base)?.strip_prefix('#')?;
        rest.split_once(" --param ")
    }
}

/// `None` when no `--param` was given; `Err` when `--param` created no instance or an
/// `--env` name is not one of them.
pub fn instance_run(
    program: &crate::resolve::Program,
    model: &Model,
    given: &[(String, String)],
    envs: &[String],
) -> Option<Result<InstanceRun, Diagnostic>> {
    if given.is_empty() {
        return None;
    }
    let is_given = |p: &crate::resolve::ParamValue| {
        given
            .iter()
            .any(|(n, v)| *n == p.param.name.text && *v == p.value)
    };
    let instances: Vec<(&str, Option<&str>)> = program
        .envs
        .values()
        .filter(|e| !e.chain.is_empty() && e.params.iter().any(is_given))
        .map(|e| {
            (
                e.name.text.as_str(),
                e.parent_name.as_ref().map(|p| p.text.as_str()),
            )
        })
        .collect();
    if instances.is_empty() {
        let open: Vec<String> = program
            .envs
            .values()
            .filter(|e| !e.param_decls.is_empty())
            .map(|e| e.name.text.clone())
            .collect();
        return Some(Err(Diagnostic::error(
            Code::UnknownEnvironmentArg,
            "`--param` created no environment: every parameter of an environment must be given",
        )
        .note(format!("parameterised environments: {}", open.join(", ")))));
    }
    let mut selected = Vec::new();
    for name in envs {
        let matching: Vec<&str> = instances
            .iter()
            .filter(|(i, base)| i == name || *base == Some(name.as_str()))
            .map(|(i, _)| *i)
            .collect();
        if matching.is_empty() {
            let names: Vec<&str> = instances.iter().map(|(i, _)| *i).collect();
            return Some(Err(Diagnostic::error(
                Code::UnknownEnvironmentArg,
                format!("`--env {name}` is not an instance the `--param` values create"),
            )
            .note(format!("instances of this run: {}", names.join(", ")))));
        }
        selected.extend(matching.into_iter().map(str::to_string));
    }
    if selected.is_empty() {
        selected = instances.iter().map(|(i, _)| (*i).to_string()).collect();
    }
    let all: Vec<&str> = instances.iter().map(|(i, _)| *i).collect();
    let values: Vec<String> = given.iter().map(|(n, v)| format!("{n}={v}")).collect();
    Some(Ok(InstanceRun {
        envs: selected,
        manifest_source: format!(
            "{}#{} --param {}",
            manifest_source(model),
            all.join(","),
            values.join(" --param ")
        ),
    }))
}

/// Emitted artifacts split by a [`Selection`].
#[derive(Debug, Clone)]
pub struct Selected {
    /// To write or check, in emit order.
    pub chosen: Vec<Artifact>,
    /// Not selected, in emit order.
    pub skipped: Vec<Artifact>,
    /// Every produced path, selected or not: what is not among them is an orphan.
    pub produced: HashSet<PathBuf>,
}

/// Splits every emitted artifact by `selection`.
pub fn select(artifacts: Vec<Artifact>, selection: &Selection) -> Selected {
    let produced = artifacts.iter().map(|a| a.path.clone()).collect();
    let (chosen, skipped) = artifacts.into_iter().partition(|a| selection.contains(a));
    Selected {
        chosen,
        skipped,
        produced,
    }
}

/// Where `emit` paths are relative to: `out` if given, else the directory holding the
/// source file.
pub fn output_root(source: &Path, out: Option<&Path>) -> PathBuf {
    match out {
        Some(out) => out.to_path_buf(),
        None => match source.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        },
    }
}

/// The source's directory as seen from the output root `out` (for
/// [`crate::emit::EmitOptions::source_dir`]): `None` without `--out` or when they are the
/// same directory, else the relative path from one to the other, `/`-separated (absolute
/// when they share no ancestor). Both are resolved as the file system has them (symlinks
/// followed; an output root that does not exist yet through its nearest existing parent).
pub fn source_dir_from(source: &Path, out: Option<&Path>) -> Option<String> {
    let out = resolved(out?)?;
    let source_dir = resolved(&output_root(source, None))?;
    if out == source_dir {
        return None;
    }
    let (o, s): (Vec<_>, Vec<_>) = (
        out.components().collect(),
        source_dir.components().collect(),
    );
    let common = o.iter().zip(&s).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return Some(source_dir.to_string_lossy().replace('\\', "/"));
    }
    let mut parts: Vec<String> = vec!["..".to_string(); o.len() - common];
    parts.extend(
        s[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    Some(parts.join("/"))
}

/// `path` absolute with symlinks resolved, through its nearest existing ancestor.
fn resolved(path: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(path).ok()?;
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            return Some(rest.iter().rev().fold(real, |p: PathBuf, c| p.join(c)));
        }
        rest.push(existing.file_name()?.to_os_string());
        existing = existing.parent()?;
    }
}

/// The name this source's artifacts are recorded under in the output root's manifest (its
/// file name): orphan detection and pruning consider only those entries.
pub fn manifest_source(model: &Model) -> String {
    Path::new(&model.source_name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// One drift problem of `compile --check` as a diagnostic: its code (E05xx), message and
/// the fix. `artifact` is what the source produces at that path (none for an orphan): the
/// diagnostic's label points at the `emit` line that produced it, the line to edit.
pub fn drift_diagnostic(problem: &Problem, artifact: Option<&Artifact>) -> Diagnostic {
    let (code, message, help) = match problem.kind {
        ProblemKind::Missing => (
            Code::ArtifactMissing,
            "not on disk; the source produces it".to_string(),
            "run `envdef compile` to write it",
        ),
        ProblemKind::Stale if problem.note == Some(crate::workflow::FOREIGN_NOTE) => (
            Code::ArtifactStale,
            "a file envdef did not write is here (no generated header, not in the manifest); \
             its content is not shown"
                .to_string(),
            "move it away (its values belong in the .envdef source: `envdef import` drafts \
             them), or run `envdef compile --force` to replace it",
        ),
        ProblemKind::Stale => (
            Code::ArtifactStale,
            format!(
                "differs from what the source produces (first difference at line {}{}{})",
                problem.line.unwrap_or(1),
                if problem.note.is_some() { ": " } else { "" },
                problem.note.unwrap_or("")
            ),
            "edit the .envdef source instead, then run `envdef compile`",
        ),
        ProblemKind::Orphan => (
            Code::ArtifactOrphaned,
            match problem.note {
                Some(note) => {
                    format!("generated by envdef, but no `emit` line produces it any more; {note}")
                }
                None => "generated by envdef, but no `emit` line produces it any more".to_string(),
            },
            "run `envdef compile --prune` to delete it",
        ),
        ProblemKind::Interrupted => (
            Code::RunInterrupted,
            "an earlier `envdef compile` into this directory was interrupted; artifacts may be \
             a mix of old and new"
                .to_string(),
            "run `envdef compile`: it completes or rolls back the interrupted run",
        ),
    };
    let diagnostic = Diagnostic::error(code, message).help(help);
    match artifact {
        Some(a) if problem.kind != ProblemKind::Orphan => diagnostic.primary(
            a.span,
            format!(
                "this `emit {}` line produces `{}`",
                a.target,
                a.path.display()
            ),
        ),
        _ => diagnostic,
    }
}

/// The one-line verdict on a non-empty set of drift problems: how many of each kind and
/// the command that fixes them (`None` when there are none).
pub fn drift_summary(problems: &[Problem]) -> Option<String> {
    if problems.is_empty() {
        return None;
    }
    let count = |k: ProblemKind| problems.iter().filter(|p| p.kind == k).count();
    let kinds: Vec<String> = [
        (ProblemKind::Missing, "missing"),
        (ProblemKind::Stale, "stale"),
        (ProblemKind::Orphan, "orphaned"),
        (ProblemKind::Interrupted, "interrupted run"),
    ]
    .into_iter()
    .filter(|(kind, _)| count(*kind) > 0)
    .map(|(kind, word)| format!("{} {word}", count(kind)))
    .collect();
    let fix = if count(ProblemKind::Orphan) > 0 {
        "envdef compile --prune"
    } else {
        "envdef compile"
    };
    Some(format!(
        "{} artifact{} not current ({}); run `{fix}` and commit the result",
        problems.len(),
        if problems.len() == 1 { " is" } else { "s are" },
        kinds.join(", ")
    ))
}
