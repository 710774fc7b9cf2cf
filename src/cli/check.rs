//! `envdef check [FILE]`: parse, resolve and type-check; diagnostics only.

use std::path::PathBuf;

use clap::Args;

use super::{find_source, Status, Ui};
use crate::FsLoader;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The root source file (default: the only `*.envdef` in the current directory).
    pub file: Option<PathBuf>,
}

pub fn run(ui: &Ui, args: CheckArgs) -> Status {
    let path = match find_source(args.file) {
        Ok(path) => path,
        Err(message) => {
            ui.tool_error(&message);
            return Status::ToolError;
        }
    };
    // Never freed: the process exits right after, and freeing a big model value by value
    // was 11% of `check` on a 10,000-variable fleet (docs/performance.md).
    let compilation = match crate::check_file(&FsLoader, &path, ui.check_options) {
        Ok(c) => std::mem::ManuallyDrop::new(c),
        Err(err) => {
            ui.tool_error(&err.to_string());
            return Status::ToolError;
        }
    };
    ui.diagnostics(&compilation.diagnostics, &compilation.sources);
    if compilation.diagnostics.has_errors() {
        Status::Failed
    } else {
        Status::Ok
    }
}
