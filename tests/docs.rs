//! The examples in `docs/language.md` (and the README's tour) are tests, so the reference cannot drift from the
//! implementation.
//!
//! Every fenced block whose info string is `envdef` is a whole source: it must check with
//! no error and no warning (its `import`s are satisfied by empty files). A block tagged
//! `envdef fragment` is a piece of a source (a declaration shown alone, an environment
//! whose variables are declared elsewhere): it must parse without a syntax error. Blocks
//! with any other tag (or none: the grammar summary, the type grammar) are not read.

use std::path::Path;

use envdef::diagnostics::render::{self, HumanStyle};
use envdef::source::{FileId, MemoryLoader};
use envdef::{ast, CheckOptions, Diagnostics};

struct Block {
    /// 1-based line of the opening fence, for messages.
    line: usize,
    fragment: bool,
    text: String,
}

/// The ```` ```envdef ```` blocks of `doc`. Blocks in other languages are skipped whole,
/// so a fence-like line inside one is never taken for an opening fence.
fn envdef_blocks(doc: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    let mut in_other = false;
    for (i, line) in doc.lines().enumerate() {
        let fence = line.trim_start().starts_with("```");
        if in_other {
            in_other = !fence;
            continue;
        }
        if let Some(mut block) = open.take() {
            if fence {
                out.push(block);
            } else {
                block.text.push_str(line);
                block.text.push('\n');
                open = Some(block);
            }
            continue;
        }
        if fence {
            let info = line.trim_start().trim_start_matches('`').trim();
            let mut words = info.split_whitespace();
            if words.next() == Some("envdef") {
                open = Some(Block {
                    line: i + 1,
                    fragment: words.any(|w| w == "fragment"),
                    text: String::new(),
                });
            } else {
                in_other = true;
            }
        }
    }
    assert!(open.is_none(), "an ```envdef block is never closed");
    out
}

#[test]
fn language_reference_examples_check() {
    check_doc("docs/language.md", 3);
}

/// The README's tour is the first source a new user copies: it must check clean too.
#[test]
fn readme_tour_checks() {
    check_doc("README.md", 1);
}

/// Checks every ```` ```envdef ```` block of the document at `rel` (relative to the crate),
/// which must hold at least `min_whole` whole sources.
fn check_doc(rel: &str, min_whole: usize) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let doc = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let blocks = envdef_blocks(&doc);
    let whole = blocks.iter().filter(|b| !b.fragment).count();
    assert!(
        whole >= min_whole,
        "{rel} has only {whole} whole ```envdef examples"
    );
    let mut failures = Vec::new();
    for block in &blocks {
        let mut syntax = Diagnostics::new();
        let parsed = envdef::syntax::parse(FileId(0), &block.text, &mut syntax);
        if syntax.iter().any(|d| d.is_error()) {
            failures.push(format!(
                "{rel}: block at line {} does not parse: {:?}",
                block.line,
                syntax.iter().map(|d| d.message.clone()).collect::<Vec<_>>()
            ));
            continue;
        }
        if block.fragment {
            continue;
        }
        let mut loader = MemoryLoader::new().with("/doc/example.envdef", block.text.clone());
        for item in &parsed.items {
            if let ast::Item::Import(import) = item {
                let rel = import.path.as_plain().expect("import paths are plain");
                loader = loader.with(Path::new("/doc").join(rel), "");
            }
        }
        let compilation = envdef::check_file(
            &loader,
            Path::new("/doc/example.envdef"),
            CheckOptions::default(),
        )
        .expect("the example loads");
        if !compilation.diagnostics.is_empty() {
            failures.push(format!(
                "{rel}: block at line {} is not clean:\n{}",
                block.line,
                render::human_all(
                    &compilation.diagnostics,
                    &compilation.sources,
                    HumanStyle::plain()
                )
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The README's developer loop (`switch`, `run`, `verify`) is three command lines that work
/// as written on a fresh checkout of the bundled fleet example: each is run by `sh` in a
/// copy of `examples/fleet` (without anything `.gitignore` there keeps out of a clone), with
/// only the built `envdef` and the system's tools on the `PATH`.
#[test]
fn readme_developer_loop_runs_on_the_bundled_example() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let at = readme
        .find("The developer loop")
        .expect("the README shows the developer loop");
    let rest = &readme[at..];
    let open = rest.find("```sh\n").expect("a ```sh block") + "```sh\n".len();
    let block = &rest[open..open + rest[open..].find("```").unwrap()];
    let lines: Vec<&str> = block
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .collect();
    let commands: Vec<&str> = lines
        .iter()
        .map(|l| l.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
        .map(|c| match c.as_str() {
            "envdef switch" => "switch",
            "envdef run" => "run",
            "envdef verify" => "verify",
            _ => "other",
        })
        .collect();
    assert_eq!(commands, ["switch", "run", "verify"], "{block}");

    let dir = tempfile::tempdir().unwrap();
    copy_clean(&root.join("examples/fleet"), dir.path());
    let bin = Path::new(env!("CARGO_BIN_EXE_envdef")).parent().unwrap();
    for line in &lines {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(line)
            .current_dir(dir.path())
            .env_clear()
            .env(
                "PATH",
                format!("{}:/usr/local/bin:/usr/bin:/bin", bin.display()),
            )
            .env("NO_COLOR", "1")
            .output()
            .expect("sh runs");
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(
            out.status.success(),
            "`{line}` failed ({}):\n{stdout}\n{stderr}",
            out.status
        );
        // The local database password (file://secrets/dev-db-password) is resolved by
        // `run`, and never printed.
        assert!(!stdout.contains("dev-password-local") && !stderr.contains("dev-password-local"));
    }
    // Every service's working file is there, with the secret named and not written.
    for service in ["api", "web", "worker", "billing-sync"] {
        let text = std::fs::read_to_string(dir.path().join(service).join(".env"))
            .unwrap_or_else(|e| panic!("{service}/.env: {e}"));
        assert!(text.contains("environment local"), "{text}");
        assert!(
            !text.contains("dev-password-local"),
            "{service}/.env: {text}"
        );
    }
    // `local` is an `insecure env`: its plain database password is a value there, and the
    // Stripe key (env://) stays a secret.
    let api = std::fs::read_to_string(dir.path().join("api/.env")).unwrap();
    assert!(
        api.contains("# STRIPE_SECRET_KEY: secret, not written here"),
        "{api}"
    );
}

/// Copies `from` into `to`, leaving out what `examples/fleet/.gitignore` keeps out of git
/// (working files and the state of `envdef switch`), as a fresh clone would.
fn copy_clean(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let (src, dst) = (entry.path(), to.join(&name));
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&dst).unwrap();
            copy_clean(&src, &dst);
        } else if name != ".env" && name != ".envdef-active" {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}
