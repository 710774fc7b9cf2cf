//! Emit: [`Model`] → artifacts (path + contents). E04xx. Does no IO.
//!
//! PLACEHOLDER until the emitters land.

/// One file to write, relative to the output root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    pub path: std::path::PathBuf,
    pub contents: String,
}
