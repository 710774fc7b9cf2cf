//! Promotion order (E0360, E0361): along a `promote` ladder, a flag on in an environment
//! is on in every environment before it, and a percentage flag is rolled out at least as
//! far in every environment before it.
//!
//! A step that is a concrete environment stands for itself; an abstract one (a matrix's
//! base, `deployed`) for every concrete environment that extends it, so `staging ->
//! production` also orders `production-eu` and `production-us` after `staging`.

use std::sync::Arc;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::{EnvId, Origin, Resolved, Value, VarId};
use crate::resolve::{Ladder, Program, VarDecl};

/// How far a flag is rolled out, comparable along a ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Bool(bool),
    Percent(i64),
}

impl Level {
    fn of(value: &Value) -> Option<Level> {
        match value {
            Value::Bool(b) => Some(Level::Bool(*b)),
            Value::Int(n) => Some(Level::Percent(*n)),
            _ => None,
        }
    }

    fn word(self) -> String {
        match self {
            Level::Bool(true) => "on".into(),
            Level::Bool(false) => "off".into(),
            Level::Percent(n) => format!("{n}%"),
        }
    }
}

pub(super) fn check_ladders(
    program: &Program,
    values: &[Vec<Option<Arc<Resolved>>>],
    diagnostics: &mut Diagnostics,
) {
    for ladder in &program.ladders {
        let groups: Vec<Vec<EnvId>> = ladder.steps.iter().map(|&s| group(program, s)).collect();
        for (i, entry) in program.vars.values().enumerate() {
            if matches!(entry.decl, VarDecl::Flag(_)) {
                check_flag(
                    program,
                    ladder,
                    &groups,
                    values,
                    VarId(i as u32),
                    diagnostics,
                );
            }
        }
    }
}

/// The concrete environments a ladder step stands for.
fn group(program: &Program, step: EnvId) -> Vec<EnvId> {
    let env = &program.envs[step];
    if env.chain.is_empty() {
        return Vec::new();
    }
    if !env.is_abstract {
        return vec![step];
    }
    program
        .envs
        .values()
        .enumerate()
        .filter(|(_, e)| !e.is_abstract && e.chain.contains(&step))
        .map(|(i, _)| EnvId::new(i))
        .collect()
}

fn check_flag(
    program: &Program,
    ladder: &Ladder,
    groups: &[Vec<EnvId>],
    values: &[Vec<Option<Arc<Resolved>>>],
    flag: VarId,
    diagnostics: &mut Diagnostics,
) {
    let level = |env: EnvId| -> Option<(Level, &Origin)> {
        let resolved = values.get(env.index())?.get(flag.index())?.as_ref()?;
        Some((Level::of(&resolved.value)?, &resolved.origin))
    };
    for pair in groups.windows(2) {
        // Each later environment against the furthest-behind earlier one: one report per
        // later environment, naming the earlier environment it overtakes most.
        for &later in &pair[1] {
            let Some((later_level, later_origin)) = level(later) else {
                continue;
            };
            let behind = pair[0]
                .iter()
                .filter_map(|&e| level(e).map(|(l, o)| (e, l, o)))
                .filter(|(_, l, _)| same_kind(*l, later_level) && *l < later_level)
                .min_by_key(|(_, l, _)| *l);
            let Some((earlier, earlier_level, earlier_origin)) = behind else {
                continue;
            };
            let violation = Violation {
                flag,
                earlier: (earlier, earlier_level, earlier_origin),
                later: (later, later_level, later_origin),
            };
            diagnostics.push(report(program, ladder, groups, &level, &violation));
        }
    }
}

fn same_kind(a: Level, b: Level) -> bool {
    matches!(
        (a, b),
        (Level::Bool(_), Level::Bool(_)) | (Level::Percent(_), Level::Percent(_))
    )
}

struct Violation<'a> {
    flag: VarId,
    earlier: (EnvId, Level, &'a Origin),
    later: (EnvId, Level, &'a Origin),
}

fn report<'a>(
    program: &Program,
    ladder: &Ladder,
    groups: &[Vec<EnvId>],
    level: &dyn Fn(EnvId) -> Option<(Level, &'a Origin)>,
    v: &Violation<'_>,
) -> Diagnostic {
    let name = program.qualified(v.flag);
    let env_name = |i: EnvId| program.envs[i].name.text.as_str();
    let (earlier, earlier_level, earlier_origin) = v.earlier;
    let (later, later_level, later_origin) = v.later;
    let (code, message, help) = match later_level {
        Level::Bool(_) => (
            Code::FlagPromotedOutOfOrder,
            format!(
                "flag `{name}` is on in `{}` but off in `{}`, which comes before it on the promotion ladder",
                env_name(later),
                env_name(earlier)
            ),
            format!(
                "turn `{name}` on in `{}` first (`{name} = true`), or keep it off in `{}`",
                env_name(earlier),
                env_name(later)
            ),
        ),
        Level::Percent(n) => (
            Code::RolloutShrinks,
            format!(
                "flag `{name}` is rolled out to {n}% in `{}` but only {} in `{}`, which comes before it on the promotion ladder",
                env_name(later),
                earlier_level.word(),
                env_name(earlier)
            ),
            format!(
                "roll `{}` out at least as far (`{name} = {n}`), or lower `{}` to at most {}",
                env_name(earlier),
                env_name(later),
                earlier_level.word()
            ),
        ),
    };
    let along: Vec<String> = groups
        .iter()
        .flatten()
        .filter_map(|&e| level(e).map(|(l, _)| format!("{} = {}", env_name(e), l.word())))
        .collect();
    let ladder_text: Vec<&str> = ladder.decl.envs.iter().map(|e| e.text.as_str()).collect();
    Diagnostic::error(code, message)
        .primary(
            later_origin.span,
            origin_label(later_level, later_origin, later, &env_name),
        )
        .secondary(
            earlier_origin.span,
            origin_label(earlier_level, earlier_origin, earlier, &env_name),
        )
        .secondary(ladder.decl.span, "the promotion ladder")
        .note(format!("promotion ladder: {}", ladder_text.join(" → ")))
        .note(format!("`{name}` along the ladder: {}", along.join(", ")))
        .help(help)
}

/// "on in `production` here", "off in `staging` (inherited from `deployed`)", "off by
/// default".
fn origin_label<'p>(
    level: Level,
    origin: &Origin,
    env: EnvId,
    env_name: &dyn Fn(EnvId) -> &'p str,
) -> String {
    let (what, name) = (level.word(), env_name(env));
    match origin.env {
        Some(set_in) if set_in == env => format!("{what} in `{name}`, set here"),
        Some(set_in) => format!("{what} in `{name}`, inherited from `{}`", env_name(set_in)),
        None => format!("{what} in `{name}`: the flag's default"),
    }
}
