//! `sops://FILE#KEY`: one value of a sops-encrypted file (YAML, JSON, dotenv, INI), decrypted
//! by the real `sops` binary with whatever keys it finds (age: `SOPS_AGE_KEY_FILE`,
//! `SOPS_AGE_KEY`; PGP, cloud KMS). Dots in KEY separate nested keys: `#db.password`.
//!
//! Only the one value crosses into envdef (`sops decrypt --extract`), never the whole file.
//! The binary is `$ENVDEF_SOPS` if set, else `sops` on `PATH`.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::file::io_reason;
use super::{Context, Provider, ProviderError, SecretValue};
use crate::secret_ref::{Location, Scheme};

/// sops may wait on a KMS or a PGP agent; a run should fail, not hang.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Resolves `sops://FILE#KEY` through the `sops` binary.
pub struct SopsProvider;

impl Provider for SopsProvider {
    fn scheme(&self) -> Scheme {
        Scheme::Sops
    }

    fn fetch(&self, location: &Location, context: &Context) -> Result<SecretValue, ProviderError> {
        let Location::Sops { file, key } = location else {
            return Err(ProviderError::new("not a `sops://` reference"));
        };
        let key = key.as_str();
        let path = context.path(file);
        if !path.is_file() {
            return Err(ProviderError::new(format!(
                "cannot read `{}`: no such file",
                path.display()
            )));
        }
        let extract = sops_extract(key);
        let binary = context.var("ENVDEF_SOPS").unwrap_or("sops").to_string();
        let mut child = Command::new(&binary)
            .args(["decrypt", "--extract", &extract])
            .arg(&path)
            .env_clear()
            .envs(&context.vars)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                ProviderError::new(format!("cannot start `{binary}`: {}", io_reason(&e))).help(
                    "install sops (https://getsops.io) or set ENVDEF_SOPS to the binary's path",
                )
            })?;
        let mut stdout = child.stdout.take().expect("piped");
        let mut stderr = child.stderr.take().expect("piped");
        let out_reader = std::thread::spawn(move || {
            let mut buf = Zeroizing::new(Vec::new());
            let _ = stdout.read_to_end(&mut buf);
            buf
        });
        let err_reader = std::thread::spawn(move || {
            let mut buf = String::new();
            let _ = stderr.read_to_string(&mut buf);
            buf
        });
        let started = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if started.elapsed() > TIMEOUT => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(ProviderError::new(format!(
                        "`sops` did not finish within {}s",
                        TIMEOUT.as_secs()
                    )));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(10)),
                Err(e) => {
                    return Err(ProviderError::new(format!(
                        "waiting for `sops` failed: {}",
                        io_reason(&e)
                    )))
                }
            }
        };
        let stdout = out_reader.join().unwrap_or_default();
        let stderr = err_reader.join().unwrap_or_default();
        if !status.success() {
            return Err(failure(&stderr, key, &path.display().to_string()));
        }
        let text = std::str::from_utf8(&stdout)
            .map_err(|_| ProviderError::new(format!("the value of `{key}` is not UTF-8 text")))?;
        Ok(SecretValue::new(text.to_string()))
    }
}

/// sops's stderr → one sentence. Its messages hold key names and key-group diagnostics,
/// never decrypted values.
fn failure(stderr: &str, key: &str, file: &str) -> ProviderError {
    if stderr.contains("not found") && stderr.contains("component") {
        return ProviderError::new(format!("`{file}` has no key `{key}`"))
            .help("dots in KEY separate nested keys (`#db.password`)");
    }
    if stderr.contains("Failed to get the data key") {
        return ProviderError::new(format!("sops found no key that decrypts `{file}`")).help(
            "for age, set SOPS_AGE_KEY_FILE to the identity file (or SOPS_AGE_KEY to the identity)",
        );
    }
    let first = stderr
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("[warning]"))
        .unwrap_or("no message");
    ProviderError::new(format!("`sops decrypt` failed on `{file}`: {first}"))
}

/// A `.`-separated KEY as sops's `--extract` path: `["db"]["password"]`. Each part stands
/// raw between the quotes: sops splits the path at every `[`, then strips each part's
/// closing `]` and its first and last character, with no escapes (`["a\"b"]` would look
/// up the key `a\"b`), so a part may hold quotes, backslashes and `]` but not `[`, which
/// the reference syntax refuses (tested against sops 3.11 in `tests/readers_apps.rs`).
pub(crate) fn sops_extract(key: &str) -> String {
    key.split('.').map(|part| format!("[\"{part}\"]")).collect()
}
