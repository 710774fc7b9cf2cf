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
    /// `key` (one of [`Service::keys`]) of variable `id`, quoted for YAML: precomputed
    /// when it is the variable's own name, quoted now for an alias (`uses NAME as KEY`).
    pub(super) fn yaml_key(
        &self,
        id: crate::model::VarId,
        var: &crate::model::VarDef,
        key: &str,
    ) -> std::borrow::Cow<'_, str> {
        if key == var.emit_name {
            std::borrow::Cow::Borrowed(&self.yaml_keys[id.index()])
        } else {
            std::borrow::Cow::Owned(yaml::quote(key))
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

/// Where a built-in target writes its value block: the text (`compile`), or only its length
/// (`check`, [`EmitOptions::measure_only`]), so a check neither copies a large artifact's
/// lines into one string nor holds it in memory. Every verdict is the same either way: the
/// target runs the same code and builds each line as it would; only this sink differs.
pub(super) struct Block {
    text: String,
    /// The bytes counted (measuring only).
    counted: usize,
    /// The line breaks that end what was counted (measuring only), for [`Block::framed`].
    trailing_newlines: usize,
    measure: bool,
}

impl Block {
    pub fn new(measure: bool) -> Block {
        Block {
            text: String::new(),
            counted: 0,
            trailing_newlines: 0,
            measure,
        }
    }

    /// A block built as one string (the targets whose text is small): kept, or counted.
    pub fn of(text: String, measure: bool) -> Block {
        let mut block = Block::new(measure);
        if measure {
            block.push_str(&text);
        } else {
            block.text = text;
        }
        block
    }

    /// Room for `additional` more bytes (nothing to make when only counting).
    pub fn reserve(&mut self, additional: usize) {
        if !self.measure {
            self.text.reserve(additional);
        }
    }

    pub fn push_str(&mut self, s: &str) {
        if !self.measure {
            self.text.push_str(s);
            return;
        }
        self.counted += s.len();
        let newlines = s.len() - s.trim_end_matches('\n').len();
        self.trailing_newlines = if newlines == s.len() {
            self.trailing_newlines + newlines
        } else {
            newlines
        };
    }

    /// Whether only the length is kept.
    pub fn measuring(&self) -> bool {
        self.measure
    }

    /// Whether nothing was written yet.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty() && self.counted == 0
    }

    /// The block as a template shows it: `if_empty` when nothing was written, else `before`
    /// and the block without its final line breaks.
    pub fn framed(self, if_empty: &str, before: &str) -> Block {
        if self.is_empty() {
            return Block::of(if_empty.to_string(), self.measure);
        }
        if self.measure {
            return Block {
                counted: before.len() + self.counted - self.trailing_newlines,
                trailing_newlines: 0,
                ..self
            };
        }
        Block::of(
            format!("{before}{}", self.text.trim_end_matches('\n')),
            false,
        )
    }

    /// The text (empty when measuring) and its length in bytes.
    pub fn into_parts(self) -> (String, usize) {
        let len = self.text.len() + self.counted;
        (self.text, len)
    }
}
