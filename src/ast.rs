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
    /// The name as written.
    pub text: String,
    /// Where it is written.
    pub span: Span,
}

/// One parsed source file.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    /// The declarations, in file order.
    pub items: Vec<Item>,
    /// Every comment in the file, in order (kept for `fmt`).
    pub comments: Vec<Comment>,
    /// Declarations left out after a syntax error, so later phases can tell the errors
    /// their absence causes from real ones.
    pub broken: Vec<BrokenDecl>,
    /// The whole file.
    pub span: Span,
}

/// A top-level declaration that did not parse; defined beside the rules that use it
/// (`diagnostics` may not reach `ast`).
pub use crate::diagnostics::knock_on::BrokenDecl;

/// A `# ...` comment; `text` excludes the `#` and the line ending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// The comment's text after `#`.
    pub text: String,
    /// The whole comment, `#` included.
    pub span: Span,
}

/// A top-level declaration.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `project NAME`.
    Project(ProjectDecl),
    /// `import "PATH"`.
    Import(ImportDecl),
    /// `type NAME = TYPE`.
    Type(TypeDecl),
    /// `var NAME: TYPE …`.
    Var(VarDecl),
    /// `secret NAME …`.
    Secret(SecretDecl),
    /// `flag NAME = BOOL …`.
    Flag(FlagDecl),
    /// `service NAME { … }`.
    Service(ServiceDecl),
    /// `env NAME { … }`.
    Env(EnvDecl),
    /// `assert EXPR …`.
    Assert(AssertDecl),
    /// `emit TARGET to "PATH" …`.
    Emit(EmitDecl),
    /// `promote A -> B -> …`.
    Promote(PromoteDecl),
    /// `group NAME { uses … }`.
    Group(GroupDecl),
}

impl Item {
    /// The whole declaration.
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
    /// The project's name.
    pub name: Ident,
    /// The whole declaration.
    pub span: Span,
}

/// `import "PATH"` — the path as written (escapes decoded), relative to the importing file.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportDecl {
    /// The imported file's path.
    pub path: StrLit,
    /// The whole declaration.
    pub span: Span,
}

/// `type NAME = TYPE`
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDecl {
    /// The type's name.
    pub name: Ident,
    /// The type it stands for.
    pub ty: TypeExpr,
    /// The whole declaration.
    pub span: Span,
}

/// `var NAME: TYPE [= DEFAULT] ["doc"] [{ key = value ... }]`
#[derive(Debug, Clone, PartialEq)]
pub struct VarDecl {
    /// The variable's name.
    pub name: Ident,
    /// Its type as written.
    pub ty: TypeExpr,
    /// `TYPE?`: the variable may stay unset in an environment.
    pub optional: bool,
    /// The default value, used by every environment that does not assign one.
    pub default: Option<Value>,
    /// The trailing doc string (the block form's `doc = "..."` is in `attrs`).
    pub doc: Option<StrLit>,
    /// Block-form attributes, e.g. `doc`, `example`, `deprecated`, `tfvars_name`, `unit`,
    /// `separator`, `list_format`. Unknown keys are reported by the checker.
    pub attrs: Vec<Attr>,
    /// The whole declaration.
    pub span: Span,
}

/// `secret NAME [from "REF"] ["doc"] [{ attrs }]`
#[derive(Debug, Clone, PartialEq)]
pub struct SecretDecl {
    /// The secret's name.
    pub name: Ident,
    /// The default reference; `{env}` and `{service}` expand in it.
    pub reference: Option<StrLit>,
    /// The trailing doc string.
    pub doc: Option<StrLit>,
    /// Block-form attributes (`doc`, `env_name`, …); unknown keys are reported by the checker.
    pub attrs: Vec<Attr>,
    /// The whole declaration.
    pub span: Span,
}

/// `flag NAME = BOOL ["doc"] [{ attrs }]`
#[derive(Debug, Clone, PartialEq)]
pub struct FlagDecl {
    /// The flag's name.
    pub name: Ident,
    /// Written as a value so a non-bool default gets a type error, not a syntax error.
    pub default: Value,
    /// The trailing doc string.
    pub doc: Option<StrLit>,
    /// Block-form attributes; unknown keys are reported by the checker.
    pub attrs: Vec<Attr>,
    /// The whole declaration.
    pub span: Span,
}

/// `key = value` inside a declaration's block or an `emit`'s options.
#[derive(Debug, Clone, PartialEq)]
pub struct Attr {
    /// The attribute's name.
    pub key: Ident,
    /// Its value.
    pub value: Value,
    /// The whole `key = value`.
    pub span: Span,
}

/// `service NAME { var ...  secret ...  uses A, B }`
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceDecl {
    /// The service's name.
    pub name: Ident,
    /// Its own variables and secrets, and its `uses` lines, in order.
    pub members: Vec<ServiceMember>,
    /// The whole declaration.
    pub span: Span,
}

/// One member of a `service` block.
#[derive(Debug, Clone, PartialEq)]
pub enum ServiceMember {
    /// A variable owned by this service (addressed as `svc.NAME` in environments).
    Var(VarDecl),
    /// A secret owned by this service.
    Secret(SecretDecl),
    /// `uses A, B, flag_name` — shared declarations this service reads.
    Uses(UsesDecl),
}

/// `uses A, B as KEY, …`: the shared declarations (or groups) a service or group reads.
#[derive(Debug, Clone, PartialEq)]
pub struct UsesDecl {
    /// The names used, in order.
    pub names: Vec<Ident>,
    /// Parallel to `names`: `KEY` of `NAME as KEY`, the key this service reads `NAME` under
    /// in every target instead of `NAME`'s own (`uses DB_PASSWORD as POSTGRES_PASSWORD`).
    pub aliases: Vec<Option<Ident>>,
    /// The whole `uses` line.
    pub span: Span,
}

/// `group NAME { uses A, B }`: a named list of uses; a service's `uses NAME` reads every
/// member (a group may use other groups).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupDecl {
    /// The group's name.
    pub name: Ident,
    /// Its `uses` lines.
    pub uses: Vec<UsesDecl>,
    /// The whole declaration.
    pub span: Span,
}

/// `[abstract] env NAME [extends PARENT] { assignments }`
#[derive(Debug, Clone, PartialEq)]
pub struct EnvDecl {
    /// `insecure env …`: the `insecure` keyword's span. Such an environment may give a
    /// secret a plain value (a local development password); it can never reach an
    /// environment without the mark, nor a Kubernetes or Terraform artifact.
    pub insecure: Option<Span>,
    /// `abstract env …`: a base for other environments, never emitted itself.
    pub is_abstract: bool,
    /// The environment's name.
    pub name: Ident,
    /// `env NAME(PARAM, PARAM: TYPE)`: empty for an ordinary environment.
    pub params: Vec<EnvParam>,
    /// `extends PARENT`: the environment it inherits from.
    pub parent: Option<Ident>,
    /// Its assignments, in order.
    pub assignments: Vec<Assignment>,
    /// The whole declaration.
    pub span: Span,
}

/// One parameter of a parameterised environment: `branch` or `region: "eu" | "us"`.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvParam {
    /// The parameter's name.
    pub name: Ident,
    /// `None`: `string`.
    pub ty: Option<TypeExpr>,
    /// The whole parameter.
    pub span: Span,
}

/// `NAME = VALUE`, `svc.NAME = VALUE`, or `NAME from "REF"` for a secret.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// What is assigned.
    pub target: AssignTarget,
    /// The value, the reference or `unset`.
    pub rhs: AssignRhs,
    /// The whole assignment.
    pub span: Span,
}

/// The left side of an assignment (and a variable in an assert expression).
#[derive(Debug, Clone, PartialEq)]
pub struct AssignTarget {
    /// `svc` in `svc.NAME`.
    pub service: Option<Ident>,
    /// The variable's name.
    pub name: Ident,
    /// The whole `svc.NAME` or `NAME`.
    pub span: Span,
}

/// The right side of an assignment.
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
    /// The condition every environment must satisfy.
    pub condition: Expr,
    /// `when EXPR`: the environments (and services) it applies to; `None`: every one.
    pub when: Option<Expr>,
    /// `"message"`: shown when it fails, instead of the condition.
    pub message: Option<StrLit>,
    /// The whole declaration.
    pub span: Span,
}

/// `emit TARGET to "PATH" [{ options }]`
#[derive(Debug, Clone, PartialEq)]
pub struct EmitDecl {
    /// The target (`dotenv`, `kubernetes`, a custom template's name).
    pub target: Ident,
    /// The artifact's path, relative to the output root, with `{env}`/`{service}` placeholders.
    pub path: StrLit,
    /// `when EXPR`: the environments (and services) the emit covers, in the assert
    /// expression language; `None` covers every one.
    pub when: Option<Expr>,
    /// `{ key = value }` options, per target; unknown keys are reported by the checker.
    pub options: Vec<Attr>,
    /// The whole declaration.
    pub span: Span,
}

/// `promote local -> dev -> staging -> production`: a promotion ladder, earliest first. A
/// flag on in one of these environments must be on in every one before it; a percentage
/// flag must not be rolled out further in a later one.
#[derive(Debug, Clone, PartialEq)]
pub struct PromoteDecl {
    /// The environments in promotion order (at least two).
    pub envs: Vec<Ident>,
    /// The whole declaration.
    pub span: Span,
}

// ── types ──────────────────────────────────────────────────────────────────────────────

/// A type as written: a base plus refinements, e.g. `int in 1..=65535`.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeExpr {
    /// The base type.
    pub base: BaseType,
    /// `in …`, `matching …`, `len in …`, in order.
    pub refinements: Vec<Refinement>,
    /// The whole type expression.
    pub span: Span,
}

/// What a type is built on.
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

/// A refinement of a type: a condition every value must meet.
#[derive(Debug, Clone, PartialEq)]
pub struct Refinement {
    /// Which refinement, with its operand.
    pub kind: RefinementKind,
    /// The whole refinement.
    pub span: Span,
}

/// What a refinement says.
#[derive(Debug, Clone, PartialEq)]
pub enum RefinementKind {
    /// `in LO..=HI` / `in LO..HI` (numbers; either bound may be int or float).
    Range(RangeLit),
    /// `matching /RE/`
    Matching(RegexLit),
    /// `len in A..=B` / `len in A..B`
    Len(RangeLit),
}

/// A range in a refinement: `LO..=HI` or `LO..HI`.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeLit {
    /// The lower bound (inclusive).
    pub lo: Value,
    /// The upper bound.
    pub hi: Value,
    /// `..=` (true) or `..` (false).
    pub inclusive: bool,
    /// The whole range.
    pub span: Span,
}

/// `/pattern/` — `pattern` has `\/` already turned into `/`; other escapes are kept for
/// the regex engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegexLit {
    /// The pattern between the slashes.
    pub pattern: String,
    /// The whole `/…/`.
    pub span: Span,
}

// ── values ─────────────────────────────────────────────────────────────────────────────

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    /// What it is.
    pub kind: ValueKind,
    /// The whole literal.
    pub span: Span,
}

/// What a literal is.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueKind {
    /// `"…"`, with its interpolations.
    Str(StrLit),
    /// A decimal integer.
    Int(i64),
    /// A number with a `.` or an exponent.
    Float(f64),
    /// `true` or `false`.
    Bool(bool),
    /// `30s`, `1h30m`.
    Duration(DurationLit),
    /// `[a, b]`.
    List(Vec<Value>),
}

/// A string literal, split into text and `${NAME}` interpolations. Escapes are decoded
/// and `$$` is already a literal `$` in `Text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrLit {
    /// Text and interpolations, in order.
    pub parts: Vec<StrPart>,
    /// The whole literal, quotes included.
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

/// One piece of a string literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StrPart {
    /// Literal text (escapes decoded).
    Text(String),
    /// `${NAME}`; `${env}` and `${service}` are the built-ins.
    Interp(Ident),
}

/// `30s`, `5m`, `1h30m`, `250ms`, `2d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationLit {
    /// The duration in milliseconds.
    pub millis: u64,
}

// ── assert expressions ─────────────────────────────────────────────────────────────────

/// An assert expression (also an `emit … when` condition).
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// The whole expression.
    pub span: Span,
}

impl Expr {
    /// The plain string literals of an operand that a name or member is compared with: the
    /// operand itself, or each item of a list (`env in ["staging", "production"]`), with
    /// their spans. Anything else (a variable, an interpolated string) is left out.
    pub fn string_literals(&self) -> Vec<(Span, String)> {
        let items = match &self.kind {
            ExprKind::List(items) => items.as_slice(),
            _ => std::slice::from_ref(self),
        };
        items
            .iter()
            .filter_map(|item| match &item.kind {
                ExprKind::Literal(Value {
                    kind: ValueKind::Str(s),
                    ..
                }) => Some((item.span, s.as_plain()?)),
                _ => None,
            })
            .collect()
    }
}

/// What an expression is.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A variable (`API_URL`, `svc.PORT`, or a flag name).
    Var(AssignTarget),
    /// The current environment's name.
    Env,
    /// The current service's name (asserts with `service` are checked per service).
    Service,
    /// A literal value.
    Literal(Value),
    /// `[a, b]` on the right of `in`.
    List(Vec<Expr>),
    /// `!operand`.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// What it applies to.
        operand: Box<Expr>,
    },
    /// `lhs OP rhs`.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// The left operand.
        lhs: Box<Expr>,
        /// The right operand.
        rhs: Box<Expr>,
    },
    /// `x matches /re/`
    Matches {
        /// The left operand, the text tested.
        lhs: Box<Expr>,
        /// The pattern.
        regex: RegexLit,
    },
}

/// A prefix operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `!`
    Not,
}

/// An infix operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `||`
    Or,
    /// `&&`
    And,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `in` (membership in a list).
    In,
    /// `starts_with`
    StartsWith,
    /// `ends_with`
    EndsWith,
}

impl BinaryOp {
    /// The operator as written.
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
