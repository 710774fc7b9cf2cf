//! Property tests (proptest): any input — random text built from language tokens, odd
//! characters and raw bytes — either checks or yields diagnostics whose spans all lie
//! inside their source files, on char boundaries; both renderers accept every diagnostic;
//! and `--format json` prints well-formed JSON lines. Never a panic.
//!
//! The library runs in-process for many cases; the binary runs for fewer (each case is a
//! process) to cover the CLI's JSON output and exit codes.

use std::path::Path;

use envdef::diagnostics::render::{self, HumanStyle};
use envdef::source::{MemoryLoader, SourceMap};
use envdef::Diagnostics;
use proptest::prelude::*;
use proptest::sample::select;

/// Pieces of the language, so random sequences often get deep into the grammar.
const TOKENS: &[&str] = &[
    "project",
    "import",
    "type",
    "var",
    "secret",
    "flag",
    "service",
    "env",
    "abstract",
    "extends",
    "uses",
    "assert",
    "when",
    "emit",
    "to",
    "from",
    "in",
    "matching",
    "len",
    "list",
    "matches",
    "starts_with",
    "ends_with",
    "true",
    "false",
    "string",
    "int",
    "float",
    "bool",
    "url",
    "duration",
    "dotenv",
    "tfvars",
    "variables_tf",
    "compose",
    "kubernetes",
    "A",
    "B",
    "API_URL",
    "PORT",
    "api",
    "prod",
    "dev",
    "x",
    "service",
    ":",
    "=",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "&&",
    "||",
    "!",
    "?",
    "|",
    ",",
    ".",
    "..",
    "..=",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "<",
    ">",
    "#",
    "\"",
    "/",
    "\\",
    "$",
    "${",
    "${A}",
    "${env}",
    "$$",
    "0",
    "1",
    "-1",
    "8080",
    "0123",
    "1_000",
    "1e3",
    "0.5",
    "30s",
    "1h30m",
    "250ms",
    "2d",
    "5x",
    "\"a\"",
    "\"https://x.example\"",
    "\"vault://kv/{env}#p\"",
    "\"{env}/.env\"",
    "\"\\n\"",
    "\"\\u{1F600}\"",
    "\"\\q\"",
    "/^a+$/",
    "/(/",
    "/\\//",
    " ",
    " ",
    " ",
    "\n",
    "\n",
    "\r\n",
    "\t",
    "\u{feff}",
    "\0",
    "é",
    "€",
    "😀",
    "\u{200b}",
    "--8<--",
];

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => select(TOKENS).prop_map(str::to_string),
        1 => "[A-Za-z_][A-Za-z0-9_-]{0,8}",
        1 => "\"[^\"\\n]{0,12}\"",
        1 => any::<char>().prop_map(|c| c.to_string()),
    ]
}

/// A source: a few well-formed declarations (so checking gets past parsing) mixed with
/// random token soup.
fn source() -> impl Strategy<Value = String> {
    let decl = prop_oneof![
        Just("var A: int = 1\n".to_string()),
        Just("var B: string = \"${A}\"\n".to_string()),
        Just("env dev { A = 2 }\n".to_string()),
        Just("env prod extends dev {}\n".to_string()),
        Just("service api { uses A, B }\n".to_string()),
        Just("assert A > 0 when env == \"prod\"\n".to_string()),
        Just("emit dotenv to \"{service}/.env.{env}\"\n".to_string()),
        Just("import \"a.envdef\"\n".to_string()),
    ];
    let piece = prop_oneof![3 => token(), 1 => decl];
    proptest::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

/// Splits a source into files the way the fuzz targets do, so imports resolve.
fn project(text: &str) -> MemoryLoader {
    let mut loader = MemoryLoader::new();
    for (name, part) in ["main.envdef", "a.envdef", "b.envdef"]
        .iter()
        .zip(text.split("--8<--"))
    {
        loader = loader.with(*name, part);
    }
    loader
}

/// The invariants every diagnostic must satisfy.
fn assert_well_formed(diagnostics: &Diagnostics, sources: &SourceMap) {
    for d in diagnostics {
        for label in &d.labels {
            let file = sources.get(label.span.file);
            let (start, end) = (label.span.start as usize, label.span.end as usize);
            assert!(start <= end, "{}: inverted span {start}..{end}", d.code);
            assert!(
                end <= file.text.len(),
                "{}: span {start}..{end} past the end of {} ({} bytes): {}",
                d.code,
                file.name,
                file.text.len(),
                d.message
            );
            assert!(
                file.text.is_char_boundary(start) && file.text.is_char_boundary(end),
                "{}: span {start}..{end} splits a char in {}: {}",
                d.code,
                file.name,
                d.message
            );
        }
        let line = render::json(d, sources);
        let value: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
        assert_eq!(value["code"], d.code.as_str());
        assert!(!d.message.is_empty(), "{}: empty message", d.code);
    }
    let _ = render::human_all(diagnostics, sources, HumanStyle::plain());
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_token_soup_checks_or_yields_well_formed_diagnostics(text in source()) {
        let loader = project(&text);
        let compilation = envdef::check_file(&loader, Path::new("main.envdef"), Default::default())
            .expect("the root file is in memory");
        assert_well_formed(&compilation.diagnostics, &compilation.sources);
        prop_assert_eq!(compilation.model.is_some(), !compilation.diagnostics.has_errors());
        if let Some(model) = &compilation.model {
            let mut diagnostics = Diagnostics::new();
            let _ = envdef::emit::emit(model, &Default::default(), &mut diagnostics);
            assert_well_formed(&diagnostics, &compilation.sources);
        }
    }

    #[test]
    fn any_bytes_decode_or_are_refused_with_an_offset(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        match envdef::source::decode_source(bytes.clone()) {
            Ok(text) => {
                let mut diagnostics = Diagnostics::new();
                let file = envdef::syntax::parse(envdef::source::FileId(0), &text, &mut diagnostics);
                prop_assert_eq!(file.span.end as usize, text.len());
                let mut sources = SourceMap::new();
                sources.add(envdef::source::SourceFile::new("x".into(), "x".into(), text));
                assert_well_formed(&diagnostics, &sources);
            }
            Err(envdef::source::LoadError::NotUtf8 { offset }) => {
                prop_assert!(std::str::from_utf8(&bytes).is_err());
                prop_assert_eq!(std::str::from_utf8(&bytes).unwrap_err().valid_up_to(), offset);
            }
            Err(other) => prop_assert!(false, "unexpected load error {:?}", other),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Through the real binary: exit 0 or 1, never a crash; `--format json` prints only
    /// JSON lines, each with an in-range span.
    #[test]
    fn the_binary_prints_well_formed_json_lines(text in source()) {
        let dir = tempfile::tempdir().unwrap();
        for (name, part) in ["main.envdef", "a.envdef", "b.envdef"].iter().zip(text.split("--8<--")) {
            std::fs::write(dir.path().join(name), part).unwrap();
        }
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_envdef"))
            .args(["check", "--format", "json", "main.envdef"])
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        prop_assert!(!stderr.contains("panicked"), "{}", stderr);
        prop_assert!(matches!(out.status.code(), Some(0 | 1)), "exit {:?}: {}", out.status.code(), stderr);
        let stdout = String::from_utf8(out.stdout).expect("UTF-8 stdout");
        for line in stdout.lines() {
            let v: serde_json::Value = serde_json::from_str(line)
                .map_err(|e| TestCaseError::fail(format!("{e}: {line}")))?;
            prop_assert!(v["code"].is_string(), "{}", line);
            prop_assert!(v["severity"] == "error" || v["severity"] == "warning", "{}", line);
            for label in v["labels"].as_array().expect("labels") {
                let file = label["file"].as_str().expect("file");
                let len = std::fs::metadata(dir.path().join(file)).map(|m| m.len()).unwrap_or(0);
                let end = label["end"].as_u64().expect("end");
                prop_assert!(label["start"].as_u64().unwrap() <= end, "{}", line);
                prop_assert!(end <= len, "{} past the end of {} ({} bytes)", line, file, len);
                prop_assert!(label["line"].as_u64().unwrap() >= 1, "{}", line);
                prop_assert!(label["column"].as_u64().unwrap() >= 1, "{}", line);
            }
        }
        if out.status.code() == Some(1) {
            prop_assert!(stdout.lines().any(|l| l.contains("\"severity\":\"error\"")), "exit 1 without an error line");
        }
    }
}

/// The library on a small stack: an editor or language server calls `check` on worker
/// threads (2 MiB by default). Nesting right at the limits must fit there too.
#[test]
fn inputs_at_the_nesting_limits_fit_a_two_mib_thread_stack() {
    let parens = 64;
    let cases = [
        format!(
            "var A: bool = true\nassert {}A{}\nenv e {{}}\n",
            "(".repeat(parens),
            ")".repeat(parens)
        ),
        format!(
            "var A: bool = true\nassert {}A{}\nenv e {{}}\n",
            "!(".repeat(parens),
            ")".repeat(parens)
        ),
        format!(
            "var A: bool = true\nassert A{}\nenv e {{}}\n",
            " || A".repeat(envdef::syntax::MAX_EXPR_DEPTH - 2)
        ),
        format!(
            "var A: bool = true\nassert {}A\nenv e {{}}\n",
            "!".repeat(envdef::syntax::MAX_EXPR_DEPTH - 2)
        ),
        format!(
            "var A: list<int> = {}1{}\nenv e {{}}\n",
            "[".repeat(parens),
            "]".repeat(parens)
        ),
        format!(
            "var A: {}int{}\nenv e {{}}\n",
            "list<".repeat(parens),
            ">".repeat(parens)
        ),
    ];
    for text in cases {
        let handle = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                let loader = MemoryLoader::new().with("main.envdef", text.as_str());
                let c = envdef::check_file(&loader, Path::new("main.envdef"), Default::default())
                    .unwrap();
                let _ = render::human_all(&c.diagnostics, &c.sources, HumanStyle::plain());
            })
            .unwrap();
        handle.join().expect("no stack overflow on a 2 MiB stack");
    }
}
