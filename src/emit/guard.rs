//! Limits on user templates (E0413, and E0411 for output), so that a hostile template from
//! an untrusted branch cannot crash, hang or exhaust envdef:
//!
//! - **before rendering** ([`analyse`]): the partial call graph of every user template is
//!   walked. A partial that includes itself, directly or through others, is refused (the
//!   data envdef hands a template is a few fixed levels deep, so no real template needs
//!   recursion, and handlebars would recurse until the stack overflows and the process
//!   aborts). So are a partial whose name is computed (`{{> (lookup …)}}`: the graph could
//!   not be checked), nesting deeper than [`MAX_TEMPLATE_DEPTH`] blocks and partials
//!   together (the renderer recurses once per level), and more than
//!   [`MAX_PARTIAL_EXPANSIONS`] partial expansions per render (ten partials each including
//!   the next ten times is 10^10 expansions without a single loop).
//! - **while rendering** ([`Budget`]): `{{#each}}` is envdef's own copy of the handlebars
//!   helper, counting iterations ([`MAX_LOOP_ITERATIONS`] per artifact,
//!   [`MAX_COMPILE_LOOP_ITERATIONS`] per compile) and checking a deadline
//!   ([`MAX_RENDER_TIME`] per artifact, [`MAX_COMPILE_RENDER_TIME`] per compile, so that
//!   a matrix of environments cannot multiply them); the output goes through a writer that
//!   stops at the compile's remaining output budget (`MAX_OUTPUT_BYTES`), so nested loops
//!   cannot write gigabytes or run for hours.
//!
//! Every limit ends the render with a diagnostic; nothing is written.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use handlebars::template::{Parameter, Template, TemplateElement};
use handlebars::{
    BlockContext, BlockParams, Context, Handlebars, Helper, HelperDef, HelperResult, JsonValue,
    Output, RenderContext, RenderError, RenderErrorReason, Renderable, ScopedJson,
};

/// Most nested blocks (`{{#if}}`, `{{#each}}`, …) plus partial inclusions on any path
/// through a template. Real templates nest a handful of levels.
pub const MAX_TEMPLATE_DEPTH: usize = 64;

/// Most partial inclusions one render may perform, counted before rendering with every
/// loop body counted once.
pub const MAX_PARTIAL_EXPANSIONS: u64 = 10_000;

/// Most `{{#each}}` iterations while rendering one artifact. A template writing one line
/// per variable per service of a 10,000-variable project loops well under this.
pub const MAX_LOOP_ITERATIONS: u64 = 1_000_000;

/// Longest one artifact may take to render.
pub const MAX_RENDER_TIME: Duration = Duration::from_secs(10);

/// Most `{{#each}}` iterations of all the custom-template artifacts of one compile
/// together. The per-artifact limits alone let a matrix of 900 environments each loop a
/// million times (an hour of CPU in CI from one line of source); twenty artifacts at the
/// per-artifact limit are allowed.
pub const MAX_COMPILE_LOOP_ITERATIONS: u64 = 20 * MAX_LOOP_ITERATIONS;

/// Longest all the custom-template artifacts of one compile may take to render, their
/// render times added up (whatever else the compile does is not counted).
pub const MAX_COMPILE_RENDER_TIME: Duration = Duration::from_secs(60);

/// Why a template was refused before rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The chain of partials that leads back to its start, start repeated at the end.
    Recursive(Vec<String>),
    /// A partial named by a subexpression.
    DynamicPartial,
    /// Blocks and partials nest deeper than [`MAX_TEMPLATE_DEPTH`].
    TooDeep,
    /// More than [`MAX_PARTIAL_EXPANSIONS`] partial inclusions per render.
    TooManyExpansions,
}

/// One partial definition: a registered template or an `{{#*inline "name"}}` block.
struct Def<'t> {
    name: String,
    body: &'t Template,
}

/// What a definition's own body does, not following its partials.
#[derive(Default)]
struct Local {
    /// `(partial name, nesting at the call)`.
    calls: Vec<(String, usize)>,
    depth: usize,
}

#[derive(Clone, Copy)]
enum Mark {
    Active,
    Done { depth: usize, expansions: u64 },
}

/// Checks the template registered as `root` in `registry` and everything it can include.
pub(crate) fn analyse(registry: &Handlebars<'_>, root: &str) -> Result<(), Refusal> {
    let mut defs: Vec<Def<'_>> = Vec::new();
    let mut names: Vec<&String> = registry.get_templates().keys().collect();
    names.sort();
    for name in names {
        if let Some(body) = registry.get_template(name) {
            collect_inline(body, 0, &mut defs)?;
            defs.push(Def {
                name: name.clone(),
                body,
            });
        }
    }
    let mut locals = Vec::with_capacity(defs.len());
    for def in &defs {
        let mut local = Local::default();
        walk(def.body, 0, &mut local)?;
        locals.push(local);
    }
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, def) in defs.iter().enumerate() {
        by_name.entry(def.name.as_str()).or_default().push(i);
    }
    let graph = Graph {
        defs: &defs,
        locals: &locals,
        by_name: &by_name,
    };
    let mut marks: Vec<Option<Mark>> = vec![None; defs.len()];
    let mut chain = Vec::new();
    for &start in by_name.get(root).map(Vec::as_slice).unwrap_or(&[]) {
        let (depth, expansions) = graph.visit(start, 0, &mut marks, &mut chain)?;
        if depth > MAX_TEMPLATE_DEPTH {
            return Err(Refusal::TooDeep);
        }
        if expansions > MAX_PARTIAL_EXPANSIONS {
            return Err(Refusal::TooManyExpansions);
        }
    }
    Ok(())
}

struct Graph<'a, 't> {
    defs: &'a [Def<'t>],
    locals: &'a [Local],
    by_name: &'a HashMap<&'a str, Vec<usize>>,
}

impl Graph<'_, '_> {
    /// `(nesting depth, partial expansions)` of one render of definition `i`. `level` is
    /// the nesting at which it is entered: past the limit the walk stops, so this
    /// recursion is bounded by [`MAX_TEMPLATE_DEPTH`] however long a chain of partials is.
    fn visit(
        &self,
        i: usize,
        level: usize,
        marks: &mut [Option<Mark>],
        chain: &mut Vec<String>,
    ) -> Result<(usize, u64), Refusal> {
        match marks[i] {
            Some(Mark::Done { depth, expansions }) => return Ok((depth, expansions)),
            Some(Mark::Active) => {
                let from = chain
                    .iter()
                    .position(|n| *n == self.defs[i].name)
                    .unwrap_or(0);
                let mut cycle: Vec<String> = chain[from..].to_vec();
                cycle.push(self.defs[i].name.clone());
                return Err(Refusal::Recursive(cycle));
            }
            None => {}
        }
        if level > MAX_TEMPLATE_DEPTH {
            return Err(Refusal::TooDeep);
        }
        marks[i] = Some(Mark::Active);
        chain.push(self.defs[i].name.clone());
        let local = &self.locals[i];
        let mut depth = local.depth;
        let mut expansions: u64 = 0;
        for (name, at) in &local.calls {
            if name.starts_with("@partial-block") {
                // The caller's block, already rendered to text: no recursion through it.
                continue;
            }
            let mut deepest = 0;
            let mut most = 0;
            for &callee in self
                .by_name
                .get(name.as_str())
                .map(Vec::as_slice)
                .unwrap_or(&[])
            {
                let (d, e) = self.visit(callee, level + at + 1, marks, chain)?;
                deepest = deepest.max(d);
                most = most.max(e);
            }
            depth = depth.max(at + 1 + deepest);
            expansions = expansions.saturating_add(1).saturating_add(most);
        }
        chain.pop();
        marks[i] = Some(Mark::Done { depth, expansions });
        Ok((depth, expansions))
    }
}

/// The `{{#*inline "name"}}` definitions anywhere in `t`.
fn collect_inline<'t>(
    t: &'t Template,
    level: usize,
    defs: &mut Vec<Def<'t>>,
) -> Result<(), Refusal> {
    if level > MAX_TEMPLATE_DEPTH {
        return Err(Refusal::TooDeep);
    }
    for element in &t.elements {
        match element {
            TemplateElement::HelperBlock(h) => {
                for inner in h.template.iter().chain(h.inverse.iter()) {
                    collect_inline(inner, level + 1, defs)?;
                }
            }
            TemplateElement::DecoratorBlock(d) | TemplateElement::PartialBlock(d) => {
                if let Some(inner) = &d.template {
                    let inline_name = matches!(element, TemplateElement::DecoratorBlock(_))
                        && d.name.as_name() == Some("inline");
                    if inline_name {
                        if let Some(name) = d.params.first().and_then(static_name) {
                            defs.push(Def { name, body: inner });
                        }
                    }
                    collect_inline(inner, level + 1, defs)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The name a partial or inline definition is known by, when it is written literally.
fn static_name(p: &Parameter) -> Option<String> {
    match p {
        Parameter::Name(n) => Some(n.clone()),
        Parameter::Path(_) => p.as_name().map(str::to_string),
        Parameter::Literal(JsonValue::String(s)) => Some(s.clone()),
        Parameter::Literal(j) => Some(j.to_string()),
        // Subexpressions, and any kind a later handlebars adds: not known before rendering.
        _ => None,
    }
}

/// Records the partial calls and the nesting of one definition's body (inline definitions
/// inside it are their own definitions and are not entered).
fn walk(t: &Template, level: usize, local: &mut Local) -> Result<(), Refusal> {
    if level > MAX_TEMPLATE_DEPTH {
        return Err(Refusal::TooDeep);
    }
    local.depth = local.depth.max(level);
    for element in &t.elements {
        match element {
            TemplateElement::Expression(h)
            | TemplateElement::HtmlExpression(h)
            | TemplateElement::HelperBlock(h) => {
                params_depth(h.params.iter().chain(h.hash.values()), level + 1, local)?;
                for inner in h.template.iter().chain(h.inverse.iter()) {
                    walk(inner, level + 1, local)?;
                }
            }
            TemplateElement::PartialExpression(d) | TemplateElement::PartialBlock(d) => {
                let name = static_name(&d.name).ok_or(Refusal::DynamicPartial)?;
                params_depth(d.params.iter().chain(d.hash.values()), level + 1, local)?;
                local.calls.push((name, level));
                if let Some(inner) = &d.template {
                    // The block of `{{#> p}}…{{/p}}` renders in the caller, as a fallback
                    // or as `@partial-block`.
                    walk(inner, level + 1, local)?;
                }
            }
            TemplateElement::DecoratorBlock(d) | TemplateElement::DecoratorExpression(d)
                if d.name.as_name() != Some("inline") =>
            {
                if let Some(inner) = &d.template {
                    walk(inner, level + 1, local)?;
                }
            }
            // Text and comments; nothing to follow.
            _ => {}
        }
    }
    Ok(())
}

/// Subexpressions (`{{a (b (c …))}}`) are evaluated recursively too.
fn params_depth<'p>(
    params: impl Iterator<Item = &'p Parameter>,
    level: usize,
    local: &mut Local,
) -> Result<(), Refusal> {
    if level > MAX_TEMPLATE_DEPTH {
        return Err(Refusal::TooDeep);
    }
    for p in params {
        if let Parameter::Subexpression(sub) = p {
            local.depth = local.depth.max(level);
            if let Some(params) = sub.params() {
                params_depth(params.iter(), level + 1, local)?;
            }
            if let Some(hash) = sub.hash() {
                params_depth(hash.values(), level + 1, local)?;
            }
        }
    }
    Ok(())
}

// ── while rendering ────────────────────────────────────────────────────────────────────

/// The limit a render ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exceeded {
    Loops,
    Time,
    Output,
    /// [`MAX_COMPILE_LOOP_ITERATIONS`], all artifacts together.
    CompileLoops,
    /// [`MAX_COMPILE_RENDER_TIME`], all artifacts together.
    CompileTime,
}

/// What the custom templates of one compile have used so far, shared by the render
/// threads.
#[derive(Debug, Default)]
pub(crate) struct CompileBudget {
    iterations: AtomicU64,
    /// Render time of finished artifacts, in nanoseconds.
    spent: AtomicU64,
}

impl CompileBudget {
    fn time_left(&self) -> Duration {
        MAX_COMPILE_RENDER_TIME.saturating_sub(Duration::from_nanos(self.spent.load(Relaxed)))
    }
}

struct Active {
    started: Instant,
    deadline: Instant,
    /// What passing `deadline` means: this artifact's limit, or the compile's.
    deadline_is: Exceeded,
    iterations: u64,
    compile: Arc<CompileBudget>,
    exceeded: Option<Exceeded>,
}

thread_local! {
    /// The budget of the user template this thread is rendering; `None` for built-ins.
    static ACTIVE: RefCell<Option<Active>> = const { RefCell::new(None) };
}

/// The budget of one artifact's render: set up by [`Budget::start`], read back by
/// [`Budget::finish`].
pub(crate) struct Budget;

impl Budget {
    /// Starts one artifact's render, drawing on `compile`, the budget of every artifact
    /// of this compile together.
    pub(crate) fn start(compile: &Arc<CompileBudget>) -> Budget {
        let started = Instant::now();
        let compile_left = compile.time_left();
        let (limit, deadline_is) = if compile_left < MAX_RENDER_TIME {
            (compile_left, Exceeded::CompileTime)
        } else {
            (MAX_RENDER_TIME, Exceeded::Time)
        };
        ACTIVE.with(|a| {
            *a.borrow_mut() = Some(Active {
                started,
                deadline: started + limit,
                deadline_is,
                iterations: 0,
                compile: Arc::clone(compile),
                exceeded: None,
            })
        });
        Budget
    }

    /// The limit this render ran into, if any; ends the budget (its time counts against
    /// the compile's).
    pub(crate) fn finish(self) -> Option<Exceeded> {
        let active = ACTIVE.with(|a| a.borrow_mut().take())?;
        let spent = u64::try_from(active.started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        active.compile.spent.fetch_add(spent, Relaxed);
        active.exceeded
    }
}

impl Drop for Budget {
    fn drop(&mut self) {
        ACTIVE.with(|a| a.borrow_mut().take());
    }
}

/// Records `what` as the reason the render stops and returns the error that stops it.
fn exceed(what: Exceeded) -> RenderError {
    ACTIVE.with(|a| {
        if let Some(active) = a.borrow_mut().as_mut() {
            active.exceeded.get_or_insert(what);
        }
    });
    RenderErrorReason::Other("a rendering limit was reached".into()).into()
}

/// Counts one loop iteration; errors past the iteration budget or the deadline.
fn tick() -> Result<(), RenderError> {
    let over = ACTIVE.with(|a| {
        let mut a = a.borrow_mut();
        let active = a.as_mut()?;
        active.iterations += 1;
        if active.iterations > MAX_LOOP_ITERATIONS {
            return Some(Exceeded::Loops);
        }
        if active.compile.iterations.fetch_add(1, Relaxed) >= MAX_COMPILE_LOOP_ITERATIONS {
            return Some(Exceeded::CompileLoops);
        }
        // Instant::now is cheap next to one iteration of a template body.
        (Instant::now() > active.deadline).then_some(active.deadline_is)
    });
    match over {
        Some(what) => Err(exceed(what)),
        None => Ok(()),
    }
}

/// The limit a render has run past, if its deadline is gone.
fn past_deadline() -> Option<Exceeded> {
    ACTIVE.with(|a| {
        a.borrow()
            .as_ref()
            .filter(|active| Instant::now() > active.deadline)
            .map(|active| active.deadline_is)
    })
}

/// Errors when the render is past its deadline (this artifact's or the compile's). Every
/// helper a user template can call checks it first ([`Timed`], [`GuardedEq`],
/// [`GuardedLookup`], [`quiet_log`]): one call on the whole context (`{{json this}}`,
/// `(eq this this)`, `(lookup this "vars")`) costs as much as the model is large, and a
/// template of thousands of them loops nowhere and writes nothing, so neither the loop
/// budget nor the output writer would ever stop it (2,000 such calls on a 3,000-variable
/// model ran for four minutes).
fn check_deadline() -> Result<(), RenderError> {
    match past_deadline() {
        Some(what) => Err(exceed(what)),
        None => Ok(()),
    }
}

/// The signature of envdef's own helpers (`helpers.rs`).
pub(crate) type HelperFn = for<'reg, 'rc> fn(
    &Helper<'rc>,
    &'reg Handlebars<'reg>,
    &'rc Context,
    &mut RenderContext<'reg, 'rc>,
    &mut dyn Output,
) -> HelperResult;

/// One of envdef's helpers with [`check_deadline`] before it.
pub(crate) struct Timed(pub(crate) HelperFn);

impl HelperDef for Timed {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        check_deadline()?;
        (self.0)(h, r, ctx, rc, out)
    }
}

/// handlebars' `eq` and `ne` (MIT, handlebars-rust 6 `helpers/helper_extras.rs`), with
/// [`check_deadline`] first: comparing two large values walks them whole.
#[derive(Clone, Copy)]
pub(crate) struct GuardedEq {
    pub(crate) name: &'static str,
    pub(crate) negate: bool,
}

impl HelperDef for GuardedEq {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let value = self.call_inner(h, r, ctx, rc)?;
        let value = value.as_json().as_bool().unwrap_or(false);
        if !h.is_block() {
            return Ok(out.write(&value.to_string())?);
        }
        match if value { h.template() } else { h.inverse() } {
            Some(t) => t.render(r, ctx, rc, out),
            None => Ok(()),
        }
    }

    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        check_deadline()?;
        let param = |i: usize| {
            h.param(i)
                .filter(|p| !(r.strict_mode() && p.is_value_missing()))
                .map(|p| p.value())
                .ok_or(RenderErrorReason::ParamNotFoundForIndex(self.name, i))
        };
        let (x, y) = (param(0)?, param(1)?);
        Ok(ScopedJson::Derived(JsonValue::Bool(
            (x == y) != self.negate,
        )))
    }
}

/// handlebars' `lookup` (MIT, handlebars-rust 6 `helpers/helper_lookup.rs`), with
/// [`check_deadline`] first: it clones what it finds, which may be the whole model.
#[derive(Clone, Copy)]
pub(crate) struct GuardedLookup;

impl HelperDef for GuardedLookup {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        check_deadline()?;
        let collection = h
            .param(0)
            .ok_or(RenderErrorReason::ParamNotFoundForIndex("lookup", 0))?;
        let index = h
            .param(1)
            .ok_or(RenderErrorReason::ParamNotFoundForIndex("lookup", 1))?;
        let value = match collection.value() {
            JsonValue::Array(v) => index.value().as_u64().and_then(|u| v.get(u as usize)),
            JsonValue::Object(m) => index.value().as_str().and_then(|k| m.get(k)),
            _ => None,
        };
        if r.strict_mode() && value.is_none() {
            Err(RenderError::strict_error(None))
        } else {
            Ok(value.unwrap_or(&JsonValue::Null).clone().into())
        }
    }
}

/// `{{log …}}`, registered as `Timed(quiet_log)`: handlebars' helper renders its
/// parameters to text before it looks whether logging is on (envdef never turns it on), so
/// this one writes nothing and only checks the deadline.
pub(crate) fn quiet_log(
    _: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    _: &mut dyn Output,
) -> HelperResult {
    Ok(())
}

/// Collects a render's output up to `cap` bytes; past it, or past the deadline, the write
/// fails and the render stops.
pub(crate) struct CappedOutput {
    pub(crate) buf: Vec<u8>,
    cap: usize,
}

impl CappedOutput {
    pub(crate) fn new(cap: usize) -> CappedOutput {
        CappedOutput {
            buf: Vec::new(),
            cap,
        }
    }
}

impl std::io::Write for CappedOutput {
    fn write(&mut self, seg: &[u8]) -> std::io::Result<usize> {
        if self.buf.len() + seg.len() > self.cap {
            let _ = exceed(Exceeded::Output);
            return Err(std::io::Error::other("output limit reached"));
        }
        if let Some(what) = past_deadline() {
            let _ = exceed(what);
            return Err(std::io::Error::other("time limit reached"));
        }
        self.buf.extend_from_slice(seg);
        Ok(seg.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `{{#each}}` with a budget: handlebars' own helper (MIT, handlebars-rust 6
/// `helpers/helper_each.rs`), plus [`tick`] per iteration. Same data variables (`@index`,
/// `@key`, `@first`, `@last`), block parameters and `{{else}}`.
#[derive(Clone, Copy)]
pub(crate) struct GuardedEach;

impl HelperDef for GuardedEach {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let value = h
            .param(0)
            .ok_or(RenderErrorReason::ParamNotFoundForIndex("each", 0))?;
        let Some(t) = h.template() else {
            return Ok(());
        };
        let items: Vec<(JsonValue, String, &JsonValue)> = match value.value() {
            JsonValue::Array(list) if !list.is_empty() || h.inverse().is_none() => list
                .iter()
                .enumerate()
                .map(|(i, v)| (JsonValue::from(i), i.to_string(), v))
                .collect(),
            JsonValue::Object(obj) if !obj.is_empty() || h.inverse().is_none() => obj
                .iter()
                .map(|(k, v)| (JsonValue::from(k.as_str()), k.clone(), v))
                .collect(),
            _ => {
                return if let Some(else_template) = h.inverse() {
                    else_template.render(r, ctx, rc, out)
                } else if r.strict_mode() {
                    Err(RenderError::strict_error(value.relative_path()))
                } else {
                    Ok(())
                };
            }
        };
        let is_object = value.value().is_object();
        let mut block = BlockContext::new();
        let base_path = value.context_path();
        match base_path {
            Some(path) => block.base_path_mut().clone_from(path),
            None => block.set_base_value(value.value().clone()),
        }
        rc.push_block(block);
        let len = items.len();
        for (i, (key, segment, v)) in items.into_iter().enumerate() {
            tick()?;
            if let Some(block) = rc.block_mut() {
                block.set_local_var("first", JsonValue::from(i == 0));
                block.set_local_var("last", JsonValue::from(i + 1 == len));
                block.set_local_var("index", JsonValue::from(i));
                if is_object {
                    block.set_local_var("key", key.clone());
                }
                match base_path {
                    Some(p) => {
                        let path = block.base_path_mut();
                        if i == 0 {
                            *path = p.clone();
                            path.push(segment);
                        } else if let Some(last) = path.last_mut() {
                            *last = segment;
                        }
                    }
                    None => block.set_base_value(v.clone()),
                }
                set_block_params(block, h, base_path.is_some(), key, v)?;
            }
            t.render(r, ctx, rc, out)?;
        }
        rc.pop_block();
        Ok(())
    }
}

fn set_block_params<'rc>(
    block: &mut BlockContext<'rc>,
    h: &Helper<'rc>,
    by_path: bool,
    key: JsonValue,
    v: &JsonValue,
) -> Result<(), RenderError> {
    let (value_name, key_name) = match (h.block_param(), h.block_param_pair()) {
        (Some(v), _) => (v, None),
        (None, Some((v, k))) => (v, Some(k)),
        (None, None) => return Ok(()),
    };
    let mut params = BlockParams::new();
    if by_path {
        params.add_path(value_name, Vec::new())?;
    } else {
        params.add_value(value_name, v.clone())?;
    }
    if let Some(k) = key_name {
        params.add_value(k, key)?;
    }
    block.set_block_params(params);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The guarded `{{#each}}` renders exactly what handlebars' own helper renders.
    #[test]
    fn guarded_each_matches_the_handlebars_helper() {
        let data = serde_json::json!({
            "list": [1, "two", {"name": "three"}],
            "empty": [],
            "obj": {"a": 1, "b": {"c": 2}},
            "nested": [[1, 2], [3]],
        });
        let templates = [
            "{{#each list}}{{@index}}{{@first}}{{@last}}{{this}};{{/each}}",
            "{{#each obj}}{{@key}}{{@index}}{{@first}}{{@last}}{{this}};{{/each}}",
            "{{#each empty}}x{{else}}none{{/each}}",
            "{{#each obj}}{{else}}none{{/each}}",
            "{{#each list as |v i|}}{{i}}={{v}};{{/each}}",
            "{{#each obj as |v k|}}{{k}}={{v}};{{/each}}",
            "{{#each list as |v|}}{{v.name}};{{/each}}",
            "{{#each nested}}[{{#each this}}{{@../index}}.{{@index}}:{{this}}{{/each}}]{{/each}}",
            "{{#each list}}{{../obj.a}}{{/each}}",
            "{{#each obj.b}}{{@key}}{{this}}{{/each}}",
            "{{#each (lookup obj \"b\")}}{{@key}}{{this}}{{/each}}",
        ];
        let mut plain = Handlebars::new();
        plain.register_escape_fn(handlebars::no_escape);
        let mut guarded = plain.clone();
        guarded.register_helper("each", Box::new(GuardedEach));
        for t in templates {
            assert_eq!(
                guarded.render_template(t, &data).unwrap(),
                plain.render_template(t, &data).unwrap(),
                "{t}"
            );
        }
    }

    fn refusal(template: &str) -> Result<(), Refusal> {
        let mut hb = Handlebars::new();
        hb.register_template_string("0", template).unwrap();
        analyse(&hb, "0")
    }

    #[test]
    fn analysis_refuses_recursion_and_accepts_a_dag() {
        assert_eq!(
            refusal(
                r#"{{#*inline "a"}}{{> b}}{{/inline}}{{#*inline "b"}}{{> a}}{{/inline}}{{> a}}"#
            ),
            Err(Refusal::Recursive(vec!["a".into(), "b".into(), "a".into()]))
        );
        assert_eq!(
            refusal(
                r#"{{#*inline "a"}}x{{/inline}}{{#*inline "b"}}{{> a}}{{> a}}{{/inline}}{{> b}}{{> a}}"#
            ),
            Ok(())
        );
        assert_eq!(refusal("{{> @partial-block}}"), Ok(()));
        assert_eq!(
            refusal("{{> (concat \"a\")}}"),
            Err(Refusal::DynamicPartial)
        );
    }
}
