//! `envdef check [FILE] [--templates DIR]`: parse, resolve, type-check and run every
//! validation `compile` runs on the artifacts (nothing is written); diagnostics only.

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{SourceArg, Status, Ui};
use crate::project::Project;
use crate::source::{decode_source, OverlayLoader, MAX_SOURCE_BYTES};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The root source file; `-` reads it from stdin (an editor's unsaved buffer).
    #[command(flatten)]
    pub source: SourceArg,
    /// A directory whose `<target>.hbs` templates override or add targets (as for
    /// `compile`: a custom target is checked against its template).
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// With `-`: the path the buffer stands for. Diagnostics name it, and its imports
    /// resolve relative to it (default: `<stdin>` in the current directory).
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
}

pub fn run(ui: &Ui, args: CheckArgs) -> Status {
    let mut buffer = None;
    let path = if args.source.given() == Some(Path::new("-")) {
        let path = args
            .stdin_filename
            .unwrap_or_else(|| PathBuf::from("<stdin>"));
        match read_stdin() {
            Ok(text) => buffer = Some(text),
            Err(message) => {
                ui.tool_error(&message);
                return Status::ToolError;
            }
        }
        path
    } else if args.stdin_filename.is_some() {
        ui.tool_error(
            "usage: `--stdin-filename` names the buffer read by `envdef check -`; pass `-` as FILE",
        );
        return Status::ToolError;
    } else {
        match args.source.path() {
            Ok(path) => path,
            Err(message) => {
                ui.tool_error(&message);
                return Status::ToolError;
            }
        }
    };
    // Imports (and a root source on disk) must stay inside the project (issue 12).
    let project = match Project::discover(&path, ui.root.as_deref()) {
        Ok(project) => project,
        Err(message) => {
            ui.tool_error(&message);
            return Status::ToolError;
        }
    };
    let mut loader = OverlayLoader::new(project.loader());
    if let Some(text) = buffer {
        loader.insert(&path, text);
    }
    // Never freed: the process exits right after, and freeing a big model value by value
    // was 11% of `check` on a 10,000-variable fleet (docs/performance.md).
    let mut compilation =
        match crate::check_file_with_params(&loader, &path, ui.check_options, &ui.params) {
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
        Some(project.root()),
        ui.check_options,
    );
    ui.diagnostics(&compilation.diagnostics, &compilation.sources);
    if compilation.diagnostics.has_errors() {
        Status::Failed
    } else {
        Status::Ok
    }
}

/// The whole of stdin as source text (same size limit and decoding as a file).
fn read_stdin() -> Result<String, String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_SOURCE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| format!("cannot read stdin: {err}"))?;
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(format!(
            "cannot read stdin: more than {MAX_SOURCE_BYTES} bytes; envdef reads source files of at most {MAX_SOURCE_BYTES} bytes"
        ));
    }
    decode_source(bytes).map_err(|err| format!("cannot read stdin: {err}"))
}
