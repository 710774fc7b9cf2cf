//! The pest parser generated from `grammar/envdef.pest`.

/// Parses one declaration chunk at a time (see `scan.rs`), with one of the `*_item` rules.
#[derive(pest_derive::Parser)]
#[grammar = "../grammar/envdef.pest"]
pub(crate) struct EnvdefParser;
