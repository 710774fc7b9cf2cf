//! Workload generator for the peer benchmark (issue 18, `scripts/bench.sh` section 7): the same
//! job written twice, once in envdef and once in Jsonnet, so envdef can be timed side by side
//! with a peer configuration language.
//!
//! ```text
//! cargo run --release --example gen_peer -- --vars 10000 --seed 1 --out /tmp/peer
//! envdef compile /tmp/peer/peer.envdef --env production --out /tmp/peer/out
//! jrsonnet -S /tmp/peer/peer.jsonnet -o /tmp/peer/production.env
//! ```
//!
//! The job: `--vars` typed variables, a third each of strings with a regex refinement
//! (`/^[a-z][a-z0-9-]*$/`), ints with a range refinement and an inline enum; an environment
//! `base` that gives every value, `staging` and `production` extending it, each overriding
//! `--override-pct` percent of the variables; every environment validated against every
//! refinement; production exported as `KEY=value` lines.
//!
//! Output: `DIR/peer.envdef` (one `emit dotenv` line) and `DIR/peer.jsonnet` (a program that
//! validates the three environments with the same refinements, written as Jsonnet functions
//! since Jsonnet has no regular expressions, and renders production's lines as a string for
//! `-S`). Both produce the same production values, and both refuse a value that breaks a
//! refinement. Same arguments, byte-identical files.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: gen_peer [--vars N] [--seed N] [--override-pct N] --out DIR";

struct Config {
    vars: usize,
    seed: u64,
    override_pct: u64,
    out: PathBuf,
}

fn parse_args() -> Result<Config, String> {
    let mut config = Config {
        vars: 10_000,
        seed: 1,
        override_pct: 10,
        out: PathBuf::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            return Err(USAGE.to_string());
        }
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let number = || {
            value
                .replace('_', "")
                .parse::<u64>()
                .map_err(|e| format!("{flag} {value}: {e}"))
        };
        match flag.as_str() {
            "--vars" => config.vars = number()? as usize,
            "--seed" => config.seed = number()?,
            "--override-pct" => config.override_pct = number()?.min(100),
            "--out" => config.out = PathBuf::from(&value),
            _ => return Err(format!("unknown argument `{flag}`\n{USAGE}")),
        }
    }
    if config.out.as_os_str().is_empty() {
        return Err(format!("--out DIR is required\n{USAGE}"));
    }
    config.vars = config.vars.max(3);
    Ok(config)
}

/// splitmix64, as in `gen_fleet`: identical on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const WORDS: &[&str] = &[
    "alpha", "bravo", "cache", "delta", "edge", "fleet", "gamma", "harbor", "ingest", "jobs",
    "kilo", "ledger", "metrics", "node", "orbit", "pixel",
];
const COLOURS: &[&str] = &["red", "green", "blue", "amber"];
const INT_MAX: u64 = 100_000;

/// The three kinds of refinement, by variable index.
#[derive(Clone, Copy)]
enum Kind {
    Name,
    Int,
    Enum,
}

fn kind(i: usize) -> Kind {
    match i % 3 {
        0 => Kind::Name,
        1 => Kind::Int,
        _ => Kind::Enum,
    }
}

fn name(i: usize) -> String {
    let prefix = match kind(i) {
        Kind::Name => "NAME",
        Kind::Int => "LIMIT",
        Kind::Enum => "COLOUR",
    };
    format!("{prefix}_{i:05}")
}

/// A valid value of variable `i`, as envdef and Jsonnet literals (the same text: a quoted
/// string without escapes, or a decimal integer).
fn value(i: usize, rng: &mut Rng) -> String {
    match kind(i) {
        Kind::Name => format!(
            "\"{}-{}\"",
            WORDS[rng.below(WORDS.len() as u64) as usize],
            rng.below(10_000)
        ),
        Kind::Int => rng.below(INT_MAX + 1).to_string(),
        Kind::Enum => format!("\"{}\"", COLOURS[rng.below(COLOURS.len() as u64) as usize]),
    }
}

/// The environments: base sets every variable, staging and production override a share.
struct Envs {
    base: Vec<String>,
    staging: Vec<(usize, String)>,
    production: Vec<(usize, String)>,
}

fn envs(config: &Config) -> Envs {
    let mut rng = Rng(config.seed);
    let base: Vec<String> = (0..config.vars).map(|i| value(i, &mut rng)).collect();
    // An override differs from the inherited value (envdef warns about one that does not).
    let overrides = |rng: &mut Rng| {
        let mut picked = Vec::new();
        for (i, inherited) in base.iter().enumerate() {
            if rng.below(100) < config.override_pct {
                let mut v = value(i, rng);
                while v == *inherited {
                    v = value(i, rng);
                }
                picked.push((i, v));
            }
        }
        picked
    };
    let staging = overrides(&mut rng);
    let production = overrides(&mut rng);
    Envs {
        base,
        staging,
        production,
    }
}

fn envdef(config: &Config, envs: &Envs) -> String {
    let mut out = String::with_capacity(config.vars * 90);
    out.push_str("# Generated by `cargo run --release --example gen_peer`; do not edit.\n\n");
    out.push_str("project peer\n\n");
    let colours = COLOURS
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(" | ");
    for i in 0..config.vars {
        let ty = match kind(i) {
            Kind::Name => "string matching /^[a-z][a-z0-9-]*$/".to_string(),
            Kind::Int => format!("int in 0..={INT_MAX}"),
            Kind::Enum => colours.clone(),
        };
        let _ = writeln!(out, "var {}: {ty}", name(i));
    }
    out.push_str("\nenv base {\n");
    for (i, v) in envs.base.iter().enumerate() {
        let _ = writeln!(out, "  {} = {v}", name(i));
    }
    for (env, overrides) in [("staging", &envs.staging), ("production", &envs.production)] {
        let _ = writeln!(out, "}}\n\nenv {env} extends base {{");
        for (i, v) in overrides {
            let _ = writeln!(out, "  {} = {v}", name(*i));
        }
    }
    out.push_str("}\n\nemit dotenv to \".env.{env}\"\n");
    out
}

fn jsonnet(config: &Config, envs: &Envs) -> String {
    let mut out = String::with_capacity(config.vars * 120);
    out.push_str("// Generated by `cargo run --release --example gen_peer`; do not edit.\n");
    out.push_str("// The peer of peer.envdef: run with `jrsonnet -S peer.jsonnet`.\n");
    // Jsonnet has no regular expressions: /^[a-z][a-z0-9-]*$/ as a function over code points.
    out.push_str(
        "local lower(c) = local p = std.codepoint(c); p >= 97 && p <= 122;\n\
         local digit(c) = local p = std.codepoint(c); p >= 48 && p <= 57;\n\
         local name(v) = std.isString(v) && std.length(v) > 0 && lower(v[0])\n\
         \x20 && std.all([lower(c) || digit(c) || c == '-' for c in std.stringChars(v)]);\n",
    );
    let _ = writeln!(
        out,
        "local limit(v) = std.isNumber(v) && v == std.floor(v) && v >= 0 && v <= {INT_MAX};"
    );
    let colours = COLOURS
        .iter()
        .map(|c| format!("'{c}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(out, "local colour(v) = std.member([{colours}], v);");
    out.push_str("local schema = {\n");
    for i in 0..config.vars {
        let check = match kind(i) {
            Kind::Name => "name",
            Kind::Int => "limit",
            Kind::Enum => "colour",
        };
        let _ = writeln!(out, "  {}: {check},", name(i));
    }
    out.push_str("};\n");
    // Every variable must be set and satisfy its refinement; the first failure is an error
    // naming the environment and the variable.
    out.push_str(
        "local validate(env, values) = std.foldl(\n\
         \x20 function(ok, k) ok && (schema[k](values[k]) || error env + ': invalid ' + k),\n\
         \x20 std.objectFields(schema), true);\n",
    );
    out.push_str("local base = {\n");
    for (i, v) in envs.base.iter().enumerate() {
        let _ = writeln!(out, "  {}: {v},", name(i));
    }
    out.push_str("};\n");
    for (env, overrides) in [("staging", &envs.staging), ("production", &envs.production)] {
        let _ = writeln!(out, "local {env} = base + {{");
        for (i, v) in overrides {
            let _ = writeln!(out, "  {}: {v},", name(*i));
        }
        out.push_str("};\n");
    }
    out.push_str(
        "assert validate('base', base) && validate('staging', staging)\n\
         \x20 && validate('production', production);\n\
         std.lines([k + '=' + std.toString(production[k]) for k in std.objectFields(production)])\n",
    );
    out
}

fn run(config: &Config) -> Result<(), String> {
    std::fs::create_dir_all(&config.out)
        .map_err(|e| format!("cannot create {}: {e}", config.out.display()))?;
    let envs = envs(config);
    for (file, text) in [
        ("peer.envdef", envdef(config, &envs)),
        ("peer.jsonnet", jsonnet(config, &envs)),
    ] {
        let path = config.out.join(file);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    println!(
        "gen_peer: {} vars, staging overrides {}, production overrides {} -> {}",
        config.vars,
        envs.staging.len(),
        envs.production.len(),
        config.out.display()
    );
    Ok(())
}

fn main() -> ExitCode {
    match parse_args().and_then(|config| run(&config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}
