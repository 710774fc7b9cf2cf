//! Loading: the root file and, transitively, every file it imports → one list of items in
//! declaration order (an imported file's items stand where its first `import` stands).
//!
//! Invariants: every file is read through the [`Loader`] and parsed once, however often it
//! is imported (diamonds are fine); a cycle, a missing file and a limit breach are
//! diagnostics at the offending `import`, never an `Err` or a panic. Only the root file's
//! failure to load is an `Err` (the tool cannot run at all).

use std::path::{Component, Path, PathBuf};

use crate::ast;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::source::{FileId, LoadError, Loader, SourceFile, SourceMap};

/// Deepest chain of nested imports (root → a → b … counts the edges).
pub const MAX_IMPORT_DEPTH: usize = 32;
/// Most files one compilation reads, the root included.
pub const MAX_IMPORTED_FILES: usize = 256;

struct Ctx<'a> {
    loader: &'a dyn Loader,
    sources: &'a mut SourceMap,
    diagnostics: &'a mut Diagnostics,
    /// Canonical paths of every file loaded so far.
    loaded: Vec<PathBuf>,
    /// The import chain being loaded right now: (canonical path, file, the `import` path
    /// literal that brought it in; `None` for the root).
    stack: Vec<(PathBuf, FileId, Option<crate::source::Span>)>,
    items: Vec<ast::Item>,
    broken: Vec<ast::BrokenDecl>,
    /// Parsed files of earlier runs (the language server's), if any.
    cache: Option<&'a mut super::ParseCache>,
}

/// Loads `root` and its imports; returns every non-import item in declaration order, and
/// every declaration that did not parse.
pub(crate) fn load_all(
    loader: &dyn Loader,
    root: &Path,
    sources: &mut SourceMap,
    diagnostics: &mut Diagnostics,
    cache: Option<&mut super::ParseCache>,
) -> Result<(Vec<ast::Item>, Vec<ast::BrokenDecl>), LoadError> {
    let text = loader.load(root)?;
    let canonical = loader
        .canonicalize(root)
        .unwrap_or_else(|_| root.to_path_buf());
    let id = sources.add(SourceFile::new(
        canonical.clone(),
        root.display().to_string(),
        text,
    ));
    let mut ctx = Ctx {
        loader,
        sources,
        diagnostics,
        loaded: vec![canonical.clone()],
        stack: Vec::new(),
        items: Vec::new(),
        broken: Vec::new(),
        cache,
    };
    ctx.load_file(canonical, id, None);
    Ok((ctx.items, ctx.broken))
}

impl Ctx<'_> {
    fn load_file(&mut self, canonical: PathBuf, id: FileId, via: Option<crate::source::Span>) {
        let text = self.sources.get(id).text.clone();
        let file = match self.cache.as_deref_mut() {
            Some(cache) => cache.parse(&canonical, id, &text, self.diagnostics),
            None => crate::syntax::parse(id, &text, self.diagnostics),
        };
        self.broken.extend(file.broken);
        self.stack.push((canonical, id, via));
        for item in file.items {
            match item {
                ast::Item::Import(import) => self.import(&import),
                other => self.items.push(other),
            }
        }
        self.stack.pop();
    }

    fn import(&mut self, import: &ast::ImportDecl) {
        let at = import.path.span;
        let Some(written) = import.path.as_plain() else {
            self.diagnostics.push(
                Diagnostic::error(Code::ImportUnreadable, "an import path cannot interpolate")
                    .primary(at, "`${...}` is not expanded here")
                    .help("write the path literally, relative to this file"),
            );
            return;
        };
        let (importer_path, importer_id, _) = self.stack.last().cloned().expect("inside a file");
        let joined = importer_path
            .parent()
            .unwrap_or(Path::new(""))
            .join(&written);
        let display = lexical_normalize(
            &Path::new(&self.sources.get(importer_id).name)
                .parent()
                .unwrap_or(Path::new(""))
                .join(&written),
        )
        .display()
        .to_string();
        let canonical = match self.loader.canonicalize(&joined) {
            Ok(c) => c,
            Err(err) => return self.unreadable(at, &display, &err, &joined, &written),
        };
        if let Some(pos) = self.stack.iter().position(|(p, _, _)| *p == canonical) {
            let name = |f: FileId| self.sources.get(f).name.clone();
            let mut cycle: Vec<String> =
                self.stack[pos..].iter().map(|(_, f, _)| name(*f)).collect();
            cycle.push(name(self.stack[pos].1));
            let mut full: Vec<String> = self.stack.iter().map(|(_, f, _)| name(*f)).collect();
            full.push(name(self.stack[pos].1));
            let message = if cycle.len() == 2 {
                format!("`{}` imports itself", cycle[0])
            } else {
                format!("import cycle: {}", cycle.join(" → "))
            };
            let mut d = Diagnostic::error(Code::ImportCycle, message)
                .primary(at, "this import closes the cycle");
            // Label the other imports on the cycle, each in its own file.
            for (i, (_, _, via)) in self.stack.iter().enumerate().skip(pos + 1) {
                if let Some(via) = via {
                    d = d.secondary(
                        *via,
                        format!(
                            "`{}` imports `{}`",
                            name(self.stack[i - 1].1),
                            name(self.stack[i].1)
                        ),
                    );
                }
            }
            if full.len() > cycle.len() {
                d = d.note(format!("import chain from the root: {}", full.join(" → ")));
            }
            self.diagnostics
                .push(d.help("move the shared declarations into a file that neither imports"));
            return;
        }
        if self.loaded.contains(&canonical) {
            // Already loaded through another path: its declarations are in already.
            return;
        }
        if self.stack.len() > MAX_IMPORT_DEPTH {
            self.diagnostics.push(
                Diagnostic::error(
                    Code::ImportLimit,
                    format!("imports are nested more than {MAX_IMPORT_DEPTH} deep"),
                )
                .primary(at, "this import is too deep")
                .help("import the file from a shallower place"),
            );
            return;
        }
        if self.loaded.len() >= MAX_IMPORTED_FILES {
            self.diagnostics.push(
                Diagnostic::error(
                    Code::ImportLimit,
                    format!("more than {MAX_IMPORTED_FILES} files are imported"),
                )
                .primary(at, "one file too many")
                .help("merge small files; envdef reads at most this many per compilation"),
            );
            return;
        }
        let text = match self.loader.load_import(&canonical) {
            Ok(text) => text,
            Err(err) => return self.unreadable(at, &display, &err, &joined, &written),
        };
        self.loaded.push(canonical.clone());
        let id = self
            .sources
            .add(SourceFile::new(canonical.clone(), display, text));
        self.load_file(canonical, id, Some(at));
    }

    fn unreadable(
        &mut self,
        at: crate::source::Span,
        display: &str,
        err: &LoadError,
        joined: &Path,
        written: &str,
    ) {
        if matches!(err, LoadError::OutsideProject { .. } | LoadError::NotEnvdef) {
            let help = match err {
                LoadError::OutsideProject { .. } => {
                    "move the file into the project, or widen the project with `--root DIR`"
                }
                _ => "import only `.envdef` files; copy the declarations into one",
            };
            self.diagnostics.push(
                Diagnostic::error(
                    Code::ImportOutsideProject,
                    format!("refusing to import `{display}`: {err}"),
                )
                .primary(at, "imported here")
                .help(help),
            );
            return;
        }
        let help = match err {
            LoadError::NotFound => match self.similar_file(joined, written) {
                Some(meant) => {
                    format!("did you mean `{meant}`? (the path is relative to the importing file)")
                }
                None => "the path is relative to the importing file".to_string(),
            },
            LoadError::IsDirectory => "import a `.envdef` file, not a directory".to_string(),
            _ => "fix or remove the import".to_string(),
        };
        self.diagnostics.push(
            Diagnostic::error(
                Code::ImportUnreadable,
                format!("cannot import `{display}`: {err}"),
            )
            .primary(at, "imported here")
            .help(help),
        );
    }
}

impl Ctx<'_> {
    /// The import path with its file name replaced by the closest `*.envdef` file in the
    /// same directory (`comon.envdef` → `common.envdef`).
    fn similar_file(&self, joined: &Path, written: &str) -> Option<String> {
        let name = joined.file_name()?.to_str()?;
        let names = self.loader.list_sources(joined.parent()?);
        let meant = crate::diagnostics::suggest::closest(name, names.iter().map(String::as_str))?;
        let prefix = &written[..written.len().saturating_sub(name.len())];
        written.ends_with(name).then(|| format!("{prefix}{meant}"))
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system (for display names).
fn lexical_normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                let last_is_normal =
                    matches!(out.components().next_back(), Some(Component::Normal(_)));
                if last_is_normal {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}
