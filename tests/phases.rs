//! Each stage reports only its own phase's codes (`ARCHITECTURE.md`, "Name resolution only
//! in `resolve`"): over every UI case (`tests/ui/**`), `check` — run on the program
//! `resolve` built — raises no E02xx code, because every name it meets arrives as an id.

use std::path::{Path, PathBuf};

use envdef::source::{FsLoader, SourceMap};
use envdef::{check, resolve, Diagnostics, Phase};

fn cases(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.join("main.envdef").is_file() {
            out.push(path.join("main.envdef"));
        } else if path.is_dir() {
            cases(&path, out);
        } else if path.extension().is_some_and(|e| e == "envdef") {
            out.push(path);
        }
    }
}

#[test]
fn check_raises_no_resolve_phase_code() {
    let mut roots = Vec::new();
    cases(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui"),
        &mut roots,
    );
    roots.sort();
    assert!(roots.len() > 100, "the UI cases were not found");
    let mut resolve_codes = 0;
    let mut wrong = Vec::new();
    for root in &roots {
        let mut sources = SourceMap::new();
        let mut resolved = Diagnostics::new();
        let Ok(program) = resolve::load_program(&FsLoader, root, &mut sources, &mut resolved)
        else {
            continue;
        };
        resolve_codes += resolved
            .iter()
            .filter(|d| d.code.phase() == Phase::Resolve)
            .count();
        let mut checked = Diagnostics::new();
        check::check(&program, &sources, &mut checked);
        for d in &checked {
            if d.code.phase() == Phase::Resolve {
                wrong.push(format!(
                    "{}: {} {}",
                    root.display(),
                    d.code.as_str(),
                    d.message
                ));
            }
        }
    }
    // The corpus does exercise name resolution (else this test would prove nothing).
    assert!(
        resolve_codes > 20,
        "only {resolve_codes} resolve-phase reports in tests/ui"
    );
    assert!(
        wrong.is_empty(),
        "check raised resolve-phase codes:\n{}",
        wrong.join("\n")
    );
}
