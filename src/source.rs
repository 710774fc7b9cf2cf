//! Source files and spans: the only place that reads input files.
//!
//! Every input file gets a [`FileId`] in a [`SourceMap`]; every AST node, model value and
//! diagnostic carries a [`Span`] (file + byte range) that indexes back into it. Spans have
//! no lifetime, so they outlive the parser and travel all the way to the CLI.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Largest source file envdef reads (see `docs/limits.md`). Bigger files are refused with a
/// clear message before any parsing, so a stray 2 GB log passed as FILE cannot exhaust memory.
pub const MAX_SOURCE_BYTES: u64 = 16 * 1024 * 1024;

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize)]
pub struct Span {
    /// The file the span is in.
    pub file: FileId,
    /// Byte offset of the first byte.
    pub start: u32,
    /// Byte offset after the last byte.
    pub end: u32,
}

impl Span {
    /// The bytes `start..end` of `file`.
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: start as u32,
            end: end as u32,
        }
    }

    /// The smallest span covering both (they must be in the same file).
    pub fn to(self, other: Span) -> Span {
        debug_assert_eq!(self.file, other.file);
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// Length in bytes.
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    /// Whether the span covers no bytes.
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The byte range, for slicing the file's text.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

impl From<(FileId, pest::Span<'_>)> for Span {
    fn from((file, span): (FileId, pest::Span<'_>)) -> Span {
        Span::new(file, span.start(), span.end())
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> miette::SourceSpan {
        (span.start as usize, span.len()).into()
    }
}

/// A line/column position, both 1-based; the column counts Unicode scalar values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineCol {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

/// One loaded source file.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as given or resolved (used to open imports relative to it).
    pub path: PathBuf,
    /// The name shown in diagnostics (the path as the user wrote it, or relative to the root).
    pub name: String,
    /// Shared so diagnostics can hand the text to miette without copying it.
    pub text: Arc<str>,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// A file named `name` (as the user sees it) at `path` holding `text`.
    pub fn new(path: PathBuf, name: String, text: String) -> SourceFile {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceFile {
            path,
            name,
            text: text.into(),
            line_starts,
        }
    }

    /// 1-based line and column of a byte offset (clamped to the file).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = offset.min(self.text.len());
        let line_idx = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let line_start = self.line_starts[line_idx];
        // Count chars, not bytes, so editors get the column they display. A span never
        // starts inside a char, but clamp to a boundary in case a caller passes one.
        let mut end = offset;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let column = self.text[line_start..end].chars().count() + 1;
        LineCol {
            line: line_idx + 1,
            column,
        }
    }

    /// The text a span of this file covers.
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }
}

/// All files of one compilation.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId((self.files.len() - 1) as u32)
    }

    /// The file with this id (ids come only from [`SourceMap::add`]).
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// Every file with its id, in the order added.
    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// The file already loaded from this (canonical) path, if any.
    pub fn find_path(&self, path: &Path) -> Option<FileId> {
        self.files().find(|(_, f)| f.path == path).map(|(id, _)| id)
    }

    /// The text a span covers, in whichever file it is.
    pub fn slice(&self, span: Span) -> &str {
        self.get(span.file).slice(span)
    }
}

/// Why a file could not be read. These are tool failures (exit 2), not diagnostics about
/// the source's content.
#[derive(Debug)]
pub enum LoadError {
    /// No file at the path.
    NotFound,
    /// The path is a directory.
    IsDirectory,
    /// The file is bigger than envdef reads.
    TooLarge {
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// The file is not UTF-8.
    NotUtf8 {
        /// Byte offset of the first invalid byte.
        offset: usize,
    },
    /// An import names a device, pipe or socket (see [`Loader::load_import`]).
    NotRegularFile,
    /// Any other I/O error.
    /// The file resolves outside the project root (symlinks followed), or through `.git`.
    OutsideProject {
        /// The project root (canonical).
        root: PathBuf,
    },
    /// An import names a file that is not an `.envdef` source: reading it would print its
    /// lines in diagnostics (a credentials file, `.git/config`, `/proc/self/environ`).
    NotEnvdef,
    /// Reading the file failed (not found, permission denied, …).
    Io(std::io::Error),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::NotFound => write!(f, "no such file"),
            LoadError::IsDirectory => write!(f, "is a directory, not a source file"),
            // A stream is cut one byte past the limit, so its true size is unknown.
            LoadError::TooLarge { size, limit } if *size == limit + 1 => write!(
                f,
                "file is more than {limit} bytes; envdef reads source files of at most {limit} bytes"
            ),
            LoadError::TooLarge { size, limit } => write!(
                f,
                "file is {size} bytes; envdef reads source files of at most {limit} bytes"
            ),
            LoadError::NotUtf8 { offset } => {
                write!(f, "not valid UTF-8 (first invalid byte at offset {offset})")
            }
            LoadError::NotRegularFile => write!(
                f,
                "not a regular file (a device, pipe or socket cannot be imported)"
            ),
            LoadError::OutsideProject { root } => write!(
                f,
                "it is outside the project root `{}` (or inside `.git`); `--root DIR` widens the project",
                root.display()
            ),
            LoadError::NotEnvdef => write!(
                f,
                "not an envdef source (only `*.envdef` files are imported, so no other \
                 file's lines are ever shown in a diagnostic)"
            ),
            LoadError::Io(err) => write!(f, "{err}"),
        }
    }
}

/// Reads source files. The pipeline never touches the file system directly: tests and
/// fuzzers pass an in-memory loader, the CLI passes [`FsLoader`].
pub trait Loader {
    /// Canonical identity of a path (so `a/../b.envdef` and `b.envdef` are one file and
    /// symlink cycles are caught).
    fn canonicalize(&self, path: &Path) -> Result<PathBuf, LoadError>;
    /// The text of the file at `path`.
    fn load(&self, path: &Path) -> Result<String, LoadError>;

    /// Loads an imported file. The root file may be a pipe (`envdef check <(generate)`),
    /// but an import of a FIFO nobody writes to would block forever, and `/dev/stdin`
    /// would wait on the terminal or swallow an editor's protocol stream: the file system
    /// loader refuses imports that are not regular files.
    fn load_import(&self, path: &Path) -> Result<String, LoadError> {
        self.load(path)
    }

    /// Loads an import that was checked to lie inside the project: `canonical` (symlinks
    /// resolved) below `root` (canonical too). The file system loader opens it through
    /// directory handles from `root` without following a symlink ([`read_confined`]), so a
    /// file or directory swapped for a symlink after the check is refused, never read.
    fn load_import_within(&self, root: &Path, canonical: &Path) -> Result<String, LoadError> {
        let _ = root;
        self.load_import(canonical)
    }

    /// The `*.envdef` files in directory `dir` (names only, sorted), for a did-you-mean on
    /// an import that names a missing file. Empty when the loader cannot list.
    fn list_sources(&self, dir: &Path) -> Vec<String> {
        let _ = dir;
        Vec::new()
    }
}

/// The real file system.
#[derive(Debug, Default, Clone, Copy)]
pub struct FsLoader;

impl Loader for FsLoader {
    fn canonicalize(&self, path: &Path) -> Result<PathBuf, LoadError> {
        std::fs::canonicalize(path).map_err(io_to_load_error)
    }

    fn load(&self, path: &Path) -> Result<String, LoadError> {
        let meta = std::fs::metadata(path).map_err(io_to_load_error)?;
        if meta.is_dir() {
            return Err(LoadError::IsDirectory);
        }
        if meta.len() > MAX_SOURCE_BYTES {
            return Err(LoadError::TooLarge {
                size: meta.len(),
                limit: MAX_SOURCE_BYTES,
            });
        }
        // The metadata length is 0 for pipes and devices (`/dev/zero`, `<(cmd)`), so the
        // read itself stops one byte past the limit, whatever the file claimed.
        let file = std::fs::File::open(path).map_err(io_to_load_error)?;
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        std::io::Read::read_to_end(
            &mut std::io::Read::take(file, MAX_SOURCE_BYTES + 1),
            &mut bytes,
        )
        .map_err(io_to_load_error)?;
        if bytes.len() as u64 > MAX_SOURCE_BYTES {
            return Err(LoadError::TooLarge {
                size: bytes.len() as u64,
                limit: MAX_SOURCE_BYTES,
            });
        }
        decode_source(bytes)
    }

    fn load_import(&self, path: &Path) -> Result<String, LoadError> {
        let meta = std::fs::metadata(path).map_err(io_to_load_error)?;
        if !meta.is_file() && !meta.is_dir() {
            return Err(LoadError::NotRegularFile);
        }
        self.load(path)
    }

    fn load_import_within(&self, root: &Path, canonical: &Path) -> Result<String, LoadError> {
        decode_source(read_confined(root, canonical, MAX_SOURCE_BYTES)?)
    }

    fn list_sources(&self, dir: &Path) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.ends_with(".envdef"))
            // A directory of generated files could hold thousands; a suggestion needs few.
            .take(1000)
            .collect();
        names.sort();
        names
    }
}

/// Reads `canonical` (a path with symlinks resolved) below `root` (canonical), at most
/// `limit` bytes, opening every directory on the way from `root` and then the file with
/// `O_NOFOLLOW`: a path that was checked to stay inside the project cannot be swapped for
/// a symlink between the check and the read (a directory that became a link fails with
/// `ENOTDIR`/`ELOOP`, and so does the file). A FIFO is opened without blocking and refused,
/// like a device or a directory.
pub fn read_confined(root: &Path, canonical: &Path, limit: u64) -> Result<Vec<u8>, LoadError> {
    use rustix::fs::{openat, Mode, OFlags, CWD};
    let rel = canonical
        .strip_prefix(root)
        .map_err(|_| LoadError::OutsideProject {
            root: root.to_path_buf(),
        })?;
    let swapped = |e: rustix::io::Errno| match e {
        rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR => {
            LoadError::Io(std::io::Error::other(
                "a symlink appeared on its path while envdef read it; envdef does not follow it",
            ))
        }
        e => io_to_load_error(e.into()),
    };
    let dir_flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let mut dir = openat(CWD, root, dir_flags, Mode::empty()).map_err(swapped)?;
    let parts: Vec<&std::ffi::OsStr> = rel.iter().collect();
    let Some((last, dirs)) = parts.split_last() else {
        return Err(LoadError::IsDirectory);
    };
    for part in dirs {
        dir = openat(&dir, *part, dir_flags, Mode::empty()).map_err(swapped)?;
    }
    let file_flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    let file =
        std::fs::File::from(openat(&dir, *last, file_flags, Mode::empty()).map_err(swapped)?);
    let meta = file.metadata().map_err(io_to_load_error)?;
    if meta.is_dir() {
        return Err(LoadError::IsDirectory);
    }
    if !meta.is_file() {
        return Err(LoadError::NotRegularFile);
    }
    if meta.len() > limit {
        return Err(LoadError::TooLarge {
            size: meta.len(),
            limit,
        });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::io::Read::read_to_end(&mut std::io::Read::take(file, limit + 1), &mut bytes)
        .map_err(io_to_load_error)?;
    if bytes.len() as u64 > limit {
        return Err(LoadError::TooLarge {
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

/// UTF-8 decoding shared by every loader; a leading BOM is dropped (editors on Windows
/// write one, and it must not become part of the first token).
pub fn decode_source(bytes: Vec<u8>) -> Result<String, LoadError> {
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.drain(..3);
            }
            Ok(text)
        }
        Err(err) => Err(LoadError::NotUtf8 {
            offset: err.utf8_error().valid_up_to(),
        }),
    }
}

fn io_to_load_error(err: std::io::Error) -> LoadError {
    match err.kind() {
        std::io::ErrorKind::NotFound => LoadError::NotFound,
        std::io::ErrorKind::IsADirectory => LoadError::IsDirectory,
        _ => LoadError::Io(err),
    }
}

/// An in-memory loader for tests and fuzzing: paths map to contents.
#[derive(Debug, Default, Clone)]
pub struct MemoryLoader {
    /// The files by path.
    pub files: indexmap::IndexMap<PathBuf, String>,
}

impl MemoryLoader {
    /// A loader with no files.
    pub fn new() -> MemoryLoader {
        MemoryLoader::default()
    }

    /// Adds a file (builder style).
    pub fn with(mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> MemoryLoader {
        self.files.insert(path.into(), text.into());
        self
    }
}

impl Loader for MemoryLoader {
    fn canonicalize(&self, path: &Path) -> Result<PathBuf, LoadError> {
        let normal = normalize(path);
        if self.files.contains_key(&normal) {
            Ok(normal)
        } else {
            Err(LoadError::NotFound)
        }
    }

    fn load(&self, path: &Path) -> Result<String, LoadError> {
        self.files
            .get(&normalize(path))
            .cloned()
            .ok_or(LoadError::NotFound)
    }

    fn list_sources(&self, dir: &Path) -> Vec<String> {
        let dir = normalize(dir);
        let mut names: Vec<String> = self
            .files
            .keys()
            .filter(|p| p.parent() == Some(dir.as_path()))
            .filter_map(|p| p.file_name()?.to_str().map(str::to_string))
            .filter(|n| n.ends_with(".envdef"))
            .collect();
        names.sort();
        names
    }
}

/// In-memory buffers laid over another loader (the file system): an editor's unsaved
/// buffers, or `envdef check -`'s stdin under `--stdin-filename`. A path with a buffer
/// reads the buffer, whether or not a file exists there; every other path reads through.
/// Imports of a buffer resolve relative to its path, like those of the file it stands for.
#[derive(Debug, Clone)]
pub struct OverlayLoader<L> {
    base: L,
    buffers: std::collections::HashMap<PathBuf, String>,
}

impl<L: Loader> OverlayLoader<L> {
    /// Reads from `base` except for the paths inserted into the overlay.
    pub fn new(base: L) -> OverlayLoader<L> {
        OverlayLoader {
            base,
            buffers: std::collections::HashMap::new(),
        }
    }

    /// Lays `text` over `path` (replacing an earlier buffer there).
    pub fn insert(&mut self, path: &Path, text: String) {
        let key = self.key(path);
        self.buffers.insert(key, text);
    }

    /// Removes the buffer over `path`; the file on disk shows again.
    pub fn remove(&mut self, path: &Path) {
        let key = self.key(path);
        self.buffers.remove(&key);
    }

    /// The identity of `path`: the base loader's canonical path when the file exists;
    /// for a buffer with no file yet (a new, unsaved file), its canonical directory joined
    /// with its name, else the path normalised lexically.
    fn key(&self, path: &Path) -> PathBuf {
        if let Ok(canonical) = self.base.canonicalize(path) {
            return canonical;
        }
        let absolute = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir().map_or_else(|_| path.to_path_buf(), |cwd| cwd.join(path))
        };
        let normal = normalize(&absolute);
        match (normal.parent(), normal.file_name()) {
            (Some(dir), Some(name)) => match self.base.canonicalize(dir) {
                Ok(dir) => dir.join(name),
                Err(_) => normal,
            },
            _ => normal,
        }
    }
}

impl<L: Loader> Loader for OverlayLoader<L> {
    fn canonicalize(&self, path: &Path) -> Result<PathBuf, LoadError> {
        let key = self.key(path);
        if self.buffers.contains_key(&key) {
            Ok(key)
        } else {
            self.base.canonicalize(path)
        }
    }

    fn load(&self, path: &Path) -> Result<String, LoadError> {
        match self.buffers.get(&self.key(path)) {
            Some(text) => Ok(text.clone()),
            None => self.base.load(path),
        }
    }

    fn load_import(&self, path: &Path) -> Result<String, LoadError> {
        match self.buffers.get(&self.key(path)) {
            Some(text) => Ok(text.clone()),
            None => self.base.load_import(path),
        }
    }

    fn load_import_within(&self, root: &Path, canonical: &Path) -> Result<String, LoadError> {
        match self.buffers.get(&self.key(canonical)) {
            Some(text) => Ok(text.clone()),
            None => self.base.load_import_within(root, canonical),
        }
    }

    fn list_sources(&self, dir: &Path) -> Vec<String> {
        let mut names = self.base.list_sources(dir);
        let dir = self.key(dir);
        for path in self.buffers.keys() {
            if path.parent() == Some(dir.as_path()) {
                if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
                    if name.ends_with(".envdef") && !names.iter().any(|n| n == name) {
                        names.push(name.to_string());
                    }
                }
            }
        }
        names.sort();
        names
    }
}

/// Lexical normalisation (`a/./b/../c` → `a/c`) for in-memory paths.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_confined_read_never_follows_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir_all(root.join("lib")).unwrap();
        std::fs::create_dir_all(root.join("elsewhere")).unwrap();
        std::fs::write(root.join("lib/a.envdef"), "var A: int = 1\n").unwrap();
        std::fs::write(root.join("elsewhere/a.envdef"), "secret\n").unwrap();
        let path = root.join("lib/a.envdef");
        assert_eq!(
            read_confined(&root, &path, 100).unwrap(),
            b"var A: int = 1\n"
        );
        // The directory swapped for a link after the check: refused.
        std::fs::rename(root.join("lib"), root.join("lib.real")).unwrap();
        std::os::unix::fs::symlink("elsewhere", root.join("lib")).unwrap();
        assert!(matches!(
            read_confined(&root, &path, 100),
            Err(LoadError::Io(_))
        ));
        // The file itself swapped for a link: refused too.
        std::fs::remove_file(root.join("lib")).unwrap();
        std::fs::rename(root.join("lib.real"), root.join("lib")).unwrap();
        std::fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink("../elsewhere/a.envdef", &path).unwrap();
        assert!(matches!(
            read_confined(&root, &path, 100),
            Err(LoadError::Io(_))
        ));
        // Limits and kinds, as the file system loader has them.
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, "x".repeat(200)).unwrap();
        assert!(matches!(
            read_confined(&root, &path, 100),
            Err(LoadError::TooLarge { .. })
        ));
        assert!(matches!(
            read_confined(&root, &root.join("lib"), 100),
            Err(LoadError::IsDirectory)
        ));
        assert!(matches!(
            read_confined(&root, Path::new("/etc/passwd"), 100),
            Err(LoadError::OutsideProject { .. })
        ));
    }

    #[test]
    fn line_col_is_one_based_and_counts_chars() {
        let f = SourceFile::new("x".into(), "x".into(), "ab\nçd\n".into());
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(3), LineCol { line: 2, column: 1 });
        // 'ç' is two bytes; 'd' is the 2nd char on line 2.
        assert_eq!(f.line_col(5), LineCol { line: 2, column: 2 });
        assert_eq!(f.line_col(100), LineCol { line: 3, column: 1 });
    }

    #[test]
    fn bom_is_dropped_and_bad_utf8_reports_offset() {
        assert_eq!(
            decode_source(b"\xEF\xBB\xBFproject x".to_vec()).unwrap(),
            "project x"
        );
        match decode_source(b"ab\xFFc".to_vec()) {
            Err(LoadError::NotUtf8 { offset }) => assert_eq!(offset, 2),
            other => panic!("{other:?}"),
        }
    }
}
