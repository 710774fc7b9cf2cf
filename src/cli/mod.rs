//! The command line: argument parsing, one module per subcommand, and rendering at the edge.
//!
//! Conventions shared by every command (documented in the README):
//! exit 0 success, 1 the input is wrong (diagnostics, drift, unformatted), 2 the tool could
//! not run (usage, unreadable file, I/O failure). Diagnostics go to stderr, results to
//! stdout. `--format json` prints one JSON object per line. Colour only on a terminal,
//! never with `NO_COLOR` set.

mod check;
mod compile;
mod diff;
mod explain;
mod fix;
mod fmt;
mod import;
mod list;
mod lsp;
mod run;
mod show;
mod switch;
mod ui;
mod verify;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use ui::Ui;

/// Exit status of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// 0: success.
    Ok,
    /// 1: the input is wrong (diagnostics, stale artifacts, unformatted source).
    Failed,
    /// 2: the tool could not run.
    ToolError,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        match status {
            Status::Ok => ExitCode::SUCCESS,
            Status::Failed => ExitCode::from(1),
            Status::ToolError => ExitCode::from(2),
        }
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "envdef",
    version,
    about = "Typed environment definitions: one source, every .env, tfvars, compose and Kubernetes artifact.",
    propagate_version = true
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Options every command takes.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Output format for diagnostics and results.
    #[arg(long, value_enum, default_value_t = Format::Human, global = true)]
    pub format: Format,
    /// When to use colour (`auto`: only on a terminal and without NO_COLOR).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    /// Print only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more detail (e.g. every unchanged artifact).
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// `--deny warnings` turns every warning into an error.
    #[arg(long, value_enum, global = true, value_name = "WHAT")]
    pub deny: Vec<Deny>,
    /// The project root: imports, templates (and an `--out` inside it) must stay inside it.
    /// Default: the git work tree holding the source, or its directory outside git.
    #[arg(long, global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// `NAME=VALUE` for a parameterised environment (`env preview(branch) …`): every
    /// environment whose parameters are all given gets an instance (repeatable).
    #[arg(long = "param", global = true, value_name = "NAME=VALUE", value_parser = parse_param)]
    pub params: Vec<(String, String)>,
}

/// `NAME=VALUE` → `(NAME, VALUE)`; the value may hold `=` and is otherwise anything (the
/// source's parameter type judges it).
fn parse_param(arg: &str) -> Result<(String, String), String> {
    match arg.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => Err(format!("expected NAME=VALUE, found `{arg}`")),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Reports with source snippets, on stderr.
    Human,
    /// One JSON object per diagnostic and line, on stdout.
    Json,
    /// `file:line:col: error[CODE]: message`, one line per diagnostic, on stdout.
    Short,
    /// GitHub Actions workflow commands (`::error file=…::…`), on stdout.
    Github,
    /// One SARIF 2.1.0 log on stdout, written when the command ends.
    Sarif,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Deny {
    Warnings,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse, resolve and type-check a source; print diagnostics.
    Check(check::CheckArgs),
    /// Draft a source from existing .env files (one environment per file).
    Import(import::ImportArgs),
    /// Rewrite sources in the canonical layout (`--check`: only report, with a diff).
    Fmt(fmt::FmtArgs),
    /// Write the artifacts the `emit` lines ask for (`--check`: verify them, write nothing).
    Compile(compile::CompileArgs),
    /// What differs between two environments, and who set each side.
    Diff(diff::DiffArgs),
    /// A variable's value in one environment and where it came from.
    Explain(explain::ExplainArgs),
    /// Environments, services and variables.
    List(list::ListArgs),
    /// Run a command with one environment's values, secrets resolved at run time.
    Run(run::RunArgs),
    /// Check a live environment (this process, or .env files) against the definition.
    Verify(verify::VerifyArgs),
    /// Write one environment's working files (`emit … { working = true }`) for every service.
    Switch(switch::SwitchArgs),
    /// Which environment each working file holds, and whether it is current.
    Status(switch::StatusArgs),
    /// Apply the fixes diagnostics are sure of (`:` → `=`, `=` → `==`, …), then check.
    Fix(fix::FixArgs),
    /// A language server over stdio (diagnostics, hover, definition, completion, …).
    Lsp,
}

/// Runs the CLI with the process arguments and returns the exit code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let args: Vec<OsString> = args.into_iter().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err, &args),
    };
    let ui = Ui::new(&cli.global);
    if let Err(message) = params_fit(&cli.global.params, &cli.command) {
        ui.tool_error(&message);
        return ui.finish(Status::ToolError).into();
    }
    let status = match cli.command {
        Command::Check(args) => check::run(&ui, args),
        Command::Import(args) => import::run(&ui, args),
        Command::Fmt(args) => fmt::run(&ui, args),
        Command::Compile(args) => compile::run(&ui, args),
        Command::Diff(args) => diff::run(&ui, args),
        Command::Explain(args) => explain::run(&ui, args),
        Command::List(args) => list::run(&ui, args),
        Command::Verify(args) => verify::run(&ui, args),
        Command::Switch(args) => switch::run_switch(&ui, args),
        Command::Status(args) => switch::run_status(&ui, args),
        Command::Run(args) => {
            return match run::run(&ui, args) {
                run::RunOutcome::Status(status) => ui.finish(status).into(),
                // The command's own status (or envdef's 126/127 for one that could not
                // start), whatever envdef's writes did.
                run::RunOutcome::Code(code) => ExitCode::from(code),
            };
        }
        Command::Fix(args) => fix::run(&ui, args),
        Command::Lsp => match lsp::run() {
            Ok(()) => Status::Ok,
            Err(message) => {
                ui.tool_error(&format!("lsp: {message}"));
                Status::ToolError
            }
        },
    };
    ui.finish(status).into()
}

/// `--param` is global so that every command reading environments takes it; the commands
/// that read the source as written (no environments) refuse it rather than ignore it, and
/// a parameter takes one value per run.
fn params_fit(params: &[(String, String)], command: &Command) -> Result<(), String> {
    let Some((first, _)) = params.first() else {
        return Ok(());
    };
    let name = match command {
        Command::Fmt(_) => Some("fmt"),
        Command::Import(_) => Some("import"),
        Command::Lsp => Some("lsp"),
        _ => None,
    };
    if let Some(name) = name {
        return Err(format!(
            "`--param {first}=…` does not apply to `envdef {name}`, which reads no environment's values; drop it"
        ));
    }
    for (i, (name, value)) in params.iter().enumerate() {
        if let Some((_, other)) = params[..i].iter().find(|(n, _)| n == name) {
            return Err(format!(
                "`--param {name}` is given twice (`{other}` and `{value}`); a run makes one instance per parameter value, give it once"
            ));
        }
    }
    Ok(())
}

/// The source a command reads, the same way for every command: `envdef <cmd> [FILE]` or
/// `-f/--file FILE`; with neither, the only `*.envdef` file in the current directory.
#[derive(Debug, Clone, Default, Args)]
pub struct SourceArg {
    /// The root source file (default: the only `*.envdef` in the current directory).
    #[arg(value_name = "FILE", conflicts_with = "file_flag")]
    file: Option<PathBuf>,
    /// The same as FILE.
    #[arg(long = "file", short = 'f', value_name = "FILE", id = "file_flag")]
    file_flag: Option<PathBuf>,
}

impl SourceArg {
    /// The file named, if one was.
    pub fn given(&self) -> Option<&Path> {
        self.file.as_deref().or(self.file_flag.as_deref())
    }

    /// The file named, or the only `*.envdef` in the current directory.
    pub fn path(&self) -> Result<PathBuf, String> {
        find_source(self.file.clone().or_else(|| self.file_flag.clone()))
    }
}

/// clap could not parse the arguments. Help and version go to stdout (exit 0); a usage
/// error is exit 2, printed in the format the arguments asked for when they got as far as
/// naming one (an editor or CI job reading JSON or SARIF gets a record it can parse, not
/// clap's text).
fn usage_error(err: &clap::Error, args: &[OsString]) -> ExitCode {
    let printed = |status: Status| match err.print() {
        Ok(()) => status,
        Err(io) => ui::finish_after(io, status),
    };
    if !err.use_stderr() {
        return printed(Status::Ok).into();
    }
    match requested_format(args) {
        Some(format) if format != Format::Human => {
            let ui = Ui::plain(format);
            // clap's text is `error: <message>\n\nUsage: …\n\nFor more information, …`;
            // the first paragraph is the message, the usage line is a fair help.
            let text = err.render().to_string();
            let mut parts = text.split("\n\n");
            let message = parts.next().unwrap_or("").trim();
            let message = message.strip_prefix("error: ").unwrap_or(message);
            ui.tool_error(&format!("usage: {message}"));
            ui.finish(Status::ToolError).into()
        }
        _ => printed(Status::ToolError).into(),
    }
}

/// The `--format` named on a command line clap refused (the last one wins, as in clap).
fn requested_format(args: &[OsString]) -> Option<Format> {
    let mut found = None;
    let mut iter = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(arg) = iter.next() {
        if arg == "--" {
            break;
        }
        let value = if arg == "--format" {
            iter.next().map(|v| v.into_owned())
        } else {
            arg.strip_prefix("--format=").map(str::to_string)
        };
        if let Some(value) = value {
            if let Ok(format) = Format::from_str(&value, false) {
                found = Some(format);
            }
        }
    }
    found
}

/// The source file a command works on: the one given, or the only `*.envdef` file in the
/// current directory.
fn find_source(given: Option<PathBuf>) -> Result<PathBuf, String> {
    if let Some(path) = given {
        return Ok(path);
    }
    let entries =
        std::fs::read_dir(".").map_err(|e| format!("cannot list the current directory: {e}"))?;
    let named: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "envdef"))
        .map(|p| p.strip_prefix("./").map(PathBuf::from).unwrap_or(p))
        .collect();
    let (mut found, mut other): (Vec<PathBuf>, Vec<PathBuf>) =
        named.into_iter().partition(|p| p.is_file());
    found.sort();
    other.sort();
    match found.len() {
        1 => Ok(found.remove(0)),
        // Only FIFOs, sockets, devices or directories (or dangling links) carry the name:
        // say so, rather than that there is nothing.
        0 if !other.is_empty() => Err(format!(
            "no FILE given, and the current directory's `*.envdef` entries are not regular \
             files ({}: a FIFO, socket, device, directory or dangling symlink); name the \
             source to read it anyway",
            other
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        0 => Err("no FILE given and no `*.envdef` file in the current directory".to_string()),
        _ => Err(format!(
            "no FILE given and several `*.envdef` files in the current directory ({}); name one",
            found
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}
