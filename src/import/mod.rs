//! `import`: existing `.env` files → a first `.envdef` source (text) plus warnings.
//!
//! One environment per file; one declaration per key, in the order the keys first appear.
//! Types are inferred from the values ([`infer`]); keys that look like secrets become
//! `secret NAME from "TODO://{env}/KEY"` and their values are never copied anywhere into
//! the draft, comments included ([`secret`]). A value every file agrees on becomes the
//! declaration's default; with three or more files, a value all but one agree on goes into
//! an abstract `base` environment that the others extend; the rest are per-environment
//! assignments. A key missing from some files is optional (`TYPE?`).
//!
//! Invariant: compiling the draft back to dotenv gives every non-secret key of every file
//! with its value byte-identical to what [`dotenv::parse`] read. Types are only inferred
//! when their canonical text is the value itself, and references to other keys become
//! `${NAME}` interpolations that expand to the same text.
//!
//! Does no IO: the CLI reads the files and writes the draft.

pub mod dotenv;
pub mod infer;
pub mod names;
pub use crate::credential as secret;

use std::collections::{HashMap, HashSet};

use crate::fmt::literal::{self, Piece};
use dotenv::{Entry, Part};
use infer::Inferred;

/// One input file.
#[derive(Debug, Clone)]
pub struct Input {
    /// As shown in messages (the path the user gave).
    pub name: String,
    /// The file's contents (a `.env` file).
    pub text: String,
}

/// What the user chose on the command line.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--env-names a,b,c`: one per input, in order. Default: derived from file names.
    pub env_names: Option<Vec<String>>,
}

/// The drafted source and what the user should know about it.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The drafted `.envdef` source, laid out by `fmt`; it checks clean.
    pub source: String,
    /// One line each, `FILE:LINE: message` where a line is known.
    pub warnings: Vec<String>,
    /// The environment drafted for each input, in input order.
    pub envs: Vec<String>,
    /// The keys drafted as secrets.
    pub secrets: Vec<String>,
}

/// Why nothing could be drafted: every problem, `FILE:LINE: message` where a line is known.
#[derive(Debug, Clone)]
pub struct ImportError {
    /// One line per problem.
    pub messages: Vec<String>,
}

/// Reads every input and drafts a source.
pub fn draft(inputs: &[Input], options: &Options) -> Result<Draft, ImportError> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut files = Vec::new();
    if inputs.is_empty() {
        errors.push("no input files".to_string());
    }
    for input in inputs {
        match dotenv::parse(&input.text) {
            Ok(parsed) => {
                for w in &parsed.warnings {
                    warnings.push(format!("{}:{}: {}", input.name, w.line, w.message));
                }
                files.push(parsed);
            }
            Err(errs) => {
                for e in errs {
                    errors.push(format!("{}:{}: {}", input.name, e.line, e.message));
                }
            }
        }
    }
    let envs = match &options.env_names {
        Some(given) => {
            if given.len() != inputs.len() {
                errors.push(format!(
                    "--env-names names {} environment(s) for {} file(s); give one name per file",
                    given.len(),
                    inputs.len()
                ));
            }
            for (i, name) in given.iter().enumerate() {
                if !names::is_env_name(name) {
                    errors.push(format!(
                        "--env-names: `{name}` is not an environment name (letters, digits, `_` and `-`, not starting with a digit, not a keyword)"
                    ));
                } else if given[..i].contains(name) {
                    errors.push(format!("--env-names: `{name}` is given twice"));
                }
            }
            given.clone()
        }
        None => names::env_names(&inputs.iter().map(|i| i.name.clone()).collect::<Vec<_>>()),
    };
    if !errors.is_empty() {
        return Err(ImportError { messages: errors });
    }
    let file_names: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
    Ok(Drafter::new(&files, &file_names, envs, warnings).run())
}

/// What `envdef check` and `envdef compile` would report for a draft saved as `name`: the
/// draft is checked and rendered in memory (nothing is written). An import bug shows up
/// here, and so do values no .env quoting carries portably (E0403), which the user must
/// decide about. The `TODO://` placeholders (E0342 once emitted) are checked as `file://`
/// references of the same length, so every other diagnostic keeps its place and the emit
/// stage still runs: each secret's import warning already says to replace its placeholder,
/// and `check` reports the ones left.
pub fn verify(name: &str, source: &str) -> (crate::SourceMap, crate::Diagnostics) {
    let filled = source.replace("\"TODO://", "\"file://");
    let loader = crate::source::MemoryLoader::new().with(name, filled);
    match crate::check_file(
        &loader,
        std::path::Path::new(name),
        crate::CheckOptions::default(),
    ) {
        Ok(mut compilation) => {
            if let Some(model) = &compilation.model {
                crate::emit::emit(
                    model,
                    &crate::emit::EmitOptions::default(),
                    &mut compilation.diagnostics,
                );
            }
            (compilation.sources, compilation.diagnostics)
        }
        // The loader holds exactly this file, so it always loads.
        Err(_) => (crate::SourceMap::new(), crate::Diagnostics::new()),
    }
}

/// How one variable's values are placed.
enum Placement {
    /// Every file agrees: `var X: T = v`.
    Default(Template),
    /// All but one agree (three or more files): `base` sets it, `odd` overrides.
    Base {
        shared: Template,
        odd: usize,
        odd_value: Template,
    },
    /// Per environment; `None` where the file lacks the key.
    PerEnv(Vec<Option<Template>>),
}

/// A value as drafted: text and references to other variables (by variable name).
type Template = Vec<TPart>;

#[derive(Debug, Clone, PartialEq, Eq)]
enum TPart {
    Text(String),
    Var(String),
}

struct Key<'a> {
    key: String,
    var: String,
    /// Per file.
    entries: Vec<Option<&'a Entry>>,
    secret: Option<String>,
}

struct Drafter<'a> {
    files: &'a [dotenv::Parsed],
    file_names: &'a [&'a str],
    envs: Vec<String>,
    warnings: Vec<String>,
    keys: Vec<Key<'a>>,
    /// Key → index in `keys`.
    var_of: HashMap<String, usize>,
}

impl<'a> Drafter<'a> {
    fn new(
        files: &'a [dotenv::Parsed],
        file_names: &'a [&'a str],
        envs: Vec<String>,
        warnings: Vec<String>,
    ) -> Drafter<'a> {
        Drafter {
            files,
            file_names,
            envs,
            warnings,
            keys: Vec::new(),
            var_of: HashMap::new(),
        }
    }

    fn run(mut self) -> Draft {
        self.collect_keys();
        self.find_secrets();
        // `fmt` lays the draft out (env blocks aligned, comments spaced): one printer of
        // source text, and a draft that `envdef fmt` leaves as it is.
        let raw = self.write();
        let source = crate::fmt::format(crate::source::FileId(0), &raw).unwrap_or(raw);
        let secrets = self
            .keys
            .iter()
            .filter(|k| k.secret.is_some())
            .map(|k| k.key.clone())
            .collect();
        Draft {
            source,
            warnings: self.warnings,
            envs: self.envs,
            secrets,
        }
    }

    /// Every key once, in first-appearance order; a key new in a later file goes right
    /// after the key that precedes it there (before keys that followed that one in earlier
    /// files), and a new key that opens its file goes at the end.
    fn collect_keys(&mut self) {
        // A linked list over key ids (`NONE` ends it), so each insertion is O(1) and the
        // whole walk linear in the number of entries.
        const NONE: usize = usize::MAX;
        let mut id_of: HashMap<&str, usize> = HashMap::new();
        let mut names: Vec<&str> = Vec::new();
        let mut next: Vec<usize> = Vec::new();
        let (mut head, mut tail) = (NONE, NONE);
        for file in self.files {
            let mut prev: Option<usize> = None;
            for entry in &file.entries {
                let key = entry.key.as_str();
                let id = match id_of.get(key) {
                    Some(&id) => id,
                    None => {
                        let id = names.len();
                        id_of.insert(key, id);
                        names.push(key);
                        next.push(NONE);
                        match prev {
                            Some(p) => {
                                next[id] = next[p];
                                next[p] = id;
                                if tail == p {
                                    tail = id;
                                }
                            }
                            None if head == NONE => {
                                head = id;
                                tail = id;
                            }
                            None => {
                                next[tail] = id;
                                tail = id;
                            }
                        }
                        id
                    }
                };
                prev = Some(id);
            }
        }
        let mut order: Vec<String> = Vec::with_capacity(names.len());
        let mut at = head;
        while at != NONE {
            order.push(names[at].to_string());
            at = next[at];
        }
        let by_file: Vec<HashMap<&str, &Entry>> = self
            .files
            .iter()
            .map(|f| f.entries.iter().map(|e| (e.key.as_str(), e)).collect())
            .collect();
        let mut var_names: Vec<String> = order.iter().map(|k| names::var_name(k)).collect();
        // Keys that are already good names keep them; renamed keys yield on a clash.
        let mut taken: HashSet<String> = order
            .iter()
            .filter(|k| names::var_name(k) == **k)
            .cloned()
            .collect();
        for (key, name) in order.iter().zip(var_names.iter_mut()) {
            if name != key {
                let mut candidate = name.clone();
                let mut n = 2;
                while taken.contains(&candidate) {
                    candidate = format!("{name}_{n}");
                    n += 1;
                }
                taken.insert(candidate.clone());
                *name = candidate;
            }
        }
        names::dedupe(&mut var_names);
        for (key, var) in order.into_iter().zip(var_names) {
            if var != key {
                let first = self.first_location(&by_file, &key);
                if names::is_emit_name(&key) {
                    self.warnings.push(format!(
                        "{first}: `{key}` is not an UPPER_SNAKE envdef name; drafted as `{var}` with `env_name = {}` so the emitted key stays `{key}`",
                        literal::string(&key)
                    ));
                } else {
                    self.warnings.push(format!(
                        "{first}: `{key}` cannot be an environment variable name in envdef's outputs (letters, digits and `_`, not starting with a digit); drafted as `{var}`, which is the key compiled files will have"
                    ));
                }
            }
            let entries = by_file
                .iter()
                .map(|m| m.get(key.as_str()).copied())
                .collect();
            self.var_of.insert(key.clone(), self.keys.len());
            self.keys.push(Key {
                key,
                var,
                entries,
                secret: None,
            });
        }
    }

    fn first_location(&self, by_file: &[HashMap<&str, &Entry>], key: &str) -> String {
        for (i, m) in by_file.iter().enumerate() {
            if let Some(e) = m.get(key) {
                return format!("{}:{}", self.file_names[i], e.line);
            }
        }
        "?".to_string()
    }

    fn location(&self, key: &Key<'_>) -> String {
        key.entries
            .iter()
            .enumerate()
            .find_map(|(i, e)| e.map(|e| format!("{}:{}", self.file_names[i], e.line)))
            .unwrap_or_default()
    }

    /// Marks secrets: by name, by value, then (until nothing changes) every key built from a
    /// secret or containing a secret's value.
    fn find_secrets(&mut self) {
        for key in &mut self.keys {
            key.secret = secret::by_name(&key.key).or_else(|| {
                key.entries
                    .iter()
                    .flatten()
                    .find_map(|e| secret::by_key_and_value(&key.key, &e.value))
            });
        }
        loop {
            let secret_keys: HashSet<String> = self
                .keys
                .iter()
                .filter(|k| k.secret.is_some())
                .map(|k| k.key.clone())
                .collect();
            let secret_values = self.secret_values();
            let mut changed = false;
            for key in self.keys.iter_mut().filter(|k| k.secret.is_none()) {
                for entry in key.entries.iter().flatten() {
                    let via_ref = entry.parts.iter().find_map(|p| match p {
                        Part::Ref { name, .. } if secret_keys.contains(name) => Some(name.clone()),
                        _ => None,
                    });
                    if let Some(name) = via_ref {
                        key.secret = Some(format!("its value is built from the secret `{name}`"));
                    } else if let Some(owner) = secret_values.find(&entry.value) {
                        key.secret = Some(format!("its value contains the value of `{owner}`"));
                    }
                    if key.secret.is_some() {
                        changed = true;
                        break;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        let mut notes = Vec::new();
        for key in self.keys.iter().filter(|k| k.secret.is_some()) {
            let missing: Vec<&str> = key
                .entries
                .iter()
                .zip(&self.envs)
                .filter(|(e, _)| e.is_none())
                .map(|(_, env)| env.as_str())
                .collect();
            let mut note = format!(
                "{}: `{}` looks like a secret ({}): drafted as `secret {} from \"TODO://{{env}}/{}\"`; its value was not copied",
                self.location(key),
                key.key,
                key.secret.as_deref().unwrap_or_default(),
                key.var,
                key.key
            );
            if !missing.is_empty() {
                note.push_str(&format!(
                    " (the files for {} do not set it; every environment now gets the reference)",
                    missing.join(", ")
                ));
            }
            notes.push(note);
        }
        self.warnings.extend(notes);
    }

    /// A matcher for the non-trivial values of secret keys.
    fn secret_values(&self) -> secret::Matcher {
        let mut out: Vec<(String, String)> = self
            .keys
            .iter()
            .filter(|k| k.secret.is_some())
            .flat_map(|k| {
                k.entries
                    .iter()
                    .flatten()
                    .filter(|e| {
                        e.value.chars().count() >= secret::TAINT_MIN_LEN
                            && !secret::too_common_to_taint(&e.value)
                    })
                    .map(|e| (e.value.clone(), k.key.clone()))
            })
            .collect();
        out.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        out.dedup_by(|a, b| a.0 == b.0);
        secret::Matcher::new(out)
    }

    /// A comment line is dropped when it could leak a secret: it holds a secret's value, a
    /// URL password, or is a commented-out assignment to a secret-looking key.
    fn comment_is_safe(&self, text: &str, secret_values: &secret::Matcher) -> bool {
        if secret_values.find(text).is_some() {
            return false;
        }
        if secret::by_value(text).is_some() {
            return false;
        }
        let body = text.trim_start();
        let body = body.strip_prefix("export ").unwrap_or(body).trim_start();
        let key: String = body
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            .collect();
        let after = body[key.len()..].trim_start();
        if !key.is_empty() && after.starts_with('=') {
            // A commented-out assignment: its value is checked on its own, unquoted.
            let value = after[1..].trim().trim_matches(|c| c == '"' || c == '\'');
            if secret::by_name(&key).is_some() || secret::by_value(value).is_some() {
                return false;
            }
            return true;
        }
        !secret::comment_states_secret(text)
    }

    fn template(&self, entry: &Entry) -> Template {
        entry
            .parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => TPart::Text(t.clone()),
                Part::Ref { name, .. } => TPart::Var(
                    self.var_of
                        .get(name)
                        .map_or_else(|| name.clone(), |&i| self.keys[i].var.clone()),
                ),
            })
            .collect()
    }

    fn placement(&self, key: &Key<'_>) -> Placement {
        let templates: Vec<Option<Template>> = key
            .entries
            .iter()
            .map(|e| e.map(|e| self.template(e)))
            .collect();
        let n = templates.len();
        let all_present = templates.iter().all(Option::is_some);
        if all_present {
            let first = templates[0].clone().unwrap_or_default();
            if templates.iter().all(|t| t.as_ref() == Some(&first)) {
                return Placement::Default(first);
            }
            if n >= 3 {
                // A value shared by all but one file; with three files the odd one is the
                // file that differs from the other two.
                for candidate in templates.iter().flatten() {
                    let matching = templates
                        .iter()
                        .filter(|t| t.as_ref() == Some(candidate))
                        .count();
                    // Interpolation is late-bound: `${HOST}` in `base` takes each
                    // environment's own HOST.
                    if matching == n - 1 {
                        let odd = templates
                            .iter()
                            .position(|t| t.as_ref() != Some(candidate))
                            .unwrap_or(0);
                        return Placement::Base {
                            shared: candidate.clone(),
                            odd,
                            odd_value: templates[odd].clone().unwrap_or_default(),
                        };
                    }
                }
            }
        }
        Placement::PerEnv(templates)
    }

    /// The declaration line of one key (`var`, `flag` or `secret`); values that do not go
    /// into the declaration are added to the `base` and per-environment assignments.
    fn declaration(
        &self,
        key: &Key<'_>,
        referenced: &HashSet<&str>,
        base: &mut Vec<(String, String)>,
        per_env: &mut [Vec<(String, String)>],
    ) -> String {
        let attrs = if key.var != key.key && names::is_emit_name(&key.key) {
            format!(" {{ env_name = {} }}", literal::string(&key.key))
        } else {
            String::new()
        };
        if key.secret.is_some() {
            format!(
                "secret {} from {}{attrs}",
                key.var,
                literal::string(&format!("TODO://{{env}}/{}", key.key))
            )
        } else if let Some(flag) = flag_name(key, referenced) {
            // A feature flag: emitted as `FEATURE_<NAME>` again. Off unless most
            // environments turn it on; the others say so in their blocks.
            let values: Vec<bool> = key
                .entries
                .iter()
                .flatten()
                .map(|e| e.value == "true")
                .collect();
            let on = values.iter().filter(|v| **v).count();
            let default = on * 2 > values.len();
            for (env_idx, v) in values.iter().enumerate() {
                if *v != default {
                    per_env[env_idx].push((flag.clone(), v.to_string()));
                }
            }
            format!("flag {flag} = {default}")
        } else {
            let values: Vec<&str> = key
                .entries
                .iter()
                .flatten()
                .map(|e| e.value.as_str())
                .collect();
            let interpolated = key
                .entries
                .iter()
                .flatten()
                .any(|e| e.parts.iter().any(|p| matches!(p, Part::Ref { .. })));
            let ty = infer::infer(&key.key, &values, interpolated);
            let placement = self.placement(key);
            let optional = key.entries.iter().any(Option::is_none);
            let mut decl = format!("var {}: {}", key.var, type_source(&ty, optional));
            match placement {
                Placement::Default(t) => {
                    decl.push_str(" = ");
                    decl.push_str(&value_source(&ty, &t));
                }
                Placement::Base {
                    shared,
                    odd,
                    odd_value,
                } => {
                    base.push((key.var.clone(), value_source(&ty, &shared)));
                    per_env[odd].push((key.var.clone(), value_source(&ty, &odd_value)));
                }
                Placement::PerEnv(templates) => {
                    for (env_idx, t) in templates.iter().enumerate() {
                        if let Some(t) = t {
                            per_env[env_idx].push((key.var.clone(), value_source(&ty, t)));
                        }
                    }
                }
            }
            decl.push_str(&attrs);
            decl
        }
    }

    /// The `env` blocks, after an abstract `base` when some values are shared by all but one.
    fn environments(
        &self,
        base: &[(String, String)],
        per_env: &[Vec<(String, String)>],
        out: &mut String,
    ) {
        let base_name = if base.is_empty() {
            None
        } else {
            let mut name = "base".to_string();
            let mut n = 2;
            while self.envs.contains(&name) {
                name = format!("base_{n}");
                n += 1;
            }
            Some(name)
        };
        if let Some(name) = &base_name {
            out.push('\n');
            out.push_str(&format!(
                "# Values all environments but one share.\nabstract env {name} "
            ));
            out.push_str(&env_block(base));
        }
        for (env_idx, env) in self.envs.iter().enumerate() {
            out.push('\n');
            out.push_str(&format!("env {env} "));
            if let Some(b) = &base_name {
                out.push_str(&format!("extends {b} "));
            }
            out.push_str(&env_block(&per_env[env_idx]));
        }
    }

    fn write(&mut self) -> String {
        let secret_values = self.secret_values();
        let mut dropped_comments = 0usize;
        let mut out = String::new();
        out.push_str("# Drafted by `envdef import` from:\n");
        for (file, env) in self.file_names.iter().zip(&self.envs) {
            out.push_str(&format!("#   {} → env {env}\n", file_label(file)));
        }
        out.push_str(
            "# Review the inferred types, and point every `TODO://` secret reference at your\n",
        );
        out.push_str("# secret store; secret values were not copied.\n");

        // Declarations.
        let mut decls = String::new();
        let mut base: Vec<(String, String)> = Vec::new(); // (target, value)
        let mut per_env: Vec<Vec<(String, String)>> = vec![Vec::new(); self.envs.len()];
        let mut first_decl = true;
        // Keys other values are built from (those stay variables: a flag is not text).
        let referenced: HashSet<&str> = self
            .files
            .iter()
            .flat_map(|f| &f.entries)
            .flat_map(|e| &e.parts)
            .filter_map(|p| match p {
                Part::Ref { name, .. } => Some(name.as_str()),
                Part::Text(_) => None,
            })
            .collect();
        for idx in 0..self.keys.len() {
            let key = &self.keys[idx];
            let first_entry = key.entries.iter().flatten().next().copied();
            let mut comments: Vec<String> = Vec::new();
            let mut trailing: Option<String> = None;
            if let Some(entry) = first_entry {
                for c in &entry.comments_above {
                    if self.comment_is_safe(c, &secret_values) {
                        comments.push(comment_line(c));
                    } else {
                        dropped_comments += 1;
                    }
                }
                if let Some(c) = &entry.trailing_comment {
                    if self.comment_is_safe(c, &secret_values) {
                        trailing = Some(comment_line(c));
                    } else {
                        dropped_comments += 1;
                    }
                }
            }
            let blank = first_entry.is_some_and(|e| e.blank_before) || !comments.is_empty();
            if blank && !first_decl {
                decls.push('\n');
            }
            for c in &comments {
                decls.push_str(c);
                decls.push('\n');
            }
            let line = self.declaration(key, &referenced, &mut base, &mut per_env);
            decls.push_str(&line);
            if let Some(t) = trailing {
                decls.push_str("  ");
                decls.push_str(&t);
            }
            decls.push('\n');
            first_decl = false;
        }
        if let Some(file) = self.files.first() {
            let tail: Vec<String> = file
                .comments_after
                .iter()
                .filter(|c| {
                    let ok = self.comment_is_safe(c, &secret_values);
                    if !ok {
                        dropped_comments += 1;
                    }
                    ok
                })
                .map(|c| comment_line(c))
                .collect();
            if !tail.is_empty() {
                decls.push('\n');
                for c in tail {
                    decls.push_str(&c);
                    decls.push('\n');
                }
            }
        }
        if !decls.is_empty() {
            out.push('\n');
            out.push_str(&decls);
        }

        self.environments(&base, &per_env, &mut out);
        out.push('\n');
        out.push_str(
            "# Compiled copies of the imported files (not the originals, which still hold the\n",
        );
        out.push_str("# secret values): compare them, then point this at the real paths.\n");
        out.push_str("emit dotenv to \"envdef-out/.env.{env}\"\n");
        if dropped_comments > 0 {
            self.warnings.push(format!(
                "{dropped_comments} comment line(s) were left out of the draft because they mention a secret or its value"
            ));
        }
        out
    }
}

fn file_label(name: &str) -> String {
    // Keep the header to one readable line: the file name, not the whole path.
    // A control character (a newline in a file name) must not end the comment line.
    name.rsplit(['/', '\\'])
        .next()
        .unwrap_or(name)
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// `# text` with trailing whitespace removed (as `fmt` writes comments).
fn comment_line(text: &str) -> String {
    format!("#{}", text.trim_end())
}

/// `FEATURE_NEW_CHECKOUT` → `new_checkout` when the key can be a `flag` that emits the
/// same key: every file sets it to `true` or `false` and no other value refers to it.
fn flag_name(key: &Key<'_>, referenced: &HashSet<&str>) -> Option<String> {
    let rest = key.key.strip_prefix("FEATURE_")?;
    let well_formed = rest.starts_with(|c: char| c.is_ascii_uppercase())
        && rest
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    let all_bool = key
        .entries
        .iter()
        .all(|e| e.is_some_and(|e| e.value == "true" || e.value == "false"));
    (well_formed && all_bool && !referenced.contains(key.key.as_str()))
        .then(|| rest.to_ascii_lowercase())
}

fn type_source(ty: &Inferred, optional: bool) -> String {
    if !optional {
        return ty.source();
    }
    match ty {
        // `int? in 1..=65535`: the marker goes right after the base type.
        Inferred::Int { port: true } => "int? in 1..=65535".to_string(),
        // `"a" | "b"?`: the marker applies to the whole union.
        other => format!("{}?", other.source()),
    }
}

fn value_source(ty: &Inferred, t: &Template) -> String {
    if !ty.is_stringy() {
        // Non-string types are only inferred for plain text values.
        let text: String = t
            .iter()
            .map(|p| match p {
                TPart::Text(s) => s.as_str(),
                TPart::Var(_) => "",
            })
            .collect();
        return match ty {
            Inferred::Float => text
                .parse::<f64>()
                .map_or(text.clone(), crate::notation::float_source),
            _ => text,
        };
    }
    let pieces: Vec<Piece<'_>> = t
        .iter()
        .map(|p| match p {
            TPart::Text(s) => Piece::Text(s),
            TPart::Var(v) => Piece::Interp(v),
        })
        .collect();
    literal::string_with(&pieces)
}

/// `{ … }` with one assignment per line (`fmt` aligns them), or `{}`.
fn env_block(assignments: &[(String, String)]) -> String {
    let lines: String = assignments
        .iter()
        .map(|(target, value)| format!("  {target} = {value}\n"))
        .collect();
    if lines.is_empty() {
        "{}\n".to_string()
    } else {
        format!("{{\n{lines}}}\n")
    }
}
