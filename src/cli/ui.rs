//! Rendering to the terminal: format, colour, verbosity, and the one output writer. The
//! only place anything is written to stdout or stderr.
//!
//! Every write goes through [`Ui::out`] / [`Ui::err`], which remember the first failure and
//! write nothing after it; [`Ui::finish`] turns it into the exit status: a closed pipe
//! (`envdef list | head -1`) ends quietly with the command's own status, any other failure
//! (a full disk) is exit 2 with a message.

use std::cell::RefCell;
use std::fmt::Display;
use std::io::{IsTerminal, Write};

use super::Status;

use super::{ColorChoice, Deny, Format, GlobalArgs};
use crate::diagnostics::formats::{self, SarifLog};
use crate::diagnostics::render::{self, HumanStyle};
use crate::diagnostics::Diagnostic;
use crate::source::SourceMap;
use crate::CheckOptions;

/// How a command talks to the user.
#[derive(Debug)]
pub struct Ui {
    pub format: Format,
    pub quiet: bool,
    pub verbose: bool,
    /// Colour on stderr (diagnostics).
    pub color_stderr: bool,
    /// Colour on stdout (results such as diffs and tables).
    pub color_stdout: bool,
    pub check_options: CheckOptions,
    /// `--format sarif`: the log collects every diagnostic and is printed by [`Ui::finish`].
    sarif: RefCell<SarifLog>,
    /// The first failed write to stdout or stderr.
    failure: RefCell<Option<std::io::Error>>,
    /// `--root DIR`: the project root (see [`crate::project`]).
    pub root: Option<std::path::PathBuf>,
    /// `--param NAME=VALUE`, in the order given.
    pub params: Vec<(String, String)>,
}

impl Ui {
    pub fn new(args: &GlobalArgs) -> Ui {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let decide = |is_tty: bool| match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => is_tty && !no_color,
        };
        Ui {
            format: args.format,
            quiet: args.quiet,
            verbose: args.verbose,
            color_stderr: decide(std::io::stderr().is_terminal()),
            color_stdout: decide(std::io::stdout().is_terminal()),
            check_options: CheckOptions {
                deny_warnings: args.deny.contains(&Deny::Warnings),
            },
            sarif: RefCell::default(),
            failure: RefCell::default(),
            root: args.root.clone(),
            params: args.params.clone(),
        }
    }

    /// A colourless `Ui` in `format` with default options (for errors before the
    /// arguments are parsed).
    pub fn plain(format: Format) -> Ui {
        Ui {
            format,
            quiet: false,
            verbose: false,
            color_stderr: false,
            color_stdout: false,
            check_options: CheckOptions::default(),
            sarif: RefCell::default(),
            failure: RefCell::default(),
            root: None,
            params: Vec::new(),
        }
    }

    /// Whether diagnostics are written for a machine (on stdout): everything but `human`.
    pub fn is_machine(&self) -> bool {
        self.format != Format::Human
    }

    /// Ends the run of a command that returned `status`: with `--format sarif`, prints the
    /// log (once, even when the command found nothing: an empty `results` array says
    /// "checked, clean"). Then a closed pipe keeps `status` (the reader has all it wanted);
    /// any other write failure is reported and is exit 2.
    pub fn finish(&self, status: Status) -> Status {
        if self.format == Format::Sarif {
            let log = self.sarif.borrow().to_value();
            self.outln(format_args!("{log:#}"));
        }
        match self.failure.take() {
            None => status,
            Some(err) => finish_after(err, status),
        }
    }

    /// Writes `text` to stdout (results, machine-readable diagnostics).
    pub fn out(&self, text: &str) {
        self.write(&mut std::io::stdout().lock(), text);
    }

    /// Writes `line` and a newline to stdout.
    pub fn outln(&self, line: impl Display) {
        self.out(&format!("{line}\n"));
    }

    /// Writes `text` to stderr (human diagnostics, summaries, progress).
    pub fn err(&self, text: &str) {
        self.write(&mut std::io::stderr().lock(), text);
    }

    fn write(&self, stream: &mut dyn Write, text: &str) {
        if self.failure.borrow().is_some() {
            return;
        }
        if let Err(err) = stream
            .write_all(text.as_bytes())
            .and_then(|()| stream.flush())
        {
            *self.failure.borrow_mut() = Some(err);
        }
    }

    pub fn is_json(&self) -> bool {
        self.format == Format::Json
    }

    fn human_style(&self) -> HumanStyle {
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(100);
        HumanStyle {
            color: self.color_stderr,
            width,
        }
    }

    /// Prints diagnostics: human reports to stderr, the machine formats to stdout where
    /// tools read them; with `--quiet`, warnings are left out of human output.
    pub fn diagnostics<'a>(
        &self,
        diagnostics: impl IntoIterator<Item = &'a Diagnostic>,
        sources: &SourceMap,
    ) {
        match self.format {
            Format::Json => {
                for d in diagnostics {
                    self.outln(render::json(d, sources));
                }
            }
            Format::Short | Format::Github => {
                for d in diagnostics {
                    let line = if self.format == Format::Short {
                        formats::short(d, sources)
                    } else {
                        formats::github(d, sources)
                    };
                    self.outln(line);
                }
            }
            Format::Sarif => {
                let mut log = self.sarif.borrow_mut();
                for d in diagnostics {
                    log.push(d, sources);
                }
            }
            Format::Human => {
                let shown: Vec<&Diagnostic> = diagnostics
                    .into_iter()
                    .filter(|d| !self.quiet || d.is_error())
                    .collect();
                let text = render::human_all(shown, sources, self.human_style());
                self.err(&text);
            }
        }
    }

    /// A failure of the tool itself (exit 2): `error: <message>` on stderr, or a JSON
    /// object with code `E0001`-style fields absent.
    pub fn tool_error(&self, message: &str) {
        match self.format {
            Format::Json => {
                let value = serde_json::json!({
                    "code": null,
                    "severity": "error",
                    "message": message,
                    "labels": [],
                    "help": null,
                    "notes": [],
                });
                self.outln(value);
            }
            Format::Short => self.outln(format_args!("error: {message}")),
            Format::Github => self.outln(format_args!(
                "::error title=envdef::{}",
                formats::github_data(message)
            )),
            Format::Sarif => self.sarif.borrow_mut().tool_error(message),
            Format::Human => self.err(&format!("error: {message}\n")),
        }
    }

    /// A warning that is not about the source (no code, no span), e.g. an orphan `--prune`
    /// kept: `warning: <message>` on stderr, or a JSON object on stdout; suppressed by
    /// `--quiet`. The other machine formats carry only diagnostics, so they leave it out.
    pub fn warning(&self, message: &str) {
        if self.quiet {
            return;
        }
        match self.format {
            Format::Json => {
                let value = serde_json::json!({
                    "code": null,
                    "severity": "warning",
                    "message": message,
                    "labels": [],
                    "help": null,
                    "notes": [],
                });
                self.outln(value);
            }
            Format::Human => self.err(&format!("warning: {message}\n")),
            Format::Short | Format::Github | Format::Sarif => {}
        }
    }

    /// A progress or summary line for humans (suppressed by `--quiet` and in the machine
    /// formats).
    pub fn status(&self, message: &str) {
        if !self.quiet && !self.is_machine() {
            self.err(&format!("{message}\n"));
        }
    }
}

/// The status after the write failure `err` (the failure is no longer remembered, so the
/// message about it can be written).
pub(super) fn finish_after(err: std::io::Error, status: Status) -> Status {
    if err.kind() == std::io::ErrorKind::BrokenPipe {
        return status;
    }
    // stderr may be what failed; then there is nowhere left to say so, and exit 2 says it.
    std::io::stderr()
        .write_all(format!("error: cannot write output: {err}\n").as_bytes())
        .ok();
    Status::ToolError
}
