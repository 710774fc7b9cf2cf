//! Orphans: files envdef wrote earlier (they are in the manifest, under this source) that
//! no `emit` produces any more.
//!
//! The manifest is the only record: a file envdef did not write is never an orphan, however
//! much it looks like an artifact (a copy `api/.env.production.bak`, a README quoting the
//! header, another source's artifacts, a `--out build/` tree inside the source directory).
//! A listed file whose content no longer hashes to what envdef wrote was edited since:
//! it is reported but `--prune` keeps it, unless `--force`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::dir::{file_name, Kind, OpenError};
use super::error::{WorkflowError, WorkflowResult};
use super::manifest::{sha256, Manifest};
use super::output::Output;
use super::paths::display_path;
use super::plan::DirCache;

/// One orphan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Orphan {
    /// Relative to the output root.
    pub path: PathBuf,
    /// The file changed since envdef wrote it (or is no longer a regular file).
    pub modified: bool,
}

/// What [`prune`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PruneSummary {
    /// Orphans deleted, relative to the output root.
    pub removed: Vec<PathBuf>,
    /// Orphans kept because they changed since envdef wrote them (no `--force`).
    pub kept: Vec<PathBuf>,
}

/// Largest orphan hashed: a bigger file is not one envdef wrote (all of a compile's output
/// together is capped at 256 MiB, `emit::MAX_OUTPUT_BYTES`; workflow does not import emit).
const HASH_LIMIT: u64 = (256 << 20) + 1;

/// The files of the manifest written by `source` that are not in `produced` and are still
/// on disk, sorted.
pub fn find_orphans(
    out: &Output,
    produced: &HashSet<PathBuf>,
    source: &str,
) -> WorkflowResult<Vec<Orphan>> {
    let Some(dir) = &out.dir else {
        return Ok(Vec::new());
    };
    let root = out.root.as_path();
    let manifest = Manifest::load(root, dir)?;
    let mut dirs = DirCache::default();
    let mut orphans = Vec::new();
    for (rel, hash) in manifest.of_source(source) {
        // The manifest is committed, so possibly an attacker's: an entry naming `.git/…`
        // or the manifest itself is never an orphan (nor deleted).
        if produced.contains(rel) || out.guard.check_name(root, rel).is_err() {
            continue;
        }
        if let Some(modified) = state(out, &mut dirs, rel, hash)? {
            orphans.push(Orphan {
                path: rel.to_path_buf(),
                modified,
            });
        }
    }
    orphans.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(orphans)
}

/// `None`: nothing is there any more; `Some(modified)` otherwise.
fn state(
    out: &Output,
    dirs: &mut DirCache,
    rel: &Path,
    hash: &str,
) -> WorkflowResult<Option<bool>> {
    let root = out.root.as_path();
    let Some(dir) = &out.dir else {
        return Ok(None);
    };
    let parent_rel = rel.parent().unwrap_or(Path::new(""));
    let parent = match dirs.get(root, dir, parent_rel, false, rel) {
        Ok(Some(p)) => p,
        Ok(None) | Err(WorkflowError::NotADirectory { .. }) => return Ok(None),
        // A symlinked directory on the way: whatever is behind it is not ours.
        Err(WorkflowError::Symlink { .. }) => return Ok(Some(true)),
        Err(e) => return Err(e),
    };
    let name = file_name(rel);
    match parent.entry(&name) {
        Ok(None) => return Ok(None),
        // The source, an import or a template listed as an artifact: not an orphan, ever.
        Ok(Some(e)) if out.guard.check_id(root, rel, e.id).is_err() => return Ok(None),
        Ok(Some(e)) if e.kind != Kind::File || e.size >= HASH_LIMIT => return Ok(Some(true)),
        Ok(Some(_)) => {}
        Err(e) => return Err(WorkflowError::io("read", display_path(root, rel), e)),
    }
    match parent.read(&name, HASH_LIMIT) {
        Ok((bytes, _)) => Ok(Some(sha256(&bytes) != hash)),
        Err(OpenError::Io(e)) => Err(WorkflowError::io("read", display_path(root, rel), e)),
        Err(_) => Ok(Some(true)),
    }
}

/// Whether the file's first KiB holds envdef's generated header.
fn has_generated_header(parent: &super::dir::Dir, rel: &Path) -> bool {
    parent
        .read(&file_name(rel), super::plan::HEADER_WINDOW as u64)
        .is_ok_and(|(head, _)| super::plan::has_generated_header(&head))
}

/// Deletes `orphans` of `source` (checking each once more: only a regular file that still
/// hashes to what envdef wrote, or with `force` one that still has the generated header),
/// removes directories
/// they leave empty (never the root), and drops them from the manifest.
pub fn prune(
    out: &Output,
    orphans: &[Orphan],
    source: &str,
    force: bool,
) -> WorkflowResult<PruneSummary> {
    let root = out.root.as_path();
    let mut summary = PruneSummary::default();
    let Some(dir) = &out.dir else {
        return Ok(summary);
    };
    let mut manifest = Manifest::load(root, dir)?;
    for orphan in orphans {
        let rel = orphan.path.as_path();
        super::paths::check_relative(root, rel)?;
        if out.guard.check_name(root, rel).is_err() {
            continue;
        }
        let Some(hash) = manifest.get(source, rel).map(str::to_string) else {
            continue;
        };
        let mut dirs = DirCache::default();
        let modified = match state(out, &mut dirs, rel, &hash)? {
            None => {
                manifest.forget(source, rel);
                continue;
            }
            Some(true) if !force => {
                summary.kept.push(rel.to_path_buf());
                continue;
            }
            Some(modified) => modified,
        };
        let parent_rel = rel.parent().unwrap_or(Path::new(""));
        let Ok(Some(parent)) = dirs.get(root, dir, parent_rel, false, rel) else {
            summary.kept.push(rel.to_path_buf());
            continue;
        };
        // `--force` deletes an edited orphan only while it still carries the generated
        // header: the manifest is a committed file, and an entry an attacker planted for
        // `README.md` must not make `--prune --force` delete a file envdef never wrote.
        if modified && !has_generated_header(&parent, rel) {
            summary.kept.push(rel.to_path_buf());
            continue;
        }
        // Even with --force only a regular file goes (never a link or a directory).
        if parent.entry(&file_name(rel)).ok().flatten().map(|e| e.kind) != Some(Kind::File) {
            summary.kept.push(rel.to_path_buf());
            continue;
        }
        parent
            .remove_file(&file_name(rel))
            .map_err(|err| WorkflowError::io("remove", display_path(root, rel), err))?;
        manifest.forget(source, rel);
        summary.removed.push(rel.to_path_buf());
        drop(parent);
        drop(dirs);
        // Tidy up directories the orphan leaves empty (`k8s/old/`), deepest first.
        for sub in rel.ancestors().skip(1) {
            let Some(up) = sub.parent() else { break };
            if sub.as_os_str().is_empty() {
                break;
            }
            match dir.walk(up) {
                Ok(Some(p)) if p.remove_empty_dir(&file_name(sub)) => {}
                _ => break,
            }
        }
    }
    manifest.save(root, dir, &super::manifest::run_id())?;
    Ok(summary)
}
