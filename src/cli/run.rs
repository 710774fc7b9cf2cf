//! `envdef run ENV [--service S] [-f FILE] -- CMD [ARGS…]`: start CMD with the values of
//! ENV for service S, secrets resolved at run time (`live::run`). With `--terraform`, the
//! values are Terraform's input variables instead, as `TF_VAR_<name>`
//! (`live::terraform`): `envdef run production --terraform -- terraform apply`.
//!
//! envdef prints nothing of its own when the command starts (whatever `-v` says): the
//! command's output is the output. Exit: CMD's status; 1 when the source has errors; 2
//! when a name is unknown or a secret cannot be resolved (CMD is not started); 126/127
//! when CMD cannot be executed / is not found.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::Args;

use super::compile::{bad_name, load, params_apply};
use super::{SourceArg, Status, Ui};
use crate::diagnostics::Code;
use crate::live;
use crate::query::names;
use crate::secrets::{Context, Resolver};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The environment whose values the command gets.
    pub env: String,
    /// The service whose variables are set (default: the only service).
    #[arg(long, short = 's', value_name = "SERVICE")]
    pub service: Option<String>,
    /// Give the command Terraform's input variables (`TF_VAR_<name>`, the names `tfvars` and
    /// `variables_tf` use, secrets resolved) instead of a service's keys: every variable,
    /// or `--service S`'s.
    #[arg(long)]
    pub terraform: bool,
    #[command(flatten)]
    pub source: SourceArg,
    /// The command and its arguments (after `--`).
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<OsString>,
}

/// The exit code of `envdef run`: envdef's own statuses, or the command's.
pub enum RunOutcome {
    Status(Status),
    Code(u8),
}

pub fn run(ui: &Ui, args: RunArgs) -> RunOutcome {
    let loaded = match load(ui, &args.source) {
        Ok(loaded) => loaded,
        Err(status) => return RunOutcome::Status(status),
    };
    // Warnings are not printed: the command's output is the output.
    let model = &loaded.model;
    let env = match names::env(model, &args.env, true) {
        Ok(env) => env,
        Err(diagnostic) => return RunOutcome::Status(bad_name(ui, &loaded, diagnostic)),
    };
    if let Err(status) = params_apply(ui, &loaded, &[env]) {
        return RunOutcome::Status(status);
    }
    // `--terraform` without `--service`: every variable, as a tfvars file for the whole
    // environment holds them; otherwise the service (the only one, or the one named).
    let service = if args.terraform && args.service.is_none() {
        None
    } else {
        match live::select_service(model, args.service.as_deref()) {
            Ok(service) => Some(service),
            Err(diagnostic) => return RunOutcome::Status(bad_name(ui, &loaded, diagnostic)),
        }
    };
    let entries = match (args.terraform, service) {
        (true, service) => live::terraform::terraform_environment(model, env, service),
        (false, Some(service)) => live::service_environment(model, env, service),
        (false, None) => unreachable!("a service is selected unless --terraform"),
    };
    let entries = match entries {
        Ok(entries) => entries,
        Err(diagnostic) if diagnostic.code == Code::UnknownServiceArg => {
            return RunOutcome::Status(bad_name(ui, &loaded, diagnostic))
        }
        Err(diagnostic) => {
            ui.diagnostics([&diagnostic], &loaded.sources);
            return RunOutcome::Status(Status::Failed);
        }
    };
    let whom = match (args.terraform, service) {
        (true, None) => "Terraform".to_string(),
        (true, Some(service)) => format!("Terraform (service `{}`)", service.name),
        (false, _) => format!("service `{}`", service.map_or("", |s| s.name.as_str())),
    };
    let base_dir = match loaded.path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let resolver = Resolver::standard(Context::from_process(base_dir));
    let vars = match live::run::resolve(&entries, &resolver, &whom, &env.name) {
        Ok(vars) => vars,
        Err(failures) => {
            ui.diagnostics(&failures, &loaded.sources);
            ui.status("the command was not started");
            return RunOutcome::Status(Status::ToolError);
        }
    };
    let (program, rest) = args.command.split_first().expect("clap requires a command");
    match live::run::start(program, rest, vars) {
        Ok(code) => RunOutcome::Code(code),
        Err(err) => {
            ui.tool_error(&err.to_string());
            RunOutcome::Code(err.exit_code())
        }
    }
}
