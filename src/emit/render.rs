//! Rendering jobs: the handlebars registries (built-ins once per process, user templates once
//! per call) and the parallel render loop. The value blocks themselves are written by the
//! target modules (`dotenv`, `tfvars`, `compose`, `kubernetes`) with what they share from
//! [`super::job`].

use std::fmt::Write;
use std::sync::OnceLock;

use handlebars::{
    Context, Handlebars, Helper, HelperResult, Output, RenderContext, RenderError,
    RenderErrorReason,
};
use serde::Serialize;

use super::data::{self, Header};
use super::guard;
use super::job::{
    Block, Builtin, EmitOptions, Job, Prepared, Template, BUILTIN_TARGETS, MAX_OUTPUT_BYTES,
};
use super::text;
use super::{
    ansible, compose, dotenv, helpers, jsonschema, kubernetes, pydantic, tfvars, typescript,
};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{Emit, Model, Value};

fn registry() -> Handlebars<'static> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(handlebars::no_escape);
    // Every helper a template can call on large values checks the render's deadline first
    // (`guard`); outside a user template's render there is none, and the check is a no-op.
    let timed = |f: guard::HelperFn| Box::new(guard::Timed(f));
    hb.register_helper("dotenv", timed(helpers::helper_dotenv));
    hb.register_helper("sh", timed(helpers::helper_sh));
    hb.register_helper("yaml", timed(helpers::helper_yaml));
    hb.register_helper("hcl", timed(helpers::helper_hcl));
    hb.register_helper("json", timed(helpers::helper_json));
    hb.register_helper("compose_escape", timed(helpers::helper_compose_escape));
    hb.register_helper(
        "eq",
        Box::new(guard::GuardedEq {
            name: "eq",
            negate: false,
        }),
    );
    hb.register_helper(
        "ne",
        Box::new(guard::GuardedEq {
            name: "ne",
            negate: true,
        }),
    );
    hb.register_helper("lookup", Box::new(guard::GuardedLookup));
    hb.register_helper("log", timed(guard::quiet_log));
    hb.register_helper("block", Box::new(helper_block));
    // Counts iterations against the render budget of user templates (`guard`).
    hb.register_helper("each", Box::new(guard::GuardedEach));
    hb
}

const BUILTIN_SOURCES: [(Builtin, &str); 9] = [
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
    (
        Builtin::Jsonschema,
        include_str!("../../templates/jsonschema.hbs"),
    ),
    (
        Builtin::Pydantic,
        include_str!("../../templates/pydantic.hbs"),
    ),
    (
        Builtin::Typescript,
        include_str!("../../templates/typescript.hbs"),
    ),
    (
        Builtin::Ansible,
        include_str!("../../templates/ansible.hbs"),
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
        // The first emit that uses each loaded template, for the limits' diagnostics.
        let mut users: Vec<&Emit> = Vec::new();
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
                if Builtin::from_name(&emit.target).is_none() {
                    // A near miss of a built-in is a typo far more often than a custom
                    // target whose template is missing.
                    let typo = crate::diagnostics::suggest::did_you_mean(
                        &emit.target,
                        BUILTIN_TARGETS.iter().copied(),
                    );
                    let help = match (typo, &options.templates_dir) {
                        (Some(typo), _) => format!(
                            "{typo} (a custom target `{}` needs a template: `--templates DIR` with `{}.hbs` in it, or `template = \"path\"`)",
                            emit.target,
                            emit.target
                        ),
                        (None, Some(dir)) => format!(
                            "add `{}` or use one of the built-in targets: {}",
                            dir.join(format!("{}.hbs", emit.target)).display(),
                            BUILTIN_TARGETS.join(", ")
                        ),
                        (None, None) => format!(
                            "built-in targets: {}; for a custom target pass `--templates DIR` with `{}.hbs` in it, or set `template = \"path\"`",
                            BUILTIN_TARGETS.join(", "),
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
            // The template's canonical path when it was checked against the project: it is
            // then read from the project root without following a symlink.
            let mut confined = None;
            if let Some(project) = &options.project_root {
                let checked = outside_project(project, &path);
                if let Ok(canonical) = &checked {
                    confined = canonical.clone().map(|c| (project.clone(), c));
                }
                if let Err(why) = checked {
                    errors.push(
                        Diagnostic::error(
                            Code::TemplateOutsideProject,
                            format!("refusing to read the template `{}`: {why}", path.display()),
                        )
                        .primary(emit.span, "this emit uses it")
                        .help(
                            "keep templates as `*.hbs` files in the project, or widen the \
                             project with `--root DIR`",
                        ),
                    );
                    per_emit.push(None);
                    continue;
                }
            }
            if let Some(index) = loaded.iter().position(|p| *p == path) {
                per_emit.push(Some(index));
                continue;
            }
            let read = match &confined {
                Some((root, canonical)) => read_confined_template(root, canonical),
                None => read_template(&path),
            };
            let source = match read {
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
            users.push(emit);
            per_emit.push(Some(index));
        }
        // Checked once every template is registered: one may include another's name.
        for (index, emit) in users.iter().enumerate() {
            if !registry.has_template(&index.to_string()) {
                continue;
            }
            if let Err(refusal) = guard::analyse(&registry, &index.to_string()) {
                errors.push(refused_template(&loaded, index, emit, &refusal));
            }
        }
        UserTemplates { registry, per_emit }
    }

    /// For planning paths without rendering: every custom target counts as found (its
    /// template is neither read nor registered).
    pub(crate) fn paths_only(emits: &[&Emit]) -> UserTemplates {
        UserTemplates {
            registry: Handlebars::new(),
            per_emit: emits
                .iter()
                .map(|e| Builtin::from_name(&e.target).is_none().then_some(0))
                .collect(),
        }
    }

    pub(crate) fn for_emit(&self, emit_idx: usize) -> Option<usize> {
        self.per_emit.get(emit_idx).copied().flatten()
    }
}

/// An artifact's text and its length in bytes. With `measure` (`EmitOptions::measure_only`)
/// built-in targets leave the text empty and only count it.
type JobResult = Result<(String, usize), Vec<Diagnostic>>;

/// Renders every job, in parallel when there is more than a handful, in job order.
pub(crate) fn render_all(
    model: &Model,
    jobs: &[Job<'_>],
    user: &UserTemplates,
    measure: bool,
) -> Vec<JobResult> {
    let source = source_label(model);
    let prepared = Prepared::new(model);
    let prepared = &prepared;
    // Bytes rendered so far, across threads: past MAX_OUTPUT_BYTES the remaining jobs
    // are refused instead of rendered, so memory stays bounded.
    let used = std::sync::atomic::AtomicUsize::new(0);
    let used = &used;
    // What the custom templates have used, all artifacts together (`guard`).
    let compile_budget = std::sync::Arc::new(guard::CompileBudget::default());
    let compile_budget = &compile_budget;
    let render_job = |model: &Model,
                      prepared: &Prepared,
                      source: &str,
                      job: &Job<'_>,
                      user: &UserTemplates|
     -> JobResult {
        use std::sync::atomic::Ordering;
        if used.load(Ordering::Relaxed) > MAX_OUTPUT_BYTES {
            return Err(vec![Diagnostic::error(
                Code::TooMuchOutput,
                format!(
                    "the artifacts would hold more than {} MiB",
                    MAX_OUTPUT_BYTES >> 20
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
        let left = super::MAX_OUTPUT_BYTES.saturating_sub(used.load(Ordering::Relaxed));
        let limits = Limits {
            output_left: left,
            compile: compile_budget,
        };
        let result = render_job(model, prepared, source, job, user, limits, measure);
        if let Ok((_, len)) = &result {
            used.fetch_add(*len, Ordering::Relaxed);
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

/// What one render may still use: the compile's output left, and its custom-template
/// budget.
struct Limits<'a> {
    output_left: usize,
    compile: &'a std::sync::Arc<guard::CompileBudget>,
}

fn render_job(
    model: &Model,
    prepared: &Prepared,
    source: &str,
    job: &Job<'_>,
    user: &UserTemplates,
    limits: Limits<'_>,
    measure: bool,
) -> JobResult {
    let header = Header::new(model, source, job);
    let rendered = match job.template {
        Template::Custom(index) => {
            let data = data::custom(model, header, job);
            let name = index.to_string();
            let budget = guard::Budget::start(limits.compile);
            let mut out = guard::CappedOutput::new(limits.output_left);
            let rendered = user.registry.render_to_write(&name, &data, &mut out);
            if let Some(exceeded) = budget.finish() {
                return Err(vec![limit_error(job, exceeded)]);
            }
            rendered.and_then(|()| {
                let len = out.buf.len();
                String::from_utf8(out.buf)
                    .map(|text| (text, len))
                    .map_err(|e| RenderErrorReason::Utf8Error(e).into())
            })
        }
        Template::Builtin(target) => {
            let mut errors = Vec::new();
            let mut body = Block::new(measure);
            let rendered = match target {
                Builtin::Dotenv => {
                    dotenv::body(model, prepared, job, &mut body, &mut errors);
                    render_builtin(target, &header, body)
                }
                Builtin::Tfvars => {
                    tfvars::tfvars_body(model, job, &mut body, &mut errors);
                    render_builtin(target, &header, body)
                }
                Builtin::VariablesTf => {
                    tfvars::variables_tf_body(model, job, &mut body, &mut errors);
                    render_builtin(target, &header, body)
                }
                Builtin::Compose => {
                    compose::body(model, prepared, job, &mut body, &mut errors);
                    render_builtin(target, &header, body)
                }
                Builtin::Kubernetes => {
                    match kubernetes::data(model, prepared, header, job, measure, &mut errors) {
                        Some((data, block)) => render_builtin(target, &data, block),
                        None => Ok((String::new(), 0)),
                    }
                }
                Builtin::Typescript => {
                    let body = Block::of(typescript::body(model, job), measure);
                    render_builtin(target, &header, body)
                }
                Builtin::Ansible => {
                    let body = Block::of(ansible::body(model, job, &mut errors), measure);
                    render_builtin(target, &header, body)
                }
                Builtin::Pydantic => {
                    let body = Block::of(pydantic::body(model, job, &mut errors), measure);
                    render_builtin(target, &header, body)
                }
                Builtin::Jsonschema => {
                    let document = Block::of(jsonschema::document(model, &header, job), measure);
                    render_builtin(target, &header, document)
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

/// A user template refused before rendering (`guard::analyse`).
fn refused_template(
    loaded: &[std::path::PathBuf],
    index: usize,
    emit: &Emit,
    refusal: &guard::Refusal,
) -> Diagnostic {
    // User templates are registered by index; a partial named `1` is another emit's file.
    // The file name: the emit line the label points at says which template it is, and a
    // `--templates DIR` path would make the message depend on where the command ran.
    let file = |path: &std::path::Path| {
        let name = path.file_name().unwrap_or(path.as_os_str());
        text::comment_text(&name.to_string_lossy())
    };
    let label = |name: &str| match name.parse::<usize>().ok().and_then(|i| loaded.get(i)) {
        Some(path) => format!("`{}`", file(path)),
        None => format!("`{}`", text::comment_text(name)),
    };
    let path = file(&loaded[index]);
    let (what, help) = match refusal {
        guard::Refusal::Recursive(chain) => (
            format!(
                "includes itself: {}",
                chain
                    .iter()
                    .map(|n| label(n))
                    .collect::<Vec<_>>()
                    .join(" → ")
            ),
            "a partial may not include itself, directly or through other partials; write the repeated part with `{{#each}}`".to_string(),
        ),
        guard::Refusal::DynamicPartial => (
            "names a partial with a subexpression".to_string(),
            "write the partial's name literally (`{{> name}}`), so envdef can check that partials do not recurse".to_string(),
        ),
        guard::Refusal::TooDeep => (
            format!(
                "nests blocks and partials more than {} levels deep",
                guard::MAX_TEMPLATE_DEPTH
            ),
            "flatten the template: move inner blocks into `{{#each}}` over the data, or fewer nested partials".to_string(),
        ),
        guard::Refusal::TooManyExpansions => (
            format!(
                "would include partials more than {} times in one artifact",
                guard::MAX_PARTIAL_EXPANSIONS
            ),
            "partials that include other partials many times multiply; include each partial once and loop with `{{#each}}`".to_string(),
        ),
    };
    Diagnostic::error(Code::TemplateLimit, format!("the template `{path}` {what}"))
        .primary(emit.span, "this emit uses it")
        .help(help)
        .note("see docs/limits.md for the limits on custom templates")
}

/// A user template stopped by a limit while rendering.
fn limit_error(job: &Job<'_>, exceeded: guard::Exceeded) -> Diagnostic {
    let env = job.env.map(|e| e.name.as_str()).unwrap_or("-");
    let service = job
        .service
        .map(|s| format!(", service `{}`", s.name))
        .unwrap_or_default();
    let (code, what, help) = match exceeded {
        guard::Exceeded::Loops => (
            Code::TemplateLimit,
            format!(
                "looped more than {} times (`{{{{#each}}}}` iterations)",
                guard::MAX_LOOP_ITERATIONS
            ),
            "nested `{{#each}}` multiply: loop over what the artifact needs, not over every variable inside every variable",
        ),
        guard::Exceeded::Time => (
            Code::TemplateLimit,
            format!(
                "took more than {} s to render",
                guard::MAX_RENDER_TIME.as_secs()
            ),
            "nested `{{#each}}` and partials multiply; make the template do less work per artifact",
        ),
        guard::Exceeded::CompileLoops => (
            Code::TemplateLimit,
            format!(
                "looped past the compile's budget of {} `{{{{#each}}}}` iterations (all artifacts together)",
                guard::MAX_COMPILE_LOOP_ITERATIONS
            ),
            "every environment × service renders the template again: loop over less, or emit this target for fewer environments",
        ),
        guard::Exceeded::CompileTime => (
            Code::TemplateLimit,
            format!(
                "ran past the compile's budget of {} s for custom templates (all artifacts together)",
                guard::MAX_COMPILE_RENDER_TIME.as_secs()
            ),
            "every environment × service renders the template again: make it do less work, or emit this target for fewer environments",
        ),
        guard::Exceeded::Output => (
            Code::TooMuchOutput,
            format!(
                "would write more than {} MiB (all artifacts of this compile together)",
                super::MAX_OUTPUT_BYTES >> 20
            ),
            "nested `{{#each}}` multiply the output; emit less per artifact",
        ),
    };
    Diagnostic::error(
        code,
        format!(
            "the `{}` template for environment `{env}`{service} {what}; nothing is written",
            job.emit.target
        ),
    )
    .primary(job.emit.span, "this emit")
    .help(help)
    .note("see docs/limits.md for the limits on custom templates")
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

/// Renders a built-in template whose `{{block}}` is `block`, into a buffer sized for it;
/// with `measure`, into a byte count: `check` needs the verdicts and each artifact's exact
/// size (E0411), not the text, and copying every block into its artifact was 12% of a
/// `check` of the 10,000-variable fleet (docs/performance.md).
fn render_builtin<T: Serialize>(
    target: Builtin,
    data: &T,
    block: Block,
) -> Result<(String, usize), RenderError> {
    let measure = block.measuring();
    let (block, block_len) = block.into_parts();
    if measure {
        // The block was only counted: the template writes an empty one, and its length is
        // added to what the template around it writes.
        let mut count = ByteCount(0);
        BLOCK.with(|b| *b.borrow_mut() = Some(String::new()));
        let result = builtins().render_to_write(target.name(), data, &mut count);
        BLOCK.with(|b| b.borrow_mut().take());
        result?;
        return Ok((String::new(), count.0 + block_len));
    }
    let mut out = Vec::with_capacity(block.len() + 1024);
    BLOCK.with(|b| *b.borrow_mut() = Some(block));
    let result = builtins().render_to_write(target.name(), data, &mut out);
    BLOCK.with(|b| b.borrow_mut().take());
    result?;
    let len = out.len();
    String::from_utf8(out)
        .map(|text| (text, len))
        .map_err(|e| RenderErrorReason::Utf8Error(e).into())
}

/// Counts the bytes a built-in template writes (its text is valid UTF-8 by construction:
/// the template and every value in it are `str`).
struct ByteCount(usize);

impl std::io::Write for ByteCount {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 += bytes.len();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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

/// Why a template may not be read, if it may not: it resolves (symlinks followed) outside
/// the project or into `.git`, or it is not a `*.hbs` file (a template's text ends up in the
/// artifact and in `--check` diffs, so `template = ".env.local"` would publish a local,
/// uncommitted credentials file).
/// Why the template at `path` may not be read (`Err`), or its canonical path inside the
/// project (`Ok(None)`: missing or unreadable, which the read reports).
fn outside_project(
    project: &std::path::Path,
    path: &std::path::Path,
) -> Result<Option<std::path::PathBuf>, String> {
    let project = crate::project::Project::at(project.to_path_buf());
    match project.check_read(path) {
        Err(crate::source::LoadError::OutsideProject { root }) => Err(format!(
            "it is outside the project root `{}` (or inside `.git`)",
            root.display()
        )),
        Ok(canonical) if canonical.extension().map_or(true, |e| e != "hbs") => {
            Err("it is not a template (`*.hbs`)".to_string())
        }
        Ok(canonical) => Ok(Some(canonical)),
        Err(_) => Ok(None),
    }
}

/// Reads a template checked to lie inside the project (`canonical` below `root`) through
/// directory handles from the root, without following a symlink
/// ([`crate::source::read_confined`]): a file swapped for a link after the check is
/// refused, never read.
fn read_confined_template(
    root: &std::path::Path,
    canonical: &std::path::Path,
) -> Result<String, String> {
    let limit = crate::source::MAX_SOURCE_BYTES;
    let bytes = crate::source::read_confined(root, canonical, limit).map_err(|e| match e {
        crate::source::LoadError::TooLarge { .. } => format!(
            "the template is more than {limit} bytes; envdef reads templates of at most {limit} bytes"
        ),
        crate::source::LoadError::NotRegularFile => "not a regular file".to_string(),
        e => e.to_string(),
    })?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not valid UTF-8 (first invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Reads a user template: a regular file of at most [`crate::source::MAX_SOURCE_BYTES`]. A
/// template named `/dev/zero` would otherwise be read until memory ran out, and a FIFO
/// would block forever.
fn read_template(path: &std::path::Path) -> Result<String, String> {
    use std::io::Read as _;
    let limit = crate::source::MAX_SOURCE_BYTES;
    // A FIFO would block the open until someone writes to it; a device never ends.
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".to_string());
    }
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
