//! Emitter behaviour on hand-built models: structure of every target, secrets, errors,
//! paths, custom templates, determinism.

mod emit_support;

use emit_support::*;

#[test]
fn peek() {
    let model = fleet();
    let (arts, d) = run(&model);
    for d in d.iter() {
        eprintln!("{}: {}", d.code, d.message);
    }
    for a in &arts {
        eprintln!(
            "==== {} ({} {} {:?})\n{}",
            a.path.display(),
            a.target,
            a.env,
            a.service,
            a.contents
        );
    }
}
