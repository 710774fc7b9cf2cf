//! The `dotenv` target, and .env quoting: one encoding per value that python-dotenv, Node dotenv, dotenvy, docker
//! compose `env_file` and POSIX `set -a; . ./file` all read back byte-identically, or a
//! reason why none exists (see `docs/targets.md` and `/work/shared/READERS.md`).
//!
//! The three encodings, tried in order:
//! 1. bare `KEY=value` — only `[A-Za-z0-9_./:@%+,=-]` (nothing any reader or sh interprets);
//! 2. single quotes `KEY='value'` — literal in sh, Node, dotenvy and compose; python-dotenv
//!    only decodes `\\` and `\'` there, and compose ends the value at `\'`, so the value
//!    must hold no `'`, no `\\` and not end in `\`;
//! 3. double quotes `KEY="value"` — for values with `'`: every reader disagrees about
//!    escapes and `$`, so the value must hold no `"`, `\`, `$` or backtick.
//!
//! Rejected everywhere: NUL (no environment can hold it), CR (Node turns it into LF),
//! and `${…}` (python-dotenv expands it in every quoting style; a `${` with no closing `}`
//! is literal to it).

use std::borrow::Cow;
use std::fmt::Write;

use super::render::{services_of, text_error, value_error, Prepared};
use super::{text, Job};
use crate::diagnostics::{Code, Diagnostic};
use std::collections::HashMap;

use crate::model::{Env, Model, Resolved, VarDef, VarId};

/// Why a value cannot be written portably (completes "the value ...").
pub(crate) type Unportable = &'static str;

/// The value as it appears after `KEY=`.
pub(crate) fn quote(value: &str) -> Result<Cow<'_, str>, Unportable> {
    if value.bytes().all(is_bare) {
        return Ok(Cow::Borrowed(value));
    }
    if value.contains('\0') {
        return Err("contains a NUL character, which no environment variable can hold");
    }
    if value.contains('\r') {
        return Err("contains a carriage return, which Node dotenv reads as a newline");
    }
    if python_dotenv_expands(value) {
        return Err("contains `${…}`, which python-dotenv expands in every quoting style");
    }
    if !value.contains('\'') {
        if value.contains("\\\\") {
            return Err(
                "contains `\\\\`, which python-dotenv reads as one backslash inside single \
                 quotes (and double quotes cannot carry a backslash for Node dotenv)",
            );
        }
        if value.ends_with('\\') {
            return Err(
                "ends with a backslash, which docker compose reads as escaping the closing \
                 single quote (and double quotes cannot carry a backslash for Node dotenv)",
            );
        }
        let mut out = String::with_capacity(value.len() + 2);
        out.push('\'');
        out.push_str(value);
        out.push('\'');
        return Ok(Cow::Owned(out));
    }
    if let Some(c) = value.chars().find(|c| matches!(c, '"' | '\\' | '$' | '`')) {
        return Err(match c {
            '"' => "contains both `'` and `\"`, which no quoting carries for every reader",
            '\\' => "contains both `'` and a backslash, which no quoting carries for every reader",
            '$' => "contains both `'` and `$`, which no quoting carries for every reader",
            _ => "contains both `'` and a backtick, which no quoting carries for every reader",
        });
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    out.push_str(value);
    out.push('"');
    Ok(Cow::Owned(out))
}

/// Whether python-dotenv's interpolation pattern `\$\{[^}:]*(:-[^}]*)?\}` matches anywhere:
/// a `${` with a closing `}` and no `:` before it (unless the `:` starts `:-`). A `${`
/// without one is read back literally, so only this shape is refused.
pub(crate) fn python_dotenv_expands(value: &str) -> bool {
    let bytes = value.as_bytes();
    let mut from = 0;
    while let Some(found) = value[from..].find("${") {
        let start = from + found + 2;
        let rest = &bytes[start..];
        match rest.iter().position(|&b| b == b'}' || b == b':') {
            Some(i) if rest[i] == b'}' => return true,
            Some(i) if rest.get(i + 1) == Some(&b'-') && rest[i + 2..].contains(&b'}') => {
                return true
            }
            _ => {}
        }
        from = start - 1;
    }
    false
}

/// Bytes no reader interprets when unquoted (the empty value is bare too).
fn is_bare(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'_' | b'.' | b'/' | b':' | b'@' | b'%' | b'+' | b',' | b'=' | b'-'
        )
}

/// A key every reader and sh accept: `[A-Za-z_][A-Za-z0-9_]*`.
pub(crate) fn is_portable_key(key: &str) -> bool {
    let mut bytes = key.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// POSIX single quoting (`'…'\''…'`), for the `sh` helper of custom templates.
pub(crate) fn sh_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// The `KEY=value` lines of one artifact (keys were validated by `names::check`). An
/// artifact for a whole environment (a path without `{service}`) merges every covered
/// service: each key is written once, and two services giving one key different values
/// is E0413.
pub(super) fn body(
    model: &Model,
    prepared: &Prepared,
    job: &Job<'_>,
    errors: &mut Vec<Diagnostic>,
) -> String {
    let Some(env) = job.env else {
        return String::new();
    };
    let merged = job.service.is_none();
    // Per key written so far (merged files only): the variable, its line, its service.
    let mut written: HashMap<&str, (VarId, String, &str)> = HashMap::new();
    let mut out = String::new();
    let mut line = String::new();
    for service in services_of(model, job) {
        out.reserve(service.vars.len() * 48);
        for &id in &service.vars {
            let Some(res) = env.value(id) else { continue };
            let var = model.var(id);
            let key = service.key(id, var);
            line.clear();
            if !var_line(var, key, res, &service.name, env, job, &mut line, errors) {
                continue;
            }
            if merged {
                match written.get(key) {
                    Some((other, _, _)) if *other == id => continue,
                    Some((other, other_line, other_service)) => {
                        if *other_line != line {
                            errors.push(merge_conflict(
                                model,
                                (*other, other_service),
                                (id, &service.name),
                                env,
                                job,
                            ));
                        }
                        continue;
                    }
                    None => {
                        written.insert(key, (id, line.clone(), &service.name));
                    }
                }
            }
            if let Some(doc) = &prepared.doc_lines[id.index()] {
                out.push_str(doc);
            }
            out.push_str(&line);
        }
    }
    out
}

/// One variable's line (`KEY=value\n`, or the comment standing for a secret) into `line`;
/// false when nothing is written (an unset optional, or an error, which is pushed).
#[allow(clippy::too_many_arguments)]
fn var_line(
    var: &VarDef,
    key: &str,
    res: &Resolved,
    service: &str,
    env: &Env,
    job: &Job<'_>,
    line: &mut String,
    errors: &mut Vec<Diagnostic>,
) -> bool {
    if let Some(reference) = res.value.secret_reference(service) {
        let _ = writeln!(
            line,
            "# {}: secret, not written here (reference: {})",
            key,
            text::comment_text(&reference)
        );
        return true;
    }
    line.push_str(key);
    line.push('=');
    if text::push_plain_scalar(&res.value, &var.format, line) {
        line.push('\n');
        return true;
    }
    line.clear();
    let text = match text::value_text(&res.value, &var.format) {
        Ok(Some(t)) => t,
        Ok(None) => return false,
        Err(e) => {
            errors.push(text_error(e, var, env, res, job));
            return false;
        }
    };
    match quote(&text) {
        Ok(quoted) => {
            line.push_str(key);
            line.push('=');
            line.push_str(&quoted);
            line.push('\n');
            true
        }
        Err(reason) => {
            errors.push(
                value_error(
                    Code::UnportableDotenvValue,
                    format!(
                        "`{}` in environment `{}` has no .env encoding that every reader reads back the same: the value {reason}",
                        var.qualified_name(),
                        env.name
                    ),
                    var,
                    res,
                    job,
                )
                .note("checked against python-dotenv, Node dotenv, dotenvy, docker compose env_file and `set -a; . ./file` (docs/targets.md)")
                .help("change the value, or do not emit this variable to .env (a custom template can write it for one reader)"),
            );
            false
        }
    }
}

/// E0413: one file for several services, and two of them give one key different values.
fn merge_conflict(
    model: &Model,
    (first, first_service): (VarId, &str),
    (second, second_service): (VarId, &str),
    env: &Env,
    job: &Job<'_>,
) -> Diagnostic {
    let (a, b) = (model.var(first), model.var(second));
    let at = |var: &VarDef, id: VarId| env.value(id).map_or(var.span, |r| r.origin.span);
    Diagnostic::error(
        Code::MergedKeyConflict,
        format!(
            "`{}` is written once into `{}` for every service, but services `{first_service}` (`{}`) and `{second_service}` (`{}`) give it different values in environment `{}`",
            a.emit_name,
            job.path,
            a.qualified_name(),
            b.qualified_name(),
            env.name
        ),
    )
    .primary(at(b, second), format!("`{second_service}`'s value"))
    .secondary(at(a, first), format!("`{first_service}`'s value"))
    .secondary(job.emit.span, "this emit writes one file for all services")
    .help("add `{service}` to the path (one file per service), rename one variable (`env_name`), or limit the emit with `when service …`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_plainest_portable_quoting() {
        assert_eq!(quote("").unwrap(), "");
        assert_eq!(
            quote("postgres://a@b:5432/db").unwrap(),
            "postgres://a@b:5432/db"
        );
        assert_eq!(quote("a b").unwrap(), "'a b'");
        assert_eq!(quote("#x").unwrap(), "'#x'");
        assert_eq!(quote("pa$$word").unwrap(), "'pa$$word'");
        assert_eq!(quote("C:\\x").unwrap(), "'C:\\x'");
        assert_eq!(quote("it's").unwrap(), "\"it's\"");
        assert_eq!(quote("two\nlines").unwrap(), "'two\nlines'");
    }

    #[test]
    fn rejects_what_no_reader_agrees_on() {
        for bad in [
            "a${B}",
            "\r",
            "x\\\\y",
            "trail\\",
            "it's \"q\"",
            "it's $5",
            "a\0",
        ] {
            assert!(quote(bad).is_err(), "{bad:?}");
        }
        // python-dotenv only expands `${…}` with a closing brace.
        assert_eq!(quote("cost ${").unwrap(), "'cost ${'");
        assert_eq!(quote("${a:b}").unwrap(), "'${a:b}'");
        assert!(quote("${a:-b}").is_err());
        assert!(quote("${a:-b").is_ok());
        assert!(quote("${${x}").is_err());
        assert!(quote("${:${x}").is_err());
    }
}
