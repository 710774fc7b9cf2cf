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
