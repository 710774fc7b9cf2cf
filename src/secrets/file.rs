//! `file://PATH`: the whole content of a file (a mounted Docker or Kubernetes secret, a
//! developer's local key file). One trailing newline is removed, as editors add one and
//! `echo … > file` writes one, and no secret ends in a newline on purpose.

use super::provider::{Context, Provider, ProviderError, SecretValue};
use crate::secret_ref::{Location, Scheme};

/// Larger files are not secrets but mistakes (a log, a binary); refuse rather than read.
const MAX_BYTES: u64 = 1 << 20;

/// Resolves `file://PATH` by reading the file (at most 1 MiB).
pub struct FileProvider;

impl Provider for FileProvider {
    fn scheme(&self) -> Scheme {
        Scheme::File
    }

    fn fetch(&self, location: &Location, context: &Context) -> Result<SecretValue, ProviderError> {
        let Location::File { path } = location else {
            return Err(ProviderError::new("not a `file://` reference"));
        };
        let path = context.path(path);
        let shown = path.display();
        let size = std::fs::metadata(&path)
            .map_err(|e| ProviderError::new(format!("cannot read `{shown}`: {}", io_reason(&e))))?
            .len();
        if size > MAX_BYTES {
            return Err(ProviderError::new(format!(
                "`{shown}` holds {size} bytes; a secret file holds at most {MAX_BYTES}"
            )));
        }
        let bytes = std::fs::read(&path)
            .map_err(|e| ProviderError::new(format!("cannot read `{shown}`: {}", io_reason(&e))))?;
        let mut text = String::from_utf8(bytes)
            .map_err(|_| ProviderError::new(format!("`{shown}` is not UTF-8 text")))?;
        if text.ends_with('\n') {
            text.pop();
            if text.ends_with('\r') {
                text.pop();
            }
        }
        Ok(SecretValue::new(text))
    }
}

/// The error without Rust's `(os error 2)` suffix.
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let text = e.to_string();
            match text.find(" (os error") {
                Some(at) => text[..at].to_string(),
                None => text,
            }
        }
    }
}
