//! envdef: a compiler for a typed environment-definition language.
//!
//! One source declares every variable the applications read (type, rules, docs), one value
//! sheet per environment with inheritance, secrets as references, feature flags and rules;
//! envdef checks it and writes every artifact (.env, tfvars, compose, Kubernetes).
//!
//! The pipeline, one module per stage:
//!
//! ```text
//! text ─syntax→ ast::File ─resolve→ resolve::Program ─check→ model::Model ─emit→ Vec<Artifact>
//! ```
//!
//! Each stage pushes into one [`Diagnostics`] sink and carries on; a later stage runs only
//! when it can make sense of what the earlier ones produced. The library does no output and
//! reads files only through a [`source::Loader`]; the CLI renders diagnostics and writes
//! artifacts.

// Every public item says what it is for and why (issue 11); CI denies warnings.
#![warn(missing_docs)]

pub mod ast;
pub mod check;
mod cli;
pub mod credential;
pub mod diagnostics;
pub mod emit;
pub mod fmt;
pub mod hash;
pub mod import;
pub mod live;
pub mod model;
pub mod notation;
pub mod project;
pub mod query;
pub mod re2;
pub mod regex_dialect;
pub mod resolve;
pub mod secret_ref;
pub mod secrets;
pub mod source;
pub mod syntax;
pub mod workflow;

use std::path::{Path, PathBuf};

/// Runs the `envdef` command line with `args` (the program name first) and returns the
/// exit code. The binary's entry point; the CLI itself is not part of the library's API.
#[doc(hidden)]
pub fn run(args: impl IntoIterator<Item = std::ffi::OsString>) -> std::process::ExitCode {
    cli::run(args)
}

pub use diagnostics::{Code, Diagnostic, Diagnostics, Phase, Severity};
pub use model::Model;
pub use source::{FsLoader, Loader, SourceMap, Span};

/// Options that change what counts as an error.
#[derive(Debug, Clone, Copy, Default)]
pub struct CheckOptions {
    /// `--deny warnings`.
    pub deny_warnings: bool,
}

/// Everything one run of the front end produced.
#[derive(Debug)]
pub struct Compilation {
    /// Every file read: the root and its imports (for rendering diagnostics).
    pub sources: SourceMap,
    /// Every declaration by name, as far as resolution got (also when there are errors:
    /// what [`query::symbols`] and [`query::complete`] read).
    pub program: resolve::Program,
    /// Present only when there are no errors.
    pub model: Option<Model>,
    /// In source order.
    pub diagnostics: Diagnostics,
}

/// The root file could not be read: the tool cannot run (exit 2), as opposed to the
/// source being wrong (exit 1).
#[derive(Debug)]
pub struct RootLoadError {
    /// The root file as given.
    pub path: PathBuf,
    /// Why it could not be read.
    pub error: source::LoadError,
}

impl std::fmt::Display for RootLoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot read `{}`: {}", self.path.display(), self.error)
    }
}

/// Parse, resolve and check `root` and everything it imports.
pub fn check_file(
    loader: &dyn Loader,
    root: &Path,
    options: CheckOptions,
) -> Result<Compilation, RootLoadError> {
    check_file_with_params(loader, root, options, &[])
}

/// [`check_file`] with values for parameterised environments (`--param NAME=VALUE`):
/// every `env NAME(PARAM, …)` whose open parameters are all given gets an instance, an
/// ordinary environment from `resolve` on (see `docs/language.md`).
pub fn check_file_with_params(
    loader: &dyn Loader,
    root: &Path,
    options: CheckOptions,
    params: &[(String, String)],
) -> Result<Compilation, RootLoadError> {
    check_file_cached(loader, root, options, params, None)
}

/// [`check_file_with_params`], reusing the parsed files of `cache` whose text is unchanged
/// (the language server keeps one across edits).
pub fn check_file_cached(
    loader: &dyn Loader,
    root: &Path,
    options: CheckOptions,
    params: &[(String, String)],
    cache: Option<&mut resolve::ParseCache>,
) -> Result<Compilation, RootLoadError> {
    let mut sources = SourceMap::new();
    let mut diagnostics = Diagnostics::new();
    let program =
        resolve::load_program_cached(loader, root, params, &mut sources, &mut diagnostics, cache)
            .map_err(|error| RootLoadError {
            path: root.to_path_buf(),
            error,
        })?;
    // Every declaration that parsed is checked, even when others did not: an editor shows
    // the range error at line 53 while line 33 is half-typed. The errors that only follow
    // from a broken declaration (uses of its name, a literal already reported malformed)
    // are dropped, and knock-on errors become notes on their cause (`diagnostics::knock_on`).
    let model = check::check(&program, &sources, &mut diagnostics);
    let declarations: Vec<(Span, Span)> = program
        .envs
        .values()
        .map(|e| (e.name.span, e.span))
        .chain(program.services.values().map(|s| (s.name.span, s.span)))
        .collect();
    diagnostics::knock_on::resolve(&mut diagnostics, &program.broken, &declarations, &sources);
    diagnostics::fixes::derive(&mut diagnostics, &sources);
    if options.deny_warnings {
        diagnostics.deny_warnings();
    }
    diagnostics.sort();
    let model = if diagnostics.has_errors() {
        None
    } else {
        model
    };
    Ok(Compilation {
        sources,
        program,
        model,
        diagnostics,
    })
}

/// Runs every validation `compile` would run on the artifacts (paths, collisions, keys,
/// names, each value's encoding in each target, templates), without writing anything, and
/// adds what it finds to `compilation`. `envdef check` calls this so that a source it
/// passes is one `compile` accepts (I/O on the output directory aside): editors and
/// pre-commit hooks run `check`, not `compile`. The model is kept: these errors are about
/// artifacts, and the language server still answers hover from the model.
///
/// `templates_dir` is `--templates DIR`: a custom target is only known with its templates.
pub fn check_emits(
    compilation: &mut Compilation,
    templates_dir: Option<&Path>,
    project_root: Option<&Path>,
    options: CheckOptions,
) {
    let Some(model) = &compilation.model else {
        return;
    };
    let emitted = emit_checks(model, templates_dir, project_root, options);
    compilation.diagnostics.extend(emitted);
    compilation.diagnostics.sort();
}

/// The diagnostics of [`check_emits`] for `model` alone (the language server runs them
/// when the editor is idle, after it has published the front end's).
pub fn emit_checks(
    model: &Model,
    templates_dir: Option<&Path>,
    project_root: Option<&Path>,
    options: CheckOptions,
) -> Diagnostics {
    let emit_options = emit::EmitOptions {
        templates_dir: templates_dir.map(Path::to_path_buf),
        project_root: project_root.map(Path::to_path_buf),
        measure_only: true,
        ..emit::EmitOptions::default()
    };
    let mut emitted = Diagnostics::new();
    // The artifacts themselves are dropped: rendering is the only exact way to find every
    // value a target cannot carry (the quoting rules live in the renderers).
    drop(emit::emit(model, &emit_options, &mut emitted));
    // Working files (`working = true`) are written one environment at a time by `envdef
    // switch`: each environment it can switch to is checked as that switch would be.
    let mut seen = std::collections::HashSet::new();
    for env in emit::working_envs(model) {
        let options = emit::EmitOptions {
            working: Some(env.name.clone()),
            ..emit_options.clone()
        };
        let mut working = Diagnostics::new();
        drop(emit::emit(model, &options, &mut working));
        // A problem of a line shared by every environment is reported once.
        for d in working.into_vec() {
            if seen.insert((d.code, d.message.clone(), d.primary_span())) {
                emitted.push(d);
            }
        }
    }
    if options.deny_warnings {
        emitted.deny_warnings();
    }
    emitted
}
