//! `envdef import`: drafts from real and synthetic .env files must check, compile back to
//! dotenv with every non-secret value byte-identical, and never contain a secret's value.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use proptest::strategy::Strategy;

use envdef::diagnostics::Code;
use envdef::emit::{self, Artifact, EmitOptions};
use envdef::import::{self, dotenv, Draft, Input, Options};
use envdef::source::MemoryLoader;
use envdef::{CheckOptions, Diagnostics};

const REAL_ENV: &str = "/work/shared/data/real-env";

/// The corpus files (`*.env*`), if the corpus is on this machine.
fn real_files() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = match std::fs::read_dir(REAL_ENV) {
        Ok(dir) => dir
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                let name = p.file_name().unwrap().to_string_lossy().to_string();
                name.contains(".env") || name.ends_with("env")
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    out.sort();
    out
}

fn draft(files: &[(&str, &str)], env_names: Option<&[&str]>) -> Draft {
    let inputs: Vec<Input> = files
        .iter()
        .map(|(name, text)| Input {
            name: name.to_string(),
            text: text.to_string(),
        })
        .collect();
    let options = Options {
        env_names: env_names.map(|n| n.iter().map(|s| s.to_string()).collect()),
    };
    import::draft(&inputs, &options).unwrap_or_else(|e| panic!("{:?}", e.messages))
}

/// Checks the draft and renders every artifact; panics with the draft on check errors.
/// The `TODO://` placeholders are filled in first (as `file://` references), as a user
/// must before compiling: left in, they are E0342.
fn compile(draft: &Draft) -> (Vec<Artifact>, Diagnostics) {
    let filled = draft.source.replace("\"TODO://", "\"file://");
    let loader = MemoryLoader::new().with("draft.envdef", filled);
    let compilation =
        envdef::check_file(&loader, Path::new("draft.envdef"), CheckOptions::default()).unwrap();
    let errors: Vec<_> = compilation.diagnostics.iter().collect();
    assert!(
        !compilation.diagnostics.has_errors() && compilation.diagnostics.is_empty(),
        "draft does not check cleanly: {errors:#?}\n{}",
        draft.source
    );
    let model = compilation.model.expect("model");
    let mut diagnostics = Diagnostics::new();
    let artifacts = emit::emit(&model, &EmitOptions::default(), &mut diagnostics);
    (artifacts, diagnostics)
}

/// Compiles the draft back to dotenv and compares every key of every input file: a secret
/// is absent from the output, every other key has exactly the value read from the input.
/// `unportable`: keys the dotenv emitter may refuse (E0403); when it does, nothing is written.
fn assert_round_trip(files: &[(&str, &str)], env_names: Option<&[&str]>) -> Draft {
    let d = draft(files, env_names);
    let (artifacts, diagnostics) = compile(&d);
    assert!(
        diagnostics.is_empty(),
        "emit reported: {:#?}\n{}",
        diagnostics.iter().collect::<Vec<_>>(),
        d.source
    );
    for ((name, text), env) in files.iter().zip(&d.envs) {
        let input = dotenv::parse(text).unwrap();
        let artifact = artifacts
            .iter()
            .find(|a| a.target == "dotenv" && &a.env == env)
            .unwrap_or_else(|| panic!("no dotenv artifact for {env}"));
        let emitted = dotenv::parse(&artifact.contents)
            .unwrap_or_else(|e| panic!("emitted file does not read back: {e:?}"));
        let emitted: BTreeMap<&str, &str> = emitted
            .entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str()))
            .collect();
        // An independent reader agrees with ours on the emitted file.
        let by_dotenvy: BTreeMap<String, String> =
            dotenvy::from_read_iter(artifact.contents.as_bytes())
                .map(|r| r.unwrap())
                .collect();
        assert_eq!(
            by_dotenvy.len(),
            emitted.len(),
            "{name}: dotenvy and envdef's reader disagree"
        );
        for (k, v) in &by_dotenvy {
            assert_eq!(emitted.get(k.as_str()), Some(&v.as_str()), "{name}: {k}");
        }
        let mut expected_keys = 0;
        for entry in &input.entries {
            let key = emitted_key(&entry.key);
            if d.secrets.contains(&entry.key) {
                assert!(
                    !emitted.contains_key(key.as_str()),
                    "{name}: secret {key} was written"
                );
                continue;
            }
            expected_keys += 1;
            assert_eq!(
                emitted.get(key.as_str()).copied(),
                Some(entry.value.as_str()),
                "{name}: value of {} changed in the round trip\n{}",
                entry.key,
                d.source
            );
        }
        assert_eq!(emitted.len(), expected_keys, "{name}: extra keys emitted");
    }
    assert_no_secret_leaks(files, &d, &artifacts);
    d
}

/// The key a compiled file has for an input key (keys envdef cannot emit are renamed).
fn emitted_key(key: &str) -> String {
    let emit_ok = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if emit_ok {
        key.to_string()
    } else {
        import::names::var_name(key)
    }
}

/// No value (of 6+ characters) of a key drafted as a secret appears in the draft or in any
/// artifact.
fn assert_no_secret_leaks(files: &[(&str, &str)], d: &Draft, artifacts: &[Artifact]) {
    for (name, text) in files {
        for entry in dotenv::parse(text).unwrap().entries {
            // A one-case word (`password`, `postgres`) occurs in comments and in other
            // values by nature (`DB_USERNAME=postgres`); it is never copied as the secret's
            // value, and it is not hidden elsewhere (`secret::too_common_to_taint`).
            if !d.secrets.contains(&entry.key)
                || entry.value.chars().count() < 6
                || envdef::import::secret::too_common_to_taint(&entry.value)
            {
                continue;
            }
            assert!(
                !d.source.contains(&entry.value),
                "{name}: the value of secret {} is in the draft",
                entry.key
            );
            // Escaped forms too (a value with `"` or a newline is escaped in the source).
            let escaped = envdef::fmt::literal::string(&entry.value);
            assert!(!d.source.contains(&escaped[1..escaped.len() - 1]));
            for a in artifacts {
                assert!(
                    !a.contents.contains(&entry.value),
                    "{name}: the value of secret {} is in {}",
                    entry.key,
                    a.path.display()
                );
            }
        }
    }
}

#[test]
fn every_real_file_drafts_checks_and_round_trips() {
    let files = real_files();
    if files.is_empty() {
        eprintln!("real-env corpus not found at {REAL_ENV}; skipped");
        return;
    }
    let mut round_tripped = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let pair = [(name.as_str(), text.as_str())];
        let d = draft(&pair, None);
        let (artifacts, diagnostics) = compile(&d);
        assert_no_secret_leaks(&pair, &d, &artifacts);
        if diagnostics.is_empty() {
            assert_round_trip(&pair, None);
            round_tripped += 1;
        } else {
            // The only thing allowed to stop compilation: values that no .env quoting
            // carries for every reader (both quote kinds, `${`), reported per value.
            for diag in diagnostics.iter() {
                assert_eq!(diag.code, Code::UnportableDotenvValue, "{name}: {diag:#?}");
            }
            assert!(name.starts_with("motdotla"), "{name}: {diagnostics:#?}");
        }
    }
    assert!(
        round_tripped >= 10,
        "only {round_tripped} files round-tripped"
    );
}

#[test]
fn real_secrets_never_reach_the_draft() {
    let path = Path::new(REAL_ENV).join("calcom__cal.com__.env.example");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return;
    };
    let d = draft(&[("calcom.env", &text)], None);
    // A real-looking key in the corpus file, and a URL with a password (outline).
    assert!(text.contains("0cc0e6c35519bba620c9360cfe3e68d0"));
    assert!(!d.source.contains("0cc0e6c35519bba620c9360cfe3e68d0"));
    assert!(d
        .source
        .contains("secret CRON_API_KEY from \"TODO://{env}/CRON_API_KEY\""));
    assert!(d
        .warnings
        .iter()
        .any(|w| w.contains("`CRON_API_KEY` looks like a secret")));

    let outline =
        std::fs::read_to_string(Path::new(REAL_ENV).join("outline__outline__.env.sample")).unwrap();
    let d = draft(&[("outline.env", &outline)], None);
    assert!(outline.contains("postgres://user:pass@postgres:5432/outline"));
    assert!(!d.source.contains("user:pass@"));
    assert!(d.secrets.contains(&"DATABASE_URL".to_string()));
}

const LOCAL: &str = r#"# Service endpoints
API_URL=http://localhost:8080
PORT=8080
LOG_LEVEL=debug
REQUEST_TIMEOUT=30s
RATIO=0.5
FEATURE_X=true
APP_NAME="Acme \"Dev\""
GREETING='Hello $USER, cost: 5$'
MOTD="line one
line two"
DB_HOST=localhost
DATABASE_URL=postgres://app:devpass@${DB_HOST}:5432/app
DB_PASSWORD=devpass-local
SHARED=same everywhere
MOSTLY=mostly-same
ONLY_LOCAL=1
ZIP=007
export TAB="a\tb"
"#;

const STAGING: &str = r#"API_URL=https://api.staging.acme.example
PORT=80
LOG_LEVEL=info
REQUEST_TIMEOUT=10s
RATIO=0.75
FEATURE_X=true
APP_NAME="Acme \"Staging\""
GREETING='Hello $USER, cost: 5$'
MOTD="line one
line two"
DB_HOST=staging-db.internal
DATABASE_URL=postgres://app:stagingpass@${DB_HOST}:5432/app
DB_PASSWORD=stagingpass-s3cret
SHARED=same everywhere
MOSTLY=mostly-same
ZIP=007
TAB="a\tb"
"#;

const PRODUCTION: &str = r#"API_URL=https://api.acme.example
PORT=80
LOG_LEVEL=warn
REQUEST_TIMEOUT=10s
RATIO=1
FEATURE_X=false
APP_NAME=Acme
GREETING='Hello $USER, cost: 5$'
MOTD="line one
line two"
DB_HOST=prod-db.internal
DATABASE_URL=postgres://app:prodpass@${DB_HOST}:5432/app
DB_PASSWORD=prodpass-v3ry-s3cret
SHARED=same everywhere
MOSTLY=different
ZIP=007
TAB="a\tb"
"#;

fn three_envs() -> [(&'static str, &'static str); 3] {
    [
        (".env.local", LOCAL),
        (".env.staging", STAGING),
        (".env.production", PRODUCTION),
    ]
}

#[test]
fn three_environments_round_trip_byte_identically() {
    let d = assert_round_trip(&three_envs(), None);
    assert_eq!(d.envs, ["local", "staging", "production"]);
    let src = &d.source;
    // Types inferred from every file's value.
    assert!(src.contains("var API_URL: url\n"), "{src}");
    assert!(src.contains("var PORT: int in 1..=65535\n"), "{src}");
    assert!(
        src.contains("var LOG_LEVEL: \"debug\" | \"info\" | \"warn\"\n"),
        "{src}"
    );
    assert!(src.contains("var REQUEST_TIMEOUT: duration\n"), "{src}");
    assert!(src.contains("var RATIO: float\n"), "{src}");
    assert!(src.contains("var ZIP: string = \"007\""), "{src}");
    // Agreement → a default; `$` doubled, escapes canonical.
    assert!(
        src.contains("var SHARED: string = \"same everywhere\""),
        "{src}"
    );
    assert!(
        src.contains("var GREETING: string = \"Hello $$USER, cost: 5$$\""),
        "{src}"
    );
    assert!(
        src.contains("var MOTD: string = \"line one\\nline two\""),
        "{src}"
    );
    assert!(src.contains("var TAB: string = \"a\\tb\""), "{src}");
    // `FEATURE_*` booleans → a flag (on where most files have it on), emitted as the same key.
    assert!(src.contains("flag x = true\n"), "{src}");
    assert!(!src.contains("var FEATURE_X"), "{src}");
    // Missing in some files → optional.
    assert!(src.contains("var ONLY_LOCAL: int?\n"), "{src}");
    // All but one agree → the abstract base env.
    assert!(src.contains("abstract env base {"), "{src}");
    assert!(src.contains("env staging extends base {"), "{src}");
    // Secrets: by name, and by a password in a URL; never their values.
    assert!(d.secrets.contains(&"DB_PASSWORD".to_string()));
    assert!(d.secrets.contains(&"DATABASE_URL".to_string()));
    for leaked in ["devpass", "stagingpass", "prodpass"] {
        assert!(!src.contains(leaked), "{leaked} leaked:\n{src}");
    }
}

#[test]
fn env_names_can_be_given() {
    let d = assert_round_trip(&three_envs(), Some(&["dev", "stage", "prod"]));
    assert_eq!(d.envs, ["dev", "stage", "prod"]);
    assert!(d.source.contains("env prod extends base {"));
    let inputs = [Input {
        name: "a.env".into(),
        text: "A=1\n".into(),
    }];
    let err = import::draft(
        &inputs,
        &Options {
            env_names: Some(vec!["x".into(), "y".into()]),
        },
    )
    .unwrap_err();
    assert!(err.messages[0].contains("--env-names names 2 environment(s) for 1 file(s)"));
}

#[test]
fn a_file_named_like_a_keyword_drafts_an_environment_that_parses() {
    // `env in {}` would read as a rule's `env in …`, `env extends {}` as a missing name.
    let files = [
        ("in.env", "A=1\n"),
        ("extends.env", "A=2\n"),
        ("when.env", "A=3\n"),
    ];
    // The round trip checks the draft clean.
    let d = assert_round_trip(&files, None);
    assert_eq!(d.envs, ["env_in", "env_extends", "env_when"]);
    let inputs = [Input {
        name: "a.env".into(),
        text: "A=1\n".into(),
    }];
    let given = Options {
        env_names: Some(vec!["in".into()]),
    };
    let err = import::draft(&inputs, &given).unwrap_err();
    assert!(
        err.messages[0].contains("`in` is not an environment name"),
        "{:?}",
        err.messages
    );
}

#[test]
fn interpolation_of_earlier_keys_is_kept() {
    let files = [
        (
            "a.env",
            "HOST=a.example\nURL=https://${HOST}/v1\nPLAIN=$HOST-x\n",
        ),
        (
            "b.env",
            "HOST=b.example\nURL=https://${HOST}/v1\nPLAIN=$HOST-x\n",
        ),
    ];
    let d = assert_round_trip(&files, None);
    assert!(
        d.source.contains("var URL: url = \"https://${HOST}/v1\""),
        "{}",
        d.source
    );
    // All but one share a template: it goes into `base`, interpolated per environment.
    let files = [
        ("a.env", "HOST=a.example\nURL=https://${HOST}/v1\n"),
        ("b.env", "HOST=b.example\nURL=https://${HOST}/v1\n"),
        ("c.env", "HOST=c.example\nURL=https://${HOST}/v2\n"),
    ];
    let d3 = assert_round_trip(&files, None);
    assert!(
        d3.source
            .contains("abstract env base {\n  URL = \"https://${HOST}/v1\"\n}"),
        "{}",
        d3.source
    );
    assert!(
        d.source.contains("var PLAIN: string = \"${HOST}-x\""),
        "{}",
        d.source
    );
}

#[test]
fn interpolation_follows_renamed_keys() {
    // A renamed key (`lower` → `LOWER`) is interpolated under its new name.
    let files = [("a.env", "lower=x\nL2=${lower}-y\n")];
    let d = assert_round_trip(&files, None);
    assert!(
        d.source.contains("var L2: string = \"${LOWER}-y\""),
        "{}",
        d.source
    );
}

#[test]
fn odd_keys_and_types() {
    let files = [(
        "odd.env",
        "lower_case=1\nVAR.WITH.DOTS=x\n456=n\nEMPTY=\nNUMISH=1e3\nPLUS=+1\nBOOLISH=True\n",
    )];
    let d = assert_round_trip(&files, None);
    assert!(
        d.source
            .contains("var LOWER_CASE: int = 1 { env_name = \"lower_case\" }"),
        "{}",
        d.source
    );
    assert!(
        d.source.contains("var VAR_WITH_DOTS: string = \"x\"\n"),
        "{}",
        d.source
    );
    assert!(
        d.source.contains("var VAR_456: string = \"n\""),
        "{}",
        d.source
    );
    assert!(d.source.contains("var NUMISH: string = \"1e3\""));
    assert!(d.source.contains("var PLUS: string = \"+1\""));
    assert!(d.source.contains("var BOOLISH: string = \"True\""));
}

#[test]
fn comments_are_carried_but_not_ones_that_leak() {
    let files = [(
        ".env",
        "# The API\nAPI=http://x\n# old: API_TOKEN=abcdef123456\n# see postgres://u:hunter22@db\nAPI_TOKEN=abcdef123456\nN=1 # trailing\n",
    )];
    let d = assert_round_trip(&files, None);
    assert!(d.source.contains("# The API\nvar API: url"), "{}", d.source);
    assert!(
        d.source.contains("var N: int = 1  # trailing"),
        "{}",
        d.source
    );
    assert!(!d.source.contains("abcdef123456"));
    assert!(!d.source.contains("hunter22"));
    assert!(d
        .warnings
        .iter()
        .any(|w| w.contains("2 comment line(s) were left out")));
}

// ── the command line ────────────────────────────────────────────────────────────────────

fn envdef(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_envdef"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_drafts_then_the_draft_checks_and_compiles() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in three_envs() {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let (code, stdout, stderr) = envdef(
        dir.path(),
        &[
            "import",
            ".env.local",
            ".env.staging",
            ".env.production",
            "-o",
            "app.envdef",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("warning: .env.local:14: `DB_PASSWORD` looks like a secret"),
        "{stderr}"
    );
    // Refuses to overwrite without --force.
    let (code, _, stderr) = envdef(dir.path(), &["import", ".env.local", "-o", "app.envdef"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("already exists"), "{stderr}");

    // The draft emits, so its `TODO://` placeholders are errors until they are replaced.
    let (code, _, stderr) = envdef(dir.path(), &["check", "app.envdef"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("error[E0342]"), "{stderr}");
    let source = std::fs::read_to_string(dir.path().join("app.envdef")).unwrap();
    let filled = source.replace("\"TODO://{env}/", "\"env://");
    std::fs::write(dir.path().join("app.envdef"), filled).unwrap();
    let (code, _, stderr) = envdef(dir.path(), &["check", "app.envdef"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = envdef(dir.path(), &["compile", "app.envdef"]);
    assert_eq!(code, 0, "{stderr}");
    let compiled = std::fs::read_to_string(dir.path().join("envdef-out/.env.staging")).unwrap();
    assert!(
        compiled.contains("API_URL=https://api.staging.acme.example"),
        "{compiled}"
    );
    assert!(!compiled.contains("stagingpass"));
}

#[test]
fn cli_bad_input_is_exit_2_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.env"),
        "A=1\nthis is not an assignment\nB='open\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("latin1.env"), b"A=1\nB=caf\xe9\n").unwrap();
    let (code, stdout, stderr) = envdef(dir.path(), &["import", "bad.env"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("bad.env:2: `this` has no `=`") || stderr.contains("bad.env:2:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bad.env:3: the single-quoted value that starts on line 3 is never closed"),
        "{stderr}"
    );
    let (code, _, stderr) = envdef(dir.path(), &["import", "latin1.env"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("latin1.env:2: not valid UTF-8"), "{stderr}");
    let (code, _, stderr) = envdef(dir.path(), &["import", "missing.env"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot read `missing.env`"), "{stderr}");
}

#[test]
fn large_inputs_draft() {
    // 3,000 keys × 12 files, a third of them secrets, values that differ per file.
    let n_keys = 3_000;
    let files: Vec<(String, String)> = (0..12)
        .map(|f| {
            let mut text = String::new();
            for k in 0..n_keys {
                match k % 3 {
                    0 => text.push_str(&format!("SERVICE_{k}_PASSWORD=pw-{f}-{k}-xyzzy\n")),
                    1 => text.push_str(&format!("SERVICE_{k}_PORT={}\n", 1000 + k % 7 + f)),
                    _ => {
                        text.push_str(&format!("SERVICE_{k}_URL=https://s{k}.example/{}\n", f % 2))
                    }
                }
            }
            (format!(".env.e{f}"), text)
        })
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    // Correctness at size only: its speed is measured by `scripts/bench.sh` (the import
    // workload), never by wall time in a test on a shared machine.
    let d = draft(&refs, None);
    assert_eq!(d.secrets.len(), n_keys / 3);
    assert!(!d.source.contains("xyzzy"));
}

#[test]
fn a_literal_dollar_brace_never_becomes_interpolation() {
    // Single quotes keep `${HOME}` literal; CR LF line endings read as LF.
    let files = [(".env", "HOME_REF='${HOME}'\r\nPRICE=\"5$\"\r\nA=x\r\n")];
    let d = draft(&files, None);
    assert!(
        d.source.contains("var HOME_REF: string = \"$${HOME}\""),
        "{}",
        d.source
    );
    assert!(
        d.source.contains("var PRICE: string = \"5$$\""),
        "{}",
        d.source
    );
    let loader = MemoryLoader::new().with("d.envdef", d.source.clone());
    let c = envdef::check_file(&loader, Path::new("d.envdef"), CheckOptions::default()).unwrap();
    let model = c.model.expect("checks");
    let id = model.find_var("HOME_REF").unwrap();
    let env = model.concrete_envs().next().unwrap();
    assert_eq!(
        env.value(id).map(|r| &r.value),
        Some(&envdef::model::Value::Str("${HOME}".into()))
    );
    // No .env quoting carries `${` for every reader: compile says so (E0403), and `import`
    // reports it right away rather than at the first compile.
    let (sources, diagnostics) = import::verify("d.envdef", &d.source);
    let _ = sources;
    assert!(diagnostics
        .iter()
        .any(|x| x.code == Code::UnportableDotenvValue));
}

// ── generated inputs ────────────────────────────────────────────────────────────────────

/// One dotenv line for `key` holding `value`, in a quoting style that can carry it.
fn dotenv_line(key: &str, value: &str, style: u8) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:@,+".contains(c));
    match style % 3 {
        0 if plain => format!("{key}={value}"),
        1 if !value.contains(['\'', '\\']) => format!("{key}='{value}'"),
        _ => {
            let mut out = format!("{key}=\"");
            for c in value.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '$' => out.push_str("\\$"),
                    '\n' => out.push_str("\\n"),
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

    /// Any set of files drafts into a source that checks without a single diagnostic, and
    /// compiles back to every value (unless the dotenv emitter refuses an unportable value,
    /// which `verify` then reports).
    #[test]
    fn any_files_draft_into_a_source_that_checks(
        files in proptest::collection::vec(
            proptest::collection::vec(
                (
                    proptest::sample::select(vec![
                        "PORT", "API_URL", "LOG_LEVEL", "TIMEOUT", "RATIO", "DEBUG", "NAME",
                        "DB_PASSWORD", "lower_key", "FEATURE_BETA", "EMPTY",
                    ]),
                    proptest::prop_oneof![
                        proptest::sample::select(vec![
                            "8080", "80", "0", "-1", "007", "true", "false", "True", "0.5",
                            "1.50", "30s", "1h30m", "60s", "debug", "info", "warn", "",
                            "https://a.example/x", "postgres://u:pw@db/app", "plain text",
                        ]).prop_map(String::from),
                        "[ -~]{0,12}",
                    ],
                    0u8..3,
                ),
                1..8,
            ),
            1..4,
        )
    ) {
        let texts: Vec<String> = files
            .iter()
            .map(|entries| {
                entries
                    .iter()
                    .map(|(k, v, style)| dotenv_line(k, v, *style) + "\n")
                    .collect()
            })
            .collect();
        let named: Vec<(String, String)> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| (format!(".env.e{i}"), t.clone()))
            .collect();
        let refs: Vec<(&str, &str)> = named.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let d = draft(&refs, None);
        let (artifacts, diagnostics) = compile(&d);
        assert_no_secret_leaks(&refs, &d, &artifacts);
        if diagnostics.is_empty() {
            assert_round_trip(&refs, None);
        } else {
            for diag in diagnostics.iter() {
                proptest::prop_assert_eq!(diag.code, Code::UnportableDotenvValue, "{:#?}", diag);
            }
        }
    }
}

/// Q1 regression: a warning about an undefined `${NAME}` in an unquoted value named the
/// line after it (the reader had already consumed the newline).
#[test]
fn undefined_reference_warnings_name_the_right_line() {
    let d = draft(
        &[(
            ".env",
            "A=${B}x\nB=1\nC=x # ${D}\nE=${UNDEF} # c\nF=\"${G}\"\n",
        )],
        None,
    );
    let refs: Vec<&String> = d
        .warnings
        .iter()
        .filter(|w| w.contains("is not defined above"))
        .collect();
    assert_eq!(refs.len(), 3, "{:?}", d.warnings);
    assert!(refs[0].starts_with(".env:1: `B`"), "{}", refs[0]);
    assert!(refs[1].starts_with(".env:4: `UNDEF`"), "{}", refs[1]);
    assert!(refs[2].starts_with(".env:5: `G`"), "{}", refs[2]);
}

/// Q1 regression: a file that is not dotenv at all (a compose YAML given by mistake) listed
/// every one of its hundreds of lines as an error. The first ones are enough, with a count
/// of the rest and a hint.
#[test]
fn cli_a_file_that_is_not_dotenv_gets_a_short_answer() {
    let dir = tempfile::tempdir().unwrap();
    let yaml: String = (0..300)
        .map(|i| format!("services:\n  svc{i}:\n    image: x\n"))
        .collect();
    std::fs::write(dir.path().join("docker-compose.yml"), yaml).unwrap();
    let (code, stdout, stderr) = envdef(dir.path(), &["import", "docker-compose.yml"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(
        stderr.starts_with("error: docker-compose.yml:1: expected `=` after `services`"),
        "{stderr}"
    );
    assert!(stderr.lines().count() <= 25, "{stderr}");
    assert!(
        stderr.contains("error: 880 more malformed lines not shown"),
        "{stderr}"
    );
}

#[test]
fn keys_new_in_a_later_file_go_right_after_their_predecessor_there() {
    // docs/authoring.md: `A B C` then `C D A E` drafts as `A E B C D` (E right after A,
    // before B; D right after C); a new key opening a later file goes at the end.
    let d = draft(
        &[
            ("one.env", "A=1\nB=2\nC=3\n"),
            ("two.env", "C=3\nD=4\nA=1\nE=5\n"),
            ("three.env", "F=6\nA=1\n"),
        ],
        None,
    );
    let order: Vec<&str> = d
        .source
        .lines()
        .filter_map(|l| l.strip_prefix("var "))
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(order, ["A", "E", "B", "C", "D", "F"], "{}", d.source);
}

#[test]
fn example_files_name_environments_like_the_files_they_stand_for() {
    let d = draft(
        &[
            ("api.env.example", "A=1\n"),
            (".env.production.sample", "A=2\n"),
        ],
        None,
    );
    assert_eq!(d.envs, ["api", "production"]);
}
