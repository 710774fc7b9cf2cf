//! The text shape of a typed value as Rust regex patterns: what a value of each type looks
//! like in the environment after the text targets wrote it (`text.rs`). The application
//! targets translate these with [`crate::regex_dialect`] (so they are written once, in the
//! syntax envdef itself checks with) to describe the environment "as the process sees it":
//! ints in a range, the bool words, durations, URLs, joined lists.

use crate::model::{Number, Refinement, Type, TypeKind, ValueFormat};
use crate::regex_dialect::url_pattern;

/// Canonical duration text (`1h30m`, `250ms`, `0s`) as envdef writes it; the empty string
/// also matches, so callers add a minimum length of 1.
pub(crate) const DURATION_BODY: &str =
    "(?:[0-9]+d)?(?:[0-9]+h)?(?:[0-9]+m)?(?:[0-9]+s)?(?:[0-9]+ms)?";

/// An unanchored pattern for one value's text, when the type has a shape beyond "any
/// string" (`None` for strings and unions: their refinements and `enum` say it).
pub(crate) fn body(ty: &Type, format: &ValueFormat, exclude: &str) -> Option<String> {
    Some(match &ty.kind {
        TypeKind::String | TypeKind::Enum { .. } => return None,
        TypeKind::Int => int_body(ty),
        // Plain decimal, as `notation::float_value` writes it; ranges are left to the typed
        // variant (a decimal interval has no compact pattern).
        TypeKind::Float => "-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?".to_string(),
        TypeKind::Bool => match &format.bool_words {
            Some((yes, no)) => format!(
                "(?:{}|{})",
                regex_syntax::escape(yes),
                regex_syntax::escape(no)
            ),
            None => "(?:true|false)".to_string(),
        },
        TypeKind::Url => {
            let full = url_pattern(exclude);
            full[1..full.len() - 1].to_string()
        }
        TypeKind::Duration => match format.duration_unit {
            // A whole or terminating decimal number of units.
            Some(_) => "(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?".to_string(),
            None => DURATION_BODY.to_string(),
        },
        TypeKind::List { .. } => return None,
    })
}

/// The whole-value pattern of a list's text: elements with their shape joined by a
/// one-character separator, with `len` as the number of elements. `None` when the
/// elements have no shape, the list is JSON, or the separator is longer than one character
/// (an element shape could then run across it).
pub(crate) fn list_pattern(ty: &Type, element: &Type, format: &ValueFormat) -> Option<String> {
    if format.list_json || format.separator.chars().count() != 1 {
        return None;
    }
    let element_body = body(element, format, &format.separator)?;
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
        _ => "-?(?:0|[1-9][0-9]*)".to_string(),
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
    for len in lo_len..=hi_len {
        let first = if len == 1 { 0 } else { 10u64.pow(len - 1) };
        let last = 10u64.checked_pow(len).map_or(u64::MAX, |p| p - 1);
        let a = lo.max(first).to_string();
        let b = hi.min(last).to_string();
        parts.extend(same_length(a.as_bytes(), b.as_bytes()));
    }
    parts.join("|")
}

fn digits(n: u64) -> u32 {
    n.checked_ilog10().map_or(1, |d| d + 1)
}

/// Patterns for the digit strings of one length from `a` to `b` (`a <= b`).
fn same_length(a: &[u8], b: &[u8]) -> Vec<String> {
    let Some((&a0, a_rest)) = a.split_first() else {
        return vec![String::new()];
    };
    let (&b0, b_rest) = b.split_first().expect("same length");
    let n = a_rest.len();
    let any = |n: usize| match n {
        0 => String::new(),
        1 => "[0-9]".to_string(),
        n => format!("[0-9]{{{n}}}"),
    };
    let digit_class = |lo: u8, hi: u8| {
        if lo == hi {
            (lo as char).to_string()
        } else {
            format!("[{}-{}]", lo as char, hi as char)
        }
    };
    if a0 == b0 {
        return same_length(a_rest, b_rest)
            .into_iter()
            .map(|rest| format!("{}{rest}", a0 as char))
            .collect();
    }
    if a_rest.iter().all(|&d| d == b'0') && b_rest.iter().all(|&d| d == b'9') {
        return vec![format!("{}{}", digit_class(a0, b0), any(n))];
    }
    let mut out: Vec<String> = Vec::new();
    let nines = vec![b'9'; n];
    let zeros = vec![b'0'; n];
    let (mut mid_lo, mut mid_hi) = (a0 + 1, b0 - 1);
    if a_rest.iter().all(|&d| d == b'0') {
        mid_lo = a0;
    } else {
        out.extend(
            same_length(a_rest, &nines)
                .into_iter()
                .map(|rest| format!("{}{rest}", a0 as char)),
        );
    }
    let b_full = b_rest.iter().all(|&d| d == b'9');
    if b_full {
        mid_hi = b0;
    }
    if mid_lo <= mid_hi {
        out.push(format!("{}{}", digit_class(mid_lo, mid_hi), any(n)));
    }
    if !b_full {
        out.extend(
            same_length(&zeros, b_rest)
                .into_iter()
                .map(|rest| format!("{}{rest}", b0 as char)),
        );
    }
    out
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

    #[test]
    fn durations() {
        let re = regex::Regex::new(&format!("^{DURATION_BODY}$")).unwrap();
        for ok in ["1h30m", "250ms", "0s", "2d", "1s500ms", "5m"] {
            assert!(re.is_match(ok), "{ok}");
        }
        for bad in ["1x", "30 s", "m", "1.5s", "1m1h"] {
            assert!(!re.is_match(bad), "{bad}");
        }
    }
}
