//! Examples are tests: every root `.envdef` under `examples/` (a file no other example
//! imports) must check with no error and no warning, exactly as `envdef check` sees it.

use std::path::{Path, PathBuf};

use envdef::diagnostics::render::{self, HumanStyle};
use envdef::{ast, CheckOptions, Diagnostics, FsLoader};

fn envdef_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            envdef_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "envdef") {
            out.push(path);
        }
    }
}

/// Example files that no other example imports.
fn roots() -> Vec<PathBuf> {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut files = Vec::new();
    envdef_files(&examples, &mut files);
    files.sort();
    let mut imported = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("example is readable");
        let parsed =
            envdef::syntax::parse(envdef::source::FileId(0), &text, &mut Diagnostics::new());
        for item in &parsed.items {
            if let ast::Item::Import(import) = item {
                let rel = import.path.as_plain().expect("import paths are plain");
                let target = file.parent().expect("a parent dir").join(rel);
                imported.push(std::fs::canonicalize(target).expect("imported file exists"));
            }
        }
    }
    files
        .into_iter()
        .filter(|f| !imported.contains(&std::fs::canonicalize(f).expect("exists")))
        .collect()
}

#[test]
fn every_example_checks_clean() {
    let roots = roots();
    let names: Vec<String> = roots
        .iter()
        .map(|r| {
            r.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    // The two the README and the issue promise; more may come.
    assert!(names.contains(&"fleet.envdef".to_string()), "{names:?}");
    assert!(names.contains(&"app.envdef".to_string()), "{names:?}");
    for root in &roots {
        let compilation = envdef::check_file(&FsLoader, root, CheckOptions::default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            compilation.diagnostics.is_empty(),
            "{} is not clean:\n{}",
            root.display(),
            render::human_all(
                &compilation.diagnostics,
                &compilation.sources,
                HumanStyle::plain()
            )
        );
        assert!(
            compilation.model.is_some(),
            "{} produced no model",
            root.display()
        );
    }
}

#[test]
fn the_fleet_example_has_what_the_issue_asks_for() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/fleet/fleet.envdef");
    let compilation = envdef::check_file(&FsLoader, &root, CheckOptions::default()).expect("loads");
    let model = compilation.model.expect("checks clean");
    assert!(
        model.services.len() >= 4,
        "services: {}",
        model.services.len()
    );
    let concrete = model.envs.values().filter(|e| !e.is_abstract).count();
    assert!(concrete >= 5, "concrete environments: {concrete}");
    assert!(
        model.envs.values().any(|e| e.is_abstract),
        "an abstract environment"
    );
    let targets: Vec<&str> = model.emits.iter().map(|e| e.target.as_str()).collect();
    for t in ["dotenv", "tfvars", "variables_tf", "compose", "kubernetes"] {
        assert!(targets.contains(&t), "target {t} missing: {targets:?}");
    }
}

/// Issue 13: the migrated real project keeps its license beside the upstream files it copies.
#[test]
fn immich_example_keeps_its_upstream_license() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/immich");
    let license = std::fs::read_to_string(dir.join("LICENSE")).expect("examples/immich/LICENSE");
    assert!(license.starts_with("MIT License\n\nCopyright (c) 2022 Alex\n"));
    assert!(license.contains("The above copyright notice and this permission notice shall be included in all\ncopies or substantial portions of the Software."));
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(
        readme.contains("[`LICENSE`](LICENSE)"),
        "the README points at it"
    );
    for copied in ["upstream.yml", "example.env"] {
        assert!(dir.join(copied).is_file(), "{copied}");
    }
}

/// Issue 14: every example, imported files included, is already in `fmt`'s layout, as the
/// CLI checks it (`envdef fmt --check`, exit 0 and no output), so a user who formats a copy
/// of one gets no churn.
#[test]
fn every_example_is_fmt_clean() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut files = Vec::new();
    envdef_files(&examples, &mut files);
    files.sort();
    assert!(files.len() >= 6, "{files:?}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_envdef"))
        .arg("fmt")
        .arg("--check")
        .args(&files)
        .output()
        .expect("envdef runs");
    assert!(
        out.status.success() && out.stdout.is_empty(),
        "`envdef fmt --check` on the examples (exit {:?}):\n{}{}\nrun `envdef fmt` on them",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
