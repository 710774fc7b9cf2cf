//! The TextMate grammar of `editors/vscode/` tokenized by vscode-textmate with
//! vscode-oniguruma (the engine VS Code runs), installed by `scripts/install-readers.sh`:
//! chosen tokens of a sample get their scopes, and the bundled examples tokenize fully.
//! Without the readers this test FAILS and says to run the script, unless
//! `ENVDEF_SKIP_READERS=1` is set.

use std::path::Path;
use std::process::Command;

#[test]
fn textmate_grammar_scopes_envdef_sources() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let modules = root.join(".readers/node/node_modules");
    if !modules.join("vscode-textmate").is_dir() {
        if std::env::var("ENVDEF_SKIP_READERS").as_deref() == Ok("1") {
            eprintln!("skipping: vscode-textmate is not installed and ENVDEF_SKIP_READERS=1");
            return;
        }
        panic!("vscode-textmate is not installed: run `scripts/install-readers.sh` first, or set ENVDEF_SKIP_READERS=1");
    }
    let out = Command::new("node")
        .arg(root.join("editors/vscode/test/grammar.test.js"))
        .arg(root.join("examples/fleet/fleet.envdef"))
        .arg(root.join("examples/fleet/common/observability.envdef"))
        .arg(root.join("tests/cli/long-window.envdef"))
        .env("NODE_PATH", &modules)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("25 passed, 0 failed"), "{stdout}");
}
