//! Types: `ast::TypeExpr` → [`TyInfo`] (a `model::Type` plus the spans to blame), each
//! named type lowered once through the ids `resolve` bound its names to, and every
//! refinement validated (E0301–E0303).
//!
//! Regexes are compiled here, once per distinct pattern, with size limits, and kept in
//! [`Regexes`] for the value checks; nothing compiles a regex per value.

use crate::ast;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::hash::FastHashMap;
use crate::model::{Number, Refinement, Type, TypeId, TypeKind};
use crate::resolve::{Program, TypeRef, MAX_TYPE_DEPTH};
use crate::source::Span;

/// Compiled-program size limit for one `matching` regex (and for assert `matches`).
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// A resolved type and where each part of it was written, so a value error can label the
/// exact type or refinement it breaks (which may live in an imported file).
#[derive(Debug, Clone)]
pub(crate) struct TyInfo {
    pub ty: Type,
    /// Where the base of the type is spelled (`int`, the union, `list<...>`); for a named
    /// type, its declaration's type expression.
    pub base_span: Span,
    /// Where the type is written at its use (`Port` in `var P: Port`), for "expected
    /// `Port`" labels.
    pub use_span: Span,
    /// Parallel to `ty.refinements`.
    pub refinement_spans: Vec<Span>,
    /// For `list<T>`: the element's info.
    pub element: Option<Box<TyInfo>>,
}

impl TyInfo {
    /// How the type is named in messages: `Port`, `int`, `list<url>`, `"a" | "b"`.
    pub fn display(&self) -> String {
        self.ty.display_name()
    }

    pub fn simple(kind: TypeKind, span: Span) -> TyInfo {
        TyInfo {
            ty: Type {
                kind,
                refinements: Vec::new(),
                name: None,
            },
            base_span: span,
            use_span: span,
            refinement_spans: Vec::new(),
            element: None,
        }
    }
}

/// Compiled regexes by pattern.
#[derive(Debug, Default)]
pub(crate) struct Regexes {
    map: FastHashMap<String, Option<regex::Regex>>,
}

impl Regexes {
    /// Compiles (once) and returns the regex, or the error text.
    pub fn compile(&mut self, pattern: &str) -> Result<&regex::Regex, String> {
        if !self.map.contains_key(pattern) {
            let built = regex::RegexBuilder::new(pattern)
                .size_limit(REGEX_SIZE_LIMIT)
                .dfa_size_limit(REGEX_SIZE_LIMIT)
                .build();
            match built {
                Ok(re) => {
                    self.map.insert(pattern.to_string(), Some(re));
                }
                Err(err) => {
                    self.map.insert(pattern.to_string(), None);
                    return Err(regex_error_text(&err));
                }
            }
        }
        match self.map.get(pattern) {
            Some(Some(re)) => Ok(re),
            _ => Err("invalid regular expression".to_string()),
        }
    }

    /// A regex compiled before (patterns reach the value checks only once validated).
    pub fn get(&self, pattern: &str) -> Option<&regex::Regex> {
        self.map.get(pattern).and_then(Option::as_ref)
    }
}

/// Where in the source a pattern's syntax error is, and what it is: the regex parser's
/// span mapped back into the `/.../` literal (each `/` of the pattern was written `\/`).
fn regex_error_at(pattern: &str, literal: Span) -> Option<(Span, String)> {
    let err = regex_syntax::ast::parse::Parser::new()
        .parse(pattern)
        .err()?;
    let to_source = |i: usize| {
        let i = i.min(pattern.len());
        literal.start as usize + 1 + i + pattern[..i].matches('/').count()
    };
    let span = err.span();
    let (start, end) = (to_source(span.start.offset), to_source(span.end.offset));
    let start = start.min(literal.end as usize);
    let end = end.max(start + 1).min(literal.end as usize).max(start);
    Some((Span::new(literal.file, start, end), err.kind().to_string()))
}

/// The last, most specific line of a regex error ("error: unclosed group").
fn regex_error_text(err: &regex::Error) -> String {
    match err {
        regex::Error::CompiledTooBig(limit) => {
            format!("the compiled pattern is larger than the {limit}-byte limit")
        }
        other => {
            let text = other.to_string();
            text.lines()
                .rev()
                .find(|l| l.trim_start().starts_with("error:"))
                .map(|l| {
                    l.trim_start()
                        .trim_start_matches("error:")
                        .trim()
                        .to_string()
                })
                .unwrap_or(text)
        }
    }
}

/// Named types, lowered on demand and memoised.
pub(crate) struct TypeTable<'p> {
    program: &'p Program,
    /// Per [`TypeId`]: `None` until lowered, then the info (`None` when broken).
    done: Vec<Option<Option<TyInfo>>>,
    pub regexes: Regexes,
}

impl<'p> TypeTable<'p> {
    pub fn new(program: &'p Program) -> TypeTable<'p> {
        TypeTable {
            program,
            done: vec![None; program.types.len()],
            regexes: Regexes::default(),
        }
    }

    /// Lowers every named type (so an unused broken type is still reported).
    pub fn lower_all_named(&mut self, diagnostics: &mut Diagnostics) {
        for index in 0..self.program.types.len() {
            self.named(TypeId::new(index), 0, diagnostics);
        }
    }

    /// Lowers a type expression; `None` when it is broken (already reported).
    pub fn lower(&mut self, expr: &ast::TypeExpr, diagnostics: &mut Diagnostics) -> Option<TyInfo> {
        self.lower_at(expr, 0, diagnostics)
    }

    fn lower_at(
        &mut self,
        expr: &ast::TypeExpr,
        depth: usize,
        diagnostics: &mut Diagnostics,
    ) -> Option<TyInfo> {
        if depth > MAX_TYPE_DEPTH {
            // Reported by resolve (E0206), which walks the types in this very order.
            return None;
        }
        let mut info = match &expr.base {
            // An unbound name is unknown or closes a cycle (reported by resolve).
            ast::BaseType::Named(name) => match self.program.refs.types.get(&name.span)? {
                TypeRef::Builtin(kind) => TyInfo::simple(kind.clone(), expr.span),
                &TypeRef::Declared(id) => self.named(id, depth + 1, diagnostics)?,
            },
            ast::BaseType::Union(members) => {
                let mut names: Vec<String> = Vec::with_capacity(members.len());
                for m in members {
                    let text = m.to_template();
                    if !names.contains(&text) {
                        names.push(text);
                    }
                }
                TyInfo::simple(TypeKind::Enum { members: names }, expr.span)
            }
            ast::BaseType::List(element) => {
                let element = self.lower_at(element, depth + 1, diagnostics)?;
                TyInfo {
                    ty: Type {
                        kind: TypeKind::List {
                            element: Box::new(element.ty.clone()),
                        },
                        refinements: Vec::new(),
                        name: None,
                    },
                    base_span: expr.span,
                    use_span: expr.span,
                    refinement_spans: Vec::new(),
                    element: Some(Box::new(element)),
                }
            }
        };
        info.use_span = expr.span;
        let mut ok = true;
        for refinement in &expr.refinements {
            match self.refinement(&info.ty.kind, refinement, diagnostics) {
                Some(r) => {
                    info.ty.refinements.push(r);
                    info.refinement_spans.push(refinement.span);
                }
                None => ok = false,
            }
        }
        ok.then_some(info)
    }

    fn named(&mut self, id: TypeId, depth: usize, diagnostics: &mut Diagnostics) -> Option<TyInfo> {
        if let Some(done) = &self.done[id.index()] {
            return done.clone();
        }
        let decl = &self.program.types[id];
        let lowered = self.lower_at(&decl.ty, depth, diagnostics).map(|mut info| {
            info.ty.name = Some(decl.name.text.clone());
            info.base_span = decl.ty.span;
            info.use_span = decl.ty.span;
            info
        });
        self.done[id.index()] = Some(lowered.clone());
        lowered
    }

    fn refinement(
        &mut self,
        kind: &TypeKind,
        refinement: &ast::Refinement,
        diagnostics: &mut Diagnostics,
    ) -> Option<Refinement> {
        let not_applicable = |what: &str, applies: &str| {
            Diagnostic::error(
                Code::RefinementNotApplicable,
                format!("`{what}` does not apply to {}", kind_phrase(kind)),
            )
            .primary(refinement.span, format!("only for {applies}"))
        };
        match &refinement.kind {
            ast::RefinementKind::Range(range) => {
                let is_int = matches!(kind, TypeKind::Int);
                if !matches!(kind, TypeKind::Int | TypeKind::Float) {
                    diagnostics.push(
                        not_applicable("in LO..HI", "`int` and `float`")
                            .help("use `len in A..=B` for the length of strings and lists"),
                    );
                    return None;
                }
                let (lo, hi) = range_bounds(range, is_int, diagnostics)?;
                let empty = if range.inclusive {
                    lo.as_f64() > hi.as_f64()
                } else {
                    lo.as_f64() >= hi.as_f64()
                };
                if empty {
                    diagnostics.push(empty_range(range));
                    return None;
                }
                Some(Refinement::Range {
                    lo,
                    hi,
                    inclusive: range.inclusive,
                })
            }
            ast::RefinementKind::Len(range) => {
                if !matches!(
                    kind,
                    TypeKind::String
                        | TypeKind::Url
                        | TypeKind::Enum { .. }
                        | TypeKind::List { .. }
                ) {
                    diagnostics.push(
                        not_applicable("len in A..B", "strings and lists")
                            .help("use `in LO..=HI` to bound a number"),
                    );
                    return None;
                }
                let (lo, hi) = range_bounds(range, true, diagnostics)?;
                let (Number::Int(lo), Number::Int(hi)) = (lo, hi) else {
                    return None;
                };
                if lo < 0 || hi < 0 {
                    diagnostics.push(
                        Diagnostic::error(Code::InvalidRange, "a length cannot be negative")
                            .primary(range.span, "negative bound")
                            .help("lengths start at 0"),
                    );
                    return None;
                }
                let empty = if range.inclusive { lo > hi } else { lo >= hi };
                if empty {
                    diagnostics.push(empty_range(range));
                    return None;
                }
                Some(Refinement::Len {
                    lo: lo as u64,
                    hi: hi as u64,
                    inclusive: range.inclusive,
                })
            }
            ast::RefinementKind::Matching(re) => {
                if !matches!(
                    kind,
                    TypeKind::String | TypeKind::Url | TypeKind::Enum { .. }
                ) {
                    diagnostics.push(not_applicable("matching", "strings and urls"));
                    return None;
                }
                if let Err(message) = self.regexes.compile(&re.pattern) {
                    let mut d = Diagnostic::error(
                        Code::InvalidRegex,
                        format!("invalid regular expression: {message}"),
                    );
                    d = match regex_error_at(&re.pattern, re.span) {
                        Some((at, what)) => d.primary(at, what),
                        None => d.primary(re.span, message),
                    };
                    diagnostics.push(d.help(
                        "envdef uses Rust `regex` syntax (no look-around, no backreferences)",
                    ));
                    return None;
                }
                Some(Refinement::Matching {
                    pattern: re.pattern.clone(),
                })
            }
        }
    }
}

fn kind_phrase(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Enum { .. } => "a union of strings".to_string(),
        TypeKind::List { .. } => "a list".to_string(),
        other => format!(
            "`{}`",
            Type {
                kind: other.clone(),
                refinements: Vec::new(),
                name: None
            }
            .display_name()
        ),
    }
}

fn empty_range(range: &ast::RangeLit) -> Diagnostic {
    let op = if range.inclusive { "..=" } else { ".." };
    Diagnostic::error(
        Code::InvalidRange,
        "this range is empty: no value can satisfy it",
    )
    .primary(range.span, "empty range")
    .help(format!(
        "the lower bound must be {} the upper bound in `LO{op}HI`",
        if range.inclusive {
            "at most"
        } else {
            "less than"
        }
    ))
}

/// Both bounds as numbers (ints when `int_only`).
fn range_bounds(
    range: &ast::RangeLit,
    int_only: bool,
    diagnostics: &mut Diagnostics,
) -> Option<(Number, Number)> {
    let mut bound = |v: &ast::Value| match v.kind {
        ast::ValueKind::Int(i) => Some(Number::Int(i)),
        ast::ValueKind::Float(f) if !int_only => Some(Number::Float(f)),
        _ => {
            let want = if int_only { "an integer" } else { "a number" };
            diagnostics.push(
                Diagnostic::error(Code::InvalidRange, format!("a range bound must be {want}"))
                    .primary(v.span, format!("not {want}")),
            );
            None
        }
    };
    let lo = bound(&range.lo);
    let hi = bound(&range.hi);
    Some((lo?, hi?))
}

trait AsF64 {
    fn as_f64(&self) -> f64;
}

impl AsF64 for Number {
    fn as_f64(&self) -> f64 {
        match *self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
}
