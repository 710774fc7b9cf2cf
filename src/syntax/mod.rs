//! Syntax: source text → [`ast::File`] plus syntax diagnostics (E01xx).
//!
//! Three steps, each in its own module:
//!
//! 1. `scan`: one byte-level pass splits the file into top-level declarations, collects
//!    comments, and reports unterminated strings, unbalanced brackets and runaway nesting.
//! 2. `parser` (pest, `grammar/envdef.pest`) parses each declaration chunk on its own;
//!    a failure becomes one diagnostic (`error`) and parsing goes on with the next chunk.
//! 3. `lower` turns each chunk's pairs into AST items, decoding literals (`literal`).
//!
//! Invariants: never panics on any input; items come out in source order with absolute
//! spans; a syntax error in one declaration never hides the others. Large files parse
//! their chunks on several threads; the result is identical to a sequential parse.

mod error;
mod fast;
pub(crate) mod literal;
mod lower;
mod parser;
mod scan;

#[cfg(test)]
mod tests;

use pest::Parser as _;

use crate::ast;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::source::{FileId, Span};

pub use literal::{interpolations, Interpolation};
pub use lower::MAX_EXPR_DEPTH;

/// The keywords of the grammar (its `kw_*` rules). A name spelled like one parses in some
/// places and not in others (`env in {}` reads as a rule's built-in `env in …`, `env
/// extends {}` lacks a name), so a tool that makes names up (`import`) avoids them all.
pub const KEYWORDS: &[&str] = &[
    "project",
    "import",
    "type",
    "var",
    "secret",
    "flag",
    "service",
    "uses",
    "as",
    "abstract",
    "insecure",
    "env",
    "extends",
    "assert",
    "when",
    "unset",
    "emit",
    "promote",
    "group",
    "to",
    "from",
    "in",
    "matching",
    "len",
    "list",
    "matches",
    "starts_with",
    "ends_with",
];
use parser::{EnvdefParser, Rule};
use scan::{Chunk, ChunkKind, DeclKind};

/// Files at least this big parse their chunks on several threads (below it, spawning
/// threads costs more than it saves).
const PARALLEL_THRESHOLD: usize = 256 * 1024;

/// Parses one file. Never panics; syntax errors become diagnostics and parsing recovers at
/// the next declaration.
pub fn parse(file: FileId, text: &str, diagnostics: &mut Diagnostics) -> ast::File {
    let threads = if text.len() >= PARALLEL_THRESHOLD {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
    } else {
        1
    };
    parse_with_threads(file, text, diagnostics, threads)
}

/// [`parse`] on at most `threads` threads (1: sequential). The result does not depend on
/// `threads`; tests compare the two.
fn parse_with_threads(
    file: FileId,
    text: &str,
    diagnostics: &mut Diagnostics,
    threads: usize,
) -> ast::File {
    let scanned = scan::scan(file, text);
    let comments = scanned
        .comments
        .iter()
        .map(|&(start, end)| ast::Comment {
            text: text[start + 1..end].to_string(),
            span: Span::new(file, start, end),
        })
        .collect();
    let mut diags = scanned.diagnostics;
    let chunks = &scanned.chunks;

    let mut results: Vec<Parsed> = Vec::new();
    if threads > 1 && chunks.len() > threads {
        // Contiguous slices of roughly equal byte size keep the output order trivial.
        let bounds = split_balanced(chunks, threads);
        std::thread::scope(|s| {
            let handles: Vec<_> = bounds
                .windows(2)
                .map(|w| {
                    let (a, b) = (w[0], w[1]);
                    s.spawn(move || parse_chunks(file, text, chunks, a..b))
                })
                .collect();
            for h in handles {
                match h.join() {
                    Ok(r) => results.push(r),
                    // parse_chunks does not panic; if it ever did, say so rather than abort.
                    Err(_) => results.push(Parsed {
                        items: Vec::new(),
                        diagnostics: vec![Diagnostic::error(
                            Code::UnexpectedInput,
                            "internal error: the parser failed on part of this file",
                        )],
                        broken: Vec::new(),
                    }),
                }
            }
        });
    } else {
        results.push(parse_chunks(file, text, chunks, 0..chunks.len()));
    }
    let mut items = Vec::with_capacity(chunks.len());
    let mut broken = Vec::new();
    for parsed in results {
        items.extend(parsed.items);
        diags.extend(parsed.diagnostics);
        broken.extend(parsed.broken);
    }
    for d in diags {
        diagnostics.push(d);
    }
    ast::File {
        items,
        comments,
        broken,
        span: Span::new(file, 0, text.len()),
    }
}

/// Chunk indices `[0, i1, i2, ..., n]` cutting `chunks` into `parts` byte-balanced runs.
fn split_balanced(chunks: &[Chunk], parts: usize) -> Vec<usize> {
    let total: usize = chunks.iter().map(|c| c.end - c.start).sum();
    let per = total / parts + 1;
    let mut bounds = vec![0];
    let mut acc = 0;
    for (i, c) in chunks.iter().enumerate() {
        acc += c.end - c.start;
        if acc >= per * bounds.len() && bounds.len() < parts {
            bounds.push(i + 1);
        }
    }
    if *bounds.last().unwrap_or(&0) != chunks.len() {
        bounds.push(chunks.len());
    }
    bounds
}

/// What parsing a run of chunks produced.
struct Parsed {
    items: Vec<ast::Item>,
    diagnostics: Vec<Diagnostic>,
    broken: Vec<ast::BrokenDecl>,
}

/// The declaration a chunk that did not parse would have made: its keyword and name.
fn broken_decl(file: FileId, text: &str, chunk: &Chunk) -> ast::BrokenDecl {
    let src = &text[chunk.start..chunk.end];
    let words: Vec<&str> = src
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .filter(|w| !w.is_empty())
        .take(3)
        .collect();
    let is_name = |w: &&str| {
        w.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
    };
    let (keyword, name) = match chunk.kind {
        ChunkKind::Decl(_) => {
            let keyword = words.first().map(|w| w.to_string());
            let name = match words.as_slice() {
                ["abstract", "env", name, ..] => Some(*name),
                [_, name, ..] => Some(*name),
                _ => None,
            };
            (keyword, name.filter(is_name))
        }
        // `NAME = …` / `NAME: …` outside any declaration, or a misspelt keyword and a name.
        ChunkKind::Unknown { word_end, .. } => {
            let after = next_byte(text, word_end);
            let name = if matches!(after, Some(b'=' | b':' | b'.')) {
                words.first()
            } else {
                words.get(1)
            };
            (None, name.copied().filter(is_name))
        }
        ChunkKind::Stray => (None, None),
    };
    ast::BrokenDecl {
        keyword,
        name: name.map(str::to_string),
        span: Span::new(file, chunk.start, chunk.end),
    }
}

fn parse_chunks(
    file: FileId,
    text: &str,
    chunks: &[Chunk],
    range: std::ops::Range<usize>,
) -> Parsed {
    let mut items = Vec::with_capacity(range.len());
    let mut diags = Vec::new();
    let mut broken = Vec::new();
    for idx in range {
        let chunk = &chunks[idx];
        if chunk.poisoned {
            broken.push(broken_decl(file, text, chunk));
            continue;
        }
        let rule = match chunk.kind {
            ChunkKind::Decl(kind) => {
                // Hand-written fast path for the bulk declarations (var, secret, flag,
                // service, env); anything it does not fully accept goes to pest, which
                // also produces every diagnostic (see fast.rs).
                let src = &text[chunk.start..chunk.end];
                if let Some(item) = fast::item(file, chunk.start, kind, src) {
                    items.push(item);
                    continue;
                }
                item_rule(kind)
            }
            ChunkKind::Unknown {
                word_start,
                word_end,
            } => {
                diags.push(unknown_declaration(file, text, word_start, word_end));
                broken.push(broken_decl(file, text, chunk));
                continue;
            }
            ChunkKind::Stray => {
                diags.push(stray(file, text, chunk));
                broken.push(broken_decl(file, text, chunk));
                continue;
            }
        };
        let src = &text[chunk.start..chunk.end];
        match EnvdefParser::parse(rule, src) {
            Ok(mut pairs) => {
                let pair = pairs.next().expect("pest returns the item pair");
                let mut lower = lower::Lower {
                    file,
                    offset: chunk.start,
                    diagnostics: &mut diags,
                };
                items.push(lower.item(pair));
            }
            Err(_) if follows_bare_keyword(text, chunks, idx) => {
                // `flag emit = true`: the previous chunk (`flag`) already reported that
                // `emit` cannot be a name; this chunk's own error would only repeat it.
                broken.push(broken_decl(file, text, chunk));
            }
            Err(err) => {
                let next_word = chunks.get(idx + 1).map(|n| {
                    let s = &text[n.start..n.end];
                    s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                        .next()
                        .unwrap_or(s)
                });
                let cx = error::ErrorContext {
                    file,
                    text,
                    chunk,
                    next_word: next_word.filter(|w| !w.is_empty()),
                };
                diags.push(error::diagnostic(&err, &cx));
                broken.push(broken_decl(file, text, chunk));
            }
        }
    }
    Parsed {
        items,
        diagnostics: diags,
        broken,
    }
}

/// Whether chunk `idx` starts on the line where the previous chunk ended with nothing but
/// a declaration keyword and the keyword that wants a name after it (`flag`, `env`,
/// `abstract env`, `env NAME extends`): the word starting chunk `idx` was meant as that
/// name.
fn follows_bare_keyword(text: &str, chunks: &[Chunk], idx: usize) -> bool {
    let Some(prev) = idx.checked_sub(1).map(|i| &chunks[i]) else {
        return false;
    };
    let start = chunks[idx].start;
    if prev.end > start || text[prev.end..start].contains('\n') {
        return false;
    }
    let words: Vec<&str> = text[prev.start..prev.end].split_whitespace().collect();
    words.len() <= 3
        && words.last().is_some_and(|w| {
            matches!(
                *w,
                "project" | "type" | "var" | "secret" | "flag" | "service" | "env" | "extends"
            )
        })
}

fn item_rule(kind: DeclKind) -> Rule {
    match kind {
        DeclKind::Project => Rule::project_item,
        DeclKind::Import => Rule::import_item,
        DeclKind::Type => Rule::type_item,
        DeclKind::Var => Rule::var_item,
        DeclKind::Secret => Rule::secret_item,
        DeclKind::Flag => Rule::flag_item,
        DeclKind::Service => Rule::service_item,
        DeclKind::Env => Rule::env_item,
        DeclKind::Assert => Rule::assert_item,
        DeclKind::Emit => Rule::emit_item,
        DeclKind::Promote => Rule::promote_item,
        DeclKind::Group => Rule::group_item,
    }
}

/// The first significant byte after `from` in `text` (skipping blanks).
fn next_byte(text: &str, from: usize) -> Option<u8> {
    text.as_bytes()[from..]
        .iter()
        .copied()
        .find(|b| !b.is_ascii_whitespace())
}

/// A chunk that starts with a word that is not a keyword: a misspelt keyword, or a
/// declaration written without its keyword.
fn unknown_declaration(file: FileId, text: &str, word_start: usize, word_end: usize) -> Diagnostic {
    let word = &text[word_start..word_end];
    let span = Span::new(file, word_start, word_end);
    // `svc.NAME = ...`: the whole target is what was assigned.
    let (word, span) = if text.as_bytes().get(word_end) == Some(&b'.') {
        let rest = &text[word_end + 1..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let end = word_end + 1 + len;
        (&text[word_start..end], Span::new(file, word_start, end))
    } else {
        (word, span)
    };
    match next_byte(text, span.end as usize) {
        Some(b'=') => Diagnostic::error(
            Code::ExpectedDeclaration,
            format!("expected a declaration, found the assignment `{word} = ...`"),
        )
        .primary(span, "assignment outside an environment")
        .help(format!(
            "assign it inside an environment (`env local {{ {word} = ... }}`) or give its declaration a default"
        )),
        Some(b':') => Diagnostic::error(
            Code::ExpectedDeclaration,
            format!("expected a declaration, found `{word}:`"),
        )
        .primary(span, "missing `var`")
        .help(format!("declare a variable with `var`: `var {word}: ...`")),
        _ if word == "uses" => Diagnostic::error(
            Code::UnknownKeyword,
            "`uses` outside a service".to_string(),
        )
        .primary(span, "not a top-level declaration")
        .help("`uses` lists the shared names a service reads; put it inside `service NAME { ... }`"),
        _ => {
            let lower = word.to_ascii_lowercase();
            let nearest = scan::DECL_KEYWORDS
                .iter()
                .map(|k| (strsim::damerau_levenshtein(k, &lower), *k))
                .filter(|(d, k)| *d <= if k.len() <= 4 { 1 } else { 2 })
                .min();
            let d = Diagnostic::error(
                Code::UnknownKeyword,
                format!("unknown keyword `{word}` at the start of a declaration"),
            )
            .primary(span, "not a declaration keyword");
            match nearest {
                Some((_, keyword)) => d.help(format!("did you mean `{keyword}`?")),
                None => d.help("a declaration starts with `project`, `import`, `type`, `var`, `secret`, `flag`, `service`, `env`, `abstract env`, `assert` or `emit`"),
            }
        }
    }
}

/// Text before the first declaration that is not a declaration.
fn stray(file: FileId, text: &str, chunk: &Chunk) -> Diagnostic {
    let first_end = text[chunk.start..chunk.end]
        .char_indices()
        .find(|(_, c)| c.is_whitespace())
        .map_or(chunk.end, |(i, _)| chunk.start + i);
    let tok: String = text[chunk.start..first_end].chars().take(24).collect();
    Diagnostic::error(
        Code::ExpectedDeclaration,
        format!("expected a declaration, found `{tok}`"),
    )
    .primary(Span::new(file, chunk.start, first_end), "not part of any declaration")
    .help("a declaration starts with `project`, `import`, `type`, `var`, `secret`, `flag`, `service`, `env`, `abstract env`, `assert` or `emit`")
}
