//! The whole front end: bytes → up to four in-memory files → load (imports) → parse →
//! resolve → check → model. Must never panic; diagnostics must be well-formed (spans in
//! their files, on char boundaries, renderable, valid JSON).

#![no_main]

use libfuzzer_sys::fuzz_target;

use std::path::Path;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some(loader) = common::project(data) else {
        return;
    };
    let compilation =
        match envdef::check_file(&loader, Path::new("main.envdef"), Default::default()) {
            Ok(c) => c,
            Err(_) => return,
        };
    common::check_diagnostics(&compilation.diagnostics, &compilation.sources);
    assert_eq!(
        compilation.model.is_some(),
        !compilation.diagnostics.has_errors(),
        "a model exactly when there is no error"
    );
});
