//! The fast path: one declaration chunk → [`ast::Item`] by hand-written recursive descent,
//! for the declarations that make up almost all of a large file (`var`, `secret`, `flag`,
//! `service`, `env`).
//!
//! It is an optimisation only, never a second grammar: it returns `None` at the first byte
//! it does not expect, or when a literal does not decode, and the chunk then goes through
//! pest and [`super::lower`] exactly as before, so every diagnostic still comes from there.
//! When it returns `Some`, the item is identical to what pest + lowering produce, spans
//! included. That includes pest's quirk that a rule's span takes in the blanks and comments
//! skipped before a trailing optional element that then matched nothing
//! (`var X: int = 5  "doc"` vs `var X: int = 5` inside a service block). The tests at the
//! bottom check the equality on every example, every UI test input and thousands of
//! mutated declarations.
//!
//! Why: pest spent about 540 instructions per source byte on the generated 10,000-variable
//! fleet (60% of `check`); this path spends a small fraction of that (docs/performance.md).

use super::literal;
use super::scan::DeclKind;
use crate::ast::*;
use crate::source::{FileId, Span};

/// Parses one chunk (`src`, starting at byte `offset` of the file) if it is a declaration
/// this path handles and is well-formed; `None` hands it to pest.
pub(crate) fn item(file: FileId, offset: usize, kind: DeclKind, src: &str) -> Option<Item> {
    let mut p = Parser {
        file,
        offset,
        src,
        b: src.as_bytes(),
        pos: 0,
    };
    let item = match kind {
        DeclKind::Var => Item::Var(p.var_decl()?),
        DeclKind::Secret => Item::Secret(p.secret_decl()?),
        DeclKind::Flag => Item::Flag(p.flag_decl()?),
        DeclKind::Service => Item::Service(p.service_decl()?),
        DeclKind::Env => Item::Env(p.env_decl()?),
        // Rare, short, or (asserts) with deep expression rules: pest is fine for them.
        _ => return None,
    };
    // The `*_item` rules end with EOI; the scanner already trimmed trailing blanks.
    p.skip();
    (p.pos == p.b.len()).then_some(item)
}

struct Parser<'a> {
    file: FileId,
    offset: usize,
    src: &'a str,
    b: &'a [u8],
    pos: usize,
}

fn is_word_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

impl<'a> Parser<'a> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, self.offset + start, self.offset + end)
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    /// pest's implicit `(WHITESPACE | COMMENT)*` between the tokens of a non-atomic rule.
    fn skip(&mut self) {
        while let Some(&c) = self.b.get(self.pos) {
            match c {
                // `WHITESPACE = _{ " " | '\t'..'\r' }`
                b' ' | b'\t'..=b'\r' => self.pos += 1,
                b'#' => {
                    while self.pos < self.b.len() && self.b[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// `kw_*`: the word, then no word character.
    fn keyword(&mut self, kw: &str) -> bool {
        let end = self.pos + kw.len();
        if self.b.get(self.pos..end) == Some(kw.as_bytes())
            && !self.b.get(end).is_some_and(|&c| is_word_char(c))
        {
            self.pos = end;
            true
        } else {
            false
        }
    }

    /// Consumes `[A-Za-z_]` then `[A-Za-z0-9_]*` (or with `-` for `name`); returns the range.
    fn word(&mut self, dashes: bool) -> Option<(usize, usize)> {
        let start = self.pos;
        let first = self.peek()?;
        if !(first.is_ascii_alphabetic() || first == b'_') {
            return None;
        }
        self.pos += 1;
        while let Some(&c) = self.b.get(self.pos) {
            if c.is_ascii_alphanumeric() || c == b'_' || (dashes && c == b'-') {
                self.pos += 1;
            } else {
                break;
            }
        }
        Some((start, self.pos))
    }

    fn ident_at(&self, (start, end): (usize, usize)) -> Ident {
        Ident {
            text: self.src[start..end].to_string(),
            span: self.span(start, end),
        }
    }

    /// `ident`: variables, secrets, flags, attribute keys.
    fn ident(&mut self) -> Option<Ident> {
        let range = self.word(false)?;
        Some(self.ident_at(range))
    }

    /// `name`: environments and services (may contain `-`).
    fn name(&mut self) -> Option<Ident> {
        let range = self.word(true)?;
        Some(self.ident_at(range))
    }

    /// A quoted token (`"..."` or `/.../`) on one line; returns its range, quotes included.
    fn quoted(&mut self, quote: u8) -> Option<(usize, usize)> {
        let start = self.pos;
        if !self.eat(quote) {
            return None;
        }
        loop {
            match *self.b.get(self.pos)? {
                b'\\' => {
                    // `"\\" ~ !"\n" ~ ANY`: a continuation byte of a multi-byte char is
                    // never special, so stepping over bytes matches stepping over chars.
                    if matches!(self.b.get(self.pos + 1), None | Some(b'\n')) {
                        return None;
                    }
                    self.pos += 2;
                }
                b'\n' => return None,
                c if c == quote => {
                    self.pos += 1;
                    return Some((start, self.pos));
                }
                _ => self.pos += 1,
            }
        }
    }

    fn string(&mut self) -> Option<StrLit> {
        let (start, end) = self.quoted(b'"')?;
        literal::string(self.file, &self.src[start..end], self.offset + start).ok()
    }

    fn regex(&mut self) -> Option<RegexLit> {
        let (start, end) = self.quoted(b'/')?;
        Some(literal::regex(
            self.file,
            &self.src[start..end],
            self.offset + start,
        ))
    }

    /// The `number` token: `-`? digit, then exponents, `.digit`, alphanumerics and `_`.
    fn number(&mut self) -> Option<Value> {
        let start = self.pos;
        self.eat(b'-');
        if !self.peek()?.is_ascii_digit() {
            self.pos = start;
            return None;
        }
        self.pos += 1;
        loop {
            let at = |i: usize| self.b.get(self.pos + i).copied().unwrap_or(0);
            let c = at(0);
            if matches!(c, b'e' | b'E') && matches!(at(1), b'+' | b'-') && at(2).is_ascii_digit() {
                self.pos += 3;
            } else if c == b'.' && at(1).is_ascii_digit() {
                self.pos += 2;
            } else if c.is_ascii_alphanumeric() || c == b'_' {
                self.pos += 1;
            } else {
                break;
            }
        }
        let kind =
            literal::number(self.file, &self.src[start..self.pos], self.offset + start).ok()?;
        Some(Value {
            kind,
            span: self.span(start, self.pos),
        })
    }

    /// `value = { string | number | bool_lit | list }`.
    fn value(&mut self) -> Option<Value> {
        match self.peek()? {
            b'"' => {
                let s = self.string()?;
                Some(Value {
                    span: s.span,
                    kind: ValueKind::Str(s),
                })
            }
            b'-' | b'0'..=b'9' => self.number(),
            b'[' => self.list(),
            _ => {
                let start = self.pos;
                let value = if self.keyword("true") {
                    true
                } else if self.keyword("false") {
                    false
                } else {
                    return None;
                };
                // `bool_lit` ends at a word boundary: same as `keyword`.
                Some(Value {
                    kind: ValueKind::Bool(value),
                    span: self.span(start, self.pos),
                })
            }
        }
    }

    /// `list = { "[" ~ (value ~ ("," ~ value)* ~ ","?)? ~ "]" }`.
    fn list(&mut self) -> Option<Value> {
        let start = self.pos;
        if !self.eat(b'[') {
            return None;
        }
        let mut items = Vec::new();
        self.skip();
        if self.peek() != Some(b']') {
            items.push(self.value()?);
            loop {
                let save = self.pos;
                self.skip();
                if !self.eat(b',') {
                    self.pos = save;
                    break;
                }
                self.skip();
                if self.peek() == Some(b']') {
                    // The trailing comma.
                    break;
                }
                items.push(self.value()?);
            }
        }
        self.skip();
        if !self.eat(b']') {
            return None;
        }
        Some(Value {
            kind: ValueKind::List(items),
            span: self.span(start, self.pos),
        })
    }

    /// `attr_block = { "{" ~ (attr ~ ","?)* ~ "}" }`, `attr = { ident ~ "=" ~ value }`.
    fn attr_block(&mut self) -> Option<Vec<Attr>> {
        if !self.eat(b'{') {
            return None;
        }
        let mut attrs = Vec::new();
        loop {
            self.skip();
            if self.eat(b'}') {
                return Some(attrs);
            }
            let start = self.pos;
            let key = self.ident()?;
            self.skip();
            if !self.eat(b'=') {
                return None;
            }
            self.skip();
            let value = self.value()?;
            attrs.push(Attr {
                key,
                value,
                span: self.span(start, self.pos),
            });
            let save = self.pos;
            self.skip();
            if !self.eat(b',') {
                self.pos = save;
            }
        }
    }

    // ── types ──────────────────────────────────────────────────────────────────────────

    /// `type_expr = { base_type ~ "?"? ~ refinement* }`; the `?` span is returned apart.
    fn type_expr(&mut self) -> Option<(TypeExpr, Option<Span>)> {
        let start = self.pos;
        let base = match self.peek()? {
            b'"' => {
                let mut members = vec![self.string()?];
                loop {
                    let save = self.pos;
                    self.skip();
                    if !self.eat(b'|') {
                        self.pos = save;
                        break;
                    }
                    self.skip();
                    members.push(self.string()?);
                }
                BaseType::Union(members)
            }
            _ if self.list_open() => {
                self.skip();
                let (element, optional) = self.type_expr()?;
                if optional.is_some() {
                    return None; // lowering reports a misplaced `?`
                }
                self.skip();
                if !self.eat(b'>') {
                    return None;
                }
                BaseType::List(Box::new(element))
            }
            _ => BaseType::Named(self.ident()?),
        };
        // `~ "?"?`: the skip before it stays consumed even when there is no `?`.
        self.skip();
        let optional = if self.peek() == Some(b'?') {
            self.pos += 1;
            Some(self.span(self.pos - 1, self.pos))
        } else {
            None
        };
        self.skip();
        let mut refinements = Vec::new();
        if let Some(r) = self.refinement() {
            refinements.push(r?);
            loop {
                let save = self.pos;
                self.skip();
                match self.refinement() {
                    Some(r) => refinements.push(r?),
                    None => {
                        self.pos = save;
                        break;
                    }
                }
            }
        }
        let ty = TypeExpr {
            base,
            refinements,
            span: self.span(start, self.pos),
        };
        Some((ty, optional))
    }

    /// `list <`, consumed; otherwise nothing is (a bare `list` is a named type to pest).
    fn list_open(&mut self) -> bool {
        let save = self.pos;
        if self.keyword("list") {
            self.skip();
            if self.eat(b'<') {
                return true;
            }
        }
        self.pos = save;
        false
    }

    /// `None`: no refinement here (position unchanged). `Some(None)`: one starts here but
    /// is malformed (the caller gives up).
    fn refinement(&mut self) -> Option<Option<Refinement>> {
        let start = self.pos;
        let kind = if self.keyword("in") {
            self.skip();
            self.range_lit().map(RefinementKind::Range)
        } else if self.keyword("matching") {
            self.skip();
            self.regex().map(RefinementKind::Matching)
        } else if self.keyword("len") {
            self.skip();
            if self.keyword("in") {
                self.skip();
                self.range_lit().map(RefinementKind::Len)
            } else {
                None
            }
        } else {
            return None;
        };
        Some(kind.map(|kind| Refinement {
            kind,
            span: self.span(start, self.pos),
        }))
    }

    /// `range_lit = { number ~ ("..=" | "..") ~ number }`.
    fn range_lit(&mut self) -> Option<RangeLit> {
        let start = self.pos;
        let lo = self.number()?;
        self.skip();
        if !self.b[self.pos..].starts_with(b"..") {
            return None;
        }
        self.pos += 2;
        let inclusive = self.eat(b'=');
        self.skip();
        let hi = self.number()?;
        Some(RangeLit {
            lo,
            hi,
            inclusive,
            span: self.span(start, self.pos),
        })
    }

    // ── declarations ───────────────────────────────────────────────────────────────────

    /// An optional trailing `string` (doc): `None` = malformed, `Some(None)` = absent.
    fn opt_string(&mut self) -> Option<Option<StrLit>> {
        if self.peek() == Some(b'"') {
            self.string().map(Some)
        } else {
            Some(None)
        }
    }

    fn opt_attr_block(&mut self) -> Option<Vec<Attr>> {
        if self.peek() == Some(b'{') {
            self.attr_block()
        } else {
            Some(Vec::new())
        }
    }

    /// `var_decl = { kw_var ~ ident ~ ":" ~ type_expr ~ ("=" ~ value)? ~ string? ~ attr_block? }`
    fn var_decl(&mut self) -> Option<VarDecl> {
        let start = self.pos;
        if !self.keyword("var") {
            return None;
        }
        self.skip();
        let name = self.ident()?;
        self.skip();
        if !self.eat(b':') {
            return None;
        }
        self.skip();
        let (ty, optional) = self.type_expr()?;
        self.skip();
        let default = if self.eat(b'=') {
            self.skip();
            Some(self.value()?)
        } else {
            None
        };
        self.skip();
        let doc = self.opt_string()?;
        self.skip();
        let attrs = self.opt_attr_block()?;
        Some(VarDecl {
            name,
            ty,
            optional: optional.is_some(),
            default,
            doc,
            attrs,
            span: self.span(start, self.pos),
        })
    }

    /// `secret_decl = { kw_secret ~ ident ~ (kw_from ~ string)? ~ string? ~ attr_block? }`
    fn secret_decl(&mut self) -> Option<SecretDecl> {
        let start = self.pos;
        if !self.keyword("secret") {
            return None;
        }
        self.skip();
        let name = self.ident()?;
        self.skip();
        let reference = if self.keyword("from") {
            self.skip();
            Some(self.string()?)
        } else {
            None
        };
        self.skip();
        let doc = self.opt_string()?;
        self.skip();
        let attrs = self.opt_attr_block()?;
        Some(SecretDecl {
            name,
            reference,
            doc,
            attrs,
            span: self.span(start, self.pos),
        })
    }

    /// `flag_decl = { kw_flag ~ ident ~ "=" ~ value ~ string? ~ attr_block? }`
    fn flag_decl(&mut self) -> Option<FlagDecl> {
        let start = self.pos;
        if !self.keyword("flag") {
            return None;
        }
        self.skip();
        let name = self.ident()?;
        self.skip();
        if !self.eat(b'=') {
            return None;
        }
        self.skip();
        let default = self.value()?;
        self.skip();
        let doc = self.opt_string()?;
        self.skip();
        let attrs = self.opt_attr_block()?;
        Some(FlagDecl {
            name,
            default,
            doc,
            attrs,
            span: self.span(start, self.pos),
        })
    }

    /// `service_decl = { kw_service ~ name ~ "{" ~ service_member* ~ "}" }`
    fn service_decl(&mut self) -> Option<ServiceDecl> {
        let start = self.pos;
        if !self.keyword("service") {
            return None;
        }
        self.skip();
        let name = self.name()?;
        self.skip();
        if !self.eat(b'{') {
            return None;
        }
        let mut members = Vec::new();
        loop {
            self.skip();
            if self.eat(b'}') {
                break;
            }
            let member = match self.peek()? {
                b'v' => ServiceMember::Var(self.var_decl()?),
                b's' => ServiceMember::Secret(self.secret_decl()?),
                b'u' => ServiceMember::Uses(self.uses_decl()?),
                _ => return None,
            };
            members.push(member);
        }
        Some(ServiceDecl {
            name,
            members,
            span: self.span(start, self.pos),
        })
    }

    /// `uses_decl = { kw_uses ~ uses_item ~ ("," ~ uses_item)* ~ ","? }`,
    /// `uses_item = { ident ~ (kw_as ~ ident)? }`
    fn uses_decl(&mut self) -> Option<UsesDecl> {
        let start = self.pos;
        if !self.keyword("uses") {
            return None;
        }
        self.skip();
        let mut names = vec![self.ident()?];
        let mut aliases = vec![self.uses_alias()];
        loop {
            let save = self.pos;
            self.skip();
            if !self.eat(b',') {
                self.pos = save;
                break;
            }
            self.skip();
            match self.ident() {
                Some(name) => {
                    names.push(name);
                    aliases.push(self.uses_alias());
                }
                None => {
                    // Not `, ident`: back to before the comma, which `","?` then takes.
                    self.pos = save;
                    break;
                }
            }
        }
        self.skip();
        self.eat(b',');
        Some(UsesDecl {
            names,
            aliases,
            span: self.span(start, self.pos),
        })
    }

    /// `(kw_as ~ ident)?` after a `uses` name: the alias, or `None` with nothing consumed.
    fn uses_alias(&mut self) -> Option<Ident> {
        let save = self.pos;
        self.skip();
        if self.keyword("as") {
            self.skip();
            if let Some(alias) = self.ident() {
                return Some(alias);
            }
        }
        self.pos = save;
        None
    }

    /// `env_decl = { kw_insecure? ~ kw_abstract? ~ kw_env ~ name ~ (kw_extends ~ name)? ~ "{" ~
    /// (assignment ~ ","?)* ~ "}" }`
    fn env_decl(&mut self) -> Option<EnvDecl> {
        let start = self.pos;
        let insecure_start = self.pos;
        let insecure = self
            .keyword("insecure")
            .then(|| self.span(insecure_start, self.pos));
        self.skip();
        let is_abstract = self.keyword("abstract");
        self.skip();
        if !self.keyword("env") {
            return None;
        }
        self.skip();
        // The grammar's `!kw_extends`: `env extends {}` is a missing name, which pest
        // reports; the fast path must not read `extends` as the name.
        if self.keyword("extends") {
            return None;
        }
        let name = self.name()?;
        self.skip();
        let params = if self.peek() == Some(b'(') {
            self.env_params()?
        } else {
            Vec::new()
        };
        self.skip();
        let parent = if self.keyword("extends") {
            self.skip();
            Some(self.name()?)
        } else {
            None
        };
        self.skip();
        if !self.eat(b'{') {
            return None;
        }
        let mut assignments = Vec::new();
        loop {
            self.skip();
            if self.eat(b'}') {
                break;
            }
            assignments.push(self.assignment()?);
            let save = self.pos;
            self.skip();
            if !self.eat(b',') {
                self.pos = save;
            }
        }
        Some(EnvDecl {
            insecure,
            is_abstract,
            name,
            params,
            parent,
            assignments,
            span: self.span(start, self.pos),
        })
    }

    /// `env_params = { "(" ~ env_param ~ ("," ~ env_param)* ~ ","? ~ ")" }`, `env_param =
    /// { ident ~ (":" ~ type_expr)? }`. A `?` in a parameter's type is pest's to report.
    fn env_params(&mut self) -> Option<Vec<EnvParam>> {
        if !self.eat(b'(') {
            return None;
        }
        let mut params = Vec::new();
        loop {
            self.skip();
            if !params.is_empty() && self.eat(b')') {
                break;
            }
            let name = self.ident()?;
            let save = self.pos;
            self.skip();
            let ty = if self.eat(b':') {
                self.skip();
                let (ty, optional) = self.type_expr()?;
                if optional.is_some() {
                    return None;
                }
                Some(ty)
            } else {
                self.pos = save;
                None
            };
            let end = ty
                .as_ref()
                .map_or(name.span.end as usize, |t| t.span.end as usize);
            params.push(EnvParam {
                span: Span::new(name.span.file, name.span.start as usize, end),
                name,
                ty,
            });
            self.skip();
            if self.eat(b')') {
                break;
            }
            if !self.eat(b',') {
                return None;
            }
        }
        Some(params)
    }

    /// `assignment = { assign_target ~ ("=" ~ value | kw_from ~ string) }`, with
    /// `assign_target` one token `name` or `name.ident` (no blanks inside).
    fn assignment(&mut self) -> Option<Assignment> {
        let start = self.pos;
        let first = self.word(true)?;
        let target = if self.peek() == Some(b'.') {
            self.pos += 1;
            let name = self.ident()?;
            AssignTarget {
                service: Some(self.ident_at(first)),
                name,
                span: self.span(start, self.pos),
            }
        } else {
            // Without a service, a `-` in the name is an error that lowering reports.
            if self.src[first.0..first.1].contains('-') {
                return None;
            }
            let name = self.ident_at(first);
            AssignTarget {
                service: None,
                span: name.span,
                name,
            }
        };
        self.skip();
        let rhs = if self.eat(b'=') {
            self.skip();
            let at = self.pos;
            if self.keyword("unset") {
                AssignRhs::Unset(self.span(at, self.pos))
            } else {
                AssignRhs::Value(self.value()?)
            }
        } else if self.keyword("from") {
            self.skip();
            AssignRhs::SecretRef(self.string()?)
        } else {
            return None;
        };
        Some(Assignment {
            target,
            rhs,
            span: self.span(start, self.pos),
        })
    }
}

#[cfg(test)]
mod tests;
