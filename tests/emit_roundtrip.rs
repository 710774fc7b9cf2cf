//! Every artifact read back by independent parsers: dotenvy and POSIX `sh` for .env,
//! serde_yaml for compose and Kubernetes, hcl-rs (with template evaluation) for tfvars.
//! A property test throws strings full of quotes, `$`, `${`, `%{`, `#`, backslashes,
//! newlines, tabs, unicode, edge spaces and YAML-looking words at every target: each value
//! either reads back exactly everywhere or is rejected with E0403 (.env only). Plus the
//! secret guarantee: no artifact ever carries a secret's value.

mod emit_support;

use std::collections::BTreeMap;
use std::io::Write;
use std::process::Command;

use emit_support::*;
use envdef::emit::{Artifact, EmitOptions};
use envdef::model::*;
use proptest::prelude::*;

// ── readers ────────────────────────────────────────────────────────────────────────────

fn read_dotenvy(contents: &str) -> BTreeMap<String, String> {
    dotenvy::from_read_iter(contents.as_bytes())
        .map(|item| item.unwrap_or_else(|e| panic!("dotenvy rejects:\n{contents}\n{e}")))
        .collect()
}

/// `set -a; . ./file` in a clean environment, then each variable NUL-terminated.
fn read_sh(contents: &str, keys: &[&str]) -> BTreeMap<String, String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vars.env");
    std::fs::File::create(&file)
        .unwrap()
        .write_all(contents.as_bytes())
        .unwrap();
    let mut script = String::from("set -a; . ./vars.env; ");
    for k in keys {
        script.push_str(&format!("printf '%s\\0' \"${k}\"; "));
    }
    let out = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "sh failed on:\n{contents}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8 from sh");
    keys.iter()
        .zip(stdout.split('\0'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn yaml_docs(contents: &str) -> Vec<serde_yaml::Value> {
    use serde::Deserialize;
    serde_yaml::Deserializer::from_str(contents)
        .map(|doc| {
            serde_yaml::Value::deserialize(doc).unwrap_or_else(|e| panic!("YAML:\n{contents}\n{e}"))
        })
        .collect()
}

/// Compose's own interpolation of `$$` (docker compose does this before using a value).
fn compose_unescape(s: &str) -> String {
    s.replace("$$", "$")
}

fn compose_env(contents: &str, service: &str) -> BTreeMap<String, String> {
    let doc = &yaml_docs(contents)[0];
    let env = &doc["services"][service]["environment"];
    env.as_mapping()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let v = v
                        .as_str()
                        .unwrap_or_else(|| panic!("non-string value {v:?} in\n{contents}"));
                    (k.as_str().unwrap().to_string(), v.to_string())
                })
                .collect()
        })
        .unwrap_or_default()
}

fn configmap_data(contents: &str) -> BTreeMap<String, String> {
    let docs = yaml_docs(contents);
    let cm = docs
        .iter()
        .find(|d| d["kind"] == "ConfigMap")
        .expect("a ConfigMap");
    cm["data"]
        .as_mapping()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let v = v
                        .as_str()
                        .unwrap_or_else(|| panic!("ConfigMap value {v:?} is not a string"));
                    (k.as_str().unwrap().to_string(), v.to_string())
                })
                .collect()
        })
        .unwrap_or_default()
}

fn read_hcl(contents: &str) -> BTreeMap<String, hcl::Value> {
    let value: hcl::Value = hcl::eval::from_str(contents, &hcl::eval::Context::new())
        .unwrap_or_else(|e| panic!("hcl-rs:\n{contents}\n{e}"));
    match value {
        hcl::Value::Object(map) => map.into_iter().collect(),
        other => panic!("not an object: {other:?}"),
    }
}

// ── fixed-model round trips ────────────────────────────────────────────────────────────

#[test]
fn fleet_reads_back_through_every_parser() {
    let model = fleet();
    let artifacts = run_ok(&model);

    let api = artifact(&artifacts, "api/.env.production");
    let expected: BTreeMap<String, String> = [
        ("PORT", "8080"),
        ("API_URL", "https://api.acme.com"),
        ("RATIO", "0.25"),
        ("DEBUG", "false"),
        ("ALLOWED_ORIGINS", "https://a.example,https://b.example"),
        ("MOTTO", "it's a fine day: 100% #1 %{x} yes"),
        ("FEATURE_NEW_CHECKOUT", "false"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(read_dotenvy(&api.contents), expected);
    let keys: Vec<&str> = expected.keys().map(String::as_str).collect();
    assert_eq!(read_sh(&api.contents, &keys), expected);

    let compose = artifact(&artifacts, "compose.production.yaml");
    let env: BTreeMap<String, String> = compose_env(&compose.contents, "api")
        .into_iter()
        .filter(|(k, _)| k != "DB_PASSWORD")
        .map(|(k, v)| (k, compose_unescape(&v)))
        .collect();
    assert_eq!(env, expected);

    let k8s = artifact(&artifacts, "k8s/production/api.yaml");
    assert_eq!(configmap_data(&k8s.contents), expected);

    let tf = read_hcl(&artifact(&artifacts, "infra/production.tfvars").contents);
    assert_eq!(tf["port"], hcl::Value::from(8080));
    assert_eq!(tf["ratio"], hcl::Value::from(0.25));
    assert_eq!(tf["debug"], hcl::Value::Bool(false));
    assert_eq!(tf["request_timeout"], hcl::Value::from("1h30m"));
    assert_eq!(
        tf["motto"],
        hcl::Value::from("it's a fine day: 100% #1 %{x} yes")
    );
    assert_eq!(
        tf["allowed_origins"],
        hcl::Value::Array(vec!["https://a.example".into(), "https://b.example".into()])
    );
    assert!(!tf.contains_key("db_password"));

    // variables.tf parses as HCL (blocks; no evaluation needed).
    let vars_tf = artifact(&artifacts, "infra/variables.tf");
    hcl::parse(&vars_tf.contents).unwrap_or_else(|e| panic!("{e}\n{}", vars_tf.contents));
}

// ── secrets ────────────────────────────────────────────────────────────────────────────

#[test]
fn no_artifact_ever_gives_a_secret_a_value() {
    let mut b = ModelBuilder::new("acme");
    let plain = b.var("PLAIN", TypeKind::String);
    let shared = b.secret("DB_PASSWORD");
    let mut own = ModelBuilder::def("API_TOKEN", VarKind::Secret, ty(TypeKind::String));
    own.owner = Some("api".into());
    own.tfvars_name = "api_token".into();
    let own = b.var_def(own);
    b.service("api", &[plain, shared, own]);
    b.service("worker", &[shared]);
    b.env(
        "production",
        vec![
            (plain, s("x")),
            (shared, secret_ref("vault://kv/{service}/db#password")),
            (own, secret_ref("aws-sm://prod/api-token")),
        ],
    );
    b.emit_all();
    let model = b.build();
    let artifacts = run_ok(&model);
    let secret_keys = ["DB_PASSWORD", "API_TOKEN"];

    for a in &artifacts {
        match a.target.as_str() {
            "dotenv" => {
                for key in secret_keys {
                    assert!(
                        !a.contents
                            .lines()
                            .any(|l| l.starts_with(&format!("{key}="))),
                        "{key}= in {}",
                        a.path.display()
                    );
                }
                let parsed = read_dotenvy(&a.contents);
                for key in secret_keys {
                    assert!(!parsed.contains_key(key));
                }
            }
            "kubernetes" => {
                let docs = yaml_docs(&a.contents);
                for doc in &docs {
                    assert_ne!(
                        doc["kind"],
                        "Secret",
                        "a Secret object in {}",
                        a.path.display()
                    );
                }
                let data = configmap_data(&a.contents);
                for key in secret_keys {
                    assert!(!data.contains_key(key));
                }
                let es = docs
                    .iter()
                    .find(|d| d["kind"] == "ExternalSecret")
                    .expect("ExternalSecret");
                assert_eq!(es["apiVersion"], "external-secrets.io/v1");
                // Only the references, as provider paths (scheme stripped, `#` → property).
                let refs: Vec<(&str, Option<&str>)> = es["spec"]["data"]
                    .as_sequence()
                    .unwrap()
                    .iter()
                    .map(|item| {
                        (
                            item["remoteRef"]["key"].as_str().unwrap(),
                            item["remoteRef"]["property"].as_str(),
                        )
                    })
                    .collect();
                for r in &refs {
                    assert!(
                        [
                            ("kv/api/db", Some("password")),
                            ("kv/worker/db", Some("password")),
                            ("prod/api-token", None),
                        ]
                        .contains(r),
                        "{r:?} in {}",
                        a.path.display()
                    );
                }
            }
            "tfvars" => {
                let tf = read_hcl(&a.contents);
                assert!(!tf.contains_key("db_password") && !tf.contains_key("api_token"));
                assert!(!a.contents.contains("db_password") && !a.contents.contains("api_token"));
            }
            "variables_tf" => {
                // Declared, sensitive, and never given a default.
                for name in ["db_password", "api_token"] {
                    let start = a.contents.find(&format!("variable \"{name}\"")).unwrap();
                    let block =
                        &a.contents[start..start + a.contents[start..].find("\n}\n").unwrap()];
                    assert!(block.contains("sensitive = true"), "{block}");
                    assert!(!block.contains("default"), "{block}");
                }
            }
            "compose" => {
                for (service, keys) in [("api", &secret_keys[..]), ("worker", &secret_keys[..1])] {
                    let env = compose_env(&a.contents, service);
                    for key in keys {
                        assert_eq!(env[*key], format!("${{{key}:?{key} must be set}}"));
                    }
                }
            }
            other => panic!("unexpected target {other}"),
        }
    }
    // The shared secret's `{service}` expands per service in the ExternalSecret.
    let worker = artifact(&artifacts, "k8s/production/worker.yaml");
    assert!(
        worker.contents.contains("key: \"kv/worker/db\""),
        "{}",
        worker.contents
    );
}

// ── the property test ──────────────────────────────────────────────────────────────────

const PIECES: &[&str] = &[
    "a", "Z", "0", "7", " ", "  ", "\t", "\n", "'", "\"", "`", "$", "${", "$(", "$$", "%{", "%",
    "{", "}", "#", " #", "\\", "\\\\", "\\n", "=", ":", "-", ",", "é", "ß", "日本", "😀", "\u{a0}",
    "\u{2028}", "\u{85}", "\u{1}", "\u{7f}", "\u{feff}", "\r", "yes", "on", "NO", "null", "~",
    "true", "0123", "1e3", ".inf", "0x1F", "- ", "? ", "&a", "*a", "!tag", "|", ">", "[", "]", "@",
];

fn nasty_string() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..8).prop_map(|parts| parts.concat())
}

/// One variable with `value`, every target; returns the artifacts (or diagnostics' codes).
fn emit_one(value: &str, targets: &[&str]) -> Result<Vec<Artifact>, Vec<&'static str>> {
    let mut b = ModelBuilder::new("acme");
    let v = b.var("VALUE", TypeKind::String);
    let marker = b.var("AFTER", TypeKind::String);
    b.service("api", &[v, marker]);
    b.env("prod", vec![(v, s(value)), (marker, s("after"))]);
    b.emit_all();
    let model = b.build();
    let options = EmitOptions {
        targets: targets.iter().map(|t| t.to_string()).collect(),
        ..EmitOptions::default()
    };
    let (artifacts, diagnostics) = run_with(&model, &options);
    if diagnostics.is_empty() {
        Ok(artifacts)
    } else {
        Err(codes(&diagnostics))
    }
}

/// python-dotenv's `\$\{[^}:]*(:-[^}]*)?\}`, written independently of the emitter.
fn python_dotenv_expands(v: &str) -> bool {
    let chars: Vec<char> = v.chars().collect();
    (0..chars.len()).any(|i| {
        if chars.get(i..i + 2) != Some(&['$', '{']) {
            return false;
        }
        let mut j = i + 2;
        while j < chars.len() && chars[j] != '}' && chars[j] != ':' {
            j += 1;
        }
        match chars.get(j) {
            Some('}') => true,
            Some(':') => chars.get(j + 1) == Some(&'-') && chars[j + 2..].contains(&'}'),
            _ => false,
        }
    })
}

/// Mirrors docs/targets.md: the values .env cannot carry portably.
fn dotenv_must_reject(v: &str) -> bool {
    let has_single = v.contains('\'');
    v.contains('\0')
        || v.contains('\r')
        || python_dotenv_expands(v)
        || (!has_single && (v.contains("\\\\") || v.ends_with('\\')))
        || (has_single && v.contains(['"', '\\', '$', '`']))
}

fn check_value(value: &str) -> Result<(), TestCaseError> {
    // .env: read back exactly by dotenvy and sh, or rejected with E0403 for a documented reason.
    match emit_one(value, &["dotenv"]) {
        Ok(artifacts) => {
            prop_assert!(
                !dotenv_must_reject(value),
                "accepted a value the rules reject: {value:?}"
            );
            let env = &artifacts[0].contents;
            let parsed = read_dotenvy(env);
            prop_assert_eq!(
                parsed.get("VALUE").map(String::as_str),
                Some(value),
                "dotenvy:\n{}",
                env
            );
            prop_assert_eq!(
                parsed.get("AFTER").map(String::as_str),
                Some("after"),
                "dotenvy:\n{}",
                env
            );
            let sh = read_sh(env, &["VALUE", "AFTER"]);
            prop_assert_eq!(sh["VALUE"].as_str(), value, "sh:\n{}", env);
            prop_assert_eq!(sh["AFTER"].as_str(), "after");
        }
        Err(codes) => {
            prop_assert_eq!(codes, vec!["E0403"]);
            prop_assert!(
                dotenv_must_reject(value),
                "rejected a portable value: {value:?}"
            );
        }
    }
    // YAML and HCL can carry every string.
    let artifacts = emit_one(value, &["compose", "kubernetes", "tfvars"])
        .map_err(|c| TestCaseError::fail(format!("{c:?}")))?;
    let compose = artifacts.iter().find(|a| a.target == "compose").unwrap();
    prop_assert_eq!(
        compose_unescape(&compose_env(&compose.contents, "api")["VALUE"]),
        value
    );
    let k8s = artifacts.iter().find(|a| a.target == "kubernetes").unwrap();
    let data = configmap_data(&k8s.contents);
    prop_assert_eq!(data["VALUE"].as_str(), value);
    let tf = artifacts.iter().find(|a| a.target == "tfvars").unwrap();
    prop_assert_eq!(
        &read_hcl(&tf.contents)["value"],
        &hcl::Value::from(value),
        "{}",
        tf.contents
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_value_round_trips_or_is_rejected(value in nasty_string()) {
        check_value(&value)?;
    }
}

#[test]
fn hand_picked_values() {
    for v in emit_support::HOSTILE_VALUES {
        check_value(v).unwrap_or_else(|e| panic!("{v:?}: {e}"));
    }
}

// ── typed values ───────────────────────────────────────────────────────────────────────

#[test]
fn typed_values_in_text_and_hcl() {
    let mut b = ModelBuilder::new("acme");
    let mut ms = ModelBuilder::def("TIMEOUT_MS", VarKind::Var, ty(TypeKind::Duration));
    ms.format.duration_unit = Some(DurationUnit::Ms);
    let ms = b.var_def(ms);
    let mut secs = ModelBuilder::def("TIMEOUT_S", VarKind::Var, ty(TypeKind::Duration));
    secs.format.duration_unit = Some(DurationUnit::S);
    let secs = b.var_def(secs);
    let mut semi = ModelBuilder::def(
        "HOSTS",
        VarKind::Var,
        ty(TypeKind::List {
            element: Box::new(ty(TypeKind::String)),
        }),
    );
    semi.format.separator = ";".into();
    let semi = b.var_def(semi);
    let mut json = ModelBuilder::def(
        "PORTS",
        VarKind::Var,
        ty(TypeKind::List {
            element: Box::new(ty(TypeKind::Int)),
        }),
    );
    json.format.list_json = true;
    let json = b.var_def(json);
    let big = b.var("BIG", TypeKind::Float);
    let neg = b.var("NEG", TypeKind::Int);
    b.service("api", &[ms, secs, semi, json, big, neg]);
    b.env(
        "prod",
        vec![
            (ms, Value::Duration(1_500)),
            (secs, Value::Duration(1_500)),
            (semi, Value::List(vec![s("a,b"), s("c")])),
            (json, Value::List(vec![Value::Int(80), Value::Int(443)])),
            (big, Value::Float(1e3)),
            (neg, Value::Int(-1)),
        ],
    );
    b.emit_all();
    let artifacts = run_ok(&b.build());
    let env = read_dotenvy(&artifact(&artifacts, "api/.env.prod").contents);
    assert_eq!(env["TIMEOUT_MS"], "1500");
    assert_eq!(env["TIMEOUT_S"], "1.5");
    assert_eq!(env["HOSTS"], "a,b;c");
    assert_eq!(env["PORTS"], "[80,443]");
    assert_eq!(env["BIG"], "1000");
    assert_eq!(env["NEG"], "-1");
    let tf = read_hcl(&artifact(&artifacts, "infra/prod.tfvars").contents);
    assert_eq!(tf["timeout_ms"], hcl::Value::from(1500));
    assert_eq!(tf["timeout_s"], hcl::Value::from(1.5));
    assert_eq!(
        tf["hosts"],
        hcl::Value::Array(vec!["a,b".into(), "c".into()])
    );
    assert_eq!(tf["ports"], hcl::Value::Array(vec![80.into(), 443.into()]));
    assert_eq!(tf["big"], hcl::Value::from(1000));
}
