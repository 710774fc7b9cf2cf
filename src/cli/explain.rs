//! `envdef explain ENV VAR [--file F]`: a value and its provenance — the environments
//! consulted (ENV, its parent, …), the line that set the value (or the declaration's
//! default), and each `${NAME}` of an interpolated string expanded step by step.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use serde_json::{json, Value as Json};

use super::compile::{check_env, load, unknown_name, Loaded};
use super::show::{self, Paint};
use super::{Status, Ui};
use crate::diagnostics::Code;
use crate::model::{Env, Resolved, VarDef, VarId, VarKind};

/// Nested interpolations are followed this deep (the checker already rejects cycles; this
/// only bounds the output).
const MAX_DEPTH: usize = 8;

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The environment.
    pub env: String,
    /// The variable: `NAME`, `svc.NAME` for a service's own variable, a flag's name, or the
    /// emitted key (`FEATURE_NEW_CHECKOUT`).
    pub var: String,
    /// The root source file (default: the only `*.envdef` in the current directory).
    #[arg(long, short = 'f', value_name = "FILE")]
    pub file: Option<PathBuf>,
}

pub fn run(ui: &Ui, args: ExplainArgs) -> Status {
    match explain(ui, args) {
        Ok(status) | Err(status) => status,
    }
}

fn explain(ui: &Ui, args: ExplainArgs) -> Result<Status, Status> {
    let loaded = load(ui, args.file.clone())?;
    ui.diagnostics(&loaded.diagnostics, &loaded.sources);
    check_env(ui, &loaded, &args.env, false)?;
    let Some(var) = find_var(&loaded, &args.var) else {
        let names: Vec<String> = loaded
            .model
            .vars
            .iter()
            .map(VarDef::qualified_name)
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        return Err(unknown_name(
            ui,
            &loaded.sources,
            Code::UnknownVariableArg,
            "variable",
            &args.var,
            &names,
        ));
    };
    let env = &loaded.model.envs[args.env.as_str()];
    let explanation = Explanation {
        loaded: &loaded,
        env,
    };
    if ui.is_json() {
        let _ = writeln!(std::io::stdout(), "{}", explanation.json(var));
    } else {
        let text = explanation.human(var, Paint(ui.color_stdout));
        let _ = std::io::stdout().lock().write_all(text.as_bytes());
    }
    Ok(Status::Ok)
}

/// `svc.NAME` or `NAME`; else a flag or variable by its emitted key, or a service variable
/// by its bare name, when exactly one matches.
fn find_var(loaded: &Loaded, name: &str) -> Option<VarId> {
    if let Some(id) = loaded.model.find_var(name) {
        return Some(id);
    }
    let unique = |pred: &dyn Fn(&VarDef) -> bool| {
        let mut hits = loaded
            .model
            .vars
            .iter()
            .enumerate()
            .filter(|(_, v)| pred(v));
        match (hits.next(), hits.next()) {
            (Some((i, _)), None) => Some(VarId(i as u32)),
            _ => None,
        }
    };
    unique(&|v| v.emit_name == name).or_else(|| unique(&|v| v.name == name))
}

struct Explanation<'a> {
    loaded: &'a Loaded,
    env: &'a Env,
}

/// One `${NAME}` of a template, resolved in the environment.
struct Step<'a> {
    /// As written: `${API_URL}`.
    written: String,
    var: Option<VarId>,
    /// For `${env}` / `${service}` and unknown names: the text it expands to.
    builtin: Option<String>,
    resolved: Option<&'a Resolved>,
}

impl<'a> Explanation<'a> {
    fn var(&self, id: VarId) -> &'a VarDef {
        self.loaded.model.var(id)
    }

    /// Every `${…}` in a template, in order.
    fn steps(&self, owner: &VarDef, template: &str) -> Vec<Step<'a>> {
        let mut steps = Vec::new();
        let mut rest = template;
        while let Some(at) = rest.find('$') {
            let after = &rest[at + 1..];
            if let Some(stripped) = after.strip_prefix('$') {
                rest = stripped;
                continue;
            }
            let Some(inner) = after.strip_prefix('{') else {
                rest = after;
                continue;
            };
            let Some(end) = inner.find('}') else { break };
            let name = &inner[..end];
            rest = &inner[end + 1..];
            let written = format!("${{{name}}}");
            let builtin = match name {
                "env" => Some(self.env.name.clone()),
                "service" => Some(
                    owner
                        .owner
                        .clone()
                        .unwrap_or_else(|| "{service}".to_string()),
                ),
                _ => None,
            };
            if builtin.is_some() {
                steps.push(Step {
                    written,
                    var: None,
                    builtin,
                    resolved: None,
                });
                continue;
            }
            // Inside a service's own variable, a bare name may mean a sibling.
            let id = owner
                .owner
                .as_ref()
                .and_then(|svc| self.loaded.model.find_var(&format!("{svc}.{name}")))
                .or_else(|| self.loaded.model.find_var(name));
            steps.push(Step {
                written,
                var: id,
                builtin: None,
                resolved: id.and_then(|id| self.env.value(id)),
            });
        }
        steps
    }

    fn human(&self, id: VarId, paint: Paint) -> String {
        let sources = &self.loaded.sources;
        let var = self.var(id);
        let name = var.qualified_name();
        let resolved = self.env.value(id);
        let mut out = String::new();
        let value = resolved.map_or_else(
            || {
                if var.optional {
                    "(unset; optional, so it is not emitted)".to_string()
                } else {
                    "(unset)".to_string()
                }
            },
            |r| show::value(&r.value, var.owner.as_deref()),
        );
        out.push_str(&format!(
            "{} in {} = {}\n\n",
            paint.bold(&name),
            paint.bold(&self.env.name),
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
        out.push_str(&format!("  chain     {}\n", self.env.chain.join(" → ")));
        let setter = resolved.and_then(|r| r.origin.env.as_deref());
        for env in &self.env.chain {
            let abstract_note = if self
                .loaded
                .model
                .envs
                .get(env)
                .is_some_and(|e| e.is_abstract)
            {
                " (abstract)"
            } else {
                ""
            };
            let verdict = if Some(env.as_str()) == setter {
                let r = resolved.expect("a setter implies a value");
                format!(
                    "{} at {}  {}",
                    paint.green("sets it"),
                    show::location(r.origin.span, sources),
                    show::line_text(r.origin.span, sources)
                )
            } else {
                paint.dim("not set here")
            };
            out.push_str(&format!("            {env}{abstract_note}: {verdict}\n"));
            if Some(env.as_str()) == setter {
                break;
            }
        }
        if let Some(r) = resolved.filter(|r| r.origin.env.is_none()) {
            out.push_str(&format!(
                "  default   {} at {}  {}\n",
                paint.green("used"),
                show::location(r.origin.span, sources),
                show::line_text(r.origin.span, sources)
            ));
        } else if resolved.is_none() {
            out.push_str("  default   none\n");
        }
        if let Some(template) = resolved.and_then(|r| r.origin.template.as_deref()) {
            out.push_str(&format!("  template  {}\n", template_text(template)));
            self.expand_human(var, template, 1, &mut out);
            out.push_str(&format!("            = {value}\n"));
        }
        out
    }

    fn expand_human(&self, owner: &VarDef, template: &str, depth: usize, out: &mut String) {
        let indent = "            ".to_string() + &"  ".repeat(depth - 1);
        for step in self.steps(owner, template) {
            let line = match (&step.builtin, step.var, step.resolved) {
                (Some(text), _, _) => {
                    format!("{} = {}  (built-in)", step.written, show::quoted(text))
                }
                (None, Some(id), Some(r)) => format!(
                    "{} = {}  ({} at {})",
                    step.written,
                    show::value(&r.value, self.var(id).owner.as_deref()),
                    show::setter(&r.origin),
                    show::location(r.origin.span, &self.loaded.sources)
                ),
                (None, Some(_), None) => format!("{} is unset", step.written),
                (None, None, _) => format!("{} is not a declared variable", step.written),
            };
            out.push_str(&format!("{indent}{line}\n"));
            if let (Some(id), Some(r)) = (step.var, step.resolved) {
                if let Some(inner) = &r.origin.template {
                    if depth < MAX_DEPTH {
                        out.push_str(&format!("{indent}  from {}\n", template_text(inner)));
                        self.expand_human(self.var(id), inner, depth + 1, out);
                    }
                }
            }
        }
    }

    fn json(&self, id: VarId) -> Json {
        let sources = &self.loaded.sources;
        let var = self.var(id);
        let resolved = self.env.value(id);
        let setter = resolved.and_then(|r| r.origin.env.as_deref());
        let mut chain = Vec::new();
        for env in &self.env.chain {
            let sets = Some(env.as_str()) == setter;
            chain.push(json!({
                "env": env,
                "abstract": self.loaded.model.envs.get(env).is_some_and(|e| e.is_abstract),
                "sets": sets,
            }));
            if sets {
                break;
            }
        }
        let template = resolved.and_then(|r| r.origin.template.as_deref());
        json!({
            "env": self.env.name,
            "var": var.qualified_name(),
            "kind": var.kind,
            "type": show::declared_type(var),
            "value": resolved.map(|r| show::value_json(&r.value, var.owner.as_deref())),
            "set": resolved.is_some(),
            "default_used": resolved.is_some_and(|r| r.origin.env.is_none()),
            "origin": resolved.map(|r| show::origin_json(&r.origin, sources)),
            "declared": json!({
                "file": sources.get(var.span.file).name,
                "line": sources.get(var.span.file).line_col(var.span.start as usize).line,
            }),
            "chain": chain,
            "template": template,
            "interpolations": template.map(|t| self.expand_json(var, t, 1)),
        })
    }

    fn expand_json(&self, owner: &VarDef, template: &str, depth: usize) -> Json {
        let steps = self.steps(owner, template);
        Json::Array(
            steps
                .into_iter()
                .map(|step| {
                    let nested = match (step.var, step.resolved) {
                        (Some(id), Some(r)) if depth < MAX_DEPTH => r
                            .origin
                            .template
                            .as_deref()
                            .map(|t| self.expand_json(self.var(id), t, depth + 1)),
                        _ => None,
                    };
                    json!({
                        "written": step.written,
                        "var": step.var.map(|id| self.var(id).qualified_name()),
                        "builtin": step.builtin,
                        "value": step.resolved.map(|r| show::value_json(&r.value, None)),
                        "origin": step.resolved.map(|r| show::origin_json(&r.origin, &self.loaded.sources)),
                        "template": step.resolved.and_then(|r| r.origin.template.as_deref()),
                        "interpolations": nested,
                    })
                })
                .collect(),
        )
    }
}

/// The template in quotes, whether or not the model kept the quotes.
fn template_text(template: &str) -> String {
    if template.len() >= 2 && template.starts_with('"') && template.ends_with('"') {
        template.to_string()
    } else {
        format!("\"{template}\"")
    }
}
