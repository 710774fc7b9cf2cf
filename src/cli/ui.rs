//! Rendering to the terminal: format, colour, verbosity. The only place diagnostics are
//! printed.

use std::io::{IsTerminal, Write};

use super::{ColorChoice, Deny, Format, GlobalArgs};
use crate::diagnostics::render::{self, HumanStyle};
use crate::diagnostics::Diagnostic;
use crate::source::SourceMap;
use crate::CheckOptions;

/// How a command talks to the user.
#[derive(Debug, Clone)]
pub struct Ui {
    pub format: Format,
    pub quiet: bool,
    pub verbose: bool,
    /// Colour on stderr (diagnostics).
    pub color_stderr: bool,
    /// Colour on stdout (results such as diffs and tables).
    pub color_stdout: bool,
    pub check_options: CheckOptions,
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

    /// Prints diagnostics to stderr (JSON lines go to stdout, where tools read them);
    /// with `--quiet`, warnings are left out of human output.
    pub fn diagnostics<'a>(
        &self,
        diagnostics: impl IntoIterator<Item = &'a Diagnostic>,
        sources: &SourceMap,
    ) {
        match self.format {
            Format::Json => {
                let mut out = std::io::stdout().lock();
                for d in diagnostics {
                    let _ = writeln!(out, "{}", render::json(d, sources));
                }
            }
            Format::Human => {
                let shown: Vec<&Diagnostic> = diagnostics
                    .into_iter()
                    .filter(|d| !self.quiet || d.is_error())
                    .collect();
                let text = render::human_all(shown, sources, self.human_style());
                let _ = std::io::stderr().lock().write_all(text.as_bytes());
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
                // Never `println!`: it panics when stdout is closed or full.
                let _ = writeln!(std::io::stdout(), "{value}");
            }
            Format::Human => {
                let _ = writeln!(std::io::stderr(), "error: {message}");
            }
        }
    }

    /// A progress or summary line for humans (suppressed by `--quiet` and in JSON mode).
    pub fn status(&self, message: &str) {
        if !self.quiet && !self.is_json() {
            let _ = writeln!(std::io::stderr(), "{message}");
        }
    }
}
