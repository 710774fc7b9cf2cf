//! Shared by the `tests/cli_*.rs` binaries: run the real `envdef` binary in a directory
//! with a fixed environment (no colour, fixed width) and look at what it left on disk.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// What one run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `envdef ARGS` in `dir`.
pub fn envdef(dir: &Path, args: &[&str]) -> Run {
    envdef_with(dir, args, &[])
}

/// Runs `envdef ARGS` in `dir` with extra environment variables (after the defaults).
pub fn envdef_with(dir: &Path, args: &[&str], vars: &[(&str, &str)]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_envdef"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "80")
        .env_remove("RUST_BACKTRACE")
        .envs(vars.iter().copied())
        .output()
        .expect("the envdef binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Asserts the exit code, showing both streams when it is wrong.
pub fn expect_code(run: &Run, code: i32) {
    assert_eq!(
        run.code, code,
        "exit code\n--- stdout\n{}\n--- stderr\n{}",
        run.stdout, run.stderr
    );
}

/// The fixture directory `tests/cli/`.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli")
}

/// A temp directory holding a copy of `tests/cli/<name>` as `<name>`.
pub fn project(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixtures().join(name), dir.path().join(name)).unwrap();
    dir
}

/// Every file under `dir` (relative, sorted), skipping nothing: stray temp files show up.
pub fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

pub fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path.as_ref())
        .unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

/// Compares `actual` with the golden file `tests/cli/<name>`; `ENVDEF_BLESS=1` rewrites it.
pub fn golden(name: &str, actual: &str) {
    let path = fixtures().join(name);
    if std::env::var_os("ENVDEF_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "no golden {}; run with ENVDEF_BLESS=1 to create it",
            path.display()
        )
    });
    if expected != actual {
        panic!(
            "{} differs (ENVDEF_BLESS=1 to accept):\n{}",
            path.display(),
            similar::TextDiff::from_lines(expected.as_str(), actual)
                .unified_diff()
                .header("expected", "actual")
        );
    }
}

/// As root, permission bits do not stop writes; `chattr +i` does (where supported).
/// Returns false when the directory cannot be made unwritable here.
#[cfg(unix)]
pub fn make_unwritable(dir: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    let probe = dir.join(".probe");
    if std::fs::write(&probe, "").is_err() {
        return true;
    }
    let _ = std::fs::remove_file(&probe);
    Command::new("chattr")
        .arg("+i")
        .arg(dir)
        .status()
        .is_ok_and(|s| s.success())
        && std::fs::write(&probe, "").is_err()
}

#[cfg(unix)]
pub fn make_writable(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = Command::new("chattr").arg("-i").arg(dir).status();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
}
