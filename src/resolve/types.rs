//! Type names, bound once so that `check` lowers types without looking a name up: every
//! named type written in a `type`, a `var` or an environment parameter is bound to a
//! built-in or to a declared type's [`TypeId`] in [`Refs::types`]. An unknown type (E0205),
//! a type defined in terms of itself or nested too deep (E0206) is reported here, and the
//! name is left unbound: `check` then leaves the type, and what uses it, alone.
//!
//! The walk is depth-first in declaration order (every `type`, then every `var`'s type,
//! then every parameter's), with each declared type walked once: a name that closes a
//! cycle is never bound, so the bound names form no cycle and `check` needs no guard.

use super::program::{Program, TypeRef, VarDecl};
use crate::ast;
use crate::diagnostics::{suggest, Code, Diagnostic, Diagnostics};
use crate::hash::FastIndexMap;
use crate::model::{TypeId, TypeKind};
use crate::source::Span;

/// Type names the language defines; a `type` may not reuse them.
pub const BUILTIN_TYPES: &[&str] = &["string", "int", "float", "bool", "url", "duration"];

/// Deepest nesting of named types and `list<...>` followed from one declaration.
pub const MAX_TYPE_DEPTH: usize = 64;

/// Binds every type name of `program` (its declarations already in their tables).
pub(super) fn bind(
    program: &Program,
    diagnostics: &mut Diagnostics,
) -> FastIndexMap<Span, TypeRef> {
    let mut binder = Binder {
        types: &program.types,
        state: vec![State::Unvisited; program.types.len()],
        in_progress: Vec::new(),
        bound: FastIndexMap::default(),
    };
    for (index, decl) in program.types.values().enumerate() {
        // Every declaration, so that an unused broken type is still reported.
        binder.declared(TypeId::new(index), decl.name.span, 0, diagnostics);
    }
    let var_types = program.vars.values().filter_map(|entry| match &entry.decl {
        VarDecl::Var(d) => Some(&d.ty),
        VarDecl::Secret(_) | VarDecl::Flag(_) => None,
    });
    let param_types = program
        .envs
        .values()
        .flat_map(|env| &env.param_decls)
        .filter_map(|param| param.ty.as_ref());
    for ty in var_types.chain(param_types) {
        binder.expr(ty, 0, diagnostics);
    }
    binder.bound
}

/// What a built-in type's name stands for.
fn builtin(name: &str) -> Option<TypeKind> {
    Some(match name {
        "string" => TypeKind::String,
        "int" => TypeKind::Int,
        "float" => TypeKind::Float,
        "bool" => TypeKind::Bool,
        "url" => TypeKind::Url,
        "duration" => TypeKind::Duration,
        _ => return None,
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Unvisited,
    InProgress,
    /// Walked: whether every name in it is bound (no unknown name, cycle or excess depth).
    Done {
        sound: bool,
    },
}

struct Binder<'p> {
    types: &'p FastIndexMap<String, ast::TypeDecl>,
    state: Vec<State>,
    /// The declared types being walked, outermost first (the cycle's chain when one closes).
    in_progress: Vec<TypeId>,
    bound: FastIndexMap<Span, TypeRef>,
}

impl Binder<'_> {
    /// Binds the names in `expr`; whether all of them were bound.
    fn expr(&mut self, expr: &ast::TypeExpr, depth: usize, diagnostics: &mut Diagnostics) -> bool {
        if depth > MAX_TYPE_DEPTH {
            diagnostics.push(
                Diagnostic::error(
                    Code::TypeCycle,
                    format!("type is nested more than {MAX_TYPE_DEPTH} levels deep"),
                )
                .primary(expr.span, "too deep"),
            );
            return false;
        }
        match &expr.base {
            ast::BaseType::Union(_) => true,
            ast::BaseType::List(element) => self.expr(element, depth + 1, diagnostics),
            ast::BaseType::Named(name) => {
                if let Some(kind) = builtin(&name.text) {
                    self.bound.insert(name.span, TypeRef::Builtin(kind));
                    return true;
                }
                let Some(index) = self.types.get_index_of(&name.text) else {
                    diagnostics.push(self.unknown(name));
                    return false;
                };
                let id = TypeId::new(index);
                if self.state[index] != State::InProgress {
                    self.bound.insert(name.span, TypeRef::Declared(id));
                }
                self.declared(id, name.span, depth + 1, diagnostics)
            }
        }
    }

    /// Walks the declared type `id` (named at `at`) once; whether every name in it is bound.
    fn declared(
        &mut self,
        id: TypeId,
        at: Span,
        depth: usize,
        diagnostics: &mut Diagnostics,
    ) -> bool {
        match self.state[id.index()] {
            State::Done { sound } => return sound,
            State::InProgress => {
                diagnostics.push(self.cycle(id, at));
                // The whole cycle is broken, and reported once.
                let pos = self.in_progress.iter().position(|&t| t == id).unwrap_or(0);
                for &t in &self.in_progress[pos..] {
                    self.state[t.index()] = State::Done { sound: false };
                }
                return false;
            }
            State::Unvisited => {}
        }
        self.state[id.index()] = State::InProgress;
        self.in_progress.push(id);
        let types = self.types;
        let sound = self.expr(&types[id].ty, depth, diagnostics);
        self.in_progress.pop();
        if self.state[id.index()] == State::InProgress {
            self.state[id.index()] = State::Done { sound };
        }
        // A cycle found below has marked it broken.
        self.state[id.index()] == State::Done { sound: true }
    }

    /// E0205 at an unknown type name.
    fn unknown(&self, name: &ast::Ident) -> Diagnostic {
        let known = BUILTIN_TYPES
            .iter()
            .copied()
            .chain(self.types.keys().map(String::as_str));
        Diagnostic::error(Code::UnknownType, format!("unknown type `{}`", name.text))
            .primary(name.span, "not a built-in type nor declared with `type`")
            .help(suggest::did_you_mean(&name.text, known).unwrap_or_else(|| {
                "built-in types are string, int, float, bool, url, duration".to_string()
            }))
    }

    /// E0206: `id`, in progress, is named again at `at`.
    fn cycle(&self, id: TypeId, at: Span) -> Diagnostic {
        let pos = self.in_progress.iter().position(|&t| t == id).unwrap_or(0);
        let mut chain: Vec<&str> = self.in_progress[pos..]
            .iter()
            .map(|&t| self.types[t].name.text.as_str())
            .collect();
        let name = &self.types[id].name;
        chain.push(&name.text);
        Diagnostic::error(
            Code::TypeCycle,
            format!("type `{}` is defined in terms of itself", name.text),
        )
        .primary(name.span, "this type")
        .secondary(at, "refers back to it here")
        .note(format!("cycle: {}", chain.join(" → ")))
        .help("define the type from built-in types")
    }
}
