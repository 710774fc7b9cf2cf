//! `envdef check` exit 0 implies `envdef compile` succeeds, for every `.envdef` source in
//! the repository's tests and examples (roots and imported files alike, each as a root).
//!
//! Editors and pre-commit hooks run `check`; a mistake only `compile` finds reaches CI or
//! production. Both commands run as the real binary, `compile` into a fresh directory.
//! Sources `check` refuses are counted too, so the test cannot pass by checking nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

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

fn run(args: &[&std::ffi::OsStr]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_envdef"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the envdef binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_clean_sources_compile() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    envdef_files(&repo.join("tests"), &mut files);
    envdef_files(&repo.join("examples"), &mut files);
    files.sort();
    assert!(files.len() > 100, "found only {} sources", files.len());

    let (mut clean, mut refused) = (0, 0);
    let mut broken = Vec::new();
    for file in &files {
        let (check, _) = run(&["check".as_ref(), file.as_os_str()]);
        if check != 0 {
            refused += 1;
            continue;
        }
        clean += 1;
        let out = tempfile::tempdir().expect("a temp dir");
        let (compile, stderr) = run(&[
            "compile".as_ref(),
            file.as_os_str(),
            "--out".as_ref(),
            out.path().as_os_str(),
        ]);
        if compile != 0 {
            broken.push(format!(
                "{}: check exit 0, compile exit {compile}:\n{stderr}",
                file.strip_prefix(repo).unwrap_or(file).display()
            ));
        }
    }
    assert!(
        broken.is_empty(),
        "`check` passed but `compile` failed on {} of {clean} sources:\n\n{}",
        broken.len(),
        broken.join("\n")
    );
    // Both kinds must be present, or the implication was never exercised.
    assert!(
        clean > 20 && refused > 20,
        "{clean} clean, {refused} refused"
    );
}
