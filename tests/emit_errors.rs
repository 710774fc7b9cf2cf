//! Emit-phase diagnostics (E04xx) end to end: each `tests/golden/emit_errors/<case>.envdef`
//! is checked (it must check clean), then emitted; the emit diagnostics, rendered as the CLI
//! renders them (plain, and JSON lines), must equal `<case>.stderr` / `<case>.json`, and no
//! artifact may be returned. A first-line comment `# emit-args: --env E --target T
//! --templates DIR` sets the emit options (DIR relative to the case).
//! `ENVDEF_BLESS=1 cargo test --test emit_errors` rewrites the goldens.
//!
//! Codes that check already rules out for any source (E0406: check reports E0321 first;
//! E0401 through a name with `/`) are shown from hand-built models in `model_only.stderr`
//! (one `error[CODE]: message` line each): emit re-checks them because nothing unsafe
//! may ever be written, whatever produced the model.

mod emit_support;

use std::path::{Path, PathBuf};

use envdef::diagnostics::render::{self, HumanStyle};
use envdef::emit::{emit, EmitOptions};
use envdef::source::{FsLoader, LoadError, Loader};
use envdef::{CheckOptions, Diagnostics};

/// Names files relative to the case directory, so goldens do not depend on the checkout.
struct CaseLoader {
    base: PathBuf,
}

impl Loader for CaseLoader {
    fn canonicalize(&self, path: &Path) -> Result<PathBuf, LoadError> {
        let canonical = FsLoader.canonicalize(&self.base.join(path))?;
        Ok(canonical
            .strip_prefix(&self.base)
            .map(Path::to_path_buf)
            .unwrap_or(canonical))
    }

    fn load(&self, path: &Path) -> Result<String, LoadError> {
        FsLoader.load(&self.base.join(path))
    }
}

fn options(source: &str, base: &Path) -> EmitOptions {
    let mut options = EmitOptions::default();
    let Some(args) = source
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# emit-args:"))
    else {
        return options;
    };
    let mut words = args.split_whitespace();
    while let Some(flag) = words.next() {
        let value = words.next().expect("a value after each flag").to_string();
        match flag {
            "--env" => options.envs.push(value),
            "--target" => options.targets.push(value),
            "--templates" => options.templates_dir = Some(base.join(value)),
            other => panic!("unknown emit-args flag {other}"),
        }
    }
    options
}

/// Renders one case; `Err` when the case itself is broken.
fn run_case(case: &Path) -> Result<(String, String), String> {
    let base = std::fs::canonicalize(case.parent().unwrap()).unwrap();
    let file = PathBuf::from(case.file_name().unwrap());
    let source = std::fs::read_to_string(case).unwrap();
    let compilation = envdef::check_file(
        &CaseLoader { base: base.clone() },
        &file,
        CheckOptions::default(),
    )
    .map_err(|e| e.to_string())?;
    let Some(model) = compilation.model else {
        return Err(format!(
            "the case does not check clean:\n{}",
            render::human_all(
                &compilation.diagnostics,
                &compilation.sources,
                HumanStyle::plain()
            )
        ));
    };
    let mut diagnostics = Diagnostics::new();
    let artifacts = emit(&model, &options(&source, &base), &mut diagnostics);
    if !artifacts.is_empty() {
        return Err(format!(
            "{} artifacts returned despite errors",
            artifacts.len()
        ));
    }
    if !diagnostics.has_errors() {
        return Err("emit reported no error".into());
    }
    let human = render::human_all(&diagnostics, &compilation.sources, HumanStyle::plain());
    let mut json = String::new();
    for d in &diagnostics {
        json.push_str(&render::json(d, &compilation.sources));
        json.push('\n');
    }
    Ok((human, json))
}

#[test]
fn emit_error_goldens() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/emit_errors");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "envdef"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "{} cases", cases.len());
    let bless = std::env::var("ENVDEF_BLESS").as_deref() == Ok("1");
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_stem().unwrap().to_string_lossy().into_owned();
        let (human, json) = match run_case(case) {
            Ok(out) => out,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let expected_code = std::fs::read_to_string(case)
            .unwrap()
            .lines()
            .find_map(|l| l.strip_prefix("# E").map(|r| format!("E{}", &r[..4])))
            .unwrap_or_default();
        if !human.contains(&expected_code) {
            failures.push(format!("{name}: expected {expected_code}, got:\n{human}"));
        }
        for (ext, text) in [("stderr", &human), ("json", &json)] {
            let path = case.with_extension(ext);
            if bless {
                std::fs::write(&path, text).unwrap();
            } else if std::fs::read_to_string(&path).ok().as_ref() != Some(text) {
                failures.push(format!(
                    "{name}.{ext} differs (ENVDEF_BLESS=1 to accept):\n{text}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn model_only_goldens() {
    use emit_support::*;
    use envdef::model::{Env, TypeKind};

    let mut out = String::new();
    let mut record = |title: &str, model: &envdef::Model| {
        let (artifacts, diagnostics) = run(model);
        assert!(artifacts.is_empty(), "{title}");
        out.push_str(&format!("# {title}\n"));
        for d in &diagnostics {
            out.push_str(&format!("error[{}]: {}\n", d.code, d.message));
        }
    };

    let mut b = ModelBuilder::new("acme");
    let a = b.var("A", TypeKind::String);
    let mut def = ModelBuilder::def("B", envdef::model::VarKind::Var, ty(TypeKind::String));
    def.tfvars_name = "a".into();
    let second = b.var_def(def);
    b.service("api", &[a, second]);
    b.env("prod", vec![(a, s("1")), (second, s("2"))]);
    b.emit("tfvars", "{env}.tfvars", &[]);
    record("two variables with one tfvars name", &b.model);

    let mut b = ModelBuilder::new("acme");
    let v = b.var("V", TypeKind::String);
    b.service("api", &[v]);
    b.env("prod", vec![(v, s("1"))]);
    b.emit("dotenv", "{env}/{service}.env", &[]);
    let env = b.model.envs.shift_remove("prod").unwrap();
    b.model.envs.insert(
        "../prod".into(),
        Env {
            name: "../prod".into(),
            ..env
        },
    );
    record("an environment name that is not one path segment", &b.model);

    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/emit_errors/model_only.stderr");
    if std::env::var("ENVDEF_BLESS").as_deref() == Ok("1") {
        std::fs::write(&path, &out).unwrap();
    } else {
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            want, out,
            "model_only.stderr differs (ENVDEF_BLESS=1 to accept)"
        );
    }
}
