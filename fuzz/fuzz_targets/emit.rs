//! Emitters on checked input: bytes → check → (when clean) emit every target for every
//! environment. Must never panic; artifact paths stay inside the output root; output is
//! deterministic (a second emit gives identical artifacts).

#![no_main]

use libfuzzer_sys::fuzz_target;

use std::path::{Component, Path};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some(loader) = common::project(data) else {
        return;
    };
    let Ok(compilation) = envdef::check_file(&loader, Path::new("main.envdef"), Default::default())
    else {
        return;
    };
    let Some(model) = &compilation.model else {
        return;
    };
    let options = envdef::emit::EmitOptions::default();
    let mut diagnostics = envdef::Diagnostics::new();
    let artifacts = envdef::emit::emit(model, &options, &mut diagnostics);
    common::check_diagnostics(&diagnostics, &compilation.sources);
    if diagnostics.has_errors() {
        assert!(
            artifacts.is_empty(),
            "nothing partial when emit reports an error"
        );
        return;
    }
    for a in &artifacts {
        assert!(
            a.path
                .components()
                .all(|c| matches!(c, Component::Normal(_))),
            "artifact path leaves the output root: {}",
            a.path.display()
        );
    }
    let mut again = envdef::Diagnostics::new();
    assert_eq!(
        artifacts,
        envdef::emit::emit(model, &options, &mut again),
        "emit is deterministic"
    );
});
