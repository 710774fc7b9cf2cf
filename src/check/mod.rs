//! Check: [`Program`] → [`Model`]: types, attributes, values per environment (after
//! inheritance and interpolation), secrets, asserts, emit lines and warnings. E03xx, W03xx.
//!
//! Order of work: types once → per-variable info once → every value site checked once →
//! each environment's values computed once (parents first) → asserts over those values →
//! warnings → model. The model is built even when there are errors (the caller drops it),
//! so one run reports everything it can.

mod asserts;
mod attrs;
mod emits;
mod envs;
mod live;
mod local_values;
mod params;
mod patterns;
mod promote;
mod types;
mod values;

use indexmap::IndexMap;

pub use emits::known_options;
pub use envs::{MAX_TOTAL_INTERPOLATED_BYTES, MAX_VALUE_BYTES};
pub use live::live_asserts;
pub use types::REGEX_SIZE_LIMIT;
pub use values::format_duration;
pub(crate) use values::{clip as values_clip, url_problem};

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::hash::{FastHashMap, FastHashSet, FastIndexMap};
use crate::model::{self, Model, ServiceId, TypeKind, VarDef, VarId, VarKind};
use crate::resolve::{Program, VarDecl};
use crate::source::SourceMap;

use envs::VarInfo;
use types::{TyInfo, TypeTable};

/// Most values (environments × variables, abstract environments included) one
/// compilation computes: 250 times the 10,000 × 20 fleet the design targets, about half a
/// gigabyte of model.
pub const MAX_VALUES: usize = 5_000_000;

/// Checks the program; returns the model (meaningful only when no error was pushed).
pub fn check(
    program: &Program,
    sources: &SourceMap,
    diagnostics: &mut Diagnostics,
) -> Option<Model> {
    let mut types = TypeTable::new(program);
    types.lower_all_named(diagnostics);
    let infos: Vec<VarInfo> = program
        .vars
        .values()
        .map(|entry| {
            let (ty, is_secret, optional) = match &entry.decl {
                VarDecl::Var(d) => (types.lower(&d.ty, diagnostics), false, d.optional),
                VarDecl::Secret(d) => (
                    Some(TyInfo::simple(TypeKind::String, d.name.span)),
                    true,
                    false,
                ),
                VarDecl::Flag(d) => (Some(flag_type(d)), false, false),
            };
            let meta = attrs::var_meta(&entry.decl, ty.as_ref().map(|t| &t.ty.kind), diagnostics);
            VarInfo {
                ty,
                meta,
                is_secret,
                optional,
            }
        })
        .collect();
    params::check_params(program, &mut types, diagnostics);
    let mut regexes = std::mem::take(&mut types.regexes);
    let cells = program.env_order.len().saturating_mul(program.vars.len());
    if cells > MAX_VALUES {
        // Every environment holds a value slot per variable; past this the model alone
        // would take gigabytes, so refuse before allocating rather than run out of memory.
        let last = program.env_order.last().map(|&i| &program.envs[i]);
        let mut d = Diagnostic::error(
            Code::TooManyValues,
            format!(
                "{} environments × {} variables = {cells} values; envdef computes at most {MAX_VALUES}",
                program.env_order.len(),
                program.vars.len()
            ),
        )
        .help("split the fleet into several sources, or use fewer environments");
        if let Some(env) = last {
            d = d.primary(env.name.span, "one environment too many");
        }
        diagnostics.push(d);
        emits::lower_emits(
            &program.emits,
            Vec::new(),
            &param_names(program),
            diagnostics,
        );
        return None;
    }
    let computed = envs::evaluate(program, &infos, &regexes, diagnostics);
    let optional: Vec<bool> = infos.iter().map(|i| i.optional).collect();
    let unions: Vec<Option<Vec<String>>> = infos
        .iter()
        .map(|i| match i.ty.as_ref().map(|t| &t.ty.kind) {
            Some(TypeKind::Enum { members }) => Some(members.clone()),
            _ => None,
        })
        .collect();
    overrides_read(program, &computed, diagnostics);
    asserts::check_asserts(
        program,
        sources,
        (&computed.values, &computed.views, &[]),
        &optional,
        &unions,
        &mut regexes,
        diagnostics,
    );
    let scopes = asserts::emit_scopes(
        program,
        (&computed.values, &computed.views),
        &unions,
        &mut regexes,
        diagnostics,
    );
    let emits = emits::lower_emits(&program.emits, scopes, &param_names(program), diagnostics);
    promote::check_ladders(program, &computed.values, diagnostics);
    warnings(program, &infos, &computed, diagnostics);
    let model = build_model(program, &infos, computed, emits);
    check_emitted_names(program, &model, diagnostics);
    local_values::plain_values_in_artifacts(&model, diagnostics);
    patterns::check_carried(&model, &infos, diagnostics);
    local_values::derived_in_templates(&model, diagnostics);
    Some(model)
}

/// A flag is a bool, or a percentage rollout when its default is an integer: `int in
/// 0..=100` (so `flag checkout = 25` and `checkout = 100` in an environment type-check
/// like any refined variable).
/// Every environment parameter's name (`branch`, `region`), each once: the placeholders
/// an emit path may use besides `{env}` and `{service}`.
fn param_names(program: &Program) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    for p in program.envs.values().flat_map(|e| e.param_decls.iter()) {
        if !names.contains(&p.name.text.as_str()) {
            names.push(&p.name.text);
        }
    }
    names
}

/// An instance's parameter values, as the model carries them.
fn param_bindings(env: &crate::resolve::EnvEntry) -> Vec<model::ParamBinding> {
    env.params
        .iter()
        .map(|p| model::ParamBinding {
            name: p.param.name.text.clone(),
            value: p.value.clone(),
            label: p.label.clone(),
            given: p.given,
        })
        .collect()
}

/// A parameterised declaration's parameters that need `--param` (no finite domain).
fn open_params(program: &Program, env: &crate::resolve::EnvEntry) -> Vec<String> {
    env.param_decls
        .iter()
        .filter(|p| crate::resolve::is_open(p, &program.types))
        .map(|p| p.name.text.clone())
        .collect()
}

fn flag_type(decl: &crate::ast::FlagDecl) -> TyInfo {
    if !matches!(decl.default.kind, crate::ast::ValueKind::Int(_)) {
        return TyInfo::simple(TypeKind::Bool, decl.name.span);
    }
    let mut info = TyInfo::simple(TypeKind::Int, decl.name.span);
    info.ty.refinements.push(model::Refinement::Range {
        lo: model::Number::Int(0),
        hi: model::Number::Int(100),
        inclusive: true,
    });
    info.ty.name = Some("percentage".to_string());
    info.refinement_spans.push(decl.name.span);
    info
}

fn build_model(
    program: &Program,
    infos: &[VarInfo],
    computed: envs::EnvValues,
    emits: Vec<model::Emit>,
) -> Model {
    let envs::EnvValues {
        mut values,
        mut unsets,
        mut views,
        mut defaults,
        ..
    } = computed;
    let vars: Vec<VarDef> = program
        .vars
        .values()
        .zip(infos)
        .enumerate()
        .map(|(i, (entry, info))| {
            var_def(
                program,
                entry,
                info,
                defaults.get_mut(i).and_then(Option::take),
            )
        })
        .collect();
    let mut services = FastIndexMap::default();
    if program.services.is_empty() {
        let name = program
            .project
            .as_ref()
            .map_or_else(|| "app".to_string(), |p| p.text.clone());
        let span = program.project.as_ref().map(|p| p.span).unwrap_or_default();
        services.insert(
            name.clone(),
            model::Service {
                name,
                vars: (0..vars.len()).map(|i| VarId(i as u32)).collect(),
                implicit: true,
                aliases: IndexMap::new(),
                more_keys: Vec::new(),
                override_tfvars: IndexMap::new(),
                span,
            },
        );
    } else {
        for svc in program.services.values() {
            let mut ids = svc.own.clone();
            ids.extend(svc.uses.iter().map(|(id, _)| *id));
            let (aliases, more_keys) = service_keys(svc, &vars);
            services.insert(
                svc.name.text.clone(),
                model::Service {
                    name: svc.name.text.clone(),
                    vars: ids,
                    implicit: false,
                    override_tfvars: IndexMap::new(),
                    aliases,
                    more_keys,
                    span: svc.span,
                },
            );
        }
    }
    let mut envs = FastIndexMap::default();
    // Every environment, so that an `EnvId` indexes the model as it does the program. One
    // whose `extends` chain is broken (an error, so this model is never handed out) is kept
    // abstract and without values.
    for (idx, env) in program.envs.values().enumerate() {
        envs.insert(
            env.name.text.clone(),
            model::Env {
                name: env.name.text.clone(),
                is_abstract: env.is_abstract || env.chain.is_empty(),
                insecure: env.insecure.is_some(),
                parent: env.parent,
                chain: env.chain.clone(),
                service_values: service_values(
                    program,
                    &values[idx],
                    &unsets[idx],
                    std::mem::take(&mut views[idx]),
                ),
                values: std::mem::take(&mut values[idx]),
                unset: std::mem::take(&mut unsets[idx]),
                params: param_bindings(env),
                open_params: open_params(program, env),
                span: env.span,
            },
        );
    }
    name_service_values(&vars, &mut services, &envs);
    let project = match &program.project {
        Some(p) => p.text.clone(),
        None => std::path::Path::new(&program.root_name)
            .file_stem()
            .map_or_else(|| "app".to_string(), |s| s.to_string_lossy().into_owned()),
    };
    Model {
        project,
        source_name: program.root_name.clone(),
        vars,
        services,
        envs,
        emits,
    }
}

/// One variable of the model, from its declaration and what `check` found out about it.
fn var_def(
    program: &Program,
    entry: &crate::resolve::VarEntry,
    info: &VarInfo,
    default: Option<model::Value>,
) -> VarDef {
    let owner = entry.owner.map(|s| program.services[s].name.text.clone());
    let kind = match entry.decl {
        VarDecl::Var(_) => VarKind::Var,
        VarDecl::Secret(_) => VarKind::Secret,
        VarDecl::Flag(_) => VarKind::Flag,
    };
    let name = entry.name.text.clone();
    let emit_name = info.meta.env_name.clone().unwrap_or_else(|| match kind {
        VarKind::Flag => format!("FEATURE_{}", name.to_ascii_uppercase()),
        _ => name.clone(),
    });
    let tfvars_name = info
        .meta
        .tfvars_name
        .clone()
        .unwrap_or_else(|| match &owner {
            Some(o) => attrs::snake_case(&format!("{o}_{name}")),
            None => attrs::snake_case(&name),
        });
    let default_reference = match &entry.decl {
        VarDecl::Secret(d) => d.reference.as_ref().map(crate::ast::StrLit::to_template),
        _ => None,
    };
    VarDef {
        name,
        owner,
        kind,
        ty: info.ty.as_ref().map_or_else(
            || model::Type {
                kind: TypeKind::String,
                refinements: Vec::new(),
                name: None,
            },
            |t| t.ty.clone(),
        ),
        optional: info.optional,
        doc: info.meta.doc.clone(),
        example: info.meta.example.clone(),
        deprecated: info.meta.deprecated.clone(),
        emit_name,
        tfvars_name,
        format: info.meta.format.clone(),
        default_reference,
        default: match kind {
            VarKind::Secret => None,
            _ => default,
        },
        span: entry.name.span,
    }
}

/// Fills each service's [`model::Service::override_tfvars`] from every environment's
/// per-service values, in the service's variable order.
fn name_service_values(
    vars: &[VarDef],
    services: &mut FastIndexMap<String, model::Service>,
    envs: &FastIndexMap<String, model::Env>,
) {
    for service in services.values_mut() {
        let changed: FastHashSet<VarId> = envs
            .values()
            .filter_map(|e| e.service_values.get(&service.name))
            .flatten()
            .map(|v| v.var)
            .collect();
        if changed.is_empty() {
            continue;
        }
        for &id in &service.vars {
            let var = &vars[id.index()];
            if changed.contains(&id) && var.owner.is_none() && !var.is_secret() {
                let name = format!("{}_{}", attrs::snake_case(&service.name), var.tfvars_name);
                service.override_tfvars.insert(id, name);
            }
        }
    }
}

/// Per service with overrides, the values that differ from the environment's (the model's
/// [`model::Env::service_values`]).
fn service_values(
    program: &Program,
    values: &[Option<std::sync::Arc<model::Resolved>>],
    unset: &[(VarId, model::Origin)],
    views: Vec<envs::ServiceView>,
) -> FastIndexMap<String, Vec<model::ServiceValue>> {
    let unset_at = |id: VarId| {
        unset
            .binary_search_by_key(&id.0, |(v, _)| v.0)
            .ok()
            .map(|i| &unset[i].1)
    };
    let mut out = FastIndexMap::default();
    for mut view in views {
        let mut differ = Vec::new();
        for (i, shared) in values.iter().enumerate() {
            let id = VarId(i as u32);
            let own_unset = view.unset_at(id).cloned();
            if view.values[i] == *shared && own_unset.as_ref() == unset_at(id) {
                continue;
            }
            differ.push(model::ServiceValue {
                var: id,
                value: view.values[i].take(),
                unset: own_unset,
            });
        }
        if !differ.is_empty() {
            out.insert(program.services[view.service].name.text.clone(), differ);
        }
    }
    out
}

/// E0352: `api.NAME = …` for a service that reads `NAME` neither directly (`uses`) nor
/// through another variable's `${…}`: the override could never reach it.
fn overrides_read(program: &Program, computed: &envs::EnvValues, diagnostics: &mut Diagnostics) {
    let mut reads: FastHashMap<ServiceId, Vec<bool>> = FastHashMap::default();
    for (env_idx, overrides) in computed.overrides.iter().enumerate() {
        for &(svc, var, span) in overrides {
            let read = reads.entry(svc).or_insert_with(|| {
                let service = &program.services[svc];
                let mut read = vec![false; program.vars.len()];
                let mut todo: Vec<VarId> = service
                    .own
                    .iter()
                    .copied()
                    .chain(service.uses.iter().map(|(id, _)| *id))
                    .collect();
                while let Some(id) = todo.pop() {
                    if std::mem::replace(&mut read[id.index()], true) {
                        continue;
                    }
                    todo.extend(computed.interpolates[id.index()].iter().copied());
                }
                read
            });
            if read[var.index()] {
                continue;
            }
            let service = &program.services[svc];
            let name = program.qualified(var);
            diagnostics.push(
                Diagnostic::error(
                    Code::OverrideNotRead,
                    format!(
                        "environment `{}` overrides `{name}` for service `{}`, which does not read it",
                        program.envs[env_idx].name.text, service.name.text
                    ),
                )
                .primary(span, "this override reaches no artifact")
                .secondary(service.name.span, format!("`{}` neither `uses` `{name}` nor reads it through another variable's `${{…}}`", service.name.text))
                .help(format!(
                    "add `uses {name}` to service `{}`, or delete the override",
                    service.name.text
                )),
            );
        }
    }
}

/// Names Terraform refuses for an input variable ("Invalid variable name: The variable name
/// \"version\" is reserved …"), checked with Terraform 1.11. Case matters: `VERSION` is
/// accepted.
pub const TERRAFORM_RESERVED_NAMES: &[&str] = &[
    "count",
    "depends_on",
    "for_each",
    "lifecycle",
    "locals",
    "provider",
    "providers",
    "source",
    "version",
];

/// A variable whose Terraform name is reserved, when the source emits Terraform (E0327):
/// `terraform validate` would reject the `variables_tf`, and a module could not take it.
fn reserved_terraform_names(program: &Program, model: &Model, diagnostics: &mut Diagnostics) {
    let terraform = model
        .emits
        .iter()
        .any(|e| e.target == "tfvars" || e.target == "variables_tf");
    if !terraform {
        return;
    }
    for (i, var) in model.vars.iter().enumerate() {
        let name = var.tfvars_name.as_str();
        if !TERRAFORM_RESERVED_NAMES.contains(&name) {
            continue;
        }
        let id = VarId(i as u32);
        let suggestion = match &var.owner {
            Some(owner) => attrs::snake_case(&format!("{owner}_{name}")),
            None => format!("{}_{name}", attrs::snake_case(&model.project)),
        };
        diagnostics.push(
            Diagnostic::error(
                Code::ReservedTerraformName,
                format!(
                    "`{}` is written to Terraform as `{name}`, a name Terraform reserves",
                    program.qualified(id)
                ),
            )
            .primary(
                program.var(id).name.span,
                format!("Terraform name `{name}`"),
            )
            .help(format!(
                "give it another Terraform name: `{{ tfvars_name = \"{suggestion}\" }}`"
            ))
            .note(format!(
                "Terraform reserves these variable names: {}",
                TERRAFORM_RESERVED_NAMES.join(", ")
            )),
        );
    }
}

/// A `matching /re/` that Terraform's RE2 cannot express, when the source emits
/// `variables_tf` (E0328): the validation block would fail `terraform validate` or test
/// something else than envdef did. Patterns RE2 reads differently but can express are
/// translated when written (`crate::re2`).
fn re2_patterns(program: &Program, model: &Model, diagnostics: &mut Diagnostics) {
    if !model.emits.iter().any(|e| e.target == "variables_tf") {
        return;
    }
    for (i, var) in model.vars.iter().enumerate() {
        let mut types = vec![&var.ty];
        if let model::TypeKind::List { element } = &var.ty.kind {
            types.push(element);
        }
        for ty in types {
            for refinement in &ty.refinements {
                let model::Refinement::Matching { pattern } = refinement else {
                    continue;
                };
                let Err(what) = crate::re2::to_re2(pattern) else {
                    continue;
                };
                let id = VarId(i as u32);
                diagnostics.push(
                    Diagnostic::error(
                        Code::RegexNotRe2,
                        format!(
                            "the pattern of `{}` uses {what}, which Terraform's regular expressions (RE2) cannot express",
                            program.qualified(id)
                        ),
                    )
                    .primary(program.var(id).name.span, "written into a `validation` block by `variables_tf`")
                    .help("rewrite the pattern without it (ASCII classes such as `[0-9]`, `[A-Za-z0-9_]`, and `(?-u:\\b)` mean the same in both engines)"),
                );
            }
        }
    }
}

/// Two variables of one service emitted under one key, or two variables with one
/// Terraform name (E0321).
fn check_emitted_names(program: &Program, model: &Model, diagnostics: &mut Diagnostics) {
    let mut reported: FastHashSet<(usize, usize)> = FastHashSet::default();
    let mut collide = |a: VarId,
                       b: VarId,
                       what: &str,
                       key: &str,
                       scope: String,
                       diagnostics: &mut Diagnostics| {
        if !reported.insert((a.index().min(b.index()), a.index().max(b.index()))) {
            return;
        }
        let (first, second) = if a < b { (a, b) } else { (b, a) };
        diagnostics.push(
            Diagnostic::error(
                Code::EmitNameCollision,
                format!(
                    "`{}` and `{}` are both written as {what} `{key}`{scope}",
                    program.qualified(first),
                    program.qualified(second)
                ),
            )
            .primary(program.var(second).name.span, format!("written as `{key}`"))
            .secondary(
                program.var(first).name.span,
                format!("also written as `{key}`"),
            )
            .help(if what == "Terraform variable" {
                "give one of them another name with `tfvars_name = \"...\"`"
            } else {
                "give one of them another name with `env_name = \"...\"`, or rename it"
            }),
        );
    };
    for (svc_idx, service) in model.services.values().enumerate() {
        let entry = program
            .services
            .get_index(svc_idx)
            .filter(|_| !service.implicit)
            .map(|(_, s)| s);
        let written = entry.map_or(&[][..], |s| s.keys.as_slice());
        let alias_of = |var: VarId, key: &str| {
            written.iter().find_map(|(v, alias)| {
                alias
                    .as_ref()
                    .filter(|alias| *v == var && alias.text == key)
            })
        };
        let mut seen: FastHashMap<&str, VarId> = crate::hash::map_with_capacity(service.vars.len());
        for (id, _, key) in service.keys(model) {
            let Some(&other) = seen.get(key) else {
                seen.insert(key, id);
                continue;
            };
            if let Some(alias) = alias_of(id, key) {
                alias_collision(program, &service.name, id, alias, other, diagnostics);
            } else if let Some(alias) = alias_of(other, key) {
                alias_collision(program, &service.name, other, alias, id, diagnostics);
            } else {
                collide(
                    other,
                    id,
                    "key",
                    key,
                    format!(" in service `{}`", service.name),
                    diagnostics,
                );
            }
        }
    }
    reserved_terraform_names(program, model, diagnostics);
    re2_patterns(program, model, diagnostics);
    let mut seen: FastHashMap<&str, VarId> = crate::hash::map_with_capacity(model.vars.len());
    for (i, var) in model.vars.iter().enumerate() {
        let id = VarId(i as u32);
        match seen.get(var.tfvars_name.as_str()) {
            Some(&other) => collide(
                other,
                id,
                "Terraform variable",
                &var.tfvars_name,
                String::new(),
                diagnostics,
            ),
            None => {
                seen.insert(&var.tfvars_name, id);
            }
        }
    }
    // A service's own value of a shared variable is Terraform variable `<service>_<name>`.
    for service in model.services.values() {
        for (&id, name) in &service.override_tfvars {
            let Some(&other) = seen.get(name.as_str()) else {
                continue;
            };
            diagnostics.push(
                Diagnostic::error(
                    Code::EmitNameCollision,
                    format!(
                        "`{}` (service `{}`'s own value of `{}`, set by a per-service override) and `{}` are both written as Terraform variable `{name}`",
                        format_args!("{}.{}", service.name, program.qualified(id)),
                        service.name,
                        program.qualified(id),
                        program.qualified(other)
                    ),
                )
                .primary(program.var(other).name.span, format!("written as `{name}`"))
                .secondary(program.var(id).name.span, format!("`{}` overrides this for `{}`", service.name, name))
                .help("give the other variable another name with `tfvars_name = \"...\"`"),
            );
        }
    }
}

/// The keys a service reads its shared variables under: each variable's first key (in the
/// order written, groups expanded in place) as an alias when it is not the variable's own
/// name, and every further distinct key (`uses A, A as B`) in `more_keys`.
fn service_keys(
    service: &crate::resolve::ServiceEntry,
    vars: &[VarDef],
) -> (IndexMap<VarId, String>, Vec<(VarId, String)>) {
    let mut aliases = IndexMap::new();
    let mut more_keys: Vec<(VarId, String)> = Vec::new();
    let mut first: FastHashMap<VarId, &str> = FastHashMap::default();
    for (id, alias) in &service.keys {
        let own = vars[id.index()].emit_name.as_str();
        let key = alias.as_ref().map_or(own, |a| a.text.as_str());
        match first.get(id) {
            Some(&first_key) => {
                if key != first_key && !more_keys.iter().any(|(v, k)| v == id && k == key) {
                    more_keys.push((*id, key.to_string()));
                }
            }
            None => {
                first.insert(*id, key);
                if key != own {
                    aliases.insert(*id, key.to_string());
                }
            }
        }
    }
    (aliases, more_keys)
}

/// E0344: `uses NAME as KEY` where `KEY` is already the key of another variable the
/// service reads.
fn alias_collision(
    program: &Program,
    service: &str,
    aliased: VarId,
    alias: &crate::ast::Ident,
    other: VarId,
    diagnostics: &mut Diagnostics,
) {
    let message = format!(
        "service `{service}` reads `{}` as `{}`, which is already the key of `{}`",
        program.qualified(aliased),
        alias.text,
        program.qualified(other)
    );
    diagnostics.push(
        Diagnostic::error(Code::AliasCollision, message)
            .primary(alias.span, "this key is taken")
            .secondary(
                program.var(other).name.span,
                format!("`{}` is read as `{}`", program.qualified(other), alias.text),
            )
            .help("choose another key for the alias, or drop the other variable from this service's `uses`"),
    );
}

fn warnings(
    program: &Program,
    infos: &[VarInfo],
    computed: &envs::EnvValues,
    diagnostics: &mut Diagnostics,
) {
    // W0303: naming conventions, at the declaration.
    for entry in program.vars.values() {
        let name = &entry.name.text;
        match &entry.decl {
            VarDecl::Flag(_) if !attrs::is_lower_snake(name) => diagnostics.push(
                Diagnostic::warning(
                    Code::NamingConvention,
                    format!("flag `{name}` is not in lower_snake case"),
                )
                .primary(entry.name.span, "flags are lower_snake")
                .help(format!("rename it `{}`", attrs::snake_case(name))),
            ),
            VarDecl::Var(_) | VarDecl::Secret(_) if !attrs::is_upper_snake(name) => diagnostics
                .push(
                    Diagnostic::warning(
                        Code::NamingConvention,
                        format!(
                            "{} `{name}` is not in UPPER_SNAKE case",
                            entry.decl.kind_word()
                        ),
                    )
                    .primary(
                        entry.name.span,
                        "environment variables are UPPER_SNAKE by convention",
                    )
                    .help(format!(
                        "rename it `{}`",
                        attrs::snake_case(name).to_ascii_uppercase()
                    )),
                ),
            _ => {}
        }
    }
    // W0301: a shared declaration no service uses (only meaningful with explicit services).
    // A variable is used when a service `uses` it, or when a used variable's value
    // interpolates it (`DATABASE_URL = "postgres://${DB_HOST}/app"` reads DB_HOST).
    if !program.services.is_empty() && program.unresolved_uses == 0 {
        let mut used = vec![false; program.vars.len()];
        let mut todo: Vec<VarId> = Vec::new();
        for svc in program.services.values() {
            for (id, _) in &svc.uses {
                if !used[id.index()] {
                    used[id.index()] = true;
                    todo.push(*id);
                }
            }
        }
        // Service-owned variables are used by their service even without `uses`.
        for (i, entry) in program.vars.values().enumerate() {
            if entry.owner.is_some() && !used[i] {
                used[i] = true;
                todo.push(VarId(i as u32));
            }
        }
        while let Some(id) = todo.pop() {
            for dep in &computed.interpolates[id.index()] {
                if !used[dep.index()] {
                    used[dep.index()] = true;
                    todo.push(*dep);
                }
            }
        }
        unused_groups(program, &mut used, diagnostics);
        for (i, entry) in program.vars.values().enumerate() {
            if entry.owner.is_none() && !used[i] {
                diagnostics.push(
                    Diagnostic::warning(
                        Code::UnusedVariable,
                        format!(
                            "{} `{}` is not used by any service",
                            entry.decl.kind_word(),
                            entry.name.text
                        ),
                    )
                    .primary(entry.name.span, "declared here, never in a `uses`")
                    .help("add it to a service's `uses`, or delete it"),
                );
            }
        }
    }
    // W0304, per assignment (W0302 is found where inheritance is resolved, in `envs`).
    for (env_idx, env) in program.envs.values().enumerate() {
        for (a_idx, a) in env.assignments.iter().enumerate() {
            if !computed.assignment_ok[env_idx]
                .get(a_idx)
                .copied()
                .unwrap_or(false)
            {
                continue;
            }
            if let Some(note) = &infos[a.var.index()].meta.deprecated {
                let mut d = Diagnostic::warning(
                    Code::DeprecatedAssigned,
                    format!("`{}` is deprecated", program.qualified(a.var)),
                )
                .primary(a.target.span, "set here")
                .secondary(program.var(a.var).name.span, "marked `deprecated` here");
                if !note.is_empty() {
                    d = d.note(note.clone());
                }
                diagnostics
                    .push(d.help("stop setting it, or remove `deprecated` from the declaration"));
            }
        }
    }
}

/// W0301 for a group no service reaches (directly or through other groups): one warning
/// at the group, which names the variables it alone lists, instead of one per variable
/// ("never in a `uses`" would be wrong for them). Those variables are marked in `used`.
fn unused_groups(program: &Program, used: &mut [bool], diagnostics: &mut Diagnostics) {
    let named_inside: FastHashSet<&str> = program
        .groups
        .values()
        .flat_map(|g| g.uses.iter().flat_map(|u| &u.names))
        .map(|n| n.text.as_str())
        .collect();
    for group in program.groups.values() {
        // A group named by another unused group is reported through that one.
        if group.used || named_inside.contains(group.name.text.as_str()) {
            continue;
        }
        let mut only_here: Vec<String> = Vec::new();
        for m in group.members.iter().flatten() {
            if !used[m.var.index()] {
                used[m.var.index()] = true;
                only_here.push(format!("`{}`", program.vars[m.var.index()].name.text));
            }
        }
        let mut d = Diagnostic::warning(
            Code::UnusedVariable,
            format!("group `{}` is not used by any service", group.name.text),
        )
        .primary(
            group.name.span,
            "declared here, never in a service's `uses`",
        )
        .help(format!(
            "add `uses {}` to a service, or delete the group",
            group.name.text
        ));
        if !only_here.is_empty() {
            d = d.note(format!(
                "no service reads {} either",
                crate::diagnostics::knock_on::first_of(&only_here, 8)
            ));
        }
        diagnostics.push(d);
    }
}

#[cfg(test)]
mod tests;
