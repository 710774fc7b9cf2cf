//! Names inside values and rules, bound once so that `check` receives ids and never looks
//! a name up: every `${NAME}` of a default or an assignment (in the scope of the value's
//! service), every variable or environment parameter an assert or an emit's `when` reads,
//! and every environment or service name a rule compares `env` or `service` with. An
//! unknown name is reported here (E0209, E0210, E0214); `check` then leaves the value or
//! the rule alone.

use super::program::{Operand, Program, Refs, VarDecl};
use crate::ast::{self, BinaryOp, ExprKind};
use crate::diagnostics::{suggest, Code, Diagnostic, Diagnostics};
use crate::model::ServiceId;

/// Binds every value and rule of `program` (its declarations, assignments, asserts and
/// emit lines already bound).
pub(super) fn bind(program: &Program, diagnostics: &mut Diagnostics) -> Refs {
    let mut refs = Refs::default();
    for entry in program.vars.values() {
        let default = match &entry.decl {
            VarDecl::Var(d) => d.default.as_ref(),
            VarDecl::Flag(d) => Some(&d.default),
            VarDecl::Secret(_) => None,
        };
        if let Some(value) = default {
            refs.value(program, value, entry.owner, diagnostics);
        }
    }
    for env in program.envs.values() {
        for a in &env.assignments {
            if let ast::AssignRhs::Value(value) = &a.rhs {
                let scope = program.var(a.var).owner.or(a.service);
                refs.value(program, value, scope, diagnostics);
            }
        }
    }
    let rules = program
        .asserts
        .iter()
        .flat_map(|a| Some(&a.condition).into_iter().chain(&a.when));
    for expr in rules.chain(program.emits.iter().filter_map(|e| e.when.as_ref())) {
        refs.expr(program, expr, diagnostics);
    }
    refs
}

impl Refs {
    /// Every `${NAME}` in `value`, read inside service `scope` (its own variables first).
    fn value(
        &mut self,
        program: &Program,
        value: &ast::Value,
        scope: Option<ServiceId>,
        diagnostics: &mut Diagnostics,
    ) {
        match &value.kind {
            ast::ValueKind::Str(s) => {
                for part in &s.parts {
                    let ast::StrPart::Interp(ident) = part else {
                        continue;
                    };
                    if matches!(ident.text.as_str(), "env" | "service") {
                        continue;
                    }
                    match program.lookup(&ident.text, scope) {
                        Some(id) => {
                            self.interpolations.insert(ident.span, id);
                        }
                        None => diagnostics.push(
                            Diagnostic::error(
                                Code::UnknownVariable,
                                format!("`${{{}}}` refers to an unknown variable", ident.text),
                            )
                            .primary(ident.span, "not declared")
                            .help_opt(program.unknown_name_help(&ident.text)),
                        ),
                    }
                }
            }
            ast::ValueKind::List(items) => {
                for item in items {
                    self.value(program, item, scope, diagnostics);
                }
            }
            _ => {}
        }
    }

    /// Every operand of a rule, each unknown one reported (no short-circuit).
    fn expr(&mut self, program: &Program, expr: &ast::Expr, diagnostics: &mut Diagnostics) {
        match &expr.kind {
            ExprKind::Var(target) => {
                if let Some(operand) = operand(program, target, diagnostics) {
                    self.operands.insert(target.span, operand);
                }
            }
            ExprKind::Env | ExprKind::Service | ExprKind::Literal(_) => {}
            ExprKind::List(items) => {
                for e in items {
                    self.expr(program, e, diagnostics);
                }
            }
            ExprKind::Unary { operand, .. } => self.expr(program, operand, diagnostics),
            ExprKind::Matches { lhs, .. } => self.expr(program, lhs, diagnostics),
            ExprKind::Binary { op, lhs, rhs } => {
                self.expr(program, lhs, diagnostics);
                self.expr(program, rhs, diagnostics);
                if matches!(op, BinaryOp::Eq | BinaryOp::Ne | BinaryOp::In)
                    && !known_names(lhs, rhs, program, diagnostics)
                {
                    self.unknown_names.insert(expr.span);
                }
            }
        }
    }
}

/// What `NAME` or `svc.NAME` in a rule reads: a variable, else (bare) an environment
/// parameter; `None` when it is unknown (reported).
fn operand(
    program: &Program,
    target: &ast::AssignTarget,
    diagnostics: &mut Diagnostics,
) -> Option<Operand> {
    let found = match &target.service {
        Some(svc) => {
            program.service_named(svc, diagnostics)?;
            program.var_id(&format!("{}.{}", svc.text, target.name.text))
        }
        None => program.lookup(&target.name.text, None),
    };
    if let Some(id) = found {
        return Some(Operand::Var(id));
    }
    if target.service.is_none() {
        if let Some(param) = program.param_decl(&target.name.text) {
            return Some(Operand::Param {
                name: param.name.text.clone(),
                members: super::param_members(param, &program.types),
            });
        }
    }
    let help = program.unknown_name_help(&target.name.text);
    diagnostics.push(
        Diagnostic::error(
            Code::UnknownVariable,
            format!(
                "assertion refers to unknown variable `{}`",
                target.name.text
            ),
        )
        .primary(target.span, "not declared")
        .help_opt(help),
    );
    None
}

/// `env == "prodution"` can never hold: a misspelt name silently disables a rule, so
/// every string compared with `env` or `service` must name a declared one.
fn known_names(
    lhs: &ast::Expr,
    rhs: &ast::Expr,
    program: &Program,
    diagnostics: &mut Diagnostics,
) -> bool {
    let (builtin, other) = match (&lhs.kind, &rhs.kind) {
        (ExprKind::Env | ExprKind::Service, _) => (lhs, rhs),
        (_, ExprKind::Env | ExprKind::Service) => (rhs, lhs),
        _ => return true,
    };
    let is_env = matches!(builtin.kind, ExprKind::Env);
    let mut ok = true;
    for (span, name) in other.string_literals() {
        let known: Vec<&str> = if is_env {
            program.envs.keys().map(String::as_str).collect()
        } else if program.services.is_empty() {
            // The implicit service is named after the project, or `app`.
            vec![program.project.as_ref().map_or("app", |p| p.text.as_str())]
        } else {
            program.services.keys().map(String::as_str).collect()
        };
        if known.contains(&name.as_str()) {
            continue;
        }
        ok = false;
        let what = if is_env { "environment" } else { "service" };
        let help = suggest::did_you_mean(&name, known.iter().copied())
            .unwrap_or_else(|| format!("declared {what}s: {}", known.join(", ")));
        diagnostics.push(
            Diagnostic::error(
                Code::UnknownEnvironment,
                format!(
                    "assertion compares `{}` with unknown {what} `{name}`",
                    if is_env { "env" } else { "service" }
                ),
            )
            .primary(span, format!("no {what} of this name"))
            .help(help),
        );
    }
    ok
}
