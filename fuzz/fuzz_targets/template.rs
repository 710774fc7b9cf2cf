//! Custom templates (issue 12, case 5): bytes → the template of a custom emit over a fixed
//! project → `emit::emit`. Must never panic, overflow the stack or hang (recursive
//! partials, nested `{{#each}}` bombs and deep nesting are refused with E0413, output
//! past the budget with E0411); on an error no artifact at all; output deterministic.

#![no_main]

use libfuzzer_sys::fuzz_target;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use envdef::source::MemoryLoader;

/// Variables of every type, a secret, two services (one reading a subset), a list and an
/// interpolated value: enough data for loops, lookups and conditionals to reach.
const PROJECT: &str = r#"project fuzz
var PORT: int in 1..=65535 = 8080 "the port"
var NAME: string = "svc \"quoted\" ${PORT}"
var RATIO: float = 0.5
var DEBUG: bool = false
var TIMEOUT: duration = 30s
var HOSTS: list<string> = ["a", "b", "c"]
var MODE: "x" | "y" = "x"
var OPTIONAL: string?
secret TOKEN from "vault://kv/app#token"
service api { uses PORT, NAME, HOSTS, TOKEN, RATIO, MODE, OPTIONAL }
service worker { uses DEBUG, TIMEOUT }
env dev { DEBUG = true }
emit custom to "out.txt" { flavour = "fuzz" }
"#;

/// One directory per fuzzing process, holding `custom.hbs` (the input).
fn templates_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("envdef-fuzz-template-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = templates_dir();
    std::fs::write(dir.join("custom.hbs"), data).expect("write template");
    let loader = MemoryLoader::new().with("main.envdef", PROJECT);
    let compilation = envdef::check_file(&loader, Path::new("main.envdef"), Default::default())
        .expect("the fixed project loads");
    let model = compilation.model.as_ref().expect("the fixed project checks");
    let options = envdef::emit::EmitOptions {
        templates_dir: Some(dir.clone()),
        ..Default::default()
    };
    let mut diagnostics = envdef::Diagnostics::new();
    let artifacts = envdef::emit::emit(model, &options, &mut diagnostics);
    if diagnostics.has_errors() {
        assert!(artifacts.is_empty(), "nothing partial when emit reports an error");
        for d in &diagnostics {
            let _ = envdef::diagnostics::render::json(d, &compilation.sources);
        }
        return;
    }
    let total: usize = artifacts.iter().map(|a| a.contents.len()).sum();
    assert!(total <= envdef::emit::MAX_OUTPUT_BYTES, "output past the budget");
    let mut again = envdef::Diagnostics::new();
    assert_eq!(
        artifacts,
        envdef::emit::emit(model, &options, &mut again),
        "emit is deterministic"
    );
});
