//! Replays every input in `tests/robustness/fuzz/` (crashes the fuzz targets found) through
//! the same pipeline as the targets and through the real binary.

use std::path::Path;

use envdef::diagnostics::render::{self, HumanStyle};
use envdef::source::MemoryLoader;
use envdef::Diagnostics;

use super::support::{envdef, repo, temp, write};

/// As in `fuzz/fuzz_targets/common.rs`.
const FILE_MARKER: &str = "\n--8<--\n";
const FILE_NAMES: &[&str] = &["main.envdef", "a.envdef", "b.envdef", "dir/c.envdef"];

fn cases() -> Vec<(String, Vec<u8>)> {
    let dir = repo().join("tests/robustness/fuzz");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("tests/robustness/fuzz exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "envdef"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

fn assert_well_formed(diagnostics: &Diagnostics, sources: &envdef::SourceMap, case: &str) {
    for d in diagnostics {
        for label in &d.labels {
            let text = &sources.get(label.span.file).text;
            let (start, end) = (label.span.start as usize, label.span.end as usize);
            assert!(
                start <= end && end <= text.len(),
                "{case}: {} span {start}..{end} outside its file",
                d.code
            );
            assert!(
                text.is_char_boundary(start) && text.is_char_boundary(end),
                "{case}: {} span splits a char",
                d.code
            );
        }
        serde_json::from_str::<serde_json::Value>(&render::json(d, sources))
            .unwrap_or_else(|e| panic!("{case}: bad JSON: {e}"));
    }
    let _ = render::human_all(diagnostics, sources, HumanStyle::plain());
}

#[test]
fn every_fuzz_crash_stays_fixed_in_process() {
    for (case, bytes) in cases() {
        // parse target
        if let Ok(text) = envdef::source::decode_source(bytes.clone()) {
            let mut diagnostics = Diagnostics::new();
            let _ = envdef::syntax::parse(envdef::source::FileId(0), &text, &mut diagnostics);
            let _ = envdef::fmt::format(envdef::source::FileId(0), &text);
        }
        // check and emit targets
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        let mut loader = MemoryLoader::new();
        for (name, part) in FILE_NAMES.iter().zip(text.split(FILE_MARKER)) {
            loader = loader.with(*name, part);
        }
        let c = envdef::check_file(&loader, Path::new("main.envdef"), Default::default())
            .expect("root in memory");
        assert_well_formed(&c.diagnostics, &c.sources, &case);
        if let Some(model) = &c.model {
            let mut diagnostics = Diagnostics::new();
            let _ = envdef::emit::emit(model, &Default::default(), &mut diagnostics);
            assert_well_formed(&diagnostics, &c.sources, &case);
        }
    }
}

#[test]
fn every_fuzz_crash_stays_fixed_in_the_binary() {
    for (case, bytes) in cases() {
        let dir = temp();
        match std::str::from_utf8(&bytes) {
            Ok(text) => {
                for (name, part) in FILE_NAMES.iter().zip(text.split(FILE_MARKER)) {
                    write(dir.path(), name, part);
                }
            }
            Err(_) => {
                write(dir.path(), "main.envdef", &bytes);
            }
        }
        for args in [
            &["check", "main.envdef"][..],
            &["check", "--format", "json", "main.envdef"][..],
            &["compile", "main.envdef", "--out", "out"][..],
        ] {
            let run = envdef(dir.path(), args);
            run.assert_no_crash();
            assert!(
                matches!(run.code, Some(0..=2)),
                "{case}: envdef {args:?} exited {:?}",
                run.code
            );
        }
    }
}
