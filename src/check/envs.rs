//! Values per environment: sites (every default and assignment) → inheritance → late-bound
//! interpolation → type check → `Vec<Option<Resolved>>` per environment, indexed by VarId.
//! E0309–E0314, E0322, E0323.
//!
//! Invariants and costs:
//! - Every site is checked once statically (names, secrets, and the full type check of
//!   values without `${...}`); only interpolated values are evaluated per environment.
//! - Inheritance copies the parent's slot vector once per environment (parents first), so
//!   no lookup ever walks an `extends` chain.
//! - Interpolation is late-bound (a template inherited from a parent expands with the
//!   child's values) and memoised per environment: each variable is expanded at most once
//!   per environment, so `${A}${A}` chains cost linear work. One value may grow to
//!   [`MAX_VALUE_BYTES`]; all interpolation together to [`MAX_TOTAL_INTERPOLATED_BYTES`].
//! - Problems found while evaluating are reported only in concrete environments, once per
//!   place; later environments with the same problem are listed in a note.

use crate::ast;
use std::sync::Arc;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::hash::FastHashMap;
use crate::model::{DerivedPart, EnvId, Origin, Resolved, ServiceId, Value, VarId};
use crate::resolve::Program;
use crate::secret_ref::{RefError, Scheme, SecretRef};
use crate::source::Span;

use super::attrs::VarMeta;
use super::types::Regexes;
use super::types::TyInfo;
use super::values::{self, format_duration, Raw, RawValue};

/// What the checker knows about one variable, by [`VarId`] (built by `check`, read here).
#[derive(Debug)]
pub(crate) struct VarInfo {
    /// `None` when the declared type is broken (already reported).
    pub ty: Option<TyInfo>,
    pub meta: VarMeta,
    pub is_secret: bool,
    pub optional: bool,
}

/// Largest value one interpolation may produce.
pub const MAX_VALUE_BYTES: usize = 1 << 20;
/// Most parts (text runs and secret references) one derived secret may have.
pub const MAX_DERIVED_PARTS: usize = 1000;
/// Largest total of interpolated text in one compilation.
pub const MAX_TOTAL_INTERPOLATED_BYTES: usize = 256 << 20;

const NO_SITE: u32 = u32::MAX;

/// What a `${...}` stands for.
#[derive(Debug, Clone)]
enum Dep {
    Var(VarId),
    Env,
    Service(String),
}

#[derive(Debug, Clone, Copy)]
enum SiteSrc<'p> {
    Value(&'p ast::Value),
    Ref(&'p ast::StrLit),
    /// `NAME = unset`.
    Unset,
}

/// A default or an assignment: one place a value can come from.
#[derive(Debug)]
struct Site<'p> {
    var: VarId,
    /// The environment that assigns it; `None` for the declaration's default.
    env: Option<EnvId>,
    /// A per-service override (`api.LOG_LEVEL = …`): the service, which `${service}` and
    /// bare names in the value are read in.
    scope: Option<ServiceId>,
    src: SiteSrc<'p>,
    /// The span an `Origin` points at.
    span: Span,
    ok: bool,
    interpolated: bool,
    deps: Vec<(Dep, Span)>,
    /// For values without interpolation: the checked value, computed once.
    fixed: Option<Value>,
    /// A `TODO://` reference drafted by `envdef import`: an error wherever it is emitted.
    placeholder: bool,
    /// Whether the value can differ between two environments that both take it from this
    /// site: it reads `${env}`, its reference has `{env}`, or it is reported per
    /// environment (a placeholder). Only such sites stop an inherited value being shared.
    env_dependent: bool,
}

/// Per-place deduplication of diagnostics found while evaluating environments.
#[derive(Debug, Default)]
pub(crate) struct Reporter {
    items: Vec<(Diagnostic, Vec<String>)>,
    keys: FastHashMap<(Code, Span), usize>,
}

impl Reporter {
    /// Reports `d` for environment `env`, unless the same code at the same place was
    /// already reported (then `env` is added to that diagnostic's "also in" note).
    pub fn report(&mut self, d: Diagnostic, env: &str) {
        let key = (d.code, d.primary_span().unwrap_or_default());
        match self.keys.get(&key) {
            Some(&i) => {
                let also = &mut self.items[i].1;
                if !also.iter().any(|e| e == env) && also.len() < 1000 {
                    also.push(env.to_string());
                }
            }
            None => {
                self.keys.insert(key, self.items.len());
                self.items.push((d, Vec::new()));
            }
        }
    }

    pub fn finish(self, diagnostics: &mut Diagnostics) {
        for (mut d, also) in self.items {
            if !also.is_empty() {
                let list = also
                    .iter()
                    .map(|e| format!("`{e}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                d = d.note(format!("the same problem occurs in: {list}"));
            }
            diagnostics.push(d);
        }
    }
}

/// One evaluation's values (an environment's, or a service's view of it), by [`VarId`].
pub(crate) type Values = Vec<Option<Arc<Resolved>>>;

/// The computed values of every environment.
pub(crate) struct EnvValues {
    /// Indexed like `program.envs`; empty for environments with a broken chain.
    pub values: Vec<Vec<Option<Arc<Resolved>>>>,
    /// Per environment, per assignment: whether the assignment was usable (for warnings).
    pub assignment_ok: Vec<Vec<bool>>,
    /// Per variable, the variables its default or any assignment interpolates with
    /// `${…}` (W0301: a variable read only through another's template is still used).
    pub interpolates: Vec<Vec<VarId>>,
    /// Per environment, the variables an `= unset` (here or inherited) leaves without a
    /// value, with where, by `VarId`.
    pub unsets: Vec<Vec<(VarId, Origin)>>,
    /// Per environment, the services it (or an ancestor) overrides a shared variable
    /// for, each with its whole view of the environment, by service index.
    pub views: Vec<Vec<ServiceView>>,
    /// Per environment, its own per-service overrides: (service, variable, where).
    pub overrides: Vec<Vec<(ServiceId, VarId, Span)>>,
    /// Per variable, its declaration's default when that is a checked literal (no `${…}`).
    pub defaults: Vec<Option<Value>>,
}

/// Every place a value can come from: each declaration's default (`default_site`, by
/// variable; [`NO_SITE`] without one) and each environment's assignments
/// (`assign_sites`, by environment, in source order), as indexes into the sites.
#[allow(clippy::type_complexity)]
fn sites_of(program: &Program) -> (Vec<Site<'_>>, Vec<u32>, Vec<Vec<u32>>) {
    let n_vars = program.vars.len();
    let mut sites: Vec<Site<'_>> = Vec::new();
    let mut default_site = vec![NO_SITE; n_vars];
    for (i, entry) in program.vars.values().enumerate() {
        let var = VarId(i as u32);
        let src = match &entry.decl {
            crate::resolve::VarDecl::Var(d) => {
                d.default.as_ref().map(|v| (SiteSrc::Value(v), v.span))
            }
            crate::resolve::VarDecl::Flag(d) => Some((SiteSrc::Value(&d.default), d.default.span)),
            crate::resolve::VarDecl::Secret(d) => {
                d.reference.as_ref().map(|r| (SiteSrc::Ref(r), r.span))
            }
        };
        if let Some((src, span)) = src {
            default_site[i] = sites.len() as u32;
            sites.push(Site::new(var, None, src, span));
        }
    }
    let mut assign_sites: Vec<Vec<u32>> = Vec::with_capacity(program.envs.len());
    for (env_idx, env) in program.envs.values().enumerate() {
        let mut ids = Vec::with_capacity(env.assignments.len());
        for a in &env.assignments {
            let src = match &a.rhs {
                ast::AssignRhs::Value(v) => SiteSrc::Value(v),
                ast::AssignRhs::SecretRef(r) => SiteSrc::Ref(r),
                ast::AssignRhs::Unset(_) => SiteSrc::Unset,
            };
            ids.push(sites.len() as u32);
            let mut site = Site::new(a.var, Some(EnvId::new(env_idx)), src, a.span);
            site.scope = a.service;
            sites.push(site);
        }
        assign_sites.push(ids);
    }
    (sites, default_site, assign_sites)
}

pub(crate) fn evaluate(
    program: &Program,
    infos: &[VarInfo],
    regexes: &Regexes,
    diagnostics: &mut Diagnostics,
) -> EnvValues {
    let n_vars = program.vars.len();
    let (mut sites, default_site, assign_sites) = sites_of(program);
    for site in &mut sites {
        prepare(site, program, infos, regexes, diagnostics);
        site.env_dependent = site.placeholder
            || site.deps.iter().any(|(dep, _)| matches!(dep, Dep::Env))
            || matches!(site.src, SiteSrc::Ref(r) if r.to_template().contains("{env}"));
    }
    let mut interpolates: Vec<Vec<VarId>> = vec![Vec::new(); n_vars];
    for site in &sites {
        for (dep, _) in &site.deps {
            if let Dep::Var(dep) = dep {
                interpolates[site.var.index()].push(*dep);
            }
        }
    }
    // Who may read each variable, through any site: an environment's change reaches
    // these (`EnvEval::share_untouched`).
    let mut read_by: Vec<Vec<VarId>> = vec![Vec::new(); n_vars];
    for (reader, deps) in interpolates.iter().enumerate() {
        for dep in deps {
            read_by[dep.index()].push(VarId(reader as u32));
        }
    }
    let assignment_ok = assign_sites
        .iter()
        .map(|ids| ids.iter().map(|&s| sites[s as usize].ok).collect())
        .collect();

    let (slots, override_slots) = inherit_slots(program, &sites, &default_site, &assign_sites);

    redundant_overrides(
        program,
        &sites,
        (&slots, &override_slots),
        &assign_sites,
        diagnostics,
    );

    let mut reporter = Reporter::default();
    let mut budget = MAX_TOTAL_INTERPOLATED_BYTES;
    let mut values = vec![Vec::new(); program.envs.len()];
    let mut unsets: Vec<Vec<(VarId, Origin)>> = vec![Vec::new(); program.envs.len()];
    let mut views: Vec<Vec<ServiceView>> = vec![Vec::new(); program.envs.len()];
    for &env in &program.env_order {
        let env_idx = env.index();
        let mut run = |slots: &[u32], base: Option<Base<'_>>| {
            let mut eval = EnvEval {
                program,
                infos,
                regexes,
                sites: &sites,
                slots,
                env,
                env_name: &program.envs[env].name.text,
                report: !program.envs[env].is_abstract,
                state: vec![State::Todo; n_vars],
                values: vec![None; n_vars],
                path: Vec::new(),
                reporter: &mut reporter,
                budget: &mut budget,
                unset: Vec::new(),
                base,
                shared: vec![false; n_vars],
                read_by: &read_by,
            };
            eval.run();
            eval.unset.sort_by_key(|(id, _)| id.0);
            (eval.values, eval.unset)
        };
        // An environment shares its parent's values wherever evaluating them again would
        // give the same (`EnvEval::shared_value`).
        let parent = program.envs[env].parent.map(EnvId::index);
        let base = parent.and_then(|p| Base::of(&slots[p], &values[p], n_vars, false));
        let (own, unset) = run(&slots[env_idx], base);
        (values[env_idx], unsets[env_idx]) = (own, unset);
        // Each service with overrides here sees the environment with its override sites in
        // place of the shared ones: evaluated the same way (inheritance, late-bound
        // `${…}`, type checks), so a variable interpolating an overridden one changes too.
        let mut patched: Vec<u32> = Vec::new();
        let overrides = &override_slots[env_idx];
        let mut at = 0;
        while at < overrides.len() {
            let svc = overrides[at].0 .0;
            patched.clone_from(&slots[env_idx]);
            while at < overrides.len() && overrides[at].0 .0 == svc {
                let ((_, var), site) = overrides[at];
                patched[var as usize] = site;
                at += 1;
            }
            let base = Base::of(&slots[env_idx], &values[env_idx], n_vars, true);
            let (values, unset) = run(&patched, base);
            views[env_idx].push(ServiceView {
                service: svc,
                values,
                unset,
            });
        }
    }
    reporter.finish(diagnostics);
    let overrides = assign_sites
        .iter()
        .map(|ids| {
            ids.iter()
                .filter_map(|&s| {
                    let site = &sites[s as usize];
                    site.scope.map(|svc| (svc, site.var, site.span))
                })
                .collect()
        })
        .collect();
    let defaults = default_site
        .iter()
        .map(|&s| {
            let site = sites.get(s as usize)?;
            match site.src {
                SiteSrc::Value(_) if site.ok && !site.interpolated => site.fixed.clone(),
                _ => None,
            }
        })
        .collect();
    EnvValues {
        values,
        assignment_ok,
        interpolates,
        unsets,
        views,
        overrides,
        defaults,
    }
}

/// Slots: which site gives each variable its value, per environment, parents first;
/// per-service overrides in their own (sparse) slots, inherited the same way.
fn inherit_slots(
    program: &Program,
    sites: &[Site<'_>],
    default_site: &[u32],
    assign_sites: &[Vec<u32>],
) -> (Vec<Vec<u32>>, Vec<OverrideSlots>) {
    let mut slots: Vec<Vec<u32>> = vec![Vec::new(); program.envs.len()];
    let mut override_slots: Vec<OverrideSlots> = vec![OverrideSlots::new(); program.envs.len()];
    for &env in &program.env_order {
        let env_idx = env.index();
        let parent = program.envs[env].parent.map(EnvId::index);
        let mut own = match parent {
            Some(p) => slots[p].clone(),
            None => default_site.to_vec(),
        };
        let mut overrides = match parent {
            Some(p) => override_slots[p].clone(),
            None => OverrideSlots::new(),
        };
        for &s in &assign_sites[env_idx] {
            let site = &sites[s as usize];
            match site.scope {
                Some(svc) => {
                    overrides.insert((svc, site.var.0), s);
                }
                None => own[site.var.index()] = s,
            }
        }
        slots[env_idx] = own;
        override_slots[env_idx] = overrides;
    }

    (slots, override_slots)
}

/// Per-service override slots of one environment, sorted by (service, variable): few, so
/// a sorted vector (cloned per environment like the shared slots) beats a map.
#[derive(Debug, Clone, Default)]
struct OverrideSlots(Vec<((ServiceId, u32), u32)>);

impl OverrideSlots {
    fn new() -> OverrideSlots {
        OverrideSlots(Vec::new())
    }

    fn insert(&mut self, key: (ServiceId, u32), site: u32) {
        match self.0.binary_search_by_key(&key, |(k, _)| *k) {
            Ok(i) => self.0[i].1 = site,
            Err(i) => self.0.insert(i, (key, site)),
        }
    }

    fn get(&self, key: (ServiceId, u32)) -> Option<u32> {
        self.0
            .binary_search_by_key(&key, |(k, _)| *k)
            .ok()
            .map(|i| self.0[i].1)
    }
}

impl std::ops::Deref for OverrideSlots {
    type Target = [((ServiceId, u32), u32)];
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// One service's values in one environment with its per-service overrides applied.
#[derive(Debug, Clone)]
pub(crate) struct ServiceView {
    /// The service's index in `program.services`.
    pub service: ServiceId,
    /// Indexed by `VarId`, like the environment's own values.
    pub values: Vec<Option<Arc<Resolved>>>,
    /// What an `= unset` leaves without a value for this service, sorted by `VarId`.
    pub unset: Vec<(VarId, Origin)>,
}

impl ServiceView {
    pub fn unset_at(&self, id: VarId) -> Option<&Origin> {
        self.unset
            .binary_search_by_key(&id.0, |(v, _)| v.0)
            .ok()
            .map(|i| &self.unset[i].1)
    }
}

/// W0302: an assignment whose source is the same as what the environment would inherit
/// anyway. Sources are compared, not results: with late binding, one template gives one
/// value in one environment, and `"${HOST}"` overriding a literal equal to HOST's value is a
/// different intent.
fn redundant_overrides(
    program: &Program,
    sites: &[Site<'_>],
    (slots, override_slots): (&[Vec<u32>], &[OverrideSlots]),
    assign_sites: &[Vec<u32>],
    diagnostics: &mut Diagnostics,
) {
    for &env_id in &program.env_order {
        let (env, env_idx) = (&program.envs[env_id], env_id.index());
        let Some(parent) = env.parent.map(EnvId::index) else {
            continue;
        };
        // An instance's assignments are its declaration's lines with the parameters filled
        // in: equal to an inherited value for one member of a matrix, not for the others,
        // and the line cannot be deleted for one member.
        if !env.params.is_empty() {
            continue;
        }
        for (a, &s) in env.assignments.iter().zip(&assign_sites[env_idx]) {
            let site = &sites[s as usize];
            // An override repeats what the service would inherit: the parent's override
            // for it, or else the shared value.
            let inherited = site
                .scope
                .and_then(|svc| override_slots[parent].get((svc, site.var.0)))
                .unwrap_or(slots[parent][site.var.index()]);
            if !site.ok || inherited == NO_SITE {
                continue;
            }
            let from = &sites[inherited as usize];
            if !from.ok || !same_source(site.src, from.src) {
                continue;
            }
            // The message and the label name the same origin: the environment that sets
            // the inherited value, or the declaration's default.
            let name = match a.service {
                Some(svc) => format!(
                    "{}.{}",
                    program.services[svc].name.text,
                    program.qualified(a.var)
                ),
                None => program.qualified(a.var).to_string(),
            };
            let (message, label) = match from.env {
                Some(e) => {
                    let from_env = &program.envs[e].name.text;
                    (
                        format!(
                            "`{name}` is set to the value it already inherits from `{from_env}`"
                        ),
                        format!("inherited value, set in `{from_env}`"),
                    )
                }
                None => (
                    format!("`{name}` is set to its default, which it already inherits"),
                    "the default, declared here".to_string(),
                ),
            };
            diagnostics.push(
                Diagnostic::warning(Code::RedundantOverride, message)
                    .primary(a.span, "same value as inherited")
                    .secondary(from.span, label)
                    .help("delete this line; the value is inherited"),
            );
        }
    }
}

fn same_source(a: SiteSrc<'_>, b: SiteSrc<'_>) -> bool {
    match (a, b) {
        (SiteSrc::Value(x), SiteSrc::Value(y)) => same_value(x, y),
        (SiteSrc::Ref(x), SiteSrc::Ref(y)) => x.parts == y.parts,
        (SiteSrc::Unset, SiteSrc::Unset) => true,
        _ => false,
    }
}

/// Structural equality of literals, ignoring spans.
fn same_value(a: &ast::Value, b: &ast::Value) -> bool {
    use ast::ValueKind as K;
    match (&a.kind, &b.kind) {
        (K::Str(x), K::Str(y)) => {
            x.parts.len() == y.parts.len()
                && x.parts.iter().zip(&y.parts).all(|(p, q)| match (p, q) {
                    (ast::StrPart::Text(s), ast::StrPart::Text(t)) => s == t,
                    (ast::StrPart::Interp(s), ast::StrPart::Interp(t)) => s.text == t.text,
                    _ => false,
                })
        }
        (K::Int(x), K::Int(y)) => x == y,
        (K::Float(x), K::Float(y)) => x == y,
        (K::Bool(x), K::Bool(y)) => x == y,
        (K::Duration(x), K::Duration(y)) => x == y,
        (K::List(x), K::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_value(p, q))
        }
        _ => false,
    }
}

impl<'p> Site<'p> {
    fn new(var: VarId, env: Option<EnvId>, src: SiteSrc<'p>, span: Span) -> Site<'p> {
        Site {
            var,
            env,
            scope: None,
            src,
            span,
            ok: true,
            interpolated: false,
            deps: Vec::new(),
            fixed: None,
            placeholder: false,
            env_dependent: false,
        }
    }
}

/// The static checks of one site; fills `deps` and `fixed`.
fn prepare(
    site: &mut Site<'_>,
    program: &Program,
    infos: &[VarInfo],
    regexes: &Regexes,
    diagnostics: &mut Diagnostics,
) {
    let entry = program.var(site.var);
    let info = &infos[site.var.index()];
    let qualified = program.qualified(site.var);
    match site.src {
        SiteSrc::Unset => {
            if !info.optional {
                site.ok = false;
                diagnostics.push(
                    Diagnostic::error(
                        Code::UnsetRequired,
                        format!("`{qualified}` is required, so it cannot be unset"),
                    )
                    .primary(site.span, "unset here")
                    .secondary(entry.name.span, format!("declared as a required {} here", entry.decl.kind_word()))
                    .help("make the variable optional with `?` after its type (it is then left out where unset), or assign a value"),
                );
            }
        }
        SiteSrc::Value(value)
            if info.is_secret
                && !plain_secret_allowed(site, program)
                && !interpolates_a_secret(value, program, infos) =>
        {
            site.ok = false;
            let env = site.env.map(|e| program.envs[e].name.text.as_str());
            let mark = env.map_or_else(String::new, |env| {
                format!(", or, for a local development value, mark the environment `insecure env {env}`")
            });
            diagnostics.push(
                Diagnostic::error(
                    Code::SecretLiteral,
                    format!("`{qualified}` is a secret and cannot be given a literal value"),
                )
                .primary(value.span, "a literal value")
                .secondary(entry.name.span, "declared as a secret here")
                .help(format!(
                    "give a reference instead: `{qualified} from \"vault://path#key\"`; the value itself never goes into a source file{mark}"
                )),
            );
        }
        SiteSrc::Ref(reference) if !info.is_secret => {
            site.ok = false;
            diagnostics.push(
                Diagnostic::error(
                    Code::NotASecret,
                    format!("`{qualified}` is not a secret, so it cannot take a reference"),
                )
                .primary(reference.span, "a secret reference")
                .secondary(
                    entry.name.span,
                    format!("declared as a {} here", entry.decl.kind_word()),
                )
                .help(format!(
                    "assign a value with `{qualified} = ...`, or declare it with `secret`"
                )),
            );
        }
        SiteSrc::Ref(reference) => {
            if let Some(ident) = reference.parts.iter().find_map(|p| match p {
                ast::StrPart::Interp(i) => Some(i),
                ast::StrPart::Text(_) => None,
            }) {
                site.ok = false;
                diagnostics.push(
                    Diagnostic::error(
                        Code::InvalidInterpolation,
                        "a secret reference cannot interpolate `${...}`",
                    )
                    .primary(ident.span, "not expanded in references")
                    .help("references expand `{env}` and `{service}` (without `$`)"),
                );
            } else if let Some(text) = reference.as_plain() {
                match SecretRef::parse(&text) {
                    Ok(_) => {}
                    Err(RefError::Placeholder) => site.placeholder = true,
                    Err(err) => {
                        site.ok = false;
                        diagnostics.push(reference_error(&err, reference.span, qualified, None));
                    }
                }
            }
        }
        SiteSrc::Value(value) => {
            let mut deps = Vec::new();
            collect_deps(value, site, program, infos, &mut deps, diagnostics);
            site.interpolated = !deps.is_empty();
            site.deps = deps;
            if !site.ok {
                return;
            }
            let Some(ty) = &info.ty else {
                // A broken type was reported where it is written.
                site.ok = false;
                return;
            };
            if !site.interpolated {
                let raw = plain_raw(value);
                match values::check(&raw, ty, regexes) {
                    Ok(v) => site.fixed = Some(v),
                    Err(err) => {
                        site.ok = false;
                        diagnostics.push(value_error(*err, &qualified_owned(program, site.var)));
                    }
                }
            }
        }
    }
}

/// A plain value for a secret is allowed only where it is written in an `insecure env`
/// (a local development password); every other environment takes a reference.
fn plain_secret_allowed(site: &Site<'_>, program: &Program) -> bool {
    site.env.is_some_and(|e| program.envs[e].insecure.is_some())
}

/// Whether a string interpolates at least one secret: a secret given such a value is a
/// derived secret (`DATABASE_URL = "postgres://app:${DB_PASSWORD}@db/app"`), allowed in
/// every environment because envdef only ever holds its parts' references.
fn interpolates_a_secret(value: &ast::Value, program: &Program, infos: &[VarInfo]) -> bool {
    let ast::ValueKind::Str(s) = &value.kind else {
        return false;
    };
    s.parts.iter().any(|part| match part {
        ast::StrPart::Interp(ident) => program
            .refs
            .interpolations
            .get(&ident.span)
            .is_some_and(|dep| infos[dep.index()].is_secret),
        ast::StrPart::Text(_) => false,
    })
}

/// The diagnostic for a reference [`SecretRef::parse`] refused. Never quotes the reference:
/// it may be a credential.
fn reference_error(
    err: &RefError,
    span: Span,
    qualified: &str,
    note: Option<String>,
) -> Diagnostic {
    let d = match err {
        RefError::UnknownScheme { .. } | RefError::NoScheme => Diagnostic::error(
            Code::UnknownSecretScheme,
            format!("{err} (for secret `{qualified}`)"),
        )
        .primary(span, "not a known scheme")
        .help(format!("a reference is one of {}", Scheme::known_forms())),
        RefError::Credential { .. } => Diagnostic::error(
            Code::SecretReferenceIsCredential,
            format!("{err} (for secret `{qualified}`)"),
        )
        .primary(span, "a credential where a reference belongs")
        .redact_source()
        .help(format!(
            "remove it from the source (and its history), rotate it, store it in your secret store and reference it: {}",
            Scheme::known_forms()
        )),
        RefError::Placeholder => Diagnostic::error(
            Code::PlaceholderSecretReference,
            format!("{err} (for secret `{qualified}`)"),
        )
        .primary(span, "a `TODO://` placeholder")
        .help(format!("point it at your secret store: {}", Scheme::known_forms())),
        RefError::Malformed { scheme, .. } => Diagnostic::error(
            Code::InvalidSecretReference,
            format!("{err} (for secret `{qualified}`)"),
        )
        .primary(span, format!("not a `{}`", scheme.form()))
        .help(format!("write it as `{}`", scheme.form())),
        RefError::Empty | RefError::ControlCharacter { .. } | RefError::SurroundingWhitespace => {
            Diagnostic::error(
                Code::InvalidSecretReference,
                format!("{err} (for secret `{qualified}`)"),
            )
            .primary(span, "not a usable reference")
            .help(format!("a reference is one of {}", Scheme::known_forms()))
        }
    };
    match note {
        Some(n) => d.note(n),
        None => d,
    }
}

fn qualified_owned(program: &Program, id: VarId) -> String {
    program.qualified(id).to_string()
}

pub(crate) fn value_error(err: values::ValueError, var: &str) -> Diagnostic {
    Diagnostic::error(err.code, format!("{} (for `{var}`)", err.message))
        .primary(err.value_span, err.value_label)
        .secondary(err.type_span, err.type_label)
        .help_opt(err.help)
}

fn collect_deps(
    value: &ast::Value,
    site: &mut Site<'_>,
    program: &Program,
    infos: &[VarInfo],
    deps: &mut Vec<(Dep, Span)>,
    diagnostics: &mut Diagnostics,
) {
    match &value.kind {
        ast::ValueKind::Str(s) => {
            let owner = program.var(site.var).owner.or(site.scope);
            for part in &s.parts {
                let ast::StrPart::Interp(ident) = part else {
                    continue;
                };
                let dep = match ident.text.as_str() {
                    "env" => Dep::Env,
                    "service" => match owner {
                        Some(svc) => Dep::Service(program.services[svc].name.text.clone()),
                        None => {
                            site.ok = false;
                            diagnostics.push(
                                Diagnostic::error(
                                    Code::InvalidInterpolation,
                                    format!(
                                        "`${{service}}` in shared variable `{}`",
                                        program.qualified(site.var)
                                    ),
                                )
                                .primary(ident.span, "no single service here")
                                .help("a shared variable has one value for every service; use `${service}` in a service's own variables, or in a per-service override (`api.NAME = \"…${service}…\"`)"),
                            );
                            continue;
                        }
                    },
                    // Bound in `resolve`, which reported an unknown name.
                    name => match program.refs.interpolations.get(&ident.span).copied() {
                        None => {
                            site.ok = false;
                            continue;
                        }
                        Some(dep) => {
                            let dep_info = &infos[dep.index()];
                            if dep_info.is_secret && !infos[site.var.index()].is_secret {
                                site.ok = false;
                                diagnostics.push(
                                    Diagnostic::error(
                                        Code::SecretInterpolated,
                                        format!(
                                            "secret `{name}` is interpolated into `{}`, which is not a secret",
                                            program.qualified(site.var)
                                        ),
                                    )
                                    .primary(ident.span, "this would write the secret in plaintext")
                                    .secondary(program.var(dep).name.span, "declared as a secret here")
                                    .help(format!(
                                        "declare `{}` with `secret` instead of `var`: a secret built from other secrets is a derived secret, which every target composes from the references",
                                        program.var(site.var).name.text
                                    )),
                                );
                                continue;
                            }
                            if dep_info.ty.as_ref().is_some_and(|t| {
                                matches!(t.ty.kind, crate::model::TypeKind::List { .. })
                            }) {
                                site.ok = false;
                                diagnostics.push(
                                    Diagnostic::error(
                                        Code::InvalidInterpolation,
                                        format!("`{name}` is a list and cannot be interpolated into a string"),
                                    )
                                    .primary(ident.span, "a list")
                                    .help("interpolate single values (strings, numbers, bools, durations)"),
                                );
                                continue;
                            }
                            Dep::Var(dep)
                        }
                    },
                };
                deps.push((dep, ident.span));
            }
        }
        ast::ValueKind::List(items) => {
            for item in items {
                collect_deps(item, site, program, infos, deps, diagnostics);
            }
        }
        _ => {}
    }
}

/// A value without interpolation as a [`RawValue`].
fn plain_raw(value: &ast::Value) -> RawValue {
    let raw = match &value.kind {
        ast::ValueKind::Str(s) => Raw::Str(s.to_template()),
        ast::ValueKind::Int(i) => Raw::Int(*i),
        ast::ValueKind::Float(f) => Raw::Float(*f),
        ast::ValueKind::Bool(b) => Raw::Bool(*b),
        ast::ValueKind::Duration(d) => Raw::Duration(d.millis),
        ast::ValueKind::List(items) => Raw::List(items.iter().map(plain_raw).collect()),
    };
    RawValue {
        raw,
        span: value.span,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Todo,
    Visiting,
    Done,
    /// An optional variable nothing sets.
    Unset,
    /// Broken (already reported, or reported where it breaks).
    Poisoned,
}

struct EnvEval<'a, 'p> {
    program: &'p Program,
    infos: &'a [VarInfo],
    regexes: &'a Regexes,
    sites: &'a [Site<'p>],
    slots: &'a [u32],
    env: EnvId,
    env_name: &'a str,
    /// Concrete environments report; abstract ones are computed silently.
    report: bool,
    state: Vec<State>,
    values: Vec<Option<Arc<Resolved>>>,
    path: Vec<VarId>,
    reporter: &'a mut Reporter,
    budget: &'a mut usize,
    /// Variables an `= unset` leaves without a value here, and where.
    unset: Vec<(VarId, Origin)>,
    /// The evaluation this one inherits from: the parent environment's, or for a
    /// service's view the environment's own.
    base: Option<Base<'a>>,
    /// By variable: its value here is the base's (`shared_value`).
    shared: Vec<bool>,
    /// By variable, the variables whose sites interpolate it.
    read_by: &'a [Vec<VarId>],
}

/// Whether environments share inherited values. Always on; the differential test
/// (`check::tests::sharing_values_changes_nothing`) turns it off to prove that sharing
/// gives exactly the model and diagnostics that evaluating everything everywhere gives.
fn sharing_enabled() -> bool {
    #[cfg(test)]
    return !super::tests::NO_SHARING.with(std::cell::Cell::get);
    #[cfg(not(test))]
    return true;
}

/// Slots and values of an evaluation already done, for another to share from.
#[derive(Clone, Copy)]
struct Base<'a> {
    slots: &'a [u32],
    values: &'a [Option<Arc<Resolved>>],
    /// The base is this same environment (a service's view shares from the environment):
    /// `${env}`, `{env}` and the `insecure` mark are then the same on both sides.
    same_env: bool,
}

impl<'a> Base<'a> {
    /// `None` when there is nothing to share (an environment whose chain is broken has no
    /// values).
    fn of(
        slots: &'a [u32],
        values: &'a [Option<Arc<Resolved>>],
        n_vars: usize,
        same_env: bool,
    ) -> Option<Base<'a>> {
        let usable = slots.len() == n_vars && values.len() == n_vars && sharing_enabled();
        usable.then_some(Base {
            slots,
            values,
            same_env,
        })
    }
}

impl<'a, 'p> EnvEval<'a, 'p> {
    /// The base's value of `var`, when evaluating it here would give exactly that: the
    /// same site gives it, nothing in that site depends on the environment, and every
    /// variable it interpolates is itself shared (late binding: a template reading an
    /// overridden variable is evaluated again). Only clean values are shared; anything that
    /// reports is evaluated again, so each environment still reports for itself, and a
    /// secret's plain value is checked against this environment's `insecure` mark.
    fn shared_value(&self, var: VarId, slot: u32, site: &Site<'_>) -> Option<Arc<Resolved>> {
        let idx = var.index();
        let base = self.base?;
        if (site.env_dependent && !base.same_env) || base.slots[idx] != slot {
            return None;
        }
        let value = base.values[idx].as_ref()?;
        if self.infos[idx].is_secret && !value.value.is_deferred() && !base.same_env {
            return None;
        }
        let deps_shared = site.deps.iter().all(|(dep, _)| match dep {
            Dep::Var(id) => self.shared[id.index()],
            Dep::Env | Dep::Service(_) => true,
        });
        deps_shared.then(|| Arc::clone(value))
    }

    fn push(&mut self, d: Diagnostic) {
        if self.report {
            self.reporter.report(d, self.env_name);
        }
    }

    /// E0342: a `TODO://` placeholder in an environment that `emit` lines write. Without
    /// `emit` lines nothing is written, so a fresh draft from `envdef import` checks clean.
    fn placeholder_used(&mut self, var: VarId, site: &Site<'_>) {
        if self.program.emits.is_empty() {
            return;
        }
        let qualified = self.program.qualified(var);
        let mut d = Diagnostic::error(
            Code::PlaceholderSecretReference,
            format!(
                "secret `{qualified}` still has the placeholder reference drafted by `envdef import` in environment `{}`",
                self.env_name
            ),
        )
        .primary(site.span, "a `TODO://` placeholder")
        .help(format!(
            "point it at your secret store, e.g. `{qualified} from \"vault://kv/{{env}}/db#password\"`; known forms: {}",
            Scheme::known_forms()
        ));
        if self.program.envs[self.env].chain.len() > 1 {
            d = d.note(format!(
                "`{}` inherits from: {}",
                self.env_name,
                self.chain_text()
            ));
        }
        self.push(d);
    }

    /// The service a per-service override site is for.
    fn chain_text(&self) -> String {
        self.program.envs[self.env]
            .chain
            .iter()
            .map(|&i| self.program.envs[i].name.text.as_str())
            .collect::<Vec<_>>()
            .join(" → ")
    }

    /// Evaluates every variable. Dependencies come first, found by an iterative
    /// depth-first walk over the `${...}` edges of each variable's site in this
    /// environment, so evaluation never recurses (no stack depth to exhaust, whatever the
    /// length of a chain) and a cycle is found, reported and poisoned before anything on
    /// it is evaluated.
    /// Takes the base's value of every variable nothing here can change, and marks it
    /// finished for the walk, so that only the rest is visited: an environment overriding a
    /// few percent costs a few percent. A variable is changed here when its site differs
    /// from the base's, depends on the environment, or has no clean value in the base, and
    /// so is every variable any of whose sites interpolates a changed one (a superset of
    /// what this environment's sites read; `compute` then shares what it can of the rest
    /// by the exact rule of `shared_value`).
    fn share_untouched(&mut self, mark: &mut [u8]) {
        let Some(base) = self.base else {
            return;
        };
        let n = mark.len();
        let mut changed = vec![false; n];
        let mut todo: Vec<usize> = Vec::new();
        for (idx, changed) in changed.iter_mut().enumerate() {
            let slot = self.slots[idx];
            let same = slot != NO_SITE && slot == base.slots[idx] && {
                let site = &self.sites[slot as usize];
                let plain_secret =
                    |v: &Resolved| self.infos[idx].is_secret && !v.value.is_deferred();
                match &base.values[idx] {
                    Some(_) if base.same_env => site.ok,
                    Some(v) => site.ok && !site.env_dependent && !plain_secret(v),
                    None => false,
                }
            };
            if !same {
                *changed = true;
                todo.push(idx);
            }
        }
        while let Some(idx) = todo.pop() {
            for reader in &self.read_by[idx] {
                if !changed[reader.index()] {
                    changed[reader.index()] = true;
                    todo.push(reader.index());
                }
            }
        }
        for (idx, changed) in changed.into_iter().enumerate() {
            if !changed {
                self.values[idx] = base.values[idx].clone();
                self.state[idx] = State::Done;
                self.shared[idx] = true;
                mark[idx] = 2;
            }
        }
    }

    fn run(&mut self) {
        let n = self.values.len();
        // 0: not seen, 1: on the walk's stack, 2: finished.
        let mut mark = vec![0u8; n];
        self.share_untouched(&mut mark);
        let mut stack: Vec<(VarId, usize)> = Vec::new();
        for root in 0..n {
            if mark[root] != 0 {
                continue;
            }
            mark[root] = 1;
            stack.push((VarId(root as u32), 0));
            while let Some(&(var, start)) = stack.last() {
                let deps = self.var_deps(var);
                let mut next = start;
                let mut descended = false;
                while next < deps.len() {
                    let (dep, span) = match &deps[next] {
                        (Dep::Var(id), span) => (VarId(id.0), *span),
                        _ => {
                            next += 1;
                            continue;
                        }
                    };
                    next += 1;
                    match mark[dep.index()] {
                        0 => {
                            mark[dep.index()] = 1;
                            descended = true;
                            break;
                        }
                        1 => {
                            let pos = stack.iter().position(|(v, _)| *v == dep).unwrap_or(0);
                            let cycle: Vec<VarId> = stack[pos..].iter().map(|(v, _)| *v).collect();
                            if cycle.iter().all(|v| self.state[v.index()] == State::Todo) {
                                self.report_cycle(&cycle, var, span);
                            }
                            for v in cycle {
                                self.state[v.index()] = State::Poisoned;
                            }
                        }
                        _ => {}
                    }
                }
                if let Some(top) = stack.last_mut() {
                    top.1 = next;
                }
                if descended {
                    if let (Dep::Var(id), _) = &deps[next - 1] {
                        stack.push((VarId(id.0), 0));
                    }
                    continue;
                }
                stack.pop();
                mark[var.index()] = 2;
                self.eval(var, 0);
            }
        }
    }

    /// What `var`'s value interpolates in this environment (a slice of its site, so the
    /// walk allocates nothing per visit).
    fn var_deps(&self, var: VarId) -> &'a [(Dep, Span)] {
        let sites: &'a [Site<'p>] = self.sites;
        let slot = self.slots[var.index()];
        if slot == NO_SITE {
            return &[];
        }
        let site = &sites[slot as usize];
        if !site.ok || site.fixed.is_some() {
            return &[];
        }
        &site.deps
    }

    /// `cycle` lists the variables in walk order; `closing` interpolates `cycle[0]` at
    /// `span`.
    fn report_cycle(&mut self, cycle: &[VarId], closing: VarId, span: Span) {
        let mut names: Vec<&str> = cycle.iter().map(|v| self.program.qualified(*v)).collect();
        names.push(self.program.qualified(cycle[0]));
        let message = if cycle.len() == 1 {
            format!("`{}` interpolates itself", names[0])
        } else {
            format!("interpolation cycle: {}", names.join(" → "))
        };
        let d = Diagnostic::error(Code::InterpolationCycle, message)
            .primary(
                span,
                format!(
                    "`{}` refers back to `{}`",
                    self.program.qualified(closing),
                    names[0]
                ),
            )
            .note(format!(
                "in environment `{}`: {}",
                self.env_name,
                names.join(" → ")
            ))
            .help(if cycle.len() == 1 {
                format!(
                    "a value cannot contain its own `${{{0}}}`: write that part out, or move it into another variable",
                    names[0]
                )
            } else {
                "break the cycle: one of these variables must be given a literal value".to_string()
            });
        self.push(d);
    }

    fn eval(&mut self, var: VarId, depth: usize) -> State {
        let idx = var.index();
        if self.state[idx] != State::Todo {
            return self.state[idx];
        }
        let state = self.compute(var, depth);
        self.state[idx] = state;
        state
    }

    fn compute(&mut self, var: VarId, depth: usize) -> State {
        let idx = var.index();
        let slot = self.slots[idx];
        let info = &self.infos[idx];
        if slot == NO_SITE {
            if info.optional {
                return State::Unset;
            }
            self.report_missing(var);
            return State::Poisoned;
        }
        let site = &self.sites[slot as usize];
        if !site.ok {
            return State::Poisoned;
        }
        if let Some(value) = self.shared_value(var, slot, site) {
            self.values[idx] = Some(value);
            self.shared[idx] = true;
            return State::Done;
        }
        let (value, template) = match site.src {
            SiteSrc::Unset => {
                // No value; where it was removed is kept for explain and diff.
                self.unset.push((
                    var,
                    Origin {
                        env: site.env,
                        span: site.span,
                        template: None,
                        service: site.scope,
                    },
                ));
                return State::Unset;
            }
            SiteSrc::Ref(reference) => {
                let written = reference.to_template();
                // Without `{env}` the text is the one `prepare` already parsed and accepted:
                // parsing it again in every environment would find the same.
                let expands = written.contains("{env}");
                let text = if expands {
                    written.replace("{env}", self.env_name)
                } else {
                    written
                };
                if site.placeholder {
                    self.placeholder_used(var, site);
                } else if expands {
                    if let Err(err) = SecretRef::parse(&text) {
                        // Valid as written, but not once `{env}` is this environment's name.
                        let qualified = self.program.qualified(var).to_string();
                        let note = format!(
                            "`{{env}}` expands to `{}` in this environment",
                            self.env_name
                        );
                        self.push(reference_error(
                            &err,
                            reference.span,
                            &qualified,
                            Some(note),
                        ));
                        return State::Poisoned;
                    }
                }
                (Value::Secret { reference: text }, None)
            }
            SiteSrc::Value(v) => match &site.fixed {
                Some(fixed) => (fixed.clone(), None),
                None if info.is_secret => {
                    let ast::ValueKind::Str(s) = &v.kind else {
                        return State::Poisoned;
                    };
                    self.state[idx] = State::Visiting;
                    self.path.push(var);
                    let value = self.derived(s, site, depth);
                    self.path.pop();
                    match value {
                        Some(value) => (value, Some(written_template(s))),
                        None => return State::Poisoned,
                    }
                }
                None => {
                    self.state[idx] = State::Visiting;
                    self.path.push(var);
                    let mut k = 0;
                    let raw = self.raw(v, site, &mut k, depth);
                    self.path.pop();
                    let Some(raw) = raw else {
                        return State::Poisoned;
                    };
                    let Some(ty) = &info.ty else {
                        return State::Poisoned;
                    };
                    match values::check(&raw, ty, self.regexes) {
                        Ok(value) => {
                            let template = match &v.kind {
                                ast::ValueKind::Str(s) => Some(written_template(s)),
                                _ => None,
                            };
                            (value, template)
                        }
                        Err(err) => {
                            let qualified = self.program.qualified(var).to_string();
                            let expanded = values::short(&raw.raw);
                            let d = value_error(*err, &qualified).note(format!(
                                "in environment `{}` the value expands to {expanded}",
                                self.env_name
                            ));
                            self.push(d);
                            return State::Poisoned;
                        }
                    }
                }
            },
        };
        if info.is_secret && !value.is_deferred() && !self.insecure() {
            self.plain_secret_inherited(var, site);
            return State::Poisoned;
        }
        self.values[idx] = Some(Arc::new(Resolved {
            value,
            origin: Origin {
                env: site.env,
                span: site.span,
                template,
                service: site.scope,
            },
        }));
        State::Done
    }

    /// E0309/E0311: a required variable (or a secret) nothing gives a value here.
    fn report_missing(&mut self, var: VarId) {
        let info = &self.infos[var.index()];
        if self.report {
            let entry = self.program.var(var);
            let qualified = self.program.qualified(var);
            let env = &self.program.envs[self.env];
            let d = if info.is_secret {
                Diagnostic::error(
                    Code::MissingSecretReference,
                    format!("secret `{qualified}` has no reference in environment `{}`", self.env_name),
                )
                .primary(entry.name.span, "declared without `from \"...\"`")
                .secondary(env.name.span, format!("`{}` never gives it one", self.env_name))
                .help(format!(
                    "give the declaration a default (`secret {} from \"vault://.../{{env}}\"`) or add `{qualified} from \"...\"` to `{}` or an ancestor",
                    entry.name.text, self.env_name
                ))
            } else {
                Diagnostic::error(
                    Code::MissingValue,
                    format!("`{qualified}` has no value in environment `{}`", self.env_name),
                )
                .primary(entry.name.span, "required, with no default")
                .secondary(env.name.span, format!("`{}` never sets it", self.env_name))
                .help(format!(
                    "set `{qualified} = ...` in `{}` or an ancestor, give the declaration a default, or make it optional with `?` after the type",
                    self.env_name
                ))
            };
            let d = if env.chain.len() > 1 {
                d.note(format!(
                    "`{}` inherits from: {}",
                    self.env_name,
                    self.chain_text()
                ))
            } else {
                d
            };
            self.push(d);
        }
    }

    fn insecure(&self) -> bool {
        self.program.envs[self.env].insecure.is_some()
    }

    /// E0345: a secret's plain value, written in an `insecure env`, reaches this environment
    /// (which has no mark) through `extends`. The value itself is never quoted.
    fn plain_secret_inherited(&mut self, var: VarId, site: &Site<'_>) {
        let qualified = self.program.qualified(var).to_string();
        let env = &self.program.envs[self.env];
        let from = site.env.map_or("its declaration", |e| {
            self.program.envs[e].name.text.as_str()
        });
        let d = Diagnostic::error(
            Code::PlainSecretInherited,
            format!(
                "secret `{qualified}` has a plain local value in environment `{}`, which is not marked `insecure`",
                self.env_name
            ),
        )
        .primary(site.span, format!("plain value, set in `insecure env {from}`"))
        .secondary(env.name.span, format!("`{}` inherits it, without the mark", self.env_name))
        .note(format!("`{}` inherits from: {}", self.env_name, self.chain_text()))
        .help(format!(
            "give `{}` a reference of its own (`{qualified} from \"vault://...\"`), or mark it `insecure env {}` if it is only ever a local environment",
            self.env_name, self.env_name
        ));
        self.push(d);
    }

    /// Interpolates `value`; `k` walks `site.deps` in the same order `collect_deps` filled it.
    fn raw(
        &mut self,
        value: &ast::Value,
        site: &Site<'_>,
        k: &mut usize,
        depth: usize,
    ) -> Option<RawValue> {
        let raw = match &value.kind {
            ast::ValueKind::Str(s) => {
                let mut out = String::new();
                for part in &s.parts {
                    match part {
                        ast::StrPart::Text(t) => out.push_str(t),
                        ast::StrPart::Interp(_) => {
                            let (dep, span) = site.deps.get(*k)?.clone();
                            *k += 1;
                            match dep {
                                Dep::Env => out.push_str(self.env_name),
                                Dep::Service(name) => out.push_str(&name),
                                Dep::Var(id) => {
                                    let text = self.dep_text(id, span, site, depth)?;
                                    out.push_str(&text);
                                }
                            }
                        }
                    }
                    if out.len() > MAX_VALUE_BYTES {
                        let d = Diagnostic::error(
                            Code::ValueTooLarge,
                            format!(
                                "`{}` expands to more than {} in environment `{}`",
                                self.program.qualified(site.var),
                                "1 MiB",
                                self.env_name
                            ),
                        )
                        .primary(s.span, "this template grows too large")
                        .help("interpolation may produce at most 1 MiB per value; look for a chain like `${A}${A}`");
                        self.push(d);
                        return None;
                    }
                }
                if out.len() > *self.budget {
                    let d = Diagnostic::error(
                        Code::ValueTooLarge,
                        format!(
                            "interpolation produced more than {} MiB in total",
                            MAX_TOTAL_INTERPOLATED_BYTES >> 20
                        ),
                    )
                    .primary(s.span, "the budget ran out here")
                    .help("reduce the size or number of interpolated values");
                    self.push(d);
                    return None;
                }
                *self.budget -= out.len();
                Raw::Str(out)
            }
            ast::ValueKind::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(self.raw(item, site, k, depth)?);
                }
                Raw::List(out)
            }
            _ => return Some(plain_raw(value)),
        };
        Some(RawValue {
            raw,
            span: value.span,
        })
    }

    /// A derived secret's parts: text (literal, `${env}`, non-secret values) and each
    /// interpolated secret's reference, flattened through other derived secrets. Without any
    /// secret part (an `insecure` environment's plain values) the result is a plain string.
    fn derived(&mut self, s: &ast::StrLit, site: &Site<'_>, depth: usize) -> Option<Value> {
        fn push_text(parts: &mut Vec<DerivedPart>, text: &str) {
            match parts.last_mut() {
                Some(DerivedPart::Text { text: last }) => last.push_str(text),
                _ => parts.push(DerivedPart::Text {
                    text: text.to_string(),
                }),
            }
        }
        let mut parts: Vec<DerivedPart> = Vec::new();
        let mut local: Vec<VarId> = Vec::new();
        let mut k = 0;
        for part in &s.parts {
            match part {
                ast::StrPart::Text(t) => push_text(&mut parts, t),
                ast::StrPart::Interp(_) => {
                    let (dep, span) = site.deps.get(k)?.clone();
                    k += 1;
                    match dep {
                        Dep::Env => push_text(&mut parts, self.env_name),
                        Dep::Service(name) => push_text(&mut parts, &name),
                        Dep::Var(id) => {
                            self.dep_ready(id, span, site, depth)?;
                            match &self.values[id.index()].as_ref()?.value {
                                Value::Secret { reference } => parts.push(DerivedPart::Secret {
                                    var: id,
                                    reference: reference.clone(),
                                }),
                                Value::Derived {
                                    parts: inner,
                                    local: inner_local,
                                } => {
                                    for &l in inner_local {
                                        if !local.contains(&l) {
                                            local.push(l);
                                        }
                                    }
                                    for p in inner.clone() {
                                        match p {
                                            DerivedPart::Text { text } => {
                                                push_text(&mut parts, &text);
                                            }
                                            secret => parts.push(secret),
                                        }
                                    }
                                }
                                other => {
                                    if self.infos[id.index()].is_secret && !local.contains(&id) {
                                        local.push(id);
                                    }
                                    push_text(&mut parts, &scalar_text(other)?)
                                }
                            }
                        }
                    }
                }
            }
            let text_len: usize = parts
                .iter()
                .map(|p| match p {
                    DerivedPart::Text { text } => text.len(),
                    DerivedPart::Secret { reference, .. } => reference.len(),
                })
                .sum();
            if parts.len() > MAX_DERIVED_PARTS || text_len > MAX_VALUE_BYTES {
                let d = Diagnostic::error(
                    Code::ValueTooLarge,
                    format!(
                        "derived secret `{}` grows past {MAX_DERIVED_PARTS} parts or 1 MiB in environment `{}`",
                        self.program.qualified(site.var),
                        self.env_name
                    ),
                )
                .primary(s.span, "this template grows too large")
                .help("look for a chain like `${A}${A}` through other derived secrets");
                self.push(d);
                return None;
            }
        }
        if parts
            .iter()
            .any(|p| matches!(p, DerivedPart::Secret { .. }))
        {
            return Some(Value::Derived { parts, local });
        }
        let mut text = String::new();
        for p in parts {
            if let DerivedPart::Text { text: t } = p {
                text.push_str(&t);
            }
        }
        Some(Value::Str(text))
    }

    /// Evaluates `${id}` for `site`; `None` (reported) on a cycle or an unset optional.
    fn dep_ready(&mut self, id: VarId, span: Span, site: &Site<'_>, depth: usize) -> Option<()> {
        if self.state[id.index()] == State::Visiting {
            // `run` evaluates dependencies first and breaks cycles before evaluating, so
            // this only guards against a bug: report it as the cycle it would be.
            let pos = self.path.iter().position(|v| *v == id).unwrap_or(0);
            let cycle = self.path[pos..].to_vec();
            self.report_cycle(&cycle, site.var, span);
            return None;
        }
        match self.eval(id, depth + 1) {
            State::Done => {}
            State::Unset => {
                let d = Diagnostic::error(
                    Code::InvalidInterpolation,
                    format!(
                        "`${{{}}}` refers to an optional variable that is not set in environment `{}`",
                        self.program.var(id).name.text,
                        self.env_name
                    ),
                )
                .primary(span, "unset here")
                .help("set the variable in this environment, or give it a default");
                self.push(d);
                return None;
            }
            _ => return None,
        }
        Some(())
    }

    fn dep_text(&mut self, id: VarId, span: Span, site: &Site<'_>, depth: usize) -> Option<String> {
        self.dep_ready(id, span, site, depth)?;
        scalar_text(&self.values[id.index()].as_ref()?.value)
    }
}

/// The text a value interpolates as (`None` for lists and secrets).
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::Str(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Duration(ms) => Some(format_duration(*ms)),
        Value::List(_) | Value::Secret { .. } | Value::Derived { .. } => None,
    }
}

/// A string's template as written for [`Origin::template`]: a literal `$` stays `$$`, so
/// `explain` (which expands it step by step) never takes a literal `$${X}` for an
/// interpolation, and what it shows is what the source says.
fn written_template(s: &ast::StrLit) -> String {
    let mut out = String::new();
    for part in &s.parts {
        match part {
            // `replace` allocates even when there is nothing to replace; this runs for
            // every interpolated value in every environment.
            ast::StrPart::Text(t) if t.contains('$') => out.push_str(&t.replace('$', "$$")),
            ast::StrPart::Text(t) => out.push_str(t),
            ast::StrPart::Interp(name) => {
                out.push_str("${");
                out.push_str(&name.text);
                out.push('}');
            }
        }
    }
    out
}
