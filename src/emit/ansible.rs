//! The `ansible` target: one environment's variables as YAML for `group_vars/`
//! (`inventory/group_vars/{env}.yml`), with their real types.
//!
//! Names are the Terraform names (snake case, a service's own variables prefixed with the
//! service) with `-` as `_`, as Ansible variables must be identifiers. Strings are
//! JSON-style double-quoted YAML scalars (`yaml.rs`: `"yes"`, `"0123"`, `"~"` stay strings),
//! and marked `!unsafe` when they hold a Jinja delimiter, so Ansible never templates a value.
//! Secrets are lookups of their reference, never values: `vault://` through
//! `community.hashi_vault.vault_kv2_get`, `sops://` through `community.sops.sops`; any
//! other scheme has no lookup here and is refused by name (E0440). A derived secret is one
//! Jinja expression joining its text and its parts' lookups with `~`.

use super::job::{text_error, value_error, Job};
use super::{text, yaml};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{DerivedPart, Env, Model, Resolved, Value, ValueFormat, VarDef, VarId};
use crate::secret_ref::{Location, SecretRef};

/// A variable's Ansible name.
pub(crate) fn var_name(var: &VarDef) -> String {
    var.tfvars_name.replace('-', "_")
}

/// Whether Ansible accepts `name` as a variable: an identifier that is no Python keyword
/// and none of the names Ansible reserves (play and task keywords such as `port`, `name`,
/// `environment`, which it warns about and which would shadow them).
pub(crate) fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !PYTHON_KEYWORDS.contains(&name)
        && !ANSIBLE_RESERVED.contains(&name)
        && !name.starts_with("with_")
}

/// `ansible.vars.reserved.get_reserved_names()` of ansible-core 2.19.
const ANSIBLE_RESERVED: &[&str] = &[
    "action",
    "always",
    "any_errors_fatal",
    "args",
    "async",
    "async_val",
    "become",
    "become_exe",
    "become_flags",
    "become_method",
    "become_user",
    "block",
    "changed_when",
    "check_mode",
    "collections",
    "connection",
    "cycler",
    "debugger",
    "delay",
    "delegate_facts",
    "delegate_to",
    "dict",
    "diff",
    "environment",
    "fact_path",
    "failed_when",
    "force_handlers",
    "gather_facts",
    "gather_timeout",
    "handlers",
    "hosts",
    "ignore_errors",
    "ignore_unreachable",
    "joiner",
    "lipsum",
    "local_action",
    "lookup",
    "loop",
    "loop_control",
    "loop_with",
    "max_fail_percentage",
    "module_defaults",
    "name",
    "namespace",
    "no_log",
    "notify",
    "now",
    "omit",
    "order",
    "poll",
    "port",
    "post_tasks",
    "pre_tasks",
    "q",
    "query",
    "range",
    "register",
    "remote_user",
    "rescue",
    "retries",
    "roles",
    "run_once",
    "serial",
    "strategy",
    "tags",
    "tasks",
    "throttle",
    "timeout",
    "undef",
    "until",
    "vars",
    "vars_files",
    "vars_prompt",
    "when",
];

const PYTHON_KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// The variables of an artifact: one service's, or every variable of the model.
fn vars<'m>(model: &'m Model, job: &Job<'m>) -> Vec<VarId> {
    match job.service {
        Some(s) => s.vars.clone(),
        None => (0..model.vars.len()).map(|i| VarId(i as u32)).collect(),
    }
}

pub(super) fn body(model: &Model, job: &Job<'_>, errors: &mut Vec<Diagnostic>) -> String {
    let Some(env) = job.env else {
        return String::new();
    };
    let base = sops_base(&job.path, job.source_dir.as_deref());
    let mut out = String::new();
    for id in vars(model, job) {
        let Some(res) = env.value(id) else { continue };
        let var = model.var(id);
        let value = match &res.value {
            // A derived secret: one Jinja expression joining its text and the lookups of
            // its parts, so Ansible composes it when a task uses it.
            Value::Derived { local, .. } if !local.is_empty() => {
                let names: Vec<String> = local
                    .iter()
                    .map(|&id| format!("`{}`", model.var(id).qualified_name()))
                    .collect();
                let why = format!(
                    "it is built from the plain local value of {} (an `insecure env`), and the ansible target writes secrets only as lookups",
                    names.join(", ")
                );
                errors.push(secret_error(None, why, var, env, res, job));
                continue;
            }
            Value::Derived { parts, .. } => {
                let service = job.service.map_or("", |s| s.name.as_str());
                match derived_expression(parts, service, &base) {
                    Ok(expression) => yaml::quote(&expression),
                    Err((reference, why)) => {
                        errors.push(secret_error(Some(&reference), why, var, env, res, job));
                        continue;
                    }
                }
            }
            // A plain local value of a secret (an `insecure env`): never written here.
            _ if var.is_secret() && !matches!(res.value, Value::Secret { .. }) => {
                let why = "it has a plain local value (an `insecure env`), and the ansible target writes secrets only as lookups".to_string();
                errors.push(secret_error(None, why, var, env, res, job));
                continue;
            }
            Value::Secret { .. } => {
                let service = job.service.map_or("", |s| s.name.as_str());
                let reference = res.value.secret_reference(service).unwrap_or_default();
                match lookup(&reference, &base) {
                    Ok(lookup) => yaml::quote(&lookup),
                    Err(why) => {
                        errors.push(secret_error(Some(&reference), why, var, env, res, job));
                        continue;
                    }
                }
            }
            other => match scalar_or_list(other, &var.format) {
                Ok(v) => v,
                Err(e) => {
                    errors.push(text_error(e, var, env, res, job));
                    continue;
                }
            },
        };
        if let Some(doc) = &var.doc {
            out.push_str("# ");
            out.push_str(&text::comment_text(doc));
            out.push('\n');
        }
        out.push_str(&var_name(var));
        out.push_str(": ");
        out.push_str(&value);
        out.push('\n');
    }
    out
}

/// A value as a typed YAML node.
fn scalar_or_list(value: &Value, format: &ValueFormat) -> Result<String, text::TextError> {
    Ok(match value {
        Value::Str(s) => string(s),
        Value::Int(i) => i.to_string(),
        // A float keeps a `.` so YAML reads it back as a float, not an int.
        Value::Float(f) => {
            let t = crate::notation::float_value(*f);
            if t.contains('.') {
                t
            } else {
                format!("{t}.0")
            }
        }
        Value::Bool(b) => b.to_string(),
        Value::Duration(ms) => match format.duration_unit {
            None => string(&crate::model::format_duration(*ms)),
            Some(unit) => text::duration_in_unit(*ms, unit)?,
        },
        Value::List(items) => {
            let parts: Result<Vec<String>, _> =
                items.iter().map(|v| scalar_or_list(v, format)).collect();
            format!("[{}]", parts?.join(", "))
        }
        Value::Secret { .. } | Value::Derived { .. } => "null".to_string(),
    })
}

/// A string that Ansible will not template: `!unsafe` when it holds a Jinja delimiter.
fn string(s: &str) -> String {
    let quoted = yaml::quote(s);
    if ["{{", "{%", "{#"].iter().any(|d| s.contains(d)) {
        format!("!unsafe {quoted}")
    } else {
        quoted
    }
}

/// A derived secret as one Jinja expression: `{{ 'postgres://app:' ~ lookup(…).secret['password'] ~ '@db/app' }}`.
/// A part without a lookup refuses the whole value (its reference and why).
fn derived_expression(
    parts: &[DerivedPart],
    service: &str,
    base: &SopsBase,
) -> Result<String, (String, String)> {
    let mut terms = Vec::with_capacity(parts.len());
    for part in parts {
        match part {
            DerivedPart::Text { text } => jinja_terms(text, &mut terms),
            DerivedPart::Secret { .. } => {
                let reference = part.reference(service).unwrap_or_default();
                let call = lookup_call(&reference, base).map_err(|why| {
                    (
                        reference.clone(),
                        format!("a part of this derived secret: {why}"),
                    )
                })?;
                // `~` joins strings and converts anything else (a number Vault stores) to text.
                terms.push(call);
            }
        }
    }
    if terms.is_empty() {
        terms.push("''".to_string());
    }
    Ok(format!("{{{{ {} }}}}", terms.join(" ~ ")))
}

/// Jinja terms that evaluate to exactly `text`, to be joined with `~`. Ansible reads a
/// string constant inside `{{ }}` with its backslashes doubled (`AnsibleLexer`: YAML has
/// already decoded escapes), so no escape sequence works there, and Jinja turns a raw
/// `\r` into `\n`. Text is therefore written raw in `'…'`, and each character that cannot
/// stand raw (`'`, `\`, a control character) as `('%c' % N)`.
fn jinja_terms(text: &str, terms: &mut Vec<String>) {
    let mut literal = String::new();
    let flush = |literal: &mut String, terms: &mut Vec<String>| {
        if !literal.is_empty() {
            terms.push(format!("'{literal}'"));
            literal.clear();
        }
    };
    for c in text.chars() {
        if c == '\'' || c == '\\' || c.is_control() {
            flush(&mut literal, terms);
            terms.push(format!("('%c' % {})", c as u32));
        } else {
            literal.push(c);
        }
    }
    flush(&mut literal, terms);
}

/// One Jinja expression for exactly `text`: a string constant, or a parenthesised join.
fn jinja_string(text: &str) -> String {
    let mut terms = Vec::new();
    jinja_terms(text, &mut terms);
    match terms.len() {
        0 => "''".to_string(),
        1 => terms.remove(0),
        _ => format!("({})", terms.join(" ~ ")),
    }
}

/// Where a relative `sops://FILE` is, for Ansible: envdef reads FILE relative to the
/// source's directory, Ansible's sops lookup relative to the playbook's. The generated
/// file knows its own place relative to the source (its path under the output root), and
/// Ansible reads a `group_vars/` or `host_vars/` directory only next to an inventory source
/// or the playbook: so the lookup finds which of those holds this very file and goes from
/// there to FILE. Anywhere else, no variable says where Ansible read the file from.
struct SopsBase {
    /// A Jinja expression for the absolute directory from which `to_source` leads to
    /// the source's directory, or why there is none.
    anchor: Result<String, String>,
    /// `/`-separated, ending in `/` (or empty).
    to_source: String,
}

/// Why a relative sops file cannot be found from an artifact (also how `secret_error`
/// recognises the refusal, to give its own help).
const UNPLACED: &str =
    "is not in a `group_vars/` or `host_vars/` directory, whose place Ansible knows";

/// `path`: the artifact's, under the output root; `source_dir`: [`Job::source_dir`].
fn sops_base(path: &str, source_dir: Option<&str>) -> SopsBase {
    let segments: Vec<&str> = path.split('/').collect();
    let Some(at) = segments
        .iter()
        .rposition(|s| *s == "group_vars" || *s == "host_vars")
        .filter(|at| *at + 1 < segments.len())
    else {
        return SopsBase {
            anchor: Err(format!(
                "the sops file is relative to the source, and Ansible would look it up from the playbook's directory; `{path}` {UNPLACED}"
            )),
            to_source: String::new(),
        };
    };
    let own = format!("/{}", segments[at..].join("/"));
    // Every directory Ansible reads `group_vars/` from: the playbook's, each inventory
    // source that is a directory, and the directory of each that is a file.
    let anchor = format!(
        "(lookup('ansible.builtin.first_found', ([playbook_dir] + (ansible_inventory_sources | list) + (ansible_inventory_sources | map('dirname') | list)) | product([{}]) | map('join') | list){})",
        jinja_string(&own),
        " | dirname".repeat(segments.len() - at)
    );
    let mut to_source: String = "../".repeat(at);
    if let Some(dir) = source_dir {
        to_source.push_str(dir);
        to_source.push('/');
    }
    SopsBase {
        anchor: Ok(anchor),
        to_source,
    }
}

/// The Jinja expression that looks a reference up (`{{ … }}` around it), or why there is none.
fn lookup(reference: &str, base: &SopsBase) -> Result<String, String> {
    lookup_call(reference, base).map(|call| format!("{{{{ {call} }}}}"))
}

/// The lookup call alone, to be used inside a Jinja expression. Every text in it is
/// written exactly ([`jinja_string`]); a sops KEY is sops's `--extract` path with each
/// part raw between `["` and `"]`, which is how sops reads it (no escapes: it strips the
/// brackets and the first and last character of each part).
fn lookup_call(reference: &str, base: &SopsBase) -> Result<String, String> {
    let parsed =
        SecretRef::parse(reference).map_err(|_| "it is not a valid reference".to_string())?;
    Ok(match parsed.location() {
        Location::Vault { mount, path, key } => format!(
            "lookup('community.hashi_vault.vault_kv2_get', {}, engine_mount_point={}).secret[{}]",
            jinja_string(path),
            jinja_string(mount),
            jinja_string(key)
        ),
        Location::Sops { file, key } => {
            let file = if file.starts_with('/') {
                jinja_string(file)
            } else {
                let anchor = base.anchor.clone()?;
                format!(
                    "{anchor} ~ {}",
                    jinja_string(&format!("/{}{file}", base.to_source))
                )
            };
            // `rstrip=false`: the value exactly, as envdef reads it (the lookup strips
            // trailing spaces and newlines by default).
            format!(
                "lookup('community.sops.sops', {file}, extract={}, rstrip=false)",
                jinja_string(&crate::secrets::sops_extract(key))
            )
        }
        other => {
            return Err(format!(
                "the `{}://` scheme has no Ansible lookup here",
                scheme_name(other)
            ))
        }
    })
}

fn scheme_name(location: &Location) -> &'static str {
    match location {
        Location::Env { .. } => "env",
        Location::File { .. } => "file",
        Location::Vault { .. } => "vault",
        Location::Sops { .. } => "sops",
        Location::AwsSm { .. } => "aws-sm",
        Location::GcpSm { .. } => "gcp-sm",
        Location::OnePassword { .. } => "op",
    }
}

fn secret_error(
    reference: Option<&str>,
    why: String,
    var: &VarDef,
    env: &Env,
    res: &Resolved,
    job: &Job<'_>,
) -> Diagnostic {
    let unplaced = why.contains(UNPLACED);
    let d = value_error(
        Code::NoAnsibleLookup,
        format!(
            "the secret `{}` in environment `{}` cannot be written for Ansible: {why}{}",
            var.qualified_name(),
            env.name,
            reference
                .map(|r| format!(" (reference `{}`)", text::comment_text(r)))
                .unwrap_or_default()
        ),
        var,
        res,
        job,
    )
    .note("the ansible target writes secrets as `community.hashi_vault` (`vault://`) and `community.sops` (`sops://`) lookups")
    .help("use a `vault://` or `sops://` reference in this environment, or limit the emit with `when`: `emit ansible to \"…\" when env != \"local\"`");
    if unplaced {
        d.help("write the artifact into a `group_vars/` or `host_vars/` directory (`emit ansible to \"inventory/group_vars/{env}.yml\"`), or give the sops file an absolute path")
    } else {
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups() {
        let base = sops_base("inventory/group_vars/prod.yml", None);
        assert_eq!(
            lookup("vault://kv/acme/production/db#password", &base).unwrap(),
            "{{ lookup('community.hashi_vault.vault_kv2_get', 'acme/production/db', engine_mount_point='kv').secret['password'] }}"
        );
        assert_eq!(
            lookup("sops://secrets/prod.yaml#db.password", &base).unwrap(),
            "{{ lookup('community.sops.sops', (lookup('ansible.builtin.first_found', ([playbook_dir] + (ansible_inventory_sources | list) + (ansible_inventory_sources | map('dirname') | list)) | product(['/group_vars/prod.yml']) | map('join') | list) | dirname | dirname) ~ '/../secrets/prod.yaml', extract='[\"db\"][\"password\"]', rstrip=false) }}"
        );
        // An absolute file needs no anchor; quotes and backslashes are written exactly.
        assert_eq!(
            lookup("sops:///etc/s.yaml#it's.a\"b\\c", &base).unwrap(),
            "{{ lookup('community.sops.sops', '/etc/s.yaml', extract=('[\"it' ~ ('%c' % 39) ~ 's\"][\"a\"b' ~ ('%c' % 92) ~ 'c\"]'), rstrip=false) }}"
        );
        assert!(lookup("env://STRIPE_TEST_KEY", &base)
            .unwrap_err()
            .contains("`env://`"));
        assert!(lookup("aws-sm://prod/stripe", &base)
            .unwrap_err()
            .contains("`aws-sm://`"));
    }

    #[test]
    fn sops_files_are_found_from_the_artifacts_place() {
        let deep = sops_base("deploy/inventory/host_vars/web1/vars.yml", Some("../src"));
        assert_eq!(deep.to_source, "../../../src/");
        assert!(deep
            .anchor
            .unwrap()
            .ends_with(" | dirname | dirname | dirname)"));
        let top = sops_base("group_vars/all.yml", None);
        assert_eq!(top.to_source, "");
        assert!(sops_base("vars/prod.yml", None)
            .anchor
            .unwrap_err()
            .contains("`vars/prod.yml` is not in a `group_vars/` or `host_vars/` directory"));
        assert!(sops_base("group_vars", None).anchor.is_err());
    }

    #[test]
    fn strings_are_never_templated() {
        assert_eq!(string("yes"), "\"yes\"");
        assert_eq!(string("{{ x }}"), "!unsafe \"{{ x }}\"");
    }
}
