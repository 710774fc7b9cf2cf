//! The fast path must agree with pest + lowering: same item (spans included) whenever it
//! answers, and an answer for every well-formed declaration it handles.

use std::path::Path;

use pest::Parser as _;

use super::item;
use crate::ast::Item;
use crate::source::FileId;
use crate::syntax::parser::EnvdefParser;
use crate::syntax::scan::{self, ChunkKind, DeclKind};
use crate::syntax::{item_rule, lower};

const FILE: FileId = FileId(0);

/// pest + lowering of one chunk; `None` if pest fails or lowering reports anything.
fn slow(offset: usize, kind: DeclKind, src: &str) -> Option<Item> {
    let mut pairs = EnvdefParser::parse(item_rule(kind), src).ok()?;
    let pair = pairs.next()?;
    let mut diagnostics = Vec::new();
    let item = lower::Lower {
        file: FILE,
        offset,
        diagnostics: &mut diagnostics,
    }
    .item(pair);
    diagnostics.is_empty().then_some(item)
}

fn handled(kind: DeclKind) -> bool {
    matches!(
        kind,
        DeclKind::Var | DeclKind::Secret | DeclKind::Flag | DeclKind::Service | DeclKind::Env
    )
}

/// Compares both paths on every chunk of `text`. With `complete`, a chunk that pest
/// accepts must not fall back (the fast path has to cover well-formed input, or it is
/// not fast). Returns how many chunks the fast path answered.
fn compare(text: &str, what: &str, complete: bool) -> usize {
    let mut answered = 0;
    for chunk in scan::scan(FILE, text).chunks {
        let ChunkKind::Decl(kind) = chunk.kind else {
            continue;
        };
        if chunk.poisoned {
            continue;
        }
        let src = &text[chunk.start..chunk.end];
        let fast = item(FILE, chunk.start, kind, src);
        if fast.is_some() {
            answered += 1;
            let slow = slow(chunk.start, kind, src);
            assert_eq!(fast, slow, "{what}: the paths disagree on\n{src}");
        } else if complete && handled(kind) {
            assert!(
                slow(chunk.start, kind, src).is_none(),
                "{what}: the fast path gave up on a well-formed declaration:\n{src}"
            );
        }
    }
    answered
}

fn envdef_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            envdef_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "envdef") {
            out.push(path);
        }
    }
}

fn repo_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    envdef_files(&root.join("examples"), &mut paths);
    envdef_files(&root.join("tests"), &mut paths);
    // A developer's extra corpus, e.g. fleets from `examples/gen_fleet.rs`.
    if let Some(dir) = std::env::var_os("ENVDEF_FAST_CORPUS") {
        envdef_files(Path::new(&dir), &mut paths);
    }
    paths
        .into_iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            Some((p.display().to_string(), text))
        })
        .collect()
}

/// Shapes the examples may not cover: comments and odd blanks between tokens, trailing
/// commas, every literal kind, nested list types, both assignment forms.
const SNIPPETS: &[&str] = &[
    "var A: int = 1",
    "var A: int=1 \"doc\"",
    "var A :int  # c\n = 1 # c2\n \"doc\" # c3\n { unit = \"s\", doc = \"x\" , }",
    "var B: string? \"optional\"",
    "var C: int? in 1..=5",
    "var C2: int in 1..5 in 0..10",
    "var D: list<url>? = [] { separator = \";\" }",
    "var E: list< list<int in 0..=9> > = [[1, 2,], [ ], [3]]",
    "var F: \"a\" | \"b\"|\"c\" = \"b\"",
    "var G: string matching /^[a-z]\\/x$/ len in 1..=64 = \"ab\"",
    "var H: float in -1.5..=2e3 = 0.25",
    "var I: duration = 1h30m { unit = \"m\" }",
    "var J: int = -10_000",
    "var K: bool = true\"doc\"",
    "var L: string = \"a${B}b$$c\\n\\t\\\"\\u{1F600}\"",
    "var M: Port",
    "var N: listing = 1",
    "var O: list = 1",
    "var P: string = \"x\"\r\n",
    "var Q: int = 1\x0b\"doc\"",
    "secret S",
    "secret S from \"vault://{env}/x#y\" \"doc\" { example = \"e\" }",
    "secret S \"only a doc\"",
    "flag f = false",
    "flag f=true \"doc\" {env_name=\"F\"}",
    "service api {}",
    "service auth-gw {\n  var PORT: Port = 8080 # the port\n  secret TOKEN from \"x\"\n  uses A, B\n  uses C,\n}",
    "service s { uses A , B , }",
    "service s { uses A as B, C, D as E , }",
    "service s { uses A as\n  B }",
    "service s { uses A as }",
    "service s { uses as, as as as }",
    "service s { uses A asB }",
    "service s { var X: int var Y: int = 2 \"d\" uses X }",
    "env local {}",
    "env local { A = 1, B = \"x\" api.PORT = 80 }",
    "abstract env base { S from \"ref\" api.T from \"r2\" }",
    "abstract  env base extends other-env {\n  A = [1, 2]\n  B = 5m,\n  C = -2.5e-3\n}",
    "env e extends p { auth-gw.X = true, }",
    "env e { A=1 }",
    "insecure env local { DB_PASSWORD = \"postgres\" }",
    "insecure  abstract env dev extends base { A = 1 }",
    "insecure # why\n env e {}",
    "insecure abstract {}",
    // Malformed or diagnosed: the fast path must not answer (or must agree).
    "var A: int = 0123",
    "var A: string = \"\\q\"",
    "var A: list<int?> = []",
    "env e { FOO-BAR = 1 }",
    "env e { a.-b = 1 }",
    "var A: int = 5x",
    "var A: int = ",
    "service s { flag f = true }",
    "env e { A = 1 B }",
    "var A: string = \"${}\"",
    "var A: int = 99999999999999999999",
    "var A: duration = -5m",
];

#[test]
fn agrees_with_pest_on_every_repository_file() {
    let files = repo_files();
    assert!(!files.is_empty(), "no .envdef files found");
    let mut answered = 0;
    for (name, text) in &files {
        answered += compare(text, name, true);
    }
    assert!(
        answered > 50,
        "the fast path answered only {answered} chunks"
    );
}

#[test]
fn agrees_with_pest_on_tricky_snippets() {
    for snippet in SNIPPETS {
        compare(snippet, snippet, true);
    }
    // Sanity: the well-formed ones really take the fast path.
    assert_eq!(
        compare("var A :int  # c\n = 1 \"d\" { a = 1 }", "x", true),
        1
    );
    for prefix in ["service auth-gw", "abstract  env", "var E:", "var G:"] {
        let snippet = SNIPPETS.iter().find(|s| s.starts_with(prefix)).unwrap();
        assert_eq!(compare(snippet, snippet, true), 1, "{snippet}");
    }
}

/// splitmix64, so the mutations are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Bytes that matter to the grammar, to insert or substitute.
const INTERESTING: &[u8] = b" \t\n\r\x0b#\"\\/$.{}[]<>(),=:?|-_0123456789eEaAzZ";

fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(4) {
            0 if at < bytes.len() => {
                bytes.remove(at);
            }
            1 if at < bytes.len() => bytes[at] = INTERESTING[rng.below(INTERESTING.len())],
            2 => {
                let len = rng.below(8).min(bytes.len() - at.min(bytes.len()));
                let copy: Vec<u8> = bytes[at..at + len].to_vec();
                for (i, b) in copy.into_iter().enumerate() {
                    bytes.insert(at + i, b);
                }
            }
            _ => bytes.insert(at, INTERESTING[rng.below(INTERESTING.len())]),
        }
    }
    // Keep it UTF-8 (a mutation can split a multi-byte char).
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn agrees_with_pest_on_mutated_declarations() {
    let mut rng = Rng(7);
    let mut sources: Vec<String> = SNIPPETS.iter().map(|s| (*s).to_string()).collect();
    for (_, text) in repo_files() {
        for chunk in scan::scan(FILE, &text).chunks {
            if matches!(chunk.kind, ChunkKind::Decl(k) if handled(k))
                && chunk.end - chunk.start < 2000
            {
                sources.push(text[chunk.start..chunk.end].to_string());
            }
        }
    }
    let mut answered = 0;
    for source in &sources {
        for _ in 0..40 {
            let mutated = mutate(source, &mut rng);
            answered += compare(&mutated, &mutated, false);
        }
    }
    assert!(answered > 100, "only {answered} mutants took the fast path");
}
