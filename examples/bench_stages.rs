//! In-process per-stage timings for the benchmark (see `docs/performance.md`).
//!
//! ```text
//! cargo run --release --example bench_stages -- FILE [--runs N] [--out DIR] [--check-only]
//! ```
//!
//! Input: a root `.envdef`. Output: one line per stage on stdout with the median over
//! `--runs` runs (default 5) in milliseconds, then sizes and throughput:
//!
//! - `load+parse+resolve`: [`envdef::resolve::load_program`] (reads, parses, follows
//!   imports, builds the name tables);
//! - `parse`: [`envdef::syntax::parse`] alone on every loaded file (run separately on the
//!   same texts, so `resolve` = the line above minus this one);
//! - `check`: [`envdef::check::check`] (types, values, inheritance, asserts → model);
//! - `render`: [`envdef::emit::emit`] with every target;
//! - `write`: [`envdef::workflow::plan`] + [`envdef::workflow::write`] into an empty
//!   directory (every file new), as `compile` does on a clean checkout.
//!
//! The stages are the library's own public entry points, so the sum matches what the CLI
//! does minus process start-up and rendering of diagnostics. Exit 1 if the input has errors.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use envdef::diagnostics::Diagnostics;
use envdef::emit::{self, EmitOptions};
use envdef::source::{FsLoader, SourceMap};
use envdef::{check, resolve, syntax, workflow};

struct Args {
    file: PathBuf,
    runs: usize,
    out: PathBuf,
    check_only: bool,
}

fn parse_args() -> Result<Args, String> {
    let usage = "usage: bench_stages FILE [--runs N] [--out DIR] [--check-only]";
    let mut file = None;
    let mut runs = 5;
    let mut out = std::env::temp_dir().join(format!("envdef-bench-{}", std::process::id()));
    let mut check_only = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => {
                runs = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(|| format!("--runs needs a number\n{usage}"))?;
            }
            "--out" => {
                out = args
                    .next()
                    .map(PathBuf::from)
                    .ok_or_else(|| format!("--out needs a directory\n{usage}"))?;
            }
            "--check-only" => check_only = true,
            "-h" | "--help" => return Err(usage.to_string()),
            _ if file.is_none() && !arg.starts_with('-') => file = Some(PathBuf::from(arg)),
            _ => return Err(format!("unexpected argument `{arg}`\n{usage}")),
        }
    }
    Ok(Args {
        file: file.ok_or_else(|| usage.to_string())?,
        runs: runs.max(1),
        out,
        check_only,
    })
}

/// Durations of one run, one per stage, in [`STAGES`] order.
type Sample = [Duration; 5];

const STAGES: [&str; 5] = ["load+parse+resolve", "parse", "check", "render", "write"];

/// What one run produced besides timings.
#[derive(Default)]
struct Sizes {
    input_bytes: usize,
    files: usize,
    artifacts: usize,
    output_bytes: usize,
}

fn one_run(args: &Args, run_idx: usize) -> Result<(Sample, Sizes), String> {
    let mut sample = [Duration::ZERO; 5];
    let mut sizes = Sizes::default();
    let mut sources = SourceMap::new();
    let mut diagnostics = Diagnostics::new();

    let start = Instant::now();
    let program = resolve::load_program(&FsLoader, &args.file, &mut sources, &mut diagnostics)
        .map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
    sample[0] = start.elapsed();

    let start = Instant::now();
    let mut scratch = Diagnostics::new();
    for (id, file) in sources.files() {
        let ast = syntax::parse(id, &file.text, &mut scratch);
        sizes.input_bytes += file.text.len();
        sizes.files += 1;
        std::hint::black_box(ast);
    }
    sample[1] = start.elapsed();

    let start = Instant::now();
    let model = check::check(&program, &sources, &mut diagnostics);
    sample[2] = start.elapsed();
    let model = match model {
        Some(model) if !diagnostics.has_errors() => model,
        _ => return Err(describe_errors(&diagnostics, &sources)),
    };
    if args.check_only {
        return Ok((sample, sizes));
    }

    let start = Instant::now();
    let artifacts = emit::emit(&model, &EmitOptions::default(), &mut diagnostics);
    sample[3] = start.elapsed();
    if diagnostics.has_errors() {
        return Err(describe_errors(&diagnostics, &sources));
    }
    sizes.artifacts = artifacts.len();
    sizes.output_bytes = artifacts.iter().map(|a| a.contents.len()).sum();

    // A fresh, empty directory each run: every artifact is new, as on a clean checkout.
    let root = args.out.join(format!("run{run_idx}"));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).map_err(|e| format!("cannot create {}: {e}", root.display()))?;
    let start = Instant::now();
    let out = workflow::Output::open(&root, None, workflow::Access::Write, workflow::Guard::new())
        .map_err(|e| e.to_string())?;
    let outputs = artifacts.iter().map(|a| workflow::OutputFile {
        path: &a.path,
        contents: &a.contents,
    });
    let plan = workflow::plan(&out, outputs).map_err(|e| e.to_string())?;
    workflow::write(&out, &plan, "bench.envdef", false).map_err(|e| e.to_string())?;
    sample[4] = start.elapsed();
    let _ = std::fs::remove_dir_all(&root);
    Ok((sample, sizes))
}

fn describe_errors(diagnostics: &Diagnostics, sources: &SourceMap) -> String {
    let mut out = String::from("the input has errors:\n");
    for diagnostic in diagnostics.iter().take(10) {
        let at = diagnostic
            .primary_span()
            .map(|span| {
                let file = sources.get(span.file);
                let pos = file.line_col(span.start as usize);
                format!("{}:{}:{}: ", file.name, pos.line, pos.column)
            })
            .unwrap_or_default();
        out.push_str(&format!(
            "  {at}{} {}\n",
            diagnostic.code.as_str(),
            diagnostic.message
        ));
    }
    out
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn run(args: &Args) -> Result<(), String> {
    let mut samples = Vec::with_capacity(args.runs);
    let mut sizes = Sizes::default();
    for run_idx in 0..args.runs {
        let (sample, run_sizes) = one_run(args, run_idx)?;
        samples.push(sample);
        sizes = run_sizes;
    }
    let _ = std::fs::remove_dir(&args.out);
    let medians: Vec<Duration> = (0..STAGES.len())
        .map(|stage| median(samples.iter().map(|s| s[stage]).collect()))
        .collect();
    println!("file: {}", display(&args.file));
    println!(
        "input: {} bytes in {} files; output: {} artifacts, {} bytes; median of {} runs",
        sizes.input_bytes, sizes.files, sizes.artifacts, sizes.output_bytes, args.runs
    );
    for (name, value) in STAGES.iter().zip(&medians) {
        println!("  {name:<20} {:>10.2} ms", ms(*value));
    }
    let resolve = medians[0].saturating_sub(medians[1]);
    println!(
        "  {:<20} {:>10.2} ms  (load+parse+resolve minus parse)",
        "resolve",
        ms(resolve)
    );
    let front = medians[0] + medians[2];
    let mb = sizes.input_bytes as f64 / 1e6;
    println!(
        "  {:<20} {:>10.2} ms  ({:.1} MB/s; parse alone {:.1} MB/s)",
        "front end total",
        ms(front),
        mb / front.as_secs_f64(),
        mb / medians[1].as_secs_f64().max(1e-9)
    );
    if !args.check_only {
        println!(
            "  {:<20} {:>10.2} ms",
            "all stages",
            ms(front + medians[3] + medians[4])
        );
    }
    // A machine-readable line for scripts/bench.sh.
    println!(
        "STAGES parse={:.3} resolve={:.3} check={:.3} render={:.3} write={:.3} bytes={} out_bytes={} artifacts={}",
        ms(medians[1]),
        ms(resolve),
        ms(medians[2]),
        ms(medians[3]),
        ms(medians[4]),
        sizes.input_bytes,
        sizes.output_bytes,
        sizes.artifacts
    );
    Ok(())
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

fn main() -> ExitCode {
    match parse_args().and_then(|args| run(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench_stages: {message}");
            ExitCode::from(1)
        }
    }
}
