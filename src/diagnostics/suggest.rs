//! "Did you mean" suggestions: the closest candidate name by edit distance.
//!
//! Shared by every stage that names things (resolve, check, emit, query). Uses `strsim`'s Jaro–Winkler (good at typos and
//! transpositions in short identifiers) with a floor, so unrelated names are never offered.
//!
//! Each suggestion compares the name with every candidate, so a file with thousands of
//! misspelt names over thousands of declarations would be quadratic. A per-compilation
//! budget of comparisons bounds that: once it is spent, errors come without suggestions.
//! The budget lives in a thread-local because one compilation runs on one thread and the
//! suggestion sites are scattered through both phases; [`reset_budget`] starts a
//! compilation.

use std::cell::Cell;

/// Candidate comparisons one compilation may spend on suggestions (about a second of work
/// at worst).
pub const SUGGESTION_BUDGET: u64 = 500_000;

thread_local! {
    static BUDGET: Cell<u64> = const { Cell::new(SUGGESTION_BUDGET) };
    /// Comparisons made since the last [`reset_budget`], counted apart from the budget so
    /// that a test can see the work done even if the budget stopped being enforced.
    static COMPARED: Cell<u64> = const { Cell::new(0) };
}

/// Gives the current thread's next compilation a full budget.
pub(crate) fn reset_budget() {
    BUDGET.with(|b| b.set(SUGGESTION_BUDGET));
    COMPARED.with(|c| c.set(0));
}

/// Name comparisons the current thread's last compilation made for suggestions: a
/// deterministic measure of their cost, for tests (wall time is not one on a shared
/// machine).
#[cfg(test)]
pub(crate) fn comparisons() -> u64 {
    COMPARED.with(Cell::get)
}

/// Takes one comparison from the budget; false when it is spent.
fn spend() -> bool {
    BUDGET.with(|b| {
        let left = b.get();
        if left == 0 {
            false
        } else {
            b.set(left - 1);
            true
        }
    })
}

/// The candidate closest to `name`, if any is close enough to be a plausible typo.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        // Names whose lengths differ a lot are never close (a prefix like `prod` for
        // `production` still is): skip them without spending the budget.
        let (a, b) = (lower.len(), candidate.len());
        if a.abs_diff(b) > a.max(b) / 2 + 2 {
            continue;
        }
        if !spend() {
            return None;
        }
        COMPARED.with(|c| c.set(c.get() + 1));
        // Case-insensitive so `api_url` finds `API_URL`. Jaro–Winkler ranks; for short
        // names a small edit distance (with transpositions) also qualifies, since
        // Jaro–Winkler undervalues swaps in very short names (`dve` → `dev`).
        let cand_lower = candidate.to_ascii_lowercase();
        let score = strsim::jaro_winkler(&lower, &cand_lower);
        let close = score >= 0.8
            || (a <= 12 && strsim::osa_distance(&lower, &cand_lower) <= (a / 3).max(1));
        if close && best.map_or(true, |(b, _)| score > b) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// `did you mean `X`?` for [`closest`].
pub(crate) fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(name, candidates).map(|c| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_but_not_unrelated_names() {
        reset_budget();
        let names = ["API_URL", "DATABASE_URL", "LOG_LEVEL"];
        assert_eq!(closest("API_ULR", names), Some("API_URL"));
        assert_eq!(closest("api_url", names), Some("API_URL"));
        assert_eq!(closest("LOG_LEVLE", names), Some("LOG_LEVEL"));
        assert_eq!(closest("TIMEOUT", names), None);
        assert_eq!(closest("dve", ["dev", "prod"]), Some("dev"));
        assert_eq!(closest("x", ["dev", "prod"]), None);
    }
}
