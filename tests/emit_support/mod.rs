//! Shared by the emit tests: a small builder for hand-made [`Model`]s (so emitter tests do
//! not depend on the parser), and helpers to run `emit` and pick artifacts.
#![allow(dead_code)]

use envdef::emit::{emit, Artifact, EmitOptions};
use envdef::model::*;
use envdef::{Diagnostics, Span};

pub struct ModelBuilder {
    pub model: Model,
}

pub fn ty(kind: TypeKind) -> Type {
    Type {
        kind,
        refinements: Vec::new(),
        name: None,
    }
}

impl ModelBuilder {
    pub fn new(project: &str) -> ModelBuilder {
        ModelBuilder {
            model: Model {
                project: project.to_string(),
                source_name: format!("{project}.envdef"),
                vars: Vec::new(),
                services: Default::default(),
                envs: Default::default(),
                emits: Vec::new(),
            },
        }
    }

    fn push(&mut self, def: VarDef) -> VarId {
        self.model.vars.push(def);
        for env in self.model.envs.values_mut() {
            env.values.push(None);
        }
        VarId(self.model.vars.len() as u32 - 1)
    }

    pub fn def(name: &str, kind: VarKind, ty: Type) -> VarDef {
        VarDef {
            name: name.to_string(),
            owner: None,
            kind,
            ty,
            optional: false,
            doc: None,
            example: None,
            deprecated: None,
            emit_name: name.to_string(),
            tfvars_name: name.to_lowercase(),
            format: ValueFormat::default(),
            default_reference: None,
            default: None,
            span: Span::default(),
        }
    }

    pub fn var(&mut self, name: &str, kind: TypeKind) -> VarId {
        self.push(Self::def(name, VarKind::Var, ty(kind)))
    }

    /// A variable with full control over its definition.
    pub fn var_def(&mut self, def: VarDef) -> VarId {
        self.push(def)
    }

    pub fn secret(&mut self, name: &str) -> VarId {
        self.push(Self::def(name, VarKind::Secret, ty(TypeKind::String)))
    }

    pub fn flag(&mut self, name: &str) -> VarId {
        let mut def = Self::def(name, VarKind::Flag, ty(TypeKind::Bool));
        def.emit_name = format!("FEATURE_{}", name.to_uppercase());
        def.tfvars_name = format!("feature_{name}");
        self.push(def)
    }

    pub fn service(&mut self, name: &str, vars: &[VarId]) {
        self.model.services.insert(
            name.to_string(),
            Service {
                name: name.to_string(),
                vars: vars.to_vec(),
                implicit: false,
                aliases: Default::default(),
                more_keys: Default::default(),
                override_tfvars: Default::default(),
                span: Span::default(),
            },
        );
    }

    /// `uses VAR as KEY` in service `service`.
    pub fn alias(&mut self, service: &str, var: VarId, key: &str) {
        let svc = self
            .model
            .services
            .get_mut(service)
            .expect("service declared");
        svc.aliases.insert(var, key.to_string());
    }

    pub fn env(&mut self, name: &str, values: Vec<(VarId, Value)>) {
        let env_id = EnvId::new(self.model.envs.len());
        let mut slots = vec![None; self.model.vars.len()];
        for (id, value) in values {
            slots[id.index()] = Some(std::sync::Arc::new(Resolved {
                value,
                origin: Origin {
                    env: Some(env_id),
                    span: Span::default(),
                    template: None,
                    service: None,
                },
            }));
        }
        self.model.envs.insert(
            name.to_string(),
            Env {
                name: name.to_string(),
                is_abstract: false,
                insecure: false,
                parent: None,
                chain: vec![env_id],
                values: slots,
                unset: Vec::new(),
                service_values: Default::default(),
                params: Vec::new(),
                open_params: Vec::new(),
                span: Span::default(),
            },
        );
    }

    pub fn emit(&mut self, target: &str, path: &str, options: &[(&str, &str)]) {
        self.model.emits.push(Emit {
            target: target.to_string(),
            path: path.to_string(),
            options: options
                .iter()
                .map(|(k, v)| (k.to_string(), Value::Str(v.to_string())))
                .collect(),
            scope: None,
            span: Span::default(),
        });
    }

    /// The four built-in per-env/per-service targets plus variables_tf.
    pub fn emit_all(&mut self) {
        self.emit("dotenv", "{service}/.env.{env}", &[]);
        self.emit("tfvars", "infra/{env}.tfvars", &[]);
        self.emit("variables_tf", "infra/variables.tf", &[]);
        self.emit("compose", "compose.{env}.yaml", &[]);
        self.emit(
            "kubernetes",
            "k8s/{env}/{service}.yaml",
            &[("namespace", "acme-{env}")],
        );
    }

    pub fn build(self) -> Model {
        self.model
    }
}

pub fn s(v: &str) -> Value {
    Value::Str(v.to_string())
}

pub fn secret_ref(r: &str) -> Value {
    Value::Secret {
        reference: r.to_string(),
    }
}

/// Runs emit with default options; returns artifacts and diagnostics.
pub fn run(model: &Model) -> (Vec<Artifact>, Diagnostics) {
    run_with(model, &EmitOptions::default())
}

pub fn run_with(model: &Model, options: &EmitOptions) -> (Vec<Artifact>, Diagnostics) {
    let mut diagnostics = Diagnostics::new();
    let artifacts = emit(model, options, &mut diagnostics);
    (artifacts, diagnostics)
}

/// Runs emit and fails the test on any diagnostic.
pub fn run_ok(model: &Model) -> Vec<Artifact> {
    let (artifacts, diagnostics) = run(model);
    let messages: Vec<String> = diagnostics
        .iter()
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    assert!(messages.is_empty(), "unexpected diagnostics: {messages:#?}");
    artifacts
}

pub fn artifact<'a>(artifacts: &'a [Artifact], path: &str) -> &'a Artifact {
    artifacts
        .iter()
        .find(|a| a.path.to_str() == Some(path))
        .unwrap_or_else(|| {
            let paths: Vec<_> = artifacts
                .iter()
                .map(|a| a.path.display().to_string())
                .collect();
            panic!("no artifact {path}; have {paths:?}")
        })
}

pub fn codes(diagnostics: &Diagnostics) -> Vec<&'static str> {
    diagnostics.iter().map(|d| d.code.as_str()).collect()
}

/// A small fleet touching every kind of value.
pub fn fleet() -> Model {
    let mut b = ModelBuilder::new("acme");
    let api_url = b.var("API_URL", TypeKind::Url);
    let port = b.var("PORT", TypeKind::Int);
    let ratio = b.var("RATIO", TypeKind::Float);
    let debug = b.var("DEBUG", TypeKind::Bool);
    let timeout = b.var("REQUEST_TIMEOUT", TypeKind::Duration);
    let origins = b.var(
        "ALLOWED_ORIGINS",
        TypeKind::List {
            element: Box::new(ty(TypeKind::Url)),
        },
    );
    let motto = b.var("MOTTO", TypeKind::String);
    let password = b.secret("DB_PASSWORD");
    let checkout = b.flag("new_checkout");
    b.service(
        "api",
        &[
            port, api_url, ratio, debug, origins, motto, password, checkout,
        ],
    );
    b.service("worker", &[api_url, timeout, password]);
    for (env, url, flag) in [
        ("staging", "https://api.staging.acme.com", true),
        ("production", "https://api.acme.com", false),
    ] {
        b.env(
            env,
            vec![
                (api_url, s(url)),
                (port, Value::Int(8080)),
                (ratio, Value::Float(0.25)),
                (debug, Value::Bool(false)),
                (timeout, Value::Duration(5_400_000)),
                (
                    origins,
                    Value::List(vec![s("https://a.example"), s("https://b.example")]),
                ),
                (motto, s("it's a fine day: 100% #1 %{x} yes")),
                (
                    password,
                    secret_ref(&format!("vault://kv/acme/{env}/db#password")),
                ),
                (checkout, Value::Bool(flag)),
            ],
        );
    }
    b.emit_all();
    b.build()
}

/// Hand-picked hostile values every emitter must carry exactly or refuse: YAML words,
/// shell and dotenv metacharacters, quotes, backslashes, line breaks, unicode.
pub const HOSTILE_VALUES: &[&str] = &[
    "",
    " ",
    "yes",
    "~",
    "0123",
    "1e3",
    "a b",
    " lead",
    "trail ",
    "#hash",
    "x #y",
    "multi\nline",
    "tab\there",
    "pa$$word",
    "$HOME",
    "$(id)",
    "it's",
    "say \"hi\"",
    "C:\\dir",
    "%{x}",
    "😀",
    "\u{2028}",
    "- item",
    "{a: 1}",
    "=",
    "a=b",
    "'",
    "\"",
    "\\",
    "${HOME}",
    "\r\n",
];
