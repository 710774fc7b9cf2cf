//! What the reader tests share (`tests/readers.rs`, `tests/readers_apps.rs`): the real
//! readers that `scripts/install-readers.sh` puts into `.readers/`, running them, and
//! writing envdef's artifacts where they read them.

// Each test binary uses its own part of this module.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use envdef::emit::Artifact;

/// The installed readers: a Python venv under `venv/`, Node packages under `node/`.
pub struct Readers {
    pub root: PathBuf,
}

impl Readers {
    /// A program of the Python venv (`python`, `check-jsonschema`, `ansible-inventory`, ...).
    pub fn bin(&self, name: &str) -> PathBuf {
        self.root.join("venv/bin").join(name)
    }
}

/// The readers, when the install stamp names every package of `needs`. Without them the
/// test FAILS, naming `what` and the install script, unless `ENVDEF_SKIP_READERS=1`
/// (then `None`, and the test returns).
pub fn readers(needs: &[&str], what: &str) -> Option<Readers> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(".readers");
    let stamp = std::fs::read_to_string(root.join("installed")).unwrap_or_default();
    if !stamp.is_empty() && needs.iter().all(|package| stamp.contains(package)) {
        return Some(Readers { root });
    }
    if std::env::var("ENVDEF_SKIP_READERS").as_deref() == Ok("1") {
        eprintln!("skipping: {what} are not installed and ENVDEF_SKIP_READERS=1");
        return None;
    }
    panic!(
        "{what} are not installed: run `scripts/install-readers.sh` first, or set \
         ENVDEF_SKIP_READERS=1 to skip these tests"
    );
}

/// Runs a command; returns (success, stdout + stderr).
pub fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Runs a command to completion and returns its stdout; fails the test with its output
/// when it fails.
pub fn run_ok(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Writes the artifacts under `dir`, creating their directories.
pub fn write_artifacts(dir: &Path, artifacts: &[Artifact]) {
    for a in artifacts {
        let path = dir.join(&a.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &a.contents).unwrap();
    }
}

/// A `.env` file as python-dotenv reads it (the reader pydantic-settings uses), with a
/// clean process environment so that nothing is interpolated from the test's own.
pub fn python_dotenv(r: &Readers, file: &Path) -> BTreeMap<String, String> {
    json_map(&run_ok(
        Command::new(r.bin("python"))
            .arg("-c")
            .arg("import json, sys\nfrom dotenv import dotenv_values\nprint(json.dumps(dotenv_values(sys.argv[1])))")
            .arg(file)
            .env_clear(),
    ))
}

/// A JSON object of strings, as a map.
pub fn json_map(json: &str) -> BTreeMap<String, String> {
    let value: serde_json::Value =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    value
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str().unwrap_or_else(|| panic!("{k}: {v}")).to_string(),
            )
        })
        .collect()
}
