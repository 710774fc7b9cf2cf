//! `envdef import FILE.env... [--env-names a,b,c] [-o out.envdef]`: draft a source from
//! existing dotenv files. Reading problems (missing file, not UTF-8, a malformed line) are
//! reported with file and line and exit 2; nothing is drafted from a half-read file.

use std::path::PathBuf;

use clap::Args;

use super::{Status, Ui};
use crate::import::{self, Input, Options};
use crate::source::{LoadError, Loader};
use crate::FsLoader;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The dotenv files; each becomes one environment.
    #[arg(required_unless_present = "file_flag", value_name = "FILE.env")]
    pub files: Vec<PathBuf>,
    /// The same as FILE.env (repeatable).
    #[arg(long = "file", short = 'f', value_name = "FILE.env", id = "file_flag")]
    pub file_flag: Vec<PathBuf>,
    /// Environment names, one per file, in order (default: from the file names: `.env` →
    /// `local`, `.env.staging` → `staging`).
    #[arg(long, value_delimiter = ',', value_name = "a,b,c")]
    pub env_names: Option<Vec<String>>,
    /// Write the draft to this file instead of stdout.
    #[arg(short, long, value_name = "out.envdef")]
    pub output: Option<PathBuf>,
    /// Overwrite the output file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// Malformed lines listed before the rest are only counted.
const MAX_ERRORS_SHOWN: usize = 20;

pub fn run(ui: &Ui, args: ImportArgs) -> Status {
    let mut inputs = Vec::new();
    let mut failed = false;
    for path in args.files.iter().chain(&args.file_flag) {
        let name = path.display().to_string();
        match FsLoader.load(path) {
            Ok(text) => inputs.push(Input { name, text }),
            Err(LoadError::NotUtf8 { offset }) => {
                // Read the bytes again only to tell the user which line to look at.
                let line = std::fs::read(path)
                    .map(|b| {
                        b[..offset.min(b.len())]
                            .iter()
                            .filter(|&&c| c == b'\n')
                            .count()
                            + 1
                    })
                    .unwrap_or(1);
                ui.tool_error(&format!(
                    "{name}:{line}: not valid UTF-8 (first invalid byte at offset {offset}); convert the file to UTF-8 first"
                ));
                failed = true;
            }
            Err(err) => {
                ui.tool_error(&format!("cannot read `{name}`: {err}"));
                failed = true;
            }
        }
    }
    if failed {
        return Status::ToolError;
    }
    let options = Options {
        env_names: args.env_names,
    };
    let draft = match import::draft(&inputs, &options) {
        Ok(draft) => draft,
        Err(err) => {
            // Every bad line of a real dotenv file is worth seeing; hundreds of them mean
            // the file is something else (a compose YAML given by mistake).
            for message in err.messages.iter().take(MAX_ERRORS_SHOWN) {
                ui.tool_error(message);
            }
            let hidden = err.messages.len().saturating_sub(MAX_ERRORS_SHOWN);
            if hidden > 0 {
                ui.tool_error(&format!(
                    "{hidden} more malformed lines not shown; is every file a dotenv file (`KEY=VALUE` lines)?"
                ));
            }
            return Status::ToolError;
        }
    };
    for warning in &draft.warnings {
        warn(ui, warning);
    }
    // Check and render the draft in memory, so problems show now rather than at the
    // user's first `envdef compile`.
    let name = args
        .output
        .as_ref()
        .map_or_else(|| "draft.envdef".to_string(), |o| o.display().to_string());
    let (sources, diagnostics) = import::verify(&name, &draft.source);
    if !diagnostics.is_empty() {
        warn(
            ui,
            "the draft needs attention before `envdef compile` succeeds (the file is written anyway):",
        );
        ui.diagnostics(&diagnostics, &sources);
    }
    match &args.output {
        // With `--format json`, stdout carries JSON lines only: the draft is one of them.
        None if ui.is_json() => ui.outln(serde_json::json!({ "draft": draft.source })),
        None => ui.out(&draft.source),
        Some(out) => {
            // symlink_metadata: a dangling symlink is "there" too (writing would replace it).
            if std::fs::symlink_metadata(out).is_ok() && !args.force {
                ui.tool_error(&format!(
                    "`{}` already exists; pass --force to overwrite it",
                    out.display()
                ));
                return Status::ToolError;
            }
            // `--force` replaces whatever is there; a symlink is replaced, never followed.
            if let Err(err) = crate::workflow::write_file(out, &draft.source, false) {
                ui.tool_error(&err.to_string());
                return Status::ToolError;
            }
            if ui.is_json() {
                let file = out.display().to_string();
                ui.outln(serde_json::json!({ "file": file, "status": "written" }));
            }
        }
    }
    let n_vars = draft
        .source
        .lines()
        .filter(|l| l.starts_with("var "))
        .count();
    ui.status(&format!(
        "drafted {n_vars} variable(s) and {} secret(s) for {} environment(s) ({}){}",
        draft.secrets.len(),
        draft.envs.len(),
        draft.envs.join(", "),
        args.output
            .as_ref()
            .map(|o| format!(" into {}", o.display()))
            .unwrap_or_default()
    ));
    Status::Ok
}

/// A warning about the draft (not a source diagnostic: there is no source yet).
fn warn(ui: &Ui, message: &str) {
    if ui.quiet {
        return;
    }
    if ui.is_json() {
        let value = serde_json::json!({
            "code": null,
            "severity": "warning",
            "message": message,
            "labels": [],
            "help": null,
            "notes": [],
        });
        ui.outln(value);
    } else {
        ui.err(&format!("warning: {message}\n"));
    }
}
