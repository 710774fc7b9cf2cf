//! `envdef lsp` driven by vscode-languageserver-protocol, the protocol library VS Code's own
//! language client is built on (`editors/vscode/test/lsp.test.js`), installed by
//! `scripts/install-readers.sh`: an editor session from initialize to exit through a
//! third-party client, beside tests/lsp.rs's hand-framed one. Without the readers this test
//! FAILS and says to run the script, unless `ENVDEF_SKIP_READERS=1` is set.

use std::path::Path;
use std::process::Command;

#[test]
fn a_session_through_vscode_languageserver_protocol() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let modules = root.join(".readers/node/node_modules");
    if !modules.join("vscode-languageserver-protocol").is_dir() {
        if std::env::var("ENVDEF_SKIP_READERS").as_deref() == Ok("1") {
            eprintln!("skipping: vscode-languageserver-protocol is not installed and ENVDEF_SKIP_READERS=1");
            return;
        }
        panic!("vscode-languageserver-protocol is not installed: run `scripts/install-readers.sh` first, or set ENVDEF_SKIP_READERS=1");
    }
    let out = Command::new("node")
        .arg(root.join("editors/vscode/test/lsp.test.js"))
        .arg(env!("CARGO_BIN_EXE_envdef"))
        .env("NODE_PATH", &modules)
        .env("ENVDEF_DOCS_URL", "https://example.invalid/docs/errors.md")
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("11 passed, 0 failed"), "{stdout}");
}
