//! What every stage of emit shares: the options, the limits, a render [`Job`] (one
//! artifact to render) and the pieces the target modules use (per-call [`Prepared`] data,
//! value diagnostics). Below the targets and `render`; it imports none of them.

use std::path::PathBuf;

use super::text::{self, TextError};
use super::yaml;
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{Emit, Env, Model, Resolved, Service, Value, VarDef};

/// Appears in the header line of every built-in artifact; `compile --prune` recognises
/// envdef's own files by it.
pub const HEADER_MARKER: &str = crate::notation::GENERATED_MARKER;

/// The built-in targets, in the order the docs list them.
pub const BUILTIN_TARGETS: &[&str] = &[
    "dotenv",
    "tfvars",
    "variables_tf",
    "compose",
    "kubernetes",
    "jsonschema",
    "pydantic",
    "typescript",
    "ansible",
];

/// Most artifacts one compile writes (E0411). Real fleets write thousands; without a bound
/// a 10 KB source naming 1,000 services and 1,000 environments plans two million.
pub const MAX_ARTIFACTS: usize = 100_000;

/// Most bytes all artifacts of one compile may hold together (E0411): a 16 MB value
/// inherited by 1,000 environments would otherwise be rendered 1,000 times in memory. The
/// performance target (10,000 variables × 20 environments × 4 targets) writes about 40 MB.
pub const MAX_OUTPUT_BYTES: usize = 256 << 20;

/// What to emit. An empty vector means "all".
#[derive(Debug, Clone, Default)]
pub struct EmitOptions {
    /// Only these environments (concrete ones; empty = every concrete environment).
    pub envs: Vec<String>,
    /// Only these targets (empty = every `emit` line).
    pub targets: Vec<String>,
    /// `--templates DIR`: `<target>.hbs` here overrides a built-in or adds a target.
    pub templates_dir: Option<PathBuf>,
    /// The project root (canonical): templates that resolve outside it, or into `.git`,
    /// are refused (E0420). `None` reads templates anywhere (library use, tests).
    pub project_root: Option<PathBuf>,
    /// `None`: the committed artifacts (`compile`), every `emit` line without
    /// `working = true`. `Some(env)`: the working files of `env` alone (`envdef switch`),
    /// every `working = true` line; `envs` is then ignored.
    pub working: Option<String>,
    /// Validate and measure only (`check`): every diagnostic `compile` gives, including the
    /// output budget, but the artifacts of built-in targets come back with empty contents
    /// (their text is counted, not kept).
    pub measure_only: bool,
    /// The source file's directory as seen from the output root (`/`-separated, relative
    /// when it can be), when they differ (`compile --out DIR`); `None`: the output root is
    /// the source's directory. Artifacts that name a file by the source's relative path
    /// for a reader that resolves it from the artifact's own location (Ansible's sops
    /// lookups) need it.
    pub source_dir: Option<String>,
}

/// A built-in target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Builtin {
    Dotenv,
    Tfvars,
    VariablesTf,
    Compose,
    Kubernetes,
    Jsonschema,
    Pydantic,
    Typescript,
    Ansible,
}

impl Builtin {
    pub(super) fn from_name(name: &str) -> Option<Builtin> {
        Some(match name {
            "dotenv" => Builtin::Dotenv,
            "tfvars" => Builtin::Tfvars,
            "variables_tf" => Builtin::VariablesTf,
            "compose" => Builtin::Compose,
            "kubernetes" => Builtin::Kubernetes,
            "jsonschema" => Builtin::Jsonschema,
            "pydantic" => Builtin::Pydantic,
            "typescript" => Builtin::Typescript,
            "ansible" => Builtin::Ansible,
            _ => return None,
        })
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Builtin::Dotenv => "dotenv",
            Builtin::Tfvars => "tfvars",
            Builtin::VariablesTf => "variables_tf",
            Builtin::Compose => "compose",
            Builtin::Kubernetes => "kubernetes",
            Builtin::Jsonschema => "jsonschema",
            Builtin::Pydantic => "pydantic",
            Builtin::Typescript => "typescript",
            Builtin::Ansible => "ansible",
        }
    }

    /// Targets written once per service whatever the path says (a manifest per service).
    /// A `dotenv` path without `{service}` is one file per environment merging every
    /// covered service's variables (compose's one `.env` next to `docker-compose.yml`).
    pub(super) fn always_per_service(self) -> bool {
        matches!(self, Builtin::Kubernetes)
    }

    /// Targets that describe variables rather than one environment's values: written once
    /// (per service with `{service}`), and per environment only when the path has `{env}`.
    pub(super) fn env_independent(self) -> bool {
        matches!(
            self,
            Builtin::VariablesTf | Builtin::Jsonschema | Builtin::Pydantic | Builtin::Typescript
        )
    }
}

/// Which template renders a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Template {
    Builtin(Builtin),
    /// A user template, by its index in the per-call registry.
    Custom(usize),
}

/// One artifact to render.
pub(crate) struct Job<'m> {
    pub emit: &'m Emit,
    pub env: Option<&'m Env>,
    pub service: Option<&'m Service>,
    pub path: String,
    pub template: Template,
    /// [`EmitOptions::source_dir`].
    pub source_dir: Option<String>,
}

impl<'m> Job<'m> {
    /// The services this artifact covers: its own, or (an artifact for a whole
    /// environment) every service the emit's `when` covers there, in declaration order.
    pub(crate) fn services(&self, model: &'m Model) -> Vec<&'m Service> {
        match (self.service, self.env) {
            (Some(s), _) => vec![s],
            (None, Some(env)) => model
                .services
                .values()
                .filter(|s| self.emit.covers(&env.name, &s.name))
                .collect(),
            (None, None) => model.services.values().collect(),
        }
    }
}

/// `{env}` and `{service}` in an emit path or option string.
pub(crate) fn expand(template: &str, env: Option<&str>, service: Option<&str>) -> String {
    let mut out = template.to_string();
    if let Some(env) = env {
        out = out.replace("{env}", env);
    }
    if let Some(service) = service {
        out = out.replace("{service}", service);
    }
    out
}

/// An emit option as a string, `{env}`/`{service}` expanded.
pub(crate) fn option_str(
    emit: &Emit,
    key: &str,
    env: Option<&str>,
    service: Option<&str>,
) -> Option<String> {
    match emit.options.get(key) {
        Some(Value::Str(s)) => Some(expand(s, env, service)),
        _ => None,
    }
}

pub(super) fn value_error(
    code: Code,
    message: String,
    var: &VarDef,
    res: &Resolved,
    job: &Job<'_>,
) -> Diagnostic {
    let mut d = Diagnostic::error(code, message).primary(res.origin.span, "the value is set here");
    if res.origin.span != var.span {
        d = d.secondary(var.span, "declared here");
    }
    d.secondary(
        job.emit.span,
        format!("written by this `{}` emit", job.emit.target),
    )
}

pub(super) fn text_error(
    err: TextError,
    var: &VarDef,
    env: &Env,
    res: &Resolved,
    job: &Job<'_>,
) -> Diagnostic {
    let name = var.qualified_name();
    match err {
        TextError::Separator { element, separator } => value_error(
            Code::ListElementContainsSeparator,
            format!(
                "the list `{name}` in environment `{}` has the element {element:?}, which contains the separator {separator:?}",
                env.name
            ),
            var,
            res,
            job,
        )
        .help("set another `separator` on the variable, or `list_format = \"json\"`"),
        TextError::InexactUnit { millis, unit } => value_error(
            Code::InexactDurationUnit,
            format!(
                "the duration `{name}` in environment `{}` ({}) is not an exact number of `{unit}`",
                env.name,
                crate::model::format_duration(millis)
            ),
            var,
            res,
            job,
        )
        .help("choose a smaller `unit`, or a value that is a whole multiple of it"),
    }
}

/// Per-call data shared by every job: each variable's `# doc` comment line, built once
/// instead of once per artifact.
pub(crate) struct Prepared {
    pub(super) doc_lines: Vec<Option<String>>,
    /// Each variable's key as a quoted YAML scalar (`"PORT"`), for compose and ConfigMaps.
    pub(super) yaml_keys: Vec<String>,
}

impl Prepared {
    /// `service`'s key for variable `id`, quoted for YAML: precomputed, unless the service
    /// reads it under an alias (`uses NAME as KEY`).
    pub(super) fn yaml_key(
        &self,
        service: &Service,
        id: crate::model::VarId,
    ) -> std::borrow::Cow<'_, str> {
        match service.aliases.get(&id) {
            Some(alias) => std::borrow::Cow::Owned(yaml::quote(alias)),
            None => std::borrow::Cow::Borrowed(&self.yaml_keys[id.index()]),
        }
    }

    pub(super) fn new(model: &Model) -> Prepared {
        Prepared {
            doc_lines: model
                .vars
                .iter()
                .map(|v| {
                    v.doc
                        .as_ref()
                        .map(|d| format!("# {}\n", text::comment_text(d)))
                })
                .collect(),
            yaml_keys: model
                .vars
                .iter()
                .map(|v| yaml::quote(&v.emit_name))
                .collect(),
        }
    }
}

/// The services an artifact covers: its own, or every service for per-environment ones.
pub(super) fn services_of<'m>(model: &'m Model, job: &Job<'m>) -> Vec<&'m Service> {
    job.services(model)
}
