//! Directory handles: every file and directory below the output root is reached through
//! its parent's descriptor (`openat`, `mkdirat`, `renameat`, `unlinkat`) with `O_NOFOLLOW`,
//! never by a path string.
//!
//! Why: a path is resolved again at every call, so checking it first and using it after
//! is a race (issue 12, case 10: swapping an output directory for a symlink mid-compile
//! wrote files outside the root). A descriptor is resolved once; a directory replaced by a
//! symlink after that is simply not the directory we hold, and opening a symlink with
//! `O_NOFOLLOW` fails (`ELOOP`), which we report as a refusal. So nothing below the root
//! is ever read, written or deleted through a symlink, whenever it appears.

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Component, Path, PathBuf};

use rustix::fs::{AtFlags, FileType, FlockOperation, Mode, OFlags};

/// An open directory (as the user sees its path, for messages).
#[derive(Debug)]
pub(crate) struct Dir {
    fd: OwnedFd,
}

/// What sits at a name inside a directory, without following a symlink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    File,
    Dir,
    Symlink,
    /// A FIFO, socket or device.
    Other,
}

/// The identity and shape of a directory entry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    pub kind: Kind,
    pub size: u64,
    /// (device, inode): the same file under any name (hard links included).
    pub id: (u64, u64),
    pub mode: u32,
}

/// Why opening a name failed in a way the workflow reports specially.
#[derive(Debug)]
pub(crate) enum OpenError {
    /// The name is a symlink; it is never followed.
    Symlink,
    /// The name is a file (or FIFO, …) where a directory is needed.
    NotADirectory,
    Io(io::Error),
}

/// Mode of every new artifact before the umask: `rw-r--r--`.
pub(crate) const FILE_MODE: u32 = 0o644;

// st_mode/st_size/st_dev/st_ino have different integer types across Unix platforms.
#[allow(clippy::unnecessary_cast)]
fn entry_of(stat: &rustix::fs::Stat) -> Entry {
    let kind = match FileType::from_raw_mode(stat.st_mode as _) {
        FileType::RegularFile => Kind::File,
        FileType::Directory => Kind::Dir,
        FileType::Symlink => Kind::Symlink,
        _ => Kind::Other,
    };
    Entry {
        kind,
        size: stat.st_size as u64,
        id: (stat.st_dev as u64, stat.st_ino as u64),
        mode: stat.st_mode as u32,
    }
}

impl Dir {
    /// Opens a directory by path, following symlinks in `path` itself: the root is what
    /// the user named (callers have already decided it may be used).
    pub(crate) fn open_path(path: &Path) -> io::Result<Dir> {
        let path = if path.as_os_str().is_empty() {
            Path::new(".")
        } else {
            path
        };
        let fd = rustix::fs::open(
            path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Dir { fd })
    }

    /// What `name` is, without following a symlink; `None` when nothing is there.
    pub(crate) fn entry(&self, name: &OsStr) -> io::Result<Option<Entry>> {
        match rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) => Ok(Some(entry_of(&stat))),
            Err(rustix::io::Errno::NOENT) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// Opens the subdirectory `name`, refusing a symlink; `Ok(None)` when it is missing.
    pub(crate) fn child(&self, name: &OsStr) -> Result<Option<Dir>, OpenError> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        match rustix::fs::openat(&self.fd, name, flags, Mode::empty()) {
            Ok(fd) => Ok(Some(Dir { fd })),
            Err(rustix::io::Errno::NOENT) => Ok(None),
            Err(rustix::io::Errno::LOOP) => Err(OpenError::Symlink),
            Err(rustix::io::Errno::NOTDIR) => {
                // O_NOFOLLOW|O_DIRECTORY on a symlink is ELOOP on Linux but ENOTDIR on
                // some systems: ask what it is.
                match self.entry(name) {
                    Ok(Some(e)) if e.kind == Kind::Symlink => Err(OpenError::Symlink),
                    _ => Err(OpenError::NotADirectory),
                }
            }
            Err(err) => Err(OpenError::Io(err.into())),
        }
    }

    /// Opens the subdirectory `name`, creating it (mode 0777 under the umask) when missing.
    /// Returns whether this call created it. A directory another process created in the
    /// meantime is fine (two compiles into one fresh root both succeed).
    pub(crate) fn child_or_create(&self, name: &OsStr) -> Result<(Dir, bool), OpenError> {
        if let Some(dir) = self.child(name)? {
            return Ok((dir, false));
        }
        let created = match rustix::fs::mkdirat(&self.fd, name, Mode::from_raw_mode(0o777)) {
            Ok(()) => true,
            Err(rustix::io::Errno::EXIST) => false,
            Err(err) => return Err(OpenError::Io(err.into())),
        };
        match self.child(name)? {
            Some(dir) => Ok((dir, created)),
            None => Err(OpenError::Io(io::Error::from(io::ErrorKind::NotFound))),
        }
    }

    /// Walks `rel` (plain names only) from this directory, never following a symlink.
    /// `Ok(None)` when some directory on the way does not exist.
    pub(crate) fn walk(&self, rel: &Path) -> Result<Option<Dir>, (PathBuf, OpenError)> {
        let mut at = PathBuf::new();
        let mut current: Option<Dir> = None;
        for part in rel.components() {
            let Component::Normal(name) = part else {
                continue;
            };
            at.push(name);
            let parent = current.as_ref().unwrap_or(self);
            match parent.child(name) {
                Ok(Some(dir)) => current = Some(dir),
                Ok(None) => return Ok(None),
                Err(err) => return Err((at, err)),
            }
        }
        match current {
            Some(dir) => Ok(Some(dir)),
            None => self
                .try_clone()
                .map(Some)
                .map_err(|e| (at, OpenError::Io(e))),
        }
    }

    fn try_clone(&self) -> io::Result<Dir> {
        Ok(Dir {
            fd: self.fd.try_clone()?,
        })
    }

    /// Reads the regular file `name` (never through a symlink, never a FIFO or device) up
    /// to `limit` bytes. Returns the bytes and the file's full size.
    pub(crate) fn read(&self, name: &OsStr, limit: u64) -> Result<(Vec<u8>, Entry), OpenError> {
        // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        let fd = match rustix::fs::openat(&self.fd, name, flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(rustix::io::Errno::LOOP) => return Err(OpenError::Symlink),
            Err(err) => return Err(OpenError::Io(err.into())),
        };
        let entry = entry_of(&rustix::fs::fstat(&fd).map_err(|e| OpenError::Io(e.into()))?);
        if entry.kind != Kind::File {
            return Err(OpenError::NotADirectory);
        }
        let mut bytes = Vec::with_capacity(entry.size.min(limit) as usize);
        let file = std::fs::File::from(fd);
        std::io::Read::read_to_end(&mut std::io::Read::take(file, limit), &mut bytes)
            .map_err(OpenError::Io)?;
        Ok((bytes, entry))
    }

    /// Creates the new file `name` (`O_EXCL`: never an existing file or a symlink) with
    /// [`FILE_MODE`] under the umask, writes `contents` and returns it open.
    pub(crate) fn create_new(&self, name: &OsStr, contents: &[u8]) -> io::Result<std::fs::File> {
        use std::io::Write;
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(&self.fd, name, flags, Mode::from_raw_mode(FILE_MODE as _))?;
        let mut file = std::fs::File::from(fd);
        if let Err(err) = file.write_all(contents).and_then(|()| file.flush()) {
            let _ = self.remove_file(name);
            return Err(err);
        }
        Ok(file)
    }

    /// Narrows `file`'s mode to what it has in common with `mode` (never adds a bit).
    pub(crate) fn restrict_mode(file: &std::fs::File, mode: u32) -> io::Result<()> {
        let now = entry_of(&rustix::fs::fstat(file.as_fd())?).mode & 0o777;
        let narrowed = now & mode & 0o777;
        if narrowed != now {
            rustix::fs::fchmod(file.as_fd(), Mode::from_raw_mode(narrowed as _))?;
        }
        Ok(())
    }

    /// Renames `from` over `to`, both in this directory (atomic).
    pub(crate) fn rename(&self, from: &OsStr, to: &OsStr) -> io::Result<()> {
        Ok(rustix::fs::renameat(&self.fd, from, &self.fd, to)?)
    }

    /// Removes the file (or symlink) `name`; a missing one is fine.
    pub(crate) fn remove_file(&self, name: &OsStr) -> io::Result<()> {
        match rustix::fs::unlinkat(&self.fd, name, AtFlags::empty()) {
            Ok(()) | Err(rustix::io::Errno::NOENT) => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    /// Removes the subdirectory `name` if it is empty; reports whether it did.
    pub(crate) fn remove_empty_dir(&self, name: &OsStr) -> bool {
        rustix::fs::unlinkat(&self.fd, name, AtFlags::REMOVEDIR).is_ok()
    }

    /// Takes an advisory lock on this directory, waiting for a holder to finish.
    pub(crate) fn lock(&self, exclusive: bool) -> io::Result<()> {
        let op = if exclusive {
            FlockOperation::LockExclusive
        } else {
            FlockOperation::LockShared
        };
        Ok(rustix::fs::flock(&self.fd, op)?)
    }
}

/// The last component of a relative artifact path.
pub(crate) fn file_name(rel: &Path) -> OsString {
    rel.file_name().map(OsStr::to_os_string).unwrap_or_default()
}

/// ENOTDIR: some ancestor of the path is a file. (Here, below `plan` and `output`, which
/// both ask.)
pub(crate) fn is_not_a_directory(err: &std::io::Error) -> bool {
    cfg!(unix) && err.raw_os_error() == Some(20)
}
