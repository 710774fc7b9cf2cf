//! How values are written as text: the duration units, durations, floats and regexes.
//!
//! One table and one printer per kind, shared by every stage (parsing, diagnostics, `fmt`,
//! `import`, the emitters and the CLI), so that a value reads the same wherever it is shown.
//! This module reaches no other module of the crate, so every layer may use it.
//! Strings in source notation need escaping rules that belong to the grammar; they live in
//! `fmt::literal`.

/// Milliseconds per duration unit, largest first: the order the grammar requires and the
/// order the canonical form uses.
pub const DURATION_UNITS: [(&str, u64); 5] = [
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

/// Canonical duration text, largest unit first, zero parts omitted: `1h30m`, `1s500ms`,
/// `2d`, `0s`.
pub fn format_duration(millis: u64) -> String {
    if millis == 0 {
        return "0s".to_string();
    }
    let mut rest = millis;
    let mut out = String::new();
    for (suffix, size) in DURATION_UNITS {
        let n = rest / size;
        if n > 0 {
            out.push_str(&n.to_string());
            out.push_str(suffix);
            rest %= size;
        }
    }
    out
}

/// Parses `1h30m`-style text (each unit at most once, largest first) to milliseconds;
/// `None` if it is not a duration or overflows. The lenient reader of values that are
/// not source (`import`, `verify`); the source's own literals go through `syntax`, which
/// explains what is wrong.
pub fn parse_duration(text: &str) -> Option<u64> {
    let mut rest = text;
    let mut total: u64 = 0;
    let mut next_unit = 0; // index into DURATION_UNITS of the smallest unit still allowed
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let n: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        // `ms` before `m`: the longer suffix wins.
        let unit = if rest.starts_with("ms") {
            4
        } else {
            DURATION_UNITS[..4]
                .iter()
                .position(|(suffix, _)| rest.starts_with(suffix))?
        };
        if unit < next_unit {
            return None;
        }
        next_unit = unit + 1;
        rest = &rest[DURATION_UNITS[unit].0.len()..];
        total = total.checked_add(n.checked_mul(DURATION_UNITS[unit].1)?)?;
    }
    Some(total)
}

/// A float as a value: plain decimal, never an exponent (`1e3` → `1000`), no `-0`, so
/// every reader of an artifact sees the number.
pub fn float_value(f: f64) -> String {
    // Rust's `Display` for f64 is the shortest round-trip form without an exponent.
    let s = f.to_string();
    if s == "-0" {
        "0".to_string()
    } else {
        s
    }
}

/// A float as source: the shortest text that reads back as exactly `f`, always with a
/// `.` or an exponent so that it stays a float (`2.0`, `0.5`, `1e300`).
pub fn float_source(f: f64) -> String {
    // `Debug` is `Display` plus `.0` for integral values, and an exponent at the extremes.
    format!("{f:?}")
}

/// A regex as written in source, between slashes (a `/` inside escaped again).
pub fn regex_source(pattern: &str) -> String {
    format!("/{}/", pattern.replace('/', "\\/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_trip() {
        for (text, ms) in [
            ("1h30m", 5_400_000),
            ("250ms", 250),
            ("2d", 172_800_000),
            ("1s500ms", 1_500),
            ("0s", 0),
        ] {
            assert_eq!(format_duration(ms), text);
            assert_eq!(parse_duration(text), Some(ms));
        }
    }

    #[test]
    fn durations_parse_units_the_canonical_form_would_merge() {
        assert_eq!(parse_duration("90m"), Some(5_400_000));
        assert_eq!(parse_duration("1h30s"), Some(3_630_000));
    }

    #[test]
    fn durations_refuse_what_the_grammar_refuses() {
        for text in [
            "",
            "1",
            "m",
            "1m1h",
            "1m1m",
            "1x",
            "1ms1s",
            "18446744073709551615d",
        ] {
            assert_eq!(parse_duration(text), None, "{text}");
        }
    }

    #[test]
    fn floats() {
        assert_eq!(float_value(1e3), "1000");
        assert_eq!(float_value(0.5), "0.5");
        assert_eq!(float_value(1e-7), "0.0000001");
        assert_eq!(float_value(-0.0), "0");
        assert_eq!(float_value(2.0), "2");
        assert_eq!(float_source(2.0), "2.0");
        assert_eq!(float_source(0.5), "0.5");
        assert_eq!(float_source(1e300), "1e300");
    }

    #[test]
    fn regexes_escape_their_delimiter() {
        assert_eq!(regex_source("^a/b$"), "/^a\\/b$/");
    }
}
