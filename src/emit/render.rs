//! Rendering jobs: the handlebars registries (built-ins once per process, user templates once
//! per call), the format helpers available to every template, and the built-in targets'
//! value blocks written in Rust from the typed model.

use std::fmt::Write;
use std::sync::OnceLock;

use handlebars::{
    Context, Handlebars, Helper, HelperResult, Output, RenderContext, RenderError,
    RenderErrorReason,
};
use serde::Serialize;

use super::data::{self, Header};
use super::text::{self, TextError};
use super::{dotenv, hcl, option_str, yaml, Builtin, EmitOptions, Job, Template};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{Emit, Env, Model, Resolved, Service, Value, VarDef, VarId};

/// The helpers every template can call, with what they do (for `docs/targets.md`).
pub const TEMPLATE_HELPERS: &[(&str, &str)] = &[
    (
        "dotenv",
        "a value quoted for .env files (fails on values with no portable encoding)",
    ),
    ("sh", "a value in POSIX single quotes"),
    ("yaml", "a JSON-style double-quoted YAML scalar"),
    (
        "hcl",
        "an HCL literal (strings escaped, numbers/bools/lists typed)",
    ),
    ("json", "any value as compact JSON"),
    ("compose_escape", "`$` doubled to `$$` for compose files"),
];

fn registry() -> Handlebars<'static> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(handlebars::no_escape);
    hb.register_helper("dotenv", Box::new(helper_dotenv));
    hb.register_helper("sh", Box::new(helper_sh));
    hb.register_helper("yaml", Box::new(helper_yaml));
    hb.register_helper("hcl", Box::new(helper_hcl));
    hb.register_helper("json", Box::new(helper_json));
    hb.register_helper("compose_escape", Box::new(helper_compose_escape));
    hb.register_helper("block", Box::new(helper_block));
    hb
}

const BUILTIN_SOURCES: [(Builtin, &str); 5] = [
    (Builtin::Dotenv, include_str!("../../templates/dotenv.hbs")),
    (Builtin::Tfvars, include_str!("../../templates/tfvars.hbs")),
    (
        Builtin::VariablesTf,
        include_str!("../../templates/variables_tf.hbs"),
    ),
    (
        Builtin::Compose,
        include_str!("../../templates/compose.hbs"),
    ),
    (
        Builtin::Kubernetes,
        include_str!("../../templates/kubernetes.hbs"),
    ),
];

/// The built-in templates, compiled on first use and shared by every thread.
fn builtins() -> &'static Handlebars<'static> {
    static REGISTRY: OnceLock<Handlebars<'static>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut hb = registry();
        for (target, source) in BUILTIN_SOURCES {
            // A broken built-in is caught by the unit test below; at run time it would
            // surface as a "template not found" diagnostic, never a panic.
            let _ = hb.register_template_string(target.name(), source);
        }
        hb
    })
}

/// The user's templates for this call, compiled once.
pub(crate) struct UserTemplates {
    registry: Handlebars<'static>,
    /// For each selected emit (by index), the registry name of its user template.
    per_emit: Vec<Option<usize>>,
}

impl UserTemplates {
    /// Finds each selected emit's template: the emit option `template = "path"` (relative to
    /// the source file), else `<target>.hbs` in `--templates DIR`; built-ins need none.
    pub(crate) fn load(
        model: &Model,
        emits: &[&Emit],
        options: &EmitOptions,
        errors: &mut Vec<Diagnostic>,
    ) -> UserTemplates {
        let mut registry = registry();
        let mut per_emit = Vec::with_capacity(emits.len());
        let mut loaded: Vec<std::path::PathBuf> = Vec::new();
        let source_dir = std::path::Path::new(&model.source_name)
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default();
        for emit in emits {
            let explicit = match emit.options.get("template") {
                Some(Value::Str(p)) => Some(source_dir.join(p)),
                _ => None,
            };
            let from_dir = options
                .templates_dir
                .as_ref()
                .map(|dir| dir.join(format!("{}.hbs", emit.target)))
                .filter(|p| p.is_file());
            let Some(path) = explicit.or(from_dir) else {
                if super::Builtin::from_name(&emit.target).is_none() {
                    let help = match &options.templates_dir {
                        Some(dir) => format!(
                            "add `{}` or use one of the built-in targets: {}",
                            dir.join(format!("{}.hbs", emit.target)).display(),
                            super::BUILTIN_TARGETS.join(", ")
                        ),
                        None => format!(
                            "built-in targets: {}; for a custom target pass `--templates DIR` with `{}.hbs` in it, or set `template = \"path\"`",
                            super::BUILTIN_TARGETS.join(", "),
                            emit.target
                        ),
                    };
                    errors.push(
                        Diagnostic::error(
                            Code::UnknownTarget,
                            format!("no template for the emit target `{}`", emit.target),
                        )
                        .primary(emit.span, "unknown target")
                        .help(help),
                    );
                }
                per_emit.push(None);
                continue;
            };
            if let Some(index) = loaded.iter().position(|p| *p == path) {
                per_emit.push(Some(index));
                continue;
            }
            let source = match read_template(&path) {
                Ok(s) => s,
                Err(e) => {
                    errors.push(
                        Diagnostic::error(
                            Code::UnknownTarget,
                            format!("cannot read the template `{}`: {e}", path.display()),
                        )
                        .primary(emit.span, "this emit uses it"),
                    );
                    per_emit.push(None);
                    continue;
                }
            };
            let index = loaded.len();
            if let Err(e) = registry.register_template_string(&index.to_string(), source) {
                errors.push(
                    Diagnostic::error(
                        Code::TemplateFailed,
                        format!(
                            "the template `{}` does not compile: {}",
                            path.display(),
                            e.reason()
                        ),
                    )
                    .primary(emit.span, "this emit uses it")
                    .help_opt(
                        e.pos().map(|(line, col)| {
                            format!("at line {line}, column {col} of the template")
                        }),
                    ),
                );
            }
            loaded.push(path);
            per_emit.push(Some(index));
        }
        UserTemplates { registry, per_emit }
    }

    pub(crate) fn for_emit(&self, emit_idx: usize) -> Option<usize> {
        self.per_emit.get(emit_idx).copied().flatten()
    }
}

type JobResult = Result<String, Vec<Diagnostic>>;

/// Renders every job, in parallel when there is more than a handful, in job order.
pub(crate) fn render_all(model: &Model, jobs: &[Job<'_>], user: &UserTemplates) -> Vec<JobResult> {
    let source = source_label(model);
    let prepared = Prepared::new(model);
    let prepared = &prepared;
    // Bytes rendered so far, across threads: past MAX_OUTPUT_BYTES the remaining jobs
    // are refused instead of rendered, so memory stays bounded.
    let used = std::sync::atomic::AtomicUsize::new(0);
    let used = &used;
    let render_job = |model: &Model,
                      prepared: &Prepared,
                      source: &str,
                      job: &Job<'_>,
                      user: &UserTemplates|
     -> JobResult {
        use std::sync::atomic::Ordering;
        if used.load(Ordering::Relaxed) > super::MAX_OUTPUT_BYTES {
            return Err(vec![Diagnostic::error(
                Code::TooMuchOutput,
                format!(
                    "the artifacts would hold more than {} MiB",
                    super::MAX_OUTPUT_BYTES >> 20
                ),
            )
            .primary(
                job.emit.span,
                "this emit's artifacts exceed the output budget",
            )
            .help(
                "emit fewer environment × service combinations, or smaller values",
            )]);
        }
        let result = render_job(model, prepared, source, job, user);
        if let Ok(contents) = &result {
            used.fetch_add(contents.len(), Ordering::Relaxed);
        }
        result
    };
    let render_job = &render_job;
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(jobs.len());
    if threads <= 1 || jobs.len() < 4 {
        return jobs
            .iter()
            .map(|job| render_job(model, prepared, &source, job, user))
            .collect();
    }
    // Jobs differ in size by 100× (a per-environment compose file against one service's
    // .env), so threads take the next job from a shared counter instead of fixed chunks;
    // results are put back in job order, so output never depends on scheduling.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let next = &next;
    let source = &source;
    let mut results: Vec<Option<JobResult>> = Vec::with_capacity(jobs.len());
    results.resize_with(jobs.len(), || None);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(move || {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(job) = jobs.get(i) else { break };
                        done.push((i, render_job(model, prepared, source, job, user)));
                    }
                    done
                })
            })
            .collect();
        for handle in handles {
            // A panicking thread leaves its jobs empty; they become errors below.
            for (i, result) in handle.join().unwrap_or_default() {
                results[i] = Some(result);
            }
        }
    });
    results
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| {
                Err(vec![Diagnostic::error(
                    Code::TemplateFailed,
                    "internal error: a render thread panicked",
                )])
            })
        })
        .collect()
}

/// The source file's name for headers: the file name only, so output does not depend on
/// where the command ran; controls removed so it cannot break a comment line.
fn source_label(model: &Model) -> String {
    let name = std::path::Path::new(&model.source_name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| model.source_name.clone());
    text::comment_text(&name)
}

fn render_job(
    model: &Model,
    prepared: &Prepared,
    source: &str,
    job: &Job<'_>,
    user: &UserTemplates,
) -> JobResult {
    let header = Header::new(model, source, job);
    let rendered = match job.template {
        Template::Custom(index) => {
            let data = data::custom(model, header, job);
            let name = index.to_string();
            user.registry.render(&name, &data)
        }
        Template::Builtin(target) => {
            let mut errors = Vec::new();
            let rendered = match target {
                Builtin::Dotenv => {
                    let body = dotenv_body(model, prepared, job, &mut errors);
                    render_builtin(target, &header, body)
                }
                Builtin::Tfvars => {
                    let body = tfvars_body(model, job, &mut errors);
                    render_builtin(target, &header, body)
                }
                Builtin::VariablesTf => {
                    render_builtin(target, &header, variables_tf_body(model, job))
                }
                Builtin::Compose => {
                    let body = compose_body(model, prepared, job, &mut errors);
                    render_builtin(target, &header, body)
                }
                Builtin::Kubernetes => {
                    match kubernetes_data(model, prepared, header, job, &mut errors) {
                        Some((data, block)) => render_builtin(target, &data, block),
                        None => Ok(String::new()),
                    }
                }
            };
            if !errors.is_empty() {
                return Err(errors);
            }
            rendered
        }
    };
    rendered.map_err(|e| vec![template_error(job, &e)])
}

fn template_error(job: &Job<'_>, e: &RenderError) -> Diagnostic {
    let mut at = String::new();
    if let Some(line) = e.line_no {
        let _ = write!(at, " (template line {line}");
        if let Some(col) = e.column_no {
            let _ = write!(at, ", column {col}");
        }
        at.push(')');
    }
    let env = job.env.map(|e| e.name.as_str()).unwrap_or("-");
    Diagnostic::error(
        Code::TemplateFailed,
        format!(
            "the `{}` template failed for environment `{env}`{}: {}{at}",
            job.emit.target,
            job.service.map(|s| format!(", service `{}`", s.name)).unwrap_or_default(),
            match e.reason() {
                RenderErrorReason::MissingVariable(Some(field)) =>
                    format!("the template reads `{field}`, which the data does not have"),
                other => other.to_string(),
            }
        ),
    )
    .primary(job.emit.span, "this emit")
    .help_opt(matches!(e.reason(), RenderErrorReason::MissingVariable(_)).then(|| {
        "in strict mode every field a template names must exist; see docs/targets.md for the data shape"
            .to_string()
    }))
}

thread_local! {
    /// The value block of the artifact this thread is rendering (most of its bytes),
    /// handed to the `block` helper directly instead of through the JSON template data.
    static BLOCK: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Renders a built-in template whose `{{block}}` is `block`, into a buffer sized for it.
fn render_builtin<T: Serialize>(
    target: Builtin,
    data: &T,
    block: String,
) -> Result<String, RenderError> {
    let mut out = Vec::with_capacity(block.len() + 1024);
    BLOCK.with(|b| *b.borrow_mut() = Some(block));
    let result = builtins().render_to_write(target.name(), data, &mut out);
    BLOCK.with(|b| b.borrow_mut().take());
    result?;
    String::from_utf8(out).map_err(|e| RenderErrorReason::Utf8Error(e).into())
}

/// `{{block}}`: writes the artifact's value block built in Rust (built-in templates only).
fn helper_block(
    _: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    match BLOCK.with(|b| b.borrow_mut().take()) {
        Some(block) => Ok(out.write(&block)?),
        None => Err(RenderErrorReason::Other(
            "`{{block}}` is only available once, in envdef's built-in templates".into(),
        )
        .into()),
    }
}

// ── value diagnostics ──────────────────────────────────────────────────────────────────

fn value_error(
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

fn text_error(
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
                text::duration_canonical(millis)
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
    doc_lines: Vec<Option<String>>,
    /// Each variable's key as a quoted YAML scalar (`"PORT"`), for compose and ConfigMaps.
    yaml_keys: Vec<String>,
}

impl Prepared {
    fn new(model: &Model) -> Prepared {
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
fn services_of<'m>(model: &'m Model, job: &Job<'m>) -> Vec<&'m Service> {
    match job.service {
        Some(s) => vec![s],
        None => model.services.values().collect(),
    }
}

// Keys and names were validated once per service by `names::check` before rendering, so
// the loops below only format values.

// ── dotenv ─────────────────────────────────────────────────────────────────────────────

fn dotenv_body(
    model: &Model,
    prepared: &Prepared,
    job: &Job<'_>,
    errors: &mut Vec<Diagnostic>,
) -> String {
    let Some(env) = job.env else {
        return String::new();
    };
    let mut out = String::new();
    for service in services_of(model, job) {
        out.reserve(service.vars.len() * 48);
        for &id in &service.vars {
            let Some(res) = env.value(id) else { continue };
            let var = model.var(id);
            if let Some(doc) = &prepared.doc_lines[id.index()] {
                out.push_str(doc);
            }
            if let Some(reference) = res.value.secret_reference(&service.name) {
                let _ = writeln!(
                    out,
                    "# {}: secret, not written here (reference: {})",
                    var.emit_name,
                    text::comment_text(&reference)
                );
                continue;
            }
            let text = match text::value_text(&res.value, &var.format) {
                Ok(Some(t)) => t,
                Ok(None) => continue,
                Err(e) => {
                    errors.push(text_error(e, var, env, res, job));
                    continue;
                }
            };
            match dotenv::quote(&text) {
                Ok(quoted) => {
                    out.push_str(&var.emit_name);
                    out.push('=');
                    out.push_str(&quoted);
                    out.push('\n');
                }
                Err(reason) => errors.push(
                    value_error(
                        Code::UnportableDotenvValue,
                        format!(
                            "`{}` in environment `{}` has no .env encoding that every reader reads back the same: the value {reason}",
                            var.qualified_name(),
                            env.name
                        ),
                        var,
                        res,
                        job,
                    )
                    .note("checked against python-dotenv, Node dotenv, dotenvy, docker compose env_file and `set -a; . ./file` (docs/targets.md)")
                    .help("change the value, or do not emit this variable to .env (a custom template can write it for one reader)"),
                ),
            }
        }
    }
    out
}

// ── tfvars / variables.tf ──────────────────────────────────────────────────────────────

/// The variables of a Terraform artifact: all of the model's, or one service's.
fn tf_vars<'m>(model: &'m Model, job: &Job<'m>) -> Vec<(VarId, &'m VarDef)> {
    match job.service {
        Some(svc) => svc.vars.iter().map(|id| (*id, model.var(*id))).collect(),
        None => model
            .vars
            .iter()
            .enumerate()
            .map(|(i, v)| (VarId(i as u32), v))
            .collect(),
    }
}

fn tfvars_body(model: &Model, job: &Job<'_>, errors: &mut Vec<Diagnostic>) -> String {
    let Some(env) = job.env else {
        return String::new();
    };
    // Two passes: which variables are written (and the widest name, for `terraform fmt`
    // alignment), then the lines straight into the output.
    let mut written: Vec<(&VarDef, &Value)> = Vec::new();
    let mut width = 0;
    for (id, var) in tf_vars(model, job) {
        if var.is_secret() {
            continue;
        }
        let Some(res) = env.value(id) else { continue };
        if let (Value::Duration(ms), Some(unit)) = (&res.value, var.format.duration_unit) {
            if let Err(e) = text::duration_in_unit(*ms, unit) {
                errors.push(text_error(e, var, env, res, job));
                continue;
            }
        }
        width = width.max(var.tfvars_name.len());
        written.push((var, &res.value));
    }
    let mut out = String::with_capacity(written.len() * (width + 32));
    for (var, value) in written {
        out.push_str(&var.tfvars_name);
        // Terraform identifiers are ASCII, so bytes are columns.
        for _ in var.tfvars_name.len()..width {
            out.push(' ');
        }
        out.push_str(" = ");
        hcl::value_into(value, &var.format, &mut out);
        out.push('\n');
    }
    out
}

fn variables_tf_body(model: &Model, job: &Job<'_>) -> String {
    let mut out = String::new();
    for (_, var) in tf_vars(model, job) {
        if !out.is_empty() {
            out.push('\n');
        }
        hcl::variable_block(var, &mut out);
    }
    out
}

// ── compose ────────────────────────────────────────────────────────────────────────────

fn compose_body(
    model: &Model,
    prepared: &Prepared,
    job: &Job<'_>,
    errors: &mut Vec<Diagnostic>,
) -> String {
    let Some(env) = job.env else {
        return String::new();
    };
    let mut out = String::new();
    for service in services_of(model, job) {
        out.reserve(service.vars.len() * 48);
        out.push_str("  ");
        yaml::quote_into(&service.name, &mut out);
        out.push_str(":\n    environment:");
        let mut any = false;
        for &id in &service.vars {
            let Some(res) = env.value(id) else { continue };
            let var = model.var(id);
            let value = if matches!(res.value, Value::Secret { .. }) {
                // Compose reads the secret from the host at run time and refuses to start
                // without it; the key is a portable name, so this needs no escaping.
                std::borrow::Cow::Owned(format!("${{{0}:?{0} must be set}}", var.emit_name))
            } else {
                match text::value_text(&res.value, &var.format) {
                    Ok(Some(t)) => match yaml::compose_escape(&t) {
                        std::borrow::Cow::Borrowed(_) => t,
                        std::borrow::Cow::Owned(escaped) => std::borrow::Cow::Owned(escaped),
                    },
                    Ok(None) => continue,
                    Err(e) => {
                        errors.push(text_error(e, var, env, res, job));
                        continue;
                    }
                }
            };
            if !any {
                out.push('\n');
                any = true;
            }
            out.push_str("      ");
            out.push_str(&prepared.yaml_keys[id.index()]);
            out.push_str(": ");
            yaml::quote_into(&value, &mut out);
            out.push('\n');
        }
        if !any {
            out.push_str(" {}\n");
        }
    }
    out
}

// ── kubernetes ─────────────────────────────────────────────────────────────────────────

#[derive(Serialize)]
struct KubeData<'a> {
    #[serde(flatten)]
    header: Header<'a>,
    config_name: String,
    secret_name: String,
    namespace: Option<String>,
    labels: String,
    secret_store: String,
    secret_store_kind: String,
    refresh_interval: String,
    secrets: Vec<KubeSecret>,
}

#[derive(Serialize)]
struct KubeSecret {
    key: String,
    remote_key: String,
    property: Option<String>,
}

fn kubernetes_data<'a>(
    model: &Model,
    prepared: &Prepared,
    header: Header<'a>,
    job: &Job<'_>,
    errors: &mut Vec<Diagnostic>,
) -> Option<(KubeData<'a>, String)> {
    let (Some(env), Some(service)) = (job.env, job.service) else {
        return None;
    };
    let namespace = option_str(job.emit, "namespace", Some(&env.name), Some(&service.name));
    if let Some(ns) = &namespace {
        if !yaml::is_dns1123_label(ns) {
            errors.push(super::names::dns_error("namespace", ns, job.emit));
        }
    }
    let mut labels = String::new();
    for (k, v) in [
        ("app.kubernetes.io/name", service.name.as_str()),
        ("app.kubernetes.io/part-of", model.project.as_str()),
        ("app.kubernetes.io/managed-by", "envdef"),
    ] {
        let _ = writeln!(labels, "    {k}: {}", yaml::quote(v));
    }

    let mut data = String::new();
    let mut secrets = Vec::new();
    data.reserve(service.vars.len() * 48);
    for &id in &service.vars {
        let Some(res) = env.value(id) else { continue };
        let var = model.var(id);
        if let Some(reference) = res.value.secret_reference(&service.name) {
            let (remote_key, property) = match reference.split_once('#') {
                Some((k, p)) if !p.is_empty() => (k.to_string(), Some(p.to_string())),
                Some((k, _)) => (k.to_string(), None),
                None => (reference.clone(), None),
            };
            secrets.push(KubeSecret {
                key: var.emit_name.clone(),
                remote_key,
                property,
            });
            continue;
        }
        match text::value_text(&res.value, &var.format) {
            Ok(Some(t)) => {
                data.push_str("  ");
                data.push_str(&prepared.yaml_keys[id.index()]);
                data.push_str(": ");
                yaml::quote_into(&t, &mut data);
                data.push('\n');
            }
            Ok(None) => {}
            Err(e) => errors.push(text_error(e, var, env, res, job)),
        }
    }
    // The template puts the line breaks after these blocks.
    let data = if data.is_empty() {
        "data: {}".to_string()
    } else {
        format!("data:\n{}", data.trim_end_matches('\n'))
    };
    let labels = labels.trim_end_matches('\n').to_string();
    let opt = |key: &str, default: &str| {
        option_str(job.emit, key, Some(&env.name), Some(&service.name))
            .unwrap_or_else(|| default.to_string())
    };
    Some((
        KubeData {
            header,
            config_name: format!("{}-config", service.name),
            secret_name: format!("{}-secrets", service.name),
            namespace,
            labels,
            secret_store: opt("secret_store", "envdef"),
            secret_store_kind: opt("secret_store_kind", "ClusterSecretStore"),
            refresh_interval: opt("refresh_interval", "1h"),
            secrets,
        },
        data,
    ))
}

// ── helpers ────────────────────────────────────────────────────────────────────────────

/// The first parameter as text: strings as they are, other JSON values in their JSON form.
fn param_text(h: &Helper<'_>, name: &'static str) -> Result<String, RenderError> {
    let value = h
        .param(0)
        .ok_or(RenderErrorReason::ParamNotFoundForIndex(name, 0))?
        .value();
    Ok(match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    })
}

fn helper_dotenv(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let text = param_text(h, "dotenv")?;
    match dotenv::quote(&text) {
        Ok(q) => Ok(out.write(&q)?),
        Err(reason) => Err(RenderErrorReason::Other(format!(
            "the value {text:?} has no portable .env encoding: it {reason}"
        ))
        .into()),
    }
}

fn helper_sh(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    Ok(out.write(&dotenv::sh_quote(&param_text(h, "sh")?))?)
}

fn helper_yaml(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    Ok(out.write(&yaml::quote(&param_text(h, "yaml")?))?)
}

fn helper_compose_escape(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    Ok(out.write(&yaml::compose_escape(&param_text(h, "compose_escape")?))?)
}

fn helper_json(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let value = h
        .param(0)
        .ok_or(RenderErrorReason::ParamNotFoundForIndex("json", 0))?
        .value();
    Ok(out.write(&value.to_string())?)
}

fn helper_hcl(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let value = h
        .param(0)
        .ok_or(RenderErrorReason::ParamNotFoundForIndex("hcl", 0))?
        .value();
    Ok(out.write(&json_to_hcl(value))?)
}

fn json_to_hcl(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "null".into(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => hcl::string(s),
        serde_json::Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(json_to_hcl).collect();
            format!("[{}]", parts.join(", "))
        }
        serde_json::Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{} = {}", hcl::string(k), json_to_hcl(v)))
                .collect();
            format!("{{ {} }}", parts.join(", "))
        }
    }
}

/// Reads a user template, at most [`crate::source::MAX_SOURCE_BYTES`] of it: a template
/// named `/dev/zero` (or any endless stream) would otherwise be read until memory ran out.
fn read_template(path: &std::path::Path) -> Result<String, String> {
    use std::io::Read as _;
    let limit = crate::source::MAX_SOURCE_BYTES;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "the template is more than {limit} bytes; envdef reads templates of at most {limit} bytes"
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not valid UTF-8 (first invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_templates_compile() {
        let mut hb = registry();
        for (target, source) in BUILTIN_SOURCES {
            hb.register_template_string(target.name(), source)
                .unwrap_or_else(|e| panic!("{}: {e}", target.name()));
        }
    }
}
