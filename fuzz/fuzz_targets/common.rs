//! Shared by the fuzz targets: turn fuzzer bytes into a small in-memory project and check
//! every invariant the pipeline promises about its diagnostics.

#![allow(dead_code)]

use envdef::source::{MemoryLoader, SourceMap};
use envdef::Diagnostics;

/// Splits the input into up to four files at this marker: `main.envdef`, `a.envdef`,
/// `b.envdef`, `dir/c.envdef`, so imports, duplicates across files and import cycles get
/// exercised.
pub const FILE_MARKER: &str = "\n--8<--\n";
pub const FILE_NAMES: &[&str] = &["main.envdef", "a.envdef", "b.envdef", "dir/c.envdef"];

/// The project the bytes describe, or `None` when they are not UTF-8 (the loader refuses
/// such files before parsing; `parse` covers decoding separately).
pub fn project(data: &[u8]) -> Option<MemoryLoader> {
    let text = std::str::from_utf8(data).ok()?;
    let mut loader = MemoryLoader::new();
    for (name, part) in FILE_NAMES.iter().zip(text.split(FILE_MARKER)) {
        loader = loader.with(*name, part);
    }
    Some(loader)
}

/// Every label of every diagnostic lies inside its file, on char boundaries; both
/// renderers accept every diagnostic; each JSON line parses.
pub fn check_diagnostics(diagnostics: &Diagnostics, sources: &SourceMap) {
    for d in diagnostics {
        for label in &d.labels {
            let file = sources.get(label.span.file);
            let (start, end) = (label.span.start as usize, label.span.end as usize);
            assert!(start <= end, "{:?}: inverted span {start}..{end}", d.code);
            assert!(
                end <= file.text.len(),
                "{:?}: span {start}..{end} past the end of `{}` ({} bytes): {}",
                d.code,
                file.name,
                file.text.len(),
                d.message
            );
            assert!(
                file.text.is_char_boundary(start) && file.text.is_char_boundary(end),
                "{:?}: span {start}..{end} splits a char in `{}`: {}",
                d.code,
                file.name,
                d.message
            );
        }
        let line = envdef::diagnostics::render::json(d, sources);
        assert!(!line.contains('\n'), "a JSON diagnostic spans lines");
        let value: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
        assert_eq!(value["code"], d.code.as_str());
    }
    // Human rendering (miette) has crashed on long lines before: render everything.
    let _ = envdef::diagnostics::render::human_all(
        diagnostics,
        sources,
        envdef::diagnostics::render::HumanStyle::plain(),
    );
}
