//! Workload generator for the benchmarks: writes a valid, deterministic fleet of `.envdef`
//! files (see `docs/performance.md`).
//!
//! ```text
//! cargo run --release --example gen_fleet -- --vars 10000 --services 10 --envs 20 \
//!     --depth 4 --files 8 --seed 1 --out /tmp/fleet
//! ```
//!
//! Input: sizes and a seed. Output: `DIR/fleet.envdef` (the root: project, imports, asserts,
//! emit lines) importing `--files` files: `types.envdef`, `envs/envs_NN.envdef` (about a
//! quarter: the environments) and `parts/part_NN.envdef` (shared declarations and services,
//! split evenly).
//!
//! Invariants:
//! - Same arguments, byte-identical files (a tiny inline PRNG; no hash-map order anywhere).
//! - The fleet is valid: every value satisfies its type and refinements in every concrete
//!   environment, every required variable gets a value (from a default or the abstract
//!   `base` environment), interpolations only point at earlier, always-set, plain string
//!   or url variables (no cycles), every assert holds, and no value needs quoting that a
//!   dotenv reader cannot carry (no `$`, no quotes, no backslashes).
//! - `--vars` counts `var` declarations (shared and service-owned); secrets (V/40) and flags
//!   (V/100) come on top. About 40% of the vars are shared, 60% owned by one service; a
//!   shared var is read by one or two services, 2% of them by every service, so the output
//!   grows with V × E, not V × E × S.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Command-line sizes.
#[derive(Debug, Clone)]
struct Config {
    vars: usize,
    services: usize,
    envs: usize,
    depth: usize,
    files: usize,
    seed: u64,
    /// Percentage of the variables each environment overrides.
    override_pct: u64,
    out: PathBuf,
}

const USAGE: &str = "usage: gen_fleet [--vars N] [--services N] [--envs N] [--depth N] \
[--files N] [--seed N] [--override-pct N] --out DIR";

fn parse_args() -> Result<Config, String> {
    let mut config = Config {
        vars: 1000,
        services: 5,
        envs: 10,
        depth: 3,
        files: 4,
        seed: 1,
        override_pct: 8,
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
            "--services" => config.services = number()? as usize,
            "--envs" => config.envs = number()? as usize,
            "--depth" => config.depth = number()? as usize,
            "--files" => config.files = number()? as usize,
            "--seed" => config.seed = number()?,
            "--override-pct" => config.override_pct = number()?.min(100),
            "--out" => config.out = PathBuf::from(&value),
            _ => return Err(format!("unknown argument `{flag}`\n{USAGE}")),
        }
    }
    if config.out.as_os_str().is_empty() {
        return Err(format!("--out DIR is required\n{USAGE}"));
    }
    config.vars = config.vars.max(10);
    config.services = config.services.max(1);
    config.envs = config.envs.max(1);
    config.depth = config.depth.max(1);
    config.files = config.files.max(1);
    Ok(config)
}

/// splitmix64: tiny, fast, and identical on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0); the modulo bias is irrelevant here.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const WORDS: &[&str] = &[
    "alpha", "bravo", "cache", "delta", "edge", "fleet", "gamma", "harbor", "ingest", "jobs",
    "kilo", "ledger", "metrics", "node", "orbit", "pixel", "quota", "relay", "shard", "token",
    "upload", "vault", "worker", "xray", "yield", "zone",
];
/// A name ending that fits the variable's type, so generated artifacts read plausibly.
fn noun(kind: Kind, rng: &mut Rng) -> &'static str {
    let choices: &[&str] = match kind {
        Kind::Str { .. } | Kind::StrInterp { .. } | Kind::StrEnv | Kind::OptStr | Kind::ReqStr => {
            &["NAME", "REGION", "BUCKET", "QUEUE", "PREFIX", "LABEL"]
        }
        Kind::Slug => &["SLUG", "ID"],
        Kind::Int { .. } | Kind::OptInt | Kind::ReqInt => &["LIMIT", "RETRIES", "SIZE", "COUNT"],
        Kind::Port => &["PORT"],
        Kind::Float { .. } => &["RATIO", "RATE"],
        Kind::Bool => &["ENABLED", "STRICT"],
        Kind::Url { .. } | Kind::UrlInterp { .. } | Kind::ReqUrl => &["URL", "ENDPOINT"],
        Kind::Duration { .. } => &["TIMEOUT", "INTERVAL", "TTL"],
        Kind::LogLevel => &["LOG_LEVEL"],
        Kind::Strategy => &["STRATEGY"],
        Kind::ListStr { .. } | Kind::ListInt => &["TAGS", "IDS"],
        Kind::ListUrl => &["ORIGINS", "MIRRORS"],
    };
    rng.pick(choices)
}
const SERVICE_NAMES: &[&str] = &[
    "api",
    "worker",
    "web",
    "billing",
    "auth-gateway",
    "search",
    "notifier",
    "scheduler",
    "ingest",
    "reports",
];
const DURATIONS: &[&str] = &["250ms", "1s", "30s", "5m", "1m30s", "1h30m", "2h", "1d"];
const LOG_LEVELS: &[&str] = &["debug", "info", "warn", "error"];
const STRATEGIES: &[&str] = &["blue", "green", "canary"];

/// What a variable is, which decides its declaration and every value it may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `string` or `string len in 1..=64`.
    Str {
        len_refined: bool,
    },
    /// `string matching /^[a-z][a-z0-9-]*$/` (values start lowercase: an assert relies on it).
    Slug,
    /// `string = "prefix-${REF}"` (REF a plain `Str`); overrides are plain strings.
    StrInterp {
        reference: usize,
    },
    /// `string = "svc-${env}-cache"`.
    StrEnv,
    /// `int in LO..=HI`.
    Int {
        lo: i64,
        hi: i64,
    },
    /// `Port`.
    Port,
    /// `float in 0.0..=1.0` or `Ratio`.
    Float {
        named: bool,
    },
    Bool,
    /// `url` or `HttpsUrl` (values are always https).
    Url {
        https_type: bool,
    },
    /// `url = "${REF}/v2"` (REF a plain url var).
    UrlInterp {
        reference: usize,
    },
    /// `duration`, optionally `{ unit = "s" }`.
    Duration {
        unit: bool,
    },
    /// `LogLevel`.
    LogLevel,
    /// `"blue" | "green" | "canary"`.
    Strategy,
    /// `list<string>` (optionally `list_format = "json"`).
    ListStr {
        json: bool,
    },
    /// `list<int>`.
    ListInt,
    /// `list<url>` with `separator = ";"`.
    ListUrl,
    /// `string?` / `int? in 1..=5` with no default: unset unless an environment sets it.
    OptStr,
    OptInt,
    /// Required, no default: the abstract `base` environment gives the value.
    ReqStr,
    ReqUrl,
    ReqInt,
}

impl Kind {
    /// A plain (non-interpolated, non-optional) string or url that interpolations may use.
    fn is_str_source(self) -> bool {
        matches!(self, Kind::Str { len_refined: false } | Kind::ReqStr)
    }

    fn is_url_source(self) -> bool {
        matches!(self, Kind::Url { .. } | Kind::ReqUrl)
    }

    fn has_default(self) -> bool {
        !matches!(
            self,
            Kind::OptStr | Kind::OptInt | Kind::ReqStr | Kind::ReqUrl | Kind::ReqInt
        )
    }

    fn is_required_without_default(self) -> bool {
        matches!(self, Kind::ReqStr | Kind::ReqUrl | Kind::ReqInt)
    }
}

/// One declared variable.
#[derive(Debug, Clone)]
struct Var {
    name: String,
    /// Index into the service list for a service-owned variable.
    owner: Option<usize>,
    kind: Kind,
}

#[derive(Debug, Clone)]
struct Secret {
    name: String,
    owner: Option<usize>,
    /// Declared with `from "..."`; otherwise `base` gives the reference.
    has_default: bool,
}

#[derive(Debug, Clone)]
struct Flag {
    name: String,
}

#[derive(Debug, Clone)]
struct EnvSpec {
    name: String,
    parent: Option<usize>,
    is_abstract: bool,
}

/// The whole generated fleet, before it is written out.
struct Fleet {
    services: Vec<String>,
    vars: Vec<Var>,
    secrets: Vec<Secret>,
    flags: Vec<Flag>,
    envs: Vec<EnvSpec>,
}

fn service_names(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let base = SERVICE_NAMES[i % SERVICE_NAMES.len()];
            match i / SERVICE_NAMES.len() {
                0 => base.to_string(),
                round => format!("{base}-{}", round + 1),
            }
        })
        .collect()
}

fn upper_ident(name: &str) -> String {
    name.to_ascii_uppercase().replace('-', "_")
}

fn pick_kind(rng: &mut Rng, str_sources: &[usize], url_sources: &[usize]) -> Kind {
    match rng.below(100) {
        0..=11 => Kind::Str {
            len_refined: rng.chance(30),
        },
        12..=15 => Kind::Slug,
        16..=21 if !str_sources.is_empty() => Kind::StrInterp {
            reference: str_sources[rng.below(str_sources.len() as u64) as usize],
        },
        16..=23 => Kind::StrEnv,
        24..=31 => {
            let lo = rng.below(10) as i64;
            Kind::Int {
                lo,
                hi: lo + 10 + rng.below(100_000) as i64,
            }
        }
        32..=34 => Kind::Port,
        35..=39 => Kind::Float {
            named: rng.chance(50),
        },
        40..=46 => Kind::Bool,
        47..=53 => Kind::Url {
            https_type: rng.chance(40),
        },
        54..=57 if !url_sources.is_empty() => Kind::UrlInterp {
            reference: url_sources[rng.below(url_sources.len() as u64) as usize],
        },
        54..=64 => Kind::Duration {
            unit: rng.chance(30),
        },
        65..=69 => Kind::LogLevel,
        70..=72 => Kind::Strategy,
        73..=77 => Kind::ListStr {
            json: rng.chance(30),
        },
        78..=79 => Kind::ListInt,
        80..=82 => Kind::ListUrl,
        83..=86 => Kind::OptStr,
        87..=89 => Kind::OptInt,
        90..=93 => Kind::ReqStr,
        94..=96 => Kind::ReqUrl,
        _ => Kind::ReqInt,
    }
}

fn build_fleet(config: &Config) -> Fleet {
    let mut rng = Rng(config.seed);
    let services = service_names(config.services);
    let n_shared = (config.vars * 2).div_ceil(5);
    let mut vars = Vec::with_capacity(config.vars);
    // Interpolation sources: shared plain variables (index 0), and per service the shared
    // ones it reads (index 1 + s), so a service's own variable only interpolates what that
    // service uses. Never the other way round, so there are no cycles.
    let mut str_sources = vec![Vec::new(); config.services + 1];
    let mut url_sources = vec![Vec::new(); config.services + 1];
    for idx in 0..config.vars {
        let owner = (idx >= n_shared).then(|| idx % config.services);
        let scope = owner.map_or(0, |s| s + 1);
        let kind = pick_kind(&mut rng, &str_sources[scope], &url_sources[scope]);
        let prefix = match owner {
            Some(s) => upper_ident(&services[s]),
            None => upper_ident(rng.pick(WORDS)),
        };
        // The index suffix keeps every emitted key unique across the fleet.
        let name = format!("{prefix}_{}_{idx:06}", noun(kind, &mut rng));
        if owner.is_none() {
            let sources = if kind.is_str_source() {
                Some(&mut str_sources)
            } else if kind.is_url_source() {
                Some(&mut url_sources)
            } else {
                None
            };
            if let Some(sources) = sources {
                sources[0].push(idx);
                for s in 0..config.services {
                    if reads_shared(idx, s, config.services) {
                        sources[s + 1].push(idx);
                    }
                }
            }
        }
        vars.push(Var { name, owner, kind });
    }
    let secrets = (0..(config.vars / 40).max(1))
        .map(|idx| Secret {
            name: format!("{}_SECRET_{idx:05}", upper_ident(rng.pick(WORDS))),
            owner: (idx % 3 == 2).then(|| idx % config.services),
            has_default: idx % 4 != 3,
        })
        .collect();
    let flags = (0..(config.vars / 100).max(1))
        .map(|idx| Flag {
            name: format!("{}_feature_{idx:04}", rng.pick(WORDS)),
        })
        .collect();
    Fleet {
        services,
        vars,
        secrets,
        flags,
        envs: build_envs(config),
    }
}

/// `base` (abstract) at depth 0, then concrete environments whose depth cycles 1..=D: each
/// extends the previous one, or `base` when its depth is 1. So chains are D+1 long.
fn build_envs(config: &Config) -> Vec<EnvSpec> {
    const TIERS: &[&str] = &["dev", "qa", "staging", "prod"];
    let mut envs = vec![EnvSpec {
        name: "base".to_string(),
        parent: None,
        is_abstract: true,
    }];
    for idx in 0..config.envs {
        let depth = 1 + idx % config.depth;
        let tier = TIERS
            .get(depth - 1)
            .map_or_else(|| format!("tier{depth}"), |t| (*t).to_string());
        let parent = if depth == 1 { 0 } else { envs.len() - 1 };
        envs.push(EnvSpec {
            name: format!("{tier}-{:02}", idx / config.depth),
            parent: Some(parent),
            is_abstract: false,
        });
    }
    envs
}

// ── values ───────────────────────────────────────────────────────────────────────────────

fn str_value(rng: &mut Rng) -> String {
    format!(
        "\"{}-{}-{}\"",
        rng.pick(WORDS),
        rng.pick(WORDS),
        rng.below(10_000)
    )
}

fn url_value(rng: &mut Rng) -> String {
    format!(
        "\"https://{}-{}.example.com/{}\"",
        rng.pick(WORDS),
        rng.below(1000),
        rng.pick(WORDS)
    )
}

/// A source literal for `var`, valid for its kind. `for_default` selects the declaration's
/// own form (interpolations); environments always assign plain values.
fn value(fleet: &Fleet, var: &Var, rng: &mut Rng, for_default: bool) -> String {
    match var.kind {
        Kind::Str { .. } | Kind::ReqStr | Kind::OptStr => str_value(rng),
        Kind::Slug => format!("\"{}-{}\"", rng.pick(WORDS), rng.below(1000)),
        Kind::StrInterp { reference } if for_default => {
            format!(
                "\"{}-${{{}}}\"",
                rng.pick(WORDS),
                fleet.vars[reference].name
            )
        }
        Kind::StrInterp { .. } => str_value(rng),
        Kind::StrEnv if for_default => {
            format!("\"{}-${{env}}-{}\"", rng.pick(WORDS), rng.below(99))
        }
        Kind::StrEnv => str_value(rng),
        Kind::Int { lo, hi } => (lo + rng.below((hi - lo + 1) as u64) as i64).to_string(),
        Kind::Port => (1024 + rng.below(60_000)).to_string(),
        Kind::Float { .. } => format!("0.{:02}", rng.below(100)),
        Kind::Bool => rng.chance(50).to_string(),
        Kind::Url { .. } | Kind::ReqUrl => url_value(rng),
        Kind::UrlInterp { reference } if for_default => {
            format!(
                "\"${{{}}}/v{}\"",
                fleet.vars[reference].name,
                1 + rng.below(3)
            )
        }
        Kind::UrlInterp { .. } => url_value(rng),
        // With `unit = "s"` the value must be whole seconds.
        Kind::Duration { unit: true } => rng.pick(&DURATIONS[1..]).to_string(),
        Kind::Duration { unit: false } => rng.pick(DURATIONS).to_string(),
        Kind::LogLevel => format!("\"{}\"", rng.pick(LOG_LEVELS)),
        Kind::Strategy => format!("\"{}\"", rng.pick(STRATEGIES)),
        Kind::ListStr { .. } => {
            let items: Vec<String> = (0..rng.below(4))
                .map(|_| format!("\"{}\"", rng.pick(WORDS)))
                .collect();
            format!("[{}]", items.join(", "))
        }
        Kind::ListInt => {
            let items: Vec<String> = (0..1 + rng.below(4))
                .map(|_| rng.below(1000).to_string())
                .collect();
            format!("[{}]", items.join(", "))
        }
        Kind::ListUrl => {
            let items: Vec<String> = (0..1 + rng.below(3)).map(|_| url_value(rng)).collect();
            format!("[{}]", items.join(", "))
        }
        Kind::OptInt => (1 + rng.below(5)).to_string(),
        Kind::ReqInt => rng.below(1_000_000).to_string(),
    }
}

/// `TYPE[?] [= DEFAULT] ["doc"] [{ attrs }]` after `var NAME: `.
/// FNV-1a of a value's source text: how the generator remembers which value an environment
/// inherits, so it never writes an override equal to it (the checker warns about those).
fn fingerprint(text: &str) -> u64 {
    text.bytes().fold(0xCBF2_9CE4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01B3)
    })
}

/// Also returns the default's [`fingerprint`] (0 without a default).
fn declaration_tail(fleet: &Fleet, var: &Var, rng: &mut Rng) -> (String, u64) {
    let ty = match var.kind {
        Kind::Str { len_refined: false } | Kind::StrInterp { .. } | Kind::StrEnv | Kind::ReqStr => {
            "string".to_string()
        }
        Kind::Str { len_refined: true } => "string len in 1..=64".to_string(),
        Kind::Slug => "string matching /^[a-z][a-z0-9-]*$/".to_string(),
        Kind::Int { lo, hi } => format!("int in {lo}..={hi}"),
        Kind::Port => "Port".to_string(),
        Kind::Float { named: true } => "Ratio".to_string(),
        Kind::Float { named: false } => "float in 0.0..=1.0".to_string(),
        Kind::Bool => "bool".to_string(),
        Kind::Url { https_type: true } => "HttpsUrl".to_string(),
        Kind::Url { https_type: false } | Kind::UrlInterp { .. } | Kind::ReqUrl => {
            "url".to_string()
        }
        Kind::Duration { .. } => "duration".to_string(),
        Kind::LogLevel => "LogLevel".to_string(),
        Kind::Strategy => "\"blue\" | \"green\" | \"canary\"".to_string(),
        Kind::ListStr { .. } => "list<string>".to_string(),
        Kind::ListInt => "list<int>".to_string(),
        Kind::ListUrl => "list<url>".to_string(),
        Kind::OptStr => "string?".to_string(),
        Kind::OptInt => "int? in 1..=5".to_string(),
        Kind::ReqInt => "int".to_string(),
    };
    let mut out = ty;
    let mut default = 0;
    if var.kind.has_default() {
        let text = value(fleet, var, rng, true);
        default = fingerprint(&text);
        out.push_str(" = ");
        out.push_str(&text);
    }
    if rng.chance(50) {
        let _ = write!(
            out,
            " \"The {} {} setting\"",
            rng.pick(WORDS),
            rng.pick(WORDS)
        );
    }
    let attrs = match var.kind {
        Kind::Duration { unit: true } => Some("unit = \"s\"".to_string()),
        Kind::ListStr { json: true } => Some("list_format = \"json\"".to_string()),
        Kind::ListUrl => Some("separator = \";\"".to_string()),
        // `example` is a string, so only on string variables (a checker may type it).
        Kind::Str { .. } | Kind::ReqStr if rng.chance(10) => {
            Some(format!("example = \"{}-example\"", rng.pick(WORDS)))
        }
        _ => None,
    };
    if let Some(attrs) = attrs {
        let _ = write!(out, " {{ {attrs} }}");
    }
    (out, default)
}

// ── files ────────────────────────────────────────────────────────────────────────────────

const HEADER: &str = "# Generated by `cargo run --release --example gen_fleet`; do not edit.\n";

fn types_file() -> String {
    let mut out = String::from(HEADER);
    out.push_str(
        "\ntype Port     = int in 1..=65535\n\
         type Ratio    = float in 0.0..=1.0\n\
         type LogLevel = \"debug\" | \"info\" | \"warn\" | \"error\"\n\
         type HttpsUrl = url matching /^https:\\/\\//\n",
    );
    out
}

/// Whether service `svc` reads shared variable `idx`: every service reads 2% of them, each
/// of the others is read by one service, every third by a second one.
fn reads_shared(idx: usize, svc: usize, n_services: usize) -> bool {
    idx % 50 == 0 || idx % n_services == svc || (idx % 3 == 0 && (idx / 3 + 1) % n_services == svc)
}

fn write_uses(out: &mut String, names: &[&str]) {
    for chunk in names.chunks(8) {
        let _ = writeln!(out, "  uses {}", chunk.join(", "));
    }
}

/// Part files: a slice of the shared declarations and a slice of the services each. Also
/// returns every variable's default [`fingerprint`], by index.
fn part_files(fleet: &Fleet, n_parts: usize, rng: &mut Rng) -> (Vec<String>, Vec<u64>) {
    let mut defaults = vec![0; fleet.vars.len()];
    let mut parts: Vec<String> = (0..n_parts).map(|_| String::from(HEADER)).collect();
    let n_shared = fleet.vars.iter().filter(|v| v.owner.is_none()).count();
    let per_part = n_shared.div_ceil(n_parts).max(1);
    for (idx, var) in fleet.vars.iter().enumerate() {
        if var.owner.is_some() {
            continue;
        }
        let out = &mut parts[(idx / per_part).min(n_parts - 1)];
        if idx % 100 == 0 {
            let _ = writeln!(out, "\n# ── {} settings ──", rng.pick(WORDS));
        }
        let (tail, default) = declaration_tail(fleet, var, rng);
        defaults[idx] = default;
        let _ = writeln!(out, "var {}: {tail}", var.name);
    }
    for (idx, secret) in fleet.secrets.iter().enumerate() {
        if secret.owner.is_some() {
            continue;
        }
        let out = &mut parts[idx % n_parts];
        if secret.has_default {
            let _ = writeln!(
                out,
                "secret {} from \"vault://kv/fleet/{{env}}/{}#value\" \"Credential {idx}\"",
                secret.name,
                secret.name.to_ascii_lowercase()
            );
        } else {
            let _ = writeln!(out, "secret {}", secret.name);
        }
    }
    for (idx, flag) in fleet.flags.iter().enumerate() {
        let _ = writeln!(
            parts[idx % n_parts],
            "flag {} = false \"Rolls out {}\"",
            flag.name,
            flag.name
        );
    }

    for (svc_idx, service) in fleet.services.iter().enumerate() {
        let out = &mut parts[svc_idx % n_parts];
        let _ = writeln!(out, "\nservice {service} {{");
        for (idx, var) in fleet.vars.iter().enumerate() {
            if var.owner != Some(svc_idx) {
                continue;
            }
            let (tail, default) = declaration_tail(fleet, var, rng);
            defaults[idx] = default;
            let _ = writeln!(out, "  var {}: {tail}", var.name);
        }
        for secret in fleet.secrets.iter().filter(|s| s.owner == Some(svc_idx)) {
            let _ = writeln!(
                out,
                "  secret {} from \"vault://kv/fleet/{{env}}/{{service}}/{}#value\"",
                secret.name,
                secret.name.to_ascii_lowercase()
            );
        }
        let mut used: Vec<&str> = Vec::new();
        for (idx, var) in fleet.vars.iter().enumerate() {
            if var.owner.is_some() {
                continue;
            }
            if reads_shared(idx, svc_idx, fleet.services.len()) {
                used.push(&var.name);
            }
        }
        for (idx, secret) in fleet.secrets.iter().enumerate() {
            if secret.owner.is_none() && idx % fleet.services.len() == svc_idx {
                used.push(&secret.name);
            }
        }
        for (idx, flag) in fleet.flags.iter().enumerate() {
            let n = fleet.services.len();
            if idx % n == svc_idx || (idx + 1) % n == svc_idx {
                used.push(&flag.name);
            }
        }
        write_uses(out, &used);
        out.push_str("}\n");
    }
    (parts, defaults)
}

/// The name an environment assigns a variable by: `NAME` or `svc.NAME`.
fn target_name(fleet: &Fleet, name: &str, owner: Option<usize>) -> String {
    match owner {
        Some(s) => format!("{}.{name}", fleet.services[s]),
        None => name.to_string(),
    }
}

/// Environment files: `base` first, then the others spread evenly (a parent may live in
/// another file; resolution is fleet-wide).
fn env_files(
    fleet: &Fleet,
    config: &Config,
    n_files: usize,
    defaults: &[u64],
    rng: &mut Rng,
) -> Vec<String> {
    let mut files: Vec<String> = (0..n_files).map(|_| String::from(HEADER)).collect();
    let per_file = fleet.envs.len().div_ceil(n_files);
    // Per environment, the fingerprint of every variable's and flag's effective value
    // (flags: 1 + the bool), so that an override always changes something.
    let mut effective: Vec<(Vec<u64>, Vec<u64>)> = Vec::with_capacity(fleet.envs.len());
    for (env_idx, env) in fleet.envs.iter().enumerate() {
        let (mut values, mut flags) = match env.parent {
            Some(parent) => effective[parent].clone(),
            None => (defaults.to_vec(), vec![1; fleet.flags.len()]),
        };
        let out = &mut files[env_idx / per_file];
        out.push('\n');
        if env.is_abstract {
            out.push_str("abstract ");
        }
        let _ = write!(out, "env {}", env.name);
        if let Some(parent) = env.parent {
            let _ = write!(out, " extends {}", fleet.envs[parent].name);
        }
        out.push_str(" {\n");
        let is_base = env.parent.is_none();
        for (idx, var) in fleet.vars.iter().enumerate() {
            let assign = if is_base {
                var.kind.is_required_without_default()
            } else {
                rng.below(100) < config.override_pct
            };
            if assign {
                // A few tries at a value that differs from the inherited one (bools and
                // small enums repeat often); give up on this override otherwise.
                let fresh = (0..4)
                    .map(|_| value(fleet, var, rng, false))
                    .find(|v| fingerprint(v) != values[idx]);
                let Some(value) = fresh else { continue };
                values[idx] = fingerprint(&value);
                let _ = writeln!(
                    out,
                    "  {} = {value}",
                    target_name(fleet, &var.name, var.owner)
                );
            }
        }
        for secret in &fleet.secrets {
            let assign = if is_base {
                !secret.has_default
            } else {
                rng.chance(10)
            };
            if assign {
                let _ = writeln!(
                    out,
                    "  {} from \"vault://kv/{}/{}#{}\"",
                    target_name(fleet, &secret.name, secret.owner),
                    env.name,
                    secret.name.to_ascii_lowercase(),
                    rng.pick(WORDS)
                );
            }
        }
        if !is_base {
            for (idx, flag) in fleet.flags.iter().enumerate() {
                if rng.chance(20) {
                    // Toggle: setting the inherited value again would only draw a warning.
                    let on = flags[idx] == 1;
                    flags[idx] = 1 + u64::from(on);
                    let _ = writeln!(out, "  {} = {on}", flag.name);
                }
            }
        }
        out.push_str("}\n");
        effective.push((values, flags));
    }
    files
}

fn root_file(
    fleet: &Fleet,
    config: &Config,
    n_parts: usize,
    n_env_files: usize,
    rng: &mut Rng,
) -> String {
    let mut out = String::from(HEADER);
    let _ = writeln!(
        out,
        "# vars={} services={} envs={} depth={} files={} seed={}\n\nproject fleet\n",
        config.vars, config.services, config.envs, config.depth, config.files, config.seed
    );
    out.push_str("import \"types.envdef\"\n");
    for part in 0..n_parts {
        let _ = writeln!(out, "import \"parts/part_{part:02}.envdef\"");
    }
    for idx in 0..n_env_files {
        let _ = writeln!(out, "import \"envs/envs_{idx:02}.envdef\"");
    }
    out.push('\n');

    // Asserts that hold by construction (ranges, https urls, enum members, slug shapes).
    let n_asserts = (fleet.vars.len() / 200).max(3);
    let mut written = 0;
    let first_concrete = &fleet.envs[1].name;
    let candidates = fleet.vars.iter().cycle().skip(rng.below(7) as usize);
    for var in candidates.take(fleet.vars.len() * 2) {
        if written >= n_asserts {
            break;
        }
        let name = target_name(fleet, &var.name, var.owner);
        let line = match var.kind {
            Kind::Int { lo, hi } => format!("assert {name} >= {lo} && {name} <= {hi}"),
            Kind::Port => format!("assert {name} > 0 \"ports are positive\""),
            Kind::Url { .. } => {
                format!("assert {name} starts_with \"https://\" when env != \"{first_concrete}\"")
            }
            Kind::LogLevel => {
                format!("assert {name} in [\"debug\", \"info\", \"warn\", \"error\"]")
            }
            Kind::Slug => format!("assert {name} matches /^[a-z]/ \"slugs start lowercase\""),
            Kind::Bool => format!("assert {name} || !{name}"),
            _ => continue,
        };
        out.push_str(&line);
        out.push('\n');
        written += 1;
    }
    let _ = writeln!(
        out,
        "assert {} == true || {} == false when env in [\"{}\"]",
        fleet.flags[0].name, fleet.flags[0].name, first_concrete
    );
    out.push_str(
        "\nemit dotenv       to \"{service}/.env.{env}\"\n\
         emit tfvars       to \"infra/{env}.tfvars\"\n\
         emit variables_tf to \"infra/variables.tf\"\n\
         emit compose      to \"compose.{env}.yaml\"\n\
         emit kubernetes   to \"k8s/{env}/{service}.yaml\" { namespace = \"fleet-{env}\" }\n",
    );
    out
}

fn write(dir: &Path, relative: &str, contents: &str) -> Result<u64, String> {
    let path = dir.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(&path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(contents.len() as u64)
}

fn run(config: &Config) -> Result<(), String> {
    let fleet = build_fleet(config);
    // One stream per file so that changing one file's content never shifts another's.
    let mut rng = Rng(config.seed ^ 0xA5A5_A5A5);
    // Imported files: `types.envdef`, then a quarter for environments, the rest for the
    // shared declarations and services.
    let n_env_files = (config.files / 4).clamp(1, fleet.envs.len());
    let n_parts = config.files.saturating_sub(1 + n_env_files).max(1);
    let (parts, defaults) = part_files(&fleet, n_parts, &mut rng);
    let envs = env_files(
        &fleet,
        config,
        n_env_files,
        &defaults,
        &mut Rng(config.seed ^ 0x5A5A),
    );
    let root = root_file(
        &fleet,
        config,
        n_parts,
        n_env_files,
        &mut Rng(config.seed ^ 0x0F0F),
    );

    let mut bytes = write(&config.out, "fleet.envdef", &root)?;
    bytes += write(&config.out, "types.envdef", &types_file())?;
    for (idx, part) in parts.iter().enumerate() {
        bytes += write(&config.out, &format!("parts/part_{idx:02}.envdef"), part)?;
    }
    for (idx, env_file) in envs.iter().enumerate() {
        bytes += write(&config.out, &format!("envs/envs_{idx:02}.envdef"), env_file)?;
    }
    println!(
        "{}: {} vars, {} secrets, {} flags, {} services, {} envs (+ base), {} files, {bytes} bytes",
        config.out.join("fleet.envdef").display(),
        fleet.vars.len(),
        fleet.secrets.len(),
        fleet.flags.len(),
        fleet.services.len(),
        fleet.envs.len() - 1,
        n_parts + n_env_files + 2,
    );
    Ok(())
}

fn main() -> ExitCode {
    let result = parse_args().and_then(|config| run(&config));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("gen_fleet: {message}");
            ExitCode::from(2)
        }
    }
}
