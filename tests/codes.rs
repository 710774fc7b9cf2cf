//! Every diagnostic code is documented and tested.
//!
//! - every `Code` has a `### CODE — summary` section in `docs/errors.md`, and the doc lists
//!   no code that does not exist;
//! - every `Code` appears in at least one golden (an expected-output file under `tests/`:
//!   the UI goldens in `tests/ui/`, CLI transcripts, ...);
//! - the first `envdef` example of each front-end section (E01xx–E03xx, W03xx) really
//!   produces its code, so the documentation cannot drift from the checker.

use std::path::{Path, PathBuf};

use envdef::source::MemoryLoader;
use envdef::{CheckOptions, Code, Phase};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn errors_md() -> String {
    std::fs::read_to_string(root().join("docs/errors.md")).expect("docs/errors.md exists")
}

/// `(code, section text)` for every `### CODE` heading.
fn sections(doc: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in doc.lines() {
        if let Some(rest) = line.strip_prefix("### ") {
            let code = rest.split_whitespace().next().unwrap_or("").to_string();
            out.push((code, String::new()));
        } else if line.starts_with("## ") || line.starts_with("---") {
            // A phase heading ends the previous section.
            if let Some(last) = out.last_mut() {
                last.1.push('\u{0}');
            }
        } else if let Some(last) = out.last_mut() {
            if !last.1.contains('\u{0}') {
                last.1.push_str(line);
                last.1.push('\n');
            }
        }
    }
    out
}

#[test]
fn every_code_is_documented_in_errors_md() {
    let doc = errors_md();
    let documented: Vec<String> = sections(&doc).into_iter().map(|(c, _)| c).collect();
    let mut missing = Vec::new();
    for code in Code::ALL {
        if !documented.iter().any(|d| d == code.as_str()) {
            missing.push(format!("{} ({})", code.as_str(), code.summary()));
        }
    }
    assert!(
        missing.is_empty(),
        "codes without a `### CODE` section in docs/errors.md: {missing:?}"
    );
    let known: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    let unknown: Vec<&String> = documented
        .iter()
        .filter(|d| !known.contains(&d.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "docs/errors.md documents codes that do not exist: {unknown:?}"
    );
}

/// Expected-output files under `tests/` (not inputs, not Rust sources).
fn golden_texts() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, out);
                continue;
            }
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if matches!(
                ext,
                "stderr" | "stdout" | "json" | "txtar" | "out" | "expected"
            ) {
                if let Ok(text) = std::fs::read_to_string(&path) {
                    out.push((path, text));
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(&root().join("tests"), &mut out);
    out
}

/// Codes that never reach a diagnostic object. E0001: an unreadable root file is a tool
/// failure (`error: cannot read ...`, exit 2, `"code": null` in JSON), tested in
/// `tests/robustness/hostile.rs`; unreadable imports are E0201.
const NOT_RENDERED: &[&str] = &["E0001"];

#[test]
fn every_code_appears_in_a_golden() {
    let goldens = golden_texts();
    let mut missing = Vec::new();
    for code in Code::ALL {
        let s = code.as_str();
        if NOT_RENDERED.contains(&s) {
            continue;
        }
        // As printed by the human renderer (`E0201`) or in JSON (`"code":"E0201"`).
        if !goldens.iter().any(|(_, text)| text.contains(s)) {
            missing.push(format!("{s} ({})", code.summary()));
        }
    }
    assert!(
        missing.is_empty(),
        "codes that no golden under tests/ shows (add a UI case and bless it): {missing:?}"
    );
}

/// Sections whose example needs several files or a whole environment, so it is shown
/// in prose or as a console transcript instead of one checkable source.
const NOT_SINGLE_FILE: &[&str] = &[
    "E0001", "E0201", "E0202", "E0203", "E0213", "E0215", "E0314", "E0326",
];

#[test]
fn front_end_examples_produce_their_code() {
    let doc = errors_md();
    let mut failures = Vec::new();
    let mut checked = 0;
    for (code, body) in sections(&doc) {
        let front_end = Code::ALL
            .iter()
            .find(|c| c.as_str() == code)
            .is_some_and(|c| matches!(c.phase(), Phase::Syntax | Phase::Resolve | Phase::Check));
        if !front_end || NOT_SINGLE_FILE.contains(&code.as_str()) {
            continue;
        }
        let Some(example) = first_envdef_block(&body) else {
            failures.push(format!("{code}: no ```envdef example"));
            continue;
        };
        let loader = MemoryLoader::new().with("main.envdef", example.clone());
        let compilation =
            envdef::check_file(&loader, Path::new("main.envdef"), CheckOptions::default())
                .expect("in-memory root loads");
        let found: Vec<&str> = compilation
            .diagnostics
            .iter()
            .map(|d| d.code.as_str())
            .collect();
        if !found.contains(&code.as_str()) {
            failures.push(format!("{code}: example produced {found:?}\n{example}"));
        }
        checked += 1;
    }
    assert!(checked > 40, "only {checked} examples checked");
    assert!(
        failures.is_empty(),
        "docs/errors.md examples that do not produce their code:\n{}",
        failures.join("\n")
    );
}

fn first_envdef_block(body: &str) -> Option<String> {
    let start = body.find("```envdef\n")? + "```envdef\n".len();
    let len = body[start..].find("```")?;
    Some(body[start..start + len].to_string())
}

/// Issue 14: the E0319 table has a row for every built-in target and for nothing else
/// (src/check/tests.rs compares each row's options with what check accepts).
#[test]
fn the_e0319_table_covers_every_builtin_target() {
    let doc = errors_md();
    let (_, section) = sections(&doc)
        .into_iter()
        .find(|(code, _)| code == "E0319")
        .expect("an E0319 section");
    let mut rows: Vec<String> = section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .flat_map(|l| {
            l.trim_matches('|')
                .split('|')
                .next()
                .unwrap_or("")
                .split(',')
                .map(|t| t.trim().trim_matches('`').to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    rows.sort();
    let mut builtin: Vec<String> = envdef::emit::BUILTIN_TARGETS
        .iter()
        .map(|t| t.to_string())
        .collect();
    builtin.sort();
    assert_eq!(rows, builtin);
}
