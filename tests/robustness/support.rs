//! Shared by the robustness tests: run the real `envdef` binary with a deadline and a
//! memory cap, so a hang or a runaway allocation fails the test instead of the machine.

#![allow(dead_code)]

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What one run of the binary produced. `code` is `None` when a signal killed it (a stack
/// overflow aborts with SIGABRT, a memory cap with SIGKILL or SIGABRT).
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    /// Panics with both streams unless the exit code is `code`.
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code,
            Some(code),
            "exit code (None = killed by a signal)\n--- stdout\n{}\n--- stderr\n{}",
            truncate(&self.stdout),
            truncate(&self.stderr)
        );
        self.assert_no_crash();
        self
    }

    /// No panic message, no stack-overflow abort.
    pub fn assert_no_crash(&self) {
        for bad in [
            "panicked",
            "overflowed its stack",
            "fatal runtime error",
            "RUST_BACKTRACE",
        ] {
            assert!(
                !self.stderr.contains(bad),
                "envdef crashed ({bad}):\n{}",
                truncate(&self.stderr)
            );
        }
    }

    /// Asserts that stderr (human) or stdout (JSON) names the diagnostic code.
    pub fn expect_diagnostic(&self, code: &str) -> &Run {
        assert!(
            self.stderr.contains(code) || self.stdout.contains(code),
            "expected diagnostic {code}\n--- stdout\n{}\n--- stderr\n{}",
            truncate(&self.stdout),
            truncate(&self.stderr)
        );
        self
    }

    pub fn stderr_contains(&self, needle: &str) -> &Run {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            truncate(&self.stderr)
        );
        self
    }

    pub fn stdout_contains(&self, needle: &str) -> &Run {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}:\n{}",
            truncate(&self.stdout)
        );
        self
    }

    pub fn within(&self, limit: Duration) -> &Run {
        assert!(
            self.elapsed <= limit,
            "took {:?}, more than {limit:?}",
            self.elapsed
        );
        self
    }
}

/// Long outputs (a 100k-bracket line echoed back) are cut so a failure stays readable.
pub fn truncate(s: &str) -> String {
    const MAX: usize = 4000;
    if s.len() <= MAX {
        return s.to_string();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\n… ({} more bytes)", &s[..end], s.len() - end)
}

/// The deadline every run gets unless it asks for another one. Generous because debug
/// builds are slow and the test machine has two shared cores; the point is to catch hangs.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(60);

/// Address-space cap (KiB) for runs that could allocate without bound.
pub const MEMORY_CAP_KIB: u64 = 2 * 1024 * 1024;

/// How to run the binary.
#[derive(Debug, Clone)]
pub struct Opts {
    pub deadline: Duration,
    /// `ulimit -v` in KiB.
    pub memory_cap_kib: Option<u64>,
    /// `ulimit -f` in 512-byte blocks (SIGXFSZ ignored, so writes fail with EFBIG the way
    /// they fail with ENOSPC on a full disk, instead of killing the process).
    pub file_size_blocks: Option<u64>,
    /// Run as an unprivileged user (uid/gid 65534) through `setpriv`: root ignores file
    /// permissions, so permission tests need this when the suite runs as root.
    pub unprivileged: bool,
}

impl Default for Opts {
    fn default() -> Opts {
        Opts {
            deadline: DEFAULT_DEADLINE,
            memory_cap_kib: Some(MEMORY_CAP_KIB),
            file_size_blocks: None,
            unprivileged: false,
        }
    }
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_envdef")
}

/// Runs `envdef ARGS` in `dir` with the default options.
pub fn envdef(dir: &Path, args: &[&str]) -> Run {
    envdef_with(dir, args, &Opts::default())
}

/// Runs `envdef ARGS` in `dir` under a `sh -c` wrapper that applies the limits in `opts`.
pub fn envdef_with(dir: &Path, args: &[&str], opts: &Opts) -> Run {
    let mut script = String::new();
    if let Some(kib) = opts.memory_cap_kib {
        script.push_str(&format!("ulimit -v {kib} || exit 97; "));
    }
    if let Some(blocks) = opts.file_size_blocks {
        script.push_str(&format!("trap '' XFSZ; ulimit -f {blocks} || exit 97; "));
    }
    if opts.unprivileged {
        script.push_str("exec setpriv --reuid=65534 --regid=65534 --clear-groups \"$@\"");
    } else {
        script.push_str("exec \"$@\"");
    }
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(script).arg("sh").arg(bin()).args(args);
    run_command(cmd, dir, opts.deadline)
}

/// Runs a prepared command in `dir` with a deadline; a run past it is killed and fails
/// the test as a hang.
pub fn run_command(cmd: Command, dir: &Path, deadline: Duration) -> Run {
    run_command_stdin(cmd, dir, deadline, Stdio::null())
}

/// [`run_command`] with the given stdin (e.g. `Stdio::piped()`: a pipe that stays open and
/// silent, like an editor's or a terminal's).
pub fn run_command_stdin(mut cmd: Command, dir: &Path, deadline: Duration, stdin: Stdio) -> Run {
    let start = Instant::now();
    let mut child = cmd
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "80")
        .env_remove("RUST_BACKTRACE")
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh and the envdef binary run");
    // Drain both pipes on threads so a chatty child cannot block on a full pipe.
    let mut out_pipe = child.stdout.take().expect("piped stdout");
    let mut err_pipe = child.stderr.take().expect("piped stderr");
    let out_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out_pipe.read_to_end(&mut buf);
        buf
    });
    let err_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err_pipe.read_to_end(&mut buf);
        buf
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for envdef") {
            break status;
        }
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("envdef hung: still running after {deadline:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = start.elapsed();
    let stdout = out_thread.join().unwrap_or_default();
    let stderr = err_thread.join().unwrap_or_default();
    assert_ne!(
        status.code(),
        Some(97),
        "the sh wrapper could not set a ulimit"
    );
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        elapsed,
    }
}

/// A temp directory that the unprivileged user can enter (tempdir() makes it 0700).
pub fn temp() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod temp dir");
    }
    dir
}

/// A temp directory holding one file `name` with `contents`.
pub fn with_file(name: &str, contents: impl AsRef<[u8]>) -> tempfile::TempDir {
    let dir = temp();
    write(dir.path(), name, contents);
    dir
}

/// Writes `dir/rel`, creating parent directories.
pub fn write(dir: &Path, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create parent");
    }
    std::fs::write(&path, contents).expect("write fixture");
    path
}

/// `envdef check FILE` on a single in-memory source.
pub fn check_source(source: impl AsRef<[u8]>) -> Run {
    let dir = with_file("main.envdef", source);
    envdef(dir.path(), &["check", "main.envdef"])
}

/// Same, with `--format json`.
pub fn check_source_json(source: impl AsRef<[u8]>) -> Run {
    let dir = with_file("main.envdef", source);
    envdef(dir.path(), &["check", "--format", "json", "main.envdef"])
}

/// Every file under `dir` (relative, sorted): stray temp files show up.
pub fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() && !path.is_symlink() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

/// Every regular file under `dir` with its contents.
pub fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    files(dir)
        .into_iter()
        .map(|rel| {
            let bytes = std::fs::read(dir.join(&rel)).unwrap_or_default();
            (rel, bytes)
        })
        .collect()
}

/// Whether this process runs as root (uid 0), read from /proc so no libc is needed.
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// Whether `setpriv` can drop to an unprivileged user here.
pub fn can_drop_privileges() -> bool {
    is_root()
        && Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "true"])
            .status()
            .is_ok_and(|s| s.success())
}

/// The options for a run that must feel file permissions: unprivileged when we are root.
/// `None` when we are root and cannot drop privileges (the test then says it is skipped).
pub fn permission_opts() -> Option<Opts> {
    if !is_root() {
        return Some(Opts::default());
    }
    if can_drop_privileges() {
        return Some(Opts {
            unprivileged: true,
            ..Opts::default()
        });
    }
    None
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Compares `actual` with the golden `tests/robustness/golden/<name>` (temp paths are
/// not in it: runs use relative file names); `ENVDEF_BLESS=1` rewrites it.
pub fn golden(name: &str, actual: &str) {
    let path = repo().join("tests/robustness/golden").join(name);
    if std::env::var_os("ENVDEF_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "no golden {} (run with ENVDEF_BLESS=1 to create it)",
            path.display()
        )
    });
    assert_eq!(
        actual,
        expected,
        "{} differs (ENVDEF_BLESS=1 to update)",
        path.display()
    );
}
