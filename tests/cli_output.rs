//! The one output writer: every command that prints fails with exit 2 and a message when
//! stdout cannot be written (a full disk: `/dev/full`), and ends quietly with its own
//! status when the reader went away (a closed pipe). Also: every command takes its source
//! as `[FILE]` and as `-f FILE`.

#[path = "cli/support.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use support::{envdef, expect_code};

fn fleet() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/fleet")
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_envdef"));
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "80");
    cmd
}

/// Every command, in each of its printing modes, on the fleet example.
const PRINTING: &[&[&str]] = &[
    &["list"],
    &["list", "--format", "json"],
    &["diff", "staging", "production"],
    &["diff", "staging", "production", "--format", "json"],
    &["explain", "production", "API_URL"],
    &["explain", "production", "API_URL", "--format", "json"],
    &["status"],
    &["status", "--format", "json"],
    &["compile", "--check", "--out", "/nonexistent-envdef-out"],
    &[
        "compile",
        "--check",
        "--format",
        "json",
        "--out",
        "/nonexistent-envdef-out",
    ],
    &["check", "bad.envdef", "--format", "json"],
    &["fmt", "--check", "fmt-me.envdef"],
    &["import", "sample.env"],
    &["import", "sample.env", "--format", "json"],
    &["fix", "--dry-run", "fix-me.envdef"],
    &["--help"],
];

/// A directory with the fleet example, an unformatted source and a dotenv file.
fn workdir() -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let path = entry.unwrap().path();
            let target = to.join(path.file_name().unwrap());
            if path.is_dir() {
                copy(&path, &target);
            } else {
                std::fs::copy(&path, target).unwrap();
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    copy(&fleet(), dir.path());
    std::fs::write(dir.path().join("fmt-me.envdef"), "var   A:int=1\n").unwrap();
    std::fs::write(dir.path().join("sample.env"), "PORT=8080\nNAME=app\n").unwrap();
    std::fs::write(dir.path().join("bad.envdef"), "var A: int = \"x\"\n").unwrap();
    std::fs::write(
        dir.path().join("fix-me.envdef"),
        "var A: int = 1\nenv dev { A: 2 }\n",
    )
    .unwrap();
    dir
}

#[test]
fn a_full_stdout_is_exit_2_for_every_command_that_prints() {
    if !Path::new("/dev/full").exists() {
        panic!("/dev/full is missing: this test needs a Linux-like system");
    }
    let dir = workdir();
    for args in PRINTING {
        let mut all = args.to_vec();
        if !matches!(args[0], "fmt" | "import" | "check" | "fix" | "--help") {
            all.extend(["-f", "fleet.envdef"]);
        }
        // Something must be printed for the failure to show: check that first.
        let normal = envdef(dir.path(), &all);
        assert!(
            !normal.stdout.is_empty(),
            "{all:?} prints nothing on stdout"
        );
        let full = std::fs::File::create("/dev/full").unwrap();
        let out = command(dir.path(), &all)
            .stdout(Stdio::from(full))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{all:?}\n{stderr}");
        assert!(
            stderr.contains("error: cannot write output:"),
            "{all:?}: {stderr}"
        );
    }
}

#[test]
fn a_closed_pipe_ends_quietly_with_the_commands_status() {
    let dir = workdir();
    for (args, status) in [
        (&["list", "-f", "fleet.envdef"][..], 0),
        (&["diff", "staging", "production", "-f", "fleet.envdef"], 0),
        (&["fmt", "--check", "fmt-me.envdef"], 1),
    ] {
        let mut child = command(dir.path(), args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end before the child writes (it has not even parsed yet).
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(status), "{args:?}\n{stderr}");
        assert!(!stderr.contains("cannot write"), "{args:?}: {stderr}");
    }
}

#[test]
fn every_command_takes_its_source_positionally_and_with_f() {
    let dir = workdir();
    for extra in ["fmt-me.envdef", "bad.envdef", "fix-me.envdef"] {
        std::fs::remove_file(dir.path().join(extra)).unwrap();
    }
    for args in [
        &["check"][..],
        &["list"],
        &["diff", "staging", "production"],
        &["explain", "production", "API_URL"],
        &["compile", "--check"],
        &["fmt", "--check"],
        &["status"],
        &["switch", "local", "-q"],
        &["fix", "--dry-run"],
    ] {
        let bare = envdef(dir.path(), args);
        if !matches!(args[0], "compile" | "fmt" | "status") {
            expect_code(&bare, 0);
        }
        let mut positional = args.to_vec();
        positional.push("fleet.envdef");
        let mut flag = args.to_vec();
        flag.extend(["-f", "fleet.envdef"]);
        for other in [&positional, &flag] {
            let run = envdef(dir.path(), other);
            expect_code(&run, bare.code);
            assert_eq!(run.stdout, bare.stdout, "{other:?}");
        }
        let both = [positional.clone(), vec!["-f", "fleet.envdef"]].concat();
        expect_code(
            &envdef(dir.path(), &both),
            if args[0] == "fmt" { bare.code } else { 2 },
        );
    }
    let positional = envdef(dir.path(), &["import", "sample.env"]);
    let flag = envdef(dir.path(), &["import", "-f", "sample.env"]);
    expect_code(&flag, 0);
    assert_eq!(positional.stdout, flag.stdout);
}

/// `--format json` means stdout holds JSON lines only, whatever the command prints: results,
/// diffs (in a field), diagnostics, drift and tool errors. Run in order in one directory,
/// so that `compile --check` finds a stale and a missing artifact.
#[test]
fn with_format_json_every_stdout_line_is_json() {
    let dir = workdir();
    std::fs::write(dir.path().join("broken.envdef"), "var A: int =\n").unwrap();
    let fleet = ["-f", "fleet.envdef"];
    let steps: &[(&[&str], i32)] = &[
        (&["check", "fleet.envdef"], 0),
        (&["check", "bad.envdef"], 1),
        (&["list"], 0),
        (&["diff", "staging", "production"], 0),
        (&["explain", "production", "API_URL"], 0),
        (&["explain", "production", "NO_SUCH_VAR"], 2),
        (&["compile", "--check"], 1),
        (&["compile"], 0),
        (&["compile", "--prune"], 0),
        (&["compile", "--env", "stagin"], 2),
        (&["fmt", "--check", "fmt-me.envdef"], 1),
        (&["fmt", "--check", "broken.envdef"], 1),
        (&["fmt", "fmt-me.envdef"], 0),
        (&["fmt", "--check", "fmt-me.envdef"], 0),
        (&["fmt", "missing.envdef"], 2),
        (&["import", "sample.env"], 0),
        (&["import", "sample.env", "-o", "drafted.envdef"], 0),
        (&["list", "--no-such-flag"], 2),
        (&["status"], 1),
        (&["switch", "local"], 0),
        (&["status"], 0),
        (&["switch", "stagin"], 2),
    ];
    let parse_lines = |args: &[&str], stdout: &str| {
        // A clean `check` is the one step with nothing to say.
        let clean_check = args[..2] == ["check", "fleet.envdef"];
        assert!(
            clean_check || !stdout.is_empty(),
            "{args:?} prints nothing on stdout"
        );
        for line in stdout.lines() {
            if let Err(err) = serde_json::from_str::<serde_json::Value>(line) {
                panic!("{args:?}: a stdout line is not JSON ({err}): {line:?}\n{stdout}");
            }
        }
    };
    for (i, (args, code)) in steps.iter().enumerate() {
        let mut all = args.to_vec();
        if matches!(
            args[0],
            "list" | "diff" | "explain" | "compile" | "switch" | "status"
        ) && !args.contains(&"--no-such-flag")
        {
            all.extend(fleet);
        }
        all.extend(["--format", "json"]);
        if i == 6 {
            // One artifact on disk and wrong, the others missing: the diff goes in a field.
            let run = envdef(dir.path(), &["compile", "-f", "fleet.envdef"]);
            expect_code(&run, 0);
            let written = run
                .stdout
                .lines()
                .next()
                .unwrap()
                .trim_start_matches("wrote ");
            // Hand-edited (the generated header stays, so `--check` shows the diff).
            let edited = std::fs::read_to_string(dir.path().join(written)).unwrap() + "# stale\n";
            std::fs::write(dir.path().join(written), edited).unwrap();
            let rest: Vec<&str> = run.stdout.lines().skip(1).collect();
            for line in rest {
                if let Some(path) = line.strip_prefix("wrote ") {
                    std::fs::remove_file(dir.path().join(path)).unwrap();
                }
            }
        }
        let run = envdef(dir.path(), &all);
        expect_code(&run, *code);
        parse_lines(&all, &run.stdout);
    }
    // `fmt -` (editors): the formatted text and the `--check` diff are fields too.
    for (args, code) in [(&["fmt", "-"][..], 0), (&["fmt", "--check", "-"], 1)] {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        let mut child = command(dir.path(), &all)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"var   A:int=1\n")
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(code), "{all:?}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        parse_lines(&all, &stdout);
        let value: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
        let field = if code == 0 { "text" } else { "diff" };
        assert!(
            value[field].as_str().unwrap().contains("var A: int = 1"),
            "{value}"
        );
    }
}
