//! `envdef diff`, `explain` and `list` on the bundled fleet example, compared with goldens
//! in `tests/cli/` (`ENVDEF_BLESS=1 cargo test --test cli_inspect` rewrites them), plus the
//! errors for names the source does not know.

#[path = "cli/support.rs"]
mod support;

use std::path::{Path, PathBuf};

use support::{envdef, envdef_with, expect_code, golden, Run};

fn fleet() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/fleet")
}

/// Runs in `examples/fleet` with `-f fleet.envdef` appended, so paths in the output are
/// the short ones a user there would see.
fn run(args: &[&str]) -> Run {
    let mut all = args.to_vec();
    all.extend(["-f", "fleet.envdef"]);
    envdef(&fleet(), &all)
}

/// The command succeeds, prints nothing on stderr, and stdout matches the golden.
fn ok_golden(name: &str, run: &Run) {
    expect_code(run, 0);
    assert_eq!(run.stderr, "", "stderr of {name}");
    golden(name, &run.stdout);
}

#[test]
fn diff_staging_production() {
    ok_golden(
        "fleet_diff_staging_production.stdout",
        &run(&["diff", "staging", "production-eu-west-1"]),
    );
}

/// The secrets whose reference is one line with `{env}` in it differ in every pair of
/// environments: folded into one line by default, listed one by one with `--all`.
#[test]
fn diff_folds_secrets_of_one_reference_pattern() {
    let folded = run(&["diff", "staging", "production-eu-west-1"]);
    assert!(
        folded.stdout.contains(
            "3 secrets differ only by `{env}` in the reference (one line sets both sides): \
             DB_PASSWORD, STRIPE_API_KEY, billing-sync.WEBHOOK_SECRET (--all lists them)\n"
        ),
        "{}",
        folded.stdout
    );
    // No block of its own (DATABASE_URL, derived from it and a host, still differs).
    assert!(!folded.stdout.lines().any(|l| l == "DB_PASSWORD"));
    assert!(folded.stdout.lines().any(|l| l == "DATABASE_URL"));
    ok_golden(
        "fleet_diff_staging_production_all.stdout",
        &run(&["diff", "staging", "production-eu-west-1", "--all"]),
    );
}

#[test]
fn diff_is_a_table_when_the_terminal_is_wide_enough() {
    let wide = envdef_with(
        &fleet(),
        &[
            "diff",
            "production-eu-west-1",
            "production-us-east-1",
            "--service",
            "web",
            "-f",
            "fleet.envdef",
        ],
        &[("COLUMNS", "200")],
    );
    ok_golden("fleet_diff_production_us_wide.stdout", &wide);
}

#[test]
fn diff_for_one_service_expands_its_secret_references() {
    ok_golden(
        "fleet_diff_local_production_worker.stdout",
        &run(&[
            "diff",
            "local",
            "production-eu-west-1",
            "--service",
            "worker",
        ]),
    );
}

#[test]
fn diff_json() {
    let r = run(&[
        "diff",
        "staging",
        "production-eu-west-1",
        "--format",
        "json",
    ]);
    ok_golden("fleet_diff_staging_production.json", &r);
    for line in r.stdout.lines() {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        // Secrets are compared and shown by reference only.
        if row["var"] == "DB_PASSWORD" {
            assert_eq!(
                row["a"]["value"]["secret"],
                "vault://kv/acme/staging/db#password"
            );
        }
    }
}

#[test]
fn diff_of_an_environment_with_itself_is_empty() {
    let r = run(&["diff", "staging", "staging"]);
    expect_code(&r, 0);
    assert_eq!(r.stdout, "`staging` and `staging` have the same values\n");
}

#[test]
fn explain_an_interpolated_default() {
    ok_golden(
        "fleet_explain_production_api_url.stdout",
        &run(&["explain", "production-eu-west-1", "API_URL"]),
    );
}

#[test]
fn explain_a_value_inherited_from_an_abstract_environment() {
    ok_golden(
        "fleet_explain_production_us_request_timeout.stdout",
        &run(&["explain", "production-us-east-1", "REQUEST_TIMEOUT"]),
    );
}

#[test]
fn explain_a_service_variable_and_a_secret_by_its_emitted_name() {
    ok_golden(
        "fleet_explain_production_api_port.stdout",
        &run(&["explain", "production-eu-west-1", "api.PORT"]),
    );
    ok_golden(
        "fleet_explain_production_stripe.stdout",
        &run(&["explain", "production-eu-west-1", "STRIPE_SECRET_KEY"]),
    );
}

#[test]
fn explain_json() {
    let r = run(&[
        "explain",
        "production-us-east-1",
        "API_URL",
        "--format",
        "json",
    ]);
    ok_golden("fleet_explain_production_us_api_url.json", &r);
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(v["value"], "https://us-east-1.acme.example/api");
    assert_eq!(v["interpolations"][0]["var"], "PUBLIC_URL");
    assert_eq!(
        v["interpolations"][0]["value"],
        "https://us-east-1.acme.example"
    );
}

#[test]
fn list_human_and_json() {
    ok_golden("fleet_list.stdout", &run(&["list"]));
    ok_golden("fleet_list.json", &run(&["list", "--format", "json"]));
}

#[test]
fn unknown_environment_variable_and_service() {
    let env = run(&["diff", "stagin", "production"]);
    expect_code(&env, 2);
    assert_eq!(env.stdout, "");
    golden("unknown_environment.stderr", &env.stderr);

    let var = run(&["explain", "production", "PUBLIC_ULR"]);
    expect_code(&var, 2);
    golden("unknown_variable.stderr", &var.stderr);

    let service = run(&["diff", "staging", "production", "--service", "workr"]);
    expect_code(&service, 2);
    golden("unknown_service.stderr", &service.stderr);

    let target = run(&["compile", "--check", "--target", "k8s", "--format", "json"]);
    expect_code(&target, 2);
    golden("unknown_target.json", &target.stdout);
}

#[test]
fn diff_reports_values_set_in_one_environment_only_and_repeated_values() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("app.envdef"),
        r#"project app
var MODE: string = "a"
var HOOK: url?
env one {
  MODE = "b"
  HOOK = "https://hooks.example/one"
}
env two {
  MODE = "b"
}
"#,
    )
    .unwrap();
    let r = envdef(dir.path(), &["diff", "one", "two"]);
    expect_code(&r, 0);
    assert_eq!(
        r.stdout,
        "MODE  (same value, set separately)\n\
         \x20 - one  \"b\"  (one at app.envdef:5)\n\
         \x20 + two  \"b\"  (two at app.envdef:9)\n\
         HOOK\n\
         \x20 - one  \"https://hooks.example/one\"  (one at app.envdef:6)\n\
         \x20 + two  (unset)\n\
         2 variables differ\n"
    );
    let wide = envdef_with(dir.path(), &["diff", "one", "two"], &[("COLUMNS", "120")]);
    assert_eq!(
        wide.stdout,
        "VARIABLE  one                          two\n\
         MODE      \"b\"                          \"b\"\n\
         \x20         one at app.envdef:5          two at app.envdef:9  (same value, set separately)\n\
         HOOK      \"https://hooks.example/one\"  (unset)\n\
         \x20         one at app.envdef:6\n\
         2 variables differ\n"
    );
    let json = envdef(dir.path(), &["diff", "one", "two", "--format", "json"]);
    let kinds: Vec<String> = json
        .stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(kinds, ["source_differs", "only_a"]);
}

/// The template line shows the template as written: `$$` stays `$$` (it once showed `$5`,
/// and a literal `$${X}` read as an interpolation), and a literal `$${X}` is no step.
#[test]
fn explain_expands_nested_interpolations_step_by_step() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("app.envdef"),
        r#"project app
var HOST: string = "example.com"
var BASE: url = "https://${HOST}"
var API: url = "${BASE}/api/${env}?cost=$$5&q=$${X}"
env prod {
  HOST = "prod.example.com"
}
"#,
    )
    .unwrap();
    let r = envdef(dir.path(), &["explain", "prod", "API"]);
    expect_code(&r, 0);
    assert_eq!(
        r.stdout,
        "API in prod = \"https://prod.example.com/api/prod?cost=$5&q=${X}\"\n\
         \n  declared  app.envdef:4  var API: url = \"${BASE}/api/${env}?cost=$$5&q=$${X}\"\n  \
         type      url\n  \
         chain     prod\n            \
         prod: not set here\n  \
         default   used at app.envdef:4  var API: url = \"${BASE}/api/${env}?cost=$$5&q=$${X}\"\n  \
         template  \"${BASE}/api/${env}?cost=$$5&q=$${X}\"\n            \
         ${BASE} = \"https://prod.example.com\"  (default at app.envdef:3)\n              \
         from \"https://${HOST}\"\n              \
         ${HOST} = \"prod.example.com\"  (prod at app.envdef:6)\n            \
         ${env} = \"prod\"  (built-in)\n            \
         = \"https://prod.example.com/api/prod?cost=$5&q=${X}\"\n"
    );
}

/// `diff --promote FROM TO`: flags that turn on, rollouts that grow, values that change;
/// a secret whose reference comes from the same `{env}` template on both sides is no change.
#[test]
fn diff_promote_shows_what_promoting_would_change() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("app.envdef"),
        r#"var API_URL: url = "http://localhost"
secret DB_PASSWORD from "vault://kv/{env}/db#password"
secret STRIPE_KEY from "vault://kv/shared/stripe#key"
flag new_checkout = false
flag checkout_rollout = 0
env staging { new_checkout = true  checkout_rollout = 50  API_URL = "https://staging.acme.dev"  STRIPE_KEY from "vault://kv/staging/stripe#key" }
env production { checkout_rollout = 10  API_URL = "https://acme.dev" }
promote staging -> production
"#,
    )
    .unwrap();
    let r = envdef(dir.path(), &["diff", "--promote", "staging", "production"]);
    expect_code(&r, 0);
    assert_eq!(
        r.stdout,
        "promoting `staging` to `production`:\n\
         \x20 changes    API_URL           \"https://acme.dev\" → \"https://staging.acme.dev\"  (staging at app.envdef:6)\n\
         \x20 reference  STRIPE_KEY        secret from \"vault://kv/shared/stripe#key\" → secret from \"vault://kv/staging/stripe#key\"  (staging at app.envdef:6)\n\
         \x20 turns on   new_checkout      false → true  (staging at app.envdef:6)\n\
         \x20 rolls out  checkout_rollout  10 → 50  (staging at app.envdef:6)\n\
         4 changes\n"
    );
    let json = envdef(
        dir.path(),
        &[
            "diff",
            "--promote",
            "staging",
            "production",
            "--format",
            "json",
        ],
    );
    let changes: Vec<(String, String)> = json
        .stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["var"].as_str().unwrap().to_string(),
                v["change"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        ("API_URL", "value"),
        ("STRIPE_KEY", "secret_reference"),
        ("new_checkout", "flag_on"),
        ("checkout_rollout", "rollout_grows"),
    ];
    assert_eq!(
        changes,
        expected.map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let same = envdef(
        dir.path(),
        &["diff", "--promote", "production", "production"],
    );
    assert_eq!(
        same.stdout,
        "promoting `production` to `production` changes nothing\n"
    );
}

const PREVIEW: &str = r#"project acme
var PUBLIC_URL: url
secret DB_PASSWORD from "vault://kv/acme/{env}/db#password"
env local { PUBLIC_URL = "http://localhost" }
env staging { PUBLIC_URL = "https://staging.acme.dev" }
env preview(branch: string len in 1..=60) extends staging {
  PUBLIC_URL = "https://preview-${branch}.acme.dev"
  DB_PASSWORD from "vault://kv/acme/preview/{branch}#password"
}
env production(region: "eu" | "us") extends staging {
  PUBLIC_URL = "https://${region}.acme.dev"
}
emit dotenv to "{env}/.env"
emit variables_tf to "variables.tf"
"#;

/// A preview per branch: `--param` compiles only its instance, `--check` checks it, the
/// ordinary compile never sees its files as orphans, and `--teardown` removes exactly them.
#[test]
fn preview_instance_compile_check_and_teardown() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.envdef"), PREVIEW).unwrap();
    let base = envdef(dir.path(), &["compile"]);
    expect_code(&base, 0);
    let dirs = |d: &Path| {
        let mut names: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        dirs(dir.path()),
        [
            ".envdef-manifest",
            "app.envdef",
            "local",
            "production-eu",
            "production-us",
            "staging",
            "variables.tf"
        ]
    );
    let param = "branch=feature/Login_Fix";
    let preview = envdef(
        dir.path(),
        &["compile", "--env", "preview", "--param", param],
    );
    expect_code(&preview, 0);
    assert_eq!(
        preview.stdout,
        "wrote preview-feature-login-fix/.env\n1 written, 0 unchanged, 5 skipped\n"
    );
    let env = std::fs::read_to_string(dir.path().join("preview-feature-login-fix/.env")).unwrap();
    assert!(
        env.contains("PUBLIC_URL=https://preview-feature-login-fix.acme.dev\n"),
        "{env}"
    );
    assert!(
        env.contains("vault://kv/acme/preview/feature-login-fix#password"),
        "{env}"
    );
    expect_code(&envdef(dir.path(), &["compile", "--check"]), 0);
    expect_code(
        &envdef(dir.path(), &["compile", "--check", "--param", param]),
        0,
    );
    // A hand edit (the generated header stays): stale, then replaced by `compile`.
    let instance_env = dir.path().join("preview-feature-login-fix/.env");
    let edited = std::fs::read_to_string(&instance_env).unwrap() + "EDITED=1\n";
    std::fs::write(&instance_env, edited).unwrap();
    expect_code(
        &envdef(dir.path(), &["compile", "--check", "--param", param]),
        1,
    );
    expect_code(&envdef(dir.path(), &["compile", "--param", param]), 0);
    let down = envdef(dir.path(), &["compile", "--teardown", "--param", param]);
    expect_code(&down, 0);
    assert!(!dir.path().join("preview-feature-login-fix").exists());
    assert!(dir.path().join("variables.tf").exists());
    expect_code(&envdef(dir.path(), &["compile", "--check"]), 0);
}

/// A bad `--param` value is E0362 (exit 1), an unknown parameter E0232 with a
/// did-you-mean, and `--env preview` without its parameter names the missing value.
#[test]
fn bad_parameters_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.envdef"), PREVIEW).unwrap();
    let long = format!("branch={}", "x".repeat(61));
    let r = envdef(dir.path(), &["check", "--param", &long]);
    expect_code(&r, 1);
    assert!(r.stderr.contains("error[E0362]"), "{}", r.stderr);
    assert!(
        r.stderr.contains("allows a length in 1..=60"),
        "{}",
        r.stderr
    );
    let r = envdef(dir.path(), &["check", "--param", "brnch=x"]);
    expect_code(&r, 1);
    assert!(r.stderr.contains("error[E0232]"), "{}", r.stderr);
    assert!(r.stderr.contains("did you mean `branch`?"), "{}", r.stderr);
    let r = envdef(dir.path(), &["compile", "--env", "preview"]);
    expect_code(&r, 2);
    assert!(r.stderr.contains("E0501"), "{}", r.stderr);
    let list = envdef(
        dir.path(),
        &["list", "--param", "branch=a/b", "--format", "json"],
    );
    expect_code(&list, 0);
    assert!(
        list.stdout.contains(r#""name":"preview-a-b""#),
        "{}",
        list.stdout
    );
}

/// `--param` on every command that reads environments: `preview` stands for the one
/// instance the values make, a value that makes none of the named environments is refused
/// (never silently ignored), and a missing one is named with the fix.
#[test]
fn parameters_on_every_command() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.envdef"), PREVIEW).unwrap();
    let param = "branch=feature/X";
    let r = envdef(
        dir.path(),
        &["explain", "preview", "PUBLIC_URL", "--param", param],
    );
    expect_code(&r, 0);
    assert!(
        r.stdout.starts_with(
            "PUBLIC_URL in preview-feature-x = \"https://preview-feature-x.acme.dev\"\n"
        ),
        "{}",
        r.stdout
    );
    let r = envdef(
        dir.path(),
        &["diff", "staging", "preview", "--param", param],
    );
    expect_code(&r, 0);
    assert!(
        r.stdout.contains("\"https://preview-feature-x.acme.dev\""),
        "{}",
        r.stdout
    );
    // Named environments the value does not make: refused, with what it makes.
    for args in [
        &["explain", "staging", "PUBLIC_URL"][..],
        &["diff", "staging", "production-eu"],
        &["run", "staging", "--", "true"],
        &["verify", "staging"],
        &["switch", "staging"],
    ] {
        let mut all = args.to_vec();
        all.splice(2..2, ["--param", param]);
        let r = envdef(dir.path(), &all);
        expect_code(&r, 2);
        assert!(
            r.stderr.contains("error[E0232]")
                && r.stderr
                    .contains("`--param branch=feature/X` does not apply to `staging`")
                && r.stderr.contains("it makes the instance preview-feature-x"),
            "{args:?}: {}",
            r.stderr
        );
    }
    // The declaration without its value: the parameter and the fix.
    for args in [
        &["compile", "--env", "preview"][..],
        &["explain", "preview", "PUBLIC_URL"],
        &["run", "preview", "--", "true"],
        &["diff", "staging", "preview"],
    ] {
        let r = envdef(dir.path(), args);
        expect_code(&r, 2);
        assert!(
            r.stderr
                .contains("environment `preview` needs its parameter `branch`")
                && r.stderr
                    .contains("help: add `--param branch=VALUE` to the command"),
            "{args:?}: {}",
            r.stderr
        );
    }
    // A matrix: `compile --env production` writes every region; `run` needs one.
    let r = envdef(dir.path(), &["compile", "--env", "production"]);
    expect_code(&r, 0);
    assert!(
        r.stdout
            .contains("wrote production-eu/.env\nwrote production-us/.env\n"),
        "{}",
        r.stdout
    );
    let r = envdef(dir.path(), &["run", "production", "--", "true"]);
    expect_code(&r, 2);
    assert!(
        r.stderr
            .contains("environment `production` stands for 2 environments")
            && r.stderr
                .contains("instances of `production`: production-eu, production-us"),
        "{}",
        r.stderr
    );
    // Commands that read no environment refuse `--param`; a parameter takes one value.
    let r = envdef(dir.path(), &["fmt", "--param", param]);
    expect_code(&r, 2);
    assert!(
        r.stderr
            .contains("`--param branch=…` does not apply to `envdef fmt`"),
        "{}",
        r.stderr
    );
    let r = envdef(
        dir.path(),
        &["check", "--param", "branch=a", "--param", "branch=b"],
    );
    expect_code(&r, 2);
    assert!(
        r.stderr
            .contains("`--param branch` is given twice (`a` and `b`)"),
        "{}",
        r.stderr
    );
    // An empty value (an unset `$BRANCH`) makes no instance.
    let r = envdef(dir.path(), &["compile", "--param", "branch="]);
    expect_code(&r, 1);
    assert!(
        r.stderr
            .contains("parameter `branch` of environment `preview` is empty"),
        "{}",
        r.stderr
    );
    assert!(!dir.path().join("preview-e3b0c442").exists());
}

const PARAMS_IN_RULES: &str = r#"var REGION: string = "local"
var REPLICAS: int = 1
env staging {}
env preview(branch) extends staging {}
env production(region: "eu" | "us") extends staging {
  REGION = "${region}"
  REPLICAS = 3
}
assert REGION == region "each region runs in its own region"
assert !(branch starts_with "release/") || REPLICAS >= 2 "release previews run two replicas"
emit dotenv to "{env}/.env"
emit dotenv to "regions/{region}.env"
emit dotenv to "previews/{branch}/.env"
"#;

/// A parameter as an emit path placeholder writes its label (never a path of its own, even
/// for `../../etc`), only for the instances that have it; in an assert it is the value as
/// given, checked only where the parameter exists.
#[test]
fn parameters_in_emit_paths_and_asserts() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(project.join("app.envdef"), PARAMS_IN_RULES).unwrap();
    let r = envdef(&project, &["compile"]);
    expect_code(&r, 0);
    assert_eq!(
        r.stdout,
        "wrote staging/.env\nwrote production-eu/.env\nwrote production-us/.env\n\
         wrote regions/eu.env\nwrote regions/us.env\n5 written, 0 unchanged, 0 skipped\n"
    );
    let r = envdef(&project, &["compile", "--param", "branch=../../etc"]);
    expect_code(&r, 0);
    assert_eq!(
        r.stdout,
        "wrote preview-etc/.env\nwrote previews/etc/.env\n2 written, 0 unchanged, 5 skipped\n"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "nothing written beside the project"
    );
    // The rule sees the branch as given, `release/1.2`, in the preview only.
    let r = envdef(&project, &["check", "--param", "branch=release/1.2"]);
    expect_code(&r, 1);
    assert!(
        r.stderr
            .contains("release previews run two replicas (in environment `preview-release-1-2`)"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("`branch` is \"release/1.2\" here (given as `--param branch=release/1.2`)"),
        "{}",
        r.stderr
    );
    expect_code(
        &envdef(&project, &["check", "--param", "branch=feature/x"]),
        0,
    );
}

/// Two branches that sanitise to one instance name (`feature/x`, `Feature_X`) cannot take
/// each other's files in one output directory: the second compile is refused (E0230) with
/// the values the first was compiled for; after its teardown, the second compiles.
#[test]
fn two_branches_with_one_instance_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.envdef"), PREVIEW).unwrap();
    let first = "branch=feature/x";
    let second = "branch=Feature_X";
    expect_code(&envdef(dir.path(), &["compile", "--param", first]), 0);
    let before = std::fs::read_to_string(dir.path().join("preview-feature-x/.env")).unwrap();
    for check in [false, true] {
        let mut args = vec!["compile", "--param", second];
        if check {
            args.push("--check");
        }
        let r = envdef(dir.path(), &args);
        expect_code(&r, 2);
        assert!(
            r.stderr.contains("error[E0230]")
                && r.stderr
                    .contains("`--param branch=Feature_X` makes `preview-feature-x`")
                && r.stderr
                    .contains("already holds for `--param branch=feature/x`"),
            "{}",
            r.stderr
        );
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("preview-feature-x/.env")).unwrap(),
        before
    );
    // The same branch again is the same preview.
    let again = envdef(dir.path(), &["compile", "--param", first]);
    expect_code(&again, 0);
    assert!(
        again.stdout.contains("0 written, 1 unchanged"),
        "{}",
        again.stdout
    );
    expect_code(
        &envdef(dir.path(), &["compile", "--teardown", "--param", first]),
        0,
    );
    expect_code(&envdef(dir.path(), &["compile", "--param", second]), 0);
}

/// A 100-character branch with non-ASCII letters compiles the fleet's preview: its name is
/// one DNS-1123 label of at most 63 characters ending in a hash, every Kubernetes
/// namespace is one, and everything lands inside `--out`.
#[test]
fn fleet_preview_for_a_long_branch_name() {
    let out = tempfile::tempdir().unwrap();
    let branch = format!("feature/ÜBER_long-name-{}", "x".repeat(77));
    assert_eq!(branch.chars().count(), 100);
    let r = envdef(
        &fleet(),
        &[
            "compile",
            "--env",
            "preview",
            "--param",
            &format!("branch={branch}"),
            "--out",
            out.path().to_str().unwrap(),
            "-f",
            "fleet.envdef",
        ],
    );
    expect_code(&r, 0);
    let k8s: Vec<String> = std::fs::read_dir(out.path().join("k8s"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(k8s.len(), 1, "{k8s:?}");
    let name = &k8s[0];
    assert!(
        name.len() <= 63 && name.starts_with("preview-feature-ber-long-name-x"),
        "{name}"
    );
    assert!(
        name.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
        "{name}"
    );
    let manifest =
        std::fs::read_to_string(out.path().join(format!("k8s/{name}/api.yaml"))).unwrap();
    assert!(
        manifest.contains(&format!("namespace: \"{name}\"")),
        "{manifest}"
    );
    let env = std::fs::read_to_string(out.path().join(format!("api/.env.{name}"))).unwrap();
    let url = env
        .lines()
        .find_map(|l| l.strip_prefix("PUBLIC_URL=https://"))
        .unwrap();
    let host_label = url.split('.').next().unwrap();
    assert!(host_label.len() <= 63, "{url}");
}

/// A derived secret of one line whose text is the same and whose secret is a reference
/// pattern folds with it, its placeholders taken from that secret's line; one whose text
/// holds another host keeps its row.
#[test]
fn diff_folds_a_derived_secret_built_from_a_pattern() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("app.envdef"),
        r#"var DB_HOST: string = "db"
secret DB_PASSWORD from "vault://kv/{env}/db#password"
secret DATABASE_URL
secret CACHE_URL
secret CACHE_PASSWORD from "vault://kv/cache/{env}#password"
abstract env base {
  DATABASE_URL = "postgres://app:${DB_PASSWORD}@db/app"
  CACHE_URL    = "redis://:${CACHE_PASSWORD}@${DB_HOST}:6379"
}
env staging extends base {}
env production extends base { DB_HOST = "prod-db" }
"#,
    )
    .unwrap();
    let r = envdef(
        dir.path(),
        &["diff", "staging", "production", "-f", "app.envdef"],
    );
    expect_code(&r, 0);
    assert!(
        r.stdout.contains(
            "3 secrets differ only by `{env}` in the reference (one line sets both sides): \
             DB_PASSWORD, DATABASE_URL, CACHE_PASSWORD (--all lists them)\n"
        ),
        "{}",
        r.stdout
    );
    assert!(r.stdout.lines().any(|l| l == "CACHE_URL"), "{}", r.stdout);
    assert!(r.stdout.ends_with("5 variables differ\n"), "{}", r.stdout);
}
