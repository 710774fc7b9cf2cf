//! "Did you mean" suggestions: the closest candidate name by edit distance.
//!
//! Shared by resolve and check. Uses `strsim`'s Jaro–Winkler (good at typos and
//! transpositions in short identifiers) with a floor, so unrelated names are never offered.

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
        // Case-insensitive so `api_url` finds `API_URL`. Jaro–Winkler ranks; a small edit
        // distance also qualifies, since Jaro–Winkler undervalues transpositions in very
        // short names (`dve` → `dev`).
        let cand_lower = candidate.to_ascii_lowercase();
        let score = strsim::jaro_winkler(&lower, &cand_lower);
        let edits = strsim::damerau_levenshtein(&lower, &cand_lower);
        let close = score >= 0.8 || edits <= (lower.chars().count() / 3).max(1);
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
        let names = ["API_URL", "DATABASE_URL", "LOG_LEVEL"];
        assert_eq!(closest("API_ULR", names), Some("API_URL"));
        assert_eq!(closest("api_url", names), Some("API_URL"));
        assert_eq!(closest("LOG_LEVLE", names), Some("LOG_LEVEL"));
        assert_eq!(closest("TIMEOUT", names), None);
        assert_eq!(closest("dve", ["dev", "prod"]), Some("dev"));
        assert_eq!(closest("x", ["dev", "prod"]), None);
    }
}
