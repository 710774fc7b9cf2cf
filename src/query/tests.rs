//! The query layer on in-memory sources: names, diff rows, explain chains, selection,
//! drift wording, symbols at positions, and completion contexts.

use std::path::Path;

use super::complete::{complete, CompletionKind, Context};
use super::symbols::{Role, Symbol, SymbolIndex};
use super::*;
use crate::source::MemoryLoader;
use crate::{check_file, CheckOptions, Code, Compilation};

const SRC: &str = r#"type Port = int in 1..=65535
var HOST: string = "localhost"
var URL: string = "http://${HOST}:${env}/$${X}"
flag beta = false
secret DB_PASSWORD from "vault://{env}/{service}/db#password"
service api {
  var PORT: Port = 8080
  var SELF: string = "${URL}/${service}:${PORT}"
  uses HOST, URL, beta
}
abstract env base {
  HOST = "base.internal"
}
env dev extends base {
  api.PORT = 9000
}
env prod extends base {
  HOST = "prod.example"
  beta = false
}
assert api.PORT > 1024 when env == "prod"
emit tfvars to "{env}.tfvars"
"#;

fn compile(src: &str) -> Compilation {
    let loader = MemoryLoader::new().with("main.envdef", src);
    let c = check_file(&loader, Path::new("main.envdef"), CheckOptions::default()).unwrap();
    let errors: Vec<String> = c
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{} {}", d.code, d.message))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    c
}

/// The byte offset of the `nth` (0-based) occurrence of `needle` in `SRC`, plus `plus`.
fn at(needle: &str, nth: usize, plus: usize) -> usize {
    SRC.match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("no {needle} #{nth}"))
        .0
        + plus
}

#[test]
fn the_interpolation_scanner_skips_doubled_dollars() {
    let found = crate::syntax::interpolations("a${B}$${C}$$${D}${");
    let names: Vec<&str> = found.iter().map(|i| i.name).collect();
    assert_eq!(names, ["B", "D"]);
    assert_eq!(found[0].range, 1..5);
}

#[test]
fn names_resolve_or_explain_why_not() {
    let c = compile(SRC);
    let m = c.model.as_ref().unwrap();
    assert_eq!(names::env(m, "dev", true).unwrap().name, "dev");
    let abstract_env = names::env(m, "base", true).unwrap_err();
    assert_eq!(abstract_env.code, Code::UnknownEnvironmentArg);
    assert!(
        abstract_env.message.contains("abstract"),
        "{abstract_env:?}"
    );
    let typo = names::env(m, "prd", false).unwrap_err();
    assert_eq!(typo.help.as_deref(), Some("did you mean `prod`?"));
    assert_eq!(
        names::variable(m, "FEATURE_BETA").unwrap(),
        m.find_var("beta").unwrap()
    );
    assert_eq!(
        names::variable(m, "PORT").unwrap(),
        m.find_var("api.PORT").unwrap()
    );
    assert_eq!(
        names::service(m, "web").unwrap_err().code,
        Code::UnknownServiceArg
    );
    assert_eq!(
        names::target(m, "compose").unwrap_err().code,
        Code::UnknownTargetArg
    );
    assert_eq!(names::targets(m), ["tfvars"]);
}

#[test]
fn diff_rows_are_classified() {
    let c = compile(SRC);
    let m = c.model.as_ref().unwrap();
    let rows = diff(m, &m.envs["dev"], &m.envs["prod"], None);
    let kinds: Vec<(String, DiffKind)> = rows
        .iter()
        .map(|r| (m.var(r.var).qualified_name(), r.kind))
        .collect();
    assert!(
        kinds.contains(&("HOST".into(), DiffKind::Differs)),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("api.PORT".into(), DiffKind::Differs)),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("beta".into(), DiffKind::SourceDiffers)),
        "{kinds:?}"
    );
    // One reference line with `{env}` in it: the same pattern, not a real difference.
    assert!(
        kinds.contains(&("DB_PASSWORD".into(), DiffKind::SamePattern)),
        "{kinds:?}"
    );
    let api = names::service(m, "api").unwrap();
    assert!(diff(m, &m.envs["dev"], &m.envs["dev"], Some(api)).is_empty());
}

#[test]
fn a_secret_referenced_by_another_line_differs_for_real() {
    let c = compile(
        r#"secret DB_PASSWORD from "vault://kv/{env}/db#password"
secret API_KEY from "vault://kv/shared/api#key"
env staging {}
env production { DB_PASSWORD from "aws-sm://prod/db#password" }
env preview { API_KEY from "vault://kv/{env}/api#key" }
"#,
    );
    let m = c.model.as_ref().unwrap();
    let kinds = |a: &str, b: &str| -> Vec<(String, DiffKind)> {
        diff(m, &m.envs[a], &m.envs[b], None)
            .iter()
            .map(|r| (m.var(r.var).qualified_name(), r.kind))
            .collect()
    };
    assert_eq!(
        kinds("staging", "production"),
        [("DB_PASSWORD".to_string(), DiffKind::Differs)]
    );
    assert_eq!(
        kinds("staging", "preview"),
        [
            ("DB_PASSWORD".to_string(), DiffKind::SamePattern),
            ("API_KEY".to_string(), DiffKind::Differs)
        ]
    );
    // What promoting changes leaves the pattern out, as before.
    assert!(promotion(m, &m.envs["staging"], &m.envs["preview"], None)
        .iter()
        .all(|r| m.var(r.var).name != "DB_PASSWORD"));
}

#[test]
fn a_derived_secret_of_one_line_is_the_same_pattern_only_when_its_parts_are() {
    let c = compile(
        r#"var DB_HOST: string = "db"
secret DB_PASSWORD from "vault://kv/{env}/db#password"
secret DATABASE_URL
abstract env base { DATABASE_URL = "postgres://app:${DB_PASSWORD}@${DB_HOST}/app" }
env staging extends base {}
env production extends base {}
env moved extends base { DB_HOST = "db2" }
env other extends base { DB_PASSWORD from "aws-sm://other/db#password" }
"#,
    );
    let m = c.model.as_ref().unwrap();
    let kind = |a: &str, b: &str| {
        diff(m, &m.envs[a], &m.envs[b], None)
            .iter()
            .find(|r| m.var(r.var).name == "DATABASE_URL")
            .map(|r| r.kind)
    };
    assert_eq!(kind("staging", "production"), Some(DiffKind::SamePattern));
    // Another host in the text, or a password from another line: real differences.
    assert_eq!(kind("staging", "moved"), Some(DiffKind::Differs));
    assert_eq!(kind("staging", "other"), Some(DiffKind::Differs));
}

#[test]
fn promotion_still_leaves_patterns_out() {
    let c = compile(
        r#"secret DB_PASSWORD from "vault://kv/{env}/db#password"
env staging {}
env preview {}
"#,
    );
    let m = c.model.as_ref().unwrap();
    assert!(promotion(m, &m.envs["staging"], &m.envs["preview"], None)
        .iter()
        .all(|r| m.var(r.var).name != "DB_PASSWORD"));
}

#[test]
fn explain_follows_the_chain_and_every_interpolation() {
    let c = compile(SRC);
    let m = c.model.as_ref().unwrap();
    let x = explain(m, &m.envs["dev"], m.find_var("api.SELF").unwrap(), None);
    assert!(x.default_used);
    let chain: Vec<&str> = x.chain.iter().map(|l| l.env).collect();
    assert_eq!(chain, ["dev", "base"]);
    let written: Vec<&str> = x.steps.iter().map(|s| s.written.as_str()).collect();
    assert_eq!(written, ["${URL}", "${service}", "${PORT}"]);
    let url = &x.steps[0];
    let nested: Vec<&str> = url
        .nested
        .as_ref()
        .unwrap()
        .iter()
        .map(|s| s.written.as_str())
        .collect();
    assert_eq!(nested, ["${HOST}", "${env}"], "`$${{X}}` is a literal");
    assert!(matches!(&x.steps[1].kind, StepKind::Builtin(s) if s == "api"));
    let prod = explain(m, &m.envs["prod"], m.find_var("HOST").unwrap(), None);
    assert_eq!(prod.chain.len(), 1);
    assert!(prod.chain[0].sets);
    let per_env: Vec<_> = values(m, m.find_var("HOST").unwrap())
        .iter()
        .map(|v| {
            (
                v.env.name.as_str(),
                v.resolved.and_then(|r| r.origin.env).map(|e| m.env_name(e)),
            )
        })
        .collect();
    assert_eq!(
        per_env,
        [
            ("base", Some("base")),
            ("dev", Some("base")),
            ("prod", Some("prod"))
        ]
    );
}

#[test]
fn selection_validates_and_splits() {
    let c = compile(SRC);
    let m = c.model.as_ref().unwrap();
    let mut emitted = crate::Diagnostics::new();
    let all = crate::emit::emit(m, &crate::emit::EmitOptions::default(), &mut emitted);
    let selection = artifacts::Selection {
        envs: vec!["prod".into()],
        ..Default::default()
    };
    selection.validate(m).unwrap();
    let selected = artifacts::select(all, &selection);
    let chosen: Vec<_> = selected
        .chosen
        .iter()
        .map(|a| a.path.display().to_string())
        .collect();
    assert_eq!(chosen, ["prod.tfvars"], "{:?}", emitted.into_vec());
    assert_eq!(selected.skipped.len(), 1);
    assert_eq!(selected.produced.len(), 2);
    let bad = artifacts::Selection {
        targets: vec!["kubernetes".into()],
        ..Default::default()
    };
    assert_eq!(bad.validate(m).unwrap_err().code, Code::UnknownTargetArg);
    assert_eq!(
        artifacts::output_root(Path::new("a/b.envdef"), None),
        Path::new("a")
    );
    assert_eq!(artifacts::manifest_source(m), "main.envdef");
}

#[test]
fn drift_reads_as_diagnostics() {
    use crate::workflow::{Problem, ProblemKind};
    let problem = |kind| Problem {
        kind,
        path: "x".into(),
        display: "x".into(),
        diff: None,
        line: Some(3),
        note: None,
    };
    let c = compile(SRC);
    let mut emitted = crate::diagnostics::Diagnostics::new();
    let all = crate::emit::emit(
        c.model.as_ref().unwrap(),
        &crate::emit::EmitOptions::default(),
        &mut emitted,
    );
    let stale = artifacts::drift_diagnostic(&problem(ProblemKind::Stale), all.first());
    assert_eq!(stale.code, Code::ArtifactStale);
    assert!(stale.message.contains("line 3"), "{}", stale.message);
    // It points at the `emit` line that produced the file.
    let span = stale.primary_span().expect("a label on the emit line");
    assert_eq!(span, all[0].span);
    assert!(
        c.sources.slice(span).starts_with("emit "),
        "{}",
        c.sources.slice(span)
    );
    let orphan = artifacts::drift_diagnostic(&problem(ProblemKind::Orphan), None);
    assert_eq!(orphan.primary_span(), None);
    let problems = [problem(ProblemKind::Stale), problem(ProblemKind::Orphan)];
    assert_eq!(
        artifacts::drift_summary(&problems).unwrap(),
        "2 artifacts are not current (1 stale, 1 orphaned); run `envdef compile --prune` and commit the result"
    );
    assert_eq!(artifacts::drift_summary(&[]), None);
}

#[test]
fn symbols_definitions_and_references() {
    let c = compile(SRC);
    let index = SymbolIndex::new(&c.program);
    let file = c
        .program
        .var(c.model.as_ref().unwrap().find_var("HOST").unwrap())
        .name
        .span
        .file;
    let host = Symbol::Var(c.model.as_ref().unwrap().find_var("HOST").unwrap());
    // `${HOST}` inside URL's default.
    let o = index
        .at(file, at("${HOST}", 0, 3))
        .expect("a symbol in ${HOST}");
    assert_eq!(o.symbol, host);
    assert_eq!(o.role, Role::Reference);
    assert_eq!(
        index.definition(&host).unwrap().start as usize,
        at("HOST", 0, 0)
    );
    // Declaration, `${HOST}`, `uses HOST`, `HOST =` in base and prod.
    assert_eq!(index.references(&host).count(), 5);
    // Inside a service's own value, `${PORT}` is the sibling `api.PORT`.
    let port = index.at(file, at("${PORT}", 0, 2)).unwrap();
    assert_eq!(
        port.symbol,
        Symbol::Var(c.model.as_ref().unwrap().find_var("api.PORT").unwrap())
    );
    assert_eq!(
        index.references(&port.symbol).count(),
        4,
        "decl, ${{PORT}}, api.PORT =, assert"
    );
    let base = index.at(file, at("extends base", 0, 8)).unwrap();
    assert_eq!(base.symbol, Symbol::Env("base".into()));
    assert_eq!(
        index.definition(&base.symbol).unwrap().start as usize,
        at("env base", 0, 4)
    );
    let ty = index.at(file, at("Port = 8080", 0, 0)).unwrap();
    assert_eq!(ty.symbol, Symbol::Type("Port".into()));
    let svc = index.at(file, at("api.PORT >", 0, 1)).unwrap();
    assert_eq!(svc.symbol, Symbol::Service("api".into()));
    let env = index.at(file, at("env ==", 0, 0)).unwrap();
    assert_eq!(env.symbol, Symbol::Builtin("env".into()));
    assert!(
        index.at(file, at("localhost", 0, 2)).is_none(),
        "inside a plain string"
    );
}

#[test]
fn completion_knows_its_context() {
    let c = compile(SRC);
    let p = &c.program;
    let ctx = |text: &str| complete(p, text, text.len()).context;
    let labels = |text: &str| -> Vec<String> {
        complete(p, text, text.len())
            .items
            .into_iter()
            .map(|i| i.label)
            .collect()
    };
    assert_eq!(ctx("var A: "), Context::Type);
    assert!(labels("var A: P").contains(&"Port".to_string()));
    assert_eq!(ctx("env qa extends "), Context::Extends);
    assert_eq!(labels("env qa extends b"), ["base", "dev", "prod"]);
    assert_eq!(ctx("service web {\n  uses "), Context::Uses);
    assert!(!labels("service web {\n  uses ").contains(&"api.PORT".to_string()));
    assert_eq!(ctx("env qa {\n  "), Context::Assignment);
    assert_eq!(ctx("env qa {\n  A = 1, "), Context::Assignment);
    assert_eq!(ctx("env qa {\n  A = "), Context::None);
    assert!(labels("env qa {\n  api.").contains(&"api.PORT".to_string()));
    assert_eq!(ctx("assert "), Context::Assert);
    assert!(
        !labels("assert ").contains(&"DB_PASSWORD".to_string()),
        "secrets are never compared"
    );
    assert_eq!(ctx("emit "), Context::EmitTarget);
    assert_eq!(
        ctx(""),
        Context::Keyword {
            service_block: false
        }
    );
    assert_eq!(
        ctx("service web {\n  "),
        Context::Keyword {
            service_block: true
        }
    );
    assert_eq!(ctx("var A: string = \"x"), Context::None);
    assert_eq!(ctx("# a ${"), Context::None);
    assert_eq!(
        ctx("var A: string = \"${"),
        Context::Interpolation { service: None }
    );
    let in_api = "service api {\n  var B: string = \"${P";
    assert_eq!(
        ctx(in_api),
        Context::Interpolation {
            service: Some("api".into())
        }
    );
    let items = complete(p, in_api, in_api.len());
    assert_eq!(items.replace, in_api.len() - 1..in_api.len());
    assert!(items.items.iter().any(|i| i.label == "PORT"));
    assert!(items
        .items
        .iter()
        .any(|i| i.label == "service" && i.kind == CompletionKind::Builtin));
    assert!(!items.items.iter().any(|i| i.label == "DB_PASSWORD"));
    let in_env = "env qa {\n  api.SELF = \"${";
    assert_eq!(
        ctx(in_env),
        Context::Interpolation {
            service: Some("api".into())
        }
    );
    // A position past the end or inside a multi-byte character is clamped, not a panic.
    assert_eq!(complete(p, "é", 1).replace, 0..0);
    assert_eq!(complete(p, "x", 99).replace, 0..1);
}
