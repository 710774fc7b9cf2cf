//! The architecture rules of `ARCHITECTURE.md`, checked on the source text of `src/`:
//!
//! - the module dependency graph (every `crate::`, `super::` and `self::` path, in `use`
//!   items and inline) has no cycle, between top-level modules or between the files of one
//!   module;
//! - no module reaches a module the `deps` block of `ARCHITECTURE.md` forbids, directly or
//!   through others;
//! - no function is longer than [`MAX_FN_LINES`] lines.
//!
//! A file is a module (`src/emit/render.rs` is `emit::render`, `src/emit/mod.rs` is
//! `emit`); a path is attributed to the module whose item it names, following `pub use`
//! re-exports, so `super::Job` in `emit/render.rs` is an edge to wherever `Job` is defined.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_FN_LINES: usize = 150;

/// One source file: its module path (`["emit", "render"]`) and its text with comments and
/// the contents of string and char literals blanked out (line breaks kept).
struct File {
    module: Vec<String>,
    path: PathBuf,
    code: String,
}

fn src_files() -> Vec<File> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(&root).unwrap().with_extension("");
                let mut module: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if matches!(module.last().map(String::as_str), Some("mod" | "lib")) {
                    module.pop();
                }
                if module == ["main"] {
                    continue; // the binary: a crate of its own
                }
                let text = std::fs::read_to_string(&path).unwrap();
                out.push(File {
                    module,
                    path,
                    code: strip(&text),
                });
            }
        }
    }
    out.sort_by(|a, b| a.module.cmp(&b.module));
    out
}

/// Blanks comments and the insides of string/char literals so that neither `crate::x` in a
/// doc comment nor `{` in a string is taken for code. Keeps every line break.
fn strip(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |out: &mut String, s: &[u8]| {
        for &c in s {
            out.push(if c == b'\n' { '\n' } else { ' ' });
        }
    };
    while i < b.len() {
        let rest = &b[i..];
        if rest.starts_with(b"//") {
            let end = rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len());
            blank(&mut out, &rest[..end]);
            i += end;
        } else if rest.starts_with(b"/*") {
            let end = text[i + 2..].find("*/").map_or(rest.len(), |e| e + 4);
            blank(&mut out, &rest[..end]);
            i += end;
        } else if rest.starts_with(b"r\"") || rest.starts_with(b"r#") {
            let hashes = rest[1..].iter().take_while(|&&c| c == b'#').count();
            if rest.get(1 + hashes) != Some(&b'"') {
                out.push('r');
                i += 1;
                continue;
            }
            let close = format!("\"{}", "#".repeat(hashes));
            let body = 2 + hashes;
            let end = text[i + body..]
                .find(&close)
                .map_or(rest.len(), |e| body + e + close.len());
            out.push('"');
            blank(&mut out, &rest[1..end - 1]);
            out.push('"');
            i += end;
        } else if rest[0] == b'"' {
            let mut j = 1;
            while j < rest.len() && rest[j] != b'"' {
                j += if rest[j] == b'\\' { 2 } else { 1 };
            }
            let end = (j + 1).min(rest.len());
            out.push('"');
            blank(&mut out, &rest[1..end.saturating_sub(1).max(1)]);
            out.push('"');
            i += end;
        } else if rest[0] == b'\'' {
            // A char literal ('x', '\n', '"'), else a lifetime ('a).
            let len = if rest.get(1) == Some(&b'\\') {
                rest[2..].iter().position(|&c| c == b'\'').map(|p| p + 3)
            } else {
                let ch = text[i + 1..].chars().next().map_or(1, char::len_utf8);
                (rest.get(1 + ch) == Some(&b'\'')).then_some(ch + 2)
            };
            match len {
                Some(len) => {
                    out.push_str("' '");
                    blank(&mut out, &rest[3.min(len)..len]);
                    i += len;
                }
                None => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            let ch = text[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Every path in `code` that names a module of this crate: those starting with `crate`,
/// `super` or `self`, and those starting with the name of a child module (`render::x` in
/// `emit/mod.rs`, which the 2018 paths allow). `use` trees are expanded (`super::{a, b::C}`
/// gives `super::a` and `super::b::C`); each comes with the byte offset it starts at.
fn paths(code: &str, children: &BTreeSet<String>) -> Vec<(usize, Vec<String>)> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let at_word = i == 0 || !is_ident(b[i - 1]) && !matches!(b[i - 1], b':' | b'.');
        let word_len = b[i..].iter().take_while(|&&c| is_ident(c)).count();
        let word = &code[i..i + word_len];
        let names_module = matches!(word, "crate" | "super" | "self") || children.contains(word);
        if at_word && word_len > 0 && names_module && code[i + word_len..].starts_with("::") {
            let mut j = i;
            let relative = !matches!(word, "crate" | "super" | "self");
            for p in use_tree(code, &mut j) {
                let p = if relative {
                    std::iter::once("self".to_string()).chain(p).collect()
                } else {
                    p
                };
                out.push((i, p));
            }
            i = j.max(i + 1);
        } else {
            i += word_len.max(1);
        }
    }
    out
}

/// The names of the child modules of `module`.
fn children(module: &[String], modules: &BTreeSet<Vec<String>>) -> BTreeSet<String> {
    modules
        .iter()
        .filter(|m| m.len() == module.len() + 1 && m.starts_with(module))
        .map(|m| m[module.len()].clone())
        .collect()
}

/// Parses a use tree at `*j`: `a::b::{c, d::{e}}` → `[a,b,c]`, `[a,b,d,e]`.
fn use_tree(code: &str, j: &mut usize) -> Vec<Vec<String>> {
    let b = code.as_bytes();
    let mut prefix = Vec::new();
    loop {
        while *j < b.len() && b[*j].is_ascii_whitespace() {
            *j += 1;
        }
        if *j < b.len() && b[*j] == b'{' {
            *j += 1;
            let mut all = Vec::new();
            loop {
                while *j < b.len() && (b[*j].is_ascii_whitespace() || b[*j] == b',') {
                    *j += 1;
                }
                if *j >= b.len() || b[*j] == b'}' {
                    *j += 1;
                    break;
                }
                let before = *j;
                for tail in use_tree(code, j) {
                    all.push(prefix.iter().cloned().chain(tail).collect());
                }
                if *j == before {
                    *j += 1; // `*` or something odd: skip it
                }
            }
            return all;
        }
        let start = *j;
        while *j < b.len() && is_ident(b[*j]) {
            *j += 1;
        }
        if *j == start {
            return vec![prefix];
        }
        prefix.push(code[start..*j].to_string());
        if code[*j..].starts_with("::") {
            *j += 2;
        } else {
            return vec![prefix];
        }
    }
}

/// The module a path names from inside `current`: descends while segments name modules,
/// then follows re-exports of the item named next.
fn resolve(
    current: &[String],
    path: &[String],
    modules: &BTreeSet<Vec<String>>,
    reexports: &BTreeMap<(Vec<String>, String), Vec<String>>,
) -> Vec<String> {
    let mut module: Vec<String> = current.to_vec();
    let mut segments = path.iter().peekable();
    match segments.next().map(String::as_str) {
        Some("crate") => module.clear(),
        Some("super") => {
            module.pop();
            while segments.peek().is_some_and(|s| *s == "super") {
                segments.next();
                module.pop();
            }
        }
        _ => {}
    }
    for seg in segments {
        let mut child = module.clone();
        child.push(seg.clone());
        if modules.contains(&child) {
            module = child;
            continue;
        }
        let mut seen = 0;
        while let Some(origin) = reexports.get(&(module.clone(), seg.clone())) {
            module = origin.clone();
            seen += 1;
            if seen > 8 {
                break;
            }
        }
        break;
    }
    module
}

/// Inline modules (`mod tests { ... }`) in a file: the byte ranges of their bodies and names.
fn inline_modules(code: &str) -> Vec<(usize, usize, String)> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(k) = code[from..].find("mod ") {
        let at = from + k;
        from = at + 4;
        if at > 0 && is_ident(b[at - 1]) {
            continue;
        }
        let name_end = at + 4 + code[at + 4..].bytes().take_while(|&c| is_ident(c)).count();
        let after = code[name_end..].trim_start();
        if !after.starts_with('{') {
            continue;
        }
        let open = code.len() - after.len();
        if let Some(close) = matching_brace(code, open) {
            out.push((open, close, code[at + 4..name_end].to_string()));
        }
    }
    out
}

fn matching_brace(code: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, c) in code[open..].bytes().enumerate() {
        match c {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + k);
                }
            }
            _ => {}
        }
    }
    None
}

type Graph = BTreeMap<Vec<String>, BTreeSet<Vec<String>>>;

/// The module graph of `src/`: for each module, the other modules its paths name.
fn graph(files: &[File]) -> Graph {
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| f.module.clone()).collect();
    // `pub use x::Y` in a module: `Y` named through it lives in `x`.
    let mut reexports = BTreeMap::new();
    for f in files {
        for (at, path) in paths(&f.code, &children(&f.module, &modules)) {
            let line_start = f.code[..at].rfind('\n').map_or(0, |n| n + 1);
            if !f.code[line_start..at].trim_start().starts_with("pub use") {
                continue;
            }
            if let Some(name) = path.last() {
                let origin = resolve(&f.module, &path, &modules, &BTreeMap::new());
                reexports.insert((f.module.clone(), name.clone()), origin);
            }
        }
    }
    let mut graph: Graph = BTreeMap::new();
    for f in files {
        let inline = inline_modules(&f.code);
        let edges = graph.entry(f.module.clone()).or_default();
        for (at, path) in paths(&f.code, &children(&f.module, &modules)) {
            // Inside `mod tests { ... }`, `super` is the file's own module.
            let mut here = f.module.clone();
            for (open, close, name) in &inline {
                if *open < at && at < *close {
                    here.push(name.clone());
                }
            }
            let to = resolve(&here, &path, &modules, &reexports);
            if to != f.module {
                edges.insert(to);
            }
        }
    }
    graph
}

fn name(module: &[String]) -> String {
    if module.is_empty() {
        "crate".to_string()
    } else {
        module.join("::")
    }
}

/// The top-level module of a module (`emit::render` → `emit`).
fn top(module: &[String]) -> Vec<String> {
    module.iter().take(1).cloned().collect()
}

/// Finds a cycle in `graph`, returned as a path `a → b → … → a`.
fn find_cycle(graph: &Graph) -> Option<Vec<Vec<String>>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        node: &Vec<String>,
        graph: &Graph,
        marks: &mut BTreeMap<Vec<String>, Mark>,
        stack: &mut Vec<Vec<String>>,
    ) -> Option<Vec<Vec<String>>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let from = stack.iter().position(|n| n == node).unwrap();
                let mut cycle = stack[from..].to_vec();
                cycle.push(node.clone());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(node.clone(), Mark::Open);
        stack.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, marks, stack) {
                return Some(c);
            }
        }
        stack.pop();
        marks.insert(node.clone(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for node in graph.keys() {
        if let Some(c) = visit(node, graph, &mut marks, &mut Vec::new()) {
            return Some(c);
        }
    }
    None
}

fn show(cycle: &[Vec<String>]) -> String {
    cycle
        .iter()
        .map(|m| name(m))
        .collect::<Vec<_>>()
        .join(" → ")
}

/// The graph between top-level modules (the crate root, `lib.rs`, is the top and left out:
/// it ties the stages together).
fn top_level(graph: &Graph) -> Graph {
    let mut out: Graph = BTreeMap::new();
    for (from, tos) in graph {
        if from.is_empty() {
            continue;
        }
        for to in tos {
            if !to.is_empty() && top(from) != top(to) {
                out.entry(top(from)).or_default().insert(top(to));
            }
        }
    }
    out
}

/// The graph between the files of one module (`emit::render` → `emit`, `emit::job`, ...):
/// edges between two modules with the same parent, or between a module and its parent.
fn within(graph: &Graph, parent: &[String]) -> Graph {
    let inside = |m: &Vec<String>| m.starts_with(parent) && m.len() <= parent.len() + 1;
    let mut out: Graph = BTreeMap::new();
    for (from, tos) in graph {
        // Unit tests (`tests`, `x::tests`) read whatever they test.
        if !inside(from) || from.last().is_some_and(|l| l == "tests") {
            continue;
        }
        for to in tos.iter().filter(|t| inside(t) && *t != from) {
            out.entry(from.clone()).or_default().insert(to.clone());
        }
    }
    out
}

/// Modules whose `mod.rs` still holds what its files share, so the files and the parent
/// use each other. `cli`: the clap definitions, `Status` and `find_source` its subcommands
/// share (being reshaped by the one-output-writer and source-argument work of issue 11).
const CYCLES_ALLOWED_INSIDE: &[&str] = &["cli"];

#[test]
fn module_dependencies_have_no_cycle() {
    let files = src_files();
    let graph = graph(&files);
    let mut problems = Vec::new();
    if let Some(cycle) = find_cycle(&top_level(&graph)) {
        problems.push(format!("top-level modules: {}", show(&cycle)));
    }
    let parents: BTreeSet<Vec<String>> = files
        .iter()
        .filter(|f| !f.module.is_empty())
        .map(|f| f.module[..f.module.len() - 1].to_vec())
        .collect();
    for parent in parents
        .iter()
        .filter(|p| !p.is_empty() && !CYCLES_ALLOWED_INSIDE.contains(&name(p).as_str()))
    {
        if let Some(cycle) = find_cycle(&within(&graph, parent)) {
            problems.push(format!("inside `{}`: {}", name(parent), show(&cycle)));
        }
    }
    assert!(
        problems.is_empty(),
        "module dependency cycles (ARCHITECTURE.md: imports go one way):\n  {}",
        problems.join("\n  ")
    );
}

/// The rules: lines `FROM never reaches A, B` in the ```deps block of ARCHITECTURE.md;
/// `*` as FROM means every top-level module but the ones named after it.
fn rules() -> Vec<(String, Vec<String>)> {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md"))
            .unwrap();
    let block = doc
        .split("```deps\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("ARCHITECTURE.md has a ```deps block of dependency rules");
    let rules: Vec<(String, Vec<String>)> = block
        .lines()
        .map(|l| l.split('#').next().unwrap().trim())
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (from, to) = l
                .split_once(" never reaches ")
                .unwrap_or_else(|| panic!("not a rule: `{l}` (want `FROM never reaches A, B`)"));
            let to = to.split(',').map(|t| t.trim().to_string()).collect();
            (from.trim().to_string(), to)
        })
        .collect();
    assert!(!rules.is_empty(), "the ```deps block states no rule");
    rules
}

#[test]
fn no_module_reaches_what_architecture_md_forbids() {
    let files = src_files();
    let graph = top_level(&graph(&files));
    let known: BTreeSet<String> = files
        .iter()
        .filter(|f| !f.module.is_empty())
        .map(|f| f.module[0].clone())
        .collect();
    let mut problems = Vec::new();
    for (from, forbidden) in rules() {
        for m in forbidden.iter().chain(std::iter::once(&from)) {
            assert!(
                m == "*" || known.contains(m),
                "ARCHITECTURE.md names the module `{m}`, which src/ does not have"
            );
        }
        let sources: Vec<&String> = if from == "*" {
            known.iter().filter(|m| !forbidden.contains(m)).collect()
        } else {
            vec![&from]
        };
        for source in sources {
            // Breadth-first from `source`, remembering how each module was reached.
            let start = vec![source.clone()];
            let mut via: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
            let mut queue = std::collections::VecDeque::from([start.clone()]);
            while let Some(m) = queue.pop_front() {
                for next in graph.get(&m).into_iter().flatten() {
                    if *next != start && !via.contains_key(next) {
                        via.insert(next.clone(), m.clone());
                        queue.push_back(next.clone());
                    }
                }
            }
            for target in &forbidden {
                let target = vec![target.clone()];
                if via.contains_key(&target) {
                    let mut chain = vec![target.clone()];
                    while let Some(prev) = via.get(chain.last().unwrap()) {
                        chain.push(prev.clone());
                    }
                    chain.reverse();
                    problems.push(format!(
                        "`{source}` reaches `{}`: {}",
                        name(&target),
                        show(&chain)
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "dependencies ARCHITECTURE.md forbids:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn no_function_is_longer_than_the_limit() {
    let mut long = Vec::new();
    for f in src_files() {
        let code = &f.code;
        let b = code.as_bytes();
        let mut from = 0;
        while let Some(k) = code[from..].find("fn ") {
            let at = from + k;
            from = at + 3;
            if at > 0 && is_ident(b[at - 1]) {
                continue;
            }
            let name: String = code[at + 3..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if name.is_empty() {
                continue; // `fn(` in a type
            }
            // The body opens at the first `{` before any `;` (a declaration has none).
            let Some(open) = code[at..].find(['{', ';']).map(|o| at + o) else {
                continue;
            };
            if b[open] == b';' {
                continue;
            }
            let Some(close) = matching_brace(code, open) else {
                continue;
            };
            let lines = code[at..=close].lines().count();
            if lines > MAX_FN_LINES {
                let line = code[..at].lines().count() + 1;
                long.push(format!(
                    "{}:{line}: fn {name} is {lines} lines",
                    f.path.display()
                ));
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions over {MAX_FN_LINES} lines (split them into named steps):\n  {}",
        long.join("\n  ")
    );
}
