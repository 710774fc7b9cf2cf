//! Resolve: root file → every imported file parsed → [`Program`] (all declarations by name,
//! environments linked to their parents). E02xx.
//!
//! PLACEHOLDER until semantics land: loads and parses the root file only.

use std::path::Path;

use crate::ast;
use crate::diagnostics::Diagnostics;
use crate::source::{LoadError, Loader, SourceFile, SourceMap};

/// All parsed files of one compilation, root first.
#[derive(Debug)]
pub struct Program {
    pub files: Vec<ast::File>,
}

/// Loads `root` and its imports. Only a failure to read the root itself is an `Err`.
pub fn load_program(
    loader: &dyn Loader,
    root: &Path,
    sources: &mut SourceMap,
    diagnostics: &mut Diagnostics,
) -> Result<Program, LoadError> {
    let text = loader.load(root)?;
    let id = sources.add(SourceFile::new(
        root.to_path_buf(),
        root.display().to_string(),
        text,
    ));
    let file = crate::syntax::parse(id, &sources.get(id).text.clone(), diagnostics);
    Ok(Program { files: vec![file] })
}
