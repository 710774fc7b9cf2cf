//! The developer loop end to end with the real components: `envdef run` against a real
//! OpenBao dev server (Vault KV v2 API) and real sops with an age key; `verify`; `switch`
//! and `status`. See `devloop_support` for how the components are started.

mod devloop_support;
#[path = "cli/support.rs"]
mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use devloop_support::{assert_no_secret, snapshot, Bao, Sops};

// Distinctive secret values: any of them in an output or a file is a leak.
const VAULT_PASSWORD: &str = "vault-pw $HOME \"q\" 7d1e";
const VAULT_USER: &str = "app-user-5b2c";
const SOPS_STRIPE: &str = "sk_test_sops_93c1";
const ENV_TOKEN: &str = "env-token-41aa";
const FILE_KEY: &str = "-----BEGIN KEY-----\nfile-key-0f3e\n-----END KEY-----";
const SECRETS: &[&str] = &["7d1e", VAULT_USER, SOPS_STRIPE, ENV_TOKEN, "file-key-0f3e"];

const SOURCE: &str = r#"project shop

type Port = int in 1..=65535

var API_URL: url                  "Public API"
var PORT: Port = 8080
var TIMEOUT: duration = 1m30s
var HOSTS: list<string> = ["a.shop.test", "b.shop.test"]
var SENTRY_DSN: url?
flag new_checkout = false
secret DB_PASSWORD from "vault://secret/shop/{env}/db#password"
secret DB_USER from "vault://secret/shop/{env}/db#user"
secret STRIPE_KEY from "sops://secrets.yaml#stripe.key"
secret API_TOKEN from "env://APP_API_TOKEN"
secret TLS_KEY from "file://tls.key"
secret DATABASE_URL "derived: composed at run time from two Vault keys"

env staging {
  API_URL = "https://api.staging.shop.test"
  new_checkout = true
  DATABASE_URL = "postgres://${DB_USER}:${DB_PASSWORD}@db.${env}.shop.test:5432/shop?x=$$1"
}
env vault_key_missing extends staging {
  DB_PASSWORD from "vault://secret/shop/staging/db#passwd"
  DB_USER from "vault://secret/shop/staging/db#user"
}
env sops_key_missing extends staging {
  DB_PASSWORD from "vault://secret/shop/staging/db#password"
  DB_USER from "vault://secret/shop/staging/db#user"
  STRIPE_KEY from "sops://secrets.yaml#stripe.secret"
}

assert PORT != 22 "SSH port"
"#;

/// A project directory: the source, a sops file, a key file, and the age identity outside
/// it (so that a scan of the directory sees only what envdef could have written).
struct Project {
    dir: tempfile::TempDir,
    keys: tempfile::TempDir,
    sops: Sops,
}

impl Project {
    fn new(bao: &Bao) -> Option<Project> {
        let dir = tempfile::tempdir().unwrap();
        let keys = tempfile::tempdir().unwrap();
        let sops = Sops::new(keys.path())?;
        std::fs::write(dir.path().join("shop.envdef"), SOURCE).unwrap();
        std::fs::write(dir.path().join("tls.key"), format!("{FILE_KEY}\n")).unwrap();
        sops.encrypt_yaml(
            &format!("stripe:\n  key: {SOPS_STRIPE}\nother: x\n"),
            &dir.path().join("secrets.yaml"),
        );
        bao.put(
            "secret",
            "shop/staging/db",
            &[("password", VAULT_PASSWORD), ("user", VAULT_USER)],
        );
        Some(Project { dir, keys, sops })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The whole environment envdef runs with (nothing inherited from the test process).
    fn base_env(&self, bao: &Bao) -> BTreeMap<String, String> {
        let mut env = BTreeMap::new();
        env.insert("PATH".into(), std::env::var("PATH").unwrap_or_default());
        env.insert("VAULT_ADDR".into(), bao.addr.clone());
        env.insert("VAULT_TOKEN".into(), bao.token.clone());
        env.insert(
            "SOPS_AGE_KEY_FILE".into(),
            self.sops.key_file.display().to_string(),
        );
        env.insert("ENVDEF_SOPS".into(), self.sops.bin.display().to_string());
        env.insert("APP_API_TOKEN".into(), ENV_TOKEN.into());
        env.insert("NO_COLOR".into(), "1".into());
        env.insert("COLUMNS".into(), "300".into());
        let _ = &self.keys;
        env
    }

    fn envdef(&self, env: &BTreeMap<String, String>, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_envdef"))
            .args(args)
            .current_dir(self.path())
            .env_clear()
            .envs(env)
            .output()
            .expect("envdef runs")
    }
}

/// `env -0` output → a map.
fn parse_env0(stdout: &[u8]) -> BTreeMap<String, String> {
    String::from_utf8(stdout.to_vec())
        .unwrap()
        .split('\0')
        .filter(|s| !s.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap();
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn run_gives_the_command_exactly_the_environment_and_writes_nothing() {
    let Some(bao) = Bao::start() else { return };
    let Some(project) = Project::new(&bao) else {
        return;
    };
    let base = project.base_env(&bao);
    let before = snapshot(project.path());
    for verbosity in [&[][..], &["-v"][..]] {
        let mut args = verbosity.to_vec();
        args.extend(["run", "staging", "--", "env", "-0"]);
        let out = project.envdef(&base, &args);
        assert_eq!(code(&out), 0, "{}", text(&out.stderr));
        // Nothing of envdef's own, not even with -v: the command's output is the output.
        assert_eq!(text(&out.stderr), "");
        let mut expected = base.clone();
        for (k, v) in [
            ("API_URL", "https://api.staging.shop.test"),
            ("PORT", "8080"),
            ("TIMEOUT", "1m30s"),
            ("HOSTS", "a.shop.test,b.shop.test"),
            ("FEATURE_NEW_CHECKOUT", "true"),
            ("DB_PASSWORD", VAULT_PASSWORD),
            ("DB_USER", VAULT_USER),
            ("STRIPE_KEY", SOPS_STRIPE),
            ("API_TOKEN", ENV_TOKEN),
            ("TLS_KEY", FILE_KEY),
        ] {
            expected.insert(k.to_string(), v.to_string());
        }
        // The derived secret: each part fetched from the real OpenBao, then joined.
        expected.insert(
            "DATABASE_URL".into(),
            format!("postgres://{VAULT_USER}:{VAULT_PASSWORD}@db.staging.shop.test:5432/shop?x=$1"),
        );
        assert_eq!(parse_env0(&out.stdout), expected);
    }
    assert!(
        snapshot(project.path()) == before,
        "envdef run wrote, changed or deleted a file"
    );
}

#[test]
fn run_passes_the_exit_status_through() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("app.envdef"),
        "var GREETING: string = \"hi\"\nenv local {}\n",
    )
    .unwrap();
    let envdef = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_envdef"))
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let out = envdef(&[
        "run",
        "local",
        "--",
        "sh",
        "-c",
        "test \"$GREETING\" = hi && exit 42",
    ]);
    assert_eq!(code(&out), 42, "{}", text(&out.stderr));
    let out = envdef(&["run", "local", "--", "true"]);
    assert_eq!(code(&out), 0);
    let out = envdef(&["run", "local", "--", "no-such-command-envdef"]);
    assert_eq!(code(&out), 127);
    assert!(
        text(&out.stderr).contains("command not found"),
        "{}",
        text(&out.stderr)
    );
}

#[cfg(unix)]
#[test]
fn run_delivers_signals_to_the_command() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("app.envdef"),
        "var A: int = 1\nenv local {}\n",
    )
    .unwrap();
    // The command reports that it got SIGTERM: a handler that only a delivered signal runs.
    let mut child = Command::new(env!("CARGO_BIN_EXE_envdef"))
        .args([
            "run",
            "local",
            "--",
            "sh",
            "-c",
            "trap 'echo got-term; exit 143' TERM; echo ready; while :; do sleep 0.05; done",
        ])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 6];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    assert_eq!(&first, b"ready\n");
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    assert_eq!(rest, "got-term\n");
    assert_eq!(status.code(), Some(143), "{status:?}");
    assert_eq!(status.signal(), None);
}

/// A run that must stop before the command starts: exit 2, E0601 naming the variable and
/// the reference, the marker file never created, no secret value anywhere.
fn assert_stopped(
    project: &Project,
    env: &BTreeMap<String, String>,
    envname: &str,
    wanted: &[&str],
) {
    let before = snapshot(project.path());
    let out = project.envdef(env, &["run", envname, "--", "touch", "started"]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 2, "{stderr}");
    assert!(!project.path().join("started").exists(), "the command ran");
    assert!(stderr.contains("error[E0601]"), "{stderr}");
    for w in wanted {
        assert!(stderr.contains(w), "stderr lacks `{w}`:\n{stderr}");
    }
    assert!(
        stderr.ends_with("the command was not started\n"),
        "{stderr}"
    );
    assert_no_secret("stderr", &out.stderr, SECRETS);
    assert_no_secret("stdout", &out.stdout, SECRETS);
    assert!(snapshot(project.path()) == before, "a file was written");
    // -v adds no detail that could carry a value.
    let verbose = project.envdef(env, &["-v", "run", envname, "--", "touch", "started"]);
    assert_eq!(code(&verbose), 2);
    assert!(!project.path().join("started").exists(), "the command ran");
    assert_no_secret("stderr with -v", &verbose.stderr, SECRETS);
    assert_no_secret("stdout with -v", &verbose.stdout, SECRETS);
    let json = project.envdef(
        env,
        &["run", envname, "--format", "json", "--", "touch", "started"],
    );
    assert_eq!(code(&json), 2);
    assert!(!project.path().join("started").exists(), "the command ran");
    assert_no_secret("JSON output", &json.stdout, SECRETS);
    for line in text(&json.stdout).lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(value["code"], "E0601", "{line}");
    }
}

#[test]
fn an_unreachable_server_or_a_missing_key_stops_the_run_before_the_command_starts() {
    let Some(bao) = Bao::start() else { return };
    let Some(project) = Project::new(&bao) else {
        return;
    };
    let base = project.base_env(&bao);

    assert_stopped(
        &project,
        &base,
        "vault_key_missing",
        &[
            "cannot resolve secret `DB_PASSWORD`",
            // The derived secret inherits the broken part, and says so by its own name.
            "cannot resolve secret `DATABASE_URL`",
            "the secret `secret/shop/staging/db` has no key `passwd`",
            "vault://secret/shop/staging/db#passwd",
            "its keys: password, user",
        ],
    );
    assert_stopped(
        &project,
        &base,
        "sops_key_missing",
        &[
            "cannot resolve secret `STRIPE_KEY`",
            "has no key `stripe.secret`",
            "sops://secrets.yaml#stripe.secret",
        ],
    );

    let mut no_identity = base.clone();
    no_identity.remove("SOPS_AGE_KEY_FILE");
    no_identity.insert("HOME".into(), project.keys.path().display().to_string());
    assert_stopped(
        &project,
        &no_identity,
        "staging",
        &[
            "`STRIPE_KEY`",
            "sops found no key that decrypts",
            "SOPS_AGE_KEY_FILE",
        ],
    );

    let mut no_env = base.clone();
    no_env.remove("APP_API_TOKEN");
    assert_stopped(
        &project,
        &no_env,
        "staging",
        &[
            "`API_TOKEN`",
            "env: the environment variable `APP_API_TOKEN` is not set",
        ],
    );

    drop(bao);
    // The server is gone: its port refuses connections.
    assert_stopped(
        &project,
        &base,
        "staging",
        &[
            "cannot resolve secret `DB_PASSWORD`",
            "cannot resolve secret `DB_USER`",
            "vault: cannot reach Vault at http://127.0.0.1:",
            "vault://secret/shop/staging/db#password",
        ],
    );
}

#[test]
fn an_unresolvable_secret_is_e0601_golden() {
    let dir = support::project("run.envdef");
    // The variable is not set in the test's environment (a name nobody uses).
    let out = support::envdef(
        dir.path(),
        &["run", "local", "-f", "run.envdef", "--", "touch", "started"],
    );
    support::expect_code(&out, 2);
    assert!(!dir.path().join("started").exists());
    assert_eq!(out.stdout, "");
    support::golden("run_unresolved.stderr", &out.stderr);
}

/// A temp copy of `tests/cli/verify/`.
fn verify_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in ["shop.envdef", "live.env", "ok.env"] {
        std::fs::copy(
            support::fixtures().join("verify").join(name),
            dir.path().join(name),
        )
        .unwrap();
    }
    dir
}

#[test]
fn verify_catches_each_kind_of_problem_in_dotenv_files() {
    let dir = verify_project();
    let out = support::envdef(dir.path(), &["verify", "staging", "--dotenv", "live.env"]);
    support::expect_code(&out, 1);
    support::golden("verify_problems.stderr", &out.stderr);
    for code in ["E0610", "E0611", "E0612", "E0613"] {
        assert!(out.stderr.contains(&format!("error[{code}]")), "{code}");
    }
    // The value of a misspelt secret key is never shown (not even in the file's lines
    // around a label), not with -v, not as JSON.
    assert!(!out.stderr.contains("hunter2") && !out.stdout.contains("hunter2"));
    let json = support::envdef(
        dir.path(),
        &[
            "verify", "staging", "--dotenv", "live.env", "--format", "json",
        ],
    );
    support::expect_code(&json, 1);
    assert!(!json.stdout.contains("hunter2"));
    support::golden("verify_problems.json", &json.stdout);

    let ok = support::envdef(
        dir.path(),
        &["verify", "staging", "--dotenv", "ok.env", "-v"],
    );
    support::expect_code(&ok, 0);
    support::golden("verify_ok.stdout", &ok.stdout);
    assert!(!ok.stdout.contains("\npw") && !ok.stderr.contains("pw\n"));
    // A later file overrides an earlier one, as compose's env_file list does.
    let fixed = support::envdef(
        dir.path(),
        &[
            "verify", "staging", "--dotenv", "live.env", "--dotenv", "ok.env",
        ],
    );
    // Only the two misspelt keys of live.env remain (ok.env has every right key).
    assert_eq!(
        fixed.stderr.matches("error[E0611]").count(),
        2,
        "{}",
        fixed.stderr
    );
    assert_eq!(
        fixed.stderr.matches("error[").count(),
        2,
        "{}",
        fixed.stderr
    );
}

#[test]
fn verify_checks_the_process_environment_by_default() {
    let dir = verify_project();
    let run = |vars: &[(&str, &str)]| {
        Command::new(env!("CARGO_BIN_EXE_envdef"))
            .args(["verify", "staging", "-v"])
            .current_dir(dir.path())
            .env_clear()
            .env("NO_COLOR", "1")
            .env("COLUMNS", "300")
            .envs(vars.iter().copied())
            .output()
            .unwrap()
    };
    let good = [
        ("API_URL", "https://api.staging.shop.test"),
        ("PORT", "8080"),
        ("LOG_LEVEL", "info"),
        ("TIMEOUT", "30s"),
        ("DB_PASSWORD", "process-secret-19fe"),
        ("HOME", "/root"),
        ("HOST", "box"),
    ];
    let out = run(&good);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("DB_PASSWORD                      secret present"));
    assert_no_secret("stdout", &out.stdout, &["process-secret-19fe"]);

    // The secret missing, a port out of range, a misspelt key.
    let out = run(&[
        ("API_URL", "https://api.staging.shop.test"),
        ("PORT", "70000"),
        ("LOG_LEVEL", "info"),
        ("TIMEOUT", "30s"),
        ("DB_PASWORD", "process-secret-19fe"),
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 1, "{stderr}");
    assert!(
        stderr.contains("secret `DB_PASSWORD` is not set"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`PORT` does not fit its type `Port`: `70000` is outside 1..=65535"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`DB_PASWORD` is not declared; the application reads `DB_PASSWORD`"),
        "{stderr}"
    );
    assert_no_secret("stderr", &out.stderr, &["process-secret-19fe"]);
    assert_no_secret("stdout", &out.stdout, &["process-secret-19fe"]);
}

/// A temp project from `tests/cli/switch/`: the source and its `.gitignore`, in a git work
/// tree (the project root), so that git itself says what it would commit.
fn switch_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let fixture = support::fixtures().join("switch");
    std::fs::copy(fixture.join("shop.envdef"), dir.path().join("shop.envdef")).unwrap();
    std::fs::copy(fixture.join("gitignore"), dir.path().join(".gitignore")).unwrap();
    let git = Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir.path())
        .status()
        .expect("git runs");
    assert!(git.success());
    dir
}

/// A `.env` file without its header (the values and the secrets' reference comments).
fn body(text: &str) -> String {
    let header = [
        "# generated by envdef",
        "# Do not edit",
        "# A working file",
        "# `envdef run",
    ];
    text.lines()
        .filter(|l| !header.iter().any(|h| l.starts_with(h)))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn switch_writes_every_services_working_file_and_status_tracks_them() {
    let dir = switch_project();
    let p = dir.path();

    // Nothing switched yet.
    let out = support::envdef(p, &["status"]);
    support::expect_code(&out, 1);
    assert_eq!(
        out.stdout,
        "no environment is active: run `envdef switch ENV` (local, staging)\n"
    );

    let out = support::envdef(p, &["compile"]);
    support::expect_code(&out, 0);
    let out = support::envdef(p, &["switch", "local"]);
    support::expect_code(&out, 0);
    support::golden("switch/switch_local.stdout", &out.stdout);
    assert_eq!(out.stderr, "");

    // One working file per service, holding exactly the values of the committed artifact
    // of that environment; the header says how it was made, and a secret is only its
    // reference (the file says where it comes from).
    for service in ["api", "worker"] {
        let working = support::read(p.join(service).join(".env"));
        let committed = support::read(p.join(service).join(".env.local"));
        assert_eq!(body(&working), body(&committed), "{service}");
        assert!(working.contains("run `envdef switch local`"), "{working}");
        assert!(
            working.contains("Secrets are not written here"),
            "{working}"
        );
    }
    let api = support::read(p.join("api/.env"));
    assert!(api.contains(
        "# DB_PASSWORD: secret, not written here (reference: vault://secret/shop/local/db#password)"
    ));
    assert!(api.contains(
        "# STRIPE_KEY: secret, not written here (reference: sops://secrets.yaml#stripe.key)"
    ));
    assert!(
        api.contains("`envdef run local --service api -- CMD` starts CMD with them resolved"),
        "{api}"
    );
    let worker = support::read(p.join("worker/.env"));
    assert!(worker.contains("# DATABASE_PASSWORD: secret, not written here"));
    assert!(support::read(p.join("compose.override.yaml"))
        .contains("\"DB_PASSWORD\": \"${DB_PASSWORD:?DB_PASSWORD must be set}\""));

    // Working files are not artifacts: `compile --check` does not see them, and neither
    // they nor the state file are in the manifest.
    let check = support::envdef(p, &["compile", "--check"]);
    support::expect_code(&check, 0);
    assert_eq!(check.stderr, "all 4 artifacts are current\n");
    let manifest = support::read(p.join(".envdef-manifest"));
    assert!(!manifest.contains("\"api/.env\"") && !manifest.contains("compose.override"));
    // And git, reading the `.gitignore` lines docs/workflow.md gives, commits none of them.
    let git = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=all"])
        .current_dir(p)
        .output()
        .unwrap();
    let untracked = text(&git.stdout);
    for ignored in [
        ".envdef-active",
        "api/.env\n",
        "worker/.env\n",
        "compose.override",
    ] {
        assert!(!untracked.contains(ignored), "{ignored}: {untracked}");
    }
    assert!(untracked.contains("api/.env.local"), "{untracked}");

    let out = support::envdef(p, &["status"]);
    support::expect_code(&out, 0);
    support::golden("switch/status_local.stdout", &out.stdout);

    // Switching again: staging has no compose override, so that file keeps local's values
    // and envdef says so.
    let out = support::envdef(p, &["switch", "staging"]);
    support::expect_code(&out, 0);
    support::golden("switch/switch_staging.stdout", &out.stdout);
    support::golden("switch/switch_staging.stderr", &out.stderr);
    assert!(support::read(p.join("api/.env")).contains("API_URL=https://api.staging.shop.test"));
    // The compose override docker compose still loads holds local's values: every file is
    // current, but the checkout is not wholly `staging`, so status exits 1 and says why.
    let out = support::envdef(p, &["status"]);
    support::expect_code(&out, 1);
    support::golden("switch/status_mixed.stdout", &out.stdout);
    let json = support::envdef(p, &["status", "--format", "json"]);
    support::expect_code(&json, 1);
    assert!(
        json.stdout.contains(r#"{"kind":"active","env":"staging"}"#),
        "{}",
        json.stdout
    );
    assert!(
        json.stdout.contains(r#"{"kind":"file","path":"compose.override.yaml","env":"local","state":"current","target":"compose","service":null}"#),
        "{}",
        json.stdout
    );
    let again = support::envdef(p, &["switch", "staging", "-v"]);
    support::expect_code(&again, 0);
    assert!(
        again.stdout.contains("unchanged api/.env"),
        "{}",
        again.stdout
    );
    assert!(
        again.stdout.contains("0 written, 2 unchanged"),
        "{}",
        again.stdout
    );

    // The source changes: the file is stale. A hand edit: edited. Deleted: missing.
    let source = support::read(p.join("shop.envdef"));
    std::fs::write(
        p.join("shop.envdef"),
        source.replace(
            "var PORT: int in 1..=65535 = 8080",
            "var PORT: int in 1..=65535 = 9090",
        ),
    )
    .unwrap();
    std::fs::write(
        p.join("worker/.env"),
        support::read(p.join("worker/.env")) + "EXTRA=1\n",
    )
    .unwrap();
    std::fs::remove_file(p.join("compose.override.yaml")).unwrap();
    let out = support::envdef(p, &["status"]);
    support::expect_code(&out, 1);
    support::golden("switch/status_stale.stdout", &out.stdout);
    let json = support::envdef(p, &["status", "--format", "json"]);
    support::expect_code(&json, 1);
    let states: Vec<(String, String, String)> = json
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["kind"] == "file")
        .map(|v| {
            (
                v["path"].as_str().unwrap().to_string(),
                v["env"].as_str().unwrap().to_string(),
                v["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("api/.env".into(), "staging".into(), "stale".into()),
            (
                "compose.override.yaml".into(),
                "local".into(),
                "missing".into()
            ),
            ("worker/.env".into(), "staging".into(), "edited".into()),
        ]
    );

    // The edited file is not replaced (E0622), and nothing at all is written.
    let before = snapshot(p);
    let out = support::envdef(p, &["switch", "staging"]);
    support::expect_code(&out, 1);
    support::golden("switch/switch_edited.stderr", &out.stderr);
    assert!(snapshot(p) == before, "a refused switch wrote something");
    let out = support::envdef(p, &["switch", "staging", "--force"]);
    support::expect_code(&out, 0);
    assert!(!support::read(p.join("worker/.env")).contains("EXTRA=1"));
    assert!(support::read(p.join("api/.env")).contains("PORT=9090"));
    let out = support::envdef(p, &["switch", "local"]);
    support::expect_code(&out, 0);
    let out = support::envdef(p, &["status"]);
    support::expect_code(&out, 0);
    // No temp file, journal or lock left behind.
    let names = support::files(p);
    assert!(
        !names
            .iter()
            .any(|n| n.contains("envdef-tmp") || n.contains("journal")),
        "{names:?}"
    );
}

#[test]
fn switch_does_not_replace_a_hand_written_env_file() {
    let dir = switch_project();
    let p = dir.path();
    std::fs::create_dir(p.join("api")).unwrap();
    std::fs::write(p.join("api/.env"), "DB_PASSWORD=hunter2-b71f\n").unwrap();
    let before = snapshot(p);
    let out = support::envdef(p, &["switch", "local"]);
    support::expect_code(&out, 1);
    support::golden("switch/switch_not_ours.stderr", &out.stderr);
    assert_no_secret("stderr", out.stderr.as_bytes(), &["hunter2-b71f"]);
    assert!(snapshot(p) == before, "a refused switch wrote something");
    // `--service` switches only what it names: the worker's file is written, the api's
    // hand-written one is left alone.
    let out = support::envdef(p, &["switch", "local", "--service", "worker"]);
    support::expect_code(&out, 0);
    assert_eq!(
        out.stdout,
        "wrote worker/.env\nwrote compose.override.yaml\nswitched to local: 2 written, 0 unchanged\n"
    );
    assert_eq!(
        support::read(p.join("api/.env")),
        "DB_PASSWORD=hunter2-b71f\n"
    );
    let out = support::envdef(p, &["switch", "local", "--service", "worker", "--force"]);
    support::expect_code(&out, 0);
}

#[test]
fn switch_needs_working_files_and_refuses_symlinks() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(
        p.join("shop.envdef"),
        "project shop\nvar PORT: int = 8080\nservice api { uses PORT }\nenv local {}\nemit dotenv to \"{service}/.env.{env}\"\n",
    )
    .unwrap();
    let out = support::envdef(p, &["switch", "local"]);
    support::expect_code(&out, 1);
    support::golden("switch/switch_none.stderr", &out.stderr);
    let out = support::envdef(p, &["switch", "locl"]);
    support::expect_code(&out, 2);
    assert!(out.stderr.contains("error[E0501]"), "{}", out.stderr);

    // A working file's directory swapped for a symlink out of the project: refused
    // (E0520), nothing written behind it.
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        p.join("shop.envdef"),
        "project shop\nvar PORT: int = 8080\nservice api { uses PORT }\nenv local {}\nemit dotenv to \"{service}/.env\" { working = true }\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), p.join("api")).unwrap();
    let out = support::envdef(p, &["switch", "local"]);
    support::expect_code(&out, 2);
    assert!(out.stderr.contains("E0520"), "{}", out.stderr);
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
    // The state file is envdef's: no emit may write over it.
    std::fs::remove_file(p.join("api")).unwrap();
    std::fs::write(
        p.join("shop.envdef"),
        "project shop\nvar PORT: int = 8080\nenv local {}\nemit dotenv to \".envdef-active\" { working = true }\n",
    )
    .unwrap();
    let out = support::envdef(p, &["switch", "local"]);
    support::expect_code(&out, 2);
    assert!(out.stderr.contains("E0521"), "{}", out.stderr);
}

/// `uses NAME as KEY`: `run` sets the service's key, not the variable's own name, and
/// `verify` looks for it under that key.
#[test]
fn run_and_verify_use_the_services_aliases() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(
        p.join("shop.envdef"),
        r#"project shop
var PORT: int in 1..=65535 = 8080
secret TOKEN from "env://ENVDEF_ALIAS_TEST_TOKEN"
service api { uses PORT as HTTP_PORT, TOKEN as API_KEY }
service worker { uses PORT, TOKEN }
service both { uses PORT, PORT as HTTP_PORT, TOKEN as API_KEY, TOKEN as METRICS_KEY }
env local {}
"#,
    )
    .unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_envdef"))
            .args(args)
            .current_dir(p)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("NO_COLOR", "1")
            .env("ENVDEF_ALIAS_TEST_TOKEN", "alias-token-6d02")
            .output()
            .unwrap()
    };
    let out = run(&["run", "local", "--service", "api", "--", "env", "-0"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let seen = parse_env0(&out.stdout);
    assert_eq!(seen.get("HTTP_PORT").map(String::as_str), Some("8080"));
    assert_eq!(
        seen.get("API_KEY").map(String::as_str),
        Some("alias-token-6d02")
    );
    assert!(
        !seen.contains_key("PORT") && !seen.contains_key("TOKEN"),
        "{seen:?}"
    );
    // The other service reads the same variables under their own names.
    let out = run(&["run", "local", "--service", "worker", "--", "env", "-0"]);
    let seen = parse_env0(&out.stdout);
    assert_eq!(seen.get("PORT").map(String::as_str), Some("8080"));
    assert_eq!(
        seen.get("TOKEN").map(String::as_str),
        Some("alias-token-6d02")
    );

    std::fs::write(p.join("ok.env"), "HTTP_PORT=8080\nAPI_KEY=x-7a1c\n").unwrap();
    let out = run(&["verify", "local", "--service", "api", "--dotenv", "ok.env"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    // The variable's own names are not what api reads: its keys are missing.
    std::fs::write(p.join("own.env"), "PORT=8080\nTOKEN=x-7a1c\n").unwrap();
    let out = run(&["verify", "local", "--service", "api", "--dotenv", "own.env"]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 1, "{stderr}");
    assert!(
        stderr.contains("variable `HTTP_PORT` is not set"),
        "{stderr}"
    );
    assert!(stderr.contains("secret `API_KEY` is not set"), "{stderr}");
    assert_no_secret("stderr", &out.stderr, &["x-7a1c", "alias-token-6d02"]);

    // One variable under several keys: `run` sets each, `verify` wants each.
    let out = run(&["run", "local", "--service", "both", "--", "env", "-0"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let seen = parse_env0(&out.stdout);
    for (key, want) in [
        ("PORT", "8080"),
        ("HTTP_PORT", "8080"),
        ("API_KEY", "alias-token-6d02"),
        ("METRICS_KEY", "alias-token-6d02"),
    ] {
        assert_eq!(
            seen.get(key).map(String::as_str),
            Some(want),
            "{key}: {seen:?}"
        );
    }
    assert!(!seen.contains_key("TOKEN"), "{seen:?}");
    let out = run(&["verify", "local", "--service", "both", "--dotenv", "ok.env"]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 1, "{stderr}");
    assert!(stderr.contains("variable `PORT` is not set"), "{stderr}");
    assert!(
        stderr.contains("secret `METRICS_KEY` is not set"),
        "{stderr}"
    );
    assert!(!stderr.contains("`HTTP_PORT` is not set"), "{stderr}");
    assert_no_secret("stderr", &out.stderr, &["x-7a1c", "alias-token-6d02"]);
}

/// Issue 15: a Vault that accepts the connection and never answers (a hung server, a
/// firewall that swallows packets after the handshake) stops the run within the request
/// timeout (`VAULT_CLIENT_TIMEOUT`, as the Vault CLI reads it), naming the variable and the
/// reference, and the command never starts.
#[test]
fn a_vault_that_never_answers_times_out_before_the_command_starts() {
    use std::net::TcpListener;
    use std::time::{Duration, Instant};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    // Accept every connection and hold it open without a byte of answer.
    let connections = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = connections.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            held.push(stream);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("app.envdef"),
        "secret DB_PASSWORD from \"vault://secret/app/{env}/db#password\"\nenv staging {}\n",
    )
    .unwrap();
    let run = |timeout: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_envdef"));
        cmd.args(["run", "staging", "--", "touch", "started"])
            .current_dir(dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("VAULT_ADDR", format!("http://{addr}"))
            .env("VAULT_TOKEN", "hvs.test-token-9f2a")
            .env("NO_COLOR", "1")
            .env("COLUMNS", "300");
        if let Some(t) = timeout {
            cmd.env("VAULT_CLIENT_TIMEOUT", t);
        }
        let started = Instant::now();
        let out = cmd.output().expect("envdef runs");
        (out, started.elapsed())
    };
    let (out, elapsed) = run(Some("2s"));
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 2, "{stderr}");
    assert!(!dir.path().join("started").exists(), "the command ran");
    // Not before the 2 s given, and well before the 20 s default: the setting is honoured.
    // (The upper bound is loose on purpose: a loaded CI machine starts processes slowly.)
    assert!(
        elapsed >= Duration::from_secs(2) && elapsed < Duration::from_secs(19),
        "{elapsed:?}"
    );
    for wanted in [
        "error[E0601]",
        "cannot resolve secret `DB_PASSWORD`",
        "vault://secret/app/staging/db#password",
        &format!("Vault at http://{addr} did not answer within 2s"),
        "VAULT_CLIENT_TIMEOUT",
        "the command was not started",
    ] {
        assert!(
            stderr.contains(wanted),
            "stderr lacks `{wanted}`:\n{stderr}"
        );
    }
    assert!(!stderr.contains("test-token-9f2a"), "{stderr}");
    assert_eq!(text(&out.stdout), "");

    // An unreadable setting is a usage error of its own, before anything is fetched: the
    // server sees no new connection (a timing bound would flake on a loaded machine).
    let before = connections.load(std::sync::atomic::Ordering::SeqCst);
    let (out, _) = run(Some("soon"));
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 2, "{stderr}");
    assert_eq!(
        connections.load(std::sync::atomic::Ordering::SeqCst),
        before,
        "envdef connected to the Vault despite an unreadable VAULT_CLIENT_TIMEOUT"
    );
    assert!(stderr.contains("VAULT_CLIENT_TIMEOUT"), "{stderr}");
    assert!(!dir.path().join("started").exists(), "the command ran");
}

/// `terraform` from `.readers/venv`, as `tests/readers.rs` runs it (no plugin cache, no
/// update check), in `dir`.
fn terraform(dir: &Path) -> Option<Command> {
    let bin = devloop_support::venv_bin("terraform")?;
    let mut cmd = Command::new(bin);
    cmd.current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_IN_AUTOMATION", "1");
    Some(cmd)
}

fn ok(out: Output, what: &str) -> Output {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    out
}

/// Issue 13, item 6: `envdef run ENV --terraform -- terraform apply` feeds the immich
/// example's Terraform every variable as `TF_VAR_…`, the secrets resolved at run time (the
/// production password from a real OpenBao server, staging's from `env://`), and the
/// derived `DB_URL` composed from them. Terraform's own `output` shows it got exactly those
/// values; envdef wrote nothing, and neither its output nor any file but Terraform's state
/// holds a password. A secret that cannot be resolved stops it before terraform starts.
#[test]
fn run_feeds_terraform_the_immich_example_as_tf_var() {
    let Some(bao) = Bao::start() else { return };
    let Some(mut init) = terraform(Path::new(".")) else {
        return;
    };
    const PROD: &str = "pr0d-pw-'q' $x 4be1";
    const STAGING: &str = "st4ging-pw-90c3";
    bao.enable_kv2("kv");
    bao.put("kv", "immich/production/db", &[("password", PROD)]);
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/immich/immich.envdef");
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_envdef"))
        .args(["compile", "-q", "--out"])
        .arg(dir.path())
        .arg(&source)
        .output()
        .unwrap();
    ok(out, "envdef compile");
    let infra = dir.path().join("infra");
    std::fs::write(
        infra.join("main.tf"),
        "output \"db_password\" {\n  value     = var.db_password\n  sensitive = true\n}\n\
         output \"db_url\" {\n  value     = var.db_url\n  sensitive = true\n}\n\
         output \"immich_version\" {\n  value = var.immich_version\n}\n\
         output \"upload_location\" {\n  value = var.upload_location\n}\n",
    )
    .unwrap();
    ok(
        init.current_dir(&infra)
            .args(["init", "-input=false", "-no-color", "-backend=false"])
            .output()
            .unwrap(),
        "terraform init",
    );
    let tf_bin = devloop_support::venv_bin("terraform").unwrap();
    let run = |env: &str, extra: &[(&str, &str)]| {
        let before = snapshot(dir.path());
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_envdef"));
        cmd.args(["run", env, "--terraform", "-f"])
            .arg(&source)
            .arg("--")
            .arg(&tf_bin)
            .args([
                "apply",
                "-input=false",
                "-auto-approve",
                "-no-color",
                &format!("-var-file={env}.tfvars"),
                &format!("-state={env}.tfstate"),
            ])
            .current_dir(&infra)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", dir.path())
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .env("NO_COLOR", "1")
            .env("COLUMNS", "300")
            .envs(extra.iter().copied());
        let out = cmd.output().unwrap();
        // Only Terraform's own state and lock files are new.
        let after = snapshot(dir.path());
        for (path, _) in after.iter().filter(|(p, c)| before.get(*p) != Some(c)) {
            let name = path.to_string_lossy();
            assert!(
                name.ends_with(".tfstate") || name.ends_with(".tfstate.backup"),
                "{name} was written"
            );
        }
        out
    };
    let outputs = |env: &str| -> serde_json::Value {
        let mut cmd = terraform(&infra).unwrap();
        let out = ok(
            cmd.args(["output", "-json", &format!("-state={env}.tfstate")])
                .output()
                .unwrap(),
            "terraform output",
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let vault = [
        ("VAULT_ADDR", bao.addr.as_str()),
        ("VAULT_TOKEN", bao.token.as_str()),
    ];
    for (env, password, extra) in [
        (
            "staging",
            STAGING,
            vec![("IMMICH_STAGING_DB_PASSWORD", STAGING)],
        ),
        ("production", PROD, vault.to_vec()),
    ] {
        let out = ok(run(env, &extra), "envdef run --terraform");
        assert_no_secret("stdout", &out.stdout, &[PROD, STAGING, "4be1"]);
        assert_no_secret("stderr", &out.stderr, &[PROD, STAGING, "4be1"]);
        assert!(
            text(&out.stdout).contains("Apply complete!"),
            "{}",
            text(&out.stdout)
        );
        let got = outputs(env);
        assert_eq!(got["db_password"]["value"], password, "{env}");
        assert_eq!(got["db_password"]["sensitive"], true, "{env}");
        assert_eq!(
            got["db_url"]["value"],
            format!("postgresql://postgres:{password}@database:5432/immich"),
            "{env}"
        );
        assert_eq!(got["immich_version"]["value"], "v1.135.3", "{env}");
        let upload = if env == "production" {
            "/srv/immich/library"
        } else {
            "./library"
        };
        assert_eq!(got["upload_location"]["value"], upload, "{env}");
    }
    // Terraform alone (no tfvars, no envdef) would have stopped on the secrets; with
    // `--terraform` and no `-var-file`, the plain values come from envdef too.
    std::fs::remove_file(infra.join("production.tfstate")).unwrap();
    std::fs::rename(
        infra.join("production.tfvars"),
        dir.path().join("moved.tfvars"),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_envdef"))
        .args(["run", "production", "--terraform", "-f"])
        .arg(&source)
        .arg("--")
        .arg(&tf_bin)
        .args([
            "apply",
            "-input=false",
            "-auto-approve",
            "-no-color",
            "-state=production.tfstate",
        ])
        .current_dir(&infra)
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .env("CHECKPOINT_DISABLE", "1")
        .envs(vault)
        .output()
        .unwrap();
    ok(out, "envdef run --terraform without tfvars");
    let got = outputs("production");
    assert_eq!(got["upload_location"]["value"], "/srv/immich/library");
    assert_eq!(got["db_password"]["value"], PROD);

    // The Vault key is gone: E0601 names the Terraform variable and the reference, and
    // terraform never starts (no state file appears).
    bao.put("kv", "immich/production/db", &[("passwd", PROD)]);
    std::fs::remove_file(infra.join("production.tfstate")).unwrap();
    let out = run("production", &vault);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 2, "{stderr}");
    for wanted in [
        "cannot resolve secret `TF_VAR_db_password` for Terraform in `production`",
        "cannot resolve secret `TF_VAR_db_url` for Terraform in `production`",
        "vault://kv/immich/production/db#password",
        "the command was not started",
    ] {
        assert!(
            stderr.contains(wanted),
            "stderr lacks `{wanted}`:\n{stderr}"
        );
    }
    assert!(!infra.join("production.tfstate").exists(), "terraform ran");
    assert_no_secret("stderr", &out.stderr, &[PROD, "4be1"]);
}

/// `--terraform` writes every kind of plain value in the text Terraform reads back exactly
/// from `TF_VAR_`: a list as HCL (with `${` and quotes in an element), a bool as `true`
/// whatever `bool_format` says, a float, a duration as its text or the number in its unit.
#[test]
fn run_terraform_values_read_back_exactly() {
    let Some(mut init) = terraform(Path::new(".")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("app.envdef"),
        r#"var HOSTS: list<string> = ["a.example", "b \"q\" $${x} %{y} \\ é"]
var PORTS: list<int> = [80, 443]
var PORT: int = 8080
var DEBUG: bool = true { bool_format = "yes/no" }
var TIMEOUT: duration = 1m30s
var TIMEOUT_MS: duration = 2s { unit = "ms" }
var RATIO: float = 0.25
var NAME: string = "é $${x} %{y} \"q\" \\ \n  two"
var UNSET: string?
service app { uses HOSTS, PORTS, PORT, DEBUG, TIMEOUT, TIMEOUT_MS, RATIO, NAME, UNSET }
env prod {}
emit variables_tf to "variables.tf"
"#,
    )
    .unwrap();
    ok(
        Command::new(env!("CARGO_BIN_EXE_envdef"))
            .args(["compile", "-q", "-f", "app.envdef"])
            .current_dir(dir.path())
            .output()
            .unwrap(),
        "envdef compile",
    );
    let mut main = String::new();
    for name in [
        "hosts",
        "ports",
        "port",
        "debug",
        "timeout",
        "timeout_ms",
        "ratio",
        "name",
        "unset",
    ] {
        main.push_str(&format!("output \"{name}\" {{\n  value = var.{name}\n}}\n"));
    }
    std::fs::write(dir.path().join("main.tf"), main).unwrap();
    ok(
        init.current_dir(dir.path())
            .args(["init", "-input=false", "-no-color", "-backend=false"])
            .output()
            .unwrap(),
        "terraform init",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_envdef"))
        .args(["run", "prod", "--terraform", "--"])
        .arg(devloop_support::venv_bin("terraform").unwrap())
        .args(["apply", "-input=false", "-auto-approve", "-no-color"])
        .current_dir(dir.path())
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .unwrap();
    ok(out, "envdef run --terraform");
    let out = ok(
        terraform(dir.path())
            .unwrap()
            .args(["output", "-json"])
            .output()
            .unwrap(),
        "terraform output",
    );
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let value = |k: &str| got[k]["value"].clone();
    assert_eq!(
        value("hosts"),
        serde_json::json!(["a.example", "b \"q\" ${x} %{y} \\ é"])
    );
    assert_eq!(value("ports"), serde_json::json!([80, 443]));
    assert_eq!(value("port"), serde_json::json!(8080));
    assert_eq!(value("debug"), serde_json::json!(true));
    assert_eq!(value("timeout"), serde_json::json!("1m30s"));
    assert_eq!(value("timeout_ms"), serde_json::json!(2000));
    assert_eq!(value("ratio"), serde_json::json!(0.25));
    assert_eq!(
        value("name"),
        serde_json::json!("é ${x} %{y} \"q\" \\ \n  two")
    );
    assert!(
        got.get("unset").is_none() || value("unset").is_null(),
        "{got}"
    );
}

/// Issue 15, hostile inputs: `file://` reads where the user can read (Docker's
/// `/run/secrets/…` is absolute, a sibling directory is `..`), as the command itself could;
/// a value holding a NUL byte, which no environment variable can hold, stops the run before
/// the command starts, naming the variable and reference and never the value, `-v` or not.
#[test]
fn run_reads_files_anywhere_the_user_can_and_refuses_a_nul_byte() {
    let outside = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(dir.path().join("sibling.txt"), "sibling-value-5e2\n").unwrap();
    let absolute = outside.path().join("db_password");
    std::fs::write(&absolute, "abs-value-81f\nsecond line\n").unwrap();
    std::fs::write(project.join("nul.txt"), b"before\0after-nul-secret-77c\n").unwrap();
    std::fs::write(
        project.join("app.envdef"),
        format!(
            "secret SIBLING from \"file://../sibling.txt\"\nsecret ABSOLUTE from \"file://{}\"\nsecret BINARY from \"file://nul.txt\"\nvar PLAIN: string = \"a\\u{{0}}b\"\nservice app {{ uses SIBLING, ABSOLUTE }}\nservice bin {{ uses BINARY }}\nservice plain {{ uses PLAIN }}\nenv e {{}}\n",
            absolute.display()
        ),
    )
    .unwrap();
    let envdef = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_envdef"))
            .args(args)
            .current_dir(&project)
            .env("NO_COLOR", "1")
            .env("COLUMNS", "300")
            .output()
            .unwrap()
    };
    let out = envdef(&["run", "e", "--service", "app", "--", "env", "-0"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let vars = parse_env0(&out.stdout);
    assert_eq!(vars["SIBLING"], "sibling-value-5e2");
    assert_eq!(vars["ABSOLUTE"], "abs-value-81f\nsecond line");

    for verbose in [false, true] {
        let mut args = vec!["run", "e", "--service", "bin", "--", "touch", "started"];
        if verbose {
            args.insert(0, "-v");
        }
        let out = envdef(&args);
        let stderr = text(&out.stderr);
        assert_eq!(code(&out), 2, "{stderr}");
        assert!(!project.join("started").exists(), "the command ran");
        for wanted in [
            "cannot resolve secret `BINARY` for service `bin` in `e`",
            "the value contains a NUL byte, which no environment variable can hold",
            "file://nul.txt",
            "the command was not started",
        ] {
            assert!(
                stderr.contains(wanted),
                "stderr lacks `{wanted}`:\n{stderr}"
            );
        }
        assert_no_secret("stderr", &out.stderr, &["after-nul-secret", "before"]);
        assert_no_secret("stdout", &out.stdout, &["after-nul-secret", "before"]);
    }
    let out = envdef(&["run", "e", "--service", "plain", "--", "touch", "started"]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 2, "{stderr}");
    assert!(!project.join("started").exists(), "the command ran");
    assert!(
        stderr.contains("`PLAIN` for service `plain` in `e` contains a NUL character"),
        "{stderr}"
    );
}

/// Issue 15: `switch` and `status` take `--out DIR` as `compile` does, for a source kept in
/// a subdirectory (`config/shop.envdef`) whose services live at the repository root.
#[test]
fn switch_and_status_take_an_output_root_like_compile() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // A repository: its work tree is the project, so an output root above the source's
    // directory is still inside it.
    assert!(Command::new("git")
        .args(["init", "-q"])
        .current_dir(root)
        .status()
        .unwrap()
        .success());
    std::fs::create_dir(root.join("config")).unwrap();
    std::fs::write(
        root.join("config/shop.envdef"),
        "var LOG_LEVEL: string = \"info\"\nsecret DB_PASSWORD from \"vault://kv/shop/{env}/db#password\"\nservice api { uses LOG_LEVEL, DB_PASSWORD }\nservice worker { uses LOG_LEVEL }\nenv local { LOG_LEVEL = \"debug\" }\nenv staging {}\nemit dotenv to \"{service}/.env\" { working = true }\n",
    )
    .unwrap();
    let out = support::envdef(
        root,
        &["switch", "local", "-f", "config/shop.envdef", "--out", "."],
    );
    support::expect_code(&out, 0);
    assert_eq!(
        out.stdout,
        "wrote api/.env\nwrote worker/.env\nswitched to local: 2 written, 0 unchanged\n"
    );
    let api = support::read(root.join("api/.env"));
    assert!(api.contains("LOG_LEVEL=debug"), "{api}");
    assert!(
        api.contains("# DB_PASSWORD: secret, not written here"),
        "{api}"
    );
    assert!(root.join(".envdef-active").is_file());
    assert!(!root.join("config/api").exists() && !root.join("config/.envdef-active").exists());

    let out = support::envdef(root, &["status", "-f", "config/shop.envdef", "--out", "."]);
    support::expect_code(&out, 0);
    assert_eq!(
        out.stdout,
        "active environment: local\napi/.env     local  current\nworker/.env  local  current\n"
    );
    // Without `--out`, status looks beside the source, where nothing was switched.
    let out = support::envdef(root, &["status", "-f", "config/shop.envdef"]);
    support::expect_code(&out, 1);
    assert!(
        out.stdout.starts_with("no environment is active"),
        "{}",
        out.stdout
    );

    // Relative to the current directory, as for compile.
    let out = support::envdef(&root.join("config"), &["switch", "staging", "--out", ".."]);
    support::expect_code(&out, 0);
    assert!(support::read(root.join("worker/.env")).contains("LOG_LEVEL=info"));
    let out = support::envdef(root, &["status", "-f", "config/shop.envdef", "--out", "."]);
    support::expect_code(&out, 0);
    assert!(
        out.stdout.starts_with("active environment: staging\n"),
        "{}",
        out.stdout
    );
}

/// A preview instance switched to with `--param`: `status` with the same values tracks it;
/// without them it says which `--param` to give (not that the files are no longer produced).
#[test]
fn status_of_a_switched_preview_instance() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(
        p.join("app.envdef"),
        "var PUBLIC_URL: url = \"http://localhost\"\n\
         service api { uses PUBLIC_URL }\n\
         env staging { PUBLIC_URL = \"https://staging.acme.dev\" }\n\
         env preview(branch) extends staging { PUBLIC_URL = \"https://${branch}.preview.acme.dev\" }\n\
         emit dotenv to \"{service}/.env\" { working = true }\n",
    )
    .unwrap();
    let param = "branch=feature/X";
    let out = support::envdef(p, &["switch", "preview", "--param", param]);
    support::expect_code(&out, 0);
    assert!(support::read(p.join("api/.env"))
        .contains("PUBLIC_URL=https://feature-x.preview.acme.dev\n"));
    let out = support::envdef(p, &["status", "--param", param]);
    support::expect_code(&out, 0);
    assert_eq!(
        out.stdout,
        "active environment: preview-feature-x\napi/.env  preview-feature-x  current\n"
    );
    let out = support::envdef(p, &["status"]);
    support::expect_code(&out, 1);
    assert!(
        out.stdout.contains(
            "not produced `preview-feature-x` is an instance of `preview`: run `envdef status --param branch=VALUE`"
        ),
        "{}",
        out.stdout
    );
}
