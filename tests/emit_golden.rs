//! Golden artifact trees: every example compiled and emitted, compared file by file with
//! `tests/golden/<example>/`. `ENVDEF_BLESS=1 cargo test --test emit_golden` rewrites the
//! trees (and removes files no longer produced); review the diff in git.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use envdef::emit::{emit, EmitOptions};
use envdef::{CheckOptions, Diagnostics, FsLoader};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files_under(dir: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.insert(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out
}

/// `params`: `--param` values, so that the tree holds those instances' artifacts too (the
/// golden readers test reads every file of it).
fn golden(example: &str, source: &str, params: &[(&str, &str)]) {
    let source_path = root().join("examples").join(example).join(source);
    let params: Vec<(String, String)> = params
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    let compilation =
        envdef::check_file_with_params(&FsLoader, &source_path, CheckOptions::default(), &params)
            .unwrap_or_else(|e| panic!("{e}"));
    let messages: Vec<String> = compilation
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    let model = compilation
        .model
        .unwrap_or_else(|| panic!("{example} does not check: {messages:#?}"));
    let mut diagnostics = Diagnostics::new();
    let artifacts = emit(&model, &EmitOptions::default(), &mut diagnostics);
    let messages: Vec<String> = diagnostics
        .iter()
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    assert!(messages.is_empty(), "{example}: {messages:#?}");
    assert!(!artifacts.is_empty(), "{example} emits nothing");

    let dir = root().join("tests/golden").join(example);
    let produced: BTreeSet<PathBuf> = artifacts.iter().map(|a| a.path.clone()).collect();
    if std::env::var("ENVDEF_BLESS").as_deref() == Ok("1") {
        for stale in files_under(&dir).difference(&produced) {
            std::fs::remove_file(dir.join(stale)).unwrap();
        }
        for a in &artifacts {
            let path = dir.join(&a.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, &a.contents).unwrap();
        }
        return;
    }
    let expected = files_under(&dir);
    assert_eq!(
        expected, produced,
        "{example}: the golden tree and the emitted artifacts list different files; rerun with ENVDEF_BLESS=1 if the change is intended"
    );
    for a in &artifacts {
        let want = std::fs::read_to_string(dir.join(&a.path)).unwrap();
        assert!(
            want == a.contents,
            "{example}/{}: differs from the golden file (ENVDEF_BLESS=1 to accept)\n--- golden\n{want}\n--- emitted\n{}",
            a.path.display(),
            a.contents
        );
    }
}

#[test]
fn fleet() {
    // A preview whose branch needs sanitising, beside the two production regions.
    golden("fleet", "fleet.envdef", &[("branch", "feature/Login_Fix")]);
}

#[test]
fn minimal() {
    golden("minimal", "app.envdef", &[]);
}

/// Scoping (`when`), one merged `.env` per environment, and `= unset` written as compose's
/// `!reset`.
#[test]
fn compose() {
    golden("compose", "shop.envdef", &[]);
}

/// Per-service overrides of shared variables: each target writes the service's own value
/// (an override, an `= unset` for one service, a value interpolating an override), and
/// Terraform gets it as a variable of its own beside the shared one.
#[test]
fn overrides() {
    golden("overrides", "shop.envdef", &[]);
}
