//! Model-level tests: what `check` produces for valid sources (values, provenance, names,
//! services), and that hostile inputs stay bounded. Diagnostics are covered by the UI
//! goldens in `tests/ui/`.

use std::path::Path;

use crate::model::{DurationUnit, Model, Value, VarKind};
use crate::source::MemoryLoader;
use crate::{check_file, CheckOptions, Code};

thread_local! {
    /// Set by [`sharing_values_changes_nothing`]: environments evaluate every value
    /// themselves instead of sharing their parent's (`envs::sharing_enabled`).
    pub(super) static NO_SHARING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Checks one in-memory file; returns the model (asserting no errors) .
fn model(src: &str) -> Model {
    let loader = MemoryLoader::new().with("main.envdef", src);
    let c = check_file(&loader, Path::new("main.envdef"), CheckOptions::default()).unwrap();
    let errors: Vec<String> = c
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{} {}", d.code, d.message))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    c.model.expect("no errors, so a model")
}

fn codes(src: &str) -> Vec<Code> {
    let loader = MemoryLoader::new().with("main.envdef", src);
    let c = check_file(&loader, Path::new("main.envdef"), CheckOptions::default()).unwrap();
    c.diagnostics.iter().map(|d| d.code).collect()
}

fn value<'m>(m: &'m Model, env: &str, var: &str) -> Option<&'m Value> {
    let id = m.find_var(var).unwrap_or_else(|| panic!("no var {var}"));
    m.envs[env].value(id).map(|r| &r.value)
}

#[test]
fn inheritance_and_provenance() {
    let m = model(
        r#"
        var LOG_LEVEL: string = "info"
        var REPLICAS: int = 1
        abstract env deployed { REPLICAS = 2 }
        env staging extends deployed { LOG_LEVEL = "debug" }
        env production extends staging { REPLICAS = 5 }
        "#,
    );
    let prod = &m.envs["production"];
    assert_eq!(m.chain_text(prod), "production → staging → deployed");
    assert_eq!(prod.parent, m.env_id("staging"));
    assert!(m.envs["deployed"].is_abstract);
    let id = m.find_var("LOG_LEVEL").unwrap();
    let r = prod.value(id).unwrap();
    assert_eq!(r.value, Value::Str("debug".into()));
    assert_eq!(r.origin.env, m.env_id("staging"));
    let r = m.envs["deployed"].value(id).unwrap();
    assert_eq!(r.origin.env, None, "the default");
    assert_eq!(value(&m, "production", "REPLICAS"), Some(&Value::Int(5)));
    assert_eq!(value(&m, "staging", "REPLICAS"), Some(&Value::Int(2)));
    assert_eq!(m.concrete_envs().count(), 2);
}

#[test]
fn interpolation_is_late_bound_and_keeps_its_template() {
    let m = model(
        r#"
        var HOST: string = "localhost"
        var API_URL: url = "https://${HOST}/v1"
        var PRICE: string = "$$5 in ${env}"
        abstract env deployed { API_URL = "https://${HOST}/api" }
        env staging extends deployed { HOST = "staging.example.com" }
        env local {}
        "#,
    );
    assert_eq!(
        value(&m, "staging", "API_URL"),
        Some(&Value::Str("https://staging.example.com/api".into()))
    );
    assert_eq!(
        value(&m, "local", "API_URL"),
        Some(&Value::Str("https://localhost/v1".into()))
    );
    assert_eq!(
        value(&m, "local", "PRICE"),
        Some(&Value::Str("$5 in local".into()))
    );
    let id = m.find_var("API_URL").unwrap();
    let origin = &m.envs["staging"].value(id).unwrap().origin;
    assert_eq!(origin.env, m.env_id("deployed"));
    assert_eq!(origin.template.as_deref(), Some("https://${HOST}/api"));
}

#[test]
fn names_for_targets() {
    let m = model(
        r#"
        var API_URL: url = "https://x.example.com"
        var apiKeyName: string = "k"
        var LEGACY: string = "x" { env_name = "OLD_LEGACY"  tfvars_name = "legacy_value" }
        flag new_checkout = false
        flag dark = true { env_name = "DARK_MODE" }
        service api { var PORT: int = 80  uses API_URL, apiKeyName, LEGACY, new_checkout, dark }
        env dev {}
        "#,
    );
    let var = |q: &str| m.var(m.find_var(q).unwrap());
    assert_eq!(var("API_URL").emit_name, "API_URL");
    assert_eq!(var("API_URL").tfvars_name, "api_url");
    assert_eq!(var("apiKeyName").tfvars_name, "api_key_name");
    assert_eq!(var("LEGACY").emit_name, "OLD_LEGACY");
    assert_eq!(var("LEGACY").tfvars_name, "legacy_value");
    assert_eq!(var("new_checkout").emit_name, "FEATURE_NEW_CHECKOUT");
    assert_eq!(var("new_checkout").kind, VarKind::Flag);
    assert_eq!(var("dark").emit_name, "DARK_MODE");
    assert_eq!(var("api.PORT").tfvars_name, "api_port");
    assert_eq!(var("api.PORT").owner.as_deref(), Some("api"));
    // Own variables first, then `uses` in the order written.
    let api = &m.services["api"];
    let names: Vec<String> = api
        .vars
        .iter()
        .map(|id| m.var(*id).qualified_name())
        .collect();
    assert_eq!(
        names,
        [
            "api.PORT",
            "API_URL",
            "apiKeyName",
            "LEGACY",
            "new_checkout",
            "dark"
        ]
    );
}

#[test]
fn implicit_service_is_named_after_the_project() {
    let m =
        model("project acme\nvar A: int = 1\nsecret S from \"vault://kv/{env}#s\"\nenv dev {}\n");
    assert_eq!(m.project, "acme");
    let svc = &m.services["acme"];
    assert!(svc.implicit);
    assert_eq!(svc.vars.len(), 2);
    let m = model("var A: int = 1\nenv dev {}\n");
    assert_eq!(m.project, "main", "the root file's stem");
    assert!(m.services.contains_key("app"));
}

#[test]
fn secrets_are_references_with_env_expanded() {
    let m = model(
        r#"
        secret DB_PASSWORD from "vault://kv/{env}/{service}/db#password"
        env staging {}
        env production { DB_PASSWORD from "vault://kv/prod-override#password" }
        "#,
    );
    let staging = value(&m, "staging", "DB_PASSWORD").unwrap();
    assert_eq!(
        staging,
        &Value::Secret {
            reference: "vault://kv/staging/{service}/db#password".into()
        }
    );
    assert_eq!(
        staging.secret_reference("api").as_deref(),
        Some("vault://kv/staging/api/db#password")
    );
    assert_eq!(
        value(&m, "production", "DB_PASSWORD"),
        Some(&Value::Secret {
            reference: "vault://kv/prod-override#password".into()
        })
    );
    let id = m.find_var("DB_PASSWORD").unwrap();
    assert_eq!(
        m.var(id).default_reference.as_deref(),
        Some("vault://kv/{env}/{service}/db#password")
    );
}

#[test]
fn optional_and_abstract_may_stay_unset() {
    let m = model(
        r#"
        var SENTRY_DSN: url?
        var API_URL: url
        abstract env base {}
        env dev extends base { API_URL = "http://localhost" }
        "#,
    );
    assert_eq!(value(&m, "dev", "SENTRY_DSN"), None);
    assert_eq!(value(&m, "base", "API_URL"), None);
    assert!(m.var(m.find_var("SENTRY_DSN").unwrap()).optional);
}

#[test]
fn typed_values_and_formats() {
    let m = model(
        r#"
        type Port = int in 1..=65535
        var PORT: Port = 8080
        var RATIO: float = 1
        var TIMEOUT: duration = 1h30m { unit = "s" }
        var HOSTS: list<url> = ["http://a", "http://b"] { separator = ";" }
        var TAGS: list<string> = [] { list_format = "json" }
        var LEVEL: "debug" | "info" = "info"
        env dev {}
        "#,
    );
    assert_eq!(value(&m, "dev", "PORT"), Some(&Value::Int(8080)));
    assert_eq!(value(&m, "dev", "RATIO"), Some(&Value::Float(1.0)));
    assert_eq!(
        value(&m, "dev", "TIMEOUT"),
        Some(&Value::Duration(5_400_000))
    );
    let port = m.var(m.find_var("PORT").unwrap());
    assert_eq!(port.ty.name.as_deref(), Some("Port"));
    assert_eq!(port.ty.refinements.len(), 1);
    let timeout = m.var(m.find_var("TIMEOUT").unwrap());
    assert_eq!(timeout.format.duration_unit, Some(DurationUnit::S));
    assert_eq!(m.var(m.find_var("HOSTS").unwrap()).format.separator, ";");
    assert!(m.var(m.find_var("TAGS").unwrap()).format.list_json);
    assert_eq!(value(&m, "dev", "LEVEL"), Some(&Value::Str("info".into())));
}

#[test]
fn emits_are_lowered_in_order() {
    let m = model(
        r#"
        var A: int = 1
        env dev {}
        emit dotenv to "{service}/.env.{env}"
        emit kubernetes to "k8s/{env}/{service}.yaml" { namespace = "acme-{env}" }
        emit helm to "helm/{env}.yaml" { chart = "x"  replicas = 2 }
        "#,
    );
    let targets: Vec<&str> = m.emits.iter().map(|e| e.target.as_str()).collect();
    assert_eq!(targets, ["dotenv", "kubernetes", "helm"]);
    assert_eq!(
        m.emits[1].options["namespace"],
        Value::Str("acme-{env}".into())
    );
    assert_eq!(m.emits[2].options["replicas"], Value::Int(2));
}

#[test]
fn doubling_interpolation_stops_at_the_limit_quickly() {
    let mut src = String::from("var A00: string = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"\n");
    for i in 1..60 {
        src.push_str(&format!(
            "var A{i:02}: string = \"${{A{:02}}}${{A{:02}}}\"\n",
            i - 1,
            i - 1
        ));
    }
    src.push_str("env a {}\nenv b {}\nenv c {}\n");
    // Untimed: without the limit this would build a string of 2^59 × 32 bytes and die of
    // memory exhaustion, which fails the test deterministically.
    let found = codes(&src);
    assert!(found.contains(&Code::ValueTooLarge), "{found:?}");
    // One error per place, not one per environment or per dependent variable.
    assert_eq!(
        found.iter().filter(|c| **c == Code::ValueTooLarge).count(),
        1
    );
}

#[test]
fn long_interpolation_chains_need_no_stack() {
    // V0 → V1 → … → V4999 = "x", declared in the order that makes a naive recursive
    // evaluator recurse 5000 deep: evaluation is an explicit walk, so this just works.
    let n = 5000;
    let mut src = String::new();
    for i in 0..n - 1 {
        src.push_str(&format!("var V{i}: string = \"${{V{}}}\"\n", i + 1));
    }
    src.push_str(&format!("var V{}: string = \"x\"\nenv dev {{}}\n", n - 1));
    let m = model(&src);
    assert_eq!(value(&m, "dev", "V0"), Some(&Value::Str("x".into())));
    // Close the chain into a cycle: one error naming it, not 5000.
    let cyclic = src.replace(
        &format!("var V{}: string = \"x\"", n - 1),
        &format!("var V{}: string = \"${{V0}}\"", n - 1),
    );
    let found = codes(&cyclic);
    assert_eq!(found, [Code::InterpolationCycle]);
}

#[test]
fn a_broken_declaration_does_not_cascade() {
    // The unknown type is the only error: values of `X` are not checked against nothing,
    // and the assert over `X` is skipped.
    let found = codes("var X: Nope = 1\nassert X > 0\nenv dev {}\n");
    assert_eq!(found, [Code::UnknownType]);
    let found = codes("var A: int = \"x\"\nvar B: string = \"${A}\"\nenv dev {}\n");
    assert_eq!(found, [Code::TypeMismatch]);
}

/// Every UI input, mutated in many small ways (a byte range deleted, a line doubled, a
/// token swapped for another), must check without panicking; and every label must stay
/// inside its file.
#[test]
fn mutated_inputs_never_panic() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
    let mut inputs = Vec::new();
    collect(&root, &mut inputs);
    assert!(!inputs.is_empty());
    let swaps = [
        ("=", "=="),
        ("{", ""),
        ("}", ""),
        ("\"", ""),
        ("extends", "extends extends"),
        ("${", "${${"),
        ("int", "list<int>"),
        (".", ""),
        ("env", "abstract env"),
        ("1", "-1"),
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n.max(1) as u64) as usize
    };
    for text in &inputs {
        for round in 0..48 {
            let mut t = text.clone();
            match round % 3 {
                0 if !t.is_empty() => {
                    let a = next(t.len());
                    let b = (a + next(20)).min(t.len());
                    if t.is_char_boundary(a) && t.is_char_boundary(b) {
                        t.replace_range(a..b, "");
                    }
                }
                1 => {
                    let lines: Vec<&str> = t.lines().collect();
                    if !lines.is_empty() {
                        let i = next(lines.len());
                        let mut out: Vec<&str> = lines.clone();
                        out.insert(i, lines[i]);
                        t = out.join("\n");
                    }
                }
                _ => {
                    let (from, to) = swaps[next(swaps.len())];
                    t = t.replacen(from, to, 1 + next(3));
                }
            }
            let loader = MemoryLoader::new().with("main.envdef", t.clone());
            let c = check_file(&loader, Path::new("main.envdef"), CheckOptions::default()).unwrap();
            for d in c.diagnostics.iter() {
                for label in &d.labels {
                    let len = c.sources.get(label.span.file).text.len() as u32;
                    assert!(
                        label.span.start <= label.span.end && label.span.end <= len,
                        "{d:?}\n{t}"
                    );
                }
            }
        }
    }
}

fn collect(dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|e| e == "envdef") {
            if let Ok(text) = std::fs::read_to_string(&p) {
                out.push(text);
            }
        }
    }
}

#[test]
fn thousands_of_misspelt_names_stay_fast() {
    // 3000 declarations and 3000 unknown names: suggestions are budgeted, so this is not
    // 9 million string comparisons with allocation each.
    let mut src = String::new();
    for i in 0..3000 {
        src.push_str(&format!("var VARIABLE_{i:05}: int = 1\n"));
    }
    src.push_str("env dev {\n");
    for i in 0..3000 {
        src.push_str(&format!("  VARAIBLE_{i:05} = 2\n"));
    }
    src.push_str("}\n");
    let found = codes(&src);
    assert_eq!(found.len(), 3000);
    // Counted, not timed: the work is bounded by the budget, far below 3000 × 3000, and
    // the budget was reached (so it is what bounds it).
    let compared = crate::diagnostics::suggest::comparisons();
    assert_eq!(compared, crate::diagnostics::suggest::SUGGESTION_BUDGET);
    assert!(compared < 3000 * 3000 / 10, "{compared} comparisons");
}

/// Issue 14: docs/errors.md's E0319 table lists every option of every built-in target,
/// exactly (it once listed two Kubernetes options, then two contradicting rows).
#[test]
fn the_e0319_table_lists_every_option_of_every_builtin_target() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/errors.md")).unwrap();
    let section = doc
        .split("### E0319")
        .nth(1)
        .and_then(|s| s.split("\n### ").next())
        .expect("an E0319 section");
    let mut documented: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for row in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = row.trim_matches('|').split('|').collect();
        let words = |cell: &str| -> Vec<String> {
            cell.split(',')
                .map(|w| w.trim().trim_matches('`').to_string())
                .filter(|w| !w.is_empty())
                .collect()
        };
        let options = words(cells[1]);
        for target in words(cells[0]) {
            assert!(
                documented.insert(target.clone(), options.clone()).is_none(),
                "`{target}` has two rows"
            );
        }
    }
    // Which targets are built in is emit's (tests/codes.rs compares the rows with
    // `emit::BUILTIN_TARGETS`; check may not reach emit, ARCHITECTURE.md).
    let targets: Vec<String> = documented.keys().cloned().collect();
    assert!(targets.len() >= 9, "{targets:?}");
    for target in &targets {
        let target = target.as_str();
        let mut known: Vec<String> = super::emits::known_options(target)
            .unwrap_or_else(|| panic!("{target} is built in"))
            .iter()
            .map(|o| o.to_string())
            .collect();
        let mut listed = documented
            .remove(target)
            .unwrap_or_else(|| panic!("`{target}` has no row in E0319"));
        known.sort();
        listed.sort();
        assert_eq!(listed, known, "options of `{target}`");
    }
    assert!(
        documented.is_empty(),
        "rows for unknown targets: {documented:?}"
    );
}

/// Sharing inherited values between environments (`check::envs`, an optimisation) must
/// give byte for byte the model and the diagnostics that evaluating every value in every
/// environment gives: checked on every example and every UI case (valid and broken
/// sources, late binding, `${env}`, `{env}` references, insecure environments,
/// per-service overrides, parameterised environments), plus a program made to exercise
/// each rule that stops a value being shared.
#[test]
fn sharing_values_changes_nothing() {
    use crate::source::FsLoader;
    fn run(loader: &dyn crate::Loader, path: &Path, share: bool) -> String {
        NO_SHARING.with(|c| c.set(!share));
        let c = check_file(loader, path, CheckOptions::default());
        NO_SHARING.with(|c| c.set(false));
        let Ok(c) = c else {
            return "root load error".into();
        };
        let diagnostics: Vec<String> = c.diagnostics.iter().map(|d| format!("{d:?}")).collect();
        let model = c
            .model
            .as_ref()
            .map(|m| serde_json::to_string(m).expect("model serialises"));
        format!("{diagnostics:#?}\n{model:?}")
    }
    fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "envdef") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("examples"), &mut files);
    sources(&root.join("tests/ui"), &mut files);
    assert!(files.len() > 100, "found only {} sources", files.len());
    for path in &files {
        assert_eq!(
            run(&FsLoader, path, true),
            run(&FsLoader, path, false),
            "{}",
            path.display()
        );
    }
    // Valid: every rule that stops sharing, in a program that has a model.
    let valid = r#"
        service api { uses HOST, URL, TOKEN, DSN, MODE, LEVEL, BIG }
        var HOST: string = "db"
        var URL: string = "postgres://${HOST}/${env}"
        var MODE: string = "m-${env}"
        var LEVEL: string = "info"
        var BIG: int in 0..=10 = 5
        secret TOKEN from "vault://kv/{env}/token#value"
        secret PLAIN from "vault://kv/shared#plain"
        secret DSN
        abstract env base { BIG = 7  DSN = "${URL}?password=${PLAIN}" }
        insecure env dev extends base { BIG = 1  PLAIN = "local" }
        env staging extends base { HOST = "staging-db"  BIG = 2  api.LEVEL = "debug" }
        env production extends staging { LEVEL = "warn" }
        env production_eu extends production { api.HOST = "eu-db" }
    "#;
    // Broken: a value that breaks only where an inherited template reads an override.
    let broken = r#"
        var N: string = "3"
        var NUM: int in 0..=10 = "${N}"
        var REQUIRED: string
        abstract env base { }
        env ok extends base { REQUIRED = "x" }
        env bad extends ok { N = "30" }
        env worse extends bad { N = "x" }
        env missing extends base { }
    "#;
    for (name, text, has_model) in [("valid", valid, true), ("broken", broken, false)] {
        let loader = MemoryLoader::new().with("main.envdef", text);
        let path = Path::new("main.envdef");
        let shared = run(&loader, path, true);
        assert_eq!(shared, run(&loader, path, false), "{name}");
        assert_eq!(!shared.ends_with("None"), has_model, "{name}: {shared}");
    }
}
