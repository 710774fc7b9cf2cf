//! Robustness: no input crashes, hangs or exhausts envdef (issue 7).
//!
//! Every test runs the real binary under a deadline and an address-space cap
//! (`robustness/support.rs`), so a hang, a stack overflow or a runaway allocation fails one
//! test instead of taking the machine down. The modules:
//!
//! - `limits`: every limit in `docs/limits.md`, far past its value and at it.
//! - `hostile`: odd and hostile files (empty, BOM, CRLF, NUL, invalid UTF-8, directories,
//!   unreadable files, import cycles through symlinks, a 50 MB source).
//! - `output`: faults while writing artifacts (read-only directory, a file where a
//!   directory belongs, a full disk): exit 2, old artifacts intact, no temp file left.
//! - `fuzz_regressions`: every input a fuzz target ever crashed on (`robustness/fuzz/`).

mod robustness {
    pub mod support;

    mod fuzz_regressions;
    mod hostile;
    mod limits;
    mod output;
    mod templates;
}
