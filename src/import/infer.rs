//! Type inference for imported values: the narrowest envdef type that every value of a key
//! fits AND that writes each value back byte-identically (so `8080` is an int, but `08080`,
//! `+1` and `1.50` stay strings; `30s` is a duration, `60s` is not, since envdef writes it
//! as `1m`).

use crate::fmt::literal;

/// An inferred type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inferred {
    /// Anything else: `string`.
    String,
    /// Every value is a decimal integer: `int`.
    Int {
        /// `int in 1..=65535`: the key names a port and every value is one.
        port: bool,
    },
    /// Every value is a decimal number: `float`.
    Float,
    /// Every value is a boolean word: `bool`.
    Bool,
    /// Every value is a URL with a scheme and a host: `url`.
    Url,
    /// Every value is a duration (`30s`, `1h30m`): `duration`.
    Duration,
    /// A string union; members in order of first appearance.
    Union(Vec<String>),
}

impl Inferred {
    /// The type as written in the draft (without the optional marker).
    pub fn source(&self) -> String {
        match self {
            Inferred::String => "string".to_string(),
            Inferred::Int { port: false } => "int".to_string(),
            Inferred::Int { port: true } => "int in 1..=65535".to_string(),
            Inferred::Float => "float".to_string(),
            Inferred::Bool => "bool".to_string(),
            Inferred::Url => "url".to_string(),
            Inferred::Duration => "duration".to_string(),
            Inferred::Union(members) => members
                .iter()
                .map(|m| literal::string(m))
                .collect::<Vec<_>>()
                .join(" | "),
        }
    }

    /// Whether values are written as string literals.
    pub fn is_stringy(&self) -> bool {
        matches!(self, Inferred::String | Inferred::Url | Inferred::Union(_))
    }
}

/// Most distinct values a union gets; more than that is data, not a choice.
const MAX_UNION: usize = 6;

/// Infers the type of one key from its values in the files that define it. `interpolated`:
/// some value is built from other keys, so only string-like types fit.
pub fn infer(key: &str, values: &[&str], interpolated: bool) -> Inferred {
    if values.is_empty() || values.iter().any(|v| v.is_empty()) {
        return Inferred::String;
    }
    if !interpolated {
        if values.iter().all(|v| *v == "true" || *v == "false") {
            return Inferred::Bool;
        }
        if values.iter().all(|v| canonical_int(v).is_some()) {
            let port = looks_like_port_key(key)
                && values
                    .iter()
                    .all(|v| canonical_int(v).is_some_and(|n| (1..=65535).contains(&n)));
            return Inferred::Int { port };
        }
        if values.iter().all(|v| canonical_float(v)) && values.iter().any(|v| v.contains('.')) {
            return Inferred::Float;
        }
        if values.iter().all(|v| canonical_duration(v)) && duration_plausible(key, values) {
            return Inferred::Duration;
        }
    }
    if values.iter().all(|v| looks_like_url(v)) {
        return Inferred::Url;
    }
    if !interpolated {
        let mut members: Vec<String> = Vec::new();
        for v in values {
            if !members.iter().any(|m| m == v) {
                members.push((*v).to_string());
            }
        }
        if members.len() >= 2 && members.len() <= MAX_UNION && members.iter().all(|m| union_word(m))
        {
            return Inferred::Union(members);
        }
    }
    Inferred::String
}

/// `8080`, `-1`, `0`; not `+1`, `007`, `-0`, `1_000` (envdef writes none of those back).
pub fn canonical_int(v: &str) -> Option<i64> {
    let n: i64 = v.parse().ok()?;
    (n.to_string() == v).then_some(n)
}

/// A float whose shortest decimal form is exactly `v` (`0.5`, `-2.25`; not `1.50`, `1e3`).
fn canonical_float(v: &str) -> bool {
    match v.parse::<f64>() {
        Ok(f) if f.is_finite() => crate::notation::float_value(f) == v,
        _ => false,
    }
}

/// A duration written the way envdef writes it (`30s`, `1h30m`; not `60s`, `0s`).
fn canonical_duration(v: &str) -> bool {
    match crate::notation::parse_duration(v) {
        Some(ms) if ms > 0 => crate::notation::format_duration(ms) == v,
        _ => false,
    }
}

/// `10m` is minutes in a `TIMEOUT` but megabytes in a `MAX_BODY_SIZE`: a bare-minutes value
/// only counts as a duration when the key talks about time.
fn duration_plausible(key: &str, values: &[&str]) -> bool {
    const TIME_WORDS: &[&str] = &[
        "TIMEOUT",
        "TTL",
        "INTERVAL",
        "DELAY",
        "DURATION",
        "EXPIRY",
        "EXPIRES",
        "EXPIRE",
        "PERIOD",
        "AGE",
        "WAIT",
        "TIME",
        "LIFETIME",
        "BACKOFF",
        "RETENTION",
        "DEADLINE",
        "GRACE",
        "LATENCY",
        "IDLE",
        "CACHE",
    ];
    let upper = key.to_ascii_uppercase();
    if upper
        .split(['_', '.', '-'])
        .any(|s| TIME_WORDS.contains(&s))
    {
        return true;
    }
    // Without a hint, only values whose unit is unambiguous (`30s`, `250ms`, `1h`, `2d`).
    values
        .iter()
        .all(|v| !v.ends_with('m') || v.ends_with("ms") || v.contains('h'))
}

fn looks_like_port_key(key: &str) -> bool {
    let upper = key.to_ascii_uppercase();
    upper == "PORT" || upper.ends_with("_PORT")
}

/// `scheme://host…` with no whitespace: what envdef's `url` type accepts.
pub fn looks_like_url(v: &str) -> bool {
    let Some((scheme, rest)) = v.split_once("://") else {
        return false;
    };
    let mut chars = scheme.chars();
    let scheme_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or("");
    scheme_ok
        && !host.is_empty()
        && !host.starts_with(':')
        // A comma-separated list of URLs is a list, not a URL.
        && !v.chars().any(|c| c.is_whitespace() || c.is_control() || c == ',')
}

/// A member of an inferred union: a short lowercase word such as `debug` or `s3`.
fn union_word(v: &str) -> bool {
    let mut chars = v.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && v.len() <= 24
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars() {
        assert_eq!(
            infer("X", &["8080", "80"], false),
            Inferred::Int { port: false }
        );
        assert_eq!(
            infer("APP_PORT", &["8080", "80"], false),
            Inferred::Int { port: true }
        );
        assert_eq!(
            infer("APP_PORT", &["0"], false),
            Inferred::Int { port: false }
        );
        assert_eq!(infer("X", &["007"], false), Inferred::String);
        assert_eq!(infer("X", &["+1"], false), Inferred::String);
        assert_eq!(infer("X", &["true", "false"], false), Inferred::Bool);
        assert_eq!(infer("X", &["True"], false), Inferred::String);
        assert_eq!(infer("X", &["0.5", "2"], false), Inferred::Float);
        assert_eq!(infer("X", &["1.50"], false), Inferred::String);
        assert_eq!(infer("X", &["30s", "1h30m"], false), Inferred::Duration);
        assert_eq!(infer("X", &["60s"], false), Inferred::String);
        assert_eq!(infer("MAX_BODY", &["10m"], false), Inferred::String);
        assert_eq!(infer("IDLE_TIMEOUT", &["10m"], false), Inferred::Duration);
        assert_eq!(infer("X", &[""], false), Inferred::String);
    }

    #[test]
    fn urls_and_unions() {
        assert_eq!(
            infer("X", &["https://a.example/x", "redis://r:6379"], false),
            Inferred::Url
        );
        assert_eq!(infer("X", &["http://"], false), Inferred::String);
        assert_eq!(infer("X", &["file:///tmp"], false), Inferred::String);
        assert_eq!(
            infer("LOG_LEVEL", &["debug", "info", "info"], false),
            Inferred::Union(vec!["debug".into(), "info".into()])
        );
        assert_eq!(infer("LOG_LEVEL", &["info"], false), Inferred::String);
        assert_eq!(infer("X", &["debug", "info"], true), Inferred::String);
        assert_eq!(infer("X", &["8080"], true), Inferred::String);
    }
}
