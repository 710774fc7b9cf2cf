//! Comparing artifacts with the files on disk.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};

use super::dir::{file_name, Dir, Kind, OpenError};
use super::error::{WorkflowError, WorkflowResult};
use super::manifest::{sha256, Manifest};
use super::output::Output;
use super::paths::{check_relative, display_path};

/// One file to write: a path relative to the output root and its complete contents. The
/// workflow knows nothing of what produced it (an emitted artifact, a formatted source).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputFile<'a> {
    /// Relative to the output root.
    pub path: &'a Path,
    /// The complete text to write.
    pub contents: &'a str,
}

/// How an artifact relates to the file at its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileState {
    /// No file there yet.
    New,
    /// A file is there with other contents.
    Changed,
    /// The file already holds exactly these bytes; it will not be touched.
    Unchanged,
}

/// One artifact and what writing it would do.
#[derive(Debug)]
pub struct PlannedFile<'a> {
    /// The file to write.
    pub file: OutputFile<'a>,
    /// How it compares with the disk.
    pub state: FileState,
    /// The current contents of a [`FileState::Changed`] file (lossily decoded), for diffs;
    /// `None` when it is larger than [`DIFF_READ_LIMIT`].
    pub on_disk: Option<String>,
    /// The size of the file on disk (0 when there is none).
    pub on_disk_size: u64,
    /// The permission bits of the file on disk, if there is one.
    pub mode: Option<u32>,
    /// A [`FileState::Changed`] file that envdef did not write: no generated header near
    /// its start, and its hash is not what the manifest recorded for the path. Its content
    /// may be anyone's (a hand-written `.env` with real credentials), so `--check` never
    /// shows it and `compile` does not replace it without `--force`.
    pub foreign: bool,
}

/// Every artifact of one run, compared with the disk, in the order given.
#[derive(Debug)]
pub struct Plan<'a> {
    /// The output root the paths are relative to.
    pub root: PathBuf,
    /// Every file, in the order given.
    pub files: Vec<PlannedFile<'a>>,
}

impl Plan<'_> {
    /// The artifacts that need writing.
    pub fn pending(&self) -> impl Iterator<Item = &PlannedFile<'_>> {
        self.files
            .iter()
            .filter(|f| f.state != FileState::Unchanged)
    }

    /// The path of an artifact as the user sees it.
    pub fn display(&self, rel: &Path) -> PathBuf {
        display_path(&self.root, rel)
    }
}

/// Largest file on disk read to show a diff (`--check`); a bigger one is reported stale
/// with its size instead. Comparing never reads more than the artifact's length plus one.
pub const DIFF_READ_LIMIT: u64 = 16 << 20;

/// Reads the file behind every artifact and classifies it. Refuses paths that leave the
/// root, two artifacts with one path, a directory where a file should be, a symlink
/// anywhere on the way (E0520) and forbidden destinations (E0521).
pub fn plan<'a>(
    out: &Output,
    outputs: impl IntoIterator<Item = OutputFile<'a>>,
) -> WorkflowResult<Plan<'a>> {
    let outputs: Vec<OutputFile<'a>> = outputs.into_iter().collect();
    let root = out.root.as_path();
    let mut seen: HashSet<&Path> = HashSet::with_capacity(outputs.len());
    let mut dirs = DirCache::default();
    let manifest = match &out.dir {
        Some(dir) => Manifest::load(root, dir)?,
        None => Manifest::default(),
    };
    let mut files = Vec::with_capacity(outputs.len());
    for &file in &outputs {
        let rel = file.path;
        check_relative(root, rel)?;
        out.guard.check_name(root, rel)?;
        if !seen.insert(rel) {
            return Err(WorkflowError::Conflict {
                path: display_path(root, rel),
            });
        }
        let disk = match &out.dir {
            Some(dir) => compare(out, dir, &mut dirs, &manifest, rel, file.contents)?,
            None => OnDisk::default(),
        };
        files.push(PlannedFile {
            file,
            state: disk.state,
            on_disk: disk.text,
            on_disk_size: disk.size,
            mode: disk.mode,
            foreign: disk.foreign,
        });
    }
    // `a.env` and `a.env/x` cannot both exist; say so before anything is written.
    for file in &outputs {
        if let Some(blocker) = file.path.ancestors().skip(1).find(|a| seen.contains(a)) {
            return Err(WorkflowError::NotADirectory {
                path: display_path(root, blocker),
                artifact: display_path(root, file.path),
            });
        }
    }
    Ok(Plan {
        root: root.to_path_buf(),
        files,
    })
}

/// What is at an artifact's path.
#[derive(Debug)]
struct OnDisk {
    state: FileState,
    text: Option<String>,
    size: u64,
    mode: Option<u32>,
    foreign: bool,
}

impl Default for OnDisk {
    fn default() -> Self {
        OnDisk {
            state: FileState::New,
            text: None,
            size: 0,
            mode: None,
            foreign: false,
        }
    }
}

/// How far into a file the generated header is looked for: the header is its first line
/// or two, after at most a `---` or a shebang.
pub(crate) const HEADER_WINDOW: usize = 1024;

/// Whether `bytes` (a file at `rel`) is recognisably envdef's: the generated header near
/// the start, or exactly the bytes the manifest says envdef wrote there. Neither can be
/// forged into a file the attacker of a branch never saw (a developer's own `.env`).
fn written_by_envdef(manifest: &Manifest, rel: &Path, bytes: &[u8]) -> bool {
    has_generated_header(bytes) || manifest.wrote(rel, &sha256(bytes))
}

/// Whether the generated header is in the first [`HEADER_WINDOW`] bytes of `bytes`.
pub(crate) fn has_generated_header(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(HEADER_WINDOW)];
    let marker = crate::notation::GENERATED_MARKER.as_bytes();
    head.windows(marker.len()).any(|w| w == marker)
}

/// Open directories below the root by relative path, so a thousand artifacts in one
/// directory walk to it once. Bounded: descriptors are a limited resource.
#[derive(Default)]
pub(crate) struct DirCache {
    open: std::collections::HashMap<PathBuf, std::rc::Rc<Dir>>,
}

impl DirCache {
    /// The directory `parent` below `dir` (the root), never through a symlink.
    pub(crate) fn get(
        &mut self,
        root: &Path,
        dir: &Dir,
        parent: &Path,
        create: bool,
        artifact: &Path,
    ) -> WorkflowResult<Option<std::rc::Rc<Dir>>> {
        if let Some(d) = self.open.get(parent) {
            return Ok(Some(d.clone()));
        }
        if self.open.len() >= 256 {
            self.open.clear();
        }
        let mut current: Option<Dir> = None;
        let mut at = PathBuf::new();
        for part in parent.components() {
            at.push(part);
            let base = current.as_ref().unwrap_or(dir);
            let name = part.as_os_str();
            let next = if create {
                base.child_or_create(name).map(|(d, _)| Some(d))
            } else {
                base.child(name)
            };
            match next {
                Ok(Some(d)) => current = Some(d),
                Ok(None) => return Ok(None),
                Err(OpenError::Symlink) => {
                    return Err(WorkflowError::Symlink {
                        path: display_path(root, &at),
                    })
                }
                Err(OpenError::NotADirectory) => {
                    return Err(WorkflowError::NotADirectory {
                        path: display_path(root, &at),
                        artifact: display_path(root, artifact),
                    })
                }
                Err(OpenError::Io(e)) => {
                    return Err(WorkflowError::io("open", display_path(root, &at), e))
                }
            }
        }
        let opened = match current {
            Some(d) => d,
            None => dir.walk(Path::new("")).ok().flatten().ok_or_else(|| {
                WorkflowError::io(
                    "open",
                    root.to_path_buf(),
                    io::Error::other("cannot reopen"),
                )
            })?,
        };
        let rc = std::rc::Rc::new(opened);
        self.open.insert(parent.to_path_buf(), rc.clone());
        Ok(Some(rc))
    }
}

/// Classifies what is at `rel` without following a symlink.
pub(crate) fn inspect(
    out: &Output,
    parent: &Dir,
    rel: &Path,
) -> WorkflowResult<Option<super::dir::Entry>> {
    let root = out.root.as_path();
    let entry = parent
        .entry(&file_name(rel))
        .map_err(|e| WorkflowError::io("read", display_path(root, rel), e))?;
    let Some(entry) = entry else {
        return Ok(None);
    };
    match entry.kind {
        Kind::Symlink => Err(WorkflowError::Symlink {
            path: display_path(root, rel),
        }),
        Kind::Dir => Err(WorkflowError::IsADirectory {
            path: display_path(root, rel),
        }),
        Kind::Other => Err(WorkflowError::NotAFile {
            path: display_path(root, rel),
        }),
        Kind::File => {
            out.guard.check_id(root, rel, entry.id)?;
            Ok(Some(entry))
        }
    }
}

fn compare(
    out: &Output,
    dir: &Dir,
    dirs: &mut DirCache,
    manifest: &Manifest,
    rel: &Path,
    contents: &str,
) -> WorkflowResult<OnDisk> {
    let root = out.root.as_path();
    let parent_rel = rel.parent().unwrap_or(Path::new(""));
    let parent = match dirs.get(root, dir, parent_rel, false, rel) {
        Ok(Some(p)) => p,
        // A file where a directory is expected on the way there: writing will fail with a
        // clear message; for the plan the artifact simply does not exist yet.
        Ok(None) | Err(WorkflowError::NotADirectory { .. }) => return Ok(OnDisk::default()),
        Err(e) => return Err(e),
    };
    let Some(entry) = inspect(out, &parent, rel)? else {
        return Ok(OnDisk::default());
    };
    let mode = Some(entry.mode);
    let wanted = contents.len() as u64;
    // Equal sizes: read one byte more than the artifact to be sure; otherwise the file
    // differs, and is read only as far as a diff is worth showing.
    let limit = if entry.size == wanted {
        wanted + 1
    } else if entry.size > DIFF_READ_LIMIT {
        // Too large to hash here: only the header can vouch for it.
        let (head, _) = parent
            .read(&file_name(rel), HEADER_WINDOW as u64)
            .map_err(|e| read_error(root, rel, e))?;
        return Ok(OnDisk {
            state: FileState::Changed,
            text: None,
            size: entry.size,
            mode,
            foreign: !written_by_envdef(&Manifest::default(), rel, &head),
        });
    } else {
        DIFF_READ_LIMIT
    };
    let (bytes, _) = parent
        .read(&file_name(rel), limit)
        .map_err(|e| read_error(root, rel, e))?;
    if bytes == contents.as_bytes() {
        return Ok(OnDisk {
            state: FileState::Unchanged,
            text: None,
            size: entry.size,
            mode,
            foreign: false,
        });
    }
    let foreign = !written_by_envdef(manifest, rel, &bytes);
    Ok(OnDisk {
        state: FileState::Changed,
        // A foreign file's content is never kept: nothing may print it.
        text: (!foreign).then(|| String::from_utf8_lossy(&bytes).into_owned()),
        size: entry.size,
        mode,
        foreign,
    })
}

fn read_error(root: &Path, rel: &Path, e: OpenError) -> WorkflowError {
    match e {
        OpenError::Symlink => WorkflowError::Symlink {
            path: display_path(root, rel),
        },
        OpenError::NotADirectory => WorkflowError::NotAFile {
            path: display_path(root, rel),
        },
        OpenError::Io(e) => WorkflowError::io("read", display_path(root, rel), e),
    }
}
