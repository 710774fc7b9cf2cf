//! The [`Program`]: every declaration of one compilation in tables by name, with the
//! names inside values and rules bound ([`Refs`]). Built by the rest of `resolve`; read
//! by `check`, `query` and the language server.

use super::groups;
use super::instances::ParamValue;
use super::ladder::Ladder;
use crate::ast;
use crate::diagnostics::{suggest, Code, Diagnostic, Diagnostics};
use crate::hash::{FastHashMap, FastHashSet, FastIndexMap};
use crate::model::{EnvId, ServiceId, TypeId, TypeKind, VarId, VarKind};
use crate::source::Span;

/// Every declaration of one compilation, by name.
#[derive(Debug)]
pub struct Program {
    /// The root file's name as the user gave it.
    pub root_name: String,
    /// `project NAME`, if declared.
    pub project: Option<ast::Ident>,
    /// Named types in declaration order; the index in this map is the [`TypeId`].
    pub types: FastIndexMap<String, ast::TypeDecl>,
    /// Variables, secrets and flags keyed by qualified name (`NAME` or `svc.NAME`); the
    /// index in this map is the [`VarId`].
    pub vars: FastIndexMap<String, VarEntry>,
    /// Declared services by name; the index in this map is the [`ServiceId`].
    pub services: FastIndexMap<String, ServiceEntry>,
    /// `group NAME { uses … }`, flattened, in declaration order.
    pub groups: groups::Groups,
    /// Environments by name, parameterised instances included; the index in this map is
    /// the [`EnvId`].
    pub envs: FastIndexMap<String, EnvEntry>,
    /// Environments with a sound `extends` chain, parents before children.
    pub env_order: Vec<EnvId>,
    /// `assert` rules in declaration order; their operands are bound in [`Refs`].
    pub asserts: Vec<ast::AssertDecl>,
    /// `emit` lines in declaration order (their `when` operands are bound in [`Refs`]).
    pub emits: Vec<ast::EmitDecl>,
    /// `promote` ladders whose every name is an environment, in declaration order.
    pub ladders: Vec<Ladder>,
    /// Every name written in a `promote` ladder, valid ladder or not (the editor's
    /// references and rename reach them).
    pub promoted: Vec<ast::Ident>,
    /// `uses` names that did not resolve (reported); "unused variable" warnings would be
    /// unreliable noise next to them.
    pub unresolved_uses: usize,
    /// Declarations that did not parse (their syntax errors are reported): the checks
    /// run without them, and `check_file` drops the errors their absence causes.
    pub broken: Vec<ast::BrokenDecl>,
    /// The names inside values and rules, bound to what they stand for.
    pub refs: Refs,
}

/// One variable, secret or flag.
#[derive(Debug)]
pub struct VarEntry {
    /// The name as declared (`PORT` for `api.PORT`).
    pub name: ast::Ident,
    /// Index of the owning service for a service's own variable.
    pub owner: Option<ServiceId>,
    /// The declaration as parsed: its type, default and attributes.
    pub decl: VarDecl,
}

/// The declaration a variable came from.
#[derive(Debug)]
pub enum VarDecl {
    /// `var NAME: TYPE …`.
    Var(ast::VarDecl),
    /// `secret NAME …`.
    Secret(ast::SecretDecl),
    /// `flag NAME …`.
    Flag(ast::FlagDecl),
}

impl VarDecl {
    /// The block attributes (`doc`, `format`, `tfvars_name`, …) in the order written.
    pub fn attrs(&self) -> &[ast::Attr] {
        match self {
            VarDecl::Var(d) => &d.attrs,
            VarDecl::Secret(d) => &d.attrs,
            VarDecl::Flag(d) => &d.attrs,
        }
    }

    /// The doc string, if one was written.
    pub fn doc(&self) -> Option<&ast::StrLit> {
        match self {
            VarDecl::Var(d) => d.doc.as_ref(),
            VarDecl::Secret(d) => d.doc.as_ref(),
            VarDecl::Flag(d) => d.doc.as_ref(),
        }
    }

    /// The whole declaration.
    pub fn span(&self) -> Span {
        match self {
            VarDecl::Var(d) => d.span,
            VarDecl::Secret(d) => d.span,
            VarDecl::Flag(d) => d.span,
        }
    }

    /// Which keyword declared it.
    pub fn kind(&self) -> VarKind {
        match self {
            VarDecl::Var(_) => VarKind::Var,
            VarDecl::Secret(_) => VarKind::Secret,
            VarDecl::Flag(_) => VarKind::Flag,
        }
    }

    /// The kind as messages name it (`variable`, `secret`, `flag`).
    pub fn kind_word(&self) -> &'static str {
        match self.kind() {
            VarKind::Var => "variable",
            VarKind::Secret => "secret",
            VarKind::Flag => "flag",
        }
    }
}

/// One declared service.
#[derive(Debug)]
pub struct ServiceEntry {
    /// The name as declared.
    pub name: ast::Ident,
    /// The whole declaration.
    pub span: Span,
    /// Its own variables, in declaration order.
    pub own: Vec<VarId>,
    /// Shared declarations it `uses`, in the order written (duplicates dropped).
    pub uses: Vec<(VarId, Span)>,
    /// Every use in the order written, groups expanded in place, with its alias if it has
    /// one (`uses NAME as KEY`): the keys the service reads, a variable under several when
    /// it is used so (`uses A, A as B`).
    pub keys: Vec<(VarId, Option<ast::Ident>)>,
}

/// One environment, linked.
#[derive(Debug)]
pub struct EnvEntry {
    /// The name as declared, or an instance's generated name.
    pub name: ast::Ident,
    /// `insecure env`: where the mark is written (plain secret values allowed here).
    pub insecure: Option<Span>,
    /// `abstract env`, or a parameterised declaration (only its instances are emitted).
    pub is_abstract: bool,
    /// The whole declaration.
    pub span: Span,
    /// `extends PARENT` as written.
    pub parent_name: Option<ast::Ident>,
    /// The parent's index in [`Program::envs`], when it exists.
    pub parent: Option<EnvId>,
    /// This environment, its parent, … (indexes); empty when the chain is broken (a cycle,
    /// an unknown ancestor or too deep), in which case the environment is not checked.
    pub chain: Vec<EnvId>,
    /// Assignments bound to their variables, in the order written.
    pub assignments: Vec<Assignment>,
    /// `env NAME(PARAM, …)`: the declaration's parameters (it is abstract; its instances
    /// extend it). Empty for other environments.
    pub param_decls: Vec<ast::EnvParam>,
    /// For an instance of a parameterised environment: each parameter's value.
    pub params: Vec<ParamValue>,
}

/// `NAME = VALUE` / `NAME from "REF"`, bound.
#[derive(Debug)]
pub struct Assignment {
    /// The variable assigned.
    pub var: VarId,
    /// A per-service override of a shared declaration (`api.LOG_LEVEL = "debug"` where
    /// `LOG_LEVEL` is shared): the service's index. `None` for every other assignment
    /// (a service's own `api.PORT` is bound to its own `VarId`).
    pub service: Option<ServiceId>,
    /// The left-hand side as written (`NAME` or `svc.NAME`).
    pub target: ast::AssignTarget,
    /// What is assigned: a value, a secret reference (`from "…"`) or `unset`.
    pub rhs: ast::AssignRhs,
    /// The whole assignment.
    pub span: Span,
}

crate::model::index_by! {
    EnvId => EnvEntry;
    ServiceId => ServiceEntry;
    TypeId => ast::TypeDecl;
}

impl Program {
    /// The entry a [`VarId`] stands for.
    pub fn var(&self, id: VarId) -> &VarEntry {
        &self.vars[id.index()]
    }

    /// The id of a variable by its qualified name (`NAME` or `svc.NAME`), if declared.
    pub fn var_id(&self, qualified: &str) -> Option<VarId> {
        self.vars.get_index_of(qualified).map(|i| VarId(i as u32))
    }

    /// The qualified name (`NAME` or `svc.NAME`) of a variable.
    pub fn qualified(&self, id: VarId) -> &str {
        self.vars
            .get_index(id.index())
            .map_or("", |(k, _)| k.as_str())
    }

    /// The declaration of a parameter named `name` (`branch` of `env preview(branch) …`):
    /// the first parameterised environment's that declares one. Asserts read parameters by
    /// name in whichever instance has one.
    pub fn param_decl(&self, name: &str) -> Option<&ast::EnvParam> {
        self.envs
            .values()
            .flat_map(|e| e.param_decls.iter())
            .find(|p| p.name.text == name)
    }

    /// The service `name` names (`api` of `api.PORT`); E0210 at it when there is none.
    pub(super) fn service_named(
        &self,
        name: &ast::Ident,
        diagnostics: &mut Diagnostics,
    ) -> Option<ServiceId> {
        let found = self.services.get_index_of(&name.text).map(ServiceId::new);
        if found.is_none() {
            let help = suggest::did_you_mean(&name.text, self.services.keys().map(String::as_str));
            diagnostics.push(
                Diagnostic::error(
                    Code::UnknownService,
                    format!("unknown service `{}`", name.text),
                )
                .primary(name.span, "no service of this name")
                .help_opt(help),
            );
        }
        found
    }

    /// Resolves a bare name as written inside service `scope` (its own variables first,
    /// then shared ones), or at top level.
    pub fn lookup(&self, name: &str, scope: Option<ServiceId>) -> Option<VarId> {
        if let Some(svc) = scope {
            let owner = self
                .services
                .get_index(svc.index())
                .map(|(k, _)| k.as_str())?;
            if let Some(id) = self.var_id(&format!("{owner}.{name}")) {
                return Some(id);
            }
        }
        self.var_id(name).filter(|id| self.var(*id).owner.is_none())
    }

    /// A help line for an unknown bare name: a service's own variable of that exact name,
    /// else the closest shared name.
    pub fn unknown_name_help(&self, name: &str) -> Option<String> {
        let owned: Vec<&str> = self
            .vars
            .iter()
            .filter(|(_, v)| v.owner.is_some() && v.name.text == name)
            .map(|(k, _)| k.as_str())
            .collect();
        if let Some(first) = owned.first() {
            return Some(format!(
                "`{name}` is a service's own variable; write `{first}`"
            ));
        }
        suggest::did_you_mean(
            name,
            self.vars
                .iter()
                .filter(|(_, v)| v.owner.is_none())
                .map(|(k, _)| k.as_str()),
        )
    }
}

/// What the names inside types, values and rules stand for, by the span of the name.
#[derive(Debug, Default)]
pub struct Refs {
    /// A type's name (`Port` in `var P: Port`, `int` in `type Port = int …`) by its span:
    /// a built-in or a declared type. Absent: unknown or closing a cycle (reported). In
    /// the order bound, so that a program prints the same on every run.
    pub types: FastIndexMap<Span, TypeRef>,
    /// `${NAME}` by the span of `NAME`: the variable it reads. Absent: unknown (reported),
    /// or the built-in `${env}`/`${service}`.
    pub interpolations: FastHashMap<Span, VarId>,
    /// A rule's operand (`NAME`, `svc.NAME`, a parameter) by the span of the operand.
    /// Absent: unknown (reported).
    pub operands: FastHashMap<Span, Operand>,
    /// The comparisons (`env == "…"`, `service in […]`, by the comparison's span) that
    /// name an unknown environment or service (reported).
    pub unknown_names: FastHashSet<Span>,
}

/// What a type's name stands for.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeRef {
    /// `string`, `int`, `float`, `bool`, `url` or `duration`.
    Builtin(TypeKind),
    /// A `type` declaration.
    Declared(TypeId),
}

/// What a rule reads.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A variable, secret or flag: the rule reads its value in each environment.
    Var(VarId),
    /// A parameter of a parameterised environment (`branch` of `env preview(branch) …`):
    /// its name, and the members of its type when that is a union of strings.
    Param {
        /// The parameter's name as declared.
        name: String,
        /// The union's members, for checking the strings it is compared with.
        members: Option<Vec<String>>,
    },
}
