//! `envdef fmt [FILE]... [--check]`: rewrite sources in the canonical layout.

use std::path::Path;

/// Writes `contents` to `path` atomically: a temp file in the same directory, renamed over
/// the target, so a reader (or a crash) never sees half a file.
pub fn write_atomic(path: &Path, contents: &str) -> Result<(), String> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let fail = |e: std::io::Error| format!("cannot write `{}`: {e}", path.display());
    let mut temp = tempfile::Builder::new()
        .prefix(".envdef-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(fail)?;
    temp.write_all(contents.as_bytes()).map_err(fail)?;
    // Keep the permissions of the file being replaced.
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(temp.path(), meta.permissions());
    }
    temp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}
