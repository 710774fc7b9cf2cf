//! `envdef fmt`: idempotent and meaning-preserving over every UI case that parses, every
//! example, every import draft of the real-env corpus, and generated inputs; every comment
//! survives; the CLI never rewrites a file with syntax errors and `--check` writes nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use envdef::source::FileId;
use envdef::{CheckOptions, Diagnostics, FsLoader};

fn format(text: &str) -> Option<String> {
    envdef::fmt::format(FileId(0), text).ok()
}

fn parses(text: &str) -> bool {
    let mut d = Diagnostics::new();
    envdef::syntax::parse(FileId(0), text, &mut d);
    !d.has_errors()
}

/// Every `*.envdef` under `dir`, sorted.
fn envdef_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "envdef") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn comment_texts(text: &str) -> Vec<String> {
    let mut d = Diagnostics::new();
    let ast = envdef::syntax::parse(FileId(0), text, &mut d);
    ast.comments
        .iter()
        .map(|c| c.text.trim_end().to_string())
        .collect()
}

/// The checked result as comparable JSON: the model without spans and the root's name,
/// plus the diagnostic codes.
fn meaning(root: &Path) -> serde_json::Value {
    let c = envdef::check_file(&FsLoader, root, CheckOptions::default()).expect("loads");
    let mut model = serde_json::to_value(&c.model).unwrap();
    strip(&mut model);
    let codes: Vec<String> = c
        .diagnostics
        .iter()
        .map(|d| d.code.as_str().to_string())
        .collect();
    serde_json::json!({ "model": model, "codes": codes })
}

fn strip(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            map.remove("span");
            map.remove("source_name");
            for x in map.values_mut() {
                strip(x);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
        _ => {}
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().filter_map(Result::ok) {
        let p = e.path();
        let dest = to.join(e.file_name());
        if p.is_dir() {
            copy_tree(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// Formats `path` (inside `root_dir`, which holds everything it imports) and asserts the
/// three properties. Returns false when the file does not parse (nothing to check).
fn assert_fmt_properties(root_dir: &Path, path: &Path) -> bool {
    let text = std::fs::read_to_string(path).unwrap();
    if !parses(&text) {
        assert!(format(&text).is_none());
        return false;
    }
    let once = format(&text).unwrap();
    let twice = format(&once).expect("formatted output parses");
    assert_eq!(
        twice,
        once,
        "fmt is not idempotent on {}:\n--- source\n{text}\n--- once\n{once}",
        path.display()
    );
    assert_eq!(
        comment_texts(&once),
        comment_texts(&text),
        "comments changed in {}",
        path.display()
    );
    // Meaning: check the original and the formatted file in identical directory trees.
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(root_dir, tmp.path());
    let rel = path.strip_prefix(root_dir).unwrap();
    let formatted_path = tmp.path().join(rel);
    std::fs::write(&formatted_path, &once).unwrap();
    assert_eq!(
        meaning(&formatted_path),
        meaning(path),
        "fmt changed the meaning of {}:\n{once}",
        path.display()
    );
    true
}

fn assert_all_under(dir: &str) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut n = 0;
    for path in envdef_files(&root) {
        // The directory the case lives in holds whatever it imports.
        let case_dir = path.parent().unwrap();
        if assert_fmt_properties(case_dir, &path) {
            n += 1;
        }
    }
    n
}

#[test]
fn every_ui_case_that_parses() {
    let n = assert_all_under("tests/ui");
    eprintln!("{n} UI cases formatted");
}

#[test]
fn every_example() {
    let n = assert_all_under("examples");
    assert!(n >= 1, "no examples formatted");
}

#[test]
fn import_drafts_are_already_formatted() {
    let Ok(dir) = std::fs::read_dir("/work/shared/data/real-env") else {
        return;
    };
    for e in dir.filter_map(Result::ok) {
        let name = e.file_name().to_string_lossy().to_string();
        if !name.contains(".env") {
            continue;
        }
        let text = std::fs::read_to_string(e.path()).unwrap();
        let draft = envdef::import::draft(
            &[envdef::import::Input {
                name: name.clone(),
                text,
            }],
            &Default::default(),
        )
        .unwrap();
        assert_eq!(
            format(&draft.source).as_deref(),
            Some(draft.source.as_str()),
            "{name}"
        );
    }
}

#[test]
fn the_canonical_layout() {
    let messy = "# header comment\n\nproject   acme\nimport \"common.envdef\"   # shared\ntype Port=int in 1..=65535\nvar API_URL : url \"Base URL\"   # eol\nvar TIMEOUT: duration = 90m { unit = \"s\", doc = \"how long\" }\nvar LONG: string = \"x\" { doc = \"a very long documentation string that goes on and on\", example = \"something long too\" }\nsecret DB from \"vault://{env}/db\"\nservice api {   # the api\n  var PORT2: Port = 80\n  # uses comment\n  uses API_URL, PORT2\n}\nenv local { API_URL = \"http://localhost\" , api.PORT2=81\n  DB from \"file://x\"   # local db\n}\nabstract env deployed {}\nassert !(api.PORT2 == 1) || (API_URL starts_with \"https://\" && api.PORT2 > 1)\nemit dotenv to \"out/.env.{env}\"\n# trailing comment\n";
    let expected = r#"# header comment

project acme

import "common.envdef"  # shared

type Port = int in 1..=65535

var API_URL: url "Base URL"  # eol
var TIMEOUT: duration = 1h30m { unit = "s", doc = "how long" }
var LONG: string = "x" {
  doc     = "a very long documentation string that goes on and on"
  example = "something long too"
}
secret DB from "vault://{env}/db"

service api {  # the api
  var PORT2: Port = 80
  # uses comment
  uses API_URL, PORT2
}

env local {
  API_URL   = "http://localhost"
  api.PORT2 = 81
  DB        from "file://x"  # local db
}

abstract env deployed {}

assert !(api.PORT2 == 1) || API_URL starts_with "https://" && api.PORT2 > 1

emit dotenv to "out/.env.{env}"
# trailing comment
"#;
    assert_eq!(format(messy).unwrap(), expected);
    assert_eq!(format(expected).unwrap(), expected);
}

/// Issue 14: `fmt` keeps the author's `uses` lines (one concern per line), aligns `=` only
/// within a paragraph of an environment (a long `svc.NAME` in its own paragraph pads
/// nothing else), and wraps an assert too long for one line before `when` and the message.
#[test]
fn the_authors_uses_lines_and_paragraph_alignment() {
    let messy = r#"var DATABASE_URL: url = "postgres://db/plane"
var REDIS_URL: url = "redis://redis:6379"
var AWS_REGION: string = "us-east-1"
var AWS_S3_BUCKET_NAME: string = "uploads"
var AWS_S3_ENDPOINT_URL: url? = "http://plane-minio:9000"
var WEB_URL: url = "http://localhost"
var DEBUG: bool = false
var GUNICORN_WORKERS: int = 1
service api {
  var PORT: int = 8000
  uses DATABASE_URL,   REDIS_URL
  uses AWS_REGION, AWS_S3_BUCKET_NAME,
       AWS_S3_ENDPOINT_URL
  uses WEB_URL, DEBUG, GUNICORN_WORKERS
}
env local {
  WEB_URL = "http://localhost"
  DEBUG = true
  # the dev box has one core
  GUNICORN_WORKERS = 1

  api.PORT = 8001
}
env production {
  WEB_URL = "https://plane.example"
  AWS_S3_ENDPOINT_URL = unset
  api.PORT = 80
}
assert GUNICORN_WORKERS >= 2 when env == "production" "production serves more than one request at a time, always"
"#;
    let expected = r#"var DATABASE_URL: url = "postgres://db/plane"
var REDIS_URL: url = "redis://redis:6379"
var AWS_REGION: string = "us-east-1"
var AWS_S3_BUCKET_NAME: string = "uploads"
var AWS_S3_ENDPOINT_URL: url? = "http://plane-minio:9000"
var WEB_URL: url = "http://localhost"
var DEBUG: bool = false
var GUNICORN_WORKERS: int = 1

service api {
  var PORT: int = 8000
  uses DATABASE_URL, REDIS_URL
  uses AWS_REGION, AWS_S3_BUCKET_NAME,
       AWS_S3_ENDPOINT_URL
  uses WEB_URL, DEBUG, GUNICORN_WORKERS
}

env local {
  WEB_URL          = "http://localhost"
  DEBUG            = true
  # the dev box has one core
  GUNICORN_WORKERS = 1

  api.PORT = 8001
}

env production {
  WEB_URL             = "https://plane.example"
  AWS_S3_ENDPOINT_URL = unset
  api.PORT            = 80
}

assert GUNICORN_WORKERS >= 2 when env == "production"
  "production serves more than one request at a time, always"
"#;
    assert_eq!(format(messy).unwrap(), expected);
    assert_eq!(format(expected).unwrap(), expected);
}

// ── generated inputs ────────────────────────────────────────────────────────────────────

/// xorshift64*: deterministic, so a failure names a seed that reproduces it.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Whitespace between tokens: spaces, newlines, tabs and comments.
fn sep(rng: &mut Rng) -> String {
    match rng.below(10) {
        0 => "\n".to_string(),
        1 => "  ".to_string(),
        2 => "\t".to_string(),
        3 => format!(" # c{} \n", rng.below(100)),
        4 => "\n\n".to_string(),
        _ => " ".to_string(),
    }
}

const VARS: &[(&str, &str, &[&str])] = &[
    ("PORT", "int in 1..=65535", &["8080", "80", "1_000"]),
    ("TIMEOUT", "duration", &["30s", "90m", "1h30m", "1500ms"]),
    ("RATIO", "float", &["0.5", "1e3", "2.50"]),
    ("DEBUG", "bool", &["true", "false"]),
    (
        "API_URL",
        "url",
        &["\"https://a.example\"", "\"http://x:1/$$\""],
    ),
    ("LEVEL", "\"debug\" | \"info\"", &["\"debug\"", "\"info\""]),
    (
        "NAME",
        "string",
        &[
            "\"a\\tb\"",
            "\"q\\\"x\\\\\"",
            "\"${API_URL}/v1\"",
            "\"\\u{41}$$\"",
            "\"{x}\"",
        ],
    ),
    ("HOSTS", "list<string>", &["[\"a\", \"b\",]", "[]"]),
];

fn generate(seed: u64) -> String {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut out = String::new();
    // Newlines and comments go anywhere inside brackets; at the top level only between
    // declarations, because the parser's recovery reads `WORD NAME` / `WORD:` / `WORD =` at
    // the start of a line as a new declaration (see the scanner).
    let tokens = |rng: &mut Rng, toks: &[&str]| -> String {
        let mut s = String::new();
        let mut depth = 0i32;
        for (i, t) in toks.iter().enumerate() {
            if i > 0 {
                if depth > 0 {
                    s.push_str(&sep(rng));
                } else {
                    s.push_str(["  ", "\t", " "][rng.below(3)]);
                }
            }
            s.push_str(t);
            for c in t.chars() {
                match c {
                    '{' | '[' | '(' => depth += 1,
                    '}' | ']' | ')' => depth -= 1,
                    _ => {}
                }
            }
        }
        s
    };
    if rng.below(2) == 0 {
        out.push_str(&tokens(&mut rng, &["project", "gen"]));
        out.push('\n');
    }
    let n_vars = 1 + rng.below(VARS.len());
    let mut declared = Vec::new();
    for (name, ty, values) in VARS.iter().take(n_vars) {
        let optional = rng.below(4) == 0;
        let ty = if optional {
            // The marker goes right after the base type.
            match ty.split_once(" in ") {
                Some((base, rest)) => format!("{base}? in {rest}"),
                None => format!("{ty}?"),
            }
        } else {
            ty.to_string()
        };
        let value = rng.pick(values).to_string();
        let mut toks = vec!["var".to_string(), format!("{name}:"), ty.clone()];
        if rng.below(3) != 0 {
            toks.push("=".to_string());
            toks.push(value);
        }
        if rng.below(4) == 0 {
            toks.push("\"doc\"".to_string());
        }
        if rng.below(5) == 0 {
            for t in [
                "{",
                "example",
                "=",
                "\"e\"",
                ",",
                "deprecated",
                "=",
                "\"old\"",
                "}",
            ] {
                toks.push(t.to_string());
            }
        }
        let refs: Vec<&str> = toks.iter().map(String::as_str).collect();
        out.push_str(&tokens(&mut rng, &refs));
        out.push_str(&sep(&mut rng));
        out.push('\n');
        declared.push((*name, values));
    }
    out.push_str(&tokens(
        &mut rng,
        &["secret", "DB_PASSWORD", "from", "\"vault://{env}/db\""],
    ));
    out.push('\n');
    out.push_str(&tokens(&mut rng, &["flag", "new_ui", "=", "false"]));
    out.push('\n');
    let with_service = rng.below(2) == 0;
    if with_service {
        let mut toks: Vec<String> = ["service", "api", "{", "var", "OWN:", "int", "=", "1"]
            .iter()
            .map(|t| t.to_string())
            .collect();
        if rng.below(2) == 0 {
            toks.extend(["secret", "KEY", "from", "\"vault://{service}\""].map(String::from));
        }
        toks.push("uses".into());
        for (i, (name, _)) in declared.iter().enumerate() {
            if i > 0 {
                toks.push(",".into());
            }
            toks.push(name.to_string());
        }
        toks.extend([",", "DB_PASSWORD", "}"].map(String::from));
        let refs: Vec<&str> = toks.iter().map(String::as_str).collect();
        out.push_str(&tokens(&mut rng, &refs));
        out.push('\n');
    }
    let envs = ["local", "staging", "production"];
    for (i, env) in envs.iter().enumerate() {
        let mut toks: Vec<String> = Vec::new();
        if i == 0 && rng.below(2) == 0 {
            toks.push("insecure".into());
        }
        if i == 1 && rng.below(2) == 0 {
            toks.push("abstract".into());
        }
        toks.push("env".into());
        toks.push(env.to_string());
        if i == 2 {
            toks.push("extends".into());
            toks.push("staging".into());
        }
        toks.push("{".into());
        for (name, values) in &declared {
            if rng.below(2) == 0 {
                toks.push(name.to_string());
                toks.push("=".into());
                toks.push(rng.pick(values).to_string());
                if rng.below(3) == 0 {
                    toks.push(",".into());
                }
            }
        }
        if with_service && rng.below(2) == 0 {
            toks.extend(["api.OWN", "=", "2"].map(String::from));
        }
        if rng.below(2) == 0 {
            toks.push("DB_PASSWORD".into());
            toks.push("from".into());
            toks.push("\"vault://x\"".into());
        }
        toks.push("}".into());
        let refs: Vec<&str> = toks.iter().map(String::as_str).collect();
        out.push_str(&tokens(&mut rng, &refs));
        out.push('\n');
    }
    let asserts = [
        "assert PORT > 0 || DEBUG == true",
        "assert !(env == \"production\" && DEBUG == true) \"no debug\"",
        "assert (PORT >= 1 || PORT < 0) && env in [\"local\", \"staging\"] when env != \"production\"",
        "assert API_URL starts_with \"http\" when !(env == \"local\")",
        "assert NAME matches /^[a-z\\/]*$/ || NAME ends_with \"x\"",
    ];
    if rng.below(2) == 0 {
        let a = rng.pick(&asserts);
        let words: Vec<&str> = a.split(' ').collect();
        out.push_str(&tokens(&mut rng, &words));
        out.push('\n');
    }
    out.push_str(&tokens(
        &mut rng,
        &["emit", "dotenv", "to", "\"out/.env.{env}\""],
    ));
    out.push_str(&sep(&mut rng));
    out.push('\n');
    out
}

#[test]
fn generated_inputs() {
    let mut formatted = 0;
    for seed in 1..=300u64 {
        let text = generate(seed);
        if std::env::var_os("ENVDEF_FMT_SHOW_SEED").is_some() {
            eprintln!("--- seed {seed}\n{text}");
        }
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("gen.envdef");
        std::fs::write(&path, &text).unwrap();
        if assert_fmt_properties(tmp.path(), &path) {
            formatted += 1;
        } else {
            let mut d = Diagnostics::new();
            envdef::syntax::parse(FileId(0), &text, &mut d);
            panic!("seed {seed} does not parse: {:#?}\n{text}", d.into_vec());
        }
    }
    assert_eq!(formatted, 300);
}

// ── the command line ────────────────────────────────────────────────────────────────────

fn envdef(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_envdef"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_check_rewrite_and_syntax_errors() {
    let dir = tempfile::tempdir().unwrap();
    let messy = "var  PORT:int=8080 # the port\nenv local{PORT=1}\n";
    std::fs::write(dir.path().join("app.envdef"), messy).unwrap();

    // --check: diff on stdout, exit 1, file untouched.
    let (code, stdout, _) = envdef(dir.path(), &["fmt", "--check", "app.envdef"]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("-var  PORT:int=8080 # the port"),
        "{stdout}"
    );
    assert!(
        stdout.contains("+var PORT: int = 8080  # the port"),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("app.envdef")).unwrap(),
        messy
    );

    // Rewrite (default file: the only *.envdef here), then --check passes.
    let (code, _, stderr) = envdef(dir.path(), &["fmt"]);
    assert_eq!(code, 0, "{stderr}");
    let formatted = std::fs::read_to_string(dir.path().join("app.envdef")).unwrap();
    assert_eq!(
        formatted,
        "var PORT: int = 8080  # the port\n\nenv local {\n  PORT = 1\n}\n"
    );
    let (code, stdout, _) = envdef(dir.path(), &["fmt", "--check", "app.envdef"]);
    assert_eq!((code, stdout.as_str()), (0, ""));
    // No temp files left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");

    // Syntax errors: diagnostics, exit 1, never rewritten.
    let broken = "var PORT: = \nenv local {\n";
    std::fs::write(dir.path().join("app.envdef"), broken).unwrap();
    let (code, _, stderr) = envdef(dir.path(), &["fmt", "app.envdef"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("E01"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("app.envdef")).unwrap(),
        broken
    );

    // `-`: stdin → stdout, for editors.
    let mut child = Command::new(env!("CARGO_BIN_EXE_envdef"))
        .args(["fmt", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(messy.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), formatted);

    let (code, _, stderr) = envdef(dir.path(), &["fmt", "missing.envdef"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot read `missing.envdef`"), "{stderr}");
}

// ── literals: what `import` and `fmt` write reads back exactly ─────────────────────────

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Any text, written with `fmt::literal::string`, parses back to exactly that text
    /// (`$`, `${`, `\`, quotes, control and invisible characters, any Unicode), and the
    /// declaration holding it is already formatted.
    #[test]
    fn string_literals_read_back_exactly(text in "(?s).{0,40}|[$\\\\\"{}\\n\\r\\t\u{0}\u{7f}\u{200b}\u{feff}a]{0,20}") {
        let source = format!("var X: string = {}\n", envdef::fmt::literal::string(&text));
        let loader = envdef::source::MemoryLoader::new()
            .with("s.envdef", format!("{source}env e {{}}\n"));
        let c = envdef::check_file(&loader, Path::new("s.envdef"), CheckOptions::default())
            .unwrap();
        let model = c.model.unwrap_or_else(|| panic!("{source}: {:#?}", c.diagnostics));
        let id = model.find_var("X").unwrap();
        let env = model.concrete_envs().next().unwrap();
        proptest::prop_assert_eq!(
            env.value(id).map(|r| r.value.clone()),
            Some(envdef::model::Value::Str(text.clone()))
        );
        let formatted = format(&source).unwrap();
        proptest::prop_assert_eq!(formatted, source);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

    /// Token soup: whatever parses formats idempotently, keeps its comments and parses
    /// again; whatever does not parse is refused. Nothing panics.
    #[test]
    fn token_soup_never_breaks_fmt(tokens in proptest::collection::vec(
        proptest::sample::select(vec![
            "var", "X", "Y:", ":", "int", "string?", "=", "1", "-2", "0.5", "30s", "{", "}",
            "env", "e", "abstract", "extends", "# c\n", "\n", "\"s$$\"", "\"${X}\"", "[", "]",
            ",", "assert", "==", "&&", "||", "(", ")", "!", "in", "service", "api", "uses",
            "flag", "f", "true", "secret", "from", "emit", "to", "dotenv", "type", "T", "|",
            "1..=5", "matching", "/a\\/b/", "when", "project", "api.X", "doc", "list<int>",
        ]),
        0..40,
    )) {
        let text = tokens.join(" ");
        match format(&text) {
            None => proptest::prop_assert!(!parses(&text)),
            Some(once) => {
                proptest::prop_assert!(parses(&once), "formatted output does not parse:\n{}\n---\n{}", text, once);
                let twice = format(&once).unwrap();
                proptest::prop_assert_eq!(&twice, &once, "not idempotent on:\n{}", text);
                proptest::prop_assert_eq!(comment_texts(&once), comment_texts(&text));
            }
        }
    }
}

/// Valid declarations with newlines and comments dropped between random tokens — also at
/// the top level, where the parser may then reject the input: whatever parses must format
/// idempotently, keep its comments and mean the same.
#[test]
fn comments_and_newlines_anywhere() {
    const DECLS: &[&str] = &[
        "project p",
        "type T = int in 1..=5",
        "var X : T ? = 3 \"doc\" { example = \"4\" , deprecated = \"no\" }",
        "var Y : list < string > = [ \"a\" , \"b\" , ] { separator = \";\" }",
        "var U : \"a\" | \"b\" = \"a\"",
        "secret S from \"vault://{env}/s\" \"doc\"",
        "flag f = false \"doc\"",
        "service api { var P : int = 1 secret K uses X , Y , f }",
        "env base { X = 1 , Y = [ ] }",
        "env e extends base { X = 2 api.P = 3 S from \"file://x\" K from \"k\" f = true }",
        "assert ! ( X == 1 ) || Y == [ ] && env in [ \"e\" , \"base\" ] when env != \"x\" \"m\"",
        "emit dotenv to \"out/{env}.env\" { header = \"h\" }",
    ];
    let mut parsed = 0;
    for seed in 1..=800u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut text = String::new();
        for decl in DECLS {
            if rng.below(4) == 0 {
                continue;
            }
            for token in decl.split(' ') {
                text.push_str(token);
                text.push_str(match rng.below(8) {
                    0 => " # c\n",
                    1 => "\n",
                    2 => "\n\n",
                    _ => " ",
                });
            }
            text.push('\n');
        }
        if !parses(&text) {
            assert!(format(&text).is_none());
            continue;
        }
        parsed += 1;
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("c.envdef");
        std::fs::write(&path, &text).unwrap();
        assert!(assert_fmt_properties(tmp.path(), &path), "seed {seed}");
    }
    assert!(parsed >= 30, "only {parsed} of 800 inputs parsed");
}

/// Q1 regression: a read-only file was replaced anyway (the atomic rename needs only the
/// directory to be writable). It is left alone, exit 2, and the other files still format.
#[test]
fn cli_a_read_only_file_is_not_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let ro = dir.path().join("ro.envdef");
    let rw = dir.path().join("rw.envdef");
    let messy = "var   PORT :int=8080\n";
    std::fs::write(&ro, messy).unwrap();
    std::fs::write(&rw, messy).unwrap();
    let mut perms = std::fs::metadata(&ro).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&ro, perms).unwrap();
    let (code, _, stderr) = envdef(dir.path(), &["fmt", "ro.envdef", "rw.envdef"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("`ro.envdef` is read-only"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&ro).unwrap(), messy);
    assert_eq!(
        std::fs::read_to_string(&rw).unwrap(),
        "var PORT: int = 8080\n"
    );
    // `--check` only reads, so a read-only file is fine there.
    let (code, stdout, _) = envdef(dir.path(), &["fmt", "--check", "ro.envdef"]);
    assert_eq!(code, 1);
    assert!(stdout.contains("+var PORT: int = 8080"), "{stdout}");
}

/// Q1 regression: comments inside a list were all moved above the declaration, away from
/// the items they describe. A list with comments is written one item per line instead.
#[test]
fn comments_inside_a_list_stay_with_their_items() {
    let text = "var ORIGINS: list<url> = [ # who may call us\n  \"https://a.example\", # marketing\n  # the admin UI\n  \"https://b.example\"\n] # end\n\nenv prod {\n  PORT = 1\n  ORIGINS = [\"https://c.example\", # prod only\n  \"https://d.example\"]\n}\n";
    let formatted = format(text).unwrap();
    assert_eq!(
        formatted,
        "var ORIGINS: list<url> = [\n  # who may call us\n  \"https://a.example\",  # marketing\n  # the admin UI\n  \"https://b.example\",\n]  # end\n\nenv prod {\n  PORT    = 1\n  ORIGINS = [\n    \"https://c.example\",  # prod only\n    \"https://d.example\",\n  ]\n}\n"
    );
    assert_eq!(format(&formatted).unwrap(), formatted);
}
