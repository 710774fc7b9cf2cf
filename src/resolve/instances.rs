//! Parameterised environments: `env preview(branch) extends staging { … }` and matrices
//! `env production(region: "eu" | "us") extends deployed { … }` become ordinary
//! environments here, so nothing after resolve (check, the model, emit, `list`, `diff`,
//! the language server) knows about parameters. E0230, E0232.
//!
//! The declaration itself becomes an abstract environment holding the assignments that
//! use no parameter; each instance extends it and holds the others, with every `${PARAM}`
//! (and, in secret references, `{PARAM}`) replaced by the parameter's DNS-1123 label. An
//! instance exists for each combination of values: a parameter whose type is a union of
//! strings (a finite domain) takes each member unless `--param` gives one; any other
//! parameter needs `--param NAME=VALUE`, and without it the declaration has no instance.

use indexmap::IndexMap;
use sha2::{Digest, Sha256};

use crate::ast::{self, AssignRhs, StrLit, StrPart, ValueKind};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::hash::FastIndexMap;

/// The longest DNS-1123 label (Kubernetes namespaces and object names, hostnames).
pub const MAX_LABEL: usize = 63;
/// Most environments one parameterised declaration may expand into.
pub const MAX_INSTANCES: usize = 1000;

/// One parameter's value in an instance.
#[derive(Debug, Clone)]
pub struct ParamValue {
    /// The parameter's declaration (its name and type).
    pub param: ast::EnvParam,
    /// As given (`feature/Login_Fix`) or the union member.
    pub value: String,
    /// Its DNS-1123 label (`feature-login-fix`): what `${PARAM}` inserts.
    pub label: String,
    /// Given with `--param` (else a member of the parameter's union).
    pub given: bool,
}

/// One environment to add: its declaration (name, parent, assignments) and its values.
pub(super) struct Instance {
    pub decl: ast::EnvDecl,
    pub params: Vec<ParamValue>,
}

/// `raw` as a DNS-1123 label: lowercase ASCII letters and digits, every run of other
/// characters one `-`, no `-` at either end; longer than 63 characters, it is cut to 54
/// and ends in `-` and 8 hex digits of the SHA-256 of `raw`, so two long names that share
/// a beginning stay apart. A value with no letter or digit is its hash alone.
pub fn dns_label(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        return short_hash(raw);
    }
    if out.len() > MAX_LABEL {
        out.truncate(MAX_LABEL - 9);
        while out.ends_with('-') {
            out.pop();
        }
        out.push('-');
        out.push_str(&short_hash(raw));
    }
    out
}

fn short_hash(raw: &str) -> String {
    let digest = Sha256::digest(raw.as_bytes());
    digest[..4].iter().map(|b| format!("{b:02x}")).collect()
}

/// The built-in types a parameter cannot have (`string` it can).
const NOT_TEXT: &[&str] = &["int", "float", "bool", "url", "duration"];

/// What a parameter's type allows, as far as naming instances goes (refinements are the
/// checker's).
enum Domain {
    Open,
    Finite(Vec<String>),
}

/// The parameter's domain; `Err` with a message for a type a parameter cannot have.
fn domain(
    ty: Option<&ast::TypeExpr>,
    types: &FastIndexMap<String, ast::TypeDecl>,
) -> Result<Domain, String> {
    let mut ty = match ty {
        None => return Ok(Domain::Open),
        Some(ty) => ty,
    };
    // Named types are followed to their definition (bounded: a cycle is E0206, `types.rs`).
    for _ in 0..64 {
        match &ty.base {
            ast::BaseType::Union(members) => {
                let members = members.iter().filter_map(StrLit::as_plain).collect();
                return Ok(Domain::Finite(members));
            }
            ast::BaseType::Named(name) if name.text == "string" => return Ok(Domain::Open),
            ast::BaseType::Named(name) => match types.get(&name.text) {
                Some(decl) => ty = &decl.ty,
                None if NOT_TEXT.contains(&name.text.as_str()) => {
                    return Err(format!("`{}`", name.text))
                }
                // Unknown: reported at the type (E0205, `types.rs`).
                None => return Ok(Domain::Open),
            },
            ast::BaseType::List(_) => return Err("a list".into()),
        }
    }
    Ok(Domain::Open)
}

/// Whether `param` has no finite domain (it needs `--param NAME=VALUE` for an instance).
/// A parameter of a type it cannot have counts as finite: it is reported (E0232) and asks
/// nothing of the command line.
pub fn is_open(param: &ast::EnvParam, types: &FastIndexMap<String, ast::TypeDecl>) -> bool {
    matches!(domain(param.ty.as_ref(), types), Ok(Domain::Open))
}

/// The members of a parameter's finite domain (`region: "eu" | "us"`), if it has one.
pub fn param_members(
    param: &ast::EnvParam,
    types: &FastIndexMap<String, ast::TypeDecl>,
) -> Option<Vec<String>> {
    match domain(param.ty.as_ref(), types) {
        Ok(Domain::Finite(members)) => Some(members),
        _ => None,
    }
}

/// Splits a parameterised declaration: returns the assignments that use a parameter and
/// leaves the others in `decl` (the abstract environment every instance extends).
pub(super) fn split(decl: &mut ast::EnvDecl) -> Vec<ast::Assignment> {
    let names: Vec<&str> = decl.params.iter().map(|p| p.name.text.as_str()).collect();
    let (uses, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut decl.assignments)
        .into_iter()
        .partition(|a| uses_param(&a.rhs, &names));
    decl.assignments = rest;
    uses
}

fn uses_param(rhs: &AssignRhs, names: &[&str]) -> bool {
    fn in_str(s: &StrLit, names: &[&str], braces: bool) -> bool {
        s.parts.iter().any(|part| match part {
            StrPart::Interp(id) => names.contains(&id.text.as_str()),
            StrPart::Text(t) => braces && names.iter().any(|n| t.contains(&format!("{{{n}}}"))),
        })
    }
    fn in_value(v: &ast::Value, names: &[&str]) -> bool {
        match &v.kind {
            ValueKind::Str(s) => in_str(s, names, false),
            ValueKind::List(items) => items.iter().any(|i| in_value(i, names)),
            _ => false,
        }
    }
    match rhs {
        AssignRhs::Value(v) => in_value(v, names),
        AssignRhs::SecretRef(r) => in_str(r, names, true),
        AssignRhs::Unset(_) => false,
    }
}

/// Everything `expand` reads besides the declarations.
pub(super) struct Scope<'a, E, V> {
    pub types: &'a FastIndexMap<String, ast::TypeDecl>,
    /// Declared environments (instances may not take their names).
    pub envs: &'a FastIndexMap<String, E>,
    /// Declared variables (a parameter may not shadow one in `${…}`).
    pub vars: &'a FastIndexMap<String, V>,
    /// `--param NAME=VALUE`, in the order given.
    pub given: &'a [(String, String)],
}

/// The instances of every parameterised declaration (`templates`: the declaration, with
/// only its parameter-using assignments left, as `split` returned them).
pub(super) fn expand<E, V>(
    scope: &Scope<'_, E, V>,
    templates: &[(ast::EnvDecl, Vec<ast::Assignment>)],
    diagnostics: &mut Diagnostics,
) -> Vec<Instance> {
    let mut out: Vec<Instance> = Vec::new();
    // Instance name → the declaration and the values that took it.
    let mut named: IndexMap<String, (ast::Ident, String)> = IndexMap::new();
    let mut used_given = vec![false; scope.given.len()];
    for (decl, assignments) in templates {
        let Some(choices) = choices(scope, decl, &mut used_given, diagnostics) else {
            continue;
        };
        let total = choices.iter().map(Vec::len).product::<usize>();
        if total > MAX_INSTANCES {
            diagnostics.push(
                Diagnostic::error(
                    Code::ParameterMismatch,
                    format!(
                        "environment `{}` expands into {total} environments; at most {MAX_INSTANCES} are allowed",
                        decl.name.text
                    ),
                )
                .primary(decl.name.span, "too many combinations of its parameters")
                .help("split the matrix, or give some parameters with `--param NAME=VALUE`"),
            );
            continue;
        }
        for combo in 0..total {
            let mut rest = combo;
            let mut params = Vec::with_capacity(choices.len());
            for (param, values) in decl.params.iter().zip(&choices) {
                let value = values[rest % values.len()].clone();
                rest /= values.len();
                params.push(ParamValue {
                    param: param.clone(),
                    label: dns_label(&value),
                    given: scope.given.iter().any(|(n, _)| *n == param.name.text),
                    value,
                });
            }
            let instance = instantiate(decl, assignments, params);
            if let Some(clash) = collision(scope, &named, &instance) {
                diagnostics.push(clash);
                continue;
            }
            named.insert(
                instance.decl.name.text.clone(),
                (decl.name.clone(), describe(&instance.params)),
            );
            out.push(instance);
        }
    }
    for ((name, _), used) in scope.given.iter().zip(used_given) {
        if !used {
            diagnostics.push(
                Diagnostic::error(
                    Code::ParameterMismatch,
                    format!("`--param {name}=…` names no parameter of any environment"),
                )
                .help(
                    crate::diagnostics::suggest::did_you_mean(
                        name,
                        templates.iter().flat_map(|(d, _)| d.params.iter().map(|p| p.name.text.as_str())),
                    )
                    .unwrap_or_else(|| "parameters are declared in parentheses after an environment's name: `env preview(branch) { … }`".to_string()),
                ),
            );
        }
    }
    out
}

/// The values each parameter takes, in declaration order; `None` when the declaration has
/// no instance (a parameter is missing, or is broken and reported).
fn choices<E, V>(
    scope: &Scope<'_, E, V>,
    decl: &ast::EnvDecl,
    used_given: &mut [bool],
    diagnostics: &mut Diagnostics,
) -> Option<Vec<Vec<String>>> {
    let mut out = Vec::with_capacity(decl.params.len());
    let mut complete = true;
    for (i, param) in decl.params.iter().enumerate() {
        if let Some(first) = decl.params[..i]
            .iter()
            .find(|p| p.name.text == param.name.text)
        {
            diagnostics.push(
                Diagnostic::error(
                    Code::ParameterMismatch,
                    format!("parameter `{}` is declared twice", param.name.text),
                )
                .primary(param.name.span, "declared again here")
                .secondary(first.name.span, "first declared here")
                .help("rename one of them"),
            );
            return None;
        }
        if scope.vars.contains_key(&param.name.text) || param.name.text == "env" {
            diagnostics.push(
                Diagnostic::error(
                    Code::ParameterMismatch,
                    format!("parameter `{}` has the name of a variable", param.name.text),
                )
                .primary(param.name.span, "`${…}` of this name would be ambiguous")
                .help("parameters are lower case by convention: `branch`, `region`"),
            );
            return None;
        }
        let domain = match domain(param.ty.as_ref(), scope.types) {
            Ok(d) => d,
            Err(what) => {
                diagnostics.push(
                    Diagnostic::error(
                        Code::ParameterMismatch,
                        format!("parameter `{}` cannot be {what}", param.name.text),
                    )
                    .primary(param.ty.as_ref().map_or(param.span, |t| t.span), "not a string type")
                    .help("a parameter is text: `NAME`, `NAME: string …` with refinements, or a union `NAME: \"eu\" | \"us\"`"),
                );
                return None;
            }
        };
        let given = scope
            .given
            .iter()
            .position(|(name, _)| *name == param.name.text);
        match (given, domain) {
            (Some(g), _) => {
                used_given[g] = true;
                out.push(vec![scope.given[g].1.clone()]);
            }
            (None, Domain::Finite(members)) => out.push(members),
            (None, Domain::Open) => complete = false,
        }
    }
    complete.then_some(out)
}

/// The instance of `decl` for one combination of parameter values.
fn instantiate(
    decl: &ast::EnvDecl,
    assignments: &[ast::Assignment],
    params: Vec<ParamValue>,
) -> Instance {
    let labels: Vec<&str> = params.iter().map(|p| p.label.as_str()).collect();
    let raw: Vec<&str> = params.iter().map(|p| p.value.as_str()).collect();
    let name = instance_name(&decl.name.text, &labels, &raw);
    let assignments = assignments
        .iter()
        .map(|a| {
            let mut a = a.clone();
            substitute_rhs(&mut a.rhs, &params);
            a
        })
        .collect();
    Instance {
        decl: ast::EnvDecl {
            insecure: decl.insecure,
            is_abstract: decl.is_abstract,
            name: ast::Ident {
                text: name,
                span: decl.name.span,
            },
            params: Vec::new(),
            parent: Some(decl.name.clone()),
            assignments,
            span: decl.span,
        },
        params,
    }
}

/// `BASE-LABEL[-LABEL…]`, as one DNS-1123 label: past 63 characters it is cut and ends in
/// a hash of the values as given, like [`dns_label`].
pub fn instance_name(base: &str, labels: &[&str], raw: &[&str]) -> String {
    let mut name = base.to_string();
    for label in labels {
        name.push('-');
        name.push_str(label);
    }
    if name.len() <= MAX_LABEL {
        return name;
    }
    let mut cut: String = name.chars().take(MAX_LABEL - 9).collect();
    while cut.ends_with('-') {
        cut.pop();
    }
    cut.push('-');
    cut.push_str(&short_hash(&format!("{base}\0{}", raw.join("\0"))));
    cut
}

fn substitute_rhs(rhs: &mut AssignRhs, params: &[ParamValue]) {
    match rhs {
        AssignRhs::Value(v) => substitute_value(v, params),
        AssignRhs::SecretRef(r) => substitute_str(r, params, true),
        AssignRhs::Unset(_) => {}
    }
}

fn substitute_value(v: &mut ast::Value, params: &[ParamValue]) {
    match &mut v.kind {
        ValueKind::Str(s) => substitute_str(s, params, false),
        ValueKind::List(items) => items.iter_mut().for_each(|i| substitute_value(i, params)),
        _ => {}
    }
}

/// `${PARAM}` → the label; in a secret reference (`braces`) also `{PARAM}`, as `{env}`.
fn substitute_str(s: &mut StrLit, params: &[ParamValue], braces: bool) {
    for part in &mut s.parts {
        match part {
            StrPart::Interp(id) => {
                if let Some(p) = params.iter().find(|p| p.param.name.text == id.text) {
                    *part = StrPart::Text(p.label.clone());
                }
            }
            StrPart::Text(t) if braces => {
                for p in params {
                    *t = t.replace(&format!("{{{}}}", p.param.name.text), &p.label);
                }
            }
            StrPart::Text(_) => {}
        }
    }
}

/// `region = "eu", tier = "a"`.
fn describe(params: &[ParamValue]) -> String {
    params
        .iter()
        .map(|p| format!("{} = {:?}", p.param.name.text, p.value))
        .collect::<Vec<_>>()
        .join(", ")
}

/// E0230: the instance's name is taken by a declared environment or another instance.
fn collision<E, V>(
    scope: &Scope<'_, E, V>,
    named: &IndexMap<String, (ast::Ident, String)>,
    instance: &Instance,
) -> Option<Diagnostic> {
    let name = &instance.decl.name.text;
    let base = instance
        .decl
        .parent
        .as_ref()
        .map_or("", |p| p.text.as_str());
    let this = format!("`{base}` with {}", describe(&instance.params));
    let note = "an instance is named BASE-VALUE with each value lowercased, every run of other characters than a-z and 0-9 made one `-` (docs/language.md)";
    if scope.envs.contains_key(name) {
        return Some(
            Diagnostic::error(
                Code::InstanceNameCollision,
                format!("{this} is named `{name}`, which is already an environment"),
            )
            .primary(instance.decl.name.span, format!("instance `{name}`"))
            .note(note)
            .help(format!(
                "rename the environment `{name}`, or change the value so its name differs"
            )),
        );
    }
    let (other, other_values) = named.get(name)?;
    let mut d = Diagnostic::error(
        Code::InstanceNameCollision,
        format!(
            "{this} is named `{name}`, like `{}` with {other_values}",
            other.text
        ),
    )
    .primary(instance.decl.name.span, format!("instance `{name}`"));
    if other.span != instance.decl.name.span {
        d = d.secondary(
            other.span,
            format!("`{}` has an instance of this name", other.text),
        );
    }
    Some(d.note(note).help(
        "make the values differ in more than case and punctuation (`eu-west` and `eu_west` are both `eu-west`)",
    ))
}
