//! The application targets read by the real tools that consume them, installed by
//! `scripts/install-readers.sh` into `.readers/`: check-jsonschema (the `jsonschema`
//! target), pydantic-settings (`pydantic`), zod under node (`typescript`) and
//! `ansible-inventory --list` (`ansible`).
//!
//! For `examples/fleet`, each service's generated artifacts accept that service's generated
//! `.env` (read by python-dotenv, the reader pydantic-settings uses) for every environment,
//! plus its secrets as `envdef run` would inject them, and reject a value that breaks any
//! one refinement: range, pattern, length, union member, URL, duration.
//!
//! Ansible gets the exact values of every environment from the generated `group_vars/`.
//!
//! Without the readers these tests FAIL and say to run the script, unless
//! `ENVDEF_SKIP_READERS=1` is set.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use envdef::emit::{Artifact, EmitOptions};
use envdef::model::Model;
use readers_support::{python_dotenv, run, run_ok, write_artifacts, Readers};

mod readers_support;

// ── the readers ────────────────────────────────────────────────────────────────────────

fn readers() -> Option<Readers> {
    readers_support::readers(
        &["pydantic-settings", "zod"],
        "the application readers (pydantic-settings, zod, check-jsonschema, ansible-core)",
    )
}

fn compile_file(source: &Path) -> (Model, Vec<Artifact>) {
    let compilation =
        envdef::check_file(&envdef::FsLoader, source, envdef::CheckOptions::default()).unwrap();
    let errors: Vec<String> = compilation
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    let model = compilation
        .model
        .unwrap_or_else(|| panic!("{} does not check: {errors:#?}", source.display()));
    let mut diagnostics = envdef::Diagnostics::new();
    let artifacts = envdef::emit::emit(&model, &EmitOptions::default(), &mut diagnostics);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    (model, artifacts)
}

fn fleet() -> (Model, Vec<Artifact>, tempfile::TempDir) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/fleet/fleet.envdef");
    let (model, artifacts) = compile_file(&source);
    let dir = tempfile::tempdir().unwrap();
    write_artifacts(dir.path(), &artifacts);
    (model, artifacts, dir)
}

/// The value a secret gets in the tests' process environment: hostile on purpose.
fn secret_value(key: &str) -> String {
    format!("s3cr't \"{key}\" $HOME #x ünï 😀 yes 0123")
}

/// Each `.env` of one service, read by python-dotenv, with the service's secrets added:
/// the environment the process sees, per environment name.
fn process_envs(
    r: &Readers,
    model: &Model,
    dir: &Path,
    service: &str,
) -> BTreeMap<String, BTreeMap<String, String>> {
    let svc = &model.services[service];
    let mut out = BTreeMap::new();
    for env in model.concrete_envs() {
        let file = dir.join(format!("{service}/.env.{}", env.name));
        let mut map = python_dotenv(r, &file);
        for (_, var, key) in svc.keys(model) {
            if var.is_secret() {
                map.insert(key.to_string(), secret_value(key));
            }
        }
        out.insert(env.name.clone(), map);
    }
    out
}

/// One value that breaks one refinement (or the type's shape), for a service that has
/// the key: `text` as it would stand in the environment, `typed` as JSON.
struct Broken {
    service: &'static str,
    key: &'static str,
    text: &'static str,
    typed: serde_json::Value,
    breaks: &'static str,
}

fn broken_values() -> Vec<Broken> {
    use serde_json::json;
    let b = |service, key, text, typed, breaks| Broken {
        service,
        key,
        text,
        typed,
        breaks,
    };
    vec![
        b("api", "PORT", "70000", json!(70000), "range"),
        b("api", "PORT", "0", json!(0), "range"),
        b("worker", "CONCURRENCY", "65", json!(65), "range"),
        b("api", "MAX_UPLOAD_MB", "1.5", json!(1.5), "int"),
        // (The fleet's DATABASE_URL became a derived secret in issue 13; its pattern case
        // moved to a second SUPPORT_EMAIL one.)
        b(
            "web",
            "SUPPORT_EMAIL",
            "ops@acme@example",
            json!("ops@acme@example"),
            "pattern",
        ),
        b(
            "worker",
            "QUEUE",
            "Default-Jobs",
            json!("Default-Jobs"),
            "pattern",
        ),
        b("worker", "QUEUE", "ab", json!("ab"), "length"),
        b(
            "web",
            "SUPPORT_EMAIL",
            "support",
            json!("support"),
            "pattern",
        ),
        b(
            "api",
            "LOG_LEVEL",
            "verbose",
            json!("verbose"),
            "union member",
        ),
        b(
            "worker",
            "REGION",
            "eu-west-2",
            json!("eu-west-2"),
            "union member",
        ),
        b(
            "web",
            "PUBLIC_URL",
            "acme.example",
            json!("acme.example"),
            "URL",
        ),
        b(
            "api",
            "REDIS_URL",
            "redis://:6379/0",
            json!("redis://:6379/0"),
            "URL",
        ),
        b(
            "api",
            "ALLOWED_ORIGINS",
            "https://a.example,not a url",
            json!(["https://a.example", "not a url"]),
            "URL",
        ),
        b(
            "worker",
            "JOB_TIMEOUT",
            "5 minutes",
            json!("5 minutes"),
            "duration",
        ),
        b(
            "billing-sync",
            "SYNC_INTERVAL",
            "1.5h",
            json!("1.5h"),
            "duration",
        ),
        b("api", "REQUEST_TIMEOUT", "30s", json!("30s"), "duration"),
        // One millisecond past the longest duration (`100000000d`), in text and in a unit.
        b(
            "billing-sync",
            "SYNC_INTERVAL",
            "100000000d1ms",
            json!("100000000d1ms"),
            "longest duration",
        ),
        b(
            "api",
            "REQUEST_TIMEOUT",
            "8640000000000001",
            json!(8_640_000_000_000_001_u64),
            "longest duration",
        ),
        b("api", "TRACE_SAMPLE_RATIO", "1.5", json!(1.5), "range"),
        b("web", "FEATURE_DARK_MODE", "maybe", json!("maybe"), "bool"),
    ]
}

/// A service's process environment as typed JSON, for the `typed` schema variant: each
/// value converted by the variable's type.
fn typed_instance(
    model: &Model,
    service: &str,
    env: &BTreeMap<String, String>,
) -> serde_json::Value {
    use envdef::model::{DurationUnit, TypeKind};
    use serde_json::json;
    let mut out = serde_json::Map::new();
    let svc = &model.services[service];
    for (_, var, key) in svc.keys(model) {
        let Some(text) = env.get(key) else {
            continue;
        };
        let scalar = |kind: &TypeKind, t: &str| -> serde_json::Value {
            match kind {
                TypeKind::Int => json!(t.parse::<i64>().unwrap()),
                TypeKind::Float => json!(t.parse::<f64>().unwrap()),
                TypeKind::Bool => json!(t == "true"),
                TypeKind::Duration => match var.format.duration_unit {
                    Some(DurationUnit::Ms) => json!(t.parse::<u64>().unwrap()),
                    Some(_) => json!(t.parse::<f64>().unwrap()),
                    None => json!(t),
                },
                _ => json!(t),
            }
        };
        let value = match &var.ty.kind {
            TypeKind::List { element } if text.is_empty() => {
                let _ = element;
                json!([])
            }
            TypeKind::List { element } => serde_json::Value::Array(
                text.split(var.format.separator.as_str())
                    .map(|t| scalar(&element.kind, t))
                    .collect(),
            ),
            kind => scalar(kind, text),
        };
        out.insert(key.to_string(), value);
    }
    serde_json::Value::Object(out)
}

// ── jsonschema ─────────────────────────────────────────────────────────────────────────

/// check-jsonschema on one schema and some instances: (all valid, its report).
fn check_jsonschema(r: &Readers, schema: &Path, instances: &[PathBuf]) -> (bool, String) {
    let mut cmd = Command::new(r.bin("check-jsonschema"));
    cmd.arg("--schemafile").arg(schema).args(instances);
    run(&mut cmd)
}

#[test]
fn fleet_json_schemas_accept_every_environment_and_reject_each_broken_refinement() {
    let Some(r) = readers() else { return };
    let (model, _, dir) = fleet();
    let work = tempfile::tempdir().unwrap();
    for service in model.services.keys() {
        let envs = process_envs(&r, &model, dir.path(), service);
        let text_schema = dir.path().join(format!("schema/{service}.env.schema.json"));
        let typed_schema = dir.path().join(format!("schema/{service}.schema.json"));
        let mut text_files = Vec::new();
        let mut typed_files = Vec::new();
        for (env, map) in &envs {
            let text = work.path().join(format!("{service}.{env}.env.json"));
            std::fs::write(&text, serde_json::to_string(map).unwrap()).unwrap();
            text_files.push(text);
            let typed = work.path().join(format!("{service}.{env}.json"));
            std::fs::write(&typed, typed_instance(&model, service, map).to_string()).unwrap();
            typed_files.push(typed);
        }
        let (ok, report) = check_jsonschema(&r, &text_schema, &text_files);
        assert!(
            ok,
            "{service}: the env schema refuses the generated .env:\n{report}"
        );
        let (ok, report) = check_jsonschema(&r, &typed_schema, &typed_files);
        assert!(
            ok,
            "{service}: the typed schema refuses the typed values:\n{report}"
        );

        // The production environment with one value broken at a time.
        let base = &envs["production-eu-west-1"];
        for broken in broken_values().iter().filter(|b| b.service == service) {
            assert!(
                base.contains_key(broken.key),
                "{service} has {}",
                broken.key
            );
            let mut map = base.clone();
            map.insert(broken.key.to_string(), broken.text.to_string());
            let file = work.path().join("broken.env.json");
            std::fs::write(&file, serde_json::to_string(&map).unwrap()).unwrap();
            let (ok, report) = check_jsonschema(&r, &text_schema, &[file]);
            assert!(
                !ok && report.contains(broken.key),
                "{service}: {}={:?} breaks its {} but the env schema accepts it:\n{report}",
                broken.key,
                broken.text,
                broken.breaks
            );
            let mut typed = typed_instance(&model, service, base);
            typed[broken.key] = broken.typed.clone();
            let file = work.path().join("broken.json");
            std::fs::write(&file, typed.to_string()).unwrap();
            let (ok, report) = check_jsonschema(&r, &typed_schema, &[file]);
            assert!(
                !ok,
                "{service}: {}={} breaks its {} but the typed schema accepts it:\n{report}",
                broken.key, broken.typed, broken.breaks
            );
        }
    }
}

/// Hostile strings (quotes, `$`, `#`, unicode, `yes`, `0123`, newlines) pass the env schema
/// exactly as python-dotenv reads them from the generated `.env`, and the patterns keep
/// their Rust meaning in check-jsonschema's ECMAScript engine.
#[test]
fn hostile_values_pass_the_json_schema_and_patterns_mean_what_rust_means() {
    let Some(r) = readers() else { return };
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("hostile.envdef");
    std::fs::write(&source, HOSTILE_SOURCE).unwrap();
    let (model, artifacts) = compile_file(&source);
    let out = dir.path().join("out");
    write_artifacts(&out, &artifacts);
    let envs = process_envs(&r, &model, &out, "app");
    let map = &envs["prod"];
    for (key, want) in HOSTILE_EXPECTED {
        assert_eq!(map.get(*key).map(String::as_str), Some(*want), "{key}");
    }
    let file = dir.path().join("instance.json");
    std::fs::write(&file, serde_json::to_string(map).unwrap()).unwrap();
    let schema = out.join("schema/app.env.schema.json");
    let (ok, report) = check_jsonschema(&r, &schema, std::slice::from_ref(&file));
    assert!(ok, "{report}");
    // Each pattern refuses what Rust's regex refuses.
    for (key, bad) in HOSTILE_REJECTED {
        let mut broken = map.clone();
        broken.insert(key.to_string(), bad.to_string());
        std::fs::write(&file, serde_json::to_string(&broken).unwrap()).unwrap();
        let (ok, report) = check_jsonschema(&r, &schema, std::slice::from_ref(&file));
        assert!(!ok, "{key}={bad:?} is accepted:\n{report}");
    }
}

/// A source whose values and patterns are hard for every target.
const HOSTILE_SOURCE: &str = r#"
project hostile
var GREETING: string = "say \"hi\" $HOME #x ünï 😀"
var APOSTROPHE: string = "it's fine # really"
var MULTI: string = "line one\nline two # not a comment"
var ANSWER: "yes" | "no" = "yes"
var ZIP: string matching /^[0-9]{4}$/ = "0123"
var DIGITS: string matching /^\d+$/ = "٣٤"
var WORD: string matching /^(?i)straße$/ = "STRAẞE"
var LINE: string matching /(?m)^end$/ = "start\nend"
var DOT: string matching /^a.c$/ = "a😀c"
var PRICE: string = "cost: $$5 and 100%"
service app { uses GREETING as HELLO, APOSTROPHE, MULTI, ANSWER, ZIP, DIGITS, WORD, LINE, DOT, PRICE }
env prod { WORD = "straße" }
emit dotenv to "{service}/.env.{env}"
emit jsonschema to "schema/{service}.env.schema.json"
emit jsonschema to "schema/{service}.schema.json" { variant = "typed" }
emit pydantic to "py/{service}_settings.py"
emit typescript to "ts/{service}.env.ts"
emit ansible to "inventory/group_vars/{env}.yml"
"#;

const HOSTILE_EXPECTED: &[(&str, &str)] = &[
    ("HELLO", "say \"hi\" $HOME #x ünï 😀"),
    ("APOSTROPHE", "it's fine # really"),
    ("MULTI", "line one\nline two # not a comment"),
    ("ANSWER", "yes"),
    ("ZIP", "0123"),
    ("DIGITS", "٣٤"),
    ("WORD", "straße"),
    ("LINE", "start\nend"),
    ("DOT", "a😀c"),
    ("PRICE", "cost: $5 and 100%"),
];

/// Values Rust's regex refuses, which a naive copy of the pattern would accept in another
/// dialect (`$` before a final newline in Python, `.` against a surrogate pair, case
/// folding, `\d`).
const HOSTILE_REJECTED: &[(&str, &str)] = &[
    ("ZIP", "0123\n"),
    ("ZIP", "012"),
    ("DIGITS", "12a"),
    ("WORD", "strasse!"),
    ("LINE", "start\r\nend\r"),
    ("DOT", "a\nc"),
    ("ANSWER", "Yes"),
];

// ── pydantic ───────────────────────────────────────────────────────────────────────────

/// Loads a generated settings class with pydantic-settings: once per `.env` file (the
/// service's secrets in the process environment), then once per broken value (set in the
/// process environment, which pydantic-settings reads before the file). Returns what each
/// load read (values in plain JSON: a secret's text, a `timedelta` as `{"ms": n}`) and, per
/// broken value, the `ValidationError` or null when it was accepted.
const PYDANTIC_LOADER: &str = r#"
import datetime, importlib.util, json, os, sys
from pydantic import SecretStr, ValidationError

spec = importlib.util.spec_from_file_location("settings", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
cls = getattr(module, sys.argv[2])
cases = json.loads(sys.argv[3])

def plain(v):
    if isinstance(v, SecretStr):
        return v.get_secret_value()
    if isinstance(v, datetime.timedelta):
        return {"ms": v // datetime.timedelta(milliseconds=1)}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v

out = {"envs": {}, "broken": []}
for name, path in cases["envs"].items():
    settings = cls(_env_file=path)
    out["envs"][name] = {f.alias: plain(getattr(settings, n)) for n, f in cls.model_fields.items()}
for key, text, path in cases["broken"]:
    os.environ[key] = text
    try:
        cls(_env_file=path)
        out["broken"].append(None)
    except ValidationError as e:
        out["broken"].append(str(e))
    del os.environ[key]
print(json.dumps(out))
"#;

/// What the settings class should read for a value.
fn expected_read(
    key: &str,
    var: &envdef::model::VarDef,
    value: Option<&envdef::model::Value>,
) -> serde_json::Value {
    use envdef::model::{DurationUnit, Value};
    use serde_json::json;
    fn one(v: &Value, unit: Option<DurationUnit>) -> serde_json::Value {
        match v {
            Value::Str(s) => json!(s),
            Value::Int(i) => json!(i),
            Value::Float(f) => json!(f),
            Value::Bool(b) => json!(b),
            Value::Duration(ms) => match unit {
                None => json!({ "ms": ms }),
                Some(DurationUnit::Ms) => json!(ms),
                Some(DurationUnit::S) => json!(*ms as f64 / 1e3),
                Some(DurationUnit::M) => json!(*ms as f64 / 6e4),
                Some(DurationUnit::H) => json!(*ms as f64 / 3.6e6),
            },
            Value::List(items) => items.iter().map(|i| one(i, unit)).collect(),
            Value::Secret { .. } | Value::Derived { .. } => {
                unreachable!("secrets are compared by their injected value")
            }
        }
    }
    match value {
        None => serde_json::Value::Null,
        // A secret is injected into the process environment, also where an `insecure`
        // environment gives it a plain local value (which the injected value overrides).
        Some(_) if var.is_secret() => json!(secret_value(key)),
        Some(v) => one(v, var.format.duration_unit),
    }
}

struct PydanticRun {
    envs: BTreeMap<String, BTreeMap<String, serde_json::Value>>,
    broken: Vec<Option<String>>,
}

fn run_pydantic(
    r: &Readers,
    file: &Path,
    class: &str,
    envs: &BTreeMap<String, PathBuf>,
    broken: &[(String, String, PathBuf)],
    secrets: &[(String, String)],
) -> PydanticRun {
    let cases = serde_json::json!({ "envs": envs, "broken": broken });
    let mut cmd = Command::new(r.bin("python"));
    cmd.arg("-c")
        .arg(PYDANTIC_LOADER)
        .arg(file)
        .arg(class)
        .arg(cases.to_string())
        .env_clear();
    for (k, v) in secrets {
        cmd.env(k, v);
    }
    let out: serde_json::Value = serde_json::from_str(run_ok(&mut cmd).trim()).unwrap();
    PydanticRun {
        envs: serde_json::from_value(out["envs"].clone()).unwrap(),
        broken: serde_json::from_value(out["broken"].clone()).unwrap(),
    }
}

fn secrets_of(model: &Model, service: &str) -> Vec<(String, String)> {
    let svc = &model.services[service];
    svc.keys(model)
        .filter(|(_, var, _)| var.is_secret())
        .map(|(_, _, key)| (key.to_string(), secret_value(key)))
        .collect()
}

fn class_name(service: &str) -> String {
    let mut out = String::new();
    for part in service.split('-') {
        let mut chars = part.chars();
        if let Some(c) = chars.next() {
            out.push(c.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    format!("{out}Settings")
}

#[test]
fn fleet_pydantic_settings_read_every_environment_exactly_and_reject_each_broken_refinement() {
    let Some(r) = readers() else { return };
    let (model, _, dir) = fleet();
    for (service, svc) in &model.services {
        let file = dir.path().join(format!("settings/{service}_settings.py"));
        let envs: BTreeMap<String, PathBuf> = model
            .concrete_envs()
            .map(|e| {
                (
                    e.name.clone(),
                    dir.path().join(format!("{service}/.env.{}", e.name)),
                )
            })
            .collect();
        let all = broken_values();
        let broken_cases: Vec<&Broken> = all.iter().filter(|b| b.service == service).collect();
        let broken: Vec<(String, String, PathBuf)> = broken_cases
            .iter()
            .map(|b| {
                (
                    b.key.to_string(),
                    b.text.to_string(),
                    envs["production-eu-west-1"].clone(),
                )
            })
            .collect();
        let run = run_pydantic(
            &r,
            &file,
            &class_name(service),
            &envs,
            &broken,
            &secrets_of(&model, service),
        );
        for env in model.concrete_envs() {
            let read = &run.envs[&env.name];
            for (id, var, key) in svc.keys(&model) {
                let want = expected_read(key, var, env.value(id).map(|r| &r.value));
                assert_eq!(
                    read.get(key),
                    Some(&want),
                    "{service} in {}: {key} read differently",
                    env.name
                );
            }
        }
        for (case, result) in broken_cases.iter().zip(&run.broken) {
            let error = result.as_deref().unwrap_or_else(|| {
                panic!(
                    "{service}: {}={:?} breaks its {} but pydantic-settings accepts it",
                    case.key, case.text, case.breaks
                )
            });
            assert!(error.contains(case.key), "{service}: {}: {error}", case.key);
        }
    }
}

/// The generated classes are laid out as `ruff format` leaves them.
#[test]
fn fleet_pydantic_settings_are_ruff_formatted() {
    let Some(r) = readers() else { return };
    let (_, _, dir) = fleet();
    run_ok(
        Command::new(r.bin("ruff"))
            .args(["format", "--check", "--diff", "--no-cache"])
            .arg(dir.path().join("settings")),
    );
}

#[test]
fn hostile_values_are_read_exactly_by_pydantic_and_patterns_keep_their_meaning() {
    let Some(r) = readers() else { return };
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("hostile.envdef");
    std::fs::write(&source, HOSTILE_SOURCE).unwrap();
    let (_, artifacts) = compile_file(&source);
    let out = dir.path().join("out");
    write_artifacts(&out, &artifacts);
    let env_file = out.join("app/.env.prod");
    let envs = BTreeMap::from([("prod".to_string(), env_file.clone())]);
    let broken: Vec<(String, String, PathBuf)> = HOSTILE_REJECTED
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string(), env_file.clone()))
        .collect();
    let run = run_pydantic(
        &r,
        &out.join("py/app_settings.py"),
        "AppSettings",
        &envs,
        &broken,
        &[],
    );
    for (key, want) in HOSTILE_EXPECTED {
        assert_eq!(
            run.envs["prod"].get(*key),
            Some(&serde_json::json!(want)),
            "{key}"
        );
    }
    for ((key, bad), result) in HOSTILE_REJECTED.iter().zip(&run.broken) {
        assert!(result.is_some(), "{key}={bad:?} is accepted by pydantic");
    }
}

// ── typescript ─────────────────────────────────────────────────────────────────────────

fn node_modules(r: &Readers) -> PathBuf {
    r.root.join("node/node_modules")
}

/// Loads a generated TypeScript module under node (transpiled by the TypeScript compiler's
/// own `transpileModule`, zod from the readers): once per `.env` file read by Node's
/// dotenv (the service's secrets added), then once per broken value. Prints what each load
/// read and, per broken value, the `ZodError` message or null when it was accepted.
const ZOD_LOADER: &str = r#"
const fs = require("fs");
const path = require("path");
const ts = require("typescript");
const dotenv = require("dotenv");
const [file, loader, casesJson] = process.argv.slice(1);
const js = ts.transpileModule(fs.readFileSync(file, "utf8"), {
  compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
}).outputText;
const out = path.join(path.dirname(file), path.basename(file) + ".cjs");
fs.writeFileSync(out, js);
const mod = require(out);
const cases = JSON.parse(casesJson);
const result = { envs: {}, broken: [] };
for (const [name, envFile] of Object.entries(cases.envs)) {
  const env = { ...dotenv.parse(fs.readFileSync(envFile)), ...cases.secrets };
  result.envs[name] = mod[loader](env);
}
for (const [key, text, envFile] of cases.broken) {
  const env = { ...dotenv.parse(fs.readFileSync(envFile)), ...cases.secrets, [key]: text };
  try {
    mod[loader](env);
    result.broken.push(null);
  } catch (e) {
    result.broken.push(String(e.message));
  }
}
process.stdout.write(JSON.stringify(result));
"#;

/// What the zod schema should read for a value (durations without a unit in ms).
fn expected_zod(
    key: &str,
    var: &envdef::model::VarDef,
    value: Option<&envdef::model::Value>,
) -> serde_json::Value {
    use envdef::model::Value;
    use serde_json::json;
    fn ms(v: serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(m) if m.contains_key("ms") => m["ms"].clone(),
            serde_json::Value::Array(items) => items.into_iter().map(ms).collect(),
            other => other,
        }
    }
    match value {
        Some(Value::Secret { .. }) => json!(secret_value(key)),
        other => ms(expected_read(key, var, other)),
    }
}

/// Numbers compare by value (`1` from JavaScript is envdef's `1.0`).
fn same_json(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match (a, b) {
        (J::Number(x), J::Number(y)) => x.as_f64() == y.as_f64(),
        (J::Array(x), J::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_json(a, b))
        }
        _ => a == b,
    }
}

struct ZodRun {
    envs: BTreeMap<String, serde_json::Map<String, serde_json::Value>>,
    broken: Vec<Option<String>>,
}

fn run_zod(
    r: &Readers,
    file: &Path,
    loader: &str,
    envs: &BTreeMap<String, PathBuf>,
    broken: &[(String, String, PathBuf)],
    secrets: &[(String, String)],
) -> ZodRun {
    let secrets: serde_json::Map<String, serde_json::Value> = secrets
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::json!(v)))
        .collect();
    let cases = serde_json::json!({ "envs": envs, "broken": broken, "secrets": secrets });
    let out = run_ok(
        Command::new("node")
            .arg("-e")
            .arg(ZOD_LOADER)
            .arg(file)
            .arg(loader)
            .arg(cases.to_string())
            .env("NODE_PATH", node_modules(r)),
    );
    let out: serde_json::Value = serde_json::from_str(&out).unwrap();
    ZodRun {
        envs: serde_json::from_value(out["envs"].clone()).unwrap(),
        broken: serde_json::from_value(out["broken"].clone()).unwrap(),
    }
}

/// `tsc --strict --noEmit` over generated files, with zod's types from the readers.
fn tsc_strict(r: &Readers, files: &[PathBuf]) {
    let dir = files[0].parent().unwrap();
    let link = dir.join("node_modules");
    if !link.exists() {
        std::os::unix::fs::symlink(node_modules(r), &link).unwrap();
    }
    run_ok(
        Command::new("node")
            .arg(node_modules(r).join("typescript/bin/tsc"))
            .args([
                "--strict",
                "--noEmit",
                "--target",
                "es2022",
                "--module",
                "nodenext",
                "--moduleResolution",
                "nodenext",
            ])
            .args(files),
    );
}

#[test]
fn fleet_zod_schemas_read_every_environment_exactly_and_reject_each_broken_refinement() {
    let Some(r) = readers() else { return };
    let (model, _, dir) = fleet();
    let mut files = Vec::new();
    for (service, svc) in &model.services {
        let file = dir.path().join(format!("settings/{service}.env.ts"));
        files.push(file.clone());
        let envs: BTreeMap<String, PathBuf> = model
            .concrete_envs()
            .map(|e| {
                (
                    e.name.clone(),
                    dir.path().join(format!("{service}/.env.{}", e.name)),
                )
            })
            .collect();
        let all = broken_values();
        let broken_cases: Vec<&Broken> = all.iter().filter(|b| b.service == service).collect();
        let broken: Vec<(String, String, PathBuf)> = broken_cases
            .iter()
            .map(|b| {
                (
                    b.key.to_string(),
                    b.text.to_string(),
                    envs["production-eu-west-1"].clone(),
                )
            })
            .collect();
        let loader = format!("load{}", class_name(service).replace("Settings", "Env"));
        let run = run_zod(
            &r,
            &file,
            &loader,
            &envs,
            &broken,
            &secrets_of(&model, service),
        );
        for env in model.concrete_envs() {
            let read = &run.envs[&env.name];
            for (id, var, key) in svc.keys(&model) {
                let want = expected_zod(key, var, env.value(id).map(|r| &r.value));
                let got = read.get(key).cloned().unwrap_or(serde_json::Value::Null);
                assert!(
                    same_json(&got, &want),
                    "{service} in {}: {key} read as {got}, not {want}",
                    env.name
                );
            }
        }
        for (case, result) in broken_cases.iter().zip(&run.broken) {
            let error = result.as_deref().unwrap_or_else(|| {
                panic!(
                    "{service}: {}={:?} breaks its {} but zod accepts it",
                    case.key, case.text, case.breaks
                )
            });
            assert!(error.contains(case.key), "{service}: {}: {error}", case.key);
        }
    }
    tsc_strict(&r, &files);
    run_ok(
        Command::new("node")
            .arg(node_modules(&r).join("prettier/bin/prettier.cjs"))
            .arg("--check")
            .args(&files),
    );
}

#[test]
fn hostile_values_are_read_exactly_by_zod_and_patterns_keep_their_meaning() {
    let Some(r) = readers() else { return };
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("hostile.envdef");
    std::fs::write(&source, HOSTILE_SOURCE).unwrap();
    let (_, artifacts) = compile_file(&source);
    let out = dir.path().join("out");
    write_artifacts(&out, &artifacts);
    let env_file = out.join("app/.env.prod");
    let envs = BTreeMap::from([("prod".to_string(), env_file.clone())]);
    let broken: Vec<(String, String, PathBuf)> = HOSTILE_REJECTED
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string(), env_file.clone()))
        .collect();
    let ts = out.join("ts/app.env.ts");
    let run = run_zod(&r, &ts, "loadAppEnv", &envs, &broken, &[]);
    for (key, want) in HOSTILE_EXPECTED {
        assert_eq!(
            run.envs["prod"].get(*key),
            Some(&serde_json::json!(want)),
            "{key}"
        );
    }
    for ((key, bad), result) in HOSTILE_REJECTED.iter().zip(&run.broken) {
        assert!(result.is_some(), "{key}={bad:?} is accepted by zod");
    }
    tsc_strict(&r, &[ts]);
}

// ── ansible ────────────────────────────────────────────────────────────────────────────

/// A value as `ansible-inventory --list` prints it (an `!unsafe` string unwrapped).
fn expected_ansible(
    value: &envdef::model::Value,
    var: &envdef::model::VarDef,
) -> serde_json::Value {
    use envdef::model::{DurationUnit, Value};
    use serde_json::json;
    match value {
        Value::Str(s) => json!(s),
        Value::Int(i) => json!(i),
        Value::Float(f) => json!(f),
        Value::Bool(b) => json!(b),
        Value::Duration(ms) => match var.format.duration_unit {
            None => json!(envdef::model::format_duration(*ms)),
            Some(DurationUnit::Ms) => json!(ms),
            Some(DurationUnit::S) => json!(*ms as f64 / 1e3),
            Some(DurationUnit::M) => json!(*ms as f64 / 6e4),
            Some(DurationUnit::H) => json!(*ms as f64 / 3.6e6),
        },
        Value::List(items) => items.iter().map(|v| expected_ansible(v, var)).collect(),
        Value::Secret { reference } => {
            let (mount_path, key) = reference
                .trim_start_matches("vault://")
                .split_once('#')
                .unwrap();
            let (mount, path) = mount_path.split_once('/').unwrap();
            json!(format!(
                "{{{{ lookup('community.hashi_vault.vault_kv2_get', '{path}', engine_mount_point='{mount}').secret['{key}'] }}}}"
            ))
        }
        // A derived secret: its text and the lookups of its parts in one Jinja expression
        // (the fleet's text parts hold no quote, backslash or control character).
        Value::Derived { parts, .. } => {
            let terms: Vec<String> = parts
                .iter()
                .filter_map(|part| match part {
                    envdef::model::DerivedPart::Text { text } if text.is_empty() => None,
                    envdef::model::DerivedPart::Text { text } => Some(format!("'{text}'")),
                    envdef::model::DerivedPart::Secret { reference, .. } => {
                        let lookup = expected_ansible(
                            &Value::Secret {
                                reference: reference.clone(),
                            },
                            var,
                        );
                        let lookup = lookup.as_str().unwrap();
                        Some(lookup[3..lookup.len() - 3].to_string())
                    }
                })
                .collect();
            json!(format!("{{{{ {} }}}}", terms.join(" ~ ")))
        }
    }
}

fn unwrap_unsafe(v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) if m.len() == 1 && m.contains_key("__ansible_unsafe") => {
            m["__ansible_unsafe"].clone()
        }
        serde_json::Value::Array(items) => items.iter().map(unwrap_unsafe).collect(),
        other => other.clone(),
    }
}

/// `ansible-inventory --list` over an inventory with one group (and host) per environment
/// and the generated `group_vars/`: each host's variables.
fn ansible_hostvars(r: &Readers, inventory: &Path, envs: &[&str]) -> serde_json::Value {
    let mut hosts = String::new();
    for env in envs {
        hosts.push_str(&format!("[{env}]\nhost-{env}\n\n"));
    }
    std::fs::write(inventory.join("hosts.ini"), hosts).unwrap();
    let out = run_ok(
        Command::new(r.bin("ansible-inventory"))
            .arg("-i")
            .arg(inventory.join("hosts.ini"))
            .arg("--list")
            .env("ANSIBLE_LOCAL_TEMP", inventory.join(".tmp"))
            .env("ANSIBLE_HOME", inventory.join(".ansible"))
            .env("ANSIBLE_TRANSFORM_INVALID_GROUP_CHARS", "never")
            .env("ANSIBLE_DEPRECATION_WARNINGS", "false"),
    );
    let start = out.find('{').expect("JSON on stdout");
    // Warnings may follow the JSON on the same stream.
    let json: serde_json::Value = serde_json::Deserializer::from_str(&out[start..])
        .into_iter()
        .next()
        .expect("one JSON document")
        .unwrap();
    json["_meta"]["hostvars"].clone()
}

#[test]
fn fleet_group_vars_give_ansible_exactly_the_values() {
    let Some(r) = readers() else { return };
    let (model, _, dir) = fleet();
    let inventory = dir.path().join("inventory");
    let envs: Vec<&str> = model
        .concrete_envs()
        .map(|e| e.name.as_str())
        .filter(|e| *e != "local")
        .collect();
    let hostvars = ansible_hostvars(&r, &inventory, &envs);
    for env_name in &envs {
        let env = &model.envs[*env_name];
        let vars = &hostvars[format!("host-{env_name}")];
        for (i, var) in model.vars.iter().enumerate() {
            let name = var.tfvars_name.replace('-', "_");
            let got = unwrap_unsafe(&vars[&name]);
            match env.value(envdef::model::VarId(i as u32)) {
                None => assert!(
                    got.is_null(),
                    "{env_name}: {name} should be unset, is {got}"
                ),
                Some(res) => {
                    let want = expected_ansible(&res.value, var);
                    assert!(
                        same_json(&got, &want),
                        "{env_name}: {name} is {got}, not {want}"
                    );
                }
            }
        }
    }
}

#[test]
fn hostile_values_reach_ansible_unchanged_and_untemplated() {
    let Some(r) = readers() else { return };
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("hostile.envdef");
    let mut text = HOSTILE_SOURCE.to_string();
    text.push_str(
        "var TEMPLATE: string = \"{{ lookup('pipe', 'id') }} {% raw %}\"\nvar YAMLISH: list<string> = [\"yes\", \"0123\", \"~\", \"null\", \"- x\", \"a: b\"]\nservice ops { uses TEMPLATE, YAMLISH, HELLO_SOURCE }\n",
    );
    let text = text.replace("HELLO_SOURCE", "GREETING");
    std::fs::write(&source, text).unwrap();
    let (model, artifacts) = compile_file(&source);
    let out = dir.path().join("out");
    write_artifacts(&out, &artifacts);
    let hostvars = ansible_hostvars(&r, &out.join("inventory"), &["prod"]);
    let vars = &hostvars["host-prod"];
    let env = &model.envs["prod"];
    for (i, var) in model.vars.iter().enumerate() {
        let name = var.tfvars_name.replace('-', "_");
        let want = expected_ansible(
            &env.value(envdef::model::VarId(i as u32)).unwrap().value,
            var,
        );
        assert_eq!(unwrap_unsafe(&vars[&name]), want, "{name}");
    }
    assert!(
        vars["template"].get("__ansible_unsafe").is_some(),
        "a Jinja value is marked !unsafe"
    );
}

// ── one text, one verdict: every reader against envdef ────────────────────────────────

/// Every kind of value a reader parses, for the accept/reject matrix below.
const MATRIX_SOURCE: &str = r#"
project matrix
var COUNT: int = 5
var PORT: int in 1..=65535 = 8080
var RATIO: float in 0.0..=1.0 = 0.5
var PRICE: float = 1.5
var ENABLED: bool = true
var YESNO: bool = true { bool_format = "yes/no" }
var ONEZERO: bool = false { bool_format = "1/0" }
var TIMEOUT: duration = 30s
var DELAY: duration = 1500ms { unit = "s" }
var MINUTES: duration = 90s { unit = "m" }
var HOURS: duration = 90m { unit = "h" }
var WAIT: duration = 250ms { unit = "ms" }
var TIMEOUTS: list<duration> = [30s]
var LEVELS: list<int in 1..=10> = [1, 2] { separator = ";" }
var RATIOS: list<float in 0.0..1.0> = [0.5]
var NAMES: list<string len in 1..=3> len in 1..=2 = ["ab"]
var MODES: list<"a" | "b"> = ["a"]
var MODE: "a" | "b" = "a"
var CODE: string len in 1..=4 = "x"
var TAG: string matching /^[a-z]+$/ = "abc"
var TAGS: list<string matching /^[a-z]+$/> = ["abc"]
var WORDS: list<string matching /(?-u:\b)go(?-u:\b)/> = ["go"] { separator = "_" }
var SPANS: list<string matching /a.c/> len in 1..=3 = ["abc"] { separator = ";" }
var BIG: float in 9007199254740992.0..=1e300 = 1e100
service app {
  uses COUNT, PORT, RATIO, PRICE, ENABLED, YESNO, ONEZERO, TIMEOUT, DELAY, MINUTES, HOURS,
       WAIT, TIMEOUTS, LEVELS, RATIOS, NAMES, MODES, MODE, CODE, TAG, TAGS, WORDS, SPANS, BIG
}
env prod {}
emit dotenv to "{service}/.env.{env}"
emit jsonschema to "schema/{service}.env.schema.json"
emit jsonschema to "schema/{service}.schema.json" { variant = "typed" }
emit pydantic to "py/{service}_settings.py"
emit typescript to "ts/{service}.env.ts"
"#;

/// The [`MATRIX`] variables whose rows are also tried, split into a JSON array, against
/// the `typed` JSON Schema: the lists with patterns on their elements, and their separators.
const MATRIX_TYPED_LISTS: &[(&str, char)] = &[("TAGS", ','), ("WORDS", '_'), ("SPANS", ';')];

/// `(key, text, accepted)`: one text in the process environment at a time, the rest as the
/// generated `.env` has it. Each hostile text (quotes, `$`, `#`, Unicode, `yes`, `0123`,
/// newlines) is tried on every kind of value, with the near misses other parsers let
/// through (`+1`, ` 1`, `1_000`, `1e3`, `0x10`, `TRUE`, `.5`, `01`).
const MATRIX: &[(&str, &str, bool)] = &[
    // int: exactly the decimal envdef writes, within 64 bits
    ("COUNT", "5", true),
    ("COUNT", "-7", true),
    ("COUNT", "0", true),
    ("COUNT", "9223372036854775807", true),
    ("COUNT", "-9223372036854775808", true),
    ("COUNT", "9223372036854775808", false),
    ("COUNT", "0123", false),
    ("COUNT", "+1", false),
    ("COUNT", "-0", false),
    ("COUNT", " 1", false),
    ("COUNT", "1 ", false),
    ("COUNT", "1_000", false),
    ("COUNT", "1e3", false),
    ("COUNT", "0x10", false),
    ("COUNT", "1.0", false),
    ("COUNT", "", false),
    ("COUNT", "\"1\"", false),
    ("COUNT", "'1'", false),
    ("COUNT", "$1", false),
    ("COUNT", "#1", false),
    ("COUNT", "١", false),
    ("COUNT", "yes", false),
    ("COUNT", "1\n", false),
    ("PORT", "1", true),
    ("PORT", "65535", true),
    ("PORT", "0", false),
    ("PORT", "65536", false),
    ("PORT", "080", false),
    ("PORT", "+80", false),
    // float: a plain decimal within the range
    ("RATIO", "0", true),
    ("RATIO", "0.5", true),
    ("RATIO", "0.50", true),
    ("RATIO", "1", true),
    ("RATIO", "1.0", true),
    ("RATIO", "-0", true),
    ("RATIO", "1.5", false),
    ("RATIO", "-0.1", false),
    ("RATIO", ".5", false),
    ("RATIO", "1.", false),
    ("RATIO", "00.5", false),
    ("RATIO", "5e-1", false),
    ("RATIO", "+0.5", false),
    ("RATIO", " 0.5", false),
    ("RATIO", "0,5", false),
    ("RATIO", "nan", false),
    ("RATIO", "inf", false),
    ("RATIO", "yes", false),
    // the nearest float is what counts: 1 + 1e-16 reads as 1.0, 1 + 2e-16 does not
    ("RATIO", "1.0000000000000001", true),
    ("RATIO", "1.0000000000000002", false),
    ("RATIO", "-0.0000000000000000000001", false),
    ("RATIO", "0.000000000000000000000000000000000000000000000000000000000000000001", true),
    // at most 17 significant digits (every float has such a text)
    ("RATIO", "0.50000000000000000001", false),
    ("RATIO", "0.12345678901234567", true),
    ("RATIO", "0.123456789012345678", false),
    ("BIG", "9007199254740992", true),
    ("BIG", "9007199254740991", false),
    ("BIG", "9007199254740993", true),
    ("BIG", "1000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", true),
    ("BIG", "1000000000000000100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", true),
    ("BIG", "1000000000000000200000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", false),
    ("PRICE", "-1.5", true),
    ("PRICE", "1000", true),
    ("PRICE", "1e3", false),
    ("PRICE", "1_000.5", false),
    ("PRICE", "0x10", false),
    ("PRICE", "Infinity", false),
    ("PRICE", "0123", false),
    ("PRICE", "-179769313486231570000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", true),
    ("PRICE", "179769313486231590000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", false),
    // bool: exactly its two words
    ("ENABLED", "true", true),
    ("ENABLED", "false", true),
    ("ENABLED", "TRUE", false),
    ("ENABLED", "True", false),
    ("ENABLED", "yes", false),
    ("ENABLED", "1", false),
    ("ENABLED", "on", false),
    ("ENABLED", " true", false),
    ("ENABLED", "true\n", false),
    ("ENABLED", "", false),
    ("YESNO", "yes", true),
    ("YESNO", "no", true),
    ("YESNO", "true", false),
    ("YESNO", "YES", false),
    ("YESNO", "1", false),
    ("ONEZERO", "1", true),
    ("ONEZERO", "0", true),
    ("ONEZERO", "true", false),
    ("ONEZERO", "01", false),
    ("ONEZERO", "yes", false),
    // duration: envdef's canonical text, up to the longest duration (`100000000d`): a
    // pattern can bound a duration only in one spelling (it cannot add `90m` up)
    ("TIMEOUT", "1h30m", true),
    ("TIMEOUT", "90m", false),
    ("TIMEOUT", "0ms", false),
    ("TIMEOUT", "1h0m", false),
    ("TIMEOUT", "01s", false),
    ("TIMEOUT", "24h", false),
    ("TIMEOUT", "1000ms", false),
    ("TIMEOUT", "100000000d", true),
    ("TIMEOUT", "99999999d23h59m59s999ms", true),
    ("TIMEOUT", "100000000d1ms", false),
    ("TIMEOUT", "100000001d", false),
    ("TIMEOUT", "999999999d", false),
    ("TIMEOUT", "9999999999d", false),
    ("TIMEOUT", "0s", true),
    ("TIMEOUT", "250ms", true),
    ("TIMEOUT", "2d1s", true),
    ("TIMEOUT", "30", false),
    ("TIMEOUT", "1.5s", false),
    ("TIMEOUT", "PT30S", false),
    ("TIMEOUT", " 30s", false),
    ("TIMEOUT", "30S", false),
    ("TIMEOUT", "1m1h", false),
    ("TIMEOUT", "1_000s", false),
    ("TIMEOUT", "0", false),
    ("TIMEOUT", "", false),
    ("TIMEOUT", "yes", false),
    // duration in a unit: a decimal number of units that is whole milliseconds
    ("DELAY", "1.5", true),
    ("DELAY", "1.50", true),
    ("DELAY", "0", true),
    ("DELAY", "1.001", true),
    ("DELAY", "1.0005", false),
    ("DELAY", "01", false),
    ("DELAY", "-1", false),
    ("DELAY", "1e3", false),
    ("DELAY", "1_000", false),
    ("DELAY", ".5", false),
    ("DELAY", "1.", false),
    ("DELAY", "inf", false),
    ("DELAY", "8640000000000", true),
    ("DELAY", "8640000000000.000", true),
    ("DELAY", "8639999999999.999", true),
    ("DELAY", "8640000000000.001", false),
    ("DELAY", "8640000000001", false),
    ("MINUTES", "1.5", true),
    ("MINUTES", "1.00005", true),
    ("MINUTES", "1.00001", false),
    ("MINUTES", "144000000000", true),
    ("MINUTES", "143999999999.99995", true),
    ("MINUTES", "144000000000.00005", false),
    ("HOURS", "0.000005", true),
    ("HOURS", "0.0000025", true),
    ("HOURS", "0.0000005", false),
    ("HOURS", "2400000000", true),
    ("HOURS", "2399999999.9999975", true),
    ("HOURS", "2400000000.0000025", false),
    ("WAIT", "250", true),
    ("WAIT", "250.0", true),
    ("WAIT", "250.5", false),
    ("WAIT", "0250", false),
    ("WAIT", "+250", false),
    ("WAIT", "2.5e2", false),
    ("WAIT", "8640000000000000", true),
    ("WAIT", "8640000000000001", false),
    ("WAIT", "9007199254740993", false),
    ("TIMEOUTS", "1s,100000000d", true),
    ("TIMEOUTS", "1s,100000000d1ms", false),
    ("TIMEOUTS", "90m", false),
    // lists: split at the separator, every element by its type
    ("LEVELS", "1;2", true),
    ("LEVELS", "10", true),
    ("LEVELS", "", true),
    ("LEVELS", "1;11", false),
    ("LEVELS", "0;2", false),
    ("LEVELS", "1,2", false),
    ("LEVELS", "1; 2", false),
    ("LEVELS", "01;2", false),
    ("LEVELS", "1;", false),
    ("LEVELS", "yes", false),
    ("RATIOS", "0.5,0.99", true),
    ("RATIOS", "0.5,1.0", false),
    ("RATIOS", "1e-1", false),
    ("RATIOS", "0.99999999999999994", true),
    ("RATIOS", "0.99999999999999995", false),
    ("RATIOS", "0.5,0.123456789012345678", false),
    ("NAMES", "ab", true),
    ("NAMES", "ab,c", true),
    ("NAMES", "ab,abcd", false),
    ("NAMES", "ab,", false),
    ("NAMES", "a,b,c", false),
    ("NAMES", "", false),
    ("MODES", "a,b,a", true),
    ("MODES", "a,c", false),
    ("MODES", "a,yes", false),
    // unions and strings: exact members; length in code points
    ("MODE", "a", true),
    ("MODE", "A", false),
    ("MODE", "a ", false),
    ("MODE", "yes", false),
    ("MODE", "", false),
    ("CODE", "\"a\"", true),
    ("CODE", "'a'", true),
    ("CODE", "$x", true),
    ("CODE", "#x", true),
    ("CODE", "ünï", true),
    ("CODE", "😀😀😀😀", true),
    ("CODE", "a\nb", true),
    ("CODE", "yes", true),
    ("CODE", "0123", true),
    ("CODE", "😀😀😀😀😀", false),
    ("CODE", "$HOME", false),
    ("CODE", "", false),
    ("TAG", "abc", true),
    ("TAG", "abc\n", false),
    ("TAG", "ABC", false),
    ("TAG", "yes", true),
    ("TAG", "0123", false),
    ("TAGS", "abc,def", true),
    ("TAGS", "abc,DEF", false),
    ("TAGS", "abc,de f", false),
    // a pattern on list elements: each element by itself, its anchors at the separators
    ("TAGS", "", true),
    ("TAGS", "abc", true),
    ("TAGS", "abc,", false),
    ("TAGS", ",abc", false),
    ("TAGS", "abc,,def", false),
    ("TAGS", "abc\n,def", false),
    ("TAGS", "ABC,def", false),
    ("WORDS", "go", true),
    ("WORDS", "go_go", true),
    ("WORDS", "a go_go b", true),
    ("WORDS", "go_ago", false),
    ("WORDS", "go_gone", false),
    ("WORDS", "go_", false),
    ("SPANS", "abc", true),
    ("SPANS", "xa-cx;abc", true),
    ("SPANS", "a;c", false),
    ("SPANS", "abc;a\nc", false),
    ("SPANS", "abc;ac", false),
    ("SPANS", "abc;abc;abc;abc", false),
];

#[test]
fn every_reader_accepts_and_refuses_the_same_texts_as_envdef() {
    let Some(r) = readers() else { return };
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("matrix.envdef");
    std::fs::write(&source, MATRIX_SOURCE).unwrap();
    let (model, artifacts) = compile_file(&source);
    let out = dir.path().join("out");
    write_artifacts(&out, &artifacts);
    let svc = &model.services["app"];
    let var_of = |key: &str| {
        let id = svc
            .vars
            .iter()
            .find(|id| svc.key(**id, model.var(**id)) == key)
            .unwrap_or_else(|| panic!("{key} is a variable of the matrix"));
        model.var(*id)
    };
    let mut wrong = Vec::new();

    // envdef's own reader (`envdef verify`): the reference.
    for (key, text, accepted) in MATRIX {
        let var = var_of(key);
        let got = envdef::live::value::parse(text, &var.ty, &var.format);
        if got.is_ok() != *accepted {
            wrong.push(format!("envdef verify: {key}={text:?} -> {got:?}"));
        }
    }

    // pydantic-settings and zod: one value set in the process environment at a time.
    let env_file = out.join("app/.env.prod");
    let envs = BTreeMap::from([("prod".to_string(), env_file.clone())]);
    let cases: Vec<(String, String, PathBuf)> = MATRIX
        .iter()
        .map(|(k, v, _)| (k.to_string(), v.to_string(), env_file.clone()))
        .collect();
    let py = run_pydantic(
        &r,
        &out.join("py/app_settings.py"),
        "AppSettings",
        &envs,
        &cases,
        &[],
    );
    let zod = run_zod(
        &r,
        &out.join("ts/app.env.ts"),
        "loadAppEnv",
        &envs,
        &cases,
        &[],
    );
    for (reader, results) in [("pydantic", &py.broken), ("zod", &zod.broken)] {
        for ((key, text, accepted), error) in MATRIX.iter().zip(results) {
            match error {
                None if !accepted => wrong.push(format!("{reader}: {key}={text:?} accepted")),
                Some(e) if *accepted => {
                    wrong.push(format!("{reader}: {key}={text:?} refused: {e}"))
                }
                Some(e) if !e.contains(key) => wrong.push(format!(
                    "{reader}: {key}={text:?} refused for another key: {e}"
                )),
                _ => {}
            }
        }
    }

    // check-jsonschema: each case one instance file, validated in one run.
    let base = &process_envs(&r, &model, &out, "app")["prod"];
    let mut files = Vec::new();
    for (i, (key, text, _)) in MATRIX.iter().enumerate() {
        let mut map = base.clone();
        map.insert(key.to_string(), text.to_string());
        let file = dir.path().join(format!("case{i}.json"));
        std::fs::write(&file, serde_json::to_string(&map).unwrap()).unwrap();
        files.push(file);
    }
    let (_, report) = run(Command::new(r.bin("check-jsonschema"))
        .args(["-o", "json", "--schemafile"])
        .arg(out.join("schema/app.env.schema.json"))
        .args(&files));
    let report: serde_json::Value = serde_json::from_str(&report)
        .unwrap_or_else(|e| panic!("check-jsonschema -o json: {e}: {report}"));
    for (i, (key, text, accepted)) in MATRIX.iter().enumerate() {
        let file = files[i].to_string_lossy().into_owned();
        let errors: Vec<&serde_json::Value> = report["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["filename"] == file.as_str())
            .collect();
        let refused = !errors.is_empty();
        if refused == *accepted {
            wrong.push(format!("check-jsonschema: {key}={text:?} -> {errors:?}"));
        } else if refused
            && !errors
                .iter()
                .all(|e| e["path"] == format!("$.{key}").as_str())
        {
            wrong.push(format!(
                "check-jsonschema: {key}={text:?} refused elsewhere: {errors:?}"
            ));
        }
    }

    // The typed variant: the same list rows as JSON arrays (the empty text is `[]`).
    let mut typed_rows = Vec::new();
    for (i, (key, text, accepted)) in MATRIX.iter().enumerate() {
        let Some((_, sep)) = MATRIX_TYPED_LISTS.iter().find(|(k, _)| k == key) else {
            continue;
        };
        let elements: Vec<&str> = if text.is_empty() {
            Vec::new()
        } else {
            text.split(*sep).collect()
        };
        let file = dir.path().join(format!("typed{i}.json"));
        std::fs::write(&file, serde_json::json!({ *key: elements }).to_string()).unwrap();
        typed_rows.push((file, key, text, accepted));
    }
    for (file, key, text, accepted) in typed_rows {
        let (ok, report) = check_jsonschema(&r, &out.join("schema/app.schema.json"), &[file]);
        if ok != *accepted {
            wrong.push(format!(
                "check-jsonschema typed: {key}={text:?} -> {report}"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "readers disagree with envdef:\n{}",
        wrong.join("\n")
    );
}

/// The longest duration, `100000000d` (`notation::MAX_DURATION_MS`), in every unit and in
/// a list: envdef writes it and pydantic-settings, zod and check-jsonschema (both variants)
/// read it exactly; one millisecond more is E0107 at `check`, on each literal. (One more in
/// the environment is refused by every reader: the [`MATRIX`] rows.)
#[test]
fn the_longest_duration_is_read_exactly_and_one_millisecond_more_is_refused_at_check() {
    let Some(r) = readers() else { return };
    let source_with = |longest: &str| {
        format!(
            r#"project longest
var TEXT: duration = {longest}
var SECONDS: duration = {longest} {{ unit = "s" }}
var MINUTES: duration = {longest} {{ unit = "m" }}
var HOURS: duration = {longest} {{ unit = "h" }}
var MILLIS: duration = {longest} {{ unit = "ms" }}
var SPANS: list<duration> = [1s, {longest}]
service app {{ uses TEXT, SECONDS, MINUTES, HOURS, MILLIS, SPANS }}
env prod {{}}
emit dotenv to "{{service}}/.env.{{env}}"
emit jsonschema to "schema/{{service}}.env.schema.json"
emit jsonschema to "schema/{{service}}.schema.json" {{ variant = "typed" }}
emit pydantic to "py/{{service}}_settings.py"
emit typescript to "ts/{{service}}.env.ts"
"#
        )
    };
    let dir = tempfile::tempdir().unwrap();

    let over = dir.path().join("over.envdef");
    std::fs::write(&over, source_with("100000000d1ms")).unwrap();
    let compilation =
        envdef::check_file(&envdef::FsLoader, &over, envdef::CheckOptions::default()).unwrap();
    let codes: Vec<String> = compilation
        .diagnostics
        .iter()
        .map(|d| d.code.to_string())
        .collect();
    assert_eq!(codes, vec!["E0107"; 6], "{:#?}", compilation.diagnostics);

    let source = dir.path().join("longest.envdef");
    std::fs::write(&source, source_with("2400000000h")).unwrap();
    let (model, artifacts) = compile_file(&source);
    let out = dir.path().join("out");
    write_artifacts(&out, &artifacts);
    let dotenv = std::fs::read_to_string(out.join("app/.env.prod")).unwrap();
    for line in [
        "TEXT=100000000d",
        "SECONDS=8640000000000",
        "MINUTES=144000000000",
        "HOURS=2400000000",
        "MILLIS=8640000000000000",
        "SPANS=1s,100000000d",
    ] {
        assert!(dotenv.lines().any(|l| l == line), "{line} in:\n{dotenv}");
    }

    let svc = &model.services["app"];
    let env = model.concrete_envs().next().unwrap();
    let envs = BTreeMap::from([("prod".to_string(), out.join("app/.env.prod"))]);
    let py = run_pydantic(
        &r,
        &out.join("py/app_settings.py"),
        "AppSettings",
        &envs,
        &[],
        &[],
    );
    let zod = run_zod(
        &r,
        &out.join("ts/app.env.ts"),
        "loadAppEnv",
        &envs,
        &[],
        &[],
    );
    for id in &svc.vars {
        let var = model.var(*id);
        let key = svc.key(*id, var);
        let value = env.value(*id).map(|r| &r.value);
        assert_eq!(
            py.envs["prod"].get(key),
            Some(&expected_read(key, var, value)),
            "pydantic: {key}"
        );
        let got = zod.envs["prod"].get(key).cloned().unwrap_or_default();
        let want = expected_zod(key, var, value);
        assert!(
            same_json(&got, &want),
            "zod: {key} read as {got}, not {want}"
        );
    }

    let map = &process_envs(&r, &model, &out, "app")["prod"];
    let text = dir.path().join("longest.env.json");
    std::fs::write(&text, serde_json::to_string(map).unwrap()).unwrap();
    let typed = dir.path().join("longest.json");
    std::fs::write(&typed, typed_instance(&model, "app", map).to_string()).unwrap();
    for (schema, instance) in [("app.env.schema.json", &text), ("app.schema.json", &typed)] {
        let (ok, report) = check_jsonschema(
            &r,
            &out.join("schema").join(schema),
            std::slice::from_ref(instance),
        );
        assert!(ok, "{schema} refuses the longest durations:\n{report}");
    }
    // The typed variant's `maximum` in every unit: a whole unit more is refused.
    for (key, over) in [
        ("SECONDS", serde_json::json!(8_640_000_000_001_u64)),
        ("MINUTES", serde_json::json!(144_000_000_001_u64)),
        ("HOURS", serde_json::json!(2_400_000_001_u64)),
        ("MILLIS", serde_json::json!(8_640_000_000_000_001_u64)),
    ] {
        let mut instance = typed_instance(&model, "app", map);
        instance[key] = over.clone();
        std::fs::write(&typed, instance.to_string()).unwrap();
        let (ok, report) = check_jsonschema(
            &r,
            &out.join("schema/app.schema.json"),
            std::slice::from_ref(&typed),
        );
        assert!(
            !ok && report.contains(key),
            "typed {key}={over} accepted:\n{report}"
        );
    }
}

/// An attacker's docs, defaults and names: `"""`, backslashes, `*/`, `</script>`, a newline
/// and quotes in docs and defaults; names that are Python keywords (`CLASS`, `NONE`,
/// `RETURN`), pydantic's own (`MODEL_CONFIG`, `JSON`) and what every JavaScript object
/// inherits (`constructor`, `toString`, `valueOf`). The generated Python and TypeScript
/// stay valid (`tsc --strict`, prettier, ruff) and mean exactly the values, read from the
/// generated `.env` and, unset, as the defaults; an inherited name left unset is unset
/// for zod, not the inherited function. `__proto__` is the one key a JavaScript object
/// cannot hold: E0405 for the typescript target.
#[test]
fn attacker_docs_defaults_and_names_keep_the_generated_code_exact() {
    let Some(r) = readers() else { return };
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("attack.envdef");
    std::fs::write(&source, ATTACK_SOURCE).unwrap();
    let (model, artifacts) = compile_file(&source);
    let out = dir.path().join("out");
    write_artifacts(&out, &artifacts);
    let empty = dir.path().join("empty.env");
    std::fs::write(&empty, "").unwrap();
    let envs = BTreeMap::from([
        ("prod".to_string(), out.join("app/.env.prod")),
        ("unset".to_string(), empty),
    ]);
    let py_file = out.join("py/app_settings.py");
    let ts_file = out.join("ts/app.env.ts");
    let py = run_pydantic(&r, &py_file, "AppSettings", &envs, &[], &[]);
    let zod = run_zod(&r, &ts_file, "loadAppEnv", &envs, &[], &[]);
    // The service `process`: its schema, `processEnv`, is no helper's name.
    let process_ts = out.join("ts/process.env.ts");
    let process = run_zod(&r, &process_ts, "loadProcessEnv", &envs, &[], &[]);
    assert_eq!(
        process.envs["prod"].get("CLASS"),
        zod.envs["prod"].get("CLASS")
    );
    let svc = &model.services["app"];
    let env = model.concrete_envs().next().unwrap();
    for id in &svc.vars {
        let var = model.var(*id);
        let key = svc.key(*id, var);
        for name in ["prod", "unset"] {
            let value = match name {
                "prod" => env.value(*id).map(|r| &r.value),
                _ => var.default.as_ref(),
            };
            let want = expected_read(key, var, value);
            assert_eq!(
                py.envs[name].get(key),
                Some(&want),
                "pydantic {name}: {key}"
            );
            let got = zod.envs[name].get(key).cloned().unwrap_or_default();
            assert!(
                same_json(&got, &want),
                "zod {name}: {key} read as {got}, not {want}"
            );
        }
    }
    assert_eq!(
        zod.envs["prod"].get("constructor"),
        None,
        "an unset inherited name is absent"
    );
    tsc_strict(&r, &[ts_file.clone(), process_ts.clone()]);
    run_ok(
        Command::new("node")
            .arg(node_modules(&r).join("prettier/bin/prettier.cjs"))
            .arg("--check")
            .args([&ts_file, &process_ts]),
    );
    run_ok(
        Command::new(r.bin("ruff"))
            .args(["format", "--check"])
            .arg(&py_file),
    );
    // Imported with warnings as errors: no field is under a name pydantic protects.
    run_ok(
        Command::new(r.bin("python"))
            .args(["-W", "error", "-c"])
            .arg("import importlib.util, sys\nspec = importlib.util.spec_from_file_location('s', sys.argv[1])\nspec.loader.exec_module(importlib.util.module_from_spec(spec))")
            .arg(&py_file),
    );
    let map = &process_envs(&r, &model, &out, "app")["prod"];
    let text = dir.path().join("attack.env.json");
    std::fs::write(&text, serde_json::to_string(map).unwrap()).unwrap();
    let (ok, report) = check_jsonschema(&r, &out.join("schema/app.env.schema.json"), &[text]);
    assert!(ok, "{report}");

    let proto = dir.path().join("proto.envdef");
    std::fs::write(
        &proto,
        "project p\nvar __proto__: string = \"x\"\nservice app { uses __proto__ }\nenv prod {}\nemit typescript to \"ts/{service}.env.ts\"\n",
    )
    .unwrap();
    let compilation =
        envdef::check_file(&envdef::FsLoader, &proto, envdef::CheckOptions::default()).unwrap();
    let model = compilation
        .model
        .expect("checks (a warning on the name's case)");
    let mut diagnostics = envdef::Diagnostics::new();
    envdef::emit::emit(&model, &EmitOptions::default(), &mut diagnostics);
    let codes: Vec<String> = diagnostics.iter().map(|d| d.code.to_string()).collect();
    assert_eq!(codes, ["E0405"], "{diagnostics:?}");
}

const ATTACK_SOURCE: &str = r#"
project attack
var CLASS: string = "a\"\"\"b\\c */ </script> x" { tfvars_name = "klass", doc = "ends \"\"\" and \\ and */ and </script>\nnext line ''' \\\" end\\" }
var NONE: int = 1 { doc = "*/ alert(1) /* \"\"\"" }
var RETURN: bool = true { tfvars_name = "ret" }
var MODEL_CONFIG: string = "C:\\dir\\x"
var JSON: string = "{\"a\": [1, \"\\u0041\"]}"
var constructor: string?
var toString: string = "t\u{2028}\u{2029}"
var valueOf: int in 1..=9 = 3
var SETTINGS_CUSTOMISE_SOURCES: string = "s"
service app {
  uses CLASS, NONE, RETURN, MODEL_CONFIG, JSON, constructor, toString, valueOf,
       SETTINGS_CUSTOMISE_SOURCES
}
service process { uses CLASS }
env prod { NONE = 2 }
emit dotenv to "{service}/.env.{env}"
emit jsonschema to "schema/{service}.env.schema.json"
emit pydantic to "py/{service}_settings.py"
emit typescript to "ts/{service}.env.ts"
"#;

/// A `matching` pattern on list elements, as the env JSON Schema (and any whole-value
/// check) writes it: one pattern over the joined text that every element must match.
/// Every string up to five characters over an alphabet of the pattern's characters, the
/// separator and a newline is tried in node's `RegExp` (the `u` flag) and Python's `re`
/// against Rust's `is_match` on each element.
#[test]
fn element_patterns_over_a_joined_list_match_element_by_element() {
    use envdef::regex_dialect::{translate_each_element, Dialect};
    let Some(r) = readers() else { return };
    let cases: &[(&str, char, &str)] = &[
        ("^[a-z]+$", ',', "ab,\n"),
        (r"(?-u:\b)go(?-u:\b)", '_', "go_ "),
        (r"(?-u:\B)o", '_', "go_ "),
        ("(?m)^x$", ';', "x;\ny"),
        ("a.c", ',', "ac,\n"),
        ("^$", ',', "a,"),
        ("[^b]", '|', "b|a"),
        ("(?i)k", ',', "kK\u{212A},"),
        ("x,y", ',', "xy,"),
        (r"^\d\d?$", '-', "1٣-a"),
        ("(?s)^.{2}$", '.', "a.\n"),
    ];
    let mut wrong = Vec::new();
    for (pattern, sep, alphabet) in cases {
        let rust = regex::Regex::new(pattern).unwrap();
        let alphabet: Vec<char> = alphabet.chars().collect();
        let mut texts = vec![String::new()];
        let mut level = vec![String::new()];
        for _ in 0..5 {
            level = level
                .iter()
                .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
                .collect();
            texts.extend(level.iter().cloned());
        }
        let expected: Vec<bool> = texts
            .iter()
            .map(|t| t.is_empty() || t.split(*sep).all(|e| rust.is_match(e)))
            .collect();
        let js = translate_each_element(pattern, Dialect::Ecma, *sep).unwrap();
        let py = translate_each_element(pattern, Dialect::Python, *sep).unwrap();
        let input = serde_json::json!({ "js": js, "py": py, "texts": texts }).to_string();
        let dir = tempfile::tempdir().unwrap();
        let input_file = dir.path().join("input.json");
        std::fs::write(&input_file, &input).unwrap();
        let node = run_ok(
            Command::new("node")
                .arg("-e")
                .arg(
                    "const i = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'));\
             const re = new RegExp(i.js, 'u');\
             console.log(JSON.stringify(i.texts.map((t) => re.test(t))));",
                )
                .arg(&input_file),
        );
        let python = run_ok(
            Command::new(r.bin("python"))
                .arg("-c")
                .arg(
                    "import json, re, sys\n\
             i = json.load(open(sys.argv[1], encoding='utf-8'))\n\
             p = re.compile(i['py'])\n\
             print(json.dumps([p.search(t) is not None for t in i['texts']]))",
                )
                .arg(&input_file),
        );
        for (reader, output) in [("node", node), ("python", python)] {
            let got: Vec<bool> = serde_json::from_str(output.trim())
                .unwrap_or_else(|e| panic!("{reader}: {e}: {output}"));
            for ((text, want), got) in texts.iter().zip(&expected).zip(got) {
                if got != *want {
                    wrong.push(format!(
                        "{reader}: /{pattern}/ on each element of {text:?} (separator {sep:?}): {got}, Rust says {want}"
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} disagreements, first:\n{}",
        wrong.len(),
        wrong
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Issue 13: a derived secret reaches Ansible as one Jinja expression composing the lookups
/// of its parts. Real ansible-core evaluates the generated group_vars in a playbook (the
/// two lookup plugins stubbed in a collection path, answering from a fixture), and the
/// task sees exactly the composed value, hostile text included: quotes, a backslash,
/// Jinja delimiters, a CRLF, a tab, non-ASCII.
#[test]
fn a_derived_secret_reaches_ansible_composed_exactly() {
    let Some(r) = readers() else { return };
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("shop.envdef");
    std::fs::write(
        &source,
        r#"secret DB_PASSWORD from "vault://kv/shop/{env}/db#password"
secret DB_USER from "sops://secrets/{env}.yaml#db.user"
secret DATABASE_URL "composed"
service api { uses DATABASE_URL }
env prod {
  DATABASE_URL = "postgres://${DB_USER}:${DB_PASSWORD}@db:5432/app?q='x'&b=\\ {{ no }} {% raw %} {# c #} $${HOME} é\r\n\t€"
}
emit ansible to "inventory/group_vars/{env}.yml"
"#,
    )
    .unwrap();
    let (_, artifacts) = compile_file(&source);
    let out = dir.path().join("out");
    write_artifacts(&out, &artifacts);
    let group_vars = std::fs::read_to_string(out.join("inventory/group_vars/prod.yml")).unwrap();
    assert!(
        group_vars.contains("database_url: \"{{ 'postgres://' ~ lookup('community.sops.sops', (lookup('ansible.builtin.first_found', ([playbook_dir] + (ansible_inventory_sources | list) + (ansible_inventory_sources | map('dirname') | list)) | product(['/group_vars/prod.yml']) | map('join') | list) | dirname | dirname) ~ '/../secrets/prod.yaml', extract='[\\\"db\\\"][\\\"user\\\"]', rstrip=false) ~ ':' ~ lookup('community.hashi_vault.vault_kv2_get', 'shop/prod/db', engine_mount_point='kv').secret['password'] ~ "),
        "{group_vars}"
    );
    // Stub lookups in a collection path: what the real collections would return.
    let collections = dir.path().join("collections/ansible_collections/community");
    for (collection, plugin, body) in [
        (
            "hashi_vault",
            "vault_kv2_get",
            "        assert kwargs == {'engine_mount_point': 'kv'}, kwargs\n        assert terms == ['shop/prod/db'], terms\n        return [{'secret': {'password': 'pw\\'\"{{ x }}\\\\'}}]\n",
        ),
        (
            "sops",
            "sops",
            "        import os\n        assert len(terms) == 1 and os.path.isabs(terms[0]) and terms[0].endswith('/inventory/../secrets/prod.yaml'), terms\n        assert kwargs == {'extract': '[\"db\"][\"user\"]', 'rstrip': False}, kwargs\n        return ['app-user']\n",
        ),
    ] {
        let plugins = collections.join(collection).join("plugins/lookup");
        std::fs::create_dir_all(&plugins).unwrap();
        std::fs::write(
            plugins.join(format!("{plugin}.py")),
            format!("from ansible.plugins.lookup import LookupBase\n\n\nclass LookupModule(LookupBase):\n    def run(self, terms, variables=None, **kwargs):\n{body}"),
        )
        .unwrap();
    }
    let inventory = out.join("inventory");
    std::fs::write(inventory.join("hosts.ini"), "[prod]\nhost-prod\n").unwrap();
    let result = dir.path().join("database_url.txt");
    std::fs::write(
        dir.path().join("play.yml"),
        format!(
            "- hosts: prod\n  connection: local\n  gather_facts: false\n  tasks:\n    - ansible.builtin.copy:\n        content: \"{{{{ database_url }}}}\"\n        dest: {}\n",
            result.display()
        ),
    )
    .unwrap();
    run_ok(
        Command::new(r.bin("ansible-playbook"))
            .arg("-i")
            .arg(inventory.join("hosts.ini"))
            .arg(dir.path().join("play.yml"))
            .env("ANSIBLE_COLLECTIONS_PATH", dir.path().join("collections"))
            .env("ANSIBLE_LOCAL_TEMP", dir.path().join(".tmp"))
            .env("ANSIBLE_HOME", dir.path().join(".ansible"))
            .env("ANSIBLE_DEPRECATION_WARNINGS", "false")
            .env("ANSIBLE_PYTHON_INTERPRETER", r.bin("python3")),
    );
    assert_eq!(
        std::fs::read_to_string(&result).unwrap(),
        "postgres://app-user:pw'\"{{ x }}\\@db:5432/app?q='x'&b=\\ {{ no }} {% raw %} {# c #} ${HOME} é\r\n\t€"
    );
}

// ── defaults every environment overrides ──────────────────────────────────────────────

/// Every environment overrides `TIMEOUT` and `WORKERS`; `API_URL`'s default is a template.
const DEFAULTS_SOURCE: &str = r#"
project defaults
var TIMEOUT: duration = 30s
var WORKERS: int in 1..=8 = 2
var MODE: "a" | "b" = "a"
var BASE_URL: url = "https://acme.example"
var API_URL: url = "${BASE_URL}/api"
service app { uses TIMEOUT, WORKERS, MODE, BASE_URL, API_URL }
env dev { TIMEOUT = 5s  WORKERS = 4 }
env prod { TIMEOUT = 1m  WORKERS = 8  MODE = "b" }
emit dotenv to "{service}/.env.{env}"
emit jsonschema to "schema/{service}.env.schema.json"
emit jsonschema to "schema/{service}.schema.json" { variant = "typed" }
emit pydantic to "py/{service}_settings.py"
emit typescript to "ts/{service}.env.ts"
"#;

/// A process started without the overridden variables reads the declaration's defaults in
/// pydantic-settings and zod, and the JSON Schemas say so (`default`, not `required`); the
/// templated default is no default anywhere: without `API_URL` every reader refuses.
#[test]
fn defaults_every_environment_overrides_are_still_the_applications_defaults() {
    let Some(r) = readers() else { return };
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("defaults.envdef");
    std::fs::write(&source, DEFAULTS_SOURCE).unwrap();
    let (_, artifacts) = compile_file(&source);
    let out = dir.path().join("out");
    write_artifacts(&out, &artifacts);
    // Only the variable without a default is set.
    let sparse = dir.path().join("sparse.env");
    std::fs::write(&sparse, "API_URL=https://acme.example/api\n").unwrap();
    let empty = dir.path().join("empty.env");
    std::fs::write(&empty, "").unwrap();
    let envs = BTreeMap::from([("sparse".to_string(), sparse.clone())]);
    let missing = [("MODE".to_string(), "a".to_string(), empty.clone())];
    let py = run_pydantic(
        &r,
        &out.join("py/app_settings.py"),
        "AppSettings",
        &envs,
        &missing,
        &[],
    );
    let read = &py.envs["sparse"];
    assert_eq!(read["TIMEOUT"], serde_json::json!({ "ms": 30_000 }));
    assert_eq!(read["WORKERS"], serde_json::json!(2));
    assert_eq!(read["MODE"], serde_json::json!("a"));
    assert_eq!(read["BASE_URL"], serde_json::json!("https://acme.example"));
    let error = py.broken[0]
        .as_deref()
        .expect("API_URL is required in pydantic");
    assert!(error.contains("API_URL"), "{error}");

    let zod = run_zod(
        &r,
        &out.join("ts/app.env.ts"),
        "loadAppEnv",
        &envs,
        &missing,
        &[],
    );
    let read = &zod.envs["sparse"];
    assert_eq!(read["TIMEOUT"], serde_json::json!(30_000));
    assert_eq!(read["WORKERS"], serde_json::json!(2));
    assert_eq!(read["MODE"], serde_json::json!("a"));
    let error = zod.broken[0]
        .as_deref()
        .expect("API_URL is required in zod");
    assert!(error.contains("API_URL"), "{error}");

    for (schema, instance_ok) in [
        (
            "schema/app.env.schema.json",
            r#"{"API_URL": "https://acme.example/api"}"#,
        ),
        (
            "schema/app.schema.json",
            r#"{"API_URL": "https://acme.example/api"}"#,
        ),
    ] {
        let schema = out.join(schema);
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&schema).unwrap()).unwrap();
        assert_eq!(
            doc["required"],
            serde_json::json!(["API_URL"]),
            "{}",
            schema.display()
        );
        assert!(doc["properties"]["TIMEOUT"]["default"].is_string());
        let file = dir.path().join("instance.json");
        std::fs::write(&file, instance_ok).unwrap();
        let (ok, report) = check_jsonschema(&r, &schema, std::slice::from_ref(&file));
        assert!(ok, "{report}");
        std::fs::write(&file, "{}").unwrap();
        let (ok, report) = check_jsonschema(&r, &schema, std::slice::from_ref(&file));
        assert!(!ok && report.contains("API_URL"), "{report}");
    }
    let text: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("schema/app.env.schema.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(text["properties"]["TIMEOUT"]["default"], "30s");
    assert_eq!(text["properties"]["WORKERS"]["default"], "2");
}

// ── ansible: the secret lookups, evaluated ─────────────────────────────────────────────

#[path = "devloop_support/mod.rs"]
mod devloop_support;

/// Runs a playbook over the generated inventory that writes each named variable, as Ansible
/// templates it (the secrets' lookups evaluated against the real OpenBao server and `sops`),
/// to a JSON file; returns that object. `dir` is the playbook's directory, where the
/// `community.sops.sops` lookup finds a relative file.
fn ansible_evaluate(
    r: &Readers,
    dir: &Path,
    inventory: &Path,
    group: &str,
    names: &[String],
    env: &[(&str, String)],
) -> serde_json::Map<String, serde_json::Value> {
    let hosts = inventory.join("hosts.ini");
    ansible_evaluate_at(r, dir, dir, &hosts, group, names, env)
}

/// [`ansible_evaluate`] with the playbook written into `playbook_dir`, run from `cwd`
/// with `-i inventory_source`.
fn ansible_evaluate_at(
    r: &Readers,
    dir: &Path,
    cwd: &Path,
    inventory_source: &Path,
    group: &str,
    names: &[String],
    env: &[(&str, String)],
) -> serde_json::Map<String, serde_json::Value> {
    let entries: Vec<String> = names.iter().map(|n| format!("'{n}': {n}")).collect();
    let out = dir.join(format!("evaluated-{group}.json"));
    let playbook = dir.join(format!("evaluate-{group}.yml"));
    std::fs::write(
        &playbook,
        format!(
            "- hosts: {group}\n  connection: local\n  gather_facts: false\n  tasks:\n    - ansible.builtin.copy:\n        content: \"{{{{ {{{}}} | to_json }}}}\"\n        dest: {}\n",
            entries.join(", "),
            serde_json::Value::String(out.display().to_string())
        ),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        r.root.join("venv/bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new(r.bin("ansible-playbook"));
    cmd.arg("-i")
        .arg(inventory_source)
        .arg(&playbook)
        .arg("-e")
        .arg(format!(
            "ansible_python_interpreter={}",
            r.bin("python").display()
        ))
        .current_dir(cwd)
        .env("PATH", path)
        .env("ANSIBLE_LOCAL_TEMP", dir.join(".tmp"))
        .env("ANSIBLE_HOME", dir.join(".ansible"))
        .env("ANSIBLE_REMOTE_TEMP", dir.join(".remote-tmp"))
        .env("ANSIBLE_TRANSFORM_INVALID_GROUP_CHARS", "never")
        .env("ANSIBLE_DEPRECATION_WARNINGS", "false")
        .env("ANSIBLE_NOCOLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    run_ok(&mut cmd);
    serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap()
}

/// The lookups envdef writes for `vault://` and `sops://` secrets, evaluated by Ansible
/// itself: `community.hashi_vault.vault_kv2_get` against a real OpenBao (Vault KV v2) dev
/// server and `community.sops.sops` decrypting a real sops file with an age key. Every
/// secret arrives with exactly the value stored, hostile characters included.
#[test]
fn ansible_evaluates_the_secret_lookups_against_openbao_and_sops() {
    let Some(r) = readers() else { return };
    let Some(bao) = devloop_support::Bao::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let Some(sops) = devloop_support::Sops::new(dir.path()) else {
        return;
    };
    let source = dir.path().join("vaulted.envdef");
    std::fs::write(
        &source,
        r#"project vaulted
secret DB_PASSWORD from "vault://secret/acme/{env}/db#password"
secret API_TOKEN from "sops://secrets/{env}.enc.yaml#api.token"
secret SIGNING_KEY from "vault://secret/acme/{env}/signing#key"
var GREETING: string = "hi"
service app { uses DB_PASSWORD, API_TOKEN, SIGNING_KEY, GREETING }
env prod {}
env staging {}
emit ansible to "inventory/group_vars/{env}.yml"
"#,
    )
    .unwrap();
    let (_, artifacts) = compile_file(&source);
    write_artifacts(dir.path(), &artifacts);
    let inventory = dir.path().join("inventory");
    std::fs::write(
        inventory.join("hosts.ini"),
        "[prod]\nhost-prod\n\n[staging]\nhost-staging\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("secrets")).unwrap();
    let value = |what: &str, env: &str| {
        format!("{what} {env}: s3cr't \"q\" $HOME #x ünï 😀 yes 0123\nline two")
    };
    for env in ["prod", "staging"] {
        bao.put(
            "secret",
            &format!("acme/{env}/db"),
            &[("password", &value("db", env))],
        );
        bao.put(
            "secret",
            &format!("acme/{env}/signing"),
            &[("key", &value("sign", env))],
        );
        let yaml = format!(
            "api:\n  token: {}\n",
            serde_json::Value::String(value("api", env))
        );
        sops.encrypt_yaml(&yaml, &dir.path().join(format!("secrets/{env}.enc.yaml")));
    }
    let names: Vec<String> = ["db_password", "api_token", "signing_key", "greeting"]
        .map(String::from)
        .to_vec();
    let env = [
        ("VAULT_ADDR", bao.addr.clone()),
        ("VAULT_TOKEN", bao.token.clone()),
        ("SOPS_AGE_KEY_FILE", sops.key_file.display().to_string()),
    ];
    for group in ["prod", "staging"] {
        let got = ansible_evaluate(&r, dir.path(), &inventory, group, &names, &env);
        assert_eq!(got["db_password"], value("db", group), "{group}");
        assert_eq!(got["api_token"], value("api", group), "{group}");
        assert_eq!(got["signing_key"], value("sign", group), "{group}");
        assert_eq!(got["greeting"], "hi");
    }
}

/// The fleet's group_vars, its `vault://kv/…` secrets stored in a real OpenBao server:
/// Ansible evaluates every secret of every environment to the stored value.
#[test]
fn fleet_group_vars_secrets_evaluate_in_ansible() {
    let Some(r) = readers() else { return };
    let Some(bao) = devloop_support::Bao::start() else {
        return;
    };
    let (model, _, dir) = fleet();
    bao.enable_kv2("kv");
    let inventory = dir.path().join("inventory");
    let envs: Vec<&str> = model
        .concrete_envs()
        .map(|e| e.name.as_str())
        .filter(|e| *e != "local")
        .collect();
    let mut hosts = String::new();
    for env in &envs {
        hosts.push_str(&format!("[{env}]\nhost-{env}\n\n"));
    }
    std::fs::write(inventory.join("hosts.ini"), hosts).unwrap();
    let env_vars = [
        ("VAULT_ADDR", bao.addr.clone()),
        ("VAULT_TOKEN", bao.token.clone()),
    ];
    for env_name in &envs {
        let env = &model.envs[*env_name];
        let mut names = Vec::new();
        let mut want = BTreeMap::new();
        // `kv put` replaces a whole secret: the keys of one path are written together.
        let mut stores: BTreeMap<(String, String), Vec<(String, String)>> = BTreeMap::new();
        for (i, var) in model.vars.iter().enumerate() {
            let Some(res) = env.value(envdef::model::VarId(i as u32)) else {
                continue;
            };
            let envdef::model::Value::Secret { reference } = &res.value else {
                continue;
            };
            let (mount_path, key) = reference
                .strip_prefix("vault://")
                .and_then(|r| r.split_once('#'))
                .unwrap_or_else(|| {
                    panic!("the fleet's deployed secrets are in Vault: {reference}")
                });
            let (mount, path) = mount_path.split_once('/').unwrap();
            let stored = format!("{} in {env_name}: ünï \"q\" $x", var.name);
            stores
                .entry((mount.to_string(), path.to_string()))
                .or_default()
                .push((key.to_string(), stored.clone()));
            let name = var.tfvars_name.replace('-', "_");
            want.insert(name.clone(), stored);
            names.push(name);
        }
        assert!(!names.is_empty(), "{env_name} has secrets");
        for ((mount, path), pairs) in &stores {
            let pairs: Vec<(&str, &str)> = pairs
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            bao.put(mount, path, &pairs);
        }
        let got = ansible_evaluate(&r, dir.path(), &inventory, env_name, &names, &env_vars);
        for (name, stored) in &want {
            assert_eq!(got[name], *stored, "{env_name}: {name}");
        }
    }
}

/// Issue 19: a relative `sops://FILE` is relative to the source for envdef, and Ansible
/// finds it from wherever it read the generated `group_vars/`: the playbook elsewhere,
/// the working directory elsewhere again, the inventory given by any path, group_vars
/// next to the inventory or next to the playbook, artifacts written with `--out`. Keys
/// with a quote, an apostrophe, a backslash and brackets, and a value ending in spaces
/// and a newline, arrive exactly as envdef reads them.
#[test]
fn ansible_finds_relative_sops_files_from_anywhere() {
    let Some(r) = readers() else { return };
    let dir = tempfile::tempdir().unwrap();
    let Some(sops) = devloop_support::Sops::new(dir.path()) else {
        return;
    };
    let root = dir.path();
    let elsewhere = root.join("elsewhere/deeper");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::create_dir_all(root.join("proj/secrets")).unwrap();
    let source = root.join("proj/app.envdef");
    let secrets = r#"secret API_TOKEN from "sops://secrets/{env}.enc.yaml#api.token"
secret ODD_KEY from "sops://secrets/{env}.enc.yaml#it's.a\"b\\c ]x"
secret TRAILING from "sops://secrets/{env}.enc.yaml#api.trailing"
service app { uses API_TOKEN, ODD_KEY, TRAILING }
env prod {}
"#;
    let want = [
        ("api_token", "tok \"q\" $HOME #x ünï 😀 yes 0123\nline two"),
        ("odd_key", "odd"),
        ("trailing", "ends in spaces  \n"),
    ];
    sops.encrypt_yaml(
        &format!(
            "api:\n  token: {}\n  trailing: {}\n\"it's\":\n  {}: odd\n",
            serde_json::Value::String(want[0].1.to_string()),
            serde_json::Value::String(want[2].1.to_string()),
            serde_json::Value::String("a\"b\\c ]x".to_string()),
        ),
        &root.join("proj/secrets/prod.enc.yaml"),
    );
    // envdef itself reads every key (the `--extract` path is sops's own syntax).
    let resolver = envdef::secrets::SopsProvider;
    let context = envdef::secrets::Context {
        vars: std::env::vars()
            .chain([
                (
                    "SOPS_AGE_KEY_FILE".to_string(),
                    sops.key_file.display().to_string(),
                ),
                ("ENVDEF_SOPS".to_string(), sops.bin.display().to_string()),
            ])
            .collect(),
        base_dir: root.join("proj"),
    };
    for (reference, (_, value)) in [
        "sops://secrets/prod.enc.yaml#api.token",
        "sops://secrets/prod.enc.yaml#it's.a\"b\\c ]x",
        "sops://secrets/prod.enc.yaml#api.trailing",
    ]
    .iter()
    .zip(&want)
    {
        let parsed = envdef::secret_ref::SecretRef::parse(reference).unwrap();
        use envdef::secrets::Provider;
        let got = resolver
            .fetch(parsed.location(), &context)
            .unwrap_or_else(|e| panic!("{reference}: {e:?}"));
        assert_eq!(got.expose(), *value, "envdef reads {reference}");
    }
    let names: Vec<String> = want.iter().map(|(n, _)| n.to_string()).collect();
    let env = [("SOPS_AGE_KEY_FILE", sops.key_file.display().to_string())];
    let check = |got: serde_json::Map<String, serde_json::Value>, layout: &str| {
        for (name, value) in &want {
            assert_eq!(got[*name], *value, "{layout}: {name}");
        }
    };

    // group_vars next to the inventory; the playbook and the working directory elsewhere.
    std::fs::write(
        &source,
        format!("project app\n{secrets}emit ansible to \"inventory/group_vars/{{env}}.yml\"\n"),
    )
    .unwrap();
    let (_, artifacts) = compile_file(&source);
    write_artifacts(&root.join("proj"), &artifacts);
    std::fs::write(root.join("proj/inventory/hosts.ini"), "[prod]\nhost-prod\n").unwrap();
    let playbooks = root.join("proj/playbooks");
    std::fs::create_dir_all(&playbooks).unwrap();
    let got = ansible_evaluate_at(
        &r,
        &playbooks,
        &elsewhere,
        &root.join("proj/inventory/hosts.ini"),
        "prod",
        &names,
        &env,
    );
    check(got, "inventory group_vars, playbook in playbooks/");
    // The inventory as a directory, named relative to the working directory.
    let got = ansible_evaluate_at(
        &r,
        &playbooks,
        &root.join("elsewhere"),
        Path::new("../proj/inventory"),
        "prod",
        &names,
        &env,
    );
    check(got, "inventory directory given relatively");
    std::fs::remove_dir_all(root.join("proj/inventory")).unwrap();

    // group_vars next to the playbook, the inventory outside the project.
    std::fs::write(
        &source,
        format!("project app\n{secrets}emit ansible to \"deploy/group_vars/{{env}}.yml\"\n"),
    )
    .unwrap();
    let (_, artifacts) = compile_file(&source);
    write_artifacts(&root.join("proj"), &artifacts);
    let hosts = root.join("hosts.ini");
    std::fs::write(&hosts, "[prod]\nhost-prod\n").unwrap();
    let got = ansible_evaluate_at(
        &r,
        &root.join("proj/deploy"),
        &elsewhere,
        &hosts,
        "prod",
        &names,
        &env,
    );
    check(got, "playbook group_vars");
    std::fs::remove_dir_all(root.join("proj/deploy")).unwrap();

    // `compile --out`: the artifacts in another tree, the sops file still the source's.
    std::fs::write(
        &source,
        format!("project app\n{secrets}emit ansible to \"inventory/group_vars/{{env}}.yml\"\n"),
    )
    .unwrap();
    run_ok(
        Command::new(env!("CARGO_BIN_EXE_envdef"))
            .args(["compile", "proj/app.envdef", "--out", "ops/site"])
            .current_dir(root),
    );
    let inventory = root.join("ops/site/inventory");
    std::fs::write(inventory.join("hosts.ini"), "[prod]\nhost-prod\n").unwrap();
    let got = ansible_evaluate_at(
        &r,
        &root.join("ops"),
        &elsewhere,
        &inventory.join("hosts.ini"),
        "prod",
        &names,
        &env,
    );
    check(got, "compile --out");
}
