//! The record of what envdef wrote under an output root, and the journal of a run.
//!
//! **Manifest** (`.envdef-manifest` in the output root, committed with the artifacts): one
//! JSON object per line, `{"path":…,"sha256":…,"source":…}`, sorted by source then path,
//! so a merge conflicts only where two branches changed the same artifact. Orphans are the
//! entries of this source that no `emit` produces any more; `--prune` deletes one only
//! while its content still hashes to what envdef wrote (an edited file is reported and
//! kept unless `--force`). A file envdef did not write is never in it, so it is never
//! deleted, whatever its header says.
//!
//! **Journal** (`.envdef-journal`, present only while a compile runs or after one was
//! killed): the run's files, their temp names and the directories it creates, and a state.
//! `staging` means temp files were being written (some may be partial): recovery deletes
//! them and the directories the run created, and the tree is as before. `committing` means
//! every temp file was complete and renames had begun: recovery renames the remaining ones
//! and records them in the manifest, and the tree is as the run meant it.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::dir::{Dir, Kind, OpenError};
use super::error::{WorkflowError, WorkflowResult};
use super::paths::display_path;

/// The manifest's file name in the output root.
pub const MANIFEST: &str = ".envdef-manifest";
/// The journal's file name in the output root.
pub const JOURNAL: &str = ".envdef-journal";
/// The state file of `envdef switch` in the output root (`active.rs`).
pub const ACTIVE: &str = ".envdef-active";
/// Largest manifest or journal envdef reads (100,000 artifacts at ~200 bytes a line).
const RECORD_LIMIT: u64 = 64 << 20;

/// Hex SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        use std::fmt::Write;
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// One file envdef wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Line {
    path: PathBuf,
    sha256: String,
    source: String,
}

/// Every file envdef wrote under one output root, per source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// (source, path) → sha256.
    entries: BTreeMap<(String, PathBuf), String>,
}

impl Manifest {
    /// The files `source` wrote, with their hashes.
    pub fn of_source<'a>(&'a self, source: &'a str) -> impl Iterator<Item = (&'a Path, &'a str)> {
        self.entries
            .iter()
            .filter(move |((s, _), _)| s == source)
            .map(|((_, p), h)| (p.as_path(), h.as_str()))
    }

    /// Who wrote `path` (every source that recorded it).
    pub fn writers_of<'a>(&'a self, path: &'a Path) -> impl Iterator<Item = &'a str> {
        self.entries
            .keys()
            .filter(move |(_, p)| p == path)
            .map(|(s, _)| s.as_str())
    }

    /// The hash `source` recorded for `path`, if it wrote it.
    pub fn get(&self, source: &str, path: &Path) -> Option<&str> {
        self.entries
            .get(&(source.to_string(), path.to_path_buf()))
            .map(String::as_str)
    }

    /// Whether envdef (for any source) recorded exactly the bytes hashing to `sha256` at
    /// `path`.
    pub fn wrote(&self, path: &Path, sha256: &str) -> bool {
        self.entries
            .iter()
            .any(|((_, p), h)| p == path && h == sha256)
    }

    /// Records that `source` wrote `path` with these bytes' hash (replacing an older record).
    pub fn record(&mut self, source: &str, path: &Path, sha256: String) {
        self.entries
            .insert((source.to_string(), path.to_path_buf()), sha256);
    }

    /// Drops `source`'s record of `path` (after pruning it).
    pub fn forget(&mut self, source: &str, path: &Path) {
        self.entries
            .remove(&(source.to_string(), path.to_path_buf()));
    }

    fn parse(text: &str) -> Result<Manifest, String> {
        let mut entries = BTreeMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let l: Line = serde_json::from_str(line).map_err(|e| format!("line {}: {e}", i + 1))?;
            if let Some(problem) = super::paths::record_path_problem(&l.path) {
                return Err(format!("line {}: {problem}", i + 1));
            }
            entries.insert((l.source, l.path), l.sha256);
        }
        Ok(Manifest { entries })
    }

    fn render(&self) -> String {
        let mut out = String::from(
            "# Written by envdef: the files it generated here and their SHA-256, so that\n\
             # `envdef compile --prune` deletes only those. Commit it; do not edit it.\n",
        );
        for ((source, path), sha256) in &self.entries {
            let line = Line {
                path: path.clone(),
                sha256: sha256.clone(),
                source: source.clone(),
            };
            out.push_str(&serde_json::to_string(&line).unwrap_or_default());
            out.push('\n');
        }
        out
    }

    /// Reads the manifest of `root` (held open as `dir`); a missing one is empty.
    pub(crate) fn load(root: &Path, dir: &Dir) -> WorkflowResult<Manifest> {
        match read_record(root, dir, MANIFEST)? {
            None => Ok(Manifest::default()),
            Some(text) => Manifest::parse(&text).map_err(|reason| WorkflowError::BadRecord {
                path: display_path(root, Path::new(MANIFEST)),
                reason,
            }),
        }
    }

    /// Replaces the manifest atomically (or removes it when empty).
    pub(crate) fn save(&self, root: &Path, dir: &Dir, run: &str) -> WorkflowResult<()> {
        if self.entries.is_empty() {
            return dir.remove_file(OsStr::new(MANIFEST)).map_err(|e| {
                WorkflowError::io("remove", display_path(root, Path::new(MANIFEST)), e)
            });
        }
        write_record(root, dir, MANIFEST, run, &self.render())
    }
}

/// How far a run got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum State {
    Staging,
    Committing,
}

/// One file of a run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct JournalFile {
    pub path: PathBuf,
    /// The temp file's name, in the artifact's directory.
    pub temp: String,
    pub sha256: String,
}

/// A run in progress.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Journal {
    pub run: String,
    pub state: State,
    pub source: String,
    pub files: Vec<JournalFile>,
    /// Directories (relative, parents first) this run creates.
    pub dirs: Vec<PathBuf>,
    /// A run of `envdef switch` writing the working files of this environment: its files
    /// are recorded in the state file (`active.rs`), never in the manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_env: Option<String>,
}

impl Journal {
    pub(crate) fn load(root: &Path, dir: &Dir) -> WorkflowResult<Option<Journal>> {
        let Some(text) = read_record(root, dir, JOURNAL)? else {
            return Ok(None);
        };
        let journal: Journal =
            serde_json::from_str(&text).map_err(|e| WorkflowError::BadRecord {
                path: display_path(root, Path::new(JOURNAL)),
                reason: e.to_string(),
            })?;
        // The journal is a file in the output root like any other: never trust its paths.
        for rel in journal.files.iter().map(|f| &f.path).chain(&journal.dirs) {
            super::paths::check_relative(root, rel)?;
        }
        if journal.files.iter().any(|f| !is_temp_name(&f.temp)) {
            return Err(WorkflowError::BadRecord {
                path: display_path(root, Path::new(JOURNAL)),
                reason: "a temp file name is not one envdef makes".to_string(),
            });
        }
        Ok(Some(journal))
    }

    pub(crate) fn save(&self, root: &Path, dir: &Dir) -> WorkflowResult<()> {
        let text = serde_json::to_string(self).unwrap_or_default();
        write_record(root, dir, JOURNAL, &self.run, &text)
    }

    pub(crate) fn remove(root: &Path, dir: &Dir) -> WorkflowResult<()> {
        dir.remove_file(OsStr::new(JOURNAL))
            .map_err(|e| WorkflowError::io("remove", display_path(root, Path::new(JOURNAL)), e))
    }
}

/// `.NAME.RUN.envdef-tmp`: the temp file of one artifact in one run.
pub(crate) fn temp_name(name: &OsStr, run: &str) -> String {
    let name = name.to_string_lossy();
    // Short enough that the temp name stays under NAME_MAX even for a 255-byte name.
    let short: String = name.chars().take(32).filter(|c| *c != '/').collect();
    format!(".{short}.{run}.envdef-tmp")
}

fn is_temp_name(name: &str) -> bool {
    name.starts_with('.')
        && name.ends_with(".envdef-tmp")
        && !name.contains('/')
        && name != "."
        && name != ".."
}

/// A name for this run: unique per process and moment.
pub(crate) fn run_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{:x}{:x}", std::process::id(), nanos & 0xffff_ffff_ffff)
}

pub(super) fn read_record(root: &Path, dir: &Dir, name: &str) -> WorkflowResult<Option<String>> {
    let shown = display_path(root, Path::new(name));
    match dir.entry(OsStr::new(name)) {
        Ok(None) => return Ok(None),
        Ok(Some(e)) if e.kind == Kind::Symlink => {
            return Err(WorkflowError::Symlink { path: shown })
        }
        Ok(Some(e)) if e.kind != Kind::File => return Err(WorkflowError::NotAFile { path: shown }),
        Ok(Some(_)) => {}
        Err(e) => return Err(WorkflowError::io("read", shown, e)),
    }
    let (bytes, _) = dir
        .read(OsStr::new(name), RECORD_LIMIT + 1)
        .map_err(|e| match e {
            OpenError::Symlink => WorkflowError::Symlink {
                path: shown.clone(),
            },
            OpenError::NotADirectory => WorkflowError::NotAFile {
                path: shown.clone(),
            },
            OpenError::Io(e) => WorkflowError::io("read", shown.clone(), e),
        })?;
    if bytes.len() as u64 > RECORD_LIMIT {
        return Err(WorkflowError::BadRecord {
            path: shown,
            reason: format!("more than {RECORD_LIMIT} bytes"),
        });
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| WorkflowError::BadRecord {
            path: shown,
            reason: "not UTF-8".to_string(),
        })
}

pub(super) fn write_record(
    root: &Path,
    dir: &Dir,
    name: &str,
    run: &str,
    text: &str,
) -> WorkflowResult<()> {
    let shown = display_path(root, Path::new(name));
    let temp = temp_name(OsStr::new(name), run);
    let file = dir
        .create_new(OsStr::new(&temp), text.as_bytes())
        .map_err(|e| WorkflowError::io("write", shown.clone(), e))?;
    drop(file);
    dir.rename(OsStr::new(&temp), OsStr::new(name))
        .map_err(|e| {
            let _ = dir.remove_file(OsStr::new(&temp));
            WorkflowError::io("replace", shown, e)
        })
}
