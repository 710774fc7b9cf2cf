//! The real components of the developer-loop tests: an OpenBao dev server (a real Vault KV
//! v2 API, in memory) on a free port, an age identity and the real `sops`, all installed by
//! `scripts/install-readers.sh` into `.readers/venv`. Missing tools FAIL the tests with the
//! command to run, unless `ENVDEF_SKIP_READERS=1` (then they say loudly that they skip).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn venv_bin(name: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".readers/venv/bin")
        .join(name);
    if path.is_file() {
        return Some(path);
    }
    if std::env::var("ENVDEF_SKIP_READERS").as_deref() == Ok("1") {
        eprintln!("SKIPPING: `{name}` is not installed in .readers/venv and ENVDEF_SKIP_READERS=1");
        return None;
    }
    panic!(
        "`{name}` is not installed in .readers/venv: run `scripts/install-readers.sh` first \
         (or set ENVDEF_SKIP_READERS=1 to skip these tests)"
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind a local port")
        .local_addr()
        .unwrap()
        .port()
}

fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// An OpenBao dev server; stopped when dropped.
pub struct Bao {
    child: Child,
    bin: PathBuf,
    pub addr: String,
    pub token: String,
    /// The server's HOME (the dev server writes a token helper file there).
    home: tempfile::TempDir,
}

impl Bao {
    /// Starts a server on a free port and waits until it answers. Panics (loudly) if it
    /// cannot start within 30 s.
    pub fn start() -> Option<Bao> {
        let bin = venv_bin("bao")?;
        let home = tempfile::tempdir().unwrap();
        let port = free_port();
        let addr = format!("http://127.0.0.1:{port}");
        let token = "envdef-test-root".to_string();
        let child = Command::new(&bin)
            .args([
                "server",
                "-dev",
                &format!("-dev-root-token-id={token}"),
                &format!("-dev-listen-address=127.0.0.1:{port}"),
            ])
            .env("HOME", home.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `{} server -dev`: {e}", bin.display()));
        let bao = Bao {
            child,
            bin,
            addr,
            token,
            home,
        };
        let started = Instant::now();
        loop {
            let status = bao.cli(&["status"]).output().expect("bao status runs");
            if status.status.success() {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the OpenBao dev server did not come up on {} within 30 s:\n{}",
                bao.addr,
                String::from_utf8_lossy(&status.stderr)
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(bao)
    }

    fn cli(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.args(args)
            .env("BAO_ADDR", &self.addr)
            .env("BAO_TOKEN", &self.token)
            .env("HOME", self.home.path());
        cmd
    }

    /// Mounts a KV version 2 engine at `mount` (the dev server has only `secret/`).
    pub fn enable_kv2(&self, mount: &str) {
        let path = format!("-path={mount}");
        run_ok(&mut self.cli(&["secrets", "enable", &path, "-version=2", "kv"]));
    }

    /// `bao kv put -mount=MOUNT PATH k=v…` (the dev server mounts KV v2 at `secret/`).
    pub fn put(&self, mount: &str, path: &str, pairs: &[(&str, &str)]) {
        let mut args = vec![
            "kv".to_string(),
            "put".to_string(),
            format!("-mount={mount}"),
            path.to_string(),
        ];
        args.extend(pairs.iter().map(|(k, v)| format!("{k}={v}")));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_ok(&mut self.cli(&args));
    }
}

impl Drop for Bao {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An age identity and the real `sops`.
pub struct Sops {
    pub bin: PathBuf,
    /// The identity file (`SOPS_AGE_KEY_FILE`).
    pub key_file: PathBuf,
    recipient: String,
}

impl Sops {
    /// Generates an age identity (pyrage) into `dir`.
    pub fn new(dir: &Path) -> Option<Sops> {
        let bin = venv_bin("sops")?;
        let python = venv_bin("python")?;
        let key_file = dir.join("age-key.txt");
        let out = run_ok(Command::new(python).arg("-c").arg(format!(
            "import pyrage\n\
             i = pyrage.x25519.Identity.generate()\n\
             open({:?}, 'w').write('# public key: %s\\n%s\\n' % (i.to_public(), i))\n\
             print(i.to_public())",
            key_file.display().to_string()
        )));
        let recipient = String::from_utf8(out.stdout).unwrap().trim().to_string();
        assert!(recipient.starts_with("age1"), "{recipient}");
        Some(Sops {
            bin,
            key_file,
            recipient,
        })
    }

    /// Encrypts `plain` (YAML) into `dest`; the plaintext never touches the disk.
    pub fn encrypt_yaml(&self, plain: &str, dest: &Path) {
        let mut child = Command::new(&self.bin)
            .args([
                "encrypt",
                "--age",
                &self.recipient,
                "--input-type",
                "yaml",
                "--output-type",
                "yaml",
                "/dev/stdin",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sops runs");
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(plain.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "sops encrypt failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::write(dest, out.stdout).unwrap();
    }
}

/// Every file under `dir` with its bytes: compared before and after a run, it shows that
/// nothing was written, changed or deleted.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                out.insert(path.strip_prefix(dir).unwrap().to_path_buf(), bytes);
            }
        }
    }
    out
}

/// Fails when any of `secrets` occurs in `text`.
pub fn assert_no_secret(what: &str, text: &[u8], secrets: &[&str]) {
    let text = String::from_utf8_lossy(text);
    for secret in secrets {
        assert!(
            !text.contains(secret),
            "a secret value appears in {what}:\n{text}"
        );
    }
}
