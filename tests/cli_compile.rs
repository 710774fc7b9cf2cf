//! `envdef compile`, `--check` and `--prune` through the real binary, in temp directories.

#[path = "cli/support.rs"]
mod support;

use std::path::Path;
use std::time::{Duration, SystemTime};

use support::{envdef, expect_code, files, project, read};

const SRC: &str = "acme.envdef";

/// Every artifact the fixture produces, relative to the output root.
const ARTIFACTS: &[&str] = &[
    "api/.env.local",
    "api/.env.production",
    "api/.env.staging",
    "infra/local.tfvars",
    "infra/production.tfvars",
    "infra/staging.tfvars",
    "k8s/local/api.yaml",
    "k8s/local/worker.yaml",
    "k8s/production/api.yaml",
    "k8s/production/worker.yaml",
    "k8s/staging/api.yaml",
    "k8s/staging/worker.yaml",
    "worker/.env.local",
    "worker/.env.production",
    "worker/.env.staging",
];

fn edit_source(dir: &Path, from: &str, to: &str) {
    let path = dir.join(SRC);
    let text = read(&path);
    assert!(text.contains(from), "fixture lacks {from:?}");
    std::fs::write(&path, text.replace(from, to)).unwrap();
}

/// `names` plus the source and the manifest every successful compile leaves.
fn with_source(mut names: Vec<String>) -> Vec<String> {
    names.push(SRC.to_string());
    names.push(".envdef-manifest".to_string());
    names.sort();
    names
}

#[test]
fn compile_writes_every_artifact_and_a_second_run_rewrites_nothing() {
    let dir = project(SRC);
    let first = envdef(dir.path(), &["compile"]);
    expect_code(&first, 0);
    assert!(
        first
            .stdout
            .ends_with("15 written, 0 unchanged, 0 skipped\n"),
        "{}",
        first.stdout
    );
    let expected: Vec<String> = ARTIFACTS.iter().map(|s| s.to_string()).collect();
    assert_eq!(files(dir.path()), with_source(expected));

    // Backdate every artifact by an hour, so a rewrite cannot hide in mtime granularity.
    let old = SystemTime::now() - Duration::from_secs(3600);
    let mut before = Vec::new();
    for rel in ARTIFACTS {
        let path = dir.path().join(rel);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(old)
            .unwrap();
        before.push(read(&path));
    }
    let second = envdef(dir.path(), &["compile"]);
    expect_code(&second, 0);
    assert_eq!(second.stdout, "0 written, 15 unchanged, 0 skipped\n");
    for (rel, contents) in ARTIFACTS.iter().zip(before) {
        let path = dir.path().join(rel);
        let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
        assert_eq!(mtime, old, "{rel} was rewritten");
        assert_eq!(read(&path), contents, "{rel} changed");
    }
    // And the check agrees.
    let check = envdef(dir.path(), &["compile", "--check"]);
    expect_code(&check, 0);
    assert_eq!(check.stdout, "");
    assert_eq!(check.stderr, "all 15 artifacts are current\n");
}

#[test]
fn only_changed_artifacts_are_rewritten() {
    let dir = project(SRC);
    expect_code(&envdef(dir.path(), &["compile"]), 0);
    edit_source(dir.path(), "api.PORT     = 80", "api.PORT     = 81");
    let run = envdef(dir.path(), &["compile"]);
    expect_code(&run, 0);
    assert_eq!(
        run.stdout,
        "wrote api/.env.production\nwrote infra/production.tfvars\nwrote k8s/production/api.yaml\n3 written, 12 unchanged, 0 skipped\n"
    );
    assert!(read(dir.path().join("api/.env.production")).contains("PORT=81\n"));
}

#[test]
fn check_fails_on_a_hand_edited_artifact_with_a_diff() {
    let dir = project(SRC);
    expect_code(&envdef(dir.path(), &["compile"]), 0);
    let target = dir.path().join("api/.env.production");
    std::fs::write(&target, read(&target).replace("PORT=80", "PORT=8000")).unwrap();
    let edited = read(&target);

    let run = envdef(dir.path(), &["compile", "--check"]);
    expect_code(&run, 1);
    assert!(
        run.stdout
            .starts_with("--- a/api/.env.production\n+++ b/api/.env.production\n@@ "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\n-PORT=8000\n+PORT=80\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.ends_with(
            "stale   api/.env.production: differs from what the source produces \
             (first difference at line 3) [emit at acme.envdef:45:1]\n"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("1 artifact is not current (1 stale)"),
        "{}",
        run.stderr
    );
    assert_eq!(read(&target), edited, "--check writes nothing");

    // JSON: one diagnostic-shaped object per problem, enough for a CI annotation.
    let json = envdef(dir.path(), &["compile", "--check", "--format", "json"]);
    expect_code(&json, 1);
    let lines: Vec<serde_json::Value> = json
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{}", json.stdout);
    let p = &lines[0];
    assert_eq!(p["code"], "E0511");
    assert_eq!(p["kind"], "stale");
    assert_eq!(p["file"], "api/.env.production");
    assert_eq!(p["line"], 3);
    assert_eq!(
        (
            p["target"].as_str(),
            p["env"].as_str(),
            p["service"].as_str()
        ),
        (Some("dotenv"), Some("production"), Some("api"))
    );
    assert!(p["diff"].as_str().unwrap().contains("+PORT=80\n"));

    // `-q`: no diff, still one line per problem and the exit code.
    let quiet = envdef(dir.path(), &["compile", "--check", "-q"]);
    expect_code(&quiet, 1);
    assert!(!quiet.stdout.contains("+++"), "{}", quiet.stdout);
    assert!(
        quiet.stdout.contains("stale   api/.env.production"),
        "{}",
        quiet.stdout
    );
}

#[test]
fn check_reports_a_missing_artifact() {
    let dir = project(SRC);
    expect_code(&envdef(dir.path(), &["compile"]), 0);
    std::fs::remove_file(dir.path().join("infra/staging.tfvars")).unwrap();
    let run = envdef(dir.path(), &["compile", "--check"]);
    expect_code(&run, 1);
    assert_eq!(
        run.stdout,
        "missing infra/staging.tfvars: not on disk; the source produces it \
         [emit at acme.envdef:46:1]\n"
    );
    assert!(!dir.path().join("infra/staging.tfvars").exists());
}

#[test]
fn a_removed_emit_leaves_orphans_that_check_reports_and_prune_removes() {
    let dir = project(SRC);
    expect_code(&envdef(dir.path(), &["compile"]), 0);
    // A hand-written file next to the generated ones, and one generated from another source.
    std::fs::write(
        dir.path().join("k8s/production/README.md"),
        "# our manifests\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("k8s/other.yaml"),
        "# generated by envdef from other.envdef: environment x\nkind: ConfigMap\n",
    )
    .unwrap();
    edit_source(
        dir.path(),
        "emit kubernetes to \"k8s/{env}/{service}.yaml\" { namespace = \"acme-{env}\" }",
        "",
    );

    let check = envdef(dir.path(), &["compile", "--check"]);
    expect_code(&check, 1);
    let orphans: Vec<&str> = check
        .stdout
        .lines()
        .filter(|l| l.starts_with("orphan"))
        .collect();
    assert_eq!(orphans.len(), 6, "{}", check.stdout);
    assert!(
        orphans[0].starts_with("orphan  k8s/local/api.yaml: generated by envdef"),
        "{}",
        orphans[0]
    );
    assert!(
        check.stderr.contains("run `envdef compile --prune`"),
        "{}",
        check.stderr
    );

    let prune = envdef(dir.path(), &["compile", "--prune"]);
    expect_code(&prune, 0);
    assert!(
        prune.stdout.contains("removed k8s/staging/worker.yaml\n"),
        "{}",
        prune.stdout
    );
    assert!(
        prune
            .stdout
            .ends_with("0 written, 9 unchanged, 0 skipped, 6 removed\n"),
        "{}",
        prune.stdout
    );
    let left: Vec<String> = files(dir.path())
        .into_iter()
        .filter(|f| f.starts_with("k8s/"))
        .collect();
    assert_eq!(left, ["k8s/other.yaml", "k8s/production/README.md"]);
    assert!(
        !dir.path().join("k8s/local").exists(),
        "emptied directories are removed"
    );
    expect_code(&envdef(dir.path(), &["compile", "--check"]), 0);
}

#[test]
fn compile_without_prune_leaves_orphans_alone() {
    let dir = project(SRC);
    expect_code(&envdef(dir.path(), &["compile"]), 0);
    edit_source(dir.path(), "emit tfvars     to \"infra/{env}.tfvars\"", "");
    expect_code(&envdef(dir.path(), &["compile"]), 0);
    assert!(dir.path().join("infra/local.tfvars").exists());
}

#[test]
fn a_path_escape_is_rejected_and_nothing_is_written() {
    let outer = tempfile::tempdir().unwrap();
    let dir = outer.path().join("project");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(support::fixtures().join(SRC), dir.join(SRC)).unwrap();
    edit_source(
        &dir,
        "emit tfvars     to \"infra/{env}.tfvars\"",
        "emit dotenv to \"../{env}.env\"",
    );
    let run = envdef(&dir, &["compile"]);
    expect_code(&run, 1);
    assert!(run.stderr.contains("../{env}.env"), "{}", run.stderr);
    assert_eq!(
        files(outer.path()),
        ["project/acme.envdef"],
        "nothing written anywhere"
    );
    let check = envdef(&dir, &["compile", "--check"]);
    expect_code(&check, 1);
}

#[test]
fn selection_writes_only_the_chosen_environments_and_targets() {
    let dir = project(SRC);
    let run = envdef(
        dir.path(),
        &["compile", "--env", "production", "--target", "dotenv"],
    );
    expect_code(&run, 0);
    assert_eq!(
        run.stdout,
        "wrote api/.env.production\nwrote worker/.env.production\n2 written, 0 unchanged, 13 skipped\n"
    );
    // Artifacts of environments that were not selected are not orphans.
    expect_code(&envdef(dir.path(), &["compile"]), 0);
    let check = envdef(dir.path(), &["compile", "--check", "--env", "staging"]);
    expect_code(&check, 0);
}

#[test]
fn service_selection_writes_that_services_artifacts_and_check_agrees() {
    let dir = project(SRC);
    let run = envdef(
        dir.path(),
        &["compile", "--service", "worker", "--env", "staging"],
    );
    expect_code(&run, 0);
    // The worker's files, and the tfvars of no single service (still selected).
    assert_eq!(
        run.stdout,
        "wrote worker/.env.staging\nwrote infra/staging.tfvars\n\
         wrote k8s/staging/worker.yaml\n3 written, 0 unchanged, 12 skipped\n"
    );
    assert_eq!(
        files(dir.path()),
        with_source(
            [
                "infra/staging.tfvars",
                "k8s/staging/worker.yaml",
                "worker/.env.staging"
            ]
            .map(String::from)
            .to_vec()
        )
    );
    // `--check` with the same selection checks only what it covers: current.
    let same = envdef(
        dir.path(),
        &[
            "compile",
            "--check",
            "--service",
            "worker",
            "--env",
            "staging",
        ],
    );
    expect_code(&same, 0);
    assert_eq!(same.stdout, "");
    // The api's artifacts were never written: a check that covers them finds them missing.
    let api = envdef(
        dir.path(),
        &[
            "compile",
            "--check",
            "--service",
            "api",
            "--env",
            "staging",
            "--format",
            "json",
        ],
    );
    expect_code(&api, 1);
    let missing: Vec<String> = api
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|d| {
            assert_eq!(d["kind"], "missing", "{d}");
            assert_eq!(d["service"], "api", "{d}");
            d["path"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(missing, ["api/.env.staging", "k8s/staging/api.yaml"]);
    // Repeatable, and an unknown service is a usage error with a suggestion.
    let both = envdef(
        dir.path(),
        &[
            "compile",
            "--service",
            "api",
            "--service",
            "worker",
            "--env",
            "staging",
        ],
    );
    expect_code(&both, 0);
    assert!(
        both.stdout
            .ends_with("2 written, 3 unchanged, 10 skipped\n"),
        "{}",
        both.stdout
    );
    let unknown = envdef(dir.path(), &["compile", "--service", "wroker"]);
    expect_code(&unknown, 2);
    assert!(unknown.stderr.contains("E0504"), "{}", unknown.stderr);
    assert!(
        unknown.stderr.contains("did you mean `worker`?"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn unknown_names_on_the_command_line_are_usage_errors_with_a_suggestion() {
    let dir = project(SRC);
    let env = envdef(dir.path(), &["compile", "--env", "prodution"]);
    expect_code(&env, 2);
    assert!(env.stderr.contains("E0501"), "{}", env.stderr);
    assert!(
        env.stderr.contains("unknown environment `prodution`"),
        "{}",
        env.stderr
    );
    assert!(
        env.stderr.contains("did you mean `production`?"),
        "{}",
        env.stderr
    );

    let abstract_env = envdef(dir.path(), &["compile", "--env", "deployed"]);
    expect_code(&abstract_env, 2);
    assert!(
        abstract_env.stderr.contains("`deployed` is abstract"),
        "{}",
        abstract_env.stderr
    );

    let target = envdef(
        dir.path(),
        &["compile", "--target", "dotnev", "--format", "json"],
    );
    expect_code(&target, 2);
    let d: serde_json::Value = serde_json::from_str(target.stdout.trim()).unwrap();
    assert_eq!(d["code"], "E0502");
    assert_eq!(d["help"], "did you mean `dotenv`?");
    assert_eq!(files(dir.path()), [SRC], "nothing written");
}

#[test]
fn json_mode_reports_one_object_per_artifact() {
    let dir = project(SRC);
    let run = envdef(
        dir.path(),
        &["compile", "--env", "local", "--format", "json"],
    );
    expect_code(&run, 0);
    let objects: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objects.len(), 15);
    let written: Vec<&str> = objects
        .iter()
        .filter(|o| o["status"] == "written")
        .map(|o| o["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        written,
        [
            "api/.env.local",
            "worker/.env.local",
            "infra/local.tfvars",
            "k8s/local/api.yaml",
            "k8s/local/worker.yaml"
        ]
    );
    assert_eq!(
        objects.iter().filter(|o| o["status"] == "skipped").count(),
        10
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn out_defaults_to_the_source_directory_and_can_be_overridden() {
    let dir = project(SRC);
    let sub = dir.path().join("cfg");
    std::fs::create_dir(&sub).unwrap();
    std::fs::rename(dir.path().join(SRC), sub.join(SRC)).unwrap();
    let run = envdef(
        dir.path(),
        &[
            "compile",
            "cfg/acme.envdef",
            "--env",
            "local",
            "--target",
            "tfvars",
        ],
    );
    expect_code(&run, 0);
    assert_eq!(
        run.stdout,
        "wrote cfg/infra/local.tfvars\n1 written, 0 unchanged, 14 skipped\n"
    );
    let run = envdef(
        dir.path(),
        &[
            "compile",
            "cfg/acme.envdef",
            "--out",
            "gen",
            "--env",
            "local",
            "--target",
            "tfvars",
        ],
    );
    expect_code(&run, 0);
    assert!(dir.path().join("gen/infra/local.tfvars").exists());
}

#[test]
fn a_file_where_a_directory_is_needed_is_exit_2_and_changes_nothing() {
    let dir = project(SRC);
    std::fs::write(dir.path().join("k8s"), "not a directory\n").unwrap();
    let run = envdef(dir.path(), &["compile"]);
    expect_code(&run, 2);
    assert!(run.stderr.contains("`k8s"), "{}", run.stderr);
    assert_eq!(
        files(dir.path()),
        [SRC, "k8s"],
        "nothing written, no temp files"
    );
}

#[cfg(unix)]
#[test]
fn a_read_only_output_directory_is_exit_2_and_leaves_artifacts_intact() {
    let dir = project(SRC);
    expect_code(&envdef(dir.path(), &["compile"]), 0);
    let before: Vec<(String, String)> = ARTIFACTS
        .iter()
        .map(|r| (r.to_string(), read(dir.path().join(r))))
        .collect();
    // Changes artifacts in several directories; `k8s/production` cannot be written.
    edit_source(
        dir.path(),
        "LOG_LEVEL    = \"warn\"",
        "LOG_LEVEL    = \"error\"",
    );
    let locked = dir.path().join("k8s/production");
    if !support::make_unwritable(&locked) {
        eprintln!("FIXME: cannot make a directory unwritable on this system; test skipped");
        return;
    }
    let run = envdef(dir.path(), &["compile"]);
    support::make_writable(&locked);
    expect_code(&run, 2);
    assert!(run.stderr.contains("k8s/production/"), "{}", run.stderr);
    assert!(
        run.stderr.starts_with("error: cannot write"),
        "{}",
        run.stderr
    );
    for (rel, contents) in before {
        assert_eq!(read(dir.path().join(&rel)), contents, "{rel} was modified");
    }
    let expected: Vec<String> = ARTIFACTS.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        files(dir.path()),
        with_source(expected),
        "no temp files left"
    );
}

#[test]
fn source_errors_are_exit_1_and_write_nothing() {
    let dir = project(SRC);
    edit_source(dir.path(), "api.PORT     = 80", "api.PORT     = 80000");
    let run = envdef(dir.path(), &["compile"]);
    expect_code(&run, 1);
    assert_eq!(files(dir.path()), [SRC]);
}

#[test]
fn check_transcripts_for_every_kind_of_drift() {
    let dir = project(SRC);
    expect_code(&envdef(dir.path(), &["compile"]), 0);
    let edited = dir.path().join("api/.env.production");
    std::fs::write(
        &edited,
        read(&edited).replace("LOG_LEVEL=warn", "LOG_LEVEL=debug"),
    )
    .unwrap();
    std::fs::remove_file(dir.path().join("infra/local.tfvars")).unwrap();
    edit_source(
        dir.path(),
        "emit kubernetes to \"k8s/{env}/{service}.yaml\" { namespace = \"acme-{env}\" }",
        "",
    );
    let human = envdef(dir.path(), &["compile", "--check"]);
    expect_code(&human, 1);
    support::golden("check_drift.stdout", &human.stdout);
    support::golden("check_drift.stderr", &human.stderr);
    let json = envdef(dir.path(), &["compile", "--check", "--format", "json"]);
    expect_code(&json, 1);
    support::golden("check_drift.json", &json.stdout);
    assert_eq!(json.stderr, "");
}

#[test]
fn quiet_verbose_and_colour_follow_the_conventions() {
    let dir = project(SRC);
    let quiet = envdef(dir.path(), &["compile", "-q"]);
    expect_code(&quiet, 0);
    assert_eq!((quiet.stdout.as_str(), quiet.stderr.as_str()), ("", ""));

    let verbose = envdef(
        dir.path(),
        &["compile", "-v", "--env", "local", "--target", "tfvars"],
    );
    expect_code(&verbose, 0);
    assert!(
        verbose
            .stdout
            .starts_with("unchanged infra/local.tfvars\nskipped api/.env.local (not selected)\n"),
        "{}",
        verbose.stdout
    );

    let quiet_check = envdef(dir.path(), &["compile", "--check", "-q"]);
    expect_code(&quiet_check, 0);
    assert_eq!(
        (quiet_check.stdout.as_str(), quiet_check.stderr.as_str()),
        ("", "")
    );

    let target = dir.path().join("infra/local.tfvars");
    std::fs::write(&target, read(&target) + "extra = 1\n").unwrap();
    // NO_COLOR is set by the harness; `--color always` overrides it.
    let coloured = envdef(dir.path(), &["compile", "--check", "--color", "always"]);
    expect_code(&coloured, 1);
    assert!(
        coloured.stdout.contains("\x1b[31m-extra = 1\x1b[0m\n"),
        "{:?}",
        coloured.stdout
    );
    let plain = envdef(dir.path(), &["compile", "--check"]);
    assert!(!plain.stdout.contains('\x1b'), "{:?}", plain.stdout);
}

/// The hooks in `.pre-commit-hooks.yaml` run commands this binary accepts, and
/// `envdef-check` passes on a freshly compiled project and fails on a hand edit.
#[test]
fn pre_commit_hooks_run_real_commands() {
    let text = read(Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"));
    let hooks: Vec<serde_yaml::Value> = serde_yaml::from_str(&text).unwrap();
    let ids: Vec<&str> = hooks.iter().map(|h| h["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["envdef-check", "envdef-fmt-check"]);
    let dir = project(SRC);
    expect_code(&envdef(dir.path(), &["compile", "-q"]), 0);
    for hook in &hooks {
        let entry: Vec<&str> = hook["entry"].as_str().unwrap().split_whitespace().collect();
        assert_eq!(entry[0], "envdef");
        let mut args = entry[1..].to_vec();
        if hook["pass_filenames"].as_bool() != Some(false) {
            args.push(SRC);
        }
        let run = envdef(dir.path(), &args);
        // 0 or 1 are verdicts; 2 would mean the hook's command line is wrong.
        assert!(run.code == 0 || run.code == 1, "{args:?}: {}", run.stderr);
    }
    let check: Vec<&str> = hooks[0]["entry"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .skip(1)
        .collect();
    expect_code(&envdef(dir.path(), &check), 0);
    let target = dir.path().join("api/.env.local");
    std::fs::write(&target, read(&target) + "EXTRA=1\n").unwrap();
    expect_code(&envdef(dir.path(), &check), 1);
}

/// Q1 regression: `--prune` deleted hand-written files that merely mention envdef (a README
/// saying "generated by envdef from acme.envdef"), and artifacts of another source whose
/// name ends with this one's (`data-acme.envdef` contains `acme.envdef`). Since issue 12 the
/// manifest decides: even a file with this source's exact header is not an orphan unless
/// envdef wrote it.
#[test]
fn prune_never_deletes_prose_or_another_sources_artifacts() {
    let dir = project(SRC);
    // A real orphan: written by an `emit` line that is then deleted.
    let text = read(dir.path().join(SRC));
    std::fs::write(
        dir.path().join(SRC),
        format!("{text}emit tfvars to \"old/{{env}}.tfvars\"\n"),
    )
    .unwrap();
    expect_code(&envdef(dir.path(), &["compile"]), 0);
    std::fs::write(dir.path().join(SRC), &text).unwrap();
    let keep = [
        (
            "README.md",
            "# Config\n\nThe files below are generated by envdef from acme.envdef; do not edit.\n",
        ),
        (
            "docs/notes.txt",
            "Note: generated by envdef from acme.envdef\n",
        ),
        (
            "k8s/data.yaml",
            "# generated by envdef from data-acme.envdef: environment x\nkind: ConfigMap\n",
        ),
        (
            "k8s/data2.yaml",
            "# generated by envdef from acme.envdef.bak: environment x\nkind: ConfigMap\n",
        ),
        (
            "old.html",
            "<!-- generated by envdef from acme.envdef -->\n<p>x</p>\n",
        ),
    ];
    for (rel, text) in keep {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let check = envdef(dir.path(), &["compile", "--check"]);
    expect_code(&check, 1);
    assert_eq!(
        check.stdout,
        "orphan  old/local.tfvars: generated by envdef, but no `emit` line produces it any more\n\
         orphan  old/production.tfvars: generated by envdef, but no `emit` line produces it any more\n\
         orphan  old/staging.tfvars: generated by envdef, but no `emit` line produces it any more\n"
    );
    expect_code(&envdef(dir.path(), &["compile", "--prune"]), 0);
    for (rel, text) in keep {
        assert_eq!(read(dir.path().join(rel)), text, "{rel} was touched");
    }
    assert!(!dir.path().join("old").exists());
    expect_code(&envdef(dir.path(), &["compile", "--check"]), 0);
}

/// Q1 regression: an artifact whose only change is CRLF line endings (saved on Windows) was
/// reported with a diff whose `-` and `+` lines look identical. The message must say why.
#[test]
fn check_says_when_only_line_endings_differ() {
    let dir = project(SRC);
    expect_code(&envdef(dir.path(), &["compile"]), 0);
    let path = dir.path().join("api/.env.local");
    std::fs::write(&path, read(&path).replace('\n', "\r\n")).unwrap();
    let check = envdef(dir.path(), &["compile", "--check", "-q"]);
    expect_code(&check, 1);
    assert_eq!(
        check.stdout,
        "stale   api/.env.local: differs from what the source produces (first difference at \
         line 1: the file on disk has CRLF line endings, envdef writes LF) [emit at acme.envdef:45:1]\n"
    );
    let json = envdef(dir.path(), &["compile", "--check", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(json.stdout.trim()).unwrap();
    assert!(
        value["message"].as_str().unwrap().contains("CRLF"),
        "{value}"
    );
}
