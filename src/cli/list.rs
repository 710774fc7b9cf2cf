//! `envdef list [FILE | -f FILE]`: the environments (parents, abstract), the services
//! (what each reads) and every variable with its type and doc. `--format json` prints one
//! object per line with `"kind": "environment" | "service" | "variable"`.

use clap::Args;
use serde_json::json;

use super::compile::{load, Loaded};
use super::show::{self, Paint};
use super::{SourceArg, Status, Ui};
use crate::query::{self, ServiceListing};

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub source: SourceArg,
}

pub fn run(ui: &Ui, args: ListArgs) -> Status {
    let loaded = match load(ui, &args.source) {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    ui.diagnostics(&loaded.diagnostics, &loaded.sources);
    if ui.is_json() {
        print_json(ui, &loaded);
    } else {
        print_human(ui, &loaded, Paint(ui.color_stdout));
    }
    Status::Ok
}

fn print_json(ui: &Ui, loaded: &Loaded) {
    let listing = query::list(&loaded.model);
    for env in &listing.envs {
        let value = json!({
            "kind": "environment",
            "name": env.name,
            "abstract": env.is_abstract,
            "parent": env.parent.map(|p| loaded.model.env_name(p)),
            "chain": env.chain.iter().map(|&e| loaded.model.env_name(e)).collect::<Vec<_>>(),
            "line": show::location(env.span, &loaded.sources),
        });
        ui.outln(value);
    }
    for ServiceListing { service, vars } in &listing.services {
        let vars: Vec<String> = vars.iter().map(|v| v.qualified_name()).collect();
        let value = json!({
            "kind": "service",
            "name": service.name,
            "implicit": service.implicit,
            "vars": vars,
        });
        ui.outln(value);
    }
    for var in listing.vars {
        let value = json!({
            "kind": "variable",
            "name": var.qualified_name(),
            "owner": var.owner,
            "declared_as": var.kind,
            "type": show::declared_type(var),
            "optional": var.optional,
            "doc": var.doc,
            "deprecated": var.deprecated,
            "emit_name": var.emit_name,
            "tfvars_name": var.tfvars_name,
            "line": show::location(var.span, &loaded.sources),
        });
        ui.outln(value);
    }
}

fn print_human(ui: &Ui, loaded: &Loaded, paint: Paint) {
    let listing = query::list(&loaded.model);
    let mut text = String::new();
    let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(s.chars().count())));

    text.push_str(&paint.bold("environments"));
    text.push('\n');
    let w = listing
        .envs
        .iter()
        .map(|e| e.name.chars().count())
        .max()
        .unwrap_or(0);
    for env in &listing.envs {
        let mut notes = Vec::new();
        if let Some(parent) = env.parent {
            notes.push(format!("extends {}", loaded.model.env_name(parent)));
        }
        if env.is_abstract {
            notes.push("abstract".to_string());
        }
        text.push_str(format!("  {}  {}", pad(&env.name, w), notes.join(", ")).trim_end());
        text.push('\n');
    }

    text.push('\n');
    text.push_str(&paint.bold("services"));
    text.push('\n');
    let w = listing
        .services
        .iter()
        .map(|s| s.service.name.chars().count())
        .max()
        .unwrap_or(0);
    for ServiceListing { service, vars } in &listing.services {
        let vars: Vec<&str> = vars.iter().map(|v| v.name.as_str()).collect();
        let implicit = if service.implicit { " (implicit)" } else { "" };
        text.push_str(&format!(
            "  {}{implicit}  {}\n",
            pad(&service.name, w),
            vars.join(", ")
        ));
    }

    text.push('\n');
    text.push_str(&paint.bold("variables"));
    text.push('\n');
    let rows: Vec<(String, String, String)> = listing
        .vars
        .iter()
        .map(|v| {
            let mut doc = v.doc.clone().unwrap_or_default();
            if let Some(note) = &v.deprecated {
                doc = format!("{doc} [deprecated: {note}]").trim().to_string();
            }
            (v.qualified_name(), show::declared_type(v), doc)
        })
        .collect();
    let w_name = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    let w_type = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
    for (name, ty, doc) in rows {
        let line = format!(
            "  {}  {}  {}",
            pad(&name, w_name),
            pad(&ty, w_type),
            paint.dim(&doc)
        );
        text.push_str(line.trim_end());
        text.push('\n');
    }
    ui.out(&text);
}
