//! `envdef check [FILE] [--templates DIR]`: parse, resolve, type-check and run every
//! validation `compile` runs on the artifacts (nothing is written); diagnostics only.

use std::path::PathBuf;

use clap::Args;

use super::{find_source, Status, Ui};
use crate::FsLoader;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The root source file (default: the only `*.envdef` in the current directory).
    pub file: Option<PathBuf>,
    /// A directory whose `<target>.hbs` templates override or add targets (as for
    /// `compile`: a custom target is checked against its template).
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
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
    let mut compilation = match crate::check_file(&FsLoader, &path, ui.check_options) {
        Ok(c) => std::mem::ManuallyDrop::new(c),
        Err(err) => {
            ui.tool_error(&err.to_string());
            return Status::ToolError;
        }
    };
    // What `compile` would refuse, `check` refuses too.
    crate::check_emits(
        &mut compilation,
        args.templates.as_deref(),
        ui.check_options,
    );
    ui.diagnostics(&compilation.diagnostics, &compilation.sources);
    if compilation.diagnostics.has_errors() {
        Status::Failed
    } else {
        Status::Ok
    }
}
