//! The record of `envdef switch`: which environment each working file holds.
//!
//! **State file** (`.envdef-active` in the output root, never committed): one JSON object
//! per line, sorted, like the manifest: per source the environment last switched to
//! (`{"source":…,"active":…}`) and per working file the environment it holds and the
//! SHA-256 of what envdef wrote (`{"source":…,"path":…,"env":…,"sha256":…}`). `switch`
//! replaces it atomically (temp file, rename) after the working files are in place, under
//! the output root's lock; a run killed in between is completed from its journal like a
//! compile's. `status` reads it to say what each file holds and whether it is stale or was
//! edited; `switch` reads it to tell a file it wrote from one it must not replace.
//!
//! Working files are never in the manifest: `compile --check` does not see them, so they
//! are never missing, stale or orphaned there.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::dir::{file_name, Dir, Kind, OpenError};
use super::error::{WorkflowError, WorkflowResult};
pub use super::manifest::ACTIVE;
use super::manifest::{read_record, run_id, sha256, write_record};
use super::output::Output;
use super::paths::display_path;
use super::plan::DirCache;

/// Largest working file hashed by [`disk_hash`]; anything bigger is not one envdef wrote
/// (all of one run's output is capped at 256 MiB by `emit`).
const HASH_LIMIT: u64 = (256 << 20) + 1;

/// One line of the state file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Line {
    source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    active: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    path: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    env: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sha256: Option<String>,
}

/// What one working file holds, as `switch` wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingEntry {
    /// The environment it was switched to.
    pub env: String,
    /// Hex SHA-256 of the bytes written (an edit since shows as a different hash).
    pub sha256: String,
}

/// The state of every working file under one output root, per source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Active {
    /// source → the environment last switched to.
    active: BTreeMap<String, String>,
    /// (source, path) → what the file holds.
    files: BTreeMap<(String, PathBuf), WorkingEntry>,
}

impl Active {
    /// Reads the state file of `out` (held open by it); missing means nothing was switched.
    pub fn load(out: &Output) -> WorkflowResult<Active> {
        match &out.dir {
            Some(dir) => Active::load_from(&out.root, dir),
            None => Ok(Active::default()),
        }
    }

    pub(crate) fn load_from(root: &Path, dir: &Dir) -> WorkflowResult<Active> {
        match read_record(root, dir, ACTIVE)? {
            None => Ok(Active::default()),
            Some(text) => Active::parse(&text).map_err(|reason| WorkflowError::BadRecord {
                path: display_path(root, Path::new(ACTIVE)),
                reason,
            }),
        }
    }

    /// The environment `source` was last switched to.
    pub fn active(&self, source: &str) -> Option<&str> {
        self.active.get(source).map(String::as_str)
    }

    /// The working files of `source`, sorted by path.
    pub fn files_of<'a>(
        &'a self,
        source: &'a str,
    ) -> impl Iterator<Item = (&'a Path, &'a WorkingEntry)> {
        self.files
            .iter()
            .filter(move |((s, _), _)| s == source)
            .map(|((_, p), e)| (p.as_path(), e))
    }

    /// What `switch` recorded for `path` of `source`, if anything.
    pub fn get(&self, source: &str, path: &Path) -> Option<&WorkingEntry> {
        self.files.get(&(source.to_string(), path.to_path_buf()))
    }

    pub(crate) fn record(&mut self, source: &str, path: &Path, env: &str, sha256: String) {
        self.files.insert(
            (source.to_string(), path.to_path_buf()),
            WorkingEntry {
                env: env.to_string(),
                sha256,
            },
        );
    }

    pub(crate) fn set_active(&mut self, source: &str, env: &str) {
        self.active.insert(source.to_string(), env.to_string());
    }

    fn parse(text: &str) -> Result<Active, String> {
        let mut state = Active::default();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = |what: &str| format!("line {}: {what}", i + 1);
            let l: Line = serde_json::from_str(line).map_err(|e| at(&e.to_string()))?;
            match (l.path, l.env, l.sha256, l.active) {
                (Some(path), Some(env), Some(sha256), None) => {
                    // A file in the tree, so possibly planted: its paths are never trusted.
                    if let Some(problem) = super::paths::record_path_problem(&path) {
                        return Err(at(problem));
                    }
                    if !is_env_name(&env) {
                        return Err(at("the environment is not an environment name"));
                    }
                    state
                        .files
                        .insert((l.source, path), WorkingEntry { env, sha256 });
                }
                (None, None, None, Some(env)) => {
                    // Printed by `status` and `switch`: a planted name must not carry
                    // escape sequences to the terminal.
                    if !is_env_name(&env) {
                        return Err(at("the environment is not an environment name"));
                    }
                    state.active.insert(l.source, env);
                }
                _ => return Err(at("neither a working file nor an active environment")),
            }
        }
        Ok(state)
    }

    fn render(&self) -> String {
        let mut out = String::from(
            "# Written by `envdef switch`: the environment each working file holds, for\n\
             # `envdef status`. Keep it out of git (.gitignore); do not edit it.\n",
        );
        let mut push = |line: Line| {
            out.push_str(&serde_json::to_string(&line).unwrap_or_default());
            out.push('\n');
        };
        for (source, env) in &self.active {
            push(Line {
                source: source.clone(),
                active: Some(env.clone()),
                path: None,
                env: None,
                sha256: None,
            });
        }
        for ((source, path), entry) in &self.files {
            push(Line {
                source: source.clone(),
                active: None,
                path: Some(path.clone()),
                env: Some(entry.env.clone()),
                sha256: Some(entry.sha256.clone()),
            });
        }
        out
    }

    /// Replaces the state file atomically.
    pub(crate) fn save(&self, root: &Path, dir: &Dir) -> WorkflowResult<()> {
        write_record(root, dir, ACTIVE, &run_id(), &self.render())
    }
}

/// The SHA-256 of the regular file at `rel` below the output root, `None` when there is
/// none. Never follows a symlink: one at the file or on its way is E0520, as for writing;
/// a FIFO, socket or device is refused without being opened.
pub fn disk_hash(out: &Output, rel: &Path) -> WorkflowResult<Option<String>> {
    let root = out.root.as_path();
    let Some(dir) = &out.dir else {
        return Ok(None);
    };
    super::paths::check_relative(root, rel)?;
    let mut dirs = DirCache::default();
    let parent_rel = rel.parent().unwrap_or(Path::new(""));
    let parent = match dirs.get(root, dir, parent_rel, false, rel) {
        Ok(Some(p)) => p,
        Ok(None) | Err(WorkflowError::NotADirectory { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    let name = file_name(rel);
    let shown = display_path(root, rel);
    match parent.entry(&name) {
        Ok(None) => return Ok(None),
        Ok(Some(e)) if e.kind == Kind::Symlink => {
            return Err(WorkflowError::Symlink { path: shown })
        }
        Ok(Some(e)) if e.kind == Kind::Dir => {
            return Err(WorkflowError::IsADirectory { path: shown })
        }
        Ok(Some(e)) if e.kind != Kind::File => return Err(WorkflowError::NotAFile { path: shown }),
        // Too big to be anything envdef wrote: a hash no record can match.
        Ok(Some(e)) if e.size >= HASH_LIMIT => return Ok(Some(String::new())),
        Ok(Some(_)) => {}
        Err(e) => return Err(WorkflowError::io("read", shown, e)),
    }
    match parent.read(&name, HASH_LIMIT) {
        Ok((bytes, _)) => Ok(Some(sha256(&bytes))),
        Err(OpenError::Symlink) => Err(WorkflowError::Symlink { path: shown }),
        Err(OpenError::NotADirectory) => Err(WorkflowError::NotAFile { path: shown }),
        Err(OpenError::Io(e)) => Err(WorkflowError::io("read", shown, e)),
    }
}

/// An environment's name as envdef makes one (declared names, and instances such as
/// `preview-feature-login`): letters, digits, `_`, `-` and `.`.
fn is_env_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}
