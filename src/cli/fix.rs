//! `envdef fix [FILE]`: applies the machine-applicable suggestions of the diagnostics
//! (`:` → `=` in an environment, `=` → `==` in an assert, `1.5h` → `1h30m`) to the root
//! and its imports, each file rewritten atomically (`workflow::write_file`), then reports what is left.
//! Suggestions that are only probably right (a did-you-mean) are never applied: they are
//! offered as editor quick fixes and listed in `--format json`.

use clap::Args;

use super::{SourceArg, Status, Ui};
use crate::diagnostics::fixes;
use crate::project::Project;

#[derive(Debug, Args)]
pub struct FixArgs {
    #[command(flatten)]
    pub source: SourceArg,
    /// Print what would change (a unified diff per file) and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Passes over the source: a fix can make a declaration parse and reveal one more.
const MAX_PASSES: usize = 4;

pub fn run(ui: &Ui, args: FixArgs) -> Status {
    fix(ui, &args).unwrap_or_else(|message| {
        ui.tool_error(&message);
        Status::ToolError
    })
}

/// `Err`: a tool error (no source, outside the project, unreadable, unwritable).
fn fix(ui: &Ui, args: &FixArgs) -> Result<Status, String> {
    let path = args.source.path()?;
    // Confined like `check` and `compile`: a committed symlink or an import outside the
    // project is neither read (its lines would be quoted) nor rewritten. Every file fixed
    // below came through this loader, so each lies inside the project.
    let project = Project::discover(&path, ui.root.as_deref())?;
    let loader = project.loader();
    let check = || {
        crate::check_file_with_params(&loader, &path, ui.check_options, &ui.params)
            .map_err(|err| err.to_string())
    };
    let mut total = 0;
    for _ in 0..MAX_PASSES {
        let compilation = check()?;
        let diagnostics = compilation.diagnostics.into_vec();
        let mut applied_this_pass = 0;
        for (id, file) in compilation.sources.files() {
            let (fixed, applied) = fixes::apply(&file.text, id, &diagnostics);
            if applied == 0 {
                continue;
            }
            if args.dry_run {
                let diff = similar::TextDiff::from_lines(&*file.text, &fixed)
                    .unified_diff()
                    .header(&file.name, &format!("{} (fixed)", file.name))
                    .to_string();
                ui.out(&diff);
            } else {
                crate::workflow::write_file(&file.path, &fixed, true).map_err(|e| e.to_string())?;
            }
            ui.status(&format!(
                "{}: {applied} fix{} {}",
                file.name,
                if applied == 1 { "" } else { "es" },
                if args.dry_run { "to apply" } else { "applied" }
            ));
            applied_this_pass += applied;
        }
        total += applied_this_pass;
        if applied_this_pass == 0 || args.dry_run {
            break;
        }
    }
    // What is left, as `check` reports it.
    let compilation = check()?;
    if total == 0 {
        ui.status("nothing to fix automatically");
    }
    ui.diagnostics(&compilation.diagnostics, &compilation.sources);
    Ok(if compilation.diagnostics.has_errors() {
        Status::Failed
    } else {
        Status::Ok
    })
}
