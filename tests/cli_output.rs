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
        if !matches!(args[0], "fmt" | "import" | "check" | "--help") {
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
    for extra in ["fmt-me.envdef", "bad.envdef"] {
        std::fs::remove_file(dir.path().join(extra)).unwrap();
    }
    for args in [
        &["check"][..],
        &["list"],
        &["diff", "staging", "production"],
        &["explain", "production", "API_URL"],
        &["compile", "--check"],
        &["fmt", "--check"],
    ] {
        let bare = envdef(dir.path(), args);
        if !matches!(args[0], "compile" | "fmt") {
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
