//! `diff`: the variables whose value differs between two environments, is set in only one,
//! or is the same but set by different lines. Secrets compare by reference.

use crate::model::{Env, Model, Origin, Resolved, Service, VarId};

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
}

impl DiffKind {
    /// The stable word of JSON output: `differs`, `only_a`, `only_b`, `source_differs`.
    pub fn as_str(self) -> &'static str {
        match self {
            DiffKind::Differs => "differs",
            DiffKind::OnlyA => "only_a",
            DiffKind::OnlyB => "only_b",
            DiffKind::SourceDiffers => "source_differs",
        }
    }
}

/// One variable that differs, with both sides and their provenance.
#[derive(Debug, Clone, Copy)]
pub struct DiffRow<'m> {
    /// The variable.
    pub var: VarId,
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

/// Every variable (only those `service` reads, when given) that differs between `a` and
/// `b`, in declaration order.
pub fn diff<'m>(
    model: &'m Model,
    a: &'m Env,
    b: &'m Env,
    service: Option<&Service>,
) -> Vec<DiffRow<'m>> {
    let row = |var: VarId| {
        let (x, y) = (a.value(var), b.value(var));
        let kind = match (x, y) {
            (None, None) => return None,
            (Some(_), None) => DiffKind::OnlyA,
            (None, Some(_)) => DiffKind::OnlyB,
            (Some(x), Some(y)) if x.value != y.value => DiffKind::Differs,
            (Some(x), Some(y)) if x.origin.span != y.origin.span => DiffKind::SourceDiffers,
            _ => return None,
        };
        Some(DiffRow {
            var,
            kind,
            a: x,
            b: y,
            a_unset: a.unset_at(var),
            b_unset: b.unset_at(var),
        })
    };
    match service {
        Some(service) => service.vars.iter().filter_map(|&v| row(v)).collect(),
        None => (0..model.vars.len())
            .filter_map(|i| row(VarId(i as u32)))
            .collect(),
    }
}
