//! The resolved, checked model: every concrete environment with a typed value for every
//! variable, and where each value came from.
//!
//! Produced by [`crate::check`] only when there are no errors; consumed by [`crate::emit`],
//! `diff`, `explain` and `list`. Emitters read this, never the AST. Everything is in
//! declaration order (`IndexMap`, `Vec`), so output built from it is deterministic.
//! Variables are addressed by [`VarId`] (an index), and each environment stores its values
//! in a `Vec` indexed by it: no hashing, no walking `extends` chains after resolution.

use std::sync::Arc;

use indexmap::IndexMap;

use crate::hash::FastIndexMap;
use serde::Serialize;

use crate::source::Span;

/// The whole fleet, resolved.
#[derive(Debug, Clone, Serialize)]
pub struct Model {
    /// `project NAME`, or the root file's stem when absent.
    pub project: String,
    /// The root source file as the user named it (for "generated from" headers).
    pub source_name: String,
    /// Every variable, secret and flag, shared and service-owned, in declaration order.
    pub vars: Vec<VarDef>,
    /// Declared services; when the source declares none, one implicit service named after
    /// the project that uses every shared declaration.
    pub services: FastIndexMap<String, Service>,
    /// Every environment, abstract ones included, in declaration order.
    pub envs: FastIndexMap<String, Env>,
    /// `emit` lines in declaration order.
    pub emits: Vec<Emit>,
}

impl Model {
    /// The declaration a [`VarId`] stands for.
    pub fn var(&self, id: VarId) -> &VarDef {
        &self.vars[id.index()]
    }

    /// The id of the environment named `name` (a user's `--env`, a rule's operand), if
    /// there is one.
    pub fn env_id(&self, name: &str) -> Option<EnvId> {
        self.envs.get_index_of(name).map(EnvId::new)
    }

    /// The name of an environment that an [`Origin`], [`Env::parent`] or [`Env::chain`]
    /// refers to.
    pub fn env_name(&self, id: EnvId) -> &str {
        &self.envs[id].name
    }

    /// The name of the service an [`Origin`] refers to.
    pub fn service_name(&self, id: ServiceId) -> &str {
        &self.services[id].name
    }

    /// `production → staging → deployed`.
    pub fn chain_text(&self, env: &Env) -> String {
        let names: Vec<&str> = env.chain.iter().map(|&e| self.env_name(e)).collect();
        names.join(" → ")
    }

    /// Environments that are emitted (not abstract), in declaration order.
    pub fn concrete_envs(&self) -> impl Iterator<Item = &Env> {
        self.envs.values().filter(|e| !e.is_abstract)
    }

    /// Looks a variable up by its source name: `NAME` for shared declarations, `svc.NAME`
    /// for a service's own variables.
    pub fn find_var(&self, qualified: &str) -> Option<VarId> {
        self.vars
            .iter()
            .position(|v| v.qualified_name() == qualified)
            .map(|i| VarId(i as u32))
    }
}

/// Typed indexes: each names one table, so an environment's index can never be used for a
/// service's (resolve gives them out in declaration order and the model keeps that order).
macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        pub struct $name(pub u32);

        impl $name {
            /// The position in the table this id indexes.
            pub fn index(self) -> usize {
                self.0 as usize
            }

            /// The id of the entry at `index` in its table (ids are given out in
            /// declaration order, so a table position is an id).
            pub fn new(index: usize) -> $name {
                $name(index as u32)
            }
        }
    )*};
}

ids! {
    /// Index of a variable in [`Model::vars`] and in every [`Env::values`].
    VarId;
    /// Index of an environment in [`Model::envs`] (and in `resolve::Program::envs`).
    EnvId;
    /// Index of a declared service in [`Model::services`] (and in
    /// `resolve::Program::services`).
    ServiceId;
    /// Index of a named type in `resolve::Program::types` (the model keeps types inline).
    TypeId;
}

/// `table[id]` for a table of declarations kept in id order (an `IndexMap` by name), so a
/// typed id indexes its own table and no other.
macro_rules! index_by {
    ($($id:ty => $value:ty;)*) => {$(
        impl std::ops::Index<$id> for $crate::hash::FastIndexMap<String, $value> {
            type Output = $value;
            fn index(&self, id: $id) -> &$value {
                &self[id.index()]
            }
        }

        impl std::ops::IndexMut<$id> for $crate::hash::FastIndexMap<String, $value> {
            fn index_mut(&mut self, id: $id) -> &mut $value {
                &mut self[id.index()]
            }
        }
    )*};
}
pub(crate) use index_by;

index_by! {
    EnvId => Env;
    ServiceId => Service;
}

/// What kind of declaration a variable came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VarKind {
    /// `var`: a plain value, written into every artifact as it is.
    Var,
    /// `secret`: only a reference reaches artifacts, never a value.
    Secret,
    /// `flag`: a feature flag, a `bool` that `promote` ladders roll out.
    Flag,
}

/// One declared variable, secret or flag.
#[derive(Debug, Clone, Serialize)]
pub struct VarDef {
    /// The name as declared (`API_URL`, `new_checkout`, `PORT` for `api.PORT`).
    pub name: String,
    /// The owning service for a service's own variable.
    pub owner: Option<String>,
    /// Whether it was declared with `var`, `secret` or `flag`.
    pub kind: VarKind,
    /// For secrets: `string`. For flags: `bool`.
    pub ty: Type,
    /// `TYPE?`: may be unset; an unset optional variable is not emitted.
    pub optional: bool,
    /// `doc = "…"`: shown by `list` and `explain`, written as a comment or description
    /// by the targets that have one.
    pub doc: Option<String>,
    /// `example = "…"`: a sample value for documentation targets (never checked against
    /// an environment's value).
    pub example: Option<String>,
    /// `deprecated = "…"`: why the variable should no longer be set; assigning it warns.
    pub deprecated: Option<String>,
    /// The key written to .env, compose and Kubernetes (`API_URL`; `FEATURE_NEW_CHECKOUT`
    /// for the flag `new_checkout`).
    pub emit_name: String,
    /// The Terraform variable name (snake_case unless `tfvars_name` overrides it).
    pub tfvars_name: String,
    /// How non-string values are written in text formats.
    pub format: ValueFormat,
    /// For secrets: the declaration's default reference template (`{env}`/`{service}`
    /// not yet expanded). Environments may override it.
    pub default_reference: Option<String>,
    /// The declaration's default when it is a literal (no `${…}`), whether or not any
    /// environment keeps it: what an application reads when the variable is absent
    /// (`emit::app`). `None` for secrets.
    #[serde(skip)]
    pub default: Option<Value>,
    /// The declaration's name, for diagnostics that point at it.
    pub span: Span,
}

impl VarDef {
    /// `NAME`, or `svc.NAME` for a service's own variable.
    pub fn qualified_name(&self) -> String {
        match &self.owner {
            Some(owner) => format!("{owner}.{}", self.name),
            None => self.name.clone(),
        }
    }

    /// Whether it is a `secret`: its values are references, and no output shows them.
    pub fn is_secret(&self) -> bool {
        self.kind == VarKind::Secret
    }
}

/// Per-variable formatting options for text targets (`unit`, `separator`, `list_format`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValueFormat {
    /// Write a duration as a number in this unit instead of canonical `1h30m`.
    pub duration_unit: Option<DurationUnit>,
    /// Joins list elements in text formats (default `,`).
    pub separator: String,
    /// `list_format = "json"`: write lists as a JSON array instead.
    pub list_json: bool,
    /// `bool_format = "yes/no"`: the words for true and false in text targets (.env,
    /// compose, Kubernetes, custom templates); `None` writes `true`/`false`. Tfvars keep
    /// HCL's real bools.
    pub bool_words: Option<(String, String)>,
}

impl Default for ValueFormat {
    fn default() -> ValueFormat {
        ValueFormat {
            duration_unit: None,
            separator: ",".to_string(),
            list_json: false,
            bool_words: None,
        }
    }
}

/// `unit = "…"` of a duration: the unit a text target writes it in, as a bare number
/// (for applications that read `TIMEOUT=30` as seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DurationUnit {
    /// Milliseconds.
    Ms,
    /// Seconds.
    S,
    /// Minutes.
    M,
    /// Hours.
    H,
}

impl DurationUnit {
    /// Milliseconds in one of this unit.
    pub fn millis(self) -> u64 {
        match self {
            DurationUnit::Ms => 1,
            DurationUnit::S => 1_000,
            DurationUnit::M => 60_000,
            DurationUnit::H => 3_600_000,
        }
    }

    /// The longest duration ([`crate::notation::MAX_DURATION_MS`]) in this unit: a whole
    /// number in every unit (`2400000000` hours).
    pub fn longest(self) -> u64 {
        crate::notation::MAX_DURATION_MS / self.millis()
    }
}

/// A resolved type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Type {
    /// The structure: a primitive, an enum of string members, or a list.
    pub kind: TypeKind,
    /// The constraints every value must meet, in the order written (a named type's own
    /// first, then the declaration's).
    pub refinements: Vec<Refinement>,
    /// The named type it came from (`Port`), for messages and `list`.
    pub name: Option<String>,
}

/// The structure of a [`Type`], named types already replaced by what they stand for.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TypeKind {
    /// Any text.
    String,
    /// A 64-bit signed integer.
    Int,
    /// A finite 64-bit float.
    Float,
    /// `true` or `false` (written with [`ValueFormat::bool_words`] when set).
    Bool,
    /// An absolute URL with a scheme and host, kept as written.
    Url,
    /// A span of time (`1h30m`), held in milliseconds.
    Duration,
    /// A string-literal union: the allowed members in declaration order.
    Enum {
        /// The members as written, without quotes.
        members: Vec<String>,
    },
    /// `list<T>`: written joined by [`ValueFormat::separator`] (or as JSON) in text targets.
    List {
        /// The type of every element, refinements included.
        element: Box<Type>,
    },
}

/// A constraint on a [`Type`]'s values, checked on every environment's value and carried
/// into the targets that can enforce it (JSON Schema, pydantic, zod).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Refinement {
    /// `in LO..=HI` / `in LO..HI`.
    Range {
        /// The lower bound, always included.
        lo: Number,
        /// The upper bound.
        hi: Number,
        /// `..=`: `hi` is included.
        inclusive: bool,
    },
    /// `matching /RE/` (the pattern as written, already validated).
    Matching {
        /// The Rust `regex` pattern as written between the slashes.
        pattern: String,
    },
    /// `len in A..=B` / `len in A..B`.
    Len {
        /// The shortest length allowed (characters, or elements of a list).
        lo: u64,
        /// The longest (or one past it when not `inclusive`).
        hi: u64,
        /// `..=`: `hi` is allowed.
        inclusive: bool,
    },
}

/// A range bound as written: an integer stays exact, so `int in 0..=65535` never goes
/// through a float.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Number {
    /// A bound written without a fraction.
    Int(i64),
    /// A bound written with a fraction or an exponent.
    Float(f64),
}

/// A typed, fully interpolated value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Value {
    /// A string, enum member or URL (or a secret's plain local value in an `insecure env`).
    Str(String),
    /// An `int`.
    Int(i64),
    /// A `float`.
    Float(f64),
    /// A `bool` or a flag.
    Bool(bool),
    /// Milliseconds.
    Duration(u64),
    /// A `list<T>`: the elements in order, each of the element type.
    List(Vec<Value>),
    /// A secret: only its reference, with `{env}` expanded and `{service}` still to expand
    /// per service ([`Value::secret_reference`]). Never a value.
    Secret {
        /// The reference (`vault://kv/{service}/db#password`), never the secret itself.
        reference: String,
    },
    /// A derived secret: a secret's value composed from text and other secrets
    /// (`DATABASE_URL = "postgres://app:${DB_PASSWORD}@db:5432/app"`). envdef holds the
    /// parts, never the composed value; each target builds it from the parts' references
    /// (an ExternalSecret template, compose interpolation) or refuses it at check.
    Derived {
        /// The text and secret references that make up the value, in order.
        parts: Vec<DerivedPart>,
        /// The secrets whose plain local value (an `insecure env`) is folded into the text
        /// parts: a target that never writes plain secret values (ansible) refuses them.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        local: Vec<VarId>,
    },
}

/// One part of a [`Value::Derived`]: text known at compile time, or a secret's reference.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DerivedPart {
    /// Literal text between the secrets (or interpolated from plain variables).
    Text {
        /// The text, `${…}` already replaced.
        text: String,
    },
    /// The secret `var`'s reference in this environment (`{service}` not yet expanded).
    Secret {
        /// The secret the part reads.
        var: VarId,
        /// Its reference in this environment.
        reference: String,
    },
}

impl DerivedPart {
    /// The reference with `{service}` expanded, for a secret part.
    pub fn reference(&self, service: &str) -> Option<String> {
        match self {
            DerivedPart::Secret { reference, .. } => Some(reference.replace("{service}", service)),
            DerivedPart::Text { .. } => None,
        }
    }
}

/// Canonical duration text (`1h30m`): the one formatter every stage uses.
pub use crate::notation::format_duration;

impl Type {
    /// The type as a user would write it: its name if it has one (`Port`), else its
    /// structure (`list<url>`, `"a" | "b"`), without refinements.
    pub fn display_name(&self) -> String {
        if let Some(name) = &self.name {
            return name.clone();
        }
        match &self.kind {
            TypeKind::String => "string".into(),
            TypeKind::Int => "int".into(),
            TypeKind::Float => "float".into(),
            TypeKind::Bool => "bool".into(),
            TypeKind::Url => "url".into(),
            TypeKind::Duration => "duration".into(),
            TypeKind::Enum { members } => members
                .iter()
                .map(|m| format!("{m:?}"))
                .collect::<Vec<_>>()
                .join(" | "),
            TypeKind::List { element } => format!("list<{}>", element.display_name()),
        }
    }
}

impl Value {
    /// Whether the value is only known at run time (a secret's reference or a derived
    /// secret); a plain local value of a secret is not.
    pub fn is_deferred(&self) -> bool {
        matches!(self, Value::Secret { .. } | Value::Derived { .. })
    }

    /// The parts of a derived secret.
    pub fn derived_parts(&self) -> Option<&[DerivedPart]> {
        match self {
            Value::Derived { parts, .. } => Some(parts),
            _ => None,
        }
    }

    /// A secret's reference for one service (`{service}` expanded).
    pub fn secret_reference(&self, service: &str) -> Option<String> {
        match self {
            Value::Secret { reference } => Some(reference.replace("{service}", service)),
            _ => None,
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resolved {
    /// The typed value, interpolation done.
    pub value: Value,
    /// Which assignment or default gave it (for `explain`, `diff` and diagnostics).
    pub origin: Origin,
}

/// Provenance of a value: which environment (or the declaration's default) set it, where,
/// and the string template it was interpolated from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Origin {
    /// The environment whose assignment set the value; `None` for the declaration's
    /// default (or a secret's default reference).
    pub env: Option<EnvId>,
    /// The assignment or default literal that set it.
    pub span: Span,
    /// For interpolated strings: the template as written (`"${API_URL}/v1"`).
    pub template: Option<String>,
    /// Set when a per-service override (`api.LOG_LEVEL = "debug"` for a shared
    /// `LOG_LEVEL`) gave the value: the service it is for.
    pub service: Option<ServiceId>,
}

/// One environment, after inheritance.
#[derive(Debug, Clone, Serialize)]
pub struct Env {
    /// The name as declared, or an instance's name (`preview-feature-login-fix`).
    pub name: String,
    /// `abstract env`: a base for others to extend; nothing is emitted for it and its
    /// required variables may stay unset.
    pub is_abstract: bool,
    /// `insecure env`: its secrets may hold plain local values ([`Value::Str`] for a
    /// secret), which never reach an environment without the mark nor a Kubernetes or
    /// Terraform artifact (checked).
    pub insecure: bool,
    /// `extends PARENT`, the environment it inherits unassigned values from.
    pub parent: Option<EnvId>,
    /// This environment, then its parent, then the parent's parent, …
    pub chain: Vec<EnvId>,
    /// Indexed by [`VarId`]. `None`: an optional variable left unset. In abstract
    /// environments a required variable may also be `None` (nothing set it yet). Shared
    /// ([`Arc`]) with the parent's value wherever evaluating it here gives the same: most of
    /// an environment is inherited, and copying every value into every environment was
    /// most of `check`'s time on large fleets (docs/performance.md).
    pub values: Vec<Option<Arc<Resolved>>>,
    /// Optional variables that an `= unset` (here or in an ancestor) leaves without a value,
    /// with where; sorted by [`VarId`]. The compose target removes these keys (`!reset`).
    pub unset: Vec<(VarId, Origin)>,
    /// Per service whose values here differ from [`Env::values`]: every variable that a
    /// per-service override (`api.LOG_LEVEL = "debug"`, here or inherited) changes for it,
    /// the overridden one and each whose `${…}` reads it, sorted by [`VarId`]. Services
    /// without overrides are absent. Read through [`Env::value_for`] and
    /// [`Env::unset_for`].
    pub service_values: FastIndexMap<String, Vec<ServiceValue>>,
    /// An instance of a parameterised environment (`env preview(branch) …`): each
    /// parameter's value, in declaration order. Empty for every other environment.
    pub params: Vec<ParamBinding>,
    /// A parameterised declaration: the parameters that have no finite domain, so that
    /// an instance needs `--param NAME=VALUE` for each. Empty for every other environment.
    pub open_params: Vec<String>,
    /// Where it is declared.
    pub span: Span,
}

/// One parameter's value in an instance (`branch = "feature/Login_Fix"`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamBinding {
    /// The parameter as declared (`branch`).
    pub name: String,
    /// As given on the command line, or the member of the parameter's union.
    pub value: String,
    /// Its DNS-1123 label (`feature-login-fix`): what `${name}` and `{name}` insert.
    pub label: String,
    /// Given with `--param` (else a member of the parameter's union).
    pub given: bool,
}

/// One variable's value for one service where it differs from the environment's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceValue {
    /// The variable whose value differs for the service.
    pub var: VarId,
    /// `None`: the service reads no value (an override `api.NAME = unset`).
    pub value: Option<Arc<Resolved>>,
    /// Where an `= unset` removed the value for this service, when one did.
    pub unset: Option<Origin>,
}

impl Env {
    /// The environment's value of a variable, `None` when it is unset (optional, or
    /// not yet set in an abstract environment). A service may read another: see
    /// [`Env::value_for`].
    pub fn value(&self, id: VarId) -> Option<&Resolved> {
        self.values.get(id.index()).and_then(Option::as_deref)
    }

    /// Where an `= unset` removed this variable's value, if one did.
    pub fn unset_at(&self, id: VarId) -> Option<&Origin> {
        self.unset
            .binary_search_by_key(&id.0, |(v, _)| v.0)
            .ok()
            .map(|i| &self.unset[i].1)
    }

    /// The variable's value as `service` reads it here differs from the environment's
    /// (a per-service override, or a value interpolating one): that value.
    pub fn service_value(&self, service: &str, id: VarId) -> Option<&ServiceValue> {
        if self.service_values.is_empty() {
            return None;
        }
        let values = self.service_values.get(service)?;
        values
            .binary_search_by_key(&id.0, |v| v.var.0)
            .ok()
            .map(|i| &values[i])
    }

    /// The value `service` reads for the variable here: its override when one applies,
    /// else the environment's value. Every target and `run`/`verify` read values this way.
    pub fn value_for(&self, service: &str, id: VarId) -> Option<&Resolved> {
        match self.service_value(service, id) {
            Some(v) => v.value.as_deref(),
            None => self.value(id),
        }
    }

    /// Where an `= unset` removed the variable for `service`, if one did.
    pub fn unset_for(&self, service: &str, id: VarId) -> Option<&Origin> {
        match self.service_value(service, id) {
            Some(v) => v.unset.as_ref(),
            None => self.unset_at(id),
        }
    }
}

/// One deployable: what it reads.
#[derive(Debug, Clone, Serialize)]
pub struct Service {
    /// The name as declared (the project's name for the implicit service).
    pub name: String,
    /// Its own variables first, then the shared ones it `uses`, in the order written.
    pub vars: Vec<VarId>,
    /// True for the implicit service of a source without `service` declarations.
    pub implicit: bool,
    /// `uses NAME as KEY`: the key this service reads a shared variable under first,
    /// instead of its own [`VarDef::emit_name`]. Every target that writes keys (.env,
    /// compose, ConfigMap, ExternalSecret, the application targets) walks
    /// [`Service::keys`]; Terraform names are unaffected.
    pub aliases: IndexMap<VarId, String>,
    /// The further keys of a variable the service reads under several (`uses A, A as B`:
    /// `B`), in the order written; usually empty. Compose projects do this often
    /// (`MINIO_ROOT_USER: ${AWS_ACCESS_KEY_ID}` beside `AWS_ACCESS_KEY_ID`).
    pub more_keys: Vec<(VarId, String)>,
    /// Terraform names of this service's own values of shared variables: every non-secret
    /// variable it reads whose value a per-service override changes for it in some
    /// environment, named `<service>_<name>` (`api_log_level`). A tfvars artifact for a
    /// whole environment writes them beside the shared value; `variables_tf` declares them
    /// (`default = null`: the shared value applies).
    pub override_tfvars: IndexMap<VarId, String>,
    /// Where it is declared (the `project` name, if any, for the implicit service).
    pub span: Span,
}

impl Service {
    /// The key this service reads `var` (with id `id`) under: its alias, or the variable's
    /// own `emit_name`.
    pub fn key<'a>(&'a self, id: VarId, var: &'a VarDef) -> &'a str {
        self.aliases
            .get(&id)
            .map_or(var.emit_name.as_str(), String::as_str)
    }

    /// Every key this service reads, with its variable: each of [`Service::vars`] under
    /// its first key, then at once under its further keys ([`Service::more_keys`]).
    pub fn keys<'a>(
        &'a self,
        model: &'a Model,
    ) -> impl Iterator<Item = (VarId, &'a VarDef, &'a str)> + 'a {
        self.vars.iter().flat_map(move |&id| {
            let var = model.var(id);
            std::iter::once(self.key(id, var))
                .chain(self.more_keys_of(id))
                .map(move |key| (id, var, key))
        })
    }

    /// The further keys of `id` (none for almost every variable).
    pub fn more_keys_of(&self, id: VarId) -> impl Iterator<Item = &str> {
        self.more_keys
            .iter()
            .filter(move |(v, _)| *v == id)
            .map(|(_, key)| key.as_str())
    }
}

/// One `emit` line.
#[derive(Debug, Clone, Serialize)]
pub struct Emit {
    /// `dotenv`, `tfvars`, `variables_tf`, `compose`, `kubernetes`, or a custom target.
    pub target: String,
    /// The path template (`{env}`, `{service}` not yet expanded).
    pub path: String,
    /// Options in the order written (`namespace = "acme-{env}"`).
    pub options: IndexMap<String, Value>,
    /// `when EXPR`: what the emit covers; `None` covers every concrete environment and
    /// every service.
    pub scope: Option<EmitScope>,
    /// The `emit` line.
    pub span: Span,
}

/// The emit option that makes a line a working file of `envdef switch` (`working = true`).
pub const WORKING_OPTION: &str = "working";

impl Emit {
    /// Whether this line describes a working file: written by `envdef switch ENV` for the
    /// active environment only, never by `compile`, and never checked in.
    pub fn is_working(&self) -> bool {
        matches!(self.options.get(WORKING_OPTION), Some(Value::Bool(true)))
    }

    /// Whether the emit writes anything for this environment.
    pub fn covers_env(&self, env: &str) -> bool {
        self.scope
            .as_ref()
            .map_or(true, |s| s.envs.contains_key(env))
    }

    /// Whether the emit covers this service in this environment.
    pub fn covers(&self, env: &str, service: &str) -> bool {
        match &self.scope {
            None => true,
            Some(s) => match s.envs.get(env) {
                None => false,
                Some(None) => true,
                Some(Some(services)) => services.iter().any(|s| s == service),
            },
        }
    }
}

/// The result of an emit's `when EXPR`, evaluated at check time.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EmitScope {
    /// The covered concrete environments in declaration order; per environment, the
    /// covered services (`None`: every service, as when the expression does not mention
    /// `service`).
    pub envs: IndexMap<String, Option<Vec<String>>>,
}

#[cfg(test)]
mod tests {
    use super::format_duration;

    #[test]
    fn durations_are_canonical() {
        assert_eq!(format_duration(5_400_000), "1h30m");
        assert_eq!(format_duration(250), "250ms");
        assert_eq!(format_duration(172_800_000), "2d");
        assert_eq!(format_duration(1_500), "1s500ms");
        assert_eq!(format_duration(0), "0s");
    }
}
