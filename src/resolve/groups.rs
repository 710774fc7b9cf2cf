//! `group NAME { uses A, B as KEY, other }`: named lists of uses (the data; `resolve`
//! flattens them). Each group is flattened
//! once (nested groups' members in place, in the order written) before services bind their
//! `uses`, so `uses NAME` in a service adds every member as if written there. E0209 (an
//! unknown member), E0204 (a group named like a shared declaration), E0216 (a cycle, or
//! nesting past [`MAX_GROUP_DEPTH`]), E0217 (`as` on a group).

use crate::ast;
use crate::diagnostics::{Code, Diagnostic};
use crate::hash::FastIndexMap;
use crate::model::VarId;
use crate::source::Span;

/// Most groups one `uses` may reach through nesting (a bound on the walk, not a design
/// limit anyone should meet).
pub const MAX_GROUP_DEPTH: usize = 64;

/// One declared group.
#[derive(Debug)]
pub struct GroupEntry {
    /// The name as declared.
    pub name: ast::Ident,
    /// The whole declaration.
    pub span: Span,
    /// `uses` lines as written.
    pub uses: Vec<ast::UsesDecl>,
    /// Every variable the group stands for, in order (duplicates dropped); `None` when
    /// the group is part of a cycle (reported) and stands for nothing.
    pub members: Option<Vec<Member>>,
    /// Some service reads the group, directly or through groups it names (W0301 for a
    /// group nothing reads).
    pub used: bool,
}

/// One variable a group stands for.
#[derive(Debug, Clone)]
pub struct Member {
    pub var: VarId,
    /// Where the variable's name is written (in this group or a nested one).
    pub span: Span,
    /// `NAME as KEY` inside a group: services read it under `KEY`.
    pub alias: Option<ast::Ident>,
}

/// E0217: `uses GROUP as KEY`.
pub(super) fn group_alias(name: &ast::Ident, alias: &ast::Ident) -> Diagnostic {
    Diagnostic::error(
        Code::GroupAlias,
        format!(
            "`{}` is a group and cannot be read under the key `{}`",
            name.text, alias.text
        ),
    )
    .primary(alias.span, "a key for one variable")
    .secondary(name.span, "a group of several variables")
    .help(format!(
        "write `uses {}` here, and give the key to one variable inside the group (`uses NAME as {}`)",
        name.text, alias.text
    ))
}

/// Groups by name, in declaration order (the type of `Program::groups`).
pub type Groups = FastIndexMap<String, GroupEntry>;
