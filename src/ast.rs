//! The typed syntax tree of one source file: plain Rust data, independent of pest.
//!
//! Produced by [`crate::syntax`], consumed by [`crate::resolve`] and `fmt`. Every node
//! carries the [`Span`] of the text it came from. Names are [`Ident`]s (text + span), never
//! bare strings, so every later diagnostic can point at them. Nothing here is validated
//! beyond the grammar: unknown names, bad types and bad values are the resolver's and
//! checker's business.

use crate::source::Span;

/// A name as written, with where it was written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ident {
    pub text: String,
    pub span: Span,
}

/// One parsed source file.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub items: Vec<Item>,
    /// Every comment in the file, in order (kept for `fmt`).
    pub comments: Vec<Comment>,
    /// Declarations left out after a syntax error, so later phases can tell the errors
    /// their absence causes from real ones.
    pub broken: Vec<BrokenDecl>,
    pub span: Span,
}

/// A top-level declaration that did not parse; defined beside the rules that use it
/// (`diagnostics` may not reach `ast`).
pub use crate::diagnostics::knock_on::BrokenDecl;

/// A `# ...` comment; `text` excludes the `#` and the line ending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub text: String,
    pub span: Span,
}

/// A top-level declaration.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Project(ProjectDecl),
    Import(ImportDecl),
    Type(TypeDecl),
    Var(VarDecl),
    Secret(SecretDecl),
    Flag(FlagDecl),
    Service(ServiceDecl),
    Env(EnvDecl),
    Assert(AssertDecl),
    Emit(EmitDecl),
    Promote(PromoteDecl),
    Group(GroupDecl),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Project(x) => x.span,
            Item::Import(x) => x.span,
            Item::Type(x) => x.span,
            Item::Var(x) => x.span,
            Item::Secret(x) => x.span,
            Item::Flag(x) => x.span,
            Item::Service(x) => x.span,
            Item::Env(x) => x.span,
            Item::Assert(x) => x.span,
            Item::Emit(x) => x.span,
            Item::Promote(x) => x.span,
            Item::Group(x) => x.span,
        }
    }
}

/// `project NAME`
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectDecl {
    pub name: Ident,
    pub span: Span,
}

/// `import "PATH"` — the path as written (escapes decoded), relative to the importing file.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportDecl {
    pub path: StrLit,
    pub span: Span,
}

/// `type NAME = TYPE`
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    pub span: Span,
}

/// `var NAME: TYPE [= DEFAULT] ["doc"] [{ key = value ... }]`
#[derive(Debug, Clone, PartialEq)]
pub struct VarDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    /// `TYPE?`: the variable may stay unset in an environment.
    pub optional: bool,
    pub default: Option<Value>,
    /// The trailing doc string (the block form's `doc = "..."` is in `attrs`).
    pub doc: Option<StrLit>,
    /// Block-form attributes, e.g. `doc`, `example`, `deprecated`, `tfvars_name`, `unit`,
    /// `separator`, `list_format`. Unknown keys are reported by the checker.
    pub attrs: Vec<Attr>,
    pub span: Span,
}

/// `secret NAME [from "REF"] ["doc"] [{ attrs }]`
#[derive(Debug, Clone, PartialEq)]
pub struct SecretDecl {
    pub name: Ident,
    /// The default reference; `{env}` and `{service}` expand in it.
    pub reference: Option<StrLit>,
    pub doc: Option<StrLit>,
    pub attrs: Vec<Attr>,
    pub span: Span,
}

/// `flag NAME = BOOL ["doc"] [{ attrs }]`
#[derive(Debug, Clone, PartialEq)]
pub struct FlagDecl {
    pub name: Ident,
    /// Written as a value so a non-bool default gets a type error, not a syntax error.
    pub default: Value,
    pub doc: Option<StrLit>,
    pub attrs: Vec<Attr>,
    pub span: Span,
}

/// `key = value` inside a declaration's block or an `emit`'s options.
#[derive(Debug, Clone, PartialEq)]
pub struct Attr {
    pub key: Ident,
    pub value: Value,
    pub span: Span,
}

/// `service NAME { var ...  secret ...  uses A, B }`
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceDecl {
    pub name: Ident,
    pub members: Vec<ServiceMember>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ServiceMember {
    /// A variable owned by this service (addressed as `svc.NAME` in environments).
    Var(VarDecl),
    /// A secret owned by this service.
    Secret(SecretDecl),
    /// `uses A, B, flag_name` — shared declarations this service reads.
    Uses(UsesDecl),
}

#[derive(Debug, Clone, PartialEq)]
pub struct UsesDecl {
    pub names: Vec<Ident>,
    /// Parallel to `names`: `KEY` of `NAME as KEY`, the key this service reads `NAME` under
    /// in every target instead of `NAME`'s own (`uses DB_PASSWORD as POSTGRES_PASSWORD`).
    pub aliases: Vec<Option<Ident>>,
    pub span: Span,
}

/// `group NAME { uses A, B }`: a named list of uses; a service's `uses NAME` reads every
/// member (a group may use other groups).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupDecl {
    pub name: Ident,
    pub uses: Vec<UsesDecl>,
    pub span: Span,
}

/// `[abstract] env NAME [extends PARENT] { assignments }`
#[derive(Debug, Clone, PartialEq)]
pub struct EnvDecl {
    /// `insecure env …`: the `insecure` keyword's span. Such an environment may give a
    /// secret a plain value (a local development password); it can never reach an
    /// environment without the mark, nor a Kubernetes or Terraform artifact.
    pub insecure: Option<Span>,
    pub is_abstract: bool,
    pub name: Ident,
    /// `env NAME(PARAM, PARAM: TYPE)`: empty for an ordinary environment.
    pub params: Vec<EnvParam>,
    pub parent: Option<Ident>,
    pub assignments: Vec<Assignment>,
    pub span: Span,
}

/// One parameter of a parameterised environment: `branch` or `region: "eu" | "us"`.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvParam {
    pub name: Ident,
    /// `None`: `string`.
    pub ty: Option<TypeExpr>,
    pub span: Span,
}

/// `NAME = VALUE`, `svc.NAME = VALUE`, or `NAME from "REF"` for a secret.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub target: AssignTarget,
    pub rhs: AssignRhs,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AssignTarget {
    /// `svc` in `svc.NAME`.
    pub service: Option<Ident>,
    pub name: Ident,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AssignRhs {
    /// `= VALUE`
    Value(Value),
    /// `from "REF"` — a secret reference for this environment.
    SecretRef(StrLit),
    /// `= unset` — an optional variable has no value here, whatever it inherits (the span
    /// of the word `unset`).
    Unset(Span),
}

/// `assert EXPR [when EXPR] ["message"]`
#[derive(Debug, Clone, PartialEq)]
pub struct AssertDecl {
    pub condition: Expr,
    pub when: Option<Expr>,
    pub message: Option<StrLit>,
    pub span: Span,
}

/// `emit TARGET to "PATH" [{ options }]`
#[derive(Debug, Clone, PartialEq)]
pub struct EmitDecl {
    pub target: Ident,
    pub path: StrLit,
    /// `when EXPR`: the environments (and services) the emit covers, in the assert
    /// expression language; `None` covers every one.
    pub when: Option<Expr>,
    pub options: Vec<Attr>,
    pub span: Span,
}

/// `promote local -> dev -> staging -> production`: a promotion ladder, earliest first. A
/// flag on in one of these environments must be on in every one before it; a percentage
/// flag must not be rolled out further in a later one.
#[derive(Debug, Clone, PartialEq)]
pub struct PromoteDecl {
    /// The environments in promotion order (at least two).
    pub envs: Vec<Ident>,
    pub span: Span,
}

// ── types ──────────────────────────────────────────────────────────────────────────────

/// A type as written: a base plus refinements, e.g. `int in 1..=65535`.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeExpr {
    pub base: BaseType,
    pub refinements: Vec<Refinement>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BaseType {
    /// `string`, `int`, `float`, `bool`, `url`, `duration`, or a named type. Resolution
    /// decides which; the parser does not reserve the builtin names.
    Named(Ident),
    /// `"a" | "b" | "c"`
    Union(Vec<StrLit>),
    /// `list<T>`
    List(Box<TypeExpr>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Refinement {
    pub kind: RefinementKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RefinementKind {
    /// `in LO..=HI` / `in LO..HI` (numbers; either bound may be int or float).
    Range(RangeLit),
    /// `matching /RE/`
    Matching(RegexLit),
    /// `len in A..=B` / `len in A..B`
    Len(RangeLit),
}

#[derive(Debug, Clone, PartialEq)]
pub struct RangeLit {
    pub lo: Value,
    pub hi: Value,
    /// `..=` (true) or `..` (false).
    pub inclusive: bool,
    pub span: Span,
}

/// `/pattern/` — `pattern` has `\/` already turned into `/`; other escapes are kept for
/// the regex engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegexLit {
    pub pattern: String,
    pub span: Span,
}

// ── values ─────────────────────────────────────────────────────────────────────────────

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub kind: ValueKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ValueKind {
    Str(StrLit),
    Int(i64),
    Float(f64),
    Bool(bool),
    Duration(DurationLit),
    List(Vec<Value>),
}

/// A string literal, split into text and `${NAME}` interpolations. Escapes are decoded
/// and `$$` is already a literal `$` in `Text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrLit {
    pub parts: Vec<StrPart>,
    pub span: Span,
}

impl StrLit {
    /// The literal text if it has no interpolation.
    pub fn as_plain(&self) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                StrPart::Text(t) => out.push_str(t),
                StrPart::Interp(_) => return None,
            }
        }
        Some(out)
    }

    /// The text with interpolations written back as `${NAME}` (for messages and paths).
    pub fn to_template(&self) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                StrPart::Text(t) => out.push_str(t),
                StrPart::Interp(name) => {
                    out.push_str("${");
                    out.push_str(&name.text);
                    out.push('}');
                }
            }
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StrPart {
    Text(String),
    /// `${NAME}`; `${env}` and `${service}` are the built-ins.
    Interp(Ident),
}

/// `30s`, `5m`, `1h30m`, `250ms`, `2d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationLit {
    pub millis: u64,
}

// ── assert expressions ─────────────────────────────────────────────────────────────────

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A variable (`API_URL`, `svc.PORT`, or a flag name).
    Var(AssignTarget),
    /// The current environment's name.
    Env,
    /// The current service's name (asserts with `service` are checked per service).
    Service,
    Literal(Value),
    /// `[a, b]` on the right of `in`.
    List(Vec<Expr>),
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `x matches /re/`
    Matches {
        lhs: Box<Expr>,
        regex: RegexLit,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    StartsWith,
    EndsWith,
}

impl BinaryOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Or => "||",
            BinaryOp::And => "&&",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
            BinaryOp::StartsWith => "starts_with",
            BinaryOp::EndsWith => "ends_with",
        }
    }
}
