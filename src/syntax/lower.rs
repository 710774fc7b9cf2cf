//! pest pairs of one declaration → [`ast::Item`]. One lowering function per grammar rule.
//!
//! Pairs are relative to the chunk pest parsed; [`Lower::span`] adds the chunk's offset so
//! every AST span is absolute in the file. Literal errors (bad escapes, numbers,
//! durations) are pushed as diagnostics and the offending value is replaced by a harmless
//! placeholder, so the rest of the declaration still lowers. `unreachable!` marks only
//! shapes the grammar rules out.

use pest::iterators::Pair;

use super::literal;
use super::parser::Rule;
use crate::ast::*;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// Deepest `assert` expression tree accepted (E0112). Each `!`, `&&`, `||`, comparison
/// and list adds a level (parentheses do not); checking walks the tree recursively, so a hostile
/// `!!!!…` or `A || A || …` must stop here instead of overflowing the stack.
pub const MAX_EXPR_DEPTH: usize = 256;

pub(crate) struct Lower<'d> {
    pub file: FileId,
    /// Byte offset of the chunk in the file.
    pub offset: usize,
    pub diagnostics: &'d mut Vec<Diagnostic>,
}

type P<'i> = Pair<'i, Rule>;

/// Whether a pair is one of the grammar's (silent) `value` alternatives.
fn is_value(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::string | Rule::number | Rule::bool_lit | Rule::list
    )
}

impl Lower<'_> {
    fn span(&self, pair: &P<'_>) -> Span {
        let s = pair.as_span();
        Span::new(self.file, self.offset + s.start(), self.offset + s.end())
    }

    fn ident(&self, pair: P<'_>) -> Ident {
        debug_assert!(matches!(pair.as_rule(), Rule::ident | Rule::name));
        Ident {
            text: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    /// The declaration inside a `*_item` pair.
    pub(crate) fn item(&mut self, item: P<'_>) -> Item {
        let decl = item
            .into_inner()
            .next()
            .expect("an item holds one declaration");
        match decl.as_rule() {
            Rule::project_decl => Item::Project(self.project_decl(decl)),
            Rule::import_decl => Item::Import(self.import_decl(decl)),
            Rule::type_decl => Item::Type(self.type_decl(decl)),
            Rule::var_decl => Item::Var(self.var_decl(decl)),
            Rule::secret_decl => Item::Secret(self.secret_decl(decl)),
            Rule::flag_decl => Item::Flag(self.flag_decl(decl)),
            Rule::service_decl => Item::Service(self.service_decl(decl)),
            Rule::env_decl => Item::Env(self.env_decl(decl)),
            Rule::assert_decl => Item::Assert(self.assert_decl(decl)),
            Rule::emit_decl => Item::Emit(self.emit_decl(decl)),
            Rule::promote_decl => Item::Promote(self.promote_decl(decl)),
            Rule::group_decl => Item::Group(self.group_decl(decl)),
            r => unreachable!("item rule {r:?}"),
        }
    }

    fn group_decl(&mut self, pair: P<'_>) -> GroupDecl {
        let span = self.span(&pair);
        let mut name = None;
        let mut uses = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => name = Some(self.ident(p)),
                Rule::uses_decl => uses.push(self.uses_decl(p)),
                _ => {}
            }
        }
        GroupDecl {
            name: name.expect("grammar: group has a name"),
            uses,
            span,
        }
    }

    fn promote_decl(&mut self, pair: P<'_>) -> PromoteDecl {
        let span = self.span(&pair);
        let envs = pair
            .into_inner()
            .filter(|p| p.as_rule() == Rule::ladder_name)
            .map(|p| Ident {
                text: p.as_str().to_string(),
                span: self.span(&p),
            })
            .collect();
        PromoteDecl { envs, span }
    }

    fn project_decl(&mut self, pair: P<'_>) -> ProjectDecl {
        let span = self.span(&pair);
        let name = pair
            .into_inner()
            .find(|p| p.as_rule() == Rule::name)
            .map(|p| self.ident(p))
            .expect("grammar: project has a name");
        ProjectDecl { name, span }
    }

    fn import_decl(&mut self, pair: P<'_>) -> ImportDecl {
        let span = self.span(&pair);
        let path = pair
            .into_inner()
            .find(|p| p.as_rule() == Rule::string)
            .map(|p| self.string(p))
            .expect("grammar: import has a path");
        ImportDecl { path, span }
    }

    fn type_decl(&mut self, pair: P<'_>) -> TypeDecl {
        let span = self.span(&pair);
        let mut name = None;
        let mut ty = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => name = Some(self.ident(p)),
                Rule::type_expr => {
                    let (t, optional) = self.type_expr(p);
                    if let Some(q) = optional {
                        self.misplaced_optional(q, "a named type");
                    }
                    ty = Some(t);
                }
                _ => {}
            }
        }
        TypeDecl {
            name: name.expect("grammar: type has a name"),
            ty: ty.expect("grammar: type has a body"),
            span,
        }
    }

    fn misplaced_optional(&mut self, at: Span, what: &str) {
        self.diagnostics.push(
            Diagnostic::error(
                Code::MisplacedOptional,
                format!("`?` cannot mark {what} optional"),
            )
            .primary(at, "only a variable can be optional")
            .help("put `?` on the variable's type instead: `var NAME: TYPE?`"),
        );
    }

    fn var_decl(&mut self, pair: P<'_>) -> VarDecl {
        let span = self.span(&pair);
        let mut name = None;
        let mut ty = None;
        let mut optional = false;
        let mut default = None;
        let mut doc = None;
        let mut attrs = Vec::new();
        let mut after_eq = false;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => name = Some(self.ident(p)),
                Rule::type_expr => {
                    let (t, q) = self.type_expr(p);
                    optional = q.is_some();
                    ty = Some(t);
                }
                Rule::var_eq => after_eq = true,
                r if after_eq && is_value(r) => {
                    default = Some(self.value(p));
                    after_eq = false;
                }
                Rule::string => doc = Some(self.string(p)),
                Rule::attr_block => attrs = self.attr_block(p),
                _ => {}
            }
        }
        VarDecl {
            name: name.expect("grammar: var has a name"),
            ty: ty.expect("grammar: var has a type"),
            optional,
            default,
            doc,
            attrs,
            span,
        }
    }

    fn secret_decl(&mut self, pair: P<'_>) -> SecretDecl {
        let span = self.span(&pair);
        let mut name = None;
        let mut reference = None;
        let mut doc = None;
        let mut attrs = Vec::new();
        let mut after_from = false;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => name = Some(self.ident(p)),
                Rule::kw_from => after_from = true,
                Rule::string if after_from => {
                    reference = Some(self.string(p));
                    after_from = false;
                }
                Rule::string => doc = Some(self.string(p)),
                Rule::attr_block => attrs = self.attr_block(p),
                _ => {}
            }
        }
        SecretDecl {
            name: name.expect("grammar: secret has a name"),
            reference,
            doc,
            attrs,
            span,
        }
    }

    fn flag_decl(&mut self, pair: P<'_>) -> FlagDecl {
        let span = self.span(&pair);
        let mut name = None;
        let mut default = None;
        let mut doc = None;
        let mut attrs = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => name = Some(self.ident(p)),
                r if default.is_none() && is_value(r) => default = Some(self.value(p)),
                Rule::string => doc = Some(self.string(p)),
                Rule::attr_block => attrs = self.attr_block(p),
                _ => {}
            }
        }
        FlagDecl {
            name: name.expect("grammar: flag has a name"),
            default: default.expect("grammar: flag has a default"),
            doc,
            attrs,
            span,
        }
    }

    fn attr_block(&mut self, pair: P<'_>) -> Vec<Attr> {
        pair.into_inner()
            .filter(|p| p.as_rule() == Rule::attr)
            .map(|p| self.attr(p))
            .collect()
    }

    fn attr(&mut self, pair: P<'_>) -> Attr {
        let span = self.span(&pair);
        let mut key = None;
        let mut value = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => key = Some(self.ident(p)),
                r if is_value(r) => value = Some(self.value(p)),
                _ => {}
            }
        }
        Attr {
            key: key.expect("grammar: attr has a key"),
            value: value.expect("grammar: attr has a value"),
            span,
        }
    }

    fn service_decl(&mut self, pair: P<'_>) -> ServiceDecl {
        let span = self.span(&pair);
        let mut name = None;
        let mut members = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::name => name = Some(self.ident(p)),
                Rule::var_decl => members.push(ServiceMember::Var(self.var_decl(p))),
                Rule::secret_decl => members.push(ServiceMember::Secret(self.secret_decl(p))),
                Rule::uses_decl => members.push(ServiceMember::Uses(self.uses_decl(p))),
                _ => {}
            }
        }
        ServiceDecl {
            name: name.expect("grammar: service has a name"),
            members,
            span,
        }
    }

    fn uses_decl(&mut self, pair: P<'_>) -> UsesDecl {
        let span = self.span(&pair);
        let mut names = Vec::new();
        let mut aliases = Vec::new();
        for item in pair.into_inner().filter(|p| p.as_rule() == Rule::uses_item) {
            let mut idents = item.into_inner().filter(|p| p.as_rule() == Rule::ident);
            let name = idents
                .next()
                .expect("grammar: uses_item starts with a name");
            names.push(self.ident(name));
            aliases.push(idents.next().map(|a| self.ident(a)));
        }
        UsesDecl {
            names,
            aliases,
            span,
        }
    }

    fn env_decl(&mut self, pair: P<'_>) -> EnvDecl {
        let span = self.span(&pair);
        let mut is_abstract = false;
        let mut insecure = None;
        let mut name = None;
        let mut parent = None;
        let mut params = Vec::new();
        let mut assignments = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::kw_abstract => is_abstract = true,
                Rule::kw_insecure => insecure = Some(self.span(&p)),
                Rule::env_params => params = self.env_params(p),
                Rule::name if name.is_none() => name = Some(self.ident(p)),
                Rule::name => parent = Some(self.ident(p)),
                Rule::assignment => assignments.push(self.assignment(p)),
                _ => {}
            }
        }
        EnvDecl {
            insecure,
            is_abstract,
            name: name.expect("grammar: env has a name"),
            params,
            parent,
            assignments,
            span,
        }
    }

    fn env_params(&mut self, pair: P<'_>) -> Vec<EnvParam> {
        pair.into_inner()
            .filter(|p| p.as_rule() == Rule::env_param)
            .map(|p| {
                let span = self.span(&p);
                let mut name = None;
                let mut ty = None;
                for part in p.into_inner() {
                    match part.as_rule() {
                        Rule::ident => name = Some(self.ident(part)),
                        Rule::type_expr => {
                            let (t, optional) = self.type_expr(part);
                            if let Some(at) = optional {
                                self.misplaced_optional(at, "an environment parameter");
                            }
                            ty = Some(t);
                        }
                        _ => {}
                    }
                }
                let name = name.expect("grammar: a parameter has a name");
                // pest's span of `env_param` takes in the blanks its optional `: TYPE`
                // skipped (`branch\t,`); the parameter ends at its name or type, as the
                // fast path (`fast.rs`) has it.
                let end = ty.as_ref().map_or(name.span.end, |t: &TypeExpr| t.span.end);
                EnvParam {
                    span: Span::new(span.file, span.start as usize, end as usize),
                    name,
                    ty,
                }
            })
            .collect()
    }

    fn assignment(&mut self, pair: P<'_>) -> Assignment {
        let span = self.span(&pair);
        let mut target = None;
        let mut rhs = None;
        let mut secret_ref = false;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::assign_target => target = Some(self.assign_target(p)),
                Rule::kw_from => secret_ref = true,
                Rule::kw_unset => rhs = Some(AssignRhs::Unset(self.span(&p))),
                Rule::string if secret_ref => {
                    rhs = Some(AssignRhs::SecretRef(self.string(p)));
                }
                r if is_value(r) => rhs = Some(AssignRhs::Value(self.value(p))),
                _ => {}
            }
        }
        Assignment {
            target: target.expect("grammar: assignment has a target"),
            rhs: rhs.expect("grammar: assignment has a right-hand side"),
            span,
        }
    }

    /// `assign_target` and `var_ref`: `NAME` or `svc.NAME`, one atomic token split at the
    /// dot here.
    fn assign_target(&mut self, pair: P<'_>) -> AssignTarget {
        let span = self.span(&pair);
        let text = pair.as_str();
        let at = span.start as usize;
        let ident = |a: usize, b: usize| Ident {
            text: text[a..b].to_string(),
            span: Span::new(self.file, at + a, at + b),
        };
        let (service, name) = match text.find('.') {
            Some(dot) => (Some(ident(0, dot)), ident(dot + 1, text.len())),
            None => (None, ident(0, text.len())),
        };
        if service.is_none() && name.text.contains('-') {
            self.diagnostics.push(
                Diagnostic::error(
                    Code::UnexpectedInput,
                    format!("`{}` is not a valid variable name", name.text),
                )
                .primary(name.span, "`-` is not allowed in variable names")
                .help(format!(
                    "write `{}`; only environment and service names may contain `-`",
                    name.text.replace('-', "_")
                )),
            );
        }
        AssignTarget {
            service,
            name,
            span,
        }
    }

    fn assert_decl(&mut self, pair: P<'_>) -> AssertDecl {
        let span = self.span(&pair);
        let mut condition = None;
        let mut when = None;
        let mut message = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::expr if condition.is_none() => condition = Some(self.expr(p)),
                Rule::expr => when = Some(self.expr(p)),
                Rule::string => message = Some(self.string(p)),
                _ => {}
            }
        }
        AssertDecl {
            condition: condition.expect("grammar: assert has a condition"),
            when,
            message,
            span,
        }
    }

    fn emit_decl(&mut self, pair: P<'_>) -> EmitDecl {
        let span = self.span(&pair);
        let mut target = None;
        let mut path = None;
        let mut when = None;
        let mut options = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => target = Some(self.ident(p)),
                Rule::string => path = Some(self.string(p)),
                Rule::expr => when = Some(self.expr(p)),
                Rule::attr_block => options = self.attr_block(p),
                _ => {}
            }
        }
        EmitDecl {
            target: target.expect("grammar: emit has a target"),
            path: path.expect("grammar: emit has a path"),
            when,
            options,
            span,
        }
    }

    // ── types ──────────────────────────────────────────────────────────────────────────

    /// A type and the span of its `?`, if any (only variables may use it).
    fn type_expr(&mut self, pair: P<'_>) -> (TypeExpr, Option<Span>) {
        let span = self.span(&pair);
        let mut base = None;
        let mut optional = None;
        let mut refinements = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::base_type => base = Some(self.base_type(p)),
                Rule::optional => optional = Some(self.span(&p)),
                Rule::refinement => refinements.push(self.refinement(p)),
                r => unreachable!("type_expr child {r:?}"),
            }
        }
        let ty = TypeExpr {
            base: base.expect("grammar: a type has a base"),
            refinements,
            span,
        };
        (ty, optional)
    }

    fn base_type(&mut self, pair: P<'_>) -> BaseType {
        let inner = pair.into_inner().next().expect("grammar: base type");
        match inner.as_rule() {
            Rule::named_type => {
                let id = inner.into_inner().next().expect("grammar: named type");
                BaseType::Named(self.ident(id))
            }
            Rule::union => BaseType::Union(
                inner
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::string)
                    .map(|p| self.string(p))
                    .collect(),
            ),
            Rule::list_type => {
                let elem = inner
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::type_expr)
                    .expect("grammar: list element type");
                let (ty, optional) = self.type_expr(elem);
                if let Some(q) = optional {
                    self.misplaced_optional(q, "a list element");
                }
                BaseType::List(Box::new(ty))
            }
            r => unreachable!("base_type child {r:?}"),
        }
    }

    fn refinement(&mut self, pair: P<'_>) -> Refinement {
        let span = self.span(&pair);
        let inner = pair.into_inner().next().expect("grammar: refinement");
        let kind = match inner.as_rule() {
            Rule::range_ref => RefinementKind::Range(self.range_in(inner)),
            Rule::len_ref => RefinementKind::Len(self.range_in(inner)),
            Rule::matching_ref => {
                let re = inner
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::regex)
                    .expect("grammar: matching has a regex");
                RefinementKind::Matching(self.regex(re))
            }
            r => unreachable!("refinement child {r:?}"),
        };
        Refinement { kind, span }
    }

    /// The `range_lit` inside `range_ref` / `len_ref`.
    fn range_in(&mut self, pair: P<'_>) -> RangeLit {
        let lit = pair
            .into_inner()
            .find(|p| p.as_rule() == Rule::range_lit)
            .expect("grammar: a range");
        self.range_lit(lit)
    }

    fn range_lit(&mut self, pair: P<'_>) -> RangeLit {
        let span = self.span(&pair);
        let mut bounds = Vec::with_capacity(2);
        let mut inclusive = false;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::number => bounds.push(self.number(p)),
                Rule::range_op => inclusive = p.as_str() == "..=",
                r => unreachable!("range child {r:?}"),
            }
        }
        let hi = bounds.pop().expect("grammar: upper bound");
        let lo = bounds.pop().expect("grammar: lower bound");
        RangeLit {
            lo,
            hi,
            inclusive,
            span,
        }
    }

    // ── values ─────────────────────────────────────────────────────────────────────────

    /// A `string`, `number`, `bool_lit` or `list` pair (the grammar's silent `value`).
    fn value(&mut self, inner: P<'_>) -> Value {
        match inner.as_rule() {
            Rule::string => {
                let s = self.string(inner);
                Value {
                    span: s.span,
                    kind: ValueKind::Str(s),
                }
            }
            Rule::number => self.number(inner),
            Rule::bool_lit => self.bool_lit(inner),
            Rule::list => self.list(inner),
            r => unreachable!("value child {r:?}"),
        }
    }

    fn list(&mut self, pair: P<'_>) -> Value {
        let span = self.span(&pair);
        let items = pair
            .into_inner()
            .filter(|p| is_value(p.as_rule()))
            .map(|p| self.value(p))
            .collect();
        Value {
            kind: ValueKind::List(items),
            span,
        }
    }

    fn bool_lit(&mut self, pair: P<'_>) -> Value {
        Value {
            kind: ValueKind::Bool(pair.as_str() == "true"),
            span: self.span(&pair),
        }
    }

    fn number(&mut self, pair: P<'_>) -> Value {
        let span = self.span(&pair);
        let kind = match literal::number(self.file, pair.as_str(), span.start as usize) {
            Ok(kind) => kind,
            Err(d) => {
                self.diagnostics.push(d);
                // A placeholder keeps the declaration; the error already stops the build.
                ValueKind::Int(0)
            }
        };
        Value { kind, span }
    }

    fn string(&mut self, pair: P<'_>) -> StrLit {
        let span = self.span(&pair);
        match literal::string(self.file, pair.as_str(), span.start as usize) {
            Ok(s) => s,
            Err(d) => {
                self.diagnostics.push(d);
                StrLit {
                    parts: Vec::new(),
                    span,
                }
            }
        }
    }

    fn regex(&mut self, pair: P<'_>) -> RegexLit {
        let span = self.span(&pair);
        literal::regex(self.file, pair.as_str(), span.start as usize)
    }

    // ── expressions ────────────────────────────────────────────────────────────────────

    fn expr(&mut self, pair: P<'_>) -> Expr {
        match pair.as_rule() {
            Rule::expr => {
                let inner = pair.into_inner().next().expect("grammar: expr");
                self.expr(inner)
            }
            Rule::or_expr | Rule::and_expr => self.binary_chain(pair),
            Rule::cmp_expr => self.cmp_expr(pair),
            Rule::unary => self.unary(pair),
            Rule::primary => self.primary(pair),
            r => unreachable!("expr rule {r:?}"),
        }
    }

    /// `a || b || c` / `a && b && c`, left-associative. The tree is as deep as the chain
    /// is long, so a chain past [`MAX_EXPR_DEPTH`] is an error, not a stack overflow later.
    fn binary_chain(&mut self, pair: P<'_>) -> Expr {
        let mut inner = pair.into_inner();
        let mut acc = self.expr(inner.next().expect("grammar: operand"));
        let mut acc_depth = expr_depth(&acc);
        while let Some(op_pair) = inner.next() {
            let op = match op_pair.as_rule() {
                Rule::or_op => BinaryOp::Or,
                Rule::and_op => BinaryOp::And,
                r => unreachable!("chain op {r:?}"),
            };
            let rhs = self.expr(inner.next().expect("grammar: operand"));
            acc_depth = acc_depth.max(expr_depth(&rhs)) + 1;
            if acc_depth > MAX_EXPR_DEPTH {
                // Stop building: the rest of the chain is dropped unlowered.
                let at = self.span(&op_pair);
                self.expr_too_deep(at, "this operator");
                break;
            }
            let span = acc.span.to(rhs.span);
            acc = Expr {
                kind: ExprKind::Binary {
                    op,
                    lhs: Box::new(acc),
                    rhs: Box::new(rhs),
                },
                span,
            };
        }
        acc
    }

    fn cmp_expr(&mut self, pair: P<'_>) -> Expr {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let lhs = self.expr(inner.next().expect("grammar: operand"));
        let Some(op) = inner.next() else {
            return lhs;
        };
        let kind = match op.as_rule() {
            Rule::kw_matches => {
                let re = inner.next().expect("grammar: regex after matches");
                ExprKind::Matches {
                    lhs: Box::new(lhs),
                    regex: self.regex(re),
                }
            }
            Rule::cmp_op => {
                let op = match op.as_str() {
                    "==" => BinaryOp::Eq,
                    "!=" => BinaryOp::Ne,
                    "<=" => BinaryOp::Le,
                    ">=" => BinaryOp::Ge,
                    "<" => BinaryOp::Lt,
                    ">" => BinaryOp::Gt,
                    "in" => BinaryOp::In,
                    "starts_with" => BinaryOp::StartsWith,
                    "ends_with" => BinaryOp::EndsWith,
                    other => unreachable!("cmp op {other}"),
                };
                let rhs = self.expr(inner.next().expect("grammar: operand"));
                ExprKind::Binary {
                    op,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                }
            }
            r => unreachable!("cmp child {r:?}"),
        };
        Expr { kind, span }
    }

    fn unary(&mut self, pair: P<'_>) -> Expr {
        let mut nots = Vec::new();
        let mut operand = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::not_op => nots.push(self.span(&p)),
                Rule::primary => operand = Some(self.primary(p)),
                r => unreachable!("unary child {r:?}"),
            }
        }
        let mut expr = operand.expect("grammar: unary operand");
        // Each `!` is one level; keep the tree within MAX_EXPR_DEPTH (100k `!` overflowed
        // the stack of every later recursive walk, drop included).
        let room = MAX_EXPR_DEPTH.saturating_sub(expr_depth(&expr));
        if nots.len() > room {
            let at = nots[nots.len() - room - 1];
            self.expr_too_deep(at, "this `!`");
            nots.truncate(room);
        }
        for not in nots.into_iter().rev() {
            let span = not.to(expr.span);
            expr = Expr {
                kind: ExprKind::Unary {
                    op: UnaryOp::Not,
                    operand: Box::new(expr),
                },
                span,
            };
        }
        expr
    }

    fn primary(&mut self, pair: P<'_>) -> Expr {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let first = inner.next().expect("grammar: primary");
        let kind = match first.as_rule() {
            Rule::paren_open => {
                let e = inner.next().expect("grammar: parenthesised expr");
                // Keep the parentheses in the span: it is what the user wrote.
                let mut e = self.expr(e);
                e.span = span;
                return e;
            }
            Rule::expr_list => ExprKind::List(
                first
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::expr)
                    .map(|p| self.expr(p))
                    .collect(),
            ),
            Rule::value_lit => {
                let v = first.into_inner().next().expect("grammar: literal");
                let value = match v.as_rule() {
                    Rule::string => {
                        let s = self.string(v);
                        Value {
                            span: s.span,
                            kind: ValueKind::Str(s),
                        }
                    }
                    Rule::number => self.number(v),
                    Rule::bool_lit => self.bool_lit(v),
                    r => unreachable!("literal {r:?}"),
                };
                ExprKind::Literal(value)
            }
            Rule::kw_env => ExprKind::Env,
            Rule::kw_service => ExprKind::Service,
            Rule::var_ref => ExprKind::Var(self.assign_target(first)),
            r => unreachable!("primary child {r:?}"),
        };
        Expr { kind, span }
    }

    fn expr_too_deep(&mut self, at: Span, what: &str) {
        self.diagnostics.push(
            Diagnostic::error(
                Code::NestingTooDeep,
                format!("expression nests more than {MAX_EXPR_DEPTH} levels deep"),
            )
            .primary(at, format!("{what} is too deep"))
            .help("split the condition into several `assert`s; every `!`, `&&`, `||`, comparison and list adds a level"),
        );
    }
}

/// Depth of an expression tree. Every tree the lowering builds is at most
/// [`MAX_EXPR_DEPTH`] plus the bracket nesting deep, so this recursion is bounded.
fn expr_depth(expr: &Expr) -> usize {
    1 + match &expr.kind {
        ExprKind::Unary { operand, .. } => expr_depth(operand),
        ExprKind::Binary { lhs, rhs, .. } => expr_depth(lhs).max(expr_depth(rhs)),
        ExprKind::Matches { lhs, .. } => expr_depth(lhs),
        ExprKind::List(items) => items.iter().map(expr_depth).max().unwrap_or(0),
        _ => 0,
    }
}
