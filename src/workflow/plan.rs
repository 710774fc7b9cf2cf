//! Comparing the files to write with the files on disk.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};

use super::error::{WorkflowError, WorkflowResult};
use super::paths::{check_relative, display_path, Containment};

/// One file to write: a path relative to the output root and its complete contents. The
/// workflow knows nothing of what produced it (an emitted artifact, a formatted source).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputFile<'a> {
    pub path: &'a Path,
    pub contents: &'a str,
}

/// How a file to write relates to the file at its path.
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

/// One file and what writing it would do.
#[derive(Debug)]
pub struct PlannedFile<'a> {
    pub file: OutputFile<'a>,
    pub state: FileState,
    /// The current contents of a [`FileState::Changed`] file (lossily decoded), for diffs.
    pub on_disk: Option<String>,
}

/// Every file of one run, compared with the disk, in the order given.
#[derive(Debug)]
pub struct Plan<'a> {
    pub root: PathBuf,
    pub files: Vec<PlannedFile<'a>>,
}

impl Plan<'_> {
    /// The files that need writing.
    pub fn pending(&self) -> impl Iterator<Item = &PlannedFile<'_>> {
        self.files
            .iter()
            .filter(|f| f.state != FileState::Unchanged)
    }

    /// The path of a file as the user sees it.
    pub fn display(&self, rel: &Path) -> PathBuf {
        display_path(&self.root, rel)
    }
}

/// Reads what is on disk behind every file and classifies it. Refuses paths that leave the
/// root, two files with one path, and a directory where a file should be.
pub fn plan<'a>(
    root: &Path,
    outputs: impl IntoIterator<Item = OutputFile<'a>>,
) -> WorkflowResult<Plan<'a>> {
    let outputs: Vec<OutputFile<'a>> = outputs.into_iter().collect();
    let mut seen: HashSet<&Path> = HashSet::with_capacity(outputs.len());
    let mut containment = Containment::new(root);
    let mut files = Vec::with_capacity(outputs.len());
    for &file in &outputs {
        let rel = file.path;
        check_relative(root, rel)?;
        if !seen.insert(rel) {
            return Err(WorkflowError::Conflict {
                path: display_path(root, rel),
            });
        }
        containment.check_parent(rel)?;
        let (state, on_disk) = compare(root, rel, file.contents)?;
        files.push(PlannedFile {
            file,
            state,
            on_disk,
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

fn compare(root: &Path, rel: &Path, contents: &str) -> WorkflowResult<(FileState, Option<String>)> {
    let full = root.join(rel);
    // Stat first: reading a FIFO or device that happens to sit at an artifact's path would
    // block or never end.
    match std::fs::metadata(&full) {
        Ok(meta) if meta.is_dir() => {
            return Err(WorkflowError::IsADirectory {
                path: display_path(root, rel),
            })
        }
        Ok(meta) if !meta.is_file() => {
            return Err(WorkflowError::io(
                "replace",
                display_path(root, rel),
                io::Error::other("not a regular file"),
            ))
        }
        Ok(_) => {}
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok((FileState::New, None)),
        // A file where a directory is expected on the way there: writing will fail with a
        // clear message; for the plan the artifact simply does not exist yet.
        Err(err) if is_not_a_directory(&err) => return Ok((FileState::New, None)),
        Err(err) => return Err(WorkflowError::io("read", display_path(root, rel), err)),
    }
    match std::fs::read(&full) {
        Ok(bytes) if bytes == contents.as_bytes() => Ok((FileState::Unchanged, None)),
        Ok(bytes) => Ok((
            FileState::Changed,
            Some(String::from_utf8_lossy(&bytes).into_owned()),
        )),
        Err(err) => Err(WorkflowError::io("read", display_path(root, rel), err)),
    }
}

/// ENOTDIR: some ancestor of the path is a file.
pub(crate) fn is_not_a_directory(err: &io::Error) -> bool {
    cfg!(unix) && err.raw_os_error() == Some(20)
}
