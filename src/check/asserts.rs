//! Asserts: `assert EXPR [when EXPR] ["message"]` evaluated in every concrete environment
//! (and per service when the rule mentions `service`). E0315, E0316.
//!
//! Names are resolved and regexes compiled once per assert; evaluation is a small
//! tree-walking interpreter over the environment's already computed values. A failure
//! names the rule, the environment, each value involved and where it was set. An unset
//! optional variable compares equal only to another unset one and fails every other test.
//!
//! A parameter of a parameterised environment (`branch` of `env preview(branch) …`) is an
//! operand too: it is the value as given (`--param branch=feature/X`, or the matrix
//! member), and a rule or `when` that mentions one applies only in the environments that
//! have it (its instances), as a rule that mentions `service` runs per service.

use std::sync::Arc;

use crate::ast::{self, BinaryOp, ExprKind, UnaryOp};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::hash::FastHashMap;
use crate::model::{EnvId, Resolved, Value, VarId, VarKind};
use crate::resolve::{Operand, ParamValue, Program};
use crate::source::{SourceMap, Span};

use super::envs::{Reporter, ServiceView, Values};
use super::types::Regexes;
use super::values::{clip, format_duration};

/// A value during evaluation.
#[derive(Debug, Clone, PartialEq)]
enum V {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Duration(u64),
    List(Vec<V>),
    Unset,
}

impl V {
    fn kind(&self) -> &'static str {
        match self {
            V::Str(_) => "string",
            V::Int(_) => "int",
            V::Float(_) => "float",
            V::Bool(_) => "bool",
            V::Duration(_) => "duration",
            V::List(_) => "list",
            V::Unset => "unset",
        }
    }

    fn show(&self) -> String {
        match self {
            V::Str(s) => format!("\"{}\"", clip(s)),
            V::Int(i) => i.to_string(),
            V::Float(f) => f.to_string(),
            V::Bool(b) => b.to_string(),
            V::Duration(ms) => format_duration(*ms),
            V::List(items) => format!(
                "[{}]",
                items.iter().map(V::show).collect::<Vec<_>>().join(", ")
            ),
            V::Unset => "(unset)".to_string(),
        }
    }

    fn from_model(value: &Value) -> V {
        match value {
            Value::Str(s) => V::Str(s.clone()),
            Value::Int(i) => V::Int(*i),
            Value::Float(f) => V::Float(*f),
            Value::Bool(b) => V::Bool(*b),
            Value::Duration(ms) => V::Duration(*ms),
            Value::List(items) => V::List(items.iter().map(V::from_model).collect()),
            // Excluded statically: secrets have no value at compile time.
            Value::Secret { .. } | Value::Derived { .. } => V::Unset,
        }
    }

    fn from_literal(value: &ast::Value) -> V {
        match &value.kind {
            ast::ValueKind::Str(s) => V::Str(s.to_template()),
            ast::ValueKind::Int(i) => V::Int(*i),
            ast::ValueKind::Float(f) => V::Float(*f),
            ast::ValueKind::Bool(b) => V::Bool(*b),
            ast::ValueKind::Duration(d) => V::Duration(d.millis),
            ast::ValueKind::List(items) => V::List(items.iter().map(V::from_literal).collect()),
        }
    }
}

/// A type error inside an assert: what, and where.
struct TypeError {
    message: String,
    span: Span,
}

/// One assert, prepared.
struct Prepared<'p> {
    decl: &'p ast::AssertDecl,
    /// Resolved variables by the span of the name in the expression.
    vars: FastHashMap<Span, VarId>,
    /// Environment parameters by the span of the name in the expression.
    params: FastHashMap<Span, String>,
    /// Members of each union-typed parameter the rule reads, by name.
    param_unions: FastHashMap<String, Vec<String>>,
    per_service: bool,
    /// Members of each variable's string-union type (`None`: not a union), by `VarId`.
    unions: &'p [Option<Vec<String>>],
}

pub(crate) fn check_asserts(
    program: &Program,
    sources: &SourceMap,
    (values, views, live): (&[Values], &[Vec<ServiceView>], &[Span]),
    optional: &[bool],
    unions: &[Option<Vec<String>>],
    regexes: &mut Regexes,
    diagnostics: &mut Diagnostics,
) {
    let mut prepared = Vec::new();
    for decl in &program.asserts {
        let mut p = Prepared {
            decl,
            vars: FastHashMap::default(),
            params: FastHashMap::default(),
            param_unions: FastHashMap::default(),
            per_service: false,
            unions,
        };
        let mut ok = prepare(&decl.condition, program, regexes, &mut p, diagnostics);
        if let Some(when) = &decl.when {
            ok &= prepare(when, program, regexes, &mut p, diagnostics);
        }
        if ok {
            prepared.push(p);
        }
    }
    let mut reporter = Reporter::default();
    for p in &prepared {
        let mut type_error_reported = false;
        for &env_idx in &program.env_order {
            let env = &program.envs[env_idx];
            if env.is_abstract || !p.applies_to(&env.params) {
                continue;
            }
            // A rule holds for what every service reads: a service whose overrides change
            // a value the rule reads is checked with its own values too.
            let services: Vec<Option<&str>> = if p.per_service {
                program.services.keys().map(|s| Some(s.as_str())).collect()
            } else {
                std::iter::once(None)
                    .chain(
                        views[env_idx.index()]
                            .iter()
                            .filter(|v| {
                                p.vars.values().any(|id| {
                                    v.values[id.index()] != values[env_idx.index()][id.index()]
                                })
                            })
                            .map(|v| Some(program.services[v.service].name.text.as_str())),
                    )
                    .collect()
            };
            // A required variable without a value here has its own error already;
            // evaluating the rule on a hole would only add a confusing second one.
            let broken = p.vars.values().any(|id| {
                values[env_idx.index()]
                    .get(id.index())
                    .map_or(true, Option::is_none)
                    && !optional[id.index()]
            });
            if broken {
                continue;
            }
            for service in services {
                let ctx = Ctx {
                    env: &env.name.text,
                    service,
                    values: view_of(program, values, views, env_idx, service),
                    params: &env.params,
                    prepared: p,
                    regexes,
                };
                let guard = match &p.decl.when {
                    Some(when) => ctx.eval(when).and_then(|v| expect_bool(&v, when.span)),
                    None => Ok(true),
                };
                let result = guard.and_then(|g| {
                    if g {
                        ctx.eval(&p.decl.condition)
                            .and_then(|v| expect_bool(&v, p.decl.condition.span))
                    } else {
                        Ok(true)
                    }
                });
                match result {
                    Ok(true) => {}
                    Ok(false) => {
                        let d = failure(program, sources, &ctx, live);
                        // One diagnostic per rule; other environments where it fails too
                        // are listed in a note.
                        let place = match service {
                            Some(s) => format!("{}/{s}", env.name.text),
                            None => env.name.text.clone(),
                        };
                        reporter.report(d, &place);
                    }
                    Err(err) => {
                        if !type_error_reported {
                            type_error_reported = true;
                            diagnostics.push(
                                Diagnostic::error(
                                    Code::AssertTypeError,
                                    format!("assertion is ill-typed: {}", err.message),
                                )
                                .primary(err.span, err.message.clone())
                                .note(format!("found while checking environment `{}`", env.name.text))
                                .help("compare values of the same type; `in` needs a list; `starts_with`, `ends_with` and `matches` need strings"),
                            );
                        }
                    }
                }
            }
        }
    }
    reporter.finish(diagnostics);
}

impl Prepared<'_> {
    /// Whether the rule can be evaluated in an environment with these parameter values:
    /// it has every parameter the rule mentions.
    fn applies_to(&self, params: &[ParamValue]) -> bool {
        self.params
            .values()
            .all(|name| params.iter().any(|p| p.param.name.text == *name))
    }
}

/// The values `service` reads in environment `env_idx`: its view when per-service
/// overrides change any, else the environment's.
fn view_of<'a>(
    program: &Program,
    values: &'a [Vec<Option<Arc<Resolved>>>],
    views: &'a [Vec<ServiceView>],
    env: EnvId,
    service: Option<&str>,
) -> &'a [Option<Arc<Resolved>>] {
    let svc = service.and_then(|s| program.services.get_index_of(s));
    views[env.index()]
        .iter()
        .find(|v| Some(v.service.index()) == svc)
        .map_or(&values[env.index()], |v| &v.values)
}

fn expect_bool(v: &V, span: Span) -> Result<bool, TypeError> {
    match v {
        V::Bool(b) => Ok(*b),
        other => Err(TypeError {
            message: format!("expected a bool, found {} {}", other.kind(), other.show()),
            span,
        }),
    }
}

/// Takes the ids `resolve` bound and compiles regexes; false when the assert cannot be
/// evaluated.
fn prepare(
    expr: &ast::Expr,
    program: &Program,
    regexes: &mut Regexes,
    p: &mut Prepared<'_>,
    diagnostics: &mut Diagnostics,
) -> bool {
    match &expr.kind {
        // Bound in `resolve` (an unknown name is reported there).
        ExprKind::Var(target) => match program.refs.operands.get(&target.span) {
            None => false,
            Some(Operand::Param { name, members }) => {
                if let Some(members) = members {
                    p.param_unions.insert(name.clone(), members.clone());
                }
                p.params.insert(target.span, name.clone());
                true
            }
            Some(&Operand::Var(id)) => {
                if program.var(id).decl.kind() == VarKind::Secret {
                    diagnostics.push(
                        Diagnostic::error(
                            Code::AssertTypeError,
                            format!(
                                "assertion reads secret `{}`, whose value envdef never sees",
                                program.qualified(id)
                            ),
                        )
                        .primary(target.span, "a secret")
                        .help("assert on non-secret variables only"),
                    );
                    return false;
                }
                p.vars.insert(target.span, id);
                true
            }
        },
        ExprKind::Env | ExprKind::Literal(_) => true,
        ExprKind::Service => {
            p.per_service = true;
            true
        }
        ExprKind::List(items) => {
            // Every element, so each unknown name is reported (no short-circuit).
            let mut ok = true;
            for e in items {
                ok &= prepare(e, program, regexes, p, diagnostics);
            }
            ok
        }
        ExprKind::Unary { operand, .. } => prepare(operand, program, regexes, p, diagnostics),
        ExprKind::Binary { op, lhs, rhs } => {
            let a = prepare(lhs, program, regexes, p, diagnostics);
            let b = prepare(rhs, program, regexes, p, diagnostics);
            let names_ok = match op {
                BinaryOp::Eq | BinaryOp::Ne | BinaryOp::In => {
                    !program.refs.unknown_names.contains(&expr.span)
                        && (!(a && b) || known_members(lhs, rhs, p, diagnostics))
                }
                _ => true,
            };
            a && b && names_ok
        }
        ExprKind::Matches { lhs, regex } => {
            let ok = prepare(lhs, program, regexes, p, diagnostics);
            if let Err(message) = regexes.compile(&regex.pattern) {
                diagnostics.push(
                    Diagnostic::error(
                        Code::InvalidRegex,
                        format!("invalid regular expression: {message}"),
                    )
                    .primary(regex.span, message)
                    .help("envdef uses Rust `regex` syntax (no look-around, no backreferences)"),
                );
                return false;
            }
            ok
        }
    }
}

/// `LOG_LEVEL != "dbug"` always holds and `LOG_LEVEL == "dbug"` never does when
/// `LOG_LEVEL` is `"debug" | "info"`: like a misspelt environment name, a string that is
/// not a member of the variable's union silently disables the rule.
fn known_members(
    lhs: &ast::Expr,
    rhs: &ast::Expr,
    p: &Prepared<'_>,
    diagnostics: &mut Diagnostics,
) -> bool {
    fn members_of<'e>(
        e: &'e ast::Expr,
        p: &'e Prepared<'_>,
    ) -> Option<(&'e Vec<String>, &'e ast::AssignTarget)> {
        match &e.kind {
            ExprKind::Var(target) => match p.params.get(&target.span) {
                Some(param) => p.param_unions.get(param).map(|m| (m, target)),
                None => p
                    .vars
                    .get(&target.span)
                    .and_then(|id| p.unions.get(id.index()))
                    .and_then(Option::as_ref)
                    .map(|m| (m, target)),
            },
            _ => None,
        }
    }
    let (members, target, other) = match (members_of(lhs, p), members_of(rhs, p)) {
        (Some((m, t)), _) => (m, t, rhs),
        (None, Some((m, t))) => (m, t, lhs),
        (None, None) => return true,
    };
    let mut ok = true;
    for (span, text) in other.string_literals() {
        if members.contains(&text) {
            continue;
        }
        ok = false;
        let help =
            match crate::diagnostics::suggest::closest(&text, members.iter().map(String::as_str)) {
                Some(c) => format!("did you mean `\"{c}\"`?"),
                None => format!(
                    "allowed: {}",
                    members
                        .iter()
                        .map(|m| format!("\"{m}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
        diagnostics.push(
            Diagnostic::error(
                Code::NotEnumMember,
                format!(
                    "assertion compares `{}` with `\"{}\"`, which is not one of its values",
                    target.name.text,
                    clip(&text)
                ),
            )
            .primary(
                span,
                if p.params.contains_key(&target.span) {
                    "not a member of the parameter's type"
                } else {
                    "not a member of the variable's type"
                },
            )
            .help(help),
        );
    }
    ok
}

struct Ctx<'a> {
    env: &'a str,
    service: Option<&'a str>,
    values: &'a [Option<Arc<Resolved>>],
    /// The environment's parameter values (an instance's; empty elsewhere).
    params: &'a [ParamValue],
    prepared: &'a Prepared<'a>,
    regexes: &'a Regexes,
}

impl Ctx<'_> {
    fn eval(&self, expr: &ast::Expr) -> Result<V, TypeError> {
        let err = |message: String| TypeError {
            message,
            span: expr.span,
        };
        Ok(match &expr.kind {
            ExprKind::Var(target) => match self.prepared.vars.get(&target.span) {
                Some(id) => match self.values.get(id.index()).and_then(Option::as_ref) {
                    Some(r) => V::from_model(&r.value),
                    None => V::Unset,
                },
                None => match self.prepared.params.get(&target.span) {
                    Some(name) => self
                        .params
                        .iter()
                        .find(|p| p.param.name.text == *name)
                        .map_or(V::Unset, |p| V::Str(p.value.clone())),
                    None => V::Unset,
                },
            },
            ExprKind::Env => V::Str(self.env.to_string()),
            ExprKind::Service => V::Str(self.service.unwrap_or("").to_string()),
            ExprKind::Literal(v) => V::from_literal(v),
            ExprKind::List(items) => V::List(
                items
                    .iter()
                    .map(|e| self.eval(e))
                    .collect::<Result<_, _>>()?,
            ),
            ExprKind::Unary {
                op: UnaryOp::Not,
                operand,
            } => {
                let v = self.eval(operand)?;
                V::Bool(!expect_bool(&v, operand.span)?)
            }
            ExprKind::Binary { op, lhs, rhs } => match op {
                BinaryOp::And | BinaryOp::Or => {
                    let a = expect_bool(&self.eval(lhs)?, lhs.span)?;
                    // Short-circuit, so `when`-like guards inside rules work.
                    if (*op == BinaryOp::And && !a) || (*op == BinaryOp::Or && a) {
                        V::Bool(a)
                    } else {
                        V::Bool(expect_bool(&self.eval(rhs)?, rhs.span)?)
                    }
                }
                _ => {
                    let a = self.eval(lhs)?;
                    let b = self.eval(rhs)?;
                    V::Bool(binary(*op, &a, &b).map_err(err)?)
                }
            },
            ExprKind::Matches { lhs, regex } => match self.eval(lhs)? {
                V::Str(s) => V::Bool(
                    self.regexes
                        .get(&regex.pattern)
                        .is_some_and(|re| re.is_match(&s)),
                ),
                V::Unset => V::Bool(false),
                other => {
                    return Err(err(format!(
                        "`matches` needs a string, found {} {}",
                        other.kind(),
                        other.show()
                    )))
                }
            },
        })
    }
}

fn binary(op: BinaryOp, a: &V, b: &V) -> Result<bool, String> {
    let mismatch = || {
        format!(
            "`{}` cannot compare {} {} with {} {}",
            op.as_str(),
            a.kind(),
            a.show(),
            b.kind(),
            b.show()
        )
    };
    match op {
        BinaryOp::Eq | BinaryOp::Ne => {
            let eq = equal(a, b).ok_or_else(mismatch)?;
            Ok(if op == BinaryOp::Eq { eq } else { !eq })
        }
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
            if *a == V::Unset || *b == V::Unset {
                return Ok(false);
            }
            let ord = match (a, b) {
                (V::Duration(x), V::Duration(y)) => x.partial_cmp(y),
                (V::Str(x), V::Str(y)) => x.partial_cmp(y),
                _ => match (number(a), number(b)) {
                    (Some(x), Some(y)) => x.partial_cmp(&y),
                    _ => return Err(mismatch()),
                },
            };
            let Some(ord) = ord else { return Ok(false) };
            Ok(match op {
                BinaryOp::Lt => ord.is_lt(),
                BinaryOp::Le => ord.is_le(),
                BinaryOp::Gt => ord.is_gt(),
                _ => ord.is_ge(),
            })
        }
        BinaryOp::In => match b {
            V::List(items) => {
                if *a == V::Unset {
                    return Ok(false);
                }
                let mut found = false;
                for item in items {
                    if equal(a, item).ok_or_else(mismatch)? {
                        found = true;
                        break;
                    }
                }
                Ok(found)
            }
            V::Unset => Ok(false),
            _ => Err(format!(
                "`in` needs a list on its right, found {} {}",
                b.kind(),
                b.show()
            )),
        },
        BinaryOp::StartsWith | BinaryOp::EndsWith => match (a, b) {
            (V::Str(x), V::Str(y)) => Ok(if op == BinaryOp::StartsWith {
                x.starts_with(y.as_str())
            } else {
                x.ends_with(y.as_str())
            }),
            (V::Unset, _) | (_, V::Unset) => Ok(false),
            _ => Err(mismatch()),
        },
        BinaryOp::And | BinaryOp::Or => unreachable!("handled with short-circuit"),
    }
}

fn number(v: &V) -> Option<f64> {
    match v {
        V::Int(i) => Some(*i as f64),
        V::Float(f) => Some(*f),
        _ => None,
    }
}

/// Equality, or `None` when the two cannot be compared.
fn equal(a: &V, b: &V) -> Option<bool> {
    match (a, b) {
        (V::Unset, V::Unset) => Some(true),
        (V::Unset, _) | (_, V::Unset) => Some(false),
        (V::Str(x), V::Str(y)) => Some(x == y),
        (V::Bool(x), V::Bool(y)) => Some(x == y),
        (V::Duration(x), V::Duration(y)) => Some(x == y),
        (V::List(x), V::List(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            for (p, q) in x.iter().zip(y) {
                if !equal(p, q)? {
                    return Some(false);
                }
            }
            Some(true)
        }
        _ => Some(number(a)? == number(b)?),
    }
}

/// `live`: where the values a live process has came from (`envdef verify`), each labelled
/// "set in `staging, live`" rather than as set by the source.
fn failure(program: &Program, sources: &SourceMap, ctx: &Ctx<'_>, live: &[Span]) -> Diagnostic {
    let decl = ctx.prepared.decl;
    let condition = sources.slice(decl.condition.span);
    let where_ = match ctx.service {
        Some(s) => format!("environment `{}`, service `{s}`", ctx.env),
        None => format!("environment `{}`", ctx.env),
    };
    let message = match &decl.message {
        Some(m) => format!("{} (in {where_})", m.to_template()),
        None => format!("assertion failed in {where_}: `{condition}`"),
    };
    let mut d = Diagnostic::error(Code::AssertFailed, message)
        .primary(decl.condition.span, format!("false in `{}`", ctx.env));
    // Every variable involved, once, in order of appearance, labelled where it was set.
    let mut order: Vec<(Span, VarId)> = ctx.prepared.vars.iter().map(|(s, v)| (*s, *v)).collect();
    order.sort_by_key(|(s, _)| (s.file, s.start));
    let mut seen: Vec<VarId> = Vec::new();
    for (_, id) in order {
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        let name = program.qualified(id);
        match ctx.values.get(id.index()).and_then(Option::as_ref) {
            Some(r) => {
                let shown = V::from_model(&r.value).show();
                let env = r.origin.env.map(|e| &program.envs[e].name.text);
                let from = match (env, r.origin.service) {
                    (Some(e), Some(s)) => {
                        format!("set for `{}` in `{e}`", program.services[s].name.text)
                    }
                    (Some(e), None) if live.contains(&r.origin.span) => {
                        format!("set in `{e}, live`")
                    }
                    (Some(e), None) => format!("set in `{e}`"),
                    (None, _) => "default".to_string(),
                };
                d = d.secondary(r.origin.span, format!("`{name}` is {shown} here ({from})"));
            }
            None => d = d.note(format!("`{name}` is not set in `{}`", ctx.env)),
        }
    }
    let mut params: Vec<(&Span, &String)> = ctx.prepared.params.iter().collect();
    params.sort_by_key(|(s, _)| (s.file, s.start));
    let mut shown_params: Vec<&str> = Vec::new();
    for (_, name) in params {
        if shown_params.contains(&name.as_str()) {
            continue;
        }
        shown_params.push(name);
        if let Some(p) = ctx.params.iter().find(|p| p.param.name.text == *name) {
            let how = if p.given {
                format!("given as `--param {name}={}`", p.value)
            } else {
                "a member of the parameter's union".to_string()
            };
            d = d.secondary(
                p.param.name.span,
                format!(
                    "`{name}` is {} here ({how})",
                    V::Str(p.value.clone()).show()
                ),
            );
        }
    }
    if decl.message.is_some() {
        let rule = match &decl.when {
            Some(when) => format!("{condition} when {}", sources.slice(when.span)),
            None => condition.to_string(),
        };
        d = d.note(format!("rule: assert {rule}"));
    }
    d.help("change the values above, or the rule, so that it holds in this environment")
}

/// The environments and services each `emit … when EXPR` covers, aligned with
/// `program.emits` (`None` for an emit without `when`, or one whose `when` has an error,
/// which is reported). The expression is the assert language, evaluated in every concrete
/// environment, and per service when it mentions `service`.
pub(crate) fn emit_scopes(
    program: &Program,
    values: (&[Values], &[Vec<ServiceView>]),
    unions: &[Option<Vec<String>>],
    regexes: &mut Regexes,
    diagnostics: &mut Diagnostics,
) -> Vec<Option<crate::model::EmitScope>> {
    let mut scopes = Vec::with_capacity(program.emits.len());
    for emit in &program.emits {
        let Some(when) = &emit.when else {
            scopes.push(None);
            continue;
        };
        // The rule "`when` holds" in the shape the assert machinery prepares.
        let decl = ast::AssertDecl {
            condition: when.clone(),
            when: None,
            message: None,
            span: emit.span,
        };
        let mut p = Prepared {
            decl: &decl,
            vars: FastHashMap::default(),
            params: FastHashMap::default(),
            param_unions: FastHashMap::default(),
            per_service: false,
            unions,
        };
        if !prepare(when, program, regexes, &mut p, diagnostics) {
            scopes.push(None);
            continue;
        }
        scopes.push(evaluate_scope(
            program,
            values,
            &p,
            regexes,
            when,
            diagnostics,
        ));
    }
    scopes
}

fn evaluate_scope(
    program: &Program,
    (values, views): (&[Values], &[Vec<ServiceView>]),
    p: &Prepared<'_>,
    regexes: &Regexes,
    when: &ast::Expr,
    diagnostics: &mut Diagnostics,
) -> Option<crate::model::EmitScope> {
    let implicit = [program.project.as_ref().map_or("app", |p| p.text.as_str())];
    let services: Vec<&str> = if program.services.is_empty() {
        implicit.to_vec()
    } else {
        program.services.keys().map(String::as_str).collect()
    };
    let mut scope = crate::model::EmitScope::default();
    for &env_idx in &program.env_order {
        let env = &program.envs[env_idx];
        if env.is_abstract || !p.applies_to(&env.params) {
            continue;
        }
        let ctx = |service| Ctx {
            env: &env.name.text,
            service,
            values: view_of(program, values, views, env_idx, service),
            params: &env.params,
            prepared: p,
            regexes,
        };
        let holds = |service| {
            ctx(service)
                .eval(when)
                .and_then(|v| expect_bool(&v, when.span))
        };
        let covered = if p.per_service {
            let mut covered = Vec::new();
            for &service in &services {
                match holds(Some(service)) {
                    Ok(true) => covered.push(service.to_string()),
                    Ok(false) => {}
                    Err(err) => return ill_typed_scope(err, &env.name.text, diagnostics),
                }
            }
            if covered.is_empty() {
                continue;
            }
            Some(covered)
        } else {
            match holds(None) {
                Ok(true) => None,
                Ok(false) => continue,
                Err(err) => return ill_typed_scope(err, &env.name.text, diagnostics),
            }
        };
        scope.envs.insert(env.name.text.clone(), covered);
    }
    Some(scope)
}

fn ill_typed_scope(
    err: TypeError,
    env: &str,
    diagnostics: &mut Diagnostics,
) -> Option<crate::model::EmitScope> {
    diagnostics.push(
        Diagnostic::error(
            Code::AssertTypeError,
            format!("the `when` of this emit is ill-typed: {}", err.message),
        )
        .primary(err.span, err.message.clone())
        .note(format!("found while checking environment `{env}`"))
        .help("`when` takes a bool: compare `env`, `service` or variables, e.g. `when env != \"local\"`"),
    );
    None
}
