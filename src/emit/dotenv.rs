//! The `dotenv` target: `KEY=value` lines for each service's variables, quoted by
//! [`super::envfile`].

use std::fmt::Write;

use super::envfile::quote;
use super::job::{services_of, text_error, value_error, Block, Job, Prepared};
use super::text;
use crate::diagnostics::{Code, Diagnostic};
use crate::hash::FastHashMap;
use crate::model::{Env, Model, Resolved, VarDef, VarId};

/// The `KEY=value` lines of one artifact (keys were validated by `names::check`). An
/// artifact for a whole environment (a path without `{service}`) merges every covered
/// service: each key is written once, and two services giving one key different values
/// is E0430.
pub(super) fn body(
    model: &Model,
    prepared: &Prepared,
    job: &Job<'_>,
    out: &mut Block,
    errors: &mut Vec<Diagnostic>,
) {
    let Some(env) = job.env else {
        return;
    };
    let merged = job.service.is_none();
    // Per key written so far (merged files only): the variable, its line, its service.
    let mut written: FastHashMap<&str, (VarId, String, &str)> = FastHashMap::default();
    let mut line = String::new();
    for service in services_of(model, job) {
        out.reserve(service.vars.len() * 48);
        for (id, var, key) in service.keys(model) {
            let Some(res) = env.value_for(&service.name, id) else {
                continue;
            };
            line.clear();
            if !var_line(var, key, res, &service.name, env, job, &mut line, errors) {
                continue;
            }
            if merged {
                match written.get(key) {
                    // One variable read by several services: one line, unless a
                    // per-service override gives it another value for one of them
                    // (compared as values: a secret's `{service}` is not expanded in a
                    // comment line's sense).
                    Some((other, _, other_service))
                        if *other == id
                            && env.value_for(other_service, id).map(|r| &r.value)
                                == Some(&res.value) =>
                    {
                        continue
                    }
                    Some((other, other_line, other_service)) => {
                        if *other == id || *other_line != line {
                            errors.push(merge_conflict(
                                model,
                                (*other, other_service),
                                (id, &service.name),
                                env,
                                job,
                            ));
                        }
                        continue;
                    }
                    None => {
                        written.insert(key, (id, line.clone(), &service.name));
                    }
                }
            }
            if let Some(doc) = &prepared.doc_lines[id.index()] {
                out.push_str(doc);
            }
            out.push_str(&line);
        }
    }
}

/// One variable's line (`KEY=value\n`, or the comment standing for a secret) into `line`;
/// false when nothing is written (an unset optional, or an error, which is pushed).
#[allow(clippy::too_many_arguments)]
fn var_line(
    var: &VarDef,
    key: &str,
    res: &Resolved,
    service: &str,
    env: &Env,
    job: &Job<'_>,
    line: &mut String,
    errors: &mut Vec<Diagnostic>,
) -> bool {
    if let Some(reference) = res.value.secret_reference(service) {
        let _ = writeln!(
            line,
            "# {}: secret, not written here (reference: {})",
            key,
            text::comment_text(&reference)
        );
        return true;
    }
    if let Some(parts) = res.value.derived_parts() {
        // A derived secret is composed at run time (`envdef run`); name what it is built from.
        let references: Vec<String> = parts.iter().filter_map(|p| p.reference(service)).collect();
        let _ = writeln!(
            line,
            "# {}: derived secret, not written here (built from: {})",
            key,
            text::comment_text(&references.join(", "))
        );
        return true;
    }
    line.push_str(key);
    line.push('=');
    if text::push_plain_scalar(&res.value, &var.format, line) {
        line.push('\n');
        return true;
    }
    line.clear();
    let text = match text::value_text(&res.value, &var.format) {
        Ok(Some(t)) => t,
        Ok(None) => return false,
        Err(e) => {
            errors.push(text_error(e, var, env, res, job));
            return false;
        }
    };
    match quote(&text) {
        Ok(quoted) => {
            line.push_str(key);
            line.push('=');
            line.push_str(&quoted);
            line.push('\n');
            true
        }
        Err(reason) => {
            errors.push(
                value_error(
                    Code::UnportableDotenvValue,
                    format!(
                        "`{}` in environment `{}` has no .env encoding that every reader reads back the same: the value {reason}",
                        var.qualified_name(),
                        env.name
                    ),
                    var,
                    res,
                    job,
                )
                .note("checked against python-dotenv, Node dotenv, dotenvy, docker compose env_file and `set -a; . ./file` (docs/targets.md)")
                .help("change the value, or do not emit this variable to .env (a custom template can write it for one reader)"),
            );
            false
        }
    }
}

/// E0430: one file for several services, and two of them give one key different values.
fn merge_conflict(
    model: &Model,
    (first, first_service): (VarId, &str),
    (second, second_service): (VarId, &str),
    env: &Env,
    job: &Job<'_>,
) -> Diagnostic {
    let (a, b) = (model.var(first), model.var(second));
    let at = |var: &VarDef, id: VarId, service: &str| {
        env.value_for(service, id)
            .map_or(var.span, |r| r.origin.span)
    };
    Diagnostic::error(
        Code::MergedKeyConflict,
        format!(
            "`{}` is written once into `{}` for every service, but services `{first_service}` (`{}`) and `{second_service}` (`{}`) give it different values in environment `{}`",
            a.emit_name,
            job.path,
            a.qualified_name(),
            b.qualified_name(),
            env.name
        ),
    )
    .primary(
        at(b, second, second_service),
        format!("`{second_service}`'s value"),
    )
    .secondary(
        at(a, first, first_service),
        format!("`{first_service}`'s value"),
    )
    .secondary(job.emit.span, "this emit writes one file for all services")
    .help("add `{service}` to the path (one file per service), rename one variable (`env_name`), or limit the emit with `when service …`")
}
