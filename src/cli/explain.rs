//! `envdef explain ENV VAR [FILE | -f FILE]`: a value and its provenance — the environments
//! consulted (ENV, its parent, …), the line that set the value (or the declaration's
//! default), and each `${NAME}` of an interpolated string expanded step by step.

use clap::Args;
use serde_json::{json, Value as Json};

use super::compile::{bad_name, load, params_apply, Loaded};
use super::show::{self, Paint};
use super::{SourceArg, Status, Ui};
use crate::model::VarKind;
use crate::query::{self, names, Explanation, Step, StepKind};

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The environment.
    pub env: String,
    /// The variable: `NAME`, `svc.NAME` for a service's own variable (or for a shared
    /// variable as service `svc` reads it, its per-service overrides applied), a flag's
    /// name, or the emitted key (`FEATURE_NEW_CHECKOUT`).
    pub var: String,
    #[command(flatten)]
    pub source: SourceArg,
}

pub fn run(ui: &Ui, args: ExplainArgs) -> Status {
    match explain(ui, args) {
        Ok(status) | Err(status) => status,
    }
}

fn explain(ui: &Ui, args: ExplainArgs) -> Result<Status, Status> {
    let loaded = load(ui, &args.source)?;
    ui.diagnostics(&loaded.diagnostics, &loaded.sources);
    let model = &loaded.model;
    let bad = |d| bad_name(ui, &loaded, d);
    let env = names::env(model, &args.env, false).map_err(bad)?;
    params_apply(ui, &loaded, &[env])?;
    let (var, service) = names::service_variable(model, &args.var).map_err(bad)?;
    let explanation = query::explain(model, env, var, service);
    if ui.is_json() {
        ui.outln(json(&loaded, &explanation));
    } else {
        let text = human(&loaded, &explanation, Paint(ui.color_stdout));
        ui.out(&text);
    }
    Ok(Status::Ok)
}

fn human(loaded: &Loaded, x: &Explanation<'_>, paint: Paint) -> String {
    let sources = &loaded.sources;
    let var = x.def;
    let mut out = String::new();
    let value = x.resolved.map_or_else(
        || {
            if let Some(origin) = x.unset_by {
                format!(
                    "(unset by `{}`; not emitted, and compose removes it with `!reset`)",
                    origin.env.map_or("?", |e| loaded.model.env_name(e))
                )
            } else if var.optional {
                "(unset; optional, so it is not emitted)".to_string()
            } else {
                "(unset)".to_string()
            }
        },
        |r| show::value(&r.value, x.service.or(var.owner.as_deref())),
    );
    out.push_str(&format!(
        "{} in {} = {}\n\n",
        paint.bold(&explained_name(x)),
        paint.bold(&x.env.name),
        value
    ));
    out.push_str(&format!(
        "  declared  {}  {}\n",
        show::location(var.span, sources),
        paint.dim(&show::line_text(var.span, sources))
    ));
    let ty = match var.kind {
        VarKind::Var => show::ty_expanded(&var.ty),
        _ => show::declared_type(var),
    };
    let optional = if var.optional { " (optional)" } else { "" };
    out.push_str(&format!("  type      {ty}{optional}\n"));
    if let Some(doc) = &var.doc {
        out.push_str(&format!("  doc       {doc}\n"));
    }
    out.push_str(&format!("  chain     {}\n", loaded.model.chain_text(x.env)));
    for link in &x.chain {
        let abstract_note = if link.is_abstract { " (abstract)" } else { "" };
        let verdict = match (x.resolved.filter(|_| link.sets), x.unset_by) {
            (Some(r), _) => format!(
                "{} at {}  {}",
                paint.green(&match &r.origin.service {
                    Some(s) => format!("sets it for `{}`", loaded.model.service_name(*s)),
                    None => "sets it".to_string(),
                }),
                show::location(r.origin.span, sources),
                show::line_text(r.origin.span, sources)
            ),
            (None, Some(origin)) if link.sets => format!(
                "{} at {}  {}",
                paint.green("unsets it"),
                show::location(origin.span, sources),
                show::line_text(origin.span, sources)
            ),
            _ => paint.dim("not set here"),
        };
        out.push_str(&format!(
            "            {}{abstract_note}: {verdict}\n",
            link.env
        ));
    }
    match x.resolved {
        Some(r) if x.default_used => out.push_str(&format!(
            "  default   {} at {}  {}\n",
            paint.green("used"),
            show::location(r.origin.span, sources),
            show::line_text(r.origin.span, sources)
        )),
        None => out.push_str("  default   none\n"),
        Some(_) => {}
    }
    if let Some(template) = x.template {
        out.push_str(&format!("  template  {}\n", template_text(template)));
        steps_human(loaded, &x.steps, 1, &mut out);
        out.push_str(&format!("            = {value}\n"));
    }
    for (i, o) in x.overrides.iter().enumerate() {
        let label = if i == 0 {
            "  services  "
        } else {
            "            "
        };
        let what = match (o.resolved, o.unset_by) {
            (Some(r), _) => format!(
                "`{}` reads {} instead  ({} at {})",
                o.service,
                show::value(&r.value, Some(o.service)),
                show::setter(&loaded.model, &r.origin),
                show::location(r.origin.span, sources)
            ),
            (None, Some(u)) => format!(
                "`{}` reads no value: unset for it by {} at {}",
                o.service,
                u.env.map_or("?", |e| loaded.model.env_name(e)),
                show::location(u.span, sources)
            ),
            (None, None) => format!("`{}` reads no value", o.service),
        };
        out.push_str(&format!("{label}{what}\n"));
    }
    out
}

/// `NAME`, `svc.NAME` for a service's own variable, or `svc.NAME` for a shared variable
/// as one service reads it.
fn explained_name(x: &Explanation<'_>) -> String {
    match (x.service, &x.def.owner) {
        (Some(service), None) => format!("{service}.{}", x.def.name),
        _ => x.def.qualified_name(),
    }
}

fn steps_human(loaded: &Loaded, steps: &[Step<'_>], depth: usize, out: &mut String) {
    let indent = "            ".to_string() + &"  ".repeat(depth - 1);
    for step in steps {
        let line = match &step.kind {
            StepKind::Builtin(text) => {
                format!("{} = {}  (built-in)", step.written, show::quoted(text))
            }
            StepKind::Var {
                id,
                resolved: Some(r),
            } => format!(
                "{} = {}  ({} at {})",
                step.written,
                show::value(&r.value, loaded.model.var(*id).owner.as_deref()),
                show::setter(&loaded.model, &r.origin),
                show::location(r.origin.span, &loaded.sources)
            ),
            StepKind::Var { resolved: None, .. } => format!("{} is unset", step.written),
            StepKind::Unknown => format!("{} is not a declared variable", step.written),
        };
        out.push_str(&format!("{indent}{line}\n"));
        if let (
            Some(nested),
            StepKind::Var {
                resolved: Some(r), ..
            },
        ) = (&step.nested, &step.kind)
        {
            let inner = r.origin.template.as_deref().unwrap_or_default();
            out.push_str(&format!("{indent}  from {}\n", template_text(inner)));
            steps_human(loaded, nested, depth + 1, out);
        }
    }
}

fn json(loaded: &Loaded, x: &Explanation<'_>) -> Json {
    let sources = &loaded.sources;
    let var = x.def;
    let chain: Vec<Json> = x
        .chain
        .iter()
        .map(|link| json!({ "env": link.env, "abstract": link.is_abstract, "sets": link.sets }))
        .collect();
    let overrides: Vec<Json> = x
        .overrides
        .iter()
        .map(|o| {
            json!({
                "service": o.service,
                "value": o.resolved.map(|r| show::value_json(&r.value, Some(o.service))),
                "origin": o.resolved.map(|r| show::origin_json(&loaded.model, &r.origin, sources)),
                "unset_by": o.unset_by.map(|u| show::origin_json(&loaded.model, u, sources)),
            })
        })
        .collect();
    json!({
        "env": x.env.name,
        "var": explained_name(x),
        "service": x.service,
        "overrides": overrides,
        "kind": var.kind,
        "type": show::declared_type(var),
        "value": x.resolved.map(|r| show::value_json(&r.value, x.service.or(var.owner.as_deref()))),
        "set": x.resolved.is_some(),
        "default_used": x.default_used,
        "unset_by": x.unset_by.map(|o| show::origin_json(&loaded.model, o, sources)),
        "origin": x.resolved.map(|r| show::origin_json(&loaded.model, &r.origin, sources)),
        "declared": json!({
            "file": sources.get(var.span.file).name,
            "line": sources.get(var.span.file).line_col(var.span.start as usize).line,
        }),
        "chain": chain,
        "template": x.template,
        "interpolations": x.template.map(|_| steps_json(loaded, &x.steps)),
    })
}

fn steps_json(loaded: &Loaded, steps: &[Step<'_>]) -> Json {
    let step = |step: &Step<'_>| {
        let (var, builtin, resolved) = match &step.kind {
            StepKind::Builtin(text) => (None, Some(text), None),
            StepKind::Var { id, resolved } => (
                Some(loaded.model.var(*id).qualified_name()),
                None,
                *resolved,
            ),
            StepKind::Unknown => (None, None, None),
        };
        json!({
            "written": step.written,
            "var": var,
            "builtin": builtin,
            "value": resolved.map(|r| show::value_json(&r.value, None)),
            "origin": resolved.map(|r| show::origin_json(&loaded.model, &r.origin, &loaded.sources)),
            "template": resolved.and_then(|r| r.origin.template.as_deref()),
            "interpolations": step.nested.as_ref().map(|n| steps_json(loaded, n)),
        })
    };
    Json::Array(steps.iter().map(step).collect())
}

/// The template in quotes, whether or not the model kept the quotes.
fn template_text(template: &str) -> String {
    if template.len() >= 2 && template.starts_with('"') && template.ends_with('"') {
        template.to_string()
    } else {
        format!("\"{template}\"")
    }
}
