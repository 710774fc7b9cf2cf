//! Names for the draft: environment names from file names, variable names from keys.

use crate::syntax::KEYWORDS;

/// An environment name for each file: `.env` → `local`, `.env.staging` → `staging`,
/// `staging.env` → `staging`, `.env-multiline` → `multiline`; a prefix before `.env` in a
/// longer name is used only when nothing follows it. Names are lowercased, anything outside
/// `[a-z0-9_-]` becomes `_`, a name that starts with a digit or is a keyword gets `env_`
/// before it (`in.env` → `env_in`), and repeats get `_2`, `_3`, ….
pub fn env_names(file_names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    // `.env` is "local" unless another file claims that name (`.env` + `.env.local`, the
    // Next.js layout, where `.env` holds the shared defaults).
    let derived: Vec<Option<String>> = file_names.iter().map(|f| derive(f)).collect();
    let local_taken = derived.iter().any(|d| d.as_deref() == Some("local"));
    for (idx, name) in derived.into_iter().enumerate() {
        let base = match name {
            Some(n) => n,
            None if local_taken => "default".to_string(),
            None => "local".to_string(),
        };
        let base = sanitize_env(&base).unwrap_or_else(|| format!("env{}", idx + 1));
        out.push(unique(&base, &out));
    }
    out
}

/// Suffixes that mark a file as a template or an example of the real one; the
/// environment is named from what is left (`api.env.example` → `api`).
const TEMPLATE_SUFFIXES: &[&str] = &[".example", ".sample", ".template", ".dist", ".tpl", ".tmpl"];

/// `None` for a plain `.env` (whose name is decided with the others in view).
fn derive(file_name: &str) -> Option<String> {
    let name = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(file_name)
        .to_string();
    // `api.env.example`, `.env.sample`: a template of the file, named like the file.
    let mut name = name;
    for marker in TEMPLATE_SUFFIXES {
        if let Some(stem) = name.strip_suffix(marker) {
            if !stem.is_empty() {
                name = stem.to_string();
                break;
            }
        }
    }
    if name == ".env" || name == "env" {
        return None;
    }
    if let Some(idx) = name.rfind(".env") {
        let after = &name[idx + 4..];
        let before = &name[..idx];
        if let Some(rest) = after.strip_prefix(['.', '-', '_']) {
            if !rest.is_empty() {
                return Some(rest.to_string());
            }
        }
        if after.is_empty() && !before.is_empty() {
            return Some(before.to_string());
        }
        if after.is_empty() {
            return None;
        }
    }
    // `staging.properties`, `prod`: the stem.
    Some(name.split('.').next().unwrap_or(&name).to_string())
}

fn sanitize_env(raw: &str) -> Option<String> {
    let mut out = String::new();
    for c in raw.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() || c == '-' {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches(['_', '-']).to_string();
    match out.chars().next() {
        Some(c) if c.is_ascii_alphabetic() && !KEYWORDS.contains(&out.as_str()) => Some(out),
        Some(_) => Some(format!("env_{out}")),
        None => None,
    }
}

fn unique(base: &str, taken: &[String]) -> String {
    if !taken.iter().any(|t| t == base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}_{n}"))
        .find(|c| !taken.iter().any(|t| t == c))
        .unwrap_or_else(|| base.to_string())
}

/// Whether `name` is a valid environment name (`[A-Za-z_][A-Za-z0-9_-]*`, not a keyword).
pub fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !KEYWORDS.contains(&name)
}

/// The variable name for a key: the key itself when it is an UPPER_SNAKE identifier,
/// otherwise an UPPER_SNAKE version of it (the key is kept with `env_name`).
pub fn var_name(key: &str) -> String {
    if is_upper_ident(key) {
        return key.to_string();
    }
    let mut out = String::new();
    for c in key.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_uppercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "VAR_");
    }
    out
}

/// Whether `key` can be emitted as is (`env_name`): `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_emit_name(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_upper_ident(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Makes `names` unique by appending `_2`, `_3`, … to later repeats.
pub fn dedupe(names: &mut [String]) {
    let mut seen: Vec<String> = Vec::new();
    for name in names.iter_mut() {
        let fresh = unique(name, &seen);
        seen.push(fresh.clone());
        *name = fresh;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(files: &[&str]) -> Vec<String> {
        env_names(&files.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn env_names_from_files() {
        assert_eq!(
            names(&[".env", ".env.staging", "config/.env.production"]),
            ["local", "staging", "production"]
        );
        assert_eq!(names(&[".env", ".env.local"]), ["default", "local"]);
        assert_eq!(
            names(&["staging.env", "variables.env"]),
            ["staging", "variables"]
        );
        assert_eq!(names(&["a/.env", "b/.env"]), ["local", "local_2"]);
        assert_eq!(
            names(&[
                "outline__outline__.env.sample",
                "motdotla__dotenv__tests__.env-multiline"
            ]),
            ["outline_outline", "multiline"]
        );
        // Template and example files are named like the file they stand for.
        assert_eq!(
            names(&[
                "api.env.example",
                "worker.env.sample",
                ".env.production.example"
            ]),
            ["api", "worker", "production"]
        );
        assert_eq!(names(&[".env.example"]), ["local"]);
        assert_eq!(names(&["example.env"]), ["example"]);
        assert_eq!(
            names(&["motdotla__dotenv__tests__.env"]),
            ["motdotla_dotenv_tests"]
        );
        assert_eq!(names(&["x/example.env"]), ["example"]);
        assert_eq!(names(&[".env.2024"]), ["env_2024"]);
    }

    #[test]
    fn var_names_from_keys() {
        assert_eq!(var_name("DATABASE_URL"), "DATABASE_URL");
        assert_eq!(var_name("VAR.WITH.DOTS"), "VAR_WITH_DOTS");
        assert_eq!(var_name("var-with-dashes"), "VAR_WITH_DASHES");
        assert_eq!(var_name("456"), "VAR_456");
        let mut v = vec!["A_B".to_string(), "A_B".to_string(), "A_B".to_string()];
        dedupe(&mut v);
        assert_eq!(v, ["A_B", "A_B_2", "A_B_3"]);
    }
}
