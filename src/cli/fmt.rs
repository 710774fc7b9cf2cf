//! `envdef fmt [FILE]... [--check]`: rewrite sources in the canonical layout.
//!
//! A file with syntax errors gets its diagnostics and is never rewritten (exit 1). With
//! `--check` nothing is written: each unformatted file's unified diff goes to stdout and the
//! exit status is 1. Rewrites are atomic (temp file + rename) and skip files already
//! formatted, so their modification time does not change.
//!
//! With `--format json` stdout holds JSON lines only: one object per file, `{"file",
//! "status"}` where status is `unchanged`, `written` or `unformatted` (`--check`, with the
//! unified diff in `"diff"`); `fmt -` puts the formatted text in `"text"`.

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;

use super::{SourceArg, Status, Ui};
use crate::project::Project;
use crate::source::{Loader, SourceFile, SourceMap};

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Source files (default: the only `*.envdef` in the current directory). Imports are
    /// not followed; name every file to format. `-` reads stdin and writes the formatted
    /// text to stdout (for editors).
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The same as FILE (repeatable).
    #[arg(long = "file", short = 'f', value_name = "FILE")]
    pub file_flag: Vec<PathBuf>,
    /// Write nothing; print a diff and exit 1 if a file is not formatted.
    #[arg(long)]
    pub check: bool,
}

pub fn run(ui: &Ui, args: FmtArgs) -> Status {
    let files: Vec<PathBuf> = args.files.into_iter().chain(args.file_flag).collect();
    let files = if files.is_empty() {
        match SourceArg::default().path() {
            Ok(path) => vec![path],
            Err(message) => {
                ui.tool_error(&message);
                return Status::ToolError;
            }
        }
    } else {
        files
    };
    if files.len() == 1 && files[0] == Path::new("-") {
        return stdin(ui, args.check);
    }
    let mut status = Status::Ok;
    let mut worse = |s: Status| {
        status = match (status, s) {
            (Status::ToolError, _) | (_, Status::ToolError) => Status::ToolError,
            (Status::Failed, _) | (_, Status::Failed) => Status::Failed,
            _ => Status::Ok,
        }
    };
    for path in &files {
        worse(one(ui, path, args.check));
    }
    status
}

/// `envdef fmt -`: stdin → stdout (nothing on stdout when it does not parse).
fn stdin(ui: &Ui, check: bool) -> Status {
    use std::io::Read;
    let mut bytes = Vec::new();
    if let Err(err) = std::io::stdin().read_to_end(&mut bytes) {
        ui.tool_error(&format!("cannot read stdin: {err}"));
        return Status::ToolError;
    }
    let text = match crate::source::decode_source(bytes) {
        Ok(text) => text,
        Err(err) => {
            ui.tool_error(&format!("stdin: {err}"));
            return Status::ToolError;
        }
    };
    let Some(formatted) = format_or_report(ui, Path::new("<stdin>"), "<stdin>", &text) else {
        return Status::Failed;
    };
    if !check {
        if ui.is_json() {
            ui.outln(json!({ "file": "<stdin>", "status": "formatted", "text": formatted }));
        } else {
            ui.out(&formatted);
        }
        return Status::Ok;
    }
    if formatted == text {
        report(ui, "<stdin>", "unchanged", None);
        return Status::Ok;
    }
    let diff = check_diff("<stdin>", &text, &formatted);
    report(ui, "<stdin>", "unformatted", Some(&diff));
    Status::Failed
}

/// What became of one file: a JSON line with `--format json`; in the other formats only
/// an unformatted file's diff is printed (stdout), the rest is `status` lines on stderr.
fn report(ui: &Ui, name: &str, status: &str, diff: Option<&str>) {
    if ui.is_json() {
        let mut line = json!({ "file": name, "status": status });
        if let Some(diff) = diff {
            line["diff"] = diff.into();
        }
        ui.outln(line);
    } else if let Some(diff) = diff {
        ui.out(diff);
    }
}

/// Formats `text` (the file `path`, shown as `name`). With syntax errors: prints the
/// diagnostics and returns `None`.
fn format_or_report(ui: &Ui, path: &Path, name: &str, text: &str) -> Option<String> {
    let mut sources = SourceMap::new();
    let id = sources.add(SourceFile::new(
        path.to_path_buf(),
        name.to_string(),
        text.to_string(),
    ));
    match crate::fmt::format(id, text) {
        Ok(formatted) => Some(formatted),
        Err(diagnostics) => {
            ui.diagnostics(&diagnostics, &sources);
            None
        }
    }
}

/// `--check`'s unified diff from the file as it is to the file formatted.
fn check_diff(name: &str, text: &str, formatted: &str) -> String {
    similar::TextDiff::from_lines(text, formatted)
        .unified_diff()
        .context_radius(3)
        .header(name, &format!("{name} (formatted)"))
        .to_string()
}

fn one(ui: &Ui, path: &Path, check: bool) -> Status {
    let name = path.display().to_string();
    // A committed `x.envdef` symlink to a file outside the project (or into `.git`) is
    // neither read (its lines would show in diagnostics) nor written through.
    let project = match Project::discover(path, ui.root.as_deref()) {
        Ok(project) => project,
        Err(message) => {
            ui.tool_error(&message);
            return Status::ToolError;
        }
    };
    let text = match project.loader().load(path) {
        Ok(text) => text,
        Err(err) => {
            ui.tool_error(&format!("cannot read `{name}`: {err}"));
            return Status::ToolError;
        }
    };
    let Some(formatted) = format_or_report(ui, path, &name, &text) else {
        ui.status(&format!("{name}: not formatted (syntax errors)"));
        return Status::Failed;
    };
    if formatted == text {
        report(ui, &name, "unchanged", None);
        if ui.verbose {
            ui.status(&format!("{name}: already formatted"));
        }
        return Status::Ok;
    }
    if check {
        let diff = check_diff(&name, &text, &formatted);
        report(ui, &name, "unformatted", Some(&diff));
        ui.status(&format!("{name}: not formatted"));
        return Status::Failed;
    }
    // The rename would replace a read-only file as easily as any other (the directory is
    // what it needs); someone made it read-only to keep it as it is, so do not.
    if std::fs::metadata(path).is_ok_and(|m| m.permissions().readonly()) {
        ui.tool_error(&format!(
            "`{name}` is read-only, so it was not rewritten; make it writable to format it"
        ));
        return Status::ToolError;
    }
    // Through a symlinked source to the file it names: the link stays (issue 12).
    if let Err(err) = crate::workflow::write_file(path, &formatted, true) {
        ui.tool_error(&err.to_string());
        return Status::ToolError;
    }
    report(ui, &name, "written", None);
    ui.status(&format!("{name}: formatted"));
    Status::Ok
}
