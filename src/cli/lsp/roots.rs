//! Which root file a buffer belongs to. An imported file checked on its own reports every
//! name it uses from its siblings as "not declared"; checked through the file that
//! imports it, it gets the diagnostics of the whole program. The workspace's `*.envdef`
//! files are read (through the buffers) for their `import` lines; the root of a file is
//! the first file, in path order, that imports it transitively and that nothing imports.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::source::Loader;

/// Files looked at per workspace folder, and folder depth: a workspace that is a home
/// directory must not make every keystroke walk it.
const MAX_FILES: usize = 2000;
const MAX_DEPTH: usize = 8;

/// The import graph of the workspace, rebuilt lazily after a change to imports.
pub struct Roots {
    workspace: Vec<PathBuf>,
    /// File → the files it imports (canonical paths), or `None` until computed.
    graph: Option<BTreeMap<PathBuf, Vec<PathBuf>>>,
}

impl Roots {
    pub fn new(workspace: Vec<PathBuf>) -> Roots {
        Roots {
            workspace,
            graph: None,
        }
    }

    /// Forgets the graph (an `import` line, or the set of files, changed).
    pub fn invalidate(&mut self) {
        self.graph = None;
    }

    /// The root of `path` (itself when no workspace file imports it).
    pub fn root_of(&mut self, path: &Path, loader: &dyn Loader) -> PathBuf {
        if self.graph.is_none() {
            self.graph = Some(self.build(loader));
        }
        let graph = self.graph.as_ref().expect("just built");
        let imported: BTreeSet<&PathBuf> = graph.values().flatten().collect();
        for (file, _) in graph.iter().filter(|(f, _)| !imported.contains(f)) {
            if file != path && reaches(graph, file, path) {
                return file.clone();
            }
        }
        path.to_path_buf()
    }

    fn build(&self, loader: &dyn Loader) -> BTreeMap<PathBuf, Vec<PathBuf>> {
        let mut graph = BTreeMap::new();
        for folder in &self.workspace {
            let mut files = Vec::new();
            walk(folder, 0, &mut files);
            for file in files {
                let Ok(canonical) = loader.canonicalize(&file) else {
                    continue;
                };
                let Ok(text) = loader.load(&canonical) else {
                    continue;
                };
                let dir = canonical.parent().unwrap_or(Path::new("/")).to_path_buf();
                let targets = imports(&text)
                    .into_iter()
                    .filter_map(|i| loader.canonicalize(&dir.join(i)).ok())
                    .collect();
                graph.insert(canonical, targets);
            }
        }
        graph
    }
}

fn reaches(graph: &BTreeMap<PathBuf, Vec<PathBuf>>, from: &Path, to: &Path) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_path_buf()];
    while let Some(file) = stack.pop() {
        if !seen.insert(file.clone()) {
            continue;
        }
        for next in graph.get(&file).into_iter().flatten() {
            if next == to {
                return true;
            }
            stack.push(next.clone());
        }
    }
    false
}

/// `*.envdef` files under `dir` (hidden folders, `target` and `node_modules` skipped).
fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > MAX_DEPTH || out.len() >= MAX_FILES {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if !name.starts_with('.') && name != "target" && name != "node_modules" {
                walk(&entry.path(), depth + 1, out);
            }
        } else if kind.is_file() && name.ends_with(".envdef") && out.len() < MAX_FILES {
            out.push(entry.path());
        }
    }
}

/// The paths of a source's `import "PATH"` lines (a cheap scan: it must work on a buffer
/// that does not parse).
pub fn imports(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|line| {
            let rest = line.trim_start().strip_prefix("import")?;
            let rest = rest.trim_start().strip_prefix('"')?;
            rest.split_once('"').map(|(path, _)| path)
        })
        .collect()
}
