//! Rendering to the terminal: format, colour, verbosity. The only place diagnostics are
//! printed.

use std::cell::RefCell;
use std::io::{IsTerminal, Write};

use super::{ColorChoice, Deny, Format, GlobalArgs};
use crate::diagnostics::formats::{self, SarifLog};
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
    /// `--format sarif`: the log collects every diagnostic and is printed by [`Ui::finish`].
    sarif: RefCell<SarifLog>,
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
        }
    }

    /// Whether diagnostics are written for a machine (on stdout): everything but `human`.
    pub fn is_machine(&self) -> bool {
        self.format != Format::Human
    }

    /// Ends the run: with `--format sarif`, prints the log (once, even when the command
    /// found nothing: an empty `results` array says "checked, clean").
    pub fn finish(&self) {
        if self.format == Format::Sarif {
            let log = self.sarif.borrow().to_value();
            let _ = writeln!(std::io::stdout().lock(), "{log:#}");
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
                let mut out = std::io::stdout().lock();
                for d in diagnostics {
                    let _ = writeln!(out, "{}", render::json(d, sources));
                }
            }
            Format::Short | Format::Github => {
                let mut out = std::io::stdout().lock();
                for d in diagnostics {
                    let line = if self.format == Format::Short {
                        formats::short(d, sources)
                    } else {
                        formats::github(d, sources)
                    };
                    let _ = writeln!(out, "{line}");
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
            Format::Short => {
                let _ = writeln!(std::io::stdout(), "error: {message}");
            }
            Format::Github => {
                let _ = writeln!(
                    std::io::stdout(),
                    "::error title=envdef::{}",
                    formats::github_data(message)
                );
            }
            Format::Sarif => self.sarif.borrow_mut().tool_error(message),
            Format::Human => {
                let _ = writeln!(std::io::stderr(), "error: {message}");
            }
        }
    }

    /// A progress or summary line for humans (suppressed by `--quiet` and in the machine
    /// formats).
    pub fn status(&self, message: &str) {
        if !self.quiet && !self.is_machine() {
            let _ = writeln!(std::io::stderr(), "{message}");
        }
    }
}
