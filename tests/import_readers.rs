//! `import`'s dotenv reader against the real thing: docker compose v2 reads every corpus
//! `.env` file through `env_file`, and every value must match what `import` read (the
//! process environment is empty for both). Needs `scripts/install-readers.sh`; skipped with
//! `ENVDEF_SKIP_READERS=1`, like `tests/readers.rs`.
//!
//! The one deliberate difference: backtick quoting. Compose (like python-dotenv) reads
//! `` `text` `` as an unquoted value with the backticks in it; Node dotenv, where such files
//! come from, reads it as quoted text, and so does `import` (docs/authoring.md). Values
//! compose reads with a leading backtick are therefore compared with the backticks removed,
//! and a file compose refuses because of backtick quoting is skipped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use envdef::import::dotenv;

const REAL_ENV: &str = "/work/shared/data/real-env";

fn compose_binary() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(".readers");
    if !root.join("installed").is_file() {
        if std::env::var("ENVDEF_SKIP_READERS").as_deref() == Ok("1") {
            return None;
        }
        panic!("the real readers are not installed: run scripts/install-readers.sh, or set ENVDEF_SKIP_READERS=1");
    }
    std::fs::read_dir(root.join("venv/lib"))
        .ok()?
        .filter_map(Result::ok)
        .map(|p| p.path().join("site-packages/compose/docker-compose"))
        .find(|p| p.is_file())
}

/// What docker compose hands a service whose `env_file` is `file`.
fn compose_env_file(compose: &Path, file: &Path) -> Result<BTreeMap<String, String>, String> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(file, dir.path().join("app.env")).unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  app:\n    image: busybox\n    env_file: [app.env]\n",
    )
    .unwrap();
    let out = Command::new(compose)
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .args(["-f", "compose.yaml", "config", "--format", "json"])
        .output()
        .unwrap();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    Ok(json["services"]["app"]["environment"]
        .as_object()
        .map(|env| {
            env.iter()
                .map(|(k, v)| {
                    // compose writes `$` as `$$` in its output; a key without a value is null.
                    let v = v.as_str().unwrap_or("").replace("$$", "$");
                    (k.clone(), v)
                })
                .collect()
        })
        .unwrap_or_default())
}

#[test]
fn the_reader_agrees_with_docker_compose_env_file_on_every_corpus_file() {
    let Some(compose) = compose_binary() else {
        return;
    };
    let Ok(dir) = std::fs::read_dir(REAL_ENV) else {
        return;
    };
    let mut files: Vec<PathBuf> = dir
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().contains(".env"))
        .collect();
    files.sort();
    let mut compared = 0;
    let mut report = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let ours: BTreeMap<String, String> = dotenv::parse(&text)
            .unwrap()
            .entries
            .into_iter()
            .map(|e| (e.key, e.value))
            .collect();
        let theirs = match compose_env_file(&compose, file) {
            Ok(v) => v,
            Err(e) => {
                let name = file.file_name().unwrap().to_string_lossy().to_string();
                // A backtick-quoted multi-line value that holds a `"` line: compose reads
                // the inner line as a key.
                if name != "motdotla__dotenv__tests__.env-multiline" {
                    report.push(format!("{name}: compose refused it: {e}"));
                }
                continue;
            }
        };
        compared += 1;
        for (k, v) in &theirs {
            let backticked = text.contains(&format!("{k}=`"));
            if backticked {
                // Node's backtick quoting (see above); compose also cuts these at ` #`.
                let inner = ours.get(k).map(|o| format!("`{o}`"));
                let prefix_ok = inner.as_deref().is_some_and(|i| i.starts_with(v.as_str()));
                assert!(prefix_ok, "{k}: compose {v:?}, import {:?}", ours.get(k));
                continue;
            }
            if ours.get(k) != Some(v) {
                report.push(format!(
                    "{}: {k}: compose {v:?}, import {:?}",
                    file.file_name().unwrap().to_string_lossy(),
                    ours.get(k)
                ));
            }
        }
        for k in ours.keys() {
            if !theirs.contains_key(k) {
                report.push(format!(
                    "{}: {k}: only import reads it",
                    file.file_name().unwrap().to_string_lossy()
                ));
            }
        }
    }
    assert!(compared > 0);
    assert!(report.is_empty(), "{}", report.join("\n"));
}

/// The dialect's corner cases, as documented in docs/authoring.md, against compose.
const CORNERS: &str = r#"A=1
UNQ=plain value   # comment
HASH=a#b
HASH_AFTER_EQ=#x
SPACED_HASH_AFTER_EQ= #x
DQ="x\ny\tz \"q\" \\ \$HOME \' \q"
SQ='a\nb \'c\' \\'
SQ_DOLLAR='${A}'
DOLLARS=$$A and 5$ and $
BRACED=${A}-${A:-d}-${NOPE:-d}-${NOPE-e}-${A:+alt}-${NOPE:+alt}
EMPTY_SET=
DEFAULT_ON_EMPTY=${EMPTY_SET:-colon}-${EMPTY_SET-nocolon}
BARE=$A$A
NESTED=${NOPE:-${A}}
MULTI="one
two"
export EXPORTED=yes
  INDENTED  =  padded  
TRAILING_QUOTE_COMMENT="v" # c
S1='\\'
S2='x\\y'
S4='$$A'
D1="\`"
D2="$$A"
D3="a\\b"
D4="\\'"
D5="x\'y"
U1=\$A
U2=a\\b
LATER=${DEFINED_LATER}
DEFINED_LATER=x
"#;

#[test]
fn the_dialect_corner_cases_agree_with_docker_compose() {
    let Some(compose) = compose_binary() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("corners.env");
    std::fs::write(&file, CORNERS).unwrap();
    let theirs = compose_env_file(&compose, &file).unwrap();
    let parsed = dotenv::parse(CORNERS).unwrap();
    let ours: BTreeMap<String, String> = parsed
        .entries
        .into_iter()
        .map(|e| (e.key, e.value))
        .collect();
    let mut diffs = Vec::new();
    for (k, v) in &theirs {
        if ours.get(k) != Some(v) {
            diffs.push(format!("{k}: compose {v:?}, import {:?}", ours.get(k)));
        }
    }
    for k in ours.keys() {
        if !theirs.contains_key(k) {
            diffs.push(format!("{k}: only import reads it"));
        }
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}
