//! Applying a plan: per file atomic, per run recoverable.
//!
//! 1. The journal (`.envdef-journal`, see [`super::manifest`]) is written in state
//!    `staging`: the run's files, their temp names, the directories it will create.
//! 2. Every pending artifact is written to its temp file (`.NAME.RUN.envdef-tmp`) in its
//!    own directory, reached through directory handles that never follow a symlink. A
//!    failure here deletes the temp files and created directories again: the tree is as
//!    it was.
//! 3. The journal switches to `committing`; each temp file is renamed over its target (a
//!    rename within one directory is atomic: a reader sees the old file or the new one).
//! 4. The manifest records every artifact of the plan with its hash; the journal goes.
//!
//! A run killed at any point leaves the journal behind; the next compile (under the same
//! lock) rolls a `staging` run back and completes a `committing` one ([`recover`]), and
//! `compile --check` reports it. Temp files are not fsynced: the guarantee covers a killed
//! process, not a power cut.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use super::active::Active;
use super::dir::{file_name, Dir, FILE_MODE};
use super::error::{WorkflowError, WorkflowResult};
use super::manifest::{
    run_id, sha256, temp_name, Journal, JournalFile, Manifest, State, ACTIVE, JOURNAL, MANIFEST,
};
use super::output::Output;
use super::paths::display_path;
use super::plan::{inspect, DirCache, FileState, Plan};

/// What a [`write()`] did, in plan order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WriteSummary {
    /// Relative paths written (new or changed).
    pub written: Vec<PathBuf>,
    /// Relative paths left alone because they were current.
    pub unchanged: Vec<PathBuf>,
}

/// What [`recover`] found and did about an interrupted earlier run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    /// The run had not finished writing its temp files: they were deleted.
    RolledBack {
        /// How many files the journal recorded for the run.
        files: usize,
    },
    /// The run had begun renaming: the remaining renames were done.
    Completed {
        /// How many files the journal recorded for the run.
        files: usize,
    },
}

/// Writes every new or changed artifact of `plan` and records the plan's artifacts in the
/// manifest under `source`; leaves unchanged files untouched. A file envdef did not write
/// ([`super::PlannedFile::foreign`]) is replaced only with `replace_foreign` (`--force`);
/// otherwise nothing at all is written (E0522).
pub fn write(
    out: &Output,
    plan: &Plan<'_>,
    source: &str,
    replace_foreign: bool,
) -> WorkflowResult<WriteSummary> {
    if !replace_foreign {
        if let Some(file) = plan.pending().find(|f| f.foreign) {
            return Err(WorkflowError::NotOurs {
                path: plan.display(file.file.path),
            });
        }
    }
    write_recorded(out, plan, source, None)
}

/// [`write()`] for `envdef switch`: the plan's files are working files holding `env`. They
/// are recorded in the state file (`.envdef-active`, with `env` as the active environment
/// of `source`), never in the manifest, so `compile --check` and `--prune` never see them.
pub fn write_working(
    out: &Output,
    plan: &Plan<'_>,
    source: &str,
    env: &str,
) -> WorkflowResult<WriteSummary> {
    write_recorded(out, plan, source, Some(env))
}

fn write_recorded(
    out: &Output,
    plan: &Plan<'_>,
    source: &str,
    working_env: Option<&str>,
) -> WorkflowResult<WriteSummary> {
    let root = out.root.as_path();
    let Some(dir) = &out.dir else {
        return Err(WorkflowError::io(
            "open",
            root.to_path_buf(),
            std::io::Error::from(std::io::ErrorKind::NotFound),
        ));
    };
    let run = run_id();
    let mut dirs = DirCache::default();
    let pending: Vec<_> = plan.pending().collect();
    let journal = Journal {
        run: run.clone(),
        state: State::Staging,
        source: source.to_string(),
        files: pending
            .iter()
            .map(|f| JournalFile {
                path: f.file.path.to_path_buf(),
                temp: temp_name(&file_name(f.file.path), &run),
                sha256: sha256(f.file.contents.as_bytes()),
            })
            .collect(),
        dirs: missing_dirs(
            out,
            dir,
            &pending.iter().map(|f| f.file.path).collect::<Vec<_>>(),
        )?,
        working_env: working_env.map(str::to_string),
    };
    if !pending.is_empty() {
        journal.save(root, dir)?;
        if let Err(err) = stage(out, dir, &mut dirs, plan, &journal) {
            roll_back(out, dir, &journal);
            return Err(err);
        }
        let mut committing = journal.clone();
        committing.state = State::Committing;
        if let Err(err) = committing.save(root, dir) {
            roll_back(out, dir, &journal);
            return Err(err);
        }
        commit(out, dir, &mut dirs, &committing)?;
    }
    let hashes = plan
        .files
        .iter()
        .map(|f| (f.file.path, sha256(f.file.contents.as_bytes())));
    match working_env {
        None => {
            let mut manifest = Manifest::load(root, dir)?;
            for (path, hash) in hashes {
                manifest.record(source, path, hash);
            }
            manifest.save(root, dir, &run)?;
        }
        Some(env) => {
            let mut active = Active::load_from(root, dir)?;
            for (path, hash) in hashes {
                active.record(source, path, env, hash);
            }
            active.set_active(source, env);
            active.save(root, dir)?;
        }
    }
    if !pending.is_empty() {
        Journal::remove(root, dir)?;
    }
    let written = pending.iter().map(|f| f.file.path.to_path_buf()).collect();
    let unchanged = plan
        .files
        .iter()
        .filter(|f| f.state == FileState::Unchanged)
        .map(|f| f.file.path.to_path_buf())
        .collect();
    Ok(WriteSummary { written, unchanged })
}

/// The directories (relative, parents first) that do not exist yet on the way to `paths`.
fn missing_dirs(out: &Output, dir: &Dir, paths: &[&Path]) -> WorkflowResult<Vec<PathBuf>> {
    let mut known: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    let mut missing = Vec::new();
    let mut cache = DirCache::default();
    for rel in paths {
        let Some(parent) = rel.parent() else { continue };
        let mut prefix = PathBuf::new();
        for part in parent.components() {
            prefix.push(part);
            if known.contains(&prefix) {
                continue;
            }
            known.insert(prefix.clone());
            match cache.get(&out.root, dir, &prefix, false, rel) {
                Ok(Some(_)) => {}
                Ok(None) => missing.push(prefix.clone()),
                // A file in the way: reported when staging gets there.
                Err(WorkflowError::NotADirectory { .. }) => break,
                Err(e) => return Err(e),
            }
        }
    }
    Ok(missing)
}

fn stage(
    out: &Output,
    dir: &Dir,
    dirs: &mut DirCache,
    plan: &Plan<'_>,
    journal: &Journal,
) -> WorkflowResult<()> {
    let root = out.root.as_path();
    for (file, entry) in plan.pending().zip(&journal.files) {
        let rel = file.file.path;
        let parent_rel = rel.parent().unwrap_or(Path::new(""));
        let parent = dirs
            .get(root, dir, parent_rel, true, rel)?
            .expect("created when missing");
        // Again, right before writing: the tree may have changed since the plan.
        let existing = inspect(out, &parent, rel)?;
        let temp = OsStr::new(&entry.temp);
        let written = parent
            .create_new(temp, file.file.contents.as_bytes())
            .map_err(|err| WorkflowError::io("write", display_path(root, rel), err))?;
        // A new file is 0644 under the umask; a replaced one may keep less (a `.env` made
        // 0600 stays 0600) but never gains a bit from the old file (setuid, exec).
        if let Some(old) = existing.map(|e| e.mode).or(file.mode) {
            Dir::restrict_mode(&written, old & FILE_MODE)
                .map_err(|err| WorkflowError::io("write", display_path(root, rel), err))?;
        }
    }
    Ok(())
}

fn commit(out: &Output, dir: &Dir, dirs: &mut DirCache, journal: &Journal) -> WorkflowResult<()> {
    let root = out.root.as_path();
    let total = journal.files.len();
    for (done, file) in journal.files.iter().enumerate() {
        let parent_rel = file.path.parent().unwrap_or(Path::new(""));
        let result = dirs
            .get(root, dir, parent_rel, false, &file.path)
            .and_then(|p| {
                p.ok_or_else(|| {
                    WorkflowError::io(
                        "replace",
                        display_path(root, &file.path),
                        std::io::Error::from(std::io::ErrorKind::NotFound),
                    )
                })
            })
            .and_then(|parent| {
                parent
                    .rename(OsStr::new(&file.temp), &file_name(&file.path))
                    .map_err(|e| WorkflowError::io("replace", display_path(root, &file.path), e))
            });
        if let Err(err) = result {
            // The journal stays in `committing`: the next compile completes the run.
            let error = match err {
                WorkflowError::Io { error, .. } => error,
                other => std::io::Error::other(other.to_string()),
            };
            return Err(WorkflowError::PartialCommit {
                path: display_path(root, &file.path),
                error,
                done,
                total,
            });
        }
    }
    Ok(())
}

/// Deletes the temp files of a `staging` run and the directories it created (if empty),
/// then the journal. Best effort: what cannot be removed stays for the next recovery.
fn roll_back(out: &Output, dir: &Dir, journal: &Journal) {
    let root = out.root.as_path();
    let mut dirs = DirCache::default();
    for file in &journal.files {
        let parent_rel = file.path.parent().unwrap_or(Path::new(""));
        if let Ok(Some(parent)) = dirs.get(root, dir, parent_rel, false, &file.path) {
            let _ = parent.remove_file(OsStr::new(&file.temp));
        }
    }
    drop(dirs);
    for rel in journal.dirs.iter().rev() {
        let parent_rel = rel.parent().unwrap_or(Path::new(""));
        if let Ok(Some(parent)) = dir.walk(parent_rel) {
            parent.remove_empty_dir(&file_name(rel));
        }
    }
    let _ = Journal::remove(root, dir);
}

/// Finishes or undoes a run that was interrupted (its journal is still there). Call with
/// the root opened for writing (the lock keeps a running compile's journal out of reach).
pub fn recover(out: &Output) -> WorkflowResult<Option<Recovery>> {
    let root = out.root.as_path();
    let Some(dir) = &out.dir else {
        return Ok(None);
    };
    remove_stray_record_temps(root, dir);
    let Some(journal) = Journal::load(root, dir)? else {
        return Ok(None);
    };
    let files = journal.files.len();
    match journal.state {
        State::Staging => {
            roll_back(out, dir, &journal);
            Ok(Some(Recovery::RolledBack { files }))
        }
        State::Committing => {
            // The journal is a file in the tree, so possibly an attacker's: the renames it
            // asks for pass the same guards as any artifact (never into `.git`, never over
            // the source, never through a symlink), or nothing is done.
            for file in &journal.files {
                out.guard.check_name(root, &file.path)?;
            }
            let mut dirs = DirCache::default();
            let mut manifest = Manifest::load(root, dir)?;
            let mut active = Active::load_from(root, dir)?;
            for file in &journal.files {
                let parent_rel = file.path.parent().unwrap_or(Path::new(""));
                let Some(parent) = dirs.get(root, dir, parent_rel, false, &file.path)? else {
                    continue;
                };
                inspect(out, &parent, &file.path)?;
                let temp = OsStr::new(&file.temp);
                if parent.entry(temp).ok().flatten().is_some() {
                    parent.rename(temp, &file_name(&file.path)).map_err(|e| {
                        WorkflowError::io("replace", display_path(root, &file.path), e)
                    })?;
                }
                match &journal.working_env {
                    None => manifest.record(&journal.source, &file.path, file.sha256.clone()),
                    Some(env) => {
                        active.record(&journal.source, &file.path, env, file.sha256.clone())
                    }
                }
            }
            match &journal.working_env {
                None => manifest.save(root, dir, &journal.run)?,
                Some(env) => {
                    // Only the files that changed are in the journal; the others of that
                    // switch were current, and their entries are as they were.
                    active.set_active(&journal.source, env);
                    active.save(root, dir)?;
                }
            }
            Journal::remove(root, dir)?;
            Ok(Some(Recovery::Completed { files }))
        }
    }
}

/// A run killed while writing the journal or the manifest leaves that record's temp file
/// (`..envdef-journal.RUN.envdef-tmp`) behind with no journal naming it: remove such files,
/// and only those (the caller holds the root's lock, so no running compile owns one).
fn remove_stray_record_temps(root: &Path, dir: &Dir) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let text = name.to_string_lossy();
        let is_record_temp = [JOURNAL, MANIFEST, ACTIVE]
            .iter()
            .any(|record| text.starts_with(&format!(".{record}.")));
        if is_record_temp && text.ends_with(".envdef-tmp") {
            // Through the directory handle: unlinkat never follows a symlink.
            let _ = dir.remove_file(&name);
        }
    }
}

/// Whether an interrupted run's journal is there (for `compile --check`).
pub fn interrupted(out: &Output) -> WorkflowResult<bool> {
    match &out.dir {
        Some(dir) => Ok(Journal::load(&out.root, dir)?.is_some()),
        None => Ok(false),
    }
}

/// Replaces the single file `path` atomically (temp file in its directory, then a rename):
/// for `fmt` and `import -o`, which write a source, not an artifact (no manifest).
///
/// `follow`: when `path` is a symlink, write through to the file it names (what `fmt`
/// must do: the link stays, the real file gets formatted) and keep that file's permission
/// bits. Otherwise the name itself is replaced (a link there is replaced, never followed)
/// and a new file gets 0644 under the umask.
pub fn write_file(path: &Path, contents: &str, follow: bool) -> WorkflowResult<()> {
    let target = if follow {
        std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
    } else {
        path.to_path_buf()
    };
    let (parent, name) = match (target.parent(), target.file_name()) {
        (Some(p), Some(n)) if !p.as_os_str().is_empty() => (p.to_path_buf(), n.to_os_string()),
        (_, Some(n)) => (PathBuf::from("."), n.to_os_string()),
        _ => {
            return Err(WorkflowError::io(
                "write",
                path.to_path_buf(),
                std::io::Error::other("not a file name"),
            ))
        }
    };
    let dir = Dir::open_path(&parent).map_err(|e| WorkflowError::io("write", path, e))?;
    let keep_mode = match dir.entry(&name) {
        Ok(Some(e)) if e.kind == super::dir::Kind::File && follow => Some(e.mode & 0o777),
        Ok(Some(e)) if e.kind == super::dir::Kind::Dir => {
            return Err(WorkflowError::IsADirectory {
                path: path.to_path_buf(),
            })
        }
        Ok(Some(e)) if e.kind == super::dir::Kind::Other => {
            return Err(WorkflowError::NotAFile {
                path: path.to_path_buf(),
            })
        }
        Ok(_) => None,
        Err(e) => return Err(WorkflowError::io("write", path, e)),
    };
    let temp = temp_name(&name, &run_id());
    let temp = OsStr::new(&temp);
    let file = dir
        .create_new(temp, contents.as_bytes())
        .map_err(|e| WorkflowError::io("write", path, e))?;
    if let Some(mode) = keep_mode {
        use std::os::unix::fs::PermissionsExt;
        if let Err(e) = file.set_permissions(std::fs::Permissions::from_mode(mode)) {
            let _ = dir.remove_file(temp);
            return Err(WorkflowError::io("write", path, e));
        }
    }
    drop(file);
    dir.rename(temp, &name).map_err(|e| {
        let _ = dir.remove_file(temp);
        WorkflowError::io("replace", path, e)
    })
}
