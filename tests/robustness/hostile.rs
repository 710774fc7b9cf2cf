//! Odd and hostile input files: each is handled (exit 0), a diagnostic (exit 1) or a
//! clear "cannot read" (exit 2) — never a panic, a hang or a wrong location.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::support::{
    check_source, check_source_json, envdef, envdef_with, permission_opts, temp, with_file, write,
    Opts, Run,
};

/// The one JSON diagnostic with `code` in a `--format json` run.
fn json_diagnostic(run: &Run, code: &str) -> serde_json::Value {
    let found: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each stdout line is JSON"))
        .filter(|v: &serde_json::Value| v["code"] == code)
        .collect();
    assert_eq!(found.len(), 1, "one {code} in:\n{}", run.stdout);
    found.into_iter().next().unwrap()
}

fn line_col(v: &serde_json::Value) -> (u64, u64) {
    (
        v["line"].as_u64().expect("line"),
        v["column"].as_u64().expect("column"),
    )
}

// ── content ─────────────────────────────────────────────────────────────────────────────

#[test]
fn an_empty_file_checks() {
    check_source("").expect_code(0);
    let json = check_source_json("");
    json.expect_code(0);
    assert_eq!(json.stdout, "", "no diagnostics");
}

#[test]
fn a_file_of_only_comments_and_blank_lines_checks() {
    check_source("# nothing here\n\n   # still nothing\n\t\n#").expect_code(0);
    check_source("\n\n\n").expect_code(0);
    check_source("   \t  ").expect_code(0);
}

#[test]
fn a_utf8_bom_is_ignored_and_columns_do_not_count_it() {
    check_source("\u{feff}var A: int = 1\nenv e {}\n").expect_code(0);
    let run = check_source_json("\u{feff}var A: int = \"x\"\nenv e {}\n");
    run.expect_code(1);
    let d = json_diagnostic(&run, "E0304");
    assert_eq!(line_col(&d), (1, 14), "{d}");
    // A BOM alone is an empty file.
    check_source("\u{feff}").expect_code(0);
}

#[test]
fn crlf_line_endings_give_the_same_lines_and_columns() {
    let lf = "var A: int = 1\nvar B: int = \"x\"\nenv e {}\n";
    let crlf = lf.replace('\n', "\r\n");
    check_source(&crlf)
        .expect_code(1)
        .expect_diagnostic("E0304");
    let a = check_source_json(lf);
    let b = check_source_json(&crlf);
    let da = json_diagnostic(&a, "E0304");
    let db = json_diagnostic(&b, "E0304");
    assert_eq!(line_col(&da), (2, 14));
    assert_eq!(line_col(&db), (2, 14), "{db}");
    assert_eq!(da["end_column"], db["end_column"], "{da}\n{db}");
    // Every label ends before the `\r`.
    for label in db["labels"].as_array().unwrap() {
        assert_eq!(label["line"], label["end_line"], "{label}");
    }
}

#[test]
fn an_unterminated_string_on_a_crlf_line_does_not_swallow_the_cr() {
    let run = check_source_json("var A: string = \"abc\r\nenv e {}\r\n");
    run.expect_code(1);
    let d = json_diagnostic(&run, "E0102");
    assert_eq!(line_col(&d), (1, 17), "{d}");
    for label in d["labels"].as_array().unwrap() {
        assert_eq!(label["end_line"], 1, "{label}");
    }
}

#[test]
fn crlf_everywhere_checks_cleanly() {
    let text = "project p\r\n# comment\r\nvar A: int = 1 \"doc\"\r\nvar B: list<string> = [\r\n  \"a\",\r\n  \"b\",\r\n]\r\nenv e {\r\n  A = 2\r\n}\r\nassert A > 0\r\n";
    check_source(text).expect_code(0);
    // A lone CR (old Mac) is whitespace too.
    check_source(text.replace("\r\n", "\r")).assert_no_crash();
}

#[test]
fn tabs_count_as_one_column() {
    let run = check_source_json("\tvar B:\tint =\t\"x\"\nenv e {}\n");
    run.expect_code(1);
    let d = json_diagnostic(&run, "E0304");
    // `\t v a r ␠ B : \t i n t ␠ = \t "` → the quote is the 15th character.
    assert_eq!(line_col(&d), (1, 15), "{d}");
}

#[test]
fn nul_bytes_are_diagnostics_not_crashes() {
    for text in [
        "var A\0: int = 1\nenv e {}\n",
        "\0",
        "\0\0\0\0",
        "var A: int = 1\0\nenv e {}\n",
        "env e { A = \0 }\n",
        "# comment with \0 NUL\nvar A: int = 1\nenv e {}\n",
    ] {
        let run = check_source(text);
        run.assert_no_crash();
        assert!(matches!(run.code, Some(0 | 1)), "{text:?}: {run:?}");
        let json = check_source_json(text);
        json.assert_no_crash();
        for line in json.stdout.lines() {
            serde_json::from_str::<serde_json::Value>(line).expect("JSON line");
        }
    }
    // In a comment a NUL is just a character.
    check_source("# comment with \0 NUL\nvar A: int = 1\nenv e {}\n").expect_code(0);
}

#[test]
fn a_nul_byte_in_a_value_is_never_written_to_a_dotenv_file() {
    // `"a\u{0}b"` decodes to a string with a NUL: no environment variable can hold one.
    let dir = with_file(
        "main.envdef",
        "var A: string = \"a\\u{0}b\"\nenv e {}\nemit dotenv to \"{env}.env\"\n",
    );
    let run = envdef(dir.path(), &["compile", "main.envdef"]);
    run.assert_no_crash();
    if run.code == Some(0) {
        let written = std::fs::read(dir.path().join("e.env")).unwrap();
        assert!(!written.contains(&0), "a NUL reached the .env file");
    } else {
        assert_eq!(run.code, Some(1), "{run:?}");
    }
}

#[test]
fn control_characters_and_odd_unicode_are_handled() {
    for text in [
        "var A: string = \"\u{1b}[31mred\"\nenv e {}\n",
        "var A\u{200b}: int = 1\nenv e {}\n",
        "var Ä: int = 1\nenv e {}\n",
        "var A: string = \"\u{202e}evil\"\nenv e {}\n",
        "var A: int = １\nenv e {}\n",
        "\u{feff}\u{feff}var A: int = 1\n",
        "var A: string = \"\\u{110000}\"\n",
        "var A: string = \"\\u{d800}\"\n",
        "var A: string = \"\\u{}\"\n",
        "var A: string = \"\\u{FFFFFFFFFFFFFFFFFFFF}\"\n",
        "var A: string = \"\\\"\n",
        "var A: string = \"${\"\n",
        "var A: string = \"${}\"\n",
        "var A: string = \"${A\"\n",
        "var A: string = \"$${A}\"\n",
        "var A: string matching /\\/ = \"a\"\n",
        "var A: string matching // = \"a\"\n",
        "emit dotenv to \"\"\n",
        "emit dotenv to \"/etc/passwd\"\n",
        "emit dotenv to \"../../x\"\n",
        "emit dotenv to \"{env}/{service}/{nope}\"\n",
    ] {
        let run = check_source(text);
        run.assert_no_crash();
        assert!(matches!(run.code, Some(0 | 1)), "{text:?}: {run:?}");
    }
}

#[test]
fn invalid_utf8_is_exit_2_naming_the_file_and_byte_offset() {
    let dir = with_file(
        "bad.envdef",
        b"var A: int = 1\nvar B: string = \"\xff\xfe\"\n",
    );
    envdef(dir.path(), &["check", "bad.envdef"])
        .expect_code(2)
        .stderr_contains("bad.envdef")
        .stderr_contains("UTF-8")
        .stderr_contains("offset 32");
    // Also in JSON mode: one JSON line on stdout.
    let json = envdef(dir.path(), &["check", "--format", "json", "bad.envdef"]);
    json.expect_code(2);
    let v: serde_json::Value = serde_json::from_str(json.stdout.trim()).expect("JSON");
    assert!(v["message"].as_str().unwrap().contains("offset 32"), "{v}");
}

#[test]
fn a_truncated_multibyte_char_at_the_end_is_invalid_utf8() {
    let dir = with_file("t.envdef", b"var A: string = \"\xc3");
    envdef(dir.path(), &["check", "t.envdef"])
        .expect_code(2)
        .stderr_contains("offset 17");
}

#[test]
fn an_imported_file_with_invalid_utf8_is_a_diagnostic() {
    let dir = temp();
    write(
        dir.path(),
        "main.envdef",
        "import \"bad.envdef\"\nvar A: int = 1\n",
    );
    write(dir.path(), "bad.envdef", b"var X: int = 1\n\xff");
    envdef(dir.path(), &["check", "main.envdef"])
        .expect_code(1)
        .expect_diagnostic("E0201")
        .stderr_contains("bad.envdef");
    let run = envdef(dir.path(), &["check", "--format", "json", "main.envdef"]);
    let d = json_diagnostic(&run, "E0201");
    assert!(d["message"].as_str().unwrap().contains("offset 15"), "{d}");
}

// ── the file itself ─────────────────────────────────────────────────────────────────────

#[test]
fn a_directory_as_file_is_exit_2() {
    let dir = temp();
    std::fs::create_dir(dir.path().join("conf.envdef")).unwrap();
    envdef(dir.path(), &["check", "conf.envdef"])
        .expect_code(2)
        .stderr_contains("conf.envdef")
        .stderr_contains("directory");
    envdef(dir.path(), &["check", "."])
        .expect_code(2)
        .stderr_contains("directory");
    envdef(dir.path(), &["compile", "conf.envdef"]).expect_code(2);
}

#[test]
fn a_missing_file_is_exit_2() {
    let dir = temp();
    envdef(dir.path(), &["check", "nope.envdef"])
        .expect_code(2)
        .stderr_contains("nope.envdef");
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_exit_2() {
    use std::os::unix::fs::PermissionsExt;
    let Some(opts) = permission_opts() else {
        eprintln!("FIXME: running as root without setpriv; permissions cannot be tested");
        return;
    };
    let dir = with_file("secret.envdef", "var A: int = 1\nenv e {}\n");
    let path = dir.path().join("secret.envdef");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    let run = envdef_with(dir.path(), &["check", "secret.envdef"], &opts);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    run.expect_code(2)
        .stderr_contains("secret.envdef")
        .stderr_contains("ermission denied");
}

#[cfg(unix)]
#[test]
fn an_unreadable_import_is_a_diagnostic() {
    use std::os::unix::fs::PermissionsExt;
    let Some(opts) = permission_opts() else {
        eprintln!("FIXME: running as root without setpriv; permissions cannot be tested");
        return;
    };
    let dir = temp();
    write(
        dir.path(),
        "main.envdef",
        "import \"locked.envdef\"\nvar A: int = 1\n",
    );
    let locked = write(dir.path(), "locked.envdef", "var B: int = 1\n");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let run = envdef_with(dir.path(), &["check", "main.envdef"], &opts);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).unwrap();
    run.expect_code(1)
        .expect_diagnostic("E0201")
        .stderr_contains("locked.envdef");
}

#[cfg(unix)]
#[test]
fn an_endless_device_is_refused_at_the_size_limit_not_read_forever() {
    // Regression: the size check used the file's metadata length, which is 0 for
    // /dev/zero, so `envdef check /dev/zero` read until memory ran out.
    if !Path::new("/dev/zero").exists() {
        return;
    }
    let dir = temp();
    let run = envdef_with(
        dir.path(),
        &["check", "/dev/zero"],
        &Opts {
            deadline: Duration::from_secs(30),
            ..Opts::default()
        },
    );
    run.expect_code(2)
        .stderr_contains("/dev/zero")
        .stderr_contains(&format!(
            "at most {} bytes",
            envdef::source::MAX_SOURCE_BYTES
        ));
}

#[cfg(unix)]
#[test]
fn a_pipe_as_file_is_read() {
    // `envdef check <(generate)`: the source is a pipe, whose length is unknown upfront.
    let dir = temp();
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg("printf 'var A: int = \"x\"\\nenv e {}\\n' | \"$0\" check /dev/stdin")
        .arg(super::support::bin());
    let run = super::support::run_command(cmd, dir.path(), Duration::from_secs(30));
    run.expect_code(1).expect_diagnostic("E0304");
}

#[test]
fn dev_null_is_an_empty_source() {
    if !Path::new("/dev/null").exists() {
        return;
    }
    envdef(&std::env::temp_dir(), &["check", "/dev/null"]).expect_code(0);
}

// ── imports ─────────────────────────────────────────────────────────────────────────────

#[test]
fn a_file_importing_itself_is_a_cycle() {
    let dir = with_file("self.envdef", "import \"self.envdef\"\nvar A: int = 1\n");
    envdef(dir.path(), &["check", "self.envdef"])
        .expect_code(1)
        .expect_diagnostic("E0202")
        .stderr_contains("imports itself");
    // Spelled differently, it is still the same file.
    let dir = with_file(
        "self.envdef",
        "import \"./self.envdef\"\nimport \"../x/../self.envdef\"\nvar A: int = 1\n",
    );
    envdef(dir.path(), &["check", "self.envdef"])
        .expect_code(1)
        .expect_diagnostic("E0202");
}

#[test]
fn an_import_of_a_missing_file_is_a_diagnostic() {
    let dir = with_file("main.envdef", "import \"missing.envdef\"\nvar A: int = 1\n");
    envdef(dir.path(), &["check", "main.envdef"])
        .expect_code(1)
        .expect_diagnostic("E0201")
        .stderr_contains("missing.envdef");
}

#[test]
fn an_import_of_a_directory_is_a_diagnostic() {
    let dir = with_file(
        "main.envdef",
        "import \"sub\"\nimport \".\"\nimport \"\"\nvar A: int = 1\n",
    );
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let run = envdef(dir.path(), &["check", "main.envdef"]);
    run.expect_code(1).expect_diagnostic("E0201");
    assert!(run.stderr.contains("directory"), "{}", run.stderr);
}

#[test]
fn an_import_cycle_is_a_diagnostic() {
    let dir = temp();
    for i in 0..20 {
        write(
            dir.path(),
            &format!("f{i}.envdef"),
            format!("import \"f{}.envdef\"\nvar V{i}: int = 1\n", (i + 1) % 20),
        );
    }
    let run = envdef(dir.path(), &["check", "f0.envdef"]);
    run.expect_code(1).expect_diagnostic("E0202");
    assert_eq!(run.stderr.matches("E0202").count(), 1, "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn an_import_cycle_through_symlinks_is_a_diagnostic() {
    // x/a.envdef → x/y/b.envdef → x/y/up/a.envdef, where `up` links back to x:
    // the same file under another name.
    let dir = temp();
    write(
        dir.path(),
        "x/a.envdef",
        "import \"y/b.envdef\"\nvar A: int = 1\n",
    );
    write(
        dir.path(),
        "x/y/b.envdef",
        "import \"up/a.envdef\"\nvar B: int = 1\n",
    );
    std::os::unix::fs::symlink("..", dir.path().join("x/y/up")).unwrap();
    envdef(dir.path(), &["check", "x/a.envdef"])
        .expect_code(1)
        .expect_diagnostic("E0202")
        .within(Duration::from_secs(20));
    // And a file that is a symlink to the importer.
    let dir = temp();
    write(
        dir.path(),
        "a.envdef",
        "import \"b.envdef\"\nvar A: int = 1\n",
    );
    std::os::unix::fs::symlink("a.envdef", dir.path().join("b.envdef")).unwrap();
    envdef(dir.path(), &["check", "a.envdef"])
        .expect_code(1)
        .expect_diagnostic("E0202");
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_is_a_clear_error() {
    let dir = temp();
    std::os::unix::fs::symlink("loop2", dir.path().join("loop1")).unwrap();
    std::os::unix::fs::symlink("loop1", dir.path().join("loop2")).unwrap();
    write(
        dir.path(),
        "main.envdef",
        "import \"loop1\"\nvar A: int = 1\n",
    );
    envdef(dir.path(), &["check", "main.envdef"])
        .expect_code(1)
        .expect_diagnostic("E0201")
        .stderr_contains("loop1");
    envdef(dir.path(), &["check", "loop1"])
        .expect_code(2)
        .stderr_contains("loop1");
}

#[test]
fn a_diamond_of_imports_loads_each_file_once() {
    let dir = temp();
    write(
        dir.path(),
        "main.envdef",
        "import \"a.envdef\"\nimport \"b.envdef\"\nenv e {}\n",
    );
    write(dir.path(), "a.envdef", "import \"common.envdef\"\n");
    write(dir.path(), "b.envdef", "import \"common.envdef\"\n");
    write(dir.path(), "common.envdef", "var C: int = 1\n");
    envdef(dir.path(), &["check", "main.envdef"]).expect_code(0);
}

#[test]
fn an_interpolated_or_hostile_import_path_is_a_diagnostic() {
    for path in [
        "${X}.envdef",
        "/dev/zero",
        "\\u{0}",
        "a\\u{0}b.envdef",
        "../../../../../../../../../../etc/passwd",
    ] {
        let dir = with_file(
            "main.envdef",
            format!("import \"{path}\"\nvar A: int = 1\n"),
        );
        let run = envdef_with(
            dir.path(),
            &["check", "main.envdef"],
            &Opts {
                deadline: Duration::from_secs(30),
                ..Opts::default()
            },
        );
        run.assert_no_crash();
        assert_eq!(run.code, Some(1), "{path}: {run:?}");
    }
}

// ── size ────────────────────────────────────────────────────────────────────────────────

#[test]
fn a_50_mb_source_made_of_declarations_is_refused_quickly() {
    let dir = temp();
    let mut text = String::with_capacity(51 << 20);
    let mut i = 0;
    while text.len() < 50 << 20 {
        text.push_str(&format!("var V{i}: int = {i}\n"));
        i += 1;
    }
    write(dir.path(), "fleet.envdef", &text);
    envdef(dir.path(), &["check", "fleet.envdef"])
        .expect_code(2)
        .within(Duration::from_secs(5))
        .stderr_contains("fleet.envdef");
    envdef(dir.path(), &["compile", "fleet.envdef"])
        .expect_code(2)
        .within(Duration::from_secs(5));
}

#[cfg(unix)]
#[test]
fn a_template_that_never_ends_is_refused_at_the_size_limit() {
    // Regression: `template = "/dev/zero"` read the device until memory ran out (the
    // template read had no bound at all).
    if !Path::new("/dev/zero").exists() {
        return;
    }
    let dir = with_file(
        "main.envdef",
        "var A: int = 1\nenv e {}\nemit dotenv to \"x.env\" { template = \"/dev/zero\" }\n",
    );
    // Outside the project (issue 12) it is not even looked at; linked as `zero.hbs` it is
    // still not a template (the check follows the link).
    envdef(dir.path(), &["compile", "main.envdef"])
        .expect_code(1)
        .expect_diagnostic("E0420");
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.hbs")).unwrap();
    write(
        dir.path(),
        "main.envdef",
        "var A: int = 1\nenv e {}\nemit dotenv to \"x.env\" { template = \"zero.hbs\" }\n",
    );
    let run = envdef_with(
        dir.path(),
        &["compile", "main.envdef", "--root", "/"],
        &Opts {
            deadline: Duration::from_secs(30),
            ..Opts::default()
        },
    );
    run.expect_code(1).expect_diagnostic("E0420");
    assert!(!dir.path().join("x.env").exists());
    // A regular file past the size limit (sparse, so the test writes nothing).
    let big = std::fs::File::create(dir.path().join("big.hbs")).unwrap();
    big.set_len(envdef::source::MAX_SOURCE_BYTES + 1).unwrap();
    write(
        dir.path(),
        "main.envdef",
        "var A: int = 1\nenv e {}\nemit dotenv to \"x.env\" { template = \"big.hbs\" }\n",
    );
    envdef(dir.path(), &["compile", "main.envdef"])
        .expect_code(1)
        .within(Duration::from_secs(30))
        .expect_diagnostic("E0407")
        .stderr_contains("at most");
}

#[cfg(unix)]
#[test]
fn an_import_of_a_pipe_or_device_is_refused_not_waited_on() {
    // Regression: `import "x.envdef"` where x is a FIFO with no writer blocked forever,
    // and `import "/dev/stdin"` waited for the terminal (or ate an editor's protocol
    // stream). Imports must be regular files; the root FILE may still be a pipe.
    let dir = with_file(
        "main.envdef",
        "import \"fifo.envdef\"\nimport \"/dev/stdin\"\nimport \"/dev/null\"\nvar A: int = 1\n",
    );
    let made = Command::new("mkfifo")
        .arg(dir.path().join("fifo.envdef"))
        .status()
        .is_ok_and(|s| s.success());
    assert!(made, "mkfifo");
    // stdin stays open (a pipe nobody writes to), as in an editor or a terminal.
    let mut cmd = Command::new(super::support::bin());
    cmd.args(["check", "main.envdef"]);
    let run = super::support::run_command_stdin(
        cmd,
        dir.path(),
        Duration::from_secs(20),
        std::process::Stdio::piped(),
    );
    run.expect_code(1).expect_diagnostic("E0201");
    // `/dev/null` (and `/dev/stdin`, where it resolves) lie outside the project: E0215
    // refuses them before they are opened (issue 12).
    let refused = run.stderr.matches("E0201").count() + run.stderr.matches("E0215").count();
    assert_eq!(refused, 3, "{}", run.stderr);
    assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn a_template_that_is_a_fifo_is_refused_not_waited_on() {
    let dir = with_file(
        "main.envdef",
        "var A: int = 1\nenv e {}\nemit dotenv to \"x.env\" { template = \"t.hbs\" }\n",
    );
    let made = Command::new("mkfifo")
        .arg(dir.path().join("t.hbs"))
        .status()
        .is_ok_and(|s| s.success());
    assert!(made, "mkfifo");
    let run = envdef_with(
        dir.path(),
        &["compile", "main.envdef"],
        &Opts {
            deadline: Duration::from_secs(20),
            ..Opts::default()
        },
    );
    run.expect_code(1)
        .expect_diagnostic("E0407")
        .stderr_contains("t.hbs");
}
