//! Syntax: source text → [`ast::File`] plus syntax diagnostics (E01xx).
//!
//! PLACEHOLDER until the parser lands: returns an empty file.

use crate::ast;
use crate::diagnostics::Diagnostics;
use crate::source::{FileId, Span};

/// Parses one file. Never panics; syntax errors become diagnostics and parsing recovers at
/// the next declaration.
pub fn parse(file: FileId, text: &str, diagnostics: &mut Diagnostics) -> ast::File {
    let _ = diagnostics;
    ast::File {
        items: Vec::new(),
        comments: Vec::new(),
        span: Span::new(file, 0, text.len()),
    }
}
