//! Parsed files kept between runs of the front end (the language server re-checks the whole
//! program after every edit, but an edit changes one file: the others are not parsed again).
//!
//! Invariant: a cached parse is reused only for the same canonical path, the same text
//! (byte for byte) and the same [`FileId`] (spans carry the id, and ids follow load order,
//! which changes when imports do), so a reused tree and its diagnostics are exactly what
//! parsing again would give.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::ast;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::source::FileId;

/// Parsed files by canonical path (one entry per path: the last text parsed).
#[derive(Debug, Default)]
pub struct ParseCache {
    files: HashMap<PathBuf, Cached>,
    /// How many files were parsed (not reused): what the tests assert on.
    parsed: usize,
}

#[derive(Debug)]
struct Cached {
    id: FileId,
    text: Arc<str>,
    file: ast::File,
    diagnostics: Vec<Diagnostic>,
}

impl ParseCache {
    /// An empty cache: the first check of every file parses it.
    pub fn new() -> ParseCache {
        ParseCache::default()
    }

    /// `text` of `path` parsed as file `id`: the cached tree when nothing changed, else a
    /// fresh parse (which replaces the entry). The syntax diagnostics are pushed either way.
    pub(crate) fn parse(
        &mut self,
        path: &Path,
        id: FileId,
        text: &Arc<str>,
        diagnostics: &mut Diagnostics,
    ) -> ast::File {
        if let Some(hit) = self.files.get(path) {
            if hit.id == id && (Arc::ptr_eq(&hit.text, text) || *hit.text == **text) {
                for d in &hit.diagnostics {
                    diagnostics.push(d.clone());
                }
                return hit.file.clone();
            }
        }
        self.parsed += 1;
        let mut own = Diagnostics::new();
        let file = crate::syntax::parse(id, text, &mut own);
        let emitted = own.into_vec();
        for d in &emitted {
            diagnostics.push(d.clone());
        }
        self.files.insert(
            path.to_path_buf(),
            Cached {
                id,
                text: Arc::clone(text),
                file: file.clone(),
                diagnostics: emitted,
            },
        );
        file
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::ParseCache;
    use crate::source::MemoryLoader;
    use crate::{check_file, check_file_cached, CheckOptions, Compilation};

    /// Everything a run of the front end answers, for comparing two runs.
    fn summary(c: &Compilation) -> String {
        format!("{:?}\n{:?}\n{:?}", c.diagnostics, c.program, c.model)
    }

    fn fleet(b: &str) -> MemoryLoader {
        MemoryLoader::new()
            .with(
                "/p/root.envdef",
                "project p\nimport \"a.envdef\"\nimport \"b.envdef\"\nenv prod {}\n",
            )
            // A syntax error: its diagnostic must come back from the cache too.
            .with("/p/a.envdef", "var A: int = 1\nvar BROKEN: = 2\n")
            .with("/p/b.envdef", b)
    }

    #[test]
    fn a_reused_parse_gives_the_same_compilation_and_only_edited_files_are_parsed() {
        let root = Path::new("/p/root.envdef");
        let options = CheckOptions::default();
        let mut cache = ParseCache::new();
        // Interpolations and asserts too: their bindings (`Refs`) come from the cached
        // syntax trees as well.
        let before = fleet("var B: int in 0..=9 = 3\nvar C: string = \"${A}-${B}\"\nvar D: string = \"${C}${A}${B}\"\nassert A < 5\nassert B < 9 && A > 0\n");
        let cold = check_file_cached(&before, root, options, &[], Some(&mut cache)).unwrap();
        assert_eq!(cache.parsed, 3);
        let plain = check_file(&before, root, options).unwrap();
        assert_eq!(summary(&cold), summary(&plain));
        assert!(cold.diagnostics.has_errors(), "{:?}", cold.diagnostics);

        let warm = check_file_cached(&before, root, options, &[], Some(&mut cache)).unwrap();
        assert_eq!(cache.parsed, 3, "nothing changed: nothing parsed again");
        assert_eq!(summary(&warm), summary(&plain));

        // A one-line edit of b: only b is parsed again, and the result is a fresh run's.
        let after = fleet("var B: int in 0..=9 = 12\n");
        let edited = check_file_cached(&after, root, options, &[], Some(&mut cache)).unwrap();
        assert_eq!(cache.parsed, 4);
        assert_eq!(
            summary(&edited),
            summary(&check_file(&after, root, options).unwrap())
        );
        assert_ne!(summary(&edited), summary(&plain));
    }
}
