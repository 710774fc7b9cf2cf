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

/// `vsce package` (the VS Code extension packager) builds the extension of
/// `editors/vscode/` with its dependency, and the package holds what VS Code loads: the
/// manifest, the entry point, the grammar, and `vscode-languageclient`; not the tests.
#[test]
fn the_vscode_extension_packages_with_vsce() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let vsce = root.join(".readers/node/node_modules/.bin/vsce");
    let deps = root.join(".readers/vscode-ext/node_modules");
    if !vsce.exists() || !deps.join("vscode-languageclient").is_dir() {
        if std::env::var("ENVDEF_SKIP_READERS").as_deref() == Ok("1") {
            eprintln!("skipping: vsce or vscode-languageclient is not installed and ENVDEF_SKIP_READERS=1");
            return;
        }
        panic!("vsce / vscode-languageclient are not installed: run `scripts/install-readers.sh` first, or set ENVDEF_SKIP_READERS=1");
    }
    let dir = tempfile::tempdir().unwrap();
    let ext = dir.path().join("envdef");
    // The extension folder as a user has it after `npm install` there.
    let copy = Command::new("cp")
        .arg("-R")
        .arg(root.join("editors/vscode"))
        .arg(&ext)
        .status()
        .unwrap();
    assert!(copy.success());
    let copy = Command::new("cp")
        .arg("-R")
        .arg(&deps)
        .arg(ext.join("node_modules"))
        .status()
        .unwrap();
    assert!(copy.success());
    let out = Command::new(&vsce)
        .args([
            "package",
            "--allow-missing-repository",
            "--skip-license",
            "--out",
            "envdef.vsix",
        ])
        .current_dir(&ext)
        .output()
        .expect("vsce runs");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let listing = Command::new("python3")
        .args(["-m", "zipfile", "-l"])
        .arg(ext.join("envdef.vsix"))
        .output()
        .expect("python3 lists the package");
    let listing = String::from_utf8_lossy(&listing.stdout);
    for entry in [
        "extension/package.json",
        "extension/extension.js",
        "extension/language-configuration.json",
        "extension/syntaxes/envdef.tmLanguage.json",
        "extension/node_modules/vscode-languageclient/package.json",
        "extension.vsixmanifest",
    ] {
        assert!(listing.contains(entry), "{entry} missing from:\n{listing}");
    }
    assert!(!listing.contains("extension/test/"), "{listing}");
}
