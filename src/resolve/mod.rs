//! Resolve: root file → every imported file parsed → [`Program`]: every declaration in a
//! table by name, every assignment bound to the variable it sets, every environment linked
//! to its parent with its `extends` chain computed once. E02xx.
//!
//! Invariants: names are looked up through hash tables built once (no scans per lookup);
//! variables get their [`VarId`] here, in declaration order, and keep it into the model;
//! a name problem is reported once, at the name, and the offending item is dropped so later
//! phases never see a dangling reference.

mod cache;
mod groups;
mod imports;
mod instances;
mod ladder;
mod program;
mod refs;
mod types;

use std::path::Path;

pub use cache::ParseCache;
use groups::Member;
pub use groups::{GroupEntry, MAX_GROUP_DEPTH};
pub use imports::{MAX_IMPORTED_FILES, MAX_IMPORT_DEPTH};
pub use instances::{
    dns_label, instance_name, is_open, param_members, ParamValue, MAX_INSTANCES, MAX_LABEL,
};
pub use ladder::Ladder;
pub use program::{
    Assignment, EnvEntry, Operand, Program, Refs, ServiceEntry, TypeRef, VarDecl, VarEntry,
};
pub use types::{BUILTIN_TYPES, MAX_TYPE_DEPTH};

use crate::ast;
use crate::diagnostics::{suggest, Code, Diagnostic, Diagnostics};
use crate::hash::{FastHashMap, FastHashSet, FastIndexMap};
use crate::model::{EnvId, ServiceId, VarId};
use crate::source::{LoadError, Loader, SourceMap, Span};

/// Most ancestors an environment may have (the `extends` edges above it).
pub const MAX_EXTENDS_DEPTH: usize = 64;

/// Names with a meaning of their own in values and asserts.
pub const RESERVED_NAMES: &[&str] = &["env", "service", "true", "false"];

/// Loads `root` and its imports and builds the [`Program`]. Only a failure to read the root
/// itself is an `Err`.
pub fn load_program(
    loader: &dyn Loader,
    root: &Path,
    sources: &mut SourceMap,
    diagnostics: &mut Diagnostics,
) -> Result<Program, LoadError> {
    load_program_with(loader, root, &[], sources, diagnostics)
}

/// [`load_program`] with `--param NAME=VALUE` values (`given`) for parameterised
/// environments: each declaration whose open parameters are all given gets an instance.
pub fn load_program_with(
    loader: &dyn Loader,
    root: &Path,
    given: &[(String, String)],
    sources: &mut SourceMap,
    diagnostics: &mut Diagnostics,
) -> Result<Program, LoadError> {
    load_program_cached(loader, root, given, sources, diagnostics, None)
}

/// [`load_program_with`], reusing the parsed files of `cache` whose text did not change
/// (and remembering the files it parses).
pub fn load_program_cached(
    loader: &dyn Loader,
    root: &Path,
    given: &[(String, String)],
    sources: &mut SourceMap,
    diagnostics: &mut Diagnostics,
    cache: Option<&mut ParseCache>,
) -> Result<Program, LoadError> {
    suggest::reset_budget();
    let (items, broken) = imports::load_all(loader, root, sources, diagnostics, cache)?;
    let mut program = build_with(root.display().to_string(), items, given, diagnostics);
    program.broken = broken;
    Ok(program)
}

/// Builds the tables from already-loaded items (also used by tests and `fmt`-free tools).
pub fn build(root_name: String, items: Vec<ast::Item>, diagnostics: &mut Diagnostics) -> Program {
    build_with(root_name, items, &[], diagnostics)
}

/// [`build`] with `--param` values (see [`load_program_with`]).
pub fn build_with(
    root_name: String,
    items: Vec<ast::Item>,
    given: &[(String, String)],
    diagnostics: &mut Diagnostics,
) -> Program {
    let mut program = Program {
        root_name,
        project: None,
        types: FastIndexMap::default(),
        vars: FastIndexMap::default(),
        services: FastIndexMap::default(),
        groups: FastIndexMap::default(),
        envs: FastIndexMap::default(),
        env_order: Vec::new(),
        asserts: Vec::new(),
        emits: Vec::new(),
        ladders: Vec::new(),
        promoted: Vec::new(),
        unresolved_uses: 0,
        broken: Vec::new(),
        refs: Refs::default(),
    };
    let mut env_decls = Vec::new();
    let mut service_members = Vec::new();
    let mut promotes = Vec::new();
    let mut templates = Vec::new();
    for item in items {
        match item {
            ast::Item::Project(p) => match &program.project {
                Some(first) => diagnostics.push(
                    Diagnostic::error(Code::DuplicateDeclaration, "the project is named twice")
                        .primary(p.name.span, "named again here")
                        .secondary(first.span, "first named here")
                        .help("a fleet has one `project` name; keep it in the root file"),
                ),
                None => program.project = Some(p.name),
            },
            ast::Item::Import(_) => {}
            ast::Item::Type(t) => declare_type(&mut program, t, diagnostics),
            ast::Item::Var(v) => declare_var(&mut program, None, VarDecl::Var(v), diagnostics),
            ast::Item::Secret(s) => {
                declare_var(&mut program, None, VarDecl::Secret(s), diagnostics)
            }
            ast::Item::Flag(f) => declare_var(&mut program, None, VarDecl::Flag(f), diagnostics),
            ast::Item::Service(s) => {
                if let Some(first) = program.services.get(&s.name.text) {
                    diagnostics.push(duplicate("service", &s.name, first.name.span));
                    continue;
                }
                let idx = ServiceId::new(program.services.len());
                program.services.insert(
                    s.name.text.clone(),
                    ServiceEntry {
                        name: s.name.clone(),
                        span: s.span,
                        own: Vec::new(),
                        uses: Vec::new(),
                        keys: Vec::new(),
                    },
                );
                for member in s.members {
                    match member {
                        ast::ServiceMember::Var(v) => {
                            declare_var(&mut program, Some(idx), VarDecl::Var(v), diagnostics)
                        }
                        ast::ServiceMember::Secret(x) => {
                            declare_var(&mut program, Some(idx), VarDecl::Secret(x), diagnostics)
                        }
                        // `uses` may name declarations that come later: bind them after.
                        ast::ServiceMember::Uses(u) => service_members.push((idx, u)),
                    }
                }
            }
            ast::Item::Env(mut e) => {
                if let Some(first) = program.envs.get(&e.name.text) {
                    diagnostics.push(duplicate("environment", &e.name, first.name.span));
                    continue;
                }
                let mut entry = env_entry(&e, Vec::new());
                if !e.params.is_empty() {
                    // The declaration is the abstract base of its instances, which are
                    // added once every name is known (they may not take one).
                    entry.is_abstract = true;
                    entry.param_decls = e.params.clone();
                    let uses = instances::split(&mut e);
                    templates.push((e.clone(), uses));
                }
                program.envs.insert(e.name.text.clone(), entry);
                env_decls.push(e);
            }
            ast::Item::Assert(a) => program.asserts.push(a),
            ast::Item::Emit(e) => program.emits.push(e),
            ast::Item::Promote(p) => promotes.push(p),
            ast::Item::Group(g) => declare_group(&mut program, g, diagnostics),
        }
    }
    flatten_groups(&mut program, diagnostics);
    // What each service already reads, built once per service (not once per `uses` line,
    // which was quadratic for services with many `uses` lines).
    let mut reads: Vec<Option<FastHashSet<VarId>>> =
        (0..program.services.len()).map(|_| None).collect();
    for (svc, uses) in service_members {
        let seen = reads[svc.index()].get_or_insert_with(|| {
            let service = &program.services[svc];
            service
                .own
                .iter()
                .copied()
                .chain(service.uses.iter().map(|(id, _)| *id))
                .collect()
        });
        bind_uses(&mut program, svc, uses, seen, diagnostics);
    }
    let scope = instances::Scope {
        types: &program.types,
        envs: &program.envs,
        vars: &program.vars,
        given,
    };
    let instances = instances::expand(&scope, &templates, diagnostics);
    if !instances.is_empty() {
        env_decls = place_instances(&mut program, env_decls, instances);
    }
    for (env_idx, decl) in env_decls.into_iter().enumerate() {
        bind_assignments(&mut program, EnvId::new(env_idx), decl, diagnostics);
    }
    mark_nested_groups_used(&mut program);
    link_envs(&mut program, diagnostics);
    program.promoted = promotes
        .iter()
        .flat_map(|p: &ast::PromoteDecl| p.envs.iter().cloned())
        .collect();
    program.ladders = ladder::bind(&program.envs, promotes, diagnostics);
    program.refs = refs::bind(&program, diagnostics);
    program.refs.types = types::bind(&program, diagnostics);
    program
}

/// Adds the instances right after the declaration each extends (so `list` and every
/// target show `production`, `production-eu`, `production-us` together), keeping
/// `program.envs` and the declarations in one order.
fn place_instances(
    program: &mut Program,
    env_decls: Vec<ast::EnvDecl>,
    instances: Vec<instances::Instance>,
) -> Vec<ast::EnvDecl> {
    let mut by_base: FastHashMap<String, Vec<instances::Instance>> = FastHashMap::default();
    for instance in instances {
        let base = instance
            .decl
            .parent
            .as_ref()
            .map_or_else(String::new, |p| p.text.clone());
        by_base.entry(base).or_default().push(instance);
    }
    let old = std::mem::take(&mut program.envs);
    let mut decls = Vec::with_capacity(env_decls.len());
    for ((name, entry), decl) in old.into_iter().zip(env_decls) {
        let own = by_base.remove(&name);
        program.envs.insert(name, entry);
        decls.push(decl);
        for instance in own.into_iter().flatten() {
            let entry = env_entry(&instance.decl, instance.params);
            program.envs.insert(instance.decl.name.text.clone(), entry);
            decls.push(instance.decl);
        }
    }
    decls
}

fn env_entry(e: &ast::EnvDecl, params: Vec<ParamValue>) -> EnvEntry {
    EnvEntry {
        name: e.name.clone(),
        insecure: e.insecure,
        is_abstract: e.is_abstract,
        span: e.span,
        parent_name: e.parent.clone(),
        parent: None,
        chain: Vec::new(),
        assignments: Vec::new(),
        param_decls: Vec::new(),
        params,
    }
}

/// `what` is the kind of declaration; `{}` in it is replaced by the quoted name
/// (`variable {} of service `api``), else the name follows it.
fn duplicate(what: &str, name: &ast::Ident, first: Span) -> Diagnostic {
    let quoted = format!("`{}`", name.text);
    let subject = if what.contains("{}") {
        what.replace("{}", &quoted)
    } else {
        format!("{what} {quoted}")
    };
    Diagnostic::error(
        Code::DuplicateDeclaration,
        format!("{subject} is declared twice"),
    )
    .primary(name.span, "declared again here")
    .secondary(first, "first declared here")
    .help("rename one of them, or delete the second (an import may only add names)")
}

fn declare_type(program: &mut Program, decl: ast::TypeDecl, diagnostics: &mut Diagnostics) {
    let name = &decl.name;
    if BUILTIN_TYPES.contains(&name.text.as_str()) {
        diagnostics.push(
            Diagnostic::error(
                Code::ReservedName,
                format!("`{}` is a built-in type and cannot be redefined", name.text),
            )
            .primary(name.span, "reserved name")
            .help("choose another name, e.g. a capitalised one like `Port`"),
        );
        return;
    }
    if let Some(first) = program.types.get(&name.text) {
        diagnostics.push(duplicate("type", name, first.name.span));
        return;
    }
    program.types.insert(name.text.clone(), decl);
}

fn declare_var(
    program: &mut Program,
    owner: Option<ServiceId>,
    decl: VarDecl,
    diagnostics: &mut Diagnostics,
) {
    let name = match &decl {
        VarDecl::Var(d) => d.name.clone(),
        VarDecl::Secret(d) => d.name.clone(),
        VarDecl::Flag(d) => d.name.clone(),
    };
    if RESERVED_NAMES.contains(&name.text.as_str()) {
        diagnostics.push(
            Diagnostic::error(
                Code::ReservedName,
                format!(
                    "`{}` is reserved and cannot name a {}",
                    name.text,
                    decl.kind_word()
                ),
            )
            .primary(name.span, "reserved name")
            .help(
                "`env` and `service` are the built-in names of the current environment and service",
            ),
        );
        return;
    }
    let qualified = match owner {
        Some(svc) => format!("{}.{}", program.services[svc].name.text, name.text),
        None => name.text.clone(),
    };
    if let Some(first) = program.vars.get(&qualified) {
        let what = match owner {
            Some(svc) => format!(
                "{} {{}} of service `{}`",
                decl.kind_word(),
                program.services[svc].name.text
            ),
            None => decl.kind_word().to_string(),
        };
        diagnostics.push(duplicate(&what, &name, first.name.span));
        return;
    }
    if let Some(svc) = owner {
        let id = VarId(program.vars.len() as u32);
        program.services[svc].own.push(id);
    }
    program
        .vars
        .insert(qualified, VarEntry { name, owner, decl });
}

/// `seen`: what the service already reads (its own variables and earlier `uses`), so long
/// and many `uses` lists stay linear.
fn bind_uses(
    program: &mut Program,
    svc: ServiceId,
    uses: ast::UsesDecl,
    seen: &mut FastHashSet<VarId>,
    diagnostics: &mut Diagnostics,
) {
    let aliases = uses.aliases.into_iter().chain(std::iter::repeat(None));
    for (name, alias) in uses.names.into_iter().zip(aliases) {
        // `uses` names shared declarations; a service's own variables are its anyway, so
        // naming one there is accepted as a no-op (and a shared one of the same name is
        // still the shared one, which makes the two collide visibly in E0321).
        let found = program
            .lookup(&name.text, None)
            .or_else(|| program.lookup(&name.text, Some(svc)));
        if found.is_none() {
            if let Some(g) = program.groups.get_index_of(&name.text) {
                program.groups[g].used = true;
                if let Some(alias) = &alias {
                    diagnostics.push(groups::group_alias(&name, alias));
                    program.unresolved_uses += 1;
                    continue;
                }
                let Some(members) = program.groups[g].members.clone() else {
                    // A group in a cycle (reported) stands for nothing.
                    program.unresolved_uses += 1;
                    continue;
                };
                for m in members {
                    if seen.insert(m.var) {
                        program.services[svc].uses.push((m.var, name.span));
                    }
                    program.services[svc].keys.push((m.var, m.alias));
                }
                continue;
            }
        }
        match found {
            Some(id) => {
                if seen.insert(id) {
                    program.services[svc].uses.push((id, name.span));
                }
                program.services[svc].keys.push((id, alias));
            }
            None => {
                // Another service's own variable cannot be used (`uses api.A` is not
                // syntax), so "write `api.A`" would send the user into a syntax error.
                let owner = program
                    .vars
                    .values()
                    .find(|v| v.name.text == name.text)
                    .and_then(|v| v.owner);
                program.unresolved_uses += 1;
                let help = match owner {
                    Some(owner) => Some(format!(
                        "`{}` is service `{}`'s own variable, which no other service can use; declare it at the top level (a shared variable) and `uses` it from both services",
                        name.text,
                        program.services[owner].name.text
                    )),
                    None if !program.groups.is_empty() => {
                        group_did_you_mean(program, &name.text)
                    }
                    None => program.unknown_name_help(&name.text),
                };
                let what = if program.groups.is_empty() {
                    "variable"
                } else {
                    "variable or group"
                };
                diagnostics.push(
                    Diagnostic::error(
                        Code::UnknownVariable,
                        format!(
                            "service `{}` uses unknown {what} `{}`",
                            program.services[svc].name.text, name.text
                        ),
                    )
                    .primary(
                        name.span,
                        if owner.is_some() {
                            "not a shared variable"
                        } else {
                            "not declared"
                        },
                    )
                    .help_opt(help),
                );
            }
        }
    }
}

fn bind_assignments(
    program: &mut Program,
    env: EnvId,
    decl: ast::EnvDecl,
    diagnostics: &mut Diagnostics,
) {
    // First assignment of each variable in this environment, for duplicates.
    let mut seen: FastHashMap<(VarId, Option<ServiceId>), Span> = FastHashMap::default();
    let env_name = decl.name.text.clone();
    let mut bound = Vec::with_capacity(decl.assignments.len());
    for assignment in decl.assignments {
        let target = &assignment.target;
        let id = match &target.service {
            Some(svc) => {
                let Some(svc_idx) = program.service_named(svc, diagnostics) else {
                    continue;
                };
                let qualified = format!("{}.{}", svc.text, target.name.text);
                match program.var_id(&qualified) {
                    Some(id) => (id, None),
                    // A shared declaration: an override for this one service. Whether
                    // the service reads it is checked once values are known
                    // (`check`), since reading it through another variable's `${…}`
                    // counts.
                    None => match program.lookup(&target.name.text, None) {
                        Some(id) => (id, Some(svc_idx)),
                        None => {
                            unknown_service_variable(program, svc_idx, svc, target, diagnostics);
                            continue;
                        }
                    },
                }
            }
            None => {
                match program.lookup(&target.name.text, None) {
                    Some(id) => (id, None),
                    None => {
                        let help = program.unknown_name_help(&target.name.text);
                        diagnostics.push(
                            Diagnostic::error(
                                Code::UnknownVariable,
                                format!(
                                    "environment `{env_name}` sets `{}`, which is not declared",
                                    target.name.text
                                ),
                            )
                            .primary(target.name.span, "not declared")
                            .help_opt(help.or_else(|| {
                                Some("declare it first with `var NAME: TYPE`".to_string())
                            })),
                        );
                        continue;
                    }
                }
            }
        };
        let (id, service) = id;
        if let Some(first) = seen.get(&(id, service)) {
            let name = match service {
                Some(svc) => format!(
                    "{}.{}",
                    program.services[svc].name.text,
                    program.qualified(id)
                ),
                None => program.qualified(id).to_string(),
            };
            diagnostics.push(
                Diagnostic::error(
                    Code::DuplicateAssignment,
                    format!("`{name}` is set twice in environment `{env_name}`"),
                )
                .primary(target.span, "set again here")
                .secondary(*first, "first set here")
                .help("delete one of the two assignments"),
            );
            continue;
        }
        seen.insert((id, service), target.span);
        bound.push(Assignment {
            var: id,
            service,
            target: assignment.target,
            rhs: assignment.rhs,
            span: assignment.span,
        });
    }
    program.envs[env].assignments = bound;
}

/// E0201 for `svc.NAME` where `NAME` is neither `svc`'s own variable nor a shared one.
fn unknown_service_variable(
    program: &Program,
    svc_idx: ServiceId,
    svc: &ast::Ident,
    target: &ast::AssignTarget,
    diagnostics: &mut Diagnostics,
) {
    let own: Vec<&str> = program.services[svc_idx]
        .own
        .iter()
        .map(|id| program.var(*id).name.text.as_str())
        .collect();
    let shared = program
        .vars
        .iter()
        .filter(|(_, v)| v.owner.is_none())
        .map(|(k, _)| k.as_str());
    let help =
        suggest::did_you_mean(&target.name.text, own.into_iter().chain(shared)).or_else(|| {
            // The name may belong to another service.
            program
                .vars
                .iter()
                .find(|(_, v)| v.owner.is_some() && v.name.text == target.name.text)
                .map(|(q, _)| {
                    format!(
                        "`{}` is declared in another service; write `{q}`",
                        target.name.text
                    )
                })
        });
    diagnostics.push(
        Diagnostic::error(
            Code::UnknownVariable,
            format!(
                "service `{}` has no variable `{}`",
                svc.text, target.name.text
            ),
        )
        .primary(
            target.name.span,
            "neither declared in this service nor shared",
        )
        .help_opt(help),
    );
}

/// Binds parents, finds cycles and computes every chain once (memoised: each environment's
/// chain is its parent's plus itself, so the total work is linear in the number of envs).
fn link_envs(program: &mut Program, diagnostics: &mut Diagnostics) {
    let n = program.envs.len();
    for idx in (0..n).map(EnvId::new) {
        let Some(parent) = program.envs[idx].parent_name.clone() else {
            continue;
        };
        match program.envs.get_index_of(&parent.text) {
            Some(p) => program.envs[idx].parent = Some(EnvId::new(p)),
            None => {
                let env_name = program.envs[idx].name.text.clone();
                let help = suggest::did_you_mean(
                    &parent.text,
                    program
                        .envs
                        .keys()
                        .map(String::as_str)
                        .filter(|k| *k != env_name),
                );
                diagnostics.push(
                    Diagnostic::error(
                        Code::UnknownParent,
                        format!(
                            "environment `{env_name}` extends unknown environment `{}`",
                            parent.text
                        ),
                    )
                    .primary(parent.span, "not defined in this file or its imports")
                    .help_opt(help),
                );
            }
        }
    }
    // 0 = unvisited, 1 = on the current path, 2 = done (chain set or broken).
    let mut state = vec![0u8; n];
    for start in (0..n).map(EnvId::new) {
        if state[start.index()] != 0 {
            continue;
        }
        // Walk up until a finished env, a root, or a revisit of the current path.
        let mut path = Vec::new();
        let mut cur = Some(start);
        let mut cycle_at = None;
        while let Some(idx) = cur {
            match state[idx.index()] {
                2 => break,
                1 => {
                    cycle_at = Some(idx);
                    break;
                }
                _ => {
                    state[idx.index()] = 1;
                    path.push(idx);
                    cur = program.envs[idx].parent;
                }
            }
        }
        if let Some(c) = cycle_at {
            let pos = path.iter().position(|&i| i == c).unwrap_or(0);
            let cycle: Vec<EnvId> = path[pos..].to_vec();
            report_cycle(program, &cycle, diagnostics);
        }
        // Where the cycle starts on `path`, found once: asking per member made a long
        // cycle quadratic (10,000 environments took seconds).
        let cycle_pos = cycle_at.and_then(|c| path.iter().position(|&i| i == c));
        // Finish the path from the top down so each chain extends its parent's.
        for (pos, &idx) in path.iter().enumerate().rev() {
            state[idx.index()] = 2;
            let parent_chain_ok = match program.envs[idx].parent {
                None => program.envs[idx].parent_name.is_none(),
                Some(p) => !program.envs[p].chain.is_empty(),
            };
            let in_cycle = cycle_pos.is_some_and(|c| pos >= c);
            if in_cycle || !parent_chain_ok {
                continue;
            }
            let mut chain = vec![idx];
            if let Some(p) = program.envs[idx].parent {
                chain.extend_from_slice(&program.envs[p].chain);
            }
            // `chain` holds the environment itself and its ancestors.
            if chain.len() > MAX_EXTENDS_DEPTH + 1 {
                let env = &program.envs[idx];
                // Report once, at the env where the chain first gets too long.
                if chain.len() == MAX_EXTENDS_DEPTH + 2 {
                    diagnostics.push(
                        Diagnostic::error(
                            Code::ExtendsTooDeep,
                            format!(
                                "environment `{}` has more than {MAX_EXTENDS_DEPTH} ancestors",
                                env.name.text
                            ),
                        )
                        .primary(env.name.span, "chain too long")
                        .help(
                            "flatten the hierarchy: extend a shared abstract environment instead",
                        ),
                    );
                }
                continue;
            }
            program.envs[idx].chain = chain;
        }
    }
    // Parents before children: sort the sound envs by chain length (stable, so
    // declaration order is kept among equals).
    let mut order: Vec<EnvId> = (0..n)
        .map(EnvId::new)
        .filter(|&i| !program.envs[i].chain.is_empty())
        .collect();
    order.sort_by_key(|&i| program.envs[i].chain.len());
    program.env_order = order;
}

fn report_cycle(program: &Program, cycle: &[EnvId], diagnostics: &mut Diagnostics) {
    // Report at the first-declared member so the error has one stable place.
    let first = *cycle.iter().min().unwrap_or(&cycle[0]);
    let start = cycle.iter().position(|&i| i == first).unwrap_or(0);
    let mut names: Vec<&str> = cycle[start..]
        .iter()
        .chain(&cycle[..start])
        .map(|&i| program.envs[i].name.text.as_str())
        .collect();
    names.push(program.envs[first].name.text.as_str());
    let env = &program.envs[first];
    let parent_span = env.parent_name.as_ref().map_or(env.name.span, |p| p.span);
    let message = if cycle.len() == 1 {
        format!("environment `{}` extends itself", env.name.text)
    } else {
        format!("environments inherit in a cycle: {}", names.join(" → "))
    };
    let mut d = Diagnostic::error(Code::InheritanceCycle, message)
        .primary(parent_span, "this `extends` starts the cycle");
    for &i in cycle.iter().filter(|&&i| i != first) {
        if let Some(p) = &program.envs[i].parent_name {
            d = d.secondary(
                p.span,
                format!("`{}` extends `{}`", program.envs[i].name.text, p.text),
            );
        }
    }
    diagnostics.push(
        d.note(format!("chain: {}", names.join(" extends ")))
            .help("remove one `extends` so the chain ends at an environment without a parent"),
    );
}

// ── groups ──────────────────────────────────────────────────────────────────────────────

/// Records a `group` declaration (E0204 for a second group of one name).
fn declare_group(program: &mut Program, decl: ast::GroupDecl, diagnostics: &mut Diagnostics) {
    if let Some(first) = program.groups.get(&decl.name.text) {
        diagnostics.push(duplicate("group", &decl.name, first.name.span));
        return;
    }
    program.groups.insert(
        decl.name.text.clone(),
        groups::GroupEntry {
            name: decl.name,
            span: decl.span,
            uses: decl.uses,
            members: None,
            used: false,
        },
    );
}

/// Flattens every group (after all declarations are known).
fn flatten_groups(program: &mut Program, diagnostics: &mut Diagnostics) {
    for (name, group) in &program.groups {
        if let Some(id) = program.lookup(name, None) {
            diagnostics.push(
                duplicate("name", &group.name, program.var(id).name.span)
                    .help("a group and a shared declaration share one name space (`uses NAME` names either); rename the group"),
            );
        }
    }
    let n = program.groups.len();
    // 0: not flattened, 1: being flattened (on the walk), 2: done.
    let mut state = vec![0u8; n];
    let mut members: Vec<Option<Vec<Member>>> = vec![None; n];
    // Unknown members, `as` on a group: uses that did not resolve (W0301 then stays
    // quiet, as for a service's own unknown `uses`). A cycle counts when a service uses it.
    let mut unresolved = 0;
    for g in 0..n {
        let mut path = Vec::new();
        walk_group(
            program,
            g,
            &mut state,
            &mut members,
            &mut path,
            &mut unresolved,
            diagnostics,
        );
    }
    program.unresolved_uses += unresolved;
    for (group, members) in program.groups.values_mut().zip(members) {
        group.members = members;
    }
}

fn walk_group(
    program: &Program,
    g: usize,
    state: &mut [u8],
    members: &mut [Option<Vec<Member>>],
    path: &mut Vec<usize>,
    unresolved: &mut usize,
    diagnostics: &mut Diagnostics,
) {
    if state[g] != 0 {
        return;
    }
    state[g] = 1;
    path.push(g);
    let group = &program.groups[g];
    let mut out: Vec<Member> = Vec::new();
    let mut broken = false;
    for uses in &group.uses {
        let aliases = uses.aliases.iter().chain(std::iter::repeat(&None));
        for (name, alias) in uses.names.iter().zip(aliases) {
            if let Some(id) = program.lookup(&name.text, None) {
                out.push(groups::Member {
                    var: id,
                    span: name.span,
                    alias: alias.clone(),
                });
                continue;
            }
            let Some(h) = program.groups.get_index_of(&name.text) else {
                diagnostics.push(unknown_member(program, &group.name.text, name));
                *unresolved += 1;
                continue;
            };
            if let Some(alias) = alias {
                diagnostics.push(groups::group_alias(name, alias));
                *unresolved += 1;
                continue;
            }
            if state[h] == 1 || path.len() > MAX_GROUP_DEPTH {
                diagnostics.push(group_cycle(program, path, h, name));
                broken = true;
                continue;
            }
            walk_group(program, h, state, members, path, unresolved, diagnostics);
            match &members[h] {
                Some(inner) => out.extend(inner.iter().cloned()),
                None => broken = true,
            }
        }
    }
    path.pop();
    state[g] = 2;
    if !broken {
        // One member per variable and key: a variable listed twice under two keys stays
        // twice, so that the service reading it sees both (E0344) instead of one silently.
        let mut seen = FastHashSet::default();
        out.retain(|m| seen.insert((m.var, m.alias.as_ref().map(|a| a.text.clone()))));
        members[g] = Some(out);
    }
}

/// E0209 for a member that is neither a shared declaration nor a group.
fn unknown_member(program: &Program, group: &str, name: &ast::Ident) -> Diagnostic {
    Diagnostic::error(
        Code::UnknownVariable,
        format!(
            "group `{group}` uses unknown variable or group `{}`",
            name.text
        ),
    )
    .primary(name.span, "not declared")
    .help_opt(group_did_you_mean(program, &name.text))
}

/// "did you mean" over shared declarations and groups.
fn group_did_you_mean(program: &Program, name: &str) -> Option<String> {
    let shared = program
        .vars
        .iter()
        .filter(|(_, v)| v.owner.is_none())
        .map(|(k, _)| k.as_str());
    suggest::did_you_mean(
        name,
        shared.chain(program.groups.keys().map(String::as_str)),
    )
}

fn group_cycle(program: &Program, path: &[usize], back: usize, at: &ast::Ident) -> Diagnostic {
    let name = |i: usize| program.groups[i].name.text.as_str();
    let (message, note) = match path.iter().position(|&p| p == back) {
        Some(pos) => {
            let mut names: Vec<&str> = path[pos..].iter().map(|&i| name(i)).collect();
            names.push(name(back));
            (
                if names.len() == 2 {
                    format!("group `{}` uses itself", name(back))
                } else {
                    format!("groups use each other in a cycle: {}", names.join(" → "))
                },
                format!("chain: {}", names.join(" uses ")),
            )
        }
        None => (
            format!("groups nest more than {MAX_GROUP_DEPTH} deep"),
            format!("reached `{}` through {} groups", name(back), path.len()),
        ),
    };
    Diagnostic::error(Code::GroupCycle, message)
        .primary(at.span, "this `uses` closes the cycle")
        .secondary(program.groups[back].name.span, "declared here")
        .note(note)
        .help("remove one of these `uses`: a group lists variables and other groups, never itself")
}

/// A group named inside a used group is used too (W0301 warns only about groups no
/// service reaches).
fn mark_nested_groups_used(program: &mut Program) {
    let mut todo: Vec<usize> = (0..program.groups.len())
        .filter(|&g| program.groups[g].used)
        .collect();
    while let Some(g) = todo.pop() {
        let named: Vec<usize> = program.groups[g]
            .uses
            .iter()
            .flat_map(|u| &u.names)
            .filter_map(|n| program.groups.get_index_of(&n.text))
            .collect();
        for h in named {
            if !program.groups[h].used {
                program.groups[h].used = true;
                todo.push(h);
            }
        }
    }
}
