//! Every name in a program and what it refers to: the symbol at a position, a name's
//! definition and its references (what an editor's hover, go-to-definition and
//! find-references ask).
//!
//! Built from a [`Program`], which exists even when the source has errors (a name that
//! did not resolve is simply absent, or a [`Symbol::Unknown`] where the program kept it).

use crate::ast;
use crate::model::{ServiceId, VarId};
use crate::resolve::{Program, VarDecl};
use crate::source::{FileId, Span};

/// What a name refers to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Symbol {
    /// A variable, secret or flag.
    Var(VarId),
    /// An environment, by name.
    Env(String),
    /// A service, by name.
    Service(String),
    /// A named type (`type Port = …`), by name.
    Type(String),
    /// A parameter of parameterised environments (`branch` of `env preview(branch)`), by
    /// name, as an assert reads it.
    Param(String),
    /// A name the language defines: `env`, `service`, or a built-in type (`int`, `url`, …).
    Builtin(String),
    /// A name that refers to nothing declared.
    Unknown(String),
}

/// Whether an occurrence declares its symbol or uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Where the symbol is declared.
    Definition,
    /// A use of it.
    Reference,
}

/// One name as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// The name itself (`API_URL` inside `${API_URL}`, `PORT` in `api.PORT = 1`).
    pub span: Span,
    /// What the name refers to.
    pub symbol: Symbol,
    /// Declaration or use.
    pub role: Role,
}

/// Every occurrence of every name of a program, by position.
#[derive(Debug, Clone, Default)]
pub struct SymbolIndex {
    /// Sorted by file, then start.
    occurrences: Vec<Occurrence>,
    /// Instances of parameterised environments (`production-eu`), by name: the
    /// declaration's name (`production`) is where they are defined, but the text there is
    /// the declaration's, so they are not occurrences (hover and rename there mean it).
    instances: Vec<(String, Span)>,
}

impl SymbolIndex {
    /// Indexes every name of `program`: declarations, `uses`, `extends`, assignment
    /// targets, types, `${…}` in values, and assert operands.
    pub fn new(program: &Program) -> SymbolIndex {
        let mut walk = Walk {
            program,
            found: Vec::new(),
            instances: Vec::new(),
        };
        walk.program();
        let mut found = walk.found;
        found.sort_by_key(|o| (o.span.file, o.span.start, o.span.end));
        // The instances of one declaration share its assignments' text: one occurrence
        // each (a rename must edit a place once). Copies share a span, so after the
        // (stable) sort they are neighbours: no set of cloned names is needed to find them.
        let mut occurrences: Vec<Occurrence> = Vec::with_capacity(found.len());
        for o in found {
            let copy = occurrences
                .iter()
                .rev()
                .take_while(|p| p.span == o.span)
                .any(|p| p.symbol == o.symbol && p.role == o.role);
            if !copy {
                occurrences.push(o);
            }
        }
        SymbolIndex {
            occurrences,
            instances: walk.instances,
        }
    }

    /// Every occurrence, in source order.
    pub fn occurrences(&self) -> &[Occurrence] {
        &self.occurrences
    }

    /// The name at byte `offset` of `file` (its end counts, so a cursor right after a
    /// name finds it).
    pub fn at(&self, file: FileId, offset: usize) -> Option<&Occurrence> {
        let offset = offset as u32;
        let i = self
            .occurrences
            .partition_point(|o| (o.span.file, o.span.start) <= (file, offset));
        self.occurrences[..i]
            .iter()
            .rev()
            .take_while(|o| o.span.file == file)
            .find(|o| o.span.start <= offset && offset <= o.span.end)
    }

    /// Where `symbol` is declared (`None` for built-ins and unknown names); for an
    /// instance (`production-eu`), its parameterised declaration's name.
    pub fn definition(&self, symbol: &Symbol) -> Option<Span> {
        self.occurrences
            .iter()
            .find(|o| o.role == Role::Definition && &o.symbol == symbol)
            .map(|o| o.span)
            .or_else(|| match symbol {
                Symbol::Env(name) => self
                    .instances
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, span)| *span),
                _ => None,
            })
    }

    /// Every occurrence of `symbol`, its definition included, in source order.
    pub fn references<'a>(&'a self, symbol: &'a Symbol) -> impl Iterator<Item = &'a Occurrence> {
        self.occurrences.iter().filter(move |o| &o.symbol == symbol)
    }
}

/// The walk over a program that collects occurrences.
struct Walk<'p> {
    program: &'p Program,
    found: Vec<Occurrence>,
    instances: Vec<(String, Span)>,
}

impl Walk<'_> {
    fn push(&mut self, span: Span, symbol: Symbol, role: Role) {
        self.found.push(Occurrence { span, symbol, role });
    }

    fn program(&mut self) {
        let program = self.program;
        for decl in program.types.values() {
            self.push(
                decl.name.span,
                Symbol::Type(decl.name.text.clone()),
                Role::Definition,
            );
            self.type_expr(&decl.ty);
        }
        for (i, entry) in program.vars.values().enumerate() {
            self.push(
                entry.name.span,
                Symbol::Var(VarId(i as u32)),
                Role::Definition,
            );
            let default = match &entry.decl {
                VarDecl::Var(d) => {
                    self.type_expr(&d.ty);
                    d.default.as_ref()
                }
                VarDecl::Flag(d) => Some(&d.default),
                VarDecl::Secret(_) => None,
            };
            if let Some(value) = default {
                self.value(value, entry.owner);
            }
        }
        for service in program.services.values() {
            let name = &service.name;
            self.push(
                name.span,
                Symbol::Service(name.text.clone()),
                Role::Definition,
            );
            for &(id, span) in &service.uses {
                self.push(span, Symbol::Var(id), Role::Reference);
            }
        }
        for env in program.envs.values() {
            if env.params.is_empty() {
                self.push(
                    env.name.span,
                    Symbol::Env(env.name.text.clone()),
                    Role::Definition,
                );
                if let Some(parent) = &env.parent_name {
                    self.push(parent.span, self.env_symbol(&parent.text), Role::Reference);
                }
            } else {
                // An instance: its name and `extends` are the declaration's own text.
                self.instances.push((env.name.text.clone(), env.name.span));
            }
            for param in &env.param_decls {
                self.push(
                    param.name.span,
                    Symbol::Param(param.name.text.clone()),
                    Role::Definition,
                );
                if let Some(ty) = &param.ty {
                    self.type_expr(ty);
                }
            }
            for assignment in &env.assignments {
                let target = &assignment.target;
                if let Some(service) = &target.service {
                    self.push(
                        service.span,
                        self.service_symbol(&service.text),
                        Role::Reference,
                    );
                }
                self.push(
                    target.name.span,
                    Symbol::Var(assignment.var),
                    Role::Reference,
                );
                if let ast::AssignRhs::Value(value) = &assignment.rhs {
                    self.value(value, program.var(assignment.var).owner);
                }
            }
        }
        for name in &program.promoted {
            self.push(name.span, self.env_symbol(&name.text), Role::Reference);
        }
        for assert in &program.asserts {
            self.expr(&assert.condition);
            if let Some(when) = &assert.when {
                self.expr(when);
            }
        }
    }

    fn env_symbol(&self, name: &str) -> Symbol {
        if self.program.envs.contains_key(name) {
            Symbol::Env(name.to_string())
        } else {
            Symbol::Unknown(name.to_string())
        }
    }

    fn service_symbol(&self, name: &str) -> Symbol {
        if self.program.services.contains_key(name) {
            Symbol::Service(name.to_string())
        } else {
            Symbol::Unknown(name.to_string())
        }
    }

    fn type_expr(&mut self, ty: &ast::TypeExpr) {
        match &ty.base {
            ast::BaseType::Named(name) => {
                let symbol = if self.program.types.contains_key(&name.text) {
                    Symbol::Type(name.text.clone())
                } else if crate::resolve::BUILTIN_TYPES.contains(&name.text.as_str()) {
                    Symbol::Builtin(name.text.clone())
                } else {
                    Symbol::Unknown(name.text.clone())
                };
                self.push(name.span, symbol, Role::Reference);
            }
            ast::BaseType::List(element) => self.type_expr(element),
            ast::BaseType::Union(_) => {}
        }
    }

    /// The `${…}` of a value set on a variable owned by service `scope` (if any).
    fn value(&mut self, value: &ast::Value, scope: Option<ServiceId>) {
        match &value.kind {
            ast::ValueKind::Str(s) => {
                for part in &s.parts {
                    if let ast::StrPart::Interp(name) = part {
                        let symbol = match name.text.as_str() {
                            "env" | "service" => Symbol::Builtin(name.text.clone()),
                            text => self
                                .program
                                .lookup(text, scope)
                                .map_or_else(|| Symbol::Unknown(text.to_string()), Symbol::Var),
                        };
                        self.push(name.span, symbol, Role::Reference);
                    }
                }
            }
            ast::ValueKind::List(items) => {
                for item in items {
                    self.value(item, scope);
                }
            }
            _ => {}
        }
    }

    fn expr(&mut self, expr: &ast::Expr) {
        match &expr.kind {
            ast::ExprKind::Var(target) => {
                let symbol = match &target.service {
                    Some(service) => {
                        self.push(
                            service.span,
                            self.service_symbol(&service.text),
                            Role::Reference,
                        );
                        self.program
                            .var_id(&format!("{}.{}", service.text, target.name.text))
                    }
                    None => self.program.lookup(&target.name.text, None),
                }
                .map_or_else(
                    || match self.program.param_decl(&target.name.text) {
                        Some(p) if target.service.is_none() => Symbol::Param(p.name.text.clone()),
                        _ => Symbol::Unknown(target.name.text.clone()),
                    },
                    Symbol::Var,
                );
                self.push(target.name.span, symbol, Role::Reference);
            }
            ast::ExprKind::Env => {
                self.push(expr.span, Symbol::Builtin("env".into()), Role::Reference)
            }
            ast::ExprKind::Service => self.push(
                expr.span,
                Symbol::Builtin("service".into()),
                Role::Reference,
            ),
            ast::ExprKind::Literal(_) => {}
            ast::ExprKind::List(items) => {
                for item in items {
                    self.expr(item);
                }
            }
            ast::ExprKind::Unary { operand, .. } => self.expr(operand),
            ast::ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
            ast::ExprKind::Matches { lhs, .. } => self.expr(lhs),
        }
    }
}
