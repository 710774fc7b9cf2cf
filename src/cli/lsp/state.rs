//! The server's state: the open buffers, the last analysis per root, and the queries
//! `features` runs on them. Kept apart from `mod.rs` (the dispatch loop, which calls
//! `features`) so that the imports between the two go one way.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use lsp_types::Url;

use super::position::Encoding;
use super::roots;
use crate::model::Model;
use crate::query::symbols::SymbolIndex;
use crate::resolve::{ParseCache, Program};
use crate::source::{FileId, OverlayLoader, SourceMap};
use crate::{CheckOptions, Diagnostic, FsLoader};

/// One run of the front end on one root, and what queries need from it.
pub struct Analysis {
    pub sources: SourceMap,
    pub program: Program,
    pub model: Option<Model>,
    pub diagnostics: Vec<Diagnostic>,
    pub index: SymbolIndex,
    /// The root's project (imports and templates are confined to it).
    pub project_root: PathBuf,
    /// Whether the emit-stage checks (`envdef check`'s second half) are in `diagnostics`
    /// yet: they run when the editor is idle (`Server::check_emits_when_idle`).
    pub emits_checked: bool,
}

impl Analysis {
    /// The file of this analysis at canonical path `path`.
    pub fn file_of(&self, path: &Path) -> Option<FileId> {
        self.sources.find_path(path)
    }
}

/// The server's state.
pub struct Server {
    pub(super) encoding: Encoding,
    /// Open buffers by canonical path, with their URI as the client sent it.
    pub(super) open: BTreeMap<PathBuf, (Url, String)>,
    pub(super) loader: OverlayLoader<FsLoader>,
    /// The last analysis per root.
    pub(super) analyses: BTreeMap<PathBuf, Analysis>,
    /// URIs with diagnostics published, per root (to clear those that became clean).
    pub(super) published: HashMap<PathBuf, HashSet<Url>>,
    pub(super) roots: roots::Roots,
    /// Parsed files by path and text: after a one-line edit only the edited file is
    /// parsed again (docs/performance.md).
    pub(super) parsed: ParseCache,
}

impl Server {
    /// Runs the emit-stage checks of one root whose analysis lacks them: what `envdef
    /// check` (and so `compile`) refuses, the editor shows too, templates confined to the
    /// project. They render every artifact (hundreds of milliseconds on a 10,000-variable
    /// fleet), so the dispatch loop runs them only once no message has arrived for a
    /// moment; typing never waits for them. Returns the root whose diagnostics changed.
    pub(super) fn check_emits_of_one_root(&mut self) -> Option<PathBuf> {
        let (root, analysis) = self.analyses.iter_mut().find(|(_, a)| !a.emits_checked)?;
        analysis.emits_checked = true;
        let model = analysis.model.as_ref()?;
        let found = crate::emit_checks(
            model,
            None,
            Some(&analysis.project_root),
            CheckOptions::default(),
        );
        if found.is_empty() {
            return None;
        }
        analysis.diagnostics.extend(found.into_vec());
        Some(root.clone())
    }

    /// Whether a root's analysis still waits for its emit-stage checks.
    pub(super) fn emits_pending(&self) -> bool {
        self.analyses.values().any(|a| !a.emits_checked)
    }

    /// The analysis that holds the file at `uri` (its root's), analysing it if needed.
    pub fn analysis_for(&mut self, uri: &Url) -> Option<(&Analysis, FileId)> {
        let path = canonical(uri)?;
        let root = self.roots.root_of(&path, &self.loader);
        if !self.analyses.contains_key(&root) {
            let analysis = analyze(&self.loader, &root, &mut self.parsed)?;
            self.analyses.insert(root.clone(), analysis);
        }
        let analysis = self.analyses.get(&root)?;
        let file = analysis.file_of(&path)?;
        Some((analysis, file))
    }

    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The text of the buffer or file at `uri` as the server sees it.
    pub fn text_of(&self, uri: &Url) -> Option<String> {
        let path = canonical(uri)?;
        if let Some((_, text)) = self.open.get(&path) {
            return Some(text.clone());
        }
        crate::Loader::load(&self.loader, &path).ok()
    }
}

pub(super) fn canonical(uri: &Url) -> Option<PathBuf> {
    let path = uri.to_file_path().ok()?;
    Some(std::fs::canonicalize(&path).unwrap_or(path))
}

/// The front end on `root` through the buffers, confined to the root's project as the CLI
/// is: a workspace opened from an untrusted branch must not make the server read (and
/// quote in diagnostics) `import "../../.aws/credentials"`. `None` when the root cannot be
/// read.
pub(super) fn analyze(
    loader: &OverlayLoader<FsLoader>,
    root: &Path,
    parsed: &mut ParseCache,
) -> Option<Analysis> {
    let project = crate::project::Project::discover(root, None).ok()?;
    let confined = project.confine(loader);
    let compilation =
        crate::check_file_cached(&confined, root, CheckOptions::default(), &[], Some(parsed))
            .ok()?;
    let index = SymbolIndex::new(&compilation.program);
    Some(Analysis {
        sources: compilation.sources,
        program: compilation.program,
        model: compilation.model,
        diagnostics: compilation.diagnostics.into_vec(),
        index,
        project_root: project.root().to_path_buf(),
        emits_checked: false,
    })
}
