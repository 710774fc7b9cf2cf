//! `diff`: the variables whose value differs between two environments, is set in only one,
//! or is the same but set by different lines. Secrets compare by reference; a secret whose
//! reference comes from one line on both sides (`from "vault://kv/{env}/db"`) differs only
//! by that line's placeholders, and is classified apart so that `diff` can fold those rows.

use crate::model::{Env, Model, Origin, Resolved, Service, Value, VarId};

/// How the two sides of one variable differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffKind {
    /// Different values.
    Differs,
    /// Set in the first environment only.
    OnlyA,
    /// Set in the second environment only.
    OnlyB,
    /// The same value, but set by different lines (an override that repeats a value).
    SourceDiffers,
    /// A secret whose reference is set by the same line on both sides and differs only
    /// by what that line's placeholders (`{env}`) expand to: the same reference pattern
    /// (for a derived secret: the same text, and each of its secrets such a reference).
    SamePattern,
}

impl DiffKind {
    /// The stable word of JSON output: `differs`, `only_a`, `only_b`, `source_differs`,
    /// `same_pattern`.
    pub fn as_str(self) -> &'static str {
        match self {
            DiffKind::Differs => "differs",
            DiffKind::OnlyA => "only_a",
            DiffKind::OnlyB => "only_b",
            DiffKind::SourceDiffers => "source_differs",
            DiffKind::SamePattern => "same_pattern",
        }
    }
}

/// One variable that differs, with both sides and their provenance.
#[derive(Debug, Clone, Copy)]
pub struct DiffRow<'m> {
    /// The variable.
    pub var: VarId,
    /// A row for one service's own value of a shared variable (a per-service override in
    /// either environment): the service. Shown as `svc.NAME`.
    pub service: Option<&'m str>,
    /// How its two sides differ.
    pub kind: DiffKind,
    /// The value in the first environment (`None`: unset there).
    pub a: Option<&'m Resolved>,
    /// The value in the second environment.
    pub b: Option<&'m Resolved>,
    /// Where an `= unset` removed the value in the first environment (when it did).
    pub a_unset: Option<&'m Origin>,
    /// Where an `= unset` removed the value in the second environment.
    pub b_unset: Option<&'m Origin>,
}

/// Every variable (only those `service` reads, when given, as it reads them) that differs
/// between `a` and `b`, in declaration order. Without a service, a variable that a
/// per-service override changes for some service in either environment also gets a row
/// for that service (`api.LOG_LEVEL`) when the service's values differ.
pub fn diff<'m>(
    model: &'m Model,
    a: &'m Env,
    b: &'m Env,
    service: Option<&'m Service>,
) -> Vec<DiffRow<'m>> {
    let row = |var: VarId, scope: Option<&'m str>, row_service: Option<&'m str>| {
        let (x, y, x_unset, y_unset) = match scope {
            Some(s) => (
                a.value_for(s, var),
                b.value_for(s, var),
                a.unset_for(s, var),
                b.unset_for(s, var),
            ),
            None => (a.value(var), b.value(var), a.unset_at(var), b.unset_at(var)),
        };
        let kind = match (x, y) {
            (None, None) => return None,
            (Some(_), None) => DiffKind::OnlyA,
            (None, Some(_)) => DiffKind::OnlyB,
            (Some(x), Some(y))
                if x.value != y.value
                    && same_pattern(x, y, |v| match scope {
                        Some(s) => (a.value_for(s, v), b.value_for(s, v)),
                        None => (a.value(v), b.value(v)),
                    }) =>
            {
                DiffKind::SamePattern
            }
            (Some(x), Some(y)) if x.value != y.value => DiffKind::Differs,
            (Some(x), Some(y)) if x.origin.span != y.origin.span => DiffKind::SourceDiffers,
            _ => return None,
        };
        Some(DiffRow {
            var,
            service: row_service,
            kind,
            a: x,
            b: y,
            a_unset: x_unset,
            b_unset: y_unset,
        })
    };
    match service {
        Some(service) => service
            .vars
            .iter()
            .filter_map(|&v| row(v, Some(&service.name), None))
            .collect(),
        None => {
            let mut rows = Vec::new();
            for i in 0..model.vars.len() {
                let var = VarId(i as u32);
                rows.extend(row(var, None, None));
                for svc in model.services.values() {
                    let name = svc.name.as_str();
                    if a.service_value(name, var).is_some() || b.service_value(name, var).is_some()
                    {
                        rows.extend(row(var, Some(name), Some(name)));
                    }
                }
            }
            rows
        }
    }
}

/// Whether two values of one secret, set by the same line, can differ only by what that
/// line's placeholders (`{env}`) expand to: a plain reference; or a derived secret whose
/// text parts are equal and each of whose secrets is itself a plain reference set by one
/// line on both sides (`part` gives a part's two values). A derived secret whose text holds
/// another variable's differing value, or whose secret is overridden on one side, differs
/// for real.
fn same_pattern<'m>(
    x: &Resolved,
    y: &Resolved,
    part: impl Fn(VarId) -> (Option<&'m Resolved>, Option<&'m Resolved>),
) -> bool {
    use crate::model::DerivedPart;
    if x.origin.span != y.origin.span {
        return false;
    }
    match (&x.value, &y.value) {
        (Value::Secret { .. }, Value::Secret { .. }) => true,
        (
            Value::Derived {
                parts: p,
                local: lp,
            },
            Value::Derived {
                parts: q,
                local: lq,
            },
        ) => {
            lp.is_empty()
                && lq.is_empty()
                && p.len() == q.len()
                && p.iter().zip(q).all(|pair| match pair {
                    (DerivedPart::Text { text: s }, DerivedPart::Text { text: t }) => s == t,
                    (DerivedPart::Secret { var: v, .. }, DerivedPart::Secret { var: w, .. }) => {
                        v == w
                            && matches!(part(*v), (Some(a), Some(b))
                                if a.origin.span == b.origin.span
                                    && matches!(a.value, Value::Secret { .. })
                                    && matches!(b.value, Value::Secret { .. }))
                    }
                    _ => false,
                })
        }
        _ => false,
    }
}

/// What promoting one environment's values into another changes for one variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Promotion {
    /// A bool flag off in the target turns on.
    FlagOn,
    /// A bool flag on in the target turns off.
    FlagOff,
    /// A percentage flag rolls out further.
    RolloutGrows,
    /// A percentage flag rolls back.
    RolloutShrinks,
    /// A secret's reference changes (never its value: envdef has none).
    SecretReference,
    /// Any other value changes.
    Value,
    /// Unset in the target, set by the promotion.
    Added,
    /// Set in the target, unset by the promotion.
    Removed,
}

impl Promotion {
    /// The stable word of JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Promotion::FlagOn => "flag_on",
            Promotion::FlagOff => "flag_off",
            Promotion::RolloutGrows => "rollout_grows",
            Promotion::RolloutShrinks => "rollout_shrinks",
            Promotion::SecretReference => "secret_reference",
            Promotion::Value => "value",
            Promotion::Added => "added",
            Promotion::Removed => "removed",
        }
    }
}

/// One variable a promotion changes: its value in the target now, and the promoted one.
#[derive(Debug, Clone, Copy)]
pub struct PromotionRow<'m> {
    /// The variable.
    pub var: VarId,
    /// A service's own value of a shared variable (a per-service override): the service.
    pub service: Option<&'m str>,
    /// What promoting does to it.
    pub change: Promotion,
    /// The target's value today (`None`: unset there).
    pub current: Option<&'m Resolved>,
    /// The value the promotion brings from the source environment.
    pub promoted: Option<&'m Resolved>,
}

/// `diff --promote FROM TO`: every variable whose value in `to` would change if `from`'s
/// values were promoted into it, in declaration order. Values that are equal but set by
/// different lines change nothing and are left out, and so are values set by the same
/// line on both sides (`vault://kv/{env}/db` differs per environment, but promoting
/// changes no line of it).
pub fn promotion<'m>(
    model: &'m Model,
    from: &'m Env,
    to: &'m Env,
    service: Option<&'m Service>,
) -> Vec<PromotionRow<'m>> {
    diff(model, to, from, service)
        .into_iter()
        .filter(|row| row.kind != DiffKind::SourceDiffers)
        .filter(|row| match (row.a, row.b) {
            (Some(a), Some(b)) => a.origin.span != b.origin.span,
            _ => true,
        })
        .map(|row| {
            let change = match (row.a.map(|r| &r.value), row.b.map(|r| &r.value)) {
                (None, _) => Promotion::Added,
                (_, None) => Promotion::Removed,
                (Some(Value::Bool(_)), Some(Value::Bool(true)))
                    if model.var(row.var).kind == crate::model::VarKind::Flag =>
                {
                    Promotion::FlagOn
                }
                (Some(Value::Bool(_)), Some(Value::Bool(false)))
                    if model.var(row.var).kind == crate::model::VarKind::Flag =>
                {
                    Promotion::FlagOff
                }
                (Some(Value::Int(now)), Some(Value::Int(next)))
                    if model.var(row.var).kind == crate::model::VarKind::Flag =>
                {
                    if next > now {
                        Promotion::RolloutGrows
                    } else {
                        Promotion::RolloutShrinks
                    }
                }
                (Some(Value::Secret { .. }), _) | (_, Some(Value::Secret { .. })) => {
                    Promotion::SecretReference
                }
                _ => Promotion::Value,
            };
            PromotionRow {
                var: row.var,
                service: row.service,
                change,
                current: row.a,
                promoted: row.b,
            }
        })
        .collect()
}
