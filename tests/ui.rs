//! UI golden tests: source files in, rendered diagnostics out (see `tests/README.md`).
//!
//! Every `tests/ui/**/<case>.envdef` is one case, and so is every directory holding a
//! `main.envdef` (a multi-file case: `main.envdef` is the root, the other files are its
//! imports). A case is checked with [`envdef::check_file`] and [`envdef::check_emits`],
//! as `envdef check` does; its diagnostics, rendered as
//! the CLI renders them (`HumanStyle::plain()`, 80 columns, no colour) and as JSON lines,
//! must equal the sibling `<case>.stderr` and `<case>.json`. No `.stderr` means the case
//! must check clean: no errors and no warnings.
//!
//! `ENVDEF_BLESS=1 cargo test --test ui` rewrites the goldens (and deletes those of cases
//! that became clean); review the change with `git diff`. File names in the goldens are
//! relative to the case's directory, so they do not depend on where the repo lives.
//! One libtest trial per case: `cargo test --test ui unterminated_string` runs one.

use std::path::{Path, PathBuf};

use envdef::diagnostics::render::{self, HumanStyle};
use envdef::source::{FsLoader, LoadError, Loader};
use envdef::CheckOptions;
use libtest_mimic::{Arguments, Failed, Trial};

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
    let mut cases = Vec::new();
    let mut goldens = Vec::new();
    collect(&root, &mut cases, &mut goldens);
    cases.sort();
    goldens.sort();

    let mut trials: Vec<Trial> = Vec::new();
    for case in &cases {
        let name = case
            .strip_prefix(&root)
            .unwrap_or(case)
            .with_extension("")
            .to_string_lossy()
            .replace('\\', "/");
        let case = case.clone();
        trials.push(Trial::test(name, move || run_case(&case)));
    }
    // A golden whose input is gone would silently stop testing anything.
    for golden in goldens {
        let input_file = golden.with_extension("envdef");
        let input_dir = golden.with_extension("");
        if !input_file.is_file() && !input_dir.join("main.envdef").is_file() {
            let name = format!(
                "dangling golden {}",
                golden.strip_prefix(&root).unwrap_or(&golden).display()
            );
            trials.push(Trial::test(name, move || {
                Err(format!(
                    "{} has no input (expected {} or {}/main.envdef); delete it or restore the case",
                    golden.display(),
                    input_file.display(),
                    input_dir.display()
                )
                .into())
            }));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}

/// Cases (files, or directories with a `main.envdef`) and golden files under `dir`.
fn collect(dir: &Path, cases: &mut Vec<PathBuf>, goldens: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if path.join("main.envdef").is_file() {
                cases.push(path);
            } else {
                collect(&path, cases, goldens);
            }
        } else {
            match path.extension().and_then(|e| e.to_str()) {
                Some("envdef") => cases.push(path),
                Some("stderr" | "json") => goldens.push(path),
                _ => {}
            }
        }
    }
}

/// Reads the real file system under `base`, but names every file relative to it, so
/// diagnostics show `main.envdef`, not `/home/.../tests/ui/resolve/x/main.envdef`.
struct CaseLoader {
    base: PathBuf,
}

impl Loader for CaseLoader {
    fn canonicalize(&self, path: &Path) -> Result<PathBuf, LoadError> {
        let canonical = FsLoader.canonicalize(&self.base.join(path))?;
        Ok(canonical
            .strip_prefix(&self.base)
            .map(Path::to_path_buf)
            .unwrap_or(canonical))
    }

    fn load(&self, path: &Path) -> Result<String, LoadError> {
        FsLoader.load(&self.base.join(path))
    }

    fn list_sources(&self, dir: &Path) -> Vec<String> {
        FsLoader.list_sources(&self.base.join(dir))
    }
}

/// `(root file relative to base, base dir, golden stem)` of a case.
fn layout(case: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let base = case.parent().unwrap_or(Path::new(".")).to_path_buf();
    let base = std::fs::canonicalize(&base).unwrap_or(base);
    if case.is_dir() {
        (
            PathBuf::from("main.envdef"),
            std::fs::canonicalize(case).unwrap_or(case.to_path_buf()),
            case.to_path_buf(),
        )
    } else {
        let file = PathBuf::from(case.file_name().unwrap_or_default());
        (file, base, case.with_extension(""))
    }
}

fn run_case(case: &Path) -> Result<(), Failed> {
    let (root, base, stem) = layout(case);
    let loader = CaseLoader { base };
    let mut compilation = envdef::check_file(&loader, &root, CheckOptions::default())
        .map_err(|e| format!("the case could not be loaded: {e}"))?;
    // As `envdef check` does: the emit-stage validations too.
    envdef::check_emits(&mut compilation, None, None, CheckOptions::default());
    let diagnostics = &compilation.diagnostics;
    let human = render::human_all(diagnostics, &compilation.sources, HumanStyle::plain());
    let mut json = String::new();
    for d in diagnostics {
        json.push_str(&render::json(d, &compilation.sources));
        json.push('\n');
    }
    let stderr_path = stem.with_extension("stderr");
    let json_path = stem.with_extension("json");

    if std::env::var_os("ENVDEF_BLESS").is_some_and(|v| v != "0") {
        if diagnostics.is_empty() {
            remove_if_exists(&stderr_path)?;
            remove_if_exists(&json_path)?;
        } else {
            write(&stderr_path, &human)?;
            write(&json_path, &json)?;
        }
        return Ok(());
    }

    if !stderr_path.exists() {
        if diagnostics.is_empty() {
            if json_path.exists() {
                return Err(format!(
                    "{} exists but the case has no .stderr; bless again",
                    json_path.display()
                )
                .into());
            }
            return Ok(());
        }
        return Err(format!(
            "expected no diagnostics (there is no {}), got:\n\n{human}\nrun `ENVDEF_BLESS=1 cargo test --test ui` if this is intended",
            stderr_path.display()
        )
        .into());
    }
    compare(&stderr_path, &human)?;
    compare(&json_path, &json)?;
    Ok(())
}

fn compare(expected_path: &Path, actual: &str) -> Result<(), Failed> {
    let expected = std::fs::read_to_string(expected_path).unwrap_or_default();
    if expected == actual {
        return Ok(());
    }
    let diff = similar::TextDiff::from_lines(expected.as_str(), actual)
        .unified_diff()
        .header("expected", "actual")
        .to_string();
    Err(format!(
        "{} differs (- expected, + actual):\n{diff}\nrun `ENVDEF_BLESS=1 cargo test --test ui` to accept the new output",
        expected_path.display()
    )
    .into())
}

fn write(path: &Path, contents: &str) -> Result<(), Failed> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == contents) {
        return Ok(());
    }
    std::fs::write(path, contents)
        .map_err(|e| format!("cannot write {}: {e}", path.display()).into())
}

fn remove_if_exists(path: &Path) -> Result<(), Failed> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("cannot remove {}: {e}", path.display()).into()),
    }
}
