//! Float ranges as patterns over decimal text, for the env variant of the JSON Schema.
//!
//! Every reader turns a float's text into the nearest `f64` and compares that with the
//! range (`envdef verify`, pydantic, zod). The texts whose nearest `f64` lies in a range
//! form an interval of decimals whose ends are midpoints between two floats: exact, but
//! hundreds of digits long (751 significant ones for 2^-1075, the end next to zero). Every reader therefore also limits a
//! float's text to [`SIGNIFICANT`] significant digits, which every `f64` has a text within
//! (envdef writes the shortest). Among such texts, "below the midpoint" is "at most the
//! midpoint cut to 17 digits", so each end is a short decimal and the interval a small
//! pattern: both exact, and the same verdict as the float comparison.

use std::sync::OnceLock;

use crate::hash::Memo;

/// The most significant digits a float's text may have (every `f64` has such a text).
pub(crate) const SIGNIFICANT: usize = 17;

/// A plain decimal with at most [`SIGNIFICANT`] significant digits (Rust regex syntax,
/// unanchored, ASCII only, so it reads the same in every dialect).
pub(crate) fn significant_body() -> String {
    let n = SIGNIFICANT;
    // Zero or a fraction below one: the digits between the first and last non-zero.
    let below_one = format!("0(?:\\.0*(?:[1-9](?:[0-9]{{0,{}}}[1-9])?0*)?)?", n - 2);
    // A whole number (any zeros after its last significant digit), maybe `.000`.
    let whole = format!("[1-9](?:[0-9]{{0,{}}}[1-9])?0*(?:\\.0+)?", n - 2);
    // A whole part of k digits and a fraction whose last non-zero digit is within n - k.
    let mut mixed: Vec<String> = Vec::new();
    for k in 1..n {
        let int = match k {
            1 => "[1-9]".to_string(),
            2 => "[1-9][0-9]".to_string(),
            k => format!("[1-9][0-9]{{{}}}", k - 1),
        };
        let lead = match n - k - 1 {
            0 => String::new(),
            m => format!("[0-9]{{0,{m}}}"),
        };
        mixed.push(format!("{int}\\.{lead}[1-9]0*"));
    }
    format!("-?(?:{below_one}|{whole}|{})", mixed.join("|"))
}

/// The texts (of [`significant_body`]'s form) whose nearest `f64` is in `lo..=hi` (or
/// `lo..hi`), as an unanchored pattern; `None` for an empty range. Computed once per range
/// in a process: each schema of a service that reads the variable asks again.
pub(crate) fn range_body(lo: f64, hi: f64, inclusive: bool) -> Option<String> {
    type Ranges = Memo<(u64, u64, bool), Option<String>>;
    static DONE: OnceLock<Ranges> = OnceLock::new();
    DONE.get_or_init(|| Memo::new(4 << 20)).get_or(
        (lo.to_bits(), hi.to_bits(), inclusive),
        |body| body.as_ref().map_or(0, String::len),
        || range_body_uncached(lo, hi, inclusive),
    )
}

fn range_body_uncached(lo: f64, hi: f64, inclusive: bool) -> Option<String> {
    let low = if lo.is_finite() { lo } else { -f64::MAX };
    let high = if !hi.is_finite() {
        f64::MAX
    } else if inclusive {
        hi
    } else {
        next_down(hi)
    };
    if low > high {
        return None;
    }
    let ((a_neg, a), a_incl) = lower_threshold(low);
    let ((b_neg, b), b_incl) = upper_threshold(high);
    // Non-negative texts `d` (value d): A ⊲ d ⊲ B.
    let pos_lo = (!a_neg || a.is_zero()).then(|| (a.clone(), a_incl));
    let pos_hi = if !b_neg || b.is_zero() {
        Some((b.clone(), b_incl))
    } else {
        None
    };
    let pos = if b_neg && !b.is_zero() {
        None
    } else {
        nonneg_between(pos_lo, pos_hi)
    };
    // Negative texts `-d` (value -d): A ⊲ -d ⊲ B, so -B ⊲ d ⊲ -A.
    let neg_lo = (b_neg || b.is_zero()).then(|| (b.clone(), b_incl));
    let neg = if !a_neg && !a.is_zero() {
        None
    } else {
        nonneg_between(neg_lo, Some((a, a_incl)))
    };
    match (pos, neg) {
        (Some(p), Some(n)) => Some(format!("(?:{p}|-{n})")),
        (Some(p), None) => Some(p),
        (None, Some(n)) => Some(format!("-{n}")),
        (None, None) => None,
    }
}

/// Non-negative texts `d` with `lo ⊲ d ⊲ hi` (`true`: the end itself passes); `None` for
/// no lower or upper end.
fn nonneg_between(lo: Option<(Dec, bool)>, hi: Option<(Dec, bool)>) -> Option<String> {
    let any_fraction = "(?:\\.[0-9]+)?".to_string();
    let alts: Vec<String> = match (&lo, &hi) {
        (None, None) => vec![format!("{WHOLE}{any_fraction}")],
        (Some((l, l_incl)), None) => {
            let mut v = Vec::new();
            if let Some(f) = fraction(Bound::Tight(&l.frac, *l_incl), Bound::Free) {
                v.push(format!("{}{f}", l.int));
            }
            v.push(format!("(?:{}){any_fraction}", greater_int(&l.int)));
            v
        }
        (None, Some((h, h_incl))) => {
            let mut v = Vec::new();
            if h.int != "0" {
                v.push(format!(
                    "(?:{}){any_fraction}",
                    int_range("0", &decrement(&h.int))
                ));
            }
            if let Some(f) = fraction(Bound::Free, Bound::Tight(&h.frac, *h_incl)) {
                v.push(format!("{}{f}", h.int));
            }
            v
        }
        (Some((l, l_incl)), Some((h, h_incl))) => {
            let mut v = Vec::new();
            if compare_int(&l.int, &h.int) == std::cmp::Ordering::Equal {
                if let Some(f) = fraction(
                    Bound::Tight(&l.frac, *l_incl),
                    Bound::Tight(&h.frac, *h_incl),
                ) {
                    v.push(format!("{}{f}", l.int));
                }
            } else if compare_int(&l.int, &h.int) == std::cmp::Ordering::Less {
                if let Some(f) = fraction(Bound::Tight(&l.frac, *l_incl), Bound::Free) {
                    v.push(format!("{}{f}", l.int));
                }
                let next = increment(&l.int);
                if compare_int(&next, &h.int) == std::cmp::Ordering::Less {
                    v.push(format!(
                        "(?:{}){any_fraction}",
                        int_range(&next, &decrement(&h.int))
                    ));
                }
                if let Some(f) = fraction(Bound::Free, Bound::Tight(&h.frac, *h_incl)) {
                    v.push(format!("{}{f}", h.int));
                }
            }
            v
        }
    };
    (!alts.is_empty()).then(|| format!("(?:{})", alts.join("|")))
}

/// A signed exact decimal: (negative, magnitude).
type Signed = (bool, Dec);

const WHOLE: &str = "(?:0|[1-9][0-9]*)";

/// An exact non-negative decimal: whole digits without leading zeros (`0` for none), and
/// fraction digits without trailing zeros.
#[derive(Debug, Clone, PartialEq)]
struct Dec {
    int: String,
    frac: Vec<u8>,
}

impl Dec {
    fn is_zero(&self) -> bool {
        self.int == "0" && self.frac.is_empty()
    }

    /// From all digits and the number of them after the point.
    fn from_digits(digits: &[u8], point: usize) -> Dec {
        let (int, frac) = digits.split_at(digits.len() - point);
        let int: String = int
            .iter()
            .map(|d| char::from(b'0' + d))
            .collect::<String>()
            .trim_start_matches('0')
            .to_string();
        let mut frac = frac.to_vec();
        while frac.last() == Some(&0) {
            frac.pop();
        }
        Dec {
            int: if int.is_empty() { "0".into() } else { int },
            frac,
        }
    }

    /// All digits (whole then fraction) and the fraction's length.
    fn digits(&self) -> (Vec<u8>, usize) {
        let mut d: Vec<u8> = self.int.bytes().map(|b| b - b'0').collect();
        d.extend(&self.frac);
        (d, self.frac.len())
    }

    /// Cut to [`SIGNIFICANT`] significant digits, towards zero (`up`: away from zero when
    /// anything was cut). Returns whether it was exact.
    fn cut(&self, up: bool) -> (Dec, bool) {
        let (mut d, point) = self.digits();
        let first = d.iter().position(|&x| x != 0).unwrap_or(d.len());
        let keep = first + SIGNIFICANT;
        if keep >= d.len() {
            return (self.clone(), true);
        }
        let cut = d[keep..].iter().any(|&x| x != 0);
        for x in &mut d[keep..] {
            *x = 0;
        }
        if cut && up {
            // Add one unit in the last kept place, with carries.
            let mut i = keep;
            loop {
                if i == 0 {
                    d.insert(0, 1);
                    break;
                }
                i -= 1;
                if d[i] == 9 {
                    d[i] = 0;
                } else {
                    d[i] += 1;
                    break;
                }
            }
        }
        (Dec::from_digits(&d, point), !cut)
    }
}

/// `m·2^e` as an exact decimal.
fn exact(m: u128, e: i32) -> Dec {
    // Little-endian decimal digits of m, then times 2^e or 5^-e (over 10^-e).
    let mut digits: Vec<u8> = Vec::new();
    let mut n = m;
    while n > 0 {
        digits.push((n % 10) as u8);
        n /= 10;
    }
    let times = |digits: &mut Vec<u8>, k: u8| {
        let mut carry = 0u8;
        for d in digits.iter_mut() {
            let v = *d * k + carry;
            *d = v % 10;
            carry = v / 10;
        }
        if carry > 0 {
            digits.push(carry);
        }
    };
    let point = if e >= 0 {
        for _ in 0..e {
            times(&mut digits, 2);
        }
        0
    } else {
        for _ in 0..(-e) {
            times(&mut digits, 5);
        }
        (-e) as usize
    };
    while digits.len() <= point {
        digits.push(0);
    }
    digits.reverse();
    Dec::from_digits(&digits, point)
}

/// `|f|` as `m·2^e` with `m` a whole number (`m` ≥ 2^52 for normal floats).
fn parts(f: f64) -> (u128, i32) {
    let bits = f.abs().to_bits();
    let exp = (bits >> 52) as i32;
    let frac = u128::from(bits & ((1 << 52) - 1));
    if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1 << 52), exp - 1075)
    }
}

/// The largest float below `f`.
fn next_down(f: f64) -> f64 {
    if f == 0.0 {
        return -f64::from_bits(1);
    }
    let bits = f.to_bits();
    f64::from_bits(if f > 0.0 { bits - 1 } else { bits + 1 })
}

/// The end of the decimals that round to `h` or below: `(value, whether a text equal to
/// it rounds to h)`, cut to [`SIGNIFICANT`] digits (`None` past every float).
fn upper_threshold(h: f64) -> (Signed, bool) {
    let (m, e) = parts(h);
    let even = m % 2 == 0;
    let end = if h >= 0.0 {
        // Halfway to the next float up (for f64::MAX, to where text becomes infinite).
        (false, exact(2 * m + 1, e - 1))
    } else {
        (true, half_below(m, e))
    };
    let (neg, d) = end;
    // Below the end (a magnitude that grows away from zero when negative).
    let (cut, exact_end) = d.cut(neg);
    ((neg, cut), if exact_end { even } else { true })
}

/// The lower end, mirrored: the decimals that round to `l` or above.
fn lower_threshold(l: f64) -> (Signed, bool) {
    let (m, e) = parts(l);
    let even = m % 2 == 0;
    let end = if l > 0.0 {
        (false, half_below(m, e))
    } else {
        (true, exact(2 * m + 1, e - 1))
    };
    let (neg, d) = end;
    let (cut, exact_end) = d.cut(!neg);
    ((neg, cut), if exact_end { even } else { true })
}

/// Halfway between `m·2^e` and the float below it (whose gap halves below a power of two).
fn half_below(m: u128, e: i32) -> Dec {
    if m == 1 << 52 && e > -1074 {
        exact(4 * m - 1, e - 2)
    } else {
        exact(2 * m - 1, e - 1)
    }
}

/// A bound on the fraction digits still to read.
#[derive(Clone, Copy)]
enum Bound<'a> {
    /// Already strictly inside.
    Free,
    /// Equal so far: the rest compared with these digits (`true`: equality passes).
    Tight(&'a [u8], bool),
}

/// The optional fraction (`.digits`) of a text whose whole part equals the ends' whole
/// parts (a `Free` end differs).
fn fraction(lo: Bound<'_>, hi: Bound<'_>) -> Option<String> {
    let mut alts = Vec::new();
    if end_ok(lo, hi) {
        alts.push(String::new());
    }
    if let Some(d) = digits(lo, hi, true) {
        alts.push(format!("\\.{d}"));
    }
    match alts.as_slice() {
        [] => None,
        [only] if only.is_empty() => Some(String::new()),
        _ => Some(format!("(?:{})", alts.join("|"))),
    }
}

/// Whether the text may end here (its remaining digits all zero).
fn end_ok(lo: Bound<'_>, hi: Bound<'_>) -> bool {
    let lo_ok = match lo {
        Bound::Free => true,
        Bound::Tight(d, incl) => d.is_empty() && incl,
    };
    let hi_ok = match hi {
        Bound::Free => true,
        Bound::Tight(d, incl) => !d.is_empty() || incl,
    };
    lo_ok && hi_ok
}

/// The fraction digits still to read (at least one when `nonempty`) between the bounds.
fn digits<'a>(lo: Bound<'a>, hi: Bound<'a>, nonempty: bool) -> Option<String> {
    let lo = match lo {
        Bound::Tight([], true) => Bound::Free,
        other => other,
    };
    let star = if nonempty { "+" } else { "*" };
    match (lo, hi) {
        (Bound::Free, Bound::Free) => return Some(format!("[0-9]{star}")),
        (Bound::Tight([], false), Bound::Free) => return Some("0*[1-9][0-9]*".into()),
        (Bound::Free, Bound::Tight([], true)) => return Some(format!("0{star}")),
        (_, Bound::Tight([], _)) => return None,
        _ => {}
    }
    // A run of zeros in every tight end: read it at once.
    let run = |b: Bound<'_>| match b {
        Bound::Tight(d, _) if !d.is_empty() => d.iter().take_while(|&&x| x == 0).count(),
        _ => usize::MAX,
    };
    let z = run(lo).min(run(hi));
    let mut alts = Vec::new();
    if z >= 2 && z != usize::MAX {
        let min = usize::from(nonempty);
        if end_ok(lo, hi) && min < z {
            alts.push(format!("0{{{min},{}}}", z - 1));
        }
        if matches!(hi, Bound::Free) {
            alts.push(format!("0{{0,{}}}[1-9][0-9]*", z - 1));
        }
        let advance = |b: Bound<'a>| match b {
            Bound::Tight(d, incl) if !d.is_empty() => Bound::Tight(&d[z..], incl),
            free => free,
        };
        if let Some(rest) = digits(advance(lo), advance(hi), false) {
            alts.push(format!("0{{{z}}}{rest}"));
        }
    } else {
        if !nonempty && end_ok(lo, hi) {
            alts.push(String::new());
        }
        let step = |b: Bound<'a>, c: u8, is_lo: bool| -> Option<Bound<'a>> {
            match b {
                Bound::Free => Some(Bound::Free),
                Bound::Tight(d, incl) => {
                    let first = d.first().copied().unwrap_or(0);
                    let rest = if d.is_empty() { d } else { &d[1..] };
                    match (c.cmp(&first), is_lo) {
                        (std::cmp::Ordering::Equal, _) => Some(Bound::Tight(rest, incl)),
                        (std::cmp::Ordering::Greater, true) | (std::cmp::Ordering::Less, false) => {
                            Some(Bound::Free)
                        }
                        _ => None,
                    }
                }
            }
        };
        let key = |b: Option<Bound<'_>>| match b {
            None => 0usize,
            Some(Bound::Free) => 1,
            Some(Bound::Tight(d, _)) => 2 + d.len(),
        };
        let mut c = 0u8;
        while c <= 9 {
            let (l, h) = (step(lo, c, true), step(hi, c, false));
            let mut end = c;
            while end < 9
                && key(step(lo, end + 1, true)) == key(l)
                && key(step(hi, end + 1, false)) == key(h)
            {
                end += 1;
            }
            if let (Some(l), Some(h)) = (l, h) {
                if let Some(rest) = digits(l, h, false) {
                    let class = if c == end {
                        char::from(b'0' + c).to_string()
                    } else {
                        format!("[{}-{}]", char::from(b'0' + c), char::from(b'0' + end))
                    };
                    alts.push(format!("{class}{rest}"));
                }
            }
            c = end + 1;
        }
    }
    match alts.len() {
        0 => None,
        1 => Some(alts.pop().unwrap()),
        _ => Some(format!("(?:{})", alts.join("|"))),
    }
}

fn compare_int(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn increment(a: &str) -> String {
    let mut d: Vec<u8> = a.bytes().collect();
    let mut i = d.len();
    loop {
        if i == 0 {
            d.insert(0, b'1');
            break;
        }
        i -= 1;
        if d[i] == b'9' {
            d[i] = b'0';
        } else {
            d[i] += 1;
            break;
        }
    }
    String::from_utf8(d).expect("digits")
}

/// `a - 1` for `a` ≥ 1.
fn decrement(a: &str) -> String {
    let mut d: Vec<u8> = a.bytes().collect();
    let mut i = d.len();
    while i > 0 {
        i -= 1;
        if d[i] == b'0' {
            d[i] = b'9';
        } else {
            d[i] -= 1;
            break;
        }
    }
    let s = String::from_utf8(d).expect("digits");
    let t = s.trim_start_matches('0');
    if t.is_empty() {
        "0".into()
    } else {
        t.to_string()
    }
}

/// The whole numbers `a..=b` as decimal text (any length).
fn int_range(a: &str, b: &str) -> String {
    let mut parts = Vec::new();
    for len in a.len()..=b.len() {
        let first = if len == 1 {
            "0".to_string()
        } else {
            format!("1{}", "0".repeat(len - 1))
        };
        let last = "9".repeat(len);
        let lo = if len == a.len() {
            a.to_string()
        } else {
            first.clone()
        };
        let hi = if len == b.len() {
            b.to_string()
        } else {
            last.clone()
        };
        if len > 1 && lo == first && hi == last {
            // Every number of this length: merged with the next full lengths below.
            parts.push(format!("[1-9][0-9]{{{}}}", len - 1));
        } else {
            parts.extend(same_length(lo.as_bytes(), hi.as_bytes()));
        }
    }
    merge_full_lengths(parts).join("|")
}

/// `[1-9][0-9]{4}|[1-9][0-9]{5}` → `[1-9][0-9]{4,5}` (a wide range has hundreds of lengths).
fn merge_full_lengths(parts: Vec<String>) -> Vec<String> {
    let full = |p: &str| -> Option<usize> {
        p.strip_prefix("[1-9][0-9]{")?
            .strip_suffix('}')?
            .parse()
            .ok()
    };
    let mut out: Vec<String> = Vec::new();
    let mut run: Option<(usize, usize)> = None;
    let flush = |run: &mut Option<(usize, usize)>, out: &mut Vec<String>| {
        if let Some((a, b)) = run.take() {
            out.push(if a == b {
                format!("[1-9][0-9]{{{a}}}")
            } else {
                format!("[1-9][0-9]{{{a},{b}}}")
            });
        }
    };
    for p in parts {
        match (full(&p), run) {
            (Some(n), Some((a, b))) if n == b + 1 => run = Some((a, n)),
            (Some(n), _) => {
                flush(&mut run, &mut out);
                run = Some((n, n));
            }
            (None, _) => {
                flush(&mut run, &mut out);
                out.push(p);
            }
        }
    }
    flush(&mut run, &mut out);
    out
}

/// The whole numbers above `a`.
fn greater_int(a: &str) -> String {
    let next = increment(a);
    let mut parts = Vec::new();
    if next.len() == a.len() {
        parts.extend(same_length(next.as_bytes(), "9".repeat(a.len()).as_bytes()));
        parts.push(format!("[1-9][0-9]{{{},}}", a.len()));
    } else {
        parts.push(format!("[1-9][0-9]{{{},}}", a.len()));
    }
    parts.join("|")
}

/// Patterns for the digit strings of one length from `a` to `b` (`a <= b`).
pub(crate) fn same_length(a: &[u8], b: &[u8]) -> Vec<String> {
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

    fn whole(pattern: &str) -> regex::Regex {
        regex::Regex::new(&format!("^(?:{pattern})$")).unwrap()
    }

    /// Texts near the ends of a range, and random ones, against Rust's own (correctly
    /// rounded) parse and comparison.
    fn check(lo: f64, hi: f64, inclusive: bool) {
        let body = whole(&range_body(lo, hi, inclusive).unwrap());
        let sig = whole(&significant_body());
        let mut texts: Vec<String> = Vec::new();
        for f in [
            lo,
            hi,
            0.0,
            -0.0,
            next_down(lo),
            next_down(hi),
            -next_down(-lo),
            -next_down(-hi),
        ] {
            if !f.is_finite() {
                continue;
            }
            for digits in 1..=17 {
                let t = format!("{f:.*e}", digits - 1);
                if let Ok(v) = t.parse::<f64>().map_err(drop).and_then(|v: f64| {
                    if v.is_finite() {
                        Ok(v)
                    } else {
                        Err(())
                    }
                }) {
                    // As a plain decimal, the way the readers accept it.
                    texts.push(plain(v, digits));
                }
            }
            texts.push(f.to_string());
            // The 17-digit texts around f: the midpoints to its neighbours lie among them.
            let e = format!("{:.16e}", f.abs());
            let (mantissa, exp) = e.split_once('e').unwrap();
            let digits: i64 = mantissa.replace('.', "").parse().unwrap();
            for k in -6..=6 {
                let m = digits + k;
                if m <= 0 {
                    continue;
                }
                let sci = format!(
                    "{}{m}e{}",
                    if f < 0.0 { "-" } else { "" },
                    exp.parse::<i32>().unwrap() - 16
                );
                let v: f64 = sci.parse().unwrap();
                if v.is_finite() {
                    texts.push(plain_exact(&sci));
                }
            }
        }
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..600 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let t = lo + (hi - lo) * ((seed % 10_000) as f64 / 5_000.0 - 0.5);
            if t.is_finite() {
                texts.push(plain(t, 1 + (seed % 17) as usize));
            }
        }
        for t in texts {
            let v: f64 = t.parse().unwrap();
            let inside = v >= lo && if inclusive { v <= hi } else { v < hi };
            assert!(sig.is_match(&t), "{t} has at most 17 digits");
            assert_eq!(body.is_match(&t), inside, "{t} in {lo}..{hi} ({inclusive})");
        }
    }

    /// `[-]DIGITSeEXP` as a plain decimal, digit for digit.
    fn plain_exact(sci: &str) -> String {
        let (neg, rest) = match sci.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, sci),
        };
        let (ds, exp) = rest.split_once('e').unwrap();
        let exp: i64 = exp.parse().unwrap();
        let s = if exp >= 0 {
            format!("{ds}{}", "0".repeat(exp as usize))
        } else {
            let point = ds.len() as i64 + exp;
            if point > 0 {
                format!("{}.{}", &ds[..point as usize], &ds[point as usize..])
            } else {
                format!("0.{}{ds}", "0".repeat((-point) as usize))
            }
        };
        if neg {
            format!("-{s}")
        } else {
            s
        }
    }

    /// `v` with `digits` significant digits, written without an exponent.
    fn plain(v: f64, digits: usize) -> String {
        let e = format!("{v:.*e}", digits - 1);
        let (mantissa, exp) = e.split_once('e').unwrap();
        let exp: i32 = exp.parse().unwrap();
        let neg = mantissa.starts_with('-');
        let ds: String = mantissa.chars().filter(char::is_ascii_digit).collect();
        let point = 1 + exp;
        let s = if point <= 0 {
            format!("0.{}{}", "0".repeat((-point) as usize), ds)
        } else if point as usize >= ds.len() {
            format!("{}{}", ds, "0".repeat(point as usize - ds.len()))
        } else {
            format!("{}.{}", &ds[..point as usize], &ds[point as usize..])
        };
        if neg {
            format!("-{s}")
        } else {
            s
        }
    }

    #[test]
    fn float_ranges_are_exact() {
        for (lo, hi, inclusive) in [
            (0.0, 1.0, true),
            (0.0, 1.0, false),
            (-1.5, 2.25, true),
            (0.05, 0.5, true),
            (-100.0, -0.001, false),
            (1e-300, 1e300, true),
            (-f64::MAX, f64::MAX, true),
            (0.1, 0.1, true),
            (5e-324, 1e-320, true),
        ] {
            check(lo, hi, inclusive);
        }
    }

    #[test]
    fn significant_digits() {
        let sig = whole(&significant_body());
        for ok in [
            "0",
            "-0",
            "0.5",
            "1.5",
            "1000",
            "0.00000000000000000000012345678901234567",
            "12345678901234567",
            "1234567890123456.7",
            "1.000000000000000000",
        ] {
            assert!(sig.is_match(ok), "{ok}");
        }
        for bad in [
            "123456789012345678",
            "1.23456789012345678",
            "0.100000000000000000001",
            ".5",
            "1.",
            "01",
            "+1",
            "1e3",
        ] {
            assert!(!sig.is_match(bad), "{bad}");
        }
    }
}
