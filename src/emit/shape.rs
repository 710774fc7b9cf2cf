//! The text shape of a typed value as Rust regex patterns: what a value of each type looks
//! like in the environment after the text targets wrote it (`text.rs`). The application
//! targets translate these with [`crate::regex_dialect`] (so they are written once, in the
//! syntax envdef itself checks with) to describe the environment "as the process sees it":
//! ints in a range, the bool words, durations, URLs, joined lists.

use crate::model::{DurationUnit, Number, Refinement, Type, TypeKind, ValueFormat};
use crate::regex_dialect::{element_separator, url_pattern};

/// Canonical duration text (`1h30m`, `250ms`, `0s`) exactly as envdef writes it
/// (`notation::format_duration`: no zero part, hours below 24, minutes and seconds below
/// 60, milliseconds below 1000, no leading zero) up to the longest duration,
/// `100000000d` (`notation::MAX_DURATION_MS`): fewer than 9 digits of days, or exactly
/// `100000000d`. Only canonical text can be bounded by a pattern at all (`90m` and
/// `1h30m` are one value; a pattern cannot add up parts). The empty string also matches,
/// so callers add a minimum length of 1.
pub(crate) const DURATION_BODY: &str = "(?:0s|100000000d|(?:[1-9][0-9]{0,7}d)?(?:(?:[1-9]|1[0-9]|2[0-3])h)?(?:(?:[1-9]|[1-5][0-9])m)?(?:(?:[1-9]|[1-5][0-9])s)?(?:[1-9][0-9]{0,2}ms)?)";

/// An unanchored pattern for one value's text, when the type has a shape beyond "any
/// string" (`None` for strings and unions: their refinements and `enum` say it).
///
/// These are the texts every reader accepts (`live::value` for `envdef verify`, and the
/// application targets): exactly what the text targets write for ints, bools and
/// durations; for floats any plain decimal (envdef writes the shortest one, which no
/// pattern can single out).
pub(crate) fn body(ty: &Type, format: &ValueFormat, exclude: &str) -> Option<String> {
    Some(match &ty.kind {
        TypeKind::String | TypeKind::Enum { .. } => return None,
        TypeKind::Int => int_body(ty),
        // The decimals whose nearest float is in the range (64-bit floats without one).
        TypeKind::Float => float_body(ty),
        TypeKind::Bool => {
            let (yes, no) = bool_words(format);
            format!(
                "(?:{}|{})",
                regex_syntax::escape(yes),
                regex_syntax::escape(no)
            )
        }
        TypeKind::Url => {
            let full = url_pattern(exclude);
            full[1..full.len() - 1].to_string()
        }
        TypeKind::Duration => match format.duration_unit {
            Some(unit) => unit_body(unit),
            None => DURATION_BODY.to_string(),
        },
        TypeKind::List { .. } => return None,
    })
}

/// A float's text: a plain decimal (an optional `-`, no leading zero, no exponent, no `+`)
/// of at most 17 significant digits; see [`super::decimal`].
pub(crate) fn float_digits_body() -> String {
    super::decimal::significant_body()
}

/// The float texts whose nearest `f64` is within the type's range, or finite.
fn float_body(ty: &Type) -> String {
    let number = |n: Number| match n {
        Number::Int(i) => i as f64,
        Number::Float(f) => f,
    };
    let (lo, hi, inclusive) = ty
        .refinements
        .iter()
        .find_map(|r| match r {
            Refinement::Range { lo, hi, inclusive } => Some((number(*lo), number(*hi), *inclusive)),
            _ => None,
        })
        .unwrap_or((-f64::MAX, f64::MAX, true));
    // `check` refuses an empty range; were one to get here, nothing passes.
    super::decimal::range_body(lo, hi, inclusive).unwrap_or_else(|| "[0-9]{0}x".to_string())
}

/// The two words a bool is written as.
pub(crate) fn bool_words(format: &ValueFormat) -> (&str, &str) {
    match &format.bool_words {
        Some((yes, no)) => (yes, no),
        None => ("true", "false"),
    }
}

/// A number of `unit` that is a whole number of milliseconds (envdef's durations are):
/// at most 3 fraction digits in seconds; in minutes 4, or 5 ending in `5` (1/60000 of a
/// minute is a millisecond); in hours 5, 6 ending in `5` or 7 ending in `25`/`75`. Trailing
/// zeros are allowed, a leading zero is not. At most the longest duration
/// ([`DurationUnit::longest`], a whole number in every unit): a whole part below it with
/// any such fraction, or it with zeros only.
pub(crate) fn unit_body(unit: DurationUnit) -> String {
    let fraction = match unit {
        DurationUnit::Ms => "0+",
        DurationUnit::S => "[0-9]{1,3}0*",
        DurationUnit::M => "(?:[0-9]{1,4}|[0-9]{4}5)0*",
        DurationUnit::H => "(?:[0-9]{1,5}|[0-9]{5}5|[0-9]{5}[27]5)0*",
    };
    let longest = unit.longest();
    let below = unsigned_range(0, longest - 1);
    format!("(?:(?:{below})(?:\\.{fraction})?|{longest}(?:\\.0+)?)")
}

/// The whole-value pattern of a list's text: elements with their shape joined by a
/// one-character separator, with `len` as the number of elements. `None` when the list is
/// JSON or the separator is longer than one character (an element shape could then run
/// across it). A string element is any run of other characters, with its `len` in code
/// points; its `matching` patterns are patterns of their own
/// ([`crate::regex_dialect::translate_each_element`]), as is a url element's `len`
/// ([`list_len_pattern`]).
pub(crate) fn list_pattern(ty: &Type, element: &Type, format: &ValueFormat) -> Option<String> {
    let sep = regex_syntax::escape(&format.separator);
    let element_body = match &element.kind {
        TypeKind::String => {
            let not_sep = format!("[^{sep}]");
            match len_bounds(element) {
                Some((lo, hi)) => format!("{not_sep}{{{lo},{hi}}}"),
                None => format!("{not_sep}*"),
            }
        }
        TypeKind::Enum { members } => format!(
            "(?:{})",
            members
                .iter()
                .map(|m| regex_syntax::escape(m))
                .collect::<Vec<_>>()
                .join("|")
        ),
        _ => body(element, format, &format.separator)?,
    };
    joined(ty, &element_body, format)
}

/// For a list of floats, the second pattern every element must match: at most 17
/// significant digits (the first, [`list_pattern`], holds the range).
pub(crate) fn list_digits_pattern(
    ty: &Type,
    element: &Type,
    format: &ValueFormat,
) -> Option<String> {
    match element.kind {
        TypeKind::Float => joined(ty, &float_digits_body(), format),
        _ => None,
    }
}

/// For a list of urls with a `len`: the second pattern every element must match, its
/// length in code points (the first, [`list_pattern`], holds the url's shape; a string
/// element's `len` is part of that one).
pub(crate) fn list_len_pattern(ty: &Type, element: &Type, format: &ValueFormat) -> Option<String> {
    if !matches!(element.kind, TypeKind::Url) {
        return None;
    }
    let (lo, hi) = len_bounds(element)?;
    let sep = regex_syntax::escape(&format.separator);
    joined(ty, &format!("[^{sep}]{{{lo},{hi}}}"), format)
}

/// `element_body` joined by the one-character separator, `len` as the number of elements.
fn joined(ty: &Type, element_body: &str, format: &ValueFormat) -> Option<String> {
    element_separator(format)?;
    let sep = regex_syntax::escape(&format.separator);
    let (min, max) = ty
        .refinements
        .iter()
        .find_map(|r| match r {
            Refinement::Len { lo, hi, inclusive } => Some((
                *lo,
                Some(if *inclusive {
                    *hi
                } else {
                    hi.saturating_sub(1)
                }),
            )),
            _ => None,
        })
        .unwrap_or((0, None));
    let rest = |min: u64, max: Option<u64>| match max {
        None => format!("{{{min},}}"),
        Some(max) => format!("{{{min},{max}}}"),
    };
    let one_or_more = format!(
        "(?:{element_body})(?:{sep}(?:{element_body})){}",
        rest(min.saturating_sub(1), max.map(|m| m.saturating_sub(1)))
    );
    Some(match (min, max) {
        (_, Some(0)) => "^$".to_string(),
        (0, _) => format!("^(?:{one_or_more})?$"),
        _ => format!("^{one_or_more}$"),
    })
}

/// A `len` refinement's inclusive bounds.
fn len_bounds(ty: &Type) -> Option<(u64, u64)> {
    ty.refinements.iter().find_map(|r| match r {
        Refinement::Len { lo, hi, inclusive } => Some((
            *lo,
            if *inclusive {
                *hi
            } else {
                hi.saturating_sub(1)
            },
        )),
        _ => None,
    })
}

/// Decimal ints, with the range refinement spelled out digit by digit when there is one.
fn int_body(ty: &Type) -> String {
    let range = ty.refinements.iter().find_map(|r| match r {
        Refinement::Range {
            lo: Number::Int(lo),
            hi: Number::Int(hi),
            inclusive,
        } => Some((
            *lo,
            if *inclusive {
                Some(*hi)
            } else {
                hi.checked_sub(1)
            },
        )),
        _ => None,
    });
    match range {
        Some((lo, Some(hi))) if lo <= hi => int_range(lo, hi),
        // `check` refuses an empty range; an int without one is still 64-bit.
        _ => int_range(i64::MIN, i64::MAX),
    }
}

/// The decimal texts of the integers `lo..=hi` (no leading zeros, `0` never signed).
pub(crate) fn int_range(lo: i64, hi: i64) -> String {
    let mut parts = Vec::new();
    if lo < 0 {
        let neg_hi = lo.unsigned_abs();
        let neg_lo = if hi < 0 { hi.unsigned_abs() } else { 1 };
        parts.push(format!("-(?:{})", unsigned_range(neg_lo, neg_hi)));
    }
    if hi >= 0 {
        parts.push(unsigned_range(lo.max(0) as u64, hi as u64));
    }
    format!("(?:{})", parts.join("|"))
}

fn unsigned_range(lo: u64, hi: u64) -> String {
    let mut parts = Vec::new();
    let (lo_len, hi_len) = (digits(lo), digits(hi));
    // Lengths whose every number is in the range, merged: `[1-9][0-9]{1,17}`.
    let mut full: Option<(u32, u32)> = None;
    let flush = |full: &mut Option<(u32, u32)>, parts: &mut Vec<String>| {
        if let Some((a, b)) = full.take() {
            parts.push(match (a - 1, b - 1) {
                (x, y) if x == y && x == 1 => "[1-9][0-9]".to_string(),
                (x, y) if x == y => format!("[1-9][0-9]{{{x}}}"),
                (x, y) => format!("[1-9][0-9]{{{x},{y}}}"),
            });
        }
    };
    for len in lo_len..=hi_len {
        let first = if len == 1 { 0 } else { 10u64.pow(len - 1) };
        let last = 10u64.checked_pow(len).map_or(u64::MAX, |p| p - 1);
        if len > 1 && lo <= first && hi >= last && last != u64::MAX {
            full = Some(full.map_or((len, len), |(a, _)| (a, len)));
            continue;
        }
        flush(&mut full, &mut parts);
        let a = lo.max(first).to_string();
        let b = hi.min(last).to_string();
        parts.extend(super::decimal::same_length(a.as_bytes(), b.as_bytes()));
    }
    flush(&mut full, &mut parts);
    parts.join("|")
}

fn digits(n: u64) -> u32 {
    n.checked_ilog10().map_or(1, |d| d + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_range(lo: i64, hi: i64) {
        let re = regex::Regex::new(&format!("^{}$", int_range(lo, hi))).unwrap();
        for x in (lo - 120)..=(hi + 120) {
            assert_eq!(
                re.is_match(&x.to_string()),
                x >= lo && x <= hi,
                "{x} in {lo}..={hi}"
            );
        }
        for bad in ["", "-0", "01", "+1", "1.0", " 1"] {
            assert!(!re.is_match(bad), "{bad}");
        }
    }

    #[test]
    fn int_ranges_are_exact() {
        for (lo, hi) in [
            (1, 65535),
            (1024, 65535),
            (0, 0),
            (1, 64),
            (-5, 5),
            (-130, -7),
            (-1000, 999),
            (7, 7),
            (99, 1001),
            (10, 19),
            (100, 199),
        ] {
            check_range(lo, hi);
        }
        let extreme = regex::Regex::new(&format!("^{}$", int_range(i64::MIN, i64::MAX))).unwrap();
        assert!(extreme.is_match(&i64::MIN.to_string()));
        assert!(extreme.is_match(&i64::MAX.to_string()));
    }

    /// A number of a unit is accepted exactly when it is whole milliseconds.
    #[test]
    fn unit_numbers_are_whole_milliseconds() {
        for (unit, size) in [
            (DurationUnit::Ms, 1u64),
            (DurationUnit::S, 1_000),
            (DurationUnit::M, 60_000),
            (DurationUnit::H, 3_600_000),
        ] {
            let re = regex::Regex::new(&format!("^{}$", unit_body(unit))).unwrap();
            for digits in 1..=9u32 {
                let scale = 10u64.pow(digits);
                let step = (scale / 20_000).max(1);
                for f in (0..scale)
                    .step_by(step as usize)
                    .chain([scale - 1, scale / 2, 5])
                {
                    let text = format!("3.{f:0width$}", width = digits as usize);
                    let whole = (f * size) % scale == 0;
                    assert_eq!(re.is_match(&text), whole, "{text} in {unit:?}");
                }
            }
            for bad in ["01", "-1", "1.", ".5", "1e3", "+1", " 1", "1_0"] {
                assert!(!re.is_match(bad), "{bad}");
            }
        }
    }

    /// The longest duration in each unit, and one millisecond more (where the unit can
    /// say it: a whole unit more where it cannot).
    #[test]
    fn unit_numbers_stop_at_the_longest_duration() {
        for (unit, longest, over) in [
            (DurationUnit::Ms, "8640000000000000", "8640000000000001"),
            (DurationUnit::S, "8640000000000", "8640000000000.001"),
            (DurationUnit::M, "144000000000", "144000000000.00005"),
            (DurationUnit::H, "2400000000", "2400000000.0000025"),
        ] {
            let re = regex::Regex::new(&format!("^{}$", unit_body(unit))).unwrap();
            assert!(re.is_match(longest), "{longest} {unit:?}");
            assert!(re.is_match(&format!("{longest}.000")), "{longest} {unit:?}");
            assert!(!re.is_match(over), "{over} {unit:?}");
            assert!(!re.is_match(&format!("{longest}1")), "{unit:?}");
            let below = unit.longest() - 1;
            let half = if unit == DurationUnit::Ms { "0" } else { "5" };
            assert!(re.is_match(&format!("{below}.{half}")), "{below} {unit:?}");
            assert!(re.is_match("0"), "{unit:?}");
        }
    }

    #[test]
    fn durations() {
        let re = regex::Regex::new(&format!("^{DURATION_BODY}$")).unwrap();
        for ok in ["1h30m", "250ms", "0s", "2d", "1s500ms", "5m", "100000000d"] {
            assert!(re.is_match(ok), "{ok}");
        }
        for bad in [
            "1x",
            "30 s",
            "m",
            "1.5s",
            "1m1h",
            "90m",
            "0ms",
            "0d",
            "01s",
            "24h",
            "60s",
            "1000ms",
            "1h0m",
            "100000000d1ms",
            "100000001d",
            "999999999d",
        ] {
            assert!(!re.is_match(bad), "{bad}");
        }
    }

    /// The pattern is exactly envdef's canonical text up to the longest duration: every
    /// value's text matches, and one millisecond past the longest does not.
    #[test]
    fn durations_are_exactly_the_canonical_text() {
        use crate::notation::{format_duration, MAX_DURATION_MS};
        let re = regex::Regex::new(&format!("^{DURATION_BODY}$")).unwrap();
        let mut ms: u64 = 0;
        while ms <= MAX_DURATION_MS {
            for near in [ms, MAX_DURATION_MS - ms] {
                assert!(re.is_match(&format_duration(near)), "{near}");
            }
            ms = ms * 3 + 1 + ms / 7;
        }
        for over in [MAX_DURATION_MS + 1, MAX_DURATION_MS + 86_400_000, u64::MAX] {
            assert!(!re.is_match(&format_duration(over)), "{over}");
        }
        for day in [
            1u64,
            86_399_999,
            86_400_000,
            86_400_001,
            3_600_000 * 23 + 59_999,
        ] {
            assert!(re.is_match(&format_duration(day)), "{day}");
        }
    }
}
