//! Applying a plan: all-or-nothing as far as a file system allows.
//!
//! Phase 1 creates missing directories and writes every pending artifact to a temp file in
//! its target directory (`.NAME.XXXXXX.envdef-tmp`). Phase 2 renames each temp file over its
//! target; a rename within one directory is atomic, so a reader sees either the old or the
//! new file, never half of one. A failure in phase 1 leaves the disk as it was: the temp
//! files are deleted (dropping a `NamedTempFile` removes it) and directories this run
//! created are removed again. Renames practically cannot fail once the temp file sits in
//! the same directory; if one does, the files already renamed are complete new versions
//! and the rest are untouched.
//!
//! Temp files are not fsynced: atomicity against concurrent readers is the goal, not
//! durability across a power cut (a crash leaves at most a stray temp file, which carries
//! envdef's header and is therefore cleaned up by `--prune`).

use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use super::error::{WorkflowError, WorkflowResult};
use super::paths::{display_path, Containment};
use super::plan::{is_not_a_directory, FileState, OutputFile, Plan};

/// What a [`write()`] did, in plan order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WriteSummary {
    /// Relative paths written (new or changed).
    pub written: Vec<PathBuf>,
    /// Relative paths left alone because they were current.
    pub unchanged: Vec<PathBuf>,
}

/// Writes every new or changed artifact of `plan`; leaves unchanged files untouched.
pub fn write(plan: &Plan<'_>) -> WorkflowResult<WriteSummary> {
    let root = plan.root.as_path();
    let mut created_dirs: Vec<PathBuf> = Vec::new();
    let result = stage(plan, &mut created_dirs).and_then(|staged| commit(root, staged));
    if result.is_err() {
        // Deepest first, and only if still empty: a directory someone else filled in the
        // meantime stays.
        for dir in created_dirs.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
    let written = result?;
    let unchanged = plan
        .files
        .iter()
        .filter(|f| f.state == FileState::Unchanged)
        .map(|f| f.file.path.to_path_buf())
        .collect();
    Ok(WriteSummary { written, unchanged })
}

/// Writes one file at `path` (a source formatted by `fmt`, a draft from `import`) the way
/// artifacts are written: a temp file in the same directory renamed over the target, so a
/// reader (or a crash) never sees half a file; an existing file's permissions are kept.
pub fn write_file(path: &Path, contents: &str) -> WorkflowResult<()> {
    let (root, name) = match (path.parent(), path.file_name()) {
        (Some(p), Some(n)) if !p.as_os_str().is_empty() => (p, n),
        (_, Some(n)) => (Path::new("."), n),
        _ => {
            return Err(WorkflowError::io(
                "write",
                path.to_path_buf(),
                std::io::Error::other("not a file name"),
            ))
        }
    };
    let file = OutputFile {
        path: Path::new(name),
        contents,
    };
    write(&super::plan(root, [file])?).map(drop)
}

/// A complete new version of one artifact, waiting to be renamed into place.
struct Staged {
    temp: NamedTempFile,
    rel: PathBuf,
}

fn stage(plan: &Plan<'_>, created_dirs: &mut Vec<PathBuf>) -> WorkflowResult<Vec<Staged>> {
    let root = plan.root.as_path();
    let mut containment = Containment::new(root);
    let mut staged = Vec::new();
    for file in plan.pending() {
        let rel = file.file.path;
        let parent_rel = rel.parent().unwrap_or(Path::new(""));
        let created_before = created_dirs.len();
        create_dirs(root, parent_rel, rel, created_dirs)?;
        if created_dirs.len() != created_before {
            containment.reset();
        }
        // Checked again after creating directories: one of them could have been replaced
        // by a symlink since the plan was made.
        containment.check_parent(rel)?;
        let dir = root.join(parent_rel);
        let full = root.join(rel);
        if full.is_dir() {
            return Err(WorkflowError::IsADirectory {
                path: display_path(root, rel),
            });
        }
        let temp = write_temp(&dir, rel, file.file.contents.as_bytes(), &full)
            .map_err(|err| WorkflowError::io("write", display_path(root, rel), err))?;
        staged.push(Staged {
            temp,
            rel: rel.to_path_buf(),
        });
    }
    Ok(staged)
}

fn commit(root: &Path, staged: Vec<Staged>) -> WorkflowResult<Vec<PathBuf>> {
    let mut written = Vec::with_capacity(staged.len());
    // On an early return the remaining `Staged` values drop and delete their temp files.
    for Staged { temp, rel } in staged {
        temp.persist(root.join(&rel))
            .map_err(|err| WorkflowError::io("replace", display_path(root, &rel), err.error))?;
        written.push(rel);
    }
    Ok(written)
}

/// Creates the missing directories of `parent_rel` one level at a time (so the ones created
/// can be removed again on failure), with a clear error when a file is in the way.
fn create_dirs(
    root: &Path,
    parent_rel: &Path,
    artifact: &Path,
    created: &mut Vec<PathBuf>,
) -> WorkflowResult<()> {
    if !root.as_os_str().is_empty() && !root.is_dir() {
        if root.exists() {
            return Err(WorkflowError::NotADirectory {
                path: root.to_path_buf(),
                artifact: display_path(root, artifact),
            });
        }
        // One level at a time, recording each, so a failure can remove them again.
        let missing: Vec<&Path> = root
            .ancestors()
            .take_while(|dir| !dir.as_os_str().is_empty() && !dir.exists())
            .collect();
        for dir in missing.into_iter().rev() {
            std::fs::create_dir(dir)
                .map_err(|err| WorkflowError::io("create directory", dir, err))?;
            created.push(dir.to_path_buf());
        }
    }
    let mut dir = root.to_path_buf();
    for component in parent_rel.components() {
        dir.push(component);
        match std::fs::metadata(&dir) {
            Ok(meta) if meta.is_dir() => continue,
            Ok(_) => {
                return Err(WorkflowError::NotADirectory {
                    path: dir,
                    artifact: display_path(root, artifact),
                })
            }
            Err(err) if is_not_a_directory(&err) => {
                // Reported for the ancestor that is a file, which the loop already passed;
                // name this level, the user will recognise the file above it.
                return Err(WorkflowError::NotADirectory {
                    path: dir,
                    artifact: display_path(root, artifact),
                });
            }
            Err(_) => {}
        }
        std::fs::create_dir(&dir)
            .map_err(|err| WorkflowError::io("create directory", dir.clone(), err))?;
        created.push(dir.clone());
    }
    Ok(())
}

/// The new contents in a temp file next to `full`, with the permissions `full` has (or
/// those a freshly created file would get, when it does not exist yet).
fn write_temp(
    dir: &Path,
    rel: &Path,
    contents: &[u8],
    full: &Path,
) -> std::io::Result<NamedTempFile> {
    use std::io::Write;
    let name = rel
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Short enough that the temp name stays under NAME_MAX even for a 255-byte name.
    let short: String = name.chars().take(32).collect();
    let prefix = format!(".{short}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".envdef-tmp");
    #[cfg(unix)]
    let existing = std::fs::metadata(full).ok().map(|m| m.permissions());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // NamedTempFile defaults to 0600; an artifact should get the usual 0666 & !umask,
        // like any file an editor or `cat >` would create.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder.tempfile_in(dir)?;
    temp.write_all(contents)?;
    temp.flush()?;
    #[cfg(unix)]
    if let Some(permissions) = existing {
        // Keep whatever mode the user gave the existing file (e.g. 0640 for a .env).
        temp.as_file().set_permissions(permissions)?;
    }
    #[cfg(not(unix))]
    let _ = full;
    Ok(temp)
}
