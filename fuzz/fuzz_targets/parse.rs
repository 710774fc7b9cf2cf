//! Parser: any bytes → decode (BOM, UTF-8 check) → scan + pest + lowering → AST plus
//! diagnostics. Must never panic; every diagnostic span must lie inside the text; the
//! formatter must not panic on whatever parses.

#![no_main]

use libfuzzer_sys::fuzz_target;

use envdef::source::{FileId, SourceFile, SourceMap};
use envdef::Diagnostics;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = envdef::source::decode_source(data.to_vec()) else {
        return;
    };
    let mut diagnostics = Diagnostics::new();
    let file = envdef::syntax::parse(FileId(0), &text, &mut diagnostics);
    assert!(file.span.end as usize == text.len());
    let mut sources = SourceMap::new();
    sources.add(SourceFile::new(
        "main.envdef".into(),
        "main.envdef".into(),
        text.clone(),
    ));
    common::check_diagnostics(&diagnostics, &sources);
    // The formatter reads the same text; it must not panic either.
    let _ = envdef::fmt::format(FileId(0), &text);
});
