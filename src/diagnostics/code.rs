//! Stable diagnostic codes. A code is never reused or renumbered once released; retired
//! codes stay listed with a note. Ranges by phase: E00xx loading, E01xx syntax, E02xx
//! resolve, E03xx check, E04xx emit, E05xx compile workflow; warnings are W03xx.
//!
//! Each entry: `Variant = "CODE", "one-line summary"`. `docs/errors.md` documents every code
//! with a minimal failing example and the fix; a unit test keeps the two in sync.

macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident = $code:literal, $summary:literal;)*) => {
        /// A stable diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $($(#[$doc])* $name,)*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$name,)*];

            /// The code as printed, e.g. `E0101`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$name => $code,)*
                }
            }

            /// A one-line description of what the code means.
            pub fn summary(self) -> &'static str {
                match self {
                    $(Code::$name => $summary,)*
                }
            }
        }
    };
}

codes! {
    // ── E00xx: loading input ────────────────────────────────────────────────────────────
    /// An input file could not be read (missing, a directory, not UTF-8, too large).
    LoadFailed = "E0001", "a source file could not be read";

    // ── E01xx: syntax ───────────────────────────────────────────────────────────────────
    /// The parser found something other than what the language allows at this point.
    UnexpectedInput = "E0101", "unexpected input";

    // ── E02xx: resolve ──────────────────────────────────────────────────────────────────

    // ── E03xx: check ────────────────────────────────────────────────────────────────────

    // ── W03xx: warnings ─────────────────────────────────────────────────────────────────

    // ── E04xx: emit ─────────────────────────────────────────────────────────────────────

    // ── E05xx: compile workflow ─────────────────────────────────────────────────────────
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Code;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = std::collections::BTreeSet::new();
        for code in Code::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            assert_eq!(s.len(), 5, "{s}");
            assert!(s.starts_with('E') || s.starts_with('W'), "{s}");
            assert!(s[1..].chars().all(|c| c.is_ascii_digit()), "{s}");
        }
    }
}
