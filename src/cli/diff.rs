//! `envdef diff ENV_A ENV_B [--service S] [FILE | -f FILE]`: every variable whose value differs
//! between two environments, is set in only one, or has the same value set by different
//! lines; each side says which environment (and line) set it. Secrets compare by reference;
//! the secrets whose reference is one line with `{env}` in it (the same reference pattern)
//! are folded into one line per pattern unless `--all`.
//! `--promote FROM TO`: what promoting `FROM`'s values into `TO` would change (flags that
//! turn on, rollouts, secret references, values).

use clap::Args;
use serde_json::json;

use super::compile::{bad_name, load, params_apply, Loaded};
use super::show::{self, Paint};
use super::{SourceArg, Status, Ui};
use crate::model::{DerivedPart, Origin, Resolved, Value};
use crate::query::{self, names, DiffKind, DiffRow, Promotion, PromotionRow};

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The first environment (shown on the left, `-`).
    pub env_a: String,
    /// The second environment (shown on the right, `+`).
    pub env_b: String,
    /// Only the variables this service reads (and expand `{service}` in references).
    #[arg(long, value_name = "SERVICE")]
    pub service: Option<String>,
    /// Show what promoting the first environment's values into the second would change:
    /// flags that turn on, rollouts, secret references and values.
    #[arg(long)]
    pub promote: bool,
    /// List one by one the secrets whose reference differs only by what its placeholders
    /// (`{env}`) expand to; by default they are folded into one line per pattern.
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub source: SourceArg,
}

pub fn run(ui: &Ui, args: DiffArgs) -> Status {
    match diff(ui, args) {
        Ok(status) | Err(status) => status,
    }
}

fn diff(ui: &Ui, args: DiffArgs) -> Result<Status, Status> {
    let loaded = load(ui, &args.source)?;
    ui.diagnostics(&loaded.diagnostics, &loaded.sources);
    let model = &loaded.model;
    let bad = |d| bad_name(ui, &loaded, d);
    let env_a = names::env(model, &args.env_a, false).map_err(bad)?;
    let env_b = names::env(model, &args.env_b, false).map_err(bad)?;
    params_apply(ui, &loaded, &[env_a, env_b])?;
    let service = match &args.service {
        Some(name) => Some(names::service(model, name).map_err(bad)?),
        None => None,
    };
    if args.promote {
        let rows = query::promotion(model, env_a, env_b, service);
        print_promotion(ui, &loaded, &args, &rows);
        return Ok(Status::Ok);
    }
    let rows = query::diff(model, env_a, env_b, service);
    if ui.is_json() {
        print_json(ui, &loaded, &args, &rows);
    } else {
        print_table(ui, &loaded, &args, &rows);
    }
    Ok(Status::Ok)
}

fn print_json(ui: &Ui, loaded: &Loaded, args: &DiffArgs, rows: &[DiffRow<'_>]) {
    let service = args.service.as_deref();
    let side = |env: &str, r: Option<&Resolved>, unset: Option<&Origin>| match (r, unset) {
        (Some(r), _) => json!({
            "env": env,
            "value": show::value_json(&r.value, service),
            "set_by": show::setter(&loaded.model, &r.origin),
            "origin": show::origin_json(&loaded.model, &r.origin, &loaded.sources),
        }),
        // `= unset`: who removed the value, and where.
        (None, Some(o)) => json!({
            "env": env,
            "value": null,
            "set_by": null,
            "unset_by": o.env.map(|e| loaded.model.env_name(e)),
            "origin": show::origin_json(&loaded.model, o, &loaded.sources),
        }),
        (None, None) => json!({ "env": env, "value": null, "set_by": null, "origin": null }),
    };
    for row in rows {
        let value = json!({
            "var": row_name(loaded, row),
            "kind": row.kind.as_str(),
            "a": side(&args.env_a, row.a, row.a_unset),
            "b": side(&args.env_b, row.b, row.b_unset),
        });
        ui.outln(value);
    }
}

/// `NAME`, or `svc.NAME` for a service's own value of a shared variable.
fn row_name(loaded: &Loaded, row: &DiffRow<'_>) -> String {
    shown_name(loaded, row.var, row.service)
}

fn shown_name(loaded: &Loaded, id: crate::model::VarId, service: Option<&str>) -> String {
    let var = loaded.model.var(id);
    match service {
        Some(service) => format!("{service}.{}", var.name),
        None => var.qualified_name(),
    }
}

/// Two lines per variable: the values, then who set each (`env at file:line`).
/// Marks a variable whose value is the same on both sides but set by different lines.
const NOTE: &str = "  (same value, set separately)";
/// Marks (with `--all`) a secret whose reference is one line differing only by `{env}`.
const PATTERN_NOTE: &str = "  (same reference pattern)";

/// `COLUMNS` when set (the convention terminals and CI runners follow), else 100.
fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
}

fn print_table(ui: &Ui, loaded: &Loaded, args: &DiffArgs, all_rows: &[DiffRow<'_>]) {
    // Secrets of one reference pattern (`vault://kv/{env}/db`) differ in every pair of
    // environments; listing each buries the real differences (12 of 21 rows on a real
    // project), so they are folded into one line per set of placeholders unless `--all`.
    let (rows, folded): (Vec<DiffRow<'_>>, Vec<DiffRow<'_>>) = all_rows
        .iter()
        .partition(|row| args.all || row.kind != DiffKind::SamePattern);
    if rows.is_empty() && folded.is_empty() {
        if !ui.quiet {
            ui.outln(format_args!(
                "`{}` and `{}` have the same values",
                args.env_a, args.env_b
            ));
        }
        return;
    }
    print_rows(ui, loaded, args, &rows);
    print_folded(ui, loaded, &args.env_a, args.service.as_deref(), &folded);
    if !ui.quiet {
        let n = all_rows.len();
        ui.outln(format_args!(
            "{n} {}",
            if n == 1 {
                "variable differs"
            } else {
                "variables differ"
            }
        ));
    }
}

/// One line per set of placeholders: `3 secrets differ only by `{env}` in their reference:
/// A, B, C (--all lists them)`.
fn print_folded(
    ui: &Ui,
    loaded: &Loaded,
    env_a: &str,
    service: Option<&str>,
    folded: &[DiffRow<'_>],
) {
    let mut by_pattern: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    let env_a = loaded.model.envs.get(env_a);
    for row in folded {
        // A plain reference's placeholders are in its line; a derived secret's, in the
        // lines of the secrets it is built from.
        let mut spans: Vec<crate::source::Span> = Vec::new();
        match row.a.map(|r| (&r.value, r.origin.span)) {
            Some((Value::Derived { parts, .. }, _)) => {
                for part in parts {
                    if let DerivedPart::Secret { var, .. } = part {
                        let value = env_a.and_then(|e| match row.service.or(service) {
                            Some(s) => e.value_for(s, *var),
                            None => e.value(*var),
                        });
                        spans.extend(value.map(|r| r.origin.span));
                    }
                }
            }
            Some((_, span)) => spans.push(span),
            None => {}
        }
        let mut holes: Vec<String> = Vec::new();
        for span in spans {
            for hole in placeholders(loaded.sources.slice(span)) {
                if !holes.contains(&hole) {
                    holes.push(hole);
                }
            }
        }
        let name = row_name(loaded, row);
        match by_pattern.iter_mut().find(|(h, _)| *h == holes) {
            Some((_, names)) => names.push(name),
            None => by_pattern.push((holes, vec![name])),
        }
    }
    for (holes, names) in by_pattern {
        let by = if holes.is_empty() {
            "its placeholders".to_string()
        } else {
            let holes: Vec<String> = holes.iter().map(|h| format!("`{{{h}}}`")).collect();
            holes.join(" and ")
        };
        let (n, what) = if names.len() == 1 {
            (1, "secret differs")
        } else {
            (names.len(), "secrets differ")
        };
        ui.outln(format_args!(
            "{n} {what} only by {by} in the reference (one line sets both sides): {} (--all lists them)",
            crate::diagnostics::knock_on::first_of(&names, 8)
        ));
    }
}

/// The placeholders of a reference literal as written (`"vault://kv/{env}/db"` → `env`),
/// in order, without `{service}` (the same service on both sides of a row) and `${…}`.
fn placeholders(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, _) in text.match_indices('{') {
        let Some(len) = text[i + 1..].find('}') else {
            continue;
        };
        let name = &text[i + 1..i + 1 + len];
        let is_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if is_name
            && !text[..i].ends_with('$')
            && name != "service"
            && !out.iter().any(|o| o == name)
        {
            out.push(name.to_string());
        }
    }
    out
}

/// The differing rows: a table when the terminal is wide enough, else one block per row.
fn print_rows(ui: &Ui, loaded: &Loaded, args: &DiffArgs, rows: &[DiffRow<'_>]) {
    if rows.is_empty() {
        return;
    }
    let service = args.service.as_deref();
    let paint = Paint(ui.color_stdout);
    let value = |r: Option<&Resolved>| {
        r.map_or_else(|| "(unset)".to_string(), |r| show::value(&r.value, service))
    };
    let origin = |r: Option<&Resolved>, unset: Option<&Origin>| match (r, unset) {
        (Some(r), _) => format!(
            "{} at {}",
            show::setter(&loaded.model, &r.origin),
            show::location(r.origin.span, &loaded.sources)
        ),
        (None, Some(o)) => format!(
            "unset by {} at {}",
            o.env.map_or("?", |e| loaded.model.env_name(e)),
            show::location(o.span, &loaded.sources)
        ),
        (None, None) => String::new(),
    };
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|row| {
            [
                row_name(loaded, row),
                value(row.a),
                value(row.b),
                origin(row.a, row.a_unset),
                origin(row.b, row.b_unset),
            ]
        })
        .collect();
    let note = |kind: DiffKind| match kind {
        DiffKind::SourceDiffers => NOTE,
        DiffKind::SamePattern => PATTERN_NOTE,
        _ => "",
    };
    let width = |i: usize, header: &str| {
        cells
            .iter()
            .map(|c| c[i].chars().count())
            .chain([header.chars().count()])
            .max()
            .unwrap_or(0)
    };
    let w_var = width(0, "VARIABLE");
    let w_a = cells
        .iter()
        .flat_map(|c| [c[1].chars().count(), c[3].chars().count()])
        .chain([args.env_a.chars().count()])
        .max()
        .unwrap_or(0);
    let w_b = rows
        .iter()
        .zip(&cells)
        .flat_map(|(r, c)| {
            [
                c[2].chars().count(),
                c[4].chars().count() + note(r.kind).len(),
            ]
        })
        .chain([args.env_b.chars().count()])
        .max()
        .unwrap_or(0);
    let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(s.chars().count())));
    let colour = |kind: DiffKind, a: String, b: String| match kind {
        DiffKind::OnlyA => (paint.red(&a), paint.dim(&b)),
        DiffKind::OnlyB => (paint.dim(&a), paint.green(&b)),
        DiffKind::Differs => (paint.red(&a), paint.green(&b)),
        DiffKind::SourceDiffers | DiffKind::SamePattern => (a, b),
    };
    if w_var + w_a + w_b + 4 <= terminal_width() {
        // A table: the variable, then each side's value over who set it.
        let header = format!(
            "{}  {}  {}",
            pad("VARIABLE", w_var),
            pad(&args.env_a, w_a),
            args.env_b
        );
        ui.outln(format_args!("{}", paint.bold(header.trim_end())));
        for (row, c) in rows.iter().zip(&cells) {
            let (left, right) = colour(row.kind, pad(&c[1], w_a), c[2].clone());
            ui.outln(format_args!("{}  {left}  {right}", pad(&c[0], w_var)));
            let line = format!(
                "{}  {}  {}{}",
                " ".repeat(w_var),
                pad(&c[3], w_a),
                c[4],
                note(row.kind)
            );
            ui.outln(format_args!("{}", paint.dim(line.trim_end())));
        }
    } else {
        // Too wide for the terminal: one block per variable, `-` for the first
        // environment and `+` for the second, like a diff.
        let w_env = args.env_a.chars().count().max(args.env_b.chars().count());
        for (row, c) in rows.iter().zip(&cells) {
            let w_value = c[1].chars().count().max(c[2].chars().count());
            ui.outln(format_args!("{}{}", paint.bold(&c[0]), note(row.kind)));
            // The value is padded only when an origin follows, so no line ends in spaces.
            let side = |sign: &str, env: &str, value: &str, origin: &str| {
                if origin.is_empty() {
                    (
                        format!("{sign} {}  {value}", pad(env, w_env)),
                        String::new(),
                    )
                } else {
                    (
                        format!("{sign} {}  {}", pad(env, w_env), pad(value, w_value)),
                        format!("  {}", paint.dim(&format!("({origin})"))),
                    )
                }
            };
            let (a, a_origin) = side("-", &args.env_a, &c[1], &c[3]);
            let (b, b_origin) = side("+", &args.env_b, &c[2], &c[4]);
            let (left, right) = colour(row.kind, a, b);
            ui.outln(format_args!("  {left}{a_origin}"));
            ui.outln(format_args!("  {right}{b_origin}"));
        }
    }
}

/// `--promote FROM TO`: one line per change, `NAME  now → promoted`, then who set the
/// promoted value; JSON: one object per change.
fn print_promotion(ui: &Ui, loaded: &Loaded, args: &DiffArgs, rows: &[PromotionRow<'_>]) {
    let service = args.service.as_deref();
    let (from, to) = (&args.env_a, &args.env_b);
    if ui.is_json() {
        let side = |r: Option<&Resolved>| match r {
            Some(r) => json!({
                "value": show::value_json(&r.value, service),
                "set_by": show::setter(&loaded.model, &r.origin),
                "origin": show::origin_json(&loaded.model, &r.origin, &loaded.sources),
            }),
            None => json!({ "value": null, "set_by": null, "origin": null }),
        };
        for row in rows {
            ui.outln(json!({
                "var": shown_name(loaded, row.var, row.service),
                "change": row.change.as_str(),
                "from": from,
                "to": to,
                "current": side(row.current),
                "promoted": side(row.promoted),
            }));
        }
        return;
    }
    let paint = Paint(ui.color_stdout);
    if rows.is_empty() {
        if !ui.quiet {
            ui.outln(format_args!("promoting `{from}` to `{to}` changes nothing"));
        }
        return;
    }
    let value = |r: Option<&Resolved>| {
        r.map_or_else(|| "(unset)".to_string(), |r| show::value(&r.value, service))
    };
    let word = |change: Promotion| match change {
        Promotion::FlagOn => "turns on",
        Promotion::FlagOff => "turns off",
        Promotion::RolloutGrows => "rolls out",
        Promotion::RolloutShrinks => "rolls back",
        Promotion::SecretReference => "reference",
        Promotion::Value => "changes",
        Promotion::Added => "added",
        Promotion::Removed => "removed",
    };
    let names: Vec<String> = rows
        .iter()
        .map(|r| shown_name(loaded, r.var, r.service))
        .collect();
    let w_name = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    let w_word = rows.iter().map(|r| word(r.change).len()).max().unwrap_or(0);
    ui.outln(format_args!(
        "{}",
        paint.bold(&format!("promoting `{from}` to `{to}`:"))
    ));
    for (row, name) in rows.iter().zip(&names) {
        let change = format!("{:w_word$}", word(row.change));
        let change = match row.change {
            Promotion::FlagOn | Promotion::RolloutGrows | Promotion::Added => paint.green(&change),
            Promotion::FlagOff | Promotion::RolloutShrinks | Promotion::Removed => {
                paint.red(&change)
            }
            _ => change,
        };
        let origin = row.promoted.map_or_else(String::new, |r| {
            format!(
                "  ({} at {})",
                show::setter(&loaded.model, &r.origin),
                show::location(r.origin.span, &loaded.sources)
            )
        });
        ui.outln(format_args!(
            "  {change}  {name:w_name$}  {} → {}{}",
            value(row.current),
            value(row.promoted),
            paint.dim(&origin)
        ));
    }
    if !ui.quiet {
        ui.outln(format_args!(
            "{} {}",
            rows.len(),
            if rows.len() == 1 { "change" } else { "changes" }
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn placeholders_are_the_braced_names_of_a_reference_but_service() {
        assert_eq!(
            placeholders(r#""vault://kv/{env}/{service}/{region}#k""#),
            ["env", "region"]
        );
        assert_eq!(placeholders(r#""op://{env}/db/{env}-password""#), ["env"]);
        // `${…}` is interpolation, not a placeholder; a lone `{` is text.
        assert!(placeholders(r#""postgres://${HOST}/{""#).is_empty());
    }
}
