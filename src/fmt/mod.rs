//! `fmt`: the text of one source file → the same file in the canonical layout.
//!
//! Works on the syntax tree ([`crate::syntax::parse`]) plus the file's comments; a file
//! with syntax errors is not formatted (its diagnostics are returned instead). The layout:
//!
//! - one declaration per line; blocks (`service`, `env`, multi-line attribute blocks) open
//!   with `{` on the declaration's line, one member per line indented by 2 spaces, and close
//!   with `}` on its own line; an empty block is `{}`;
//! - inside an `env` block the `=` (or `from`) signs are aligned per paragraph (a run of
//!   assignments without a blank line), in a multi-line attribute block across the block;
//!   elsewhere single spaces;
//! - `uses` names keep the source line they were on (wrapped past `MAX_INLINE` columns);
//!   an assert too long for one line continues with `when …` and its message;
//! - a blank line between declarations of different kinds (project, imports, types,
//!   variables/secrets/flags, services, environments, asserts, emits) and around blocks;
//!   within a kind, a blank line where the source had one or more;
//! - literals normalised: strings re-escaped (`\"`, `\\`, `\n`, `\r`, `\t`, `\u{…}` for
//!   other control characters, `$$` for a literal `$`), ints in plain decimal, floats in
//!   their shortest exact form, durations largest unit first (`90m` → `1h30m`), lists as
//!   `[a, b]`;
//! - expressions with single spaces around operators and only the parentheses that
//!   precedence needs.
//!
//! Every comment is kept: an end-of-line comment stays at the end of its line (two spaces,
//! `#`), an own-line comment stays before the declaration or member it preceded. A list
//! (a variable's default or an environment's value) with comments between its brackets is
//! written one item per line, each comment next to its item. Any other comment in the
//! middle of a declaration that is printed on one line moves to its own line just above it. Trailing whitespace in comments is removed.
//!
//! Invariants (tested over every UI case, every example and generated inputs): formatting
//! is idempotent, and the checked model of the formatted file equals the original's.

pub mod literal;

use crate::ast::{
    AssignRhs, Assignment, Attr, BaseType, BinaryOp, Comment, EnvDecl, Expr, ExprKind, File, Item,
    RangeLit, RefinementKind, ServiceDecl, ServiceMember, StrLit, StrPart, TypeExpr, UnaryOp,
    Value, ValueKind, VarDecl,
};
use crate::diagnostics::Diagnostics;
use crate::source::FileId;

/// Attribute blocks longer than this on one line are written one attribute per line.
const MAX_INLINE: usize = 100;

/// Formats `text` (the contents of the file registered as `file`). Syntax errors: the
/// parser's diagnostics, and no text.
pub fn format(file: FileId, text: &str) -> Result<String, Diagnostics> {
    let mut diagnostics = Diagnostics::new();
    let ast = crate::syntax::parse(file, text, &mut diagnostics);
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    Ok(format_ast(&ast, text))
}

/// Formats a parsed file; `text` is the source it was parsed from (for comment positions).
pub fn format_ast(ast: &File, text: &str) -> String {
    let mut printer = Printer::new(text, &ast.comments);
    printer.file(ast);
    printer.finish()
}

/// Declaration kinds whose runs are separated by blank lines.
fn group(item: &Item) -> u8 {
    match item {
        Item::Project(_) => 0,
        Item::Import(_) => 1,
        Item::Type(_) => 2,
        Item::Var(_) | Item::Secret(_) | Item::Flag(_) => 3,
        Item::Service(_) | Item::Group(_) => 4,
        Item::Env(_) => 5,
        Item::Assert(_) => 6,
        Item::Emit(_) => 7,
        Item::Promote(_) => 8,
    }
}

fn is_block(item: &Item) -> bool {
    matches!(item, Item::Service(_) | Item::Group(_) | Item::Env(_))
}

struct Printer<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
    comments: &'a [Comment],
    /// Index of the next comment not yet written.
    next: usize,
    out: String,
    /// Source line (0-based) of the last thing written, to keep the source's blank lines.
    last_line: Option<usize>,
    /// Nothing written yet since the last `{` (no blank line goes there).
    block_start: bool,
}

impl<'a> Printer<'a> {
    fn new(text: &'a str, comments: &'a [Comment]) -> Printer<'a> {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Printer {
            text,
            line_starts,
            comments,
            next: 0,
            out: String::new(),
            last_line: None,
            block_start: false,
        }
    }

    fn finish(mut self) -> String {
        let indent = String::new();
        self.flush_before(u32::MAX, &indent);
        let trimmed = self.out.trim_end_matches('\n').len();
        self.out.truncate(trimmed);
        if !self.out.is_empty() {
            self.out.push('\n');
        }
        self.out
    }

    fn line(&self, offset: u32) -> usize {
        match self.line_starts.binary_search(&(offset as usize)) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// One blank line, unless at the start of the file or a block, or after one already.
    fn blank(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") && !self.block_start {
            self.out.push('\n');
        }
    }

    /// A blank line if the source had one between the last thing written and `line`.
    fn blank_if_gap(&mut self, line: usize) {
        if let Some(last) = self.last_line {
            if line > last + 1 {
                self.blank();
            }
        }
    }

    /// Writes every pending comment that starts before `pos` on its own line.
    fn flush_before(&mut self, pos: u32, indent: &str) {
        while let Some(c) = self.comments.get(self.next) {
            if c.span.start >= pos {
                break;
            }
            let line = self.line(c.span.start);
            self.blank_if_gap(line);
            self.out.push_str(indent);
            self.out.push('#');
            self.out.push_str(c.text.trim_end());
            self.out.push('\n');
            self.last_line = Some(line);
            self.block_start = false;
            self.next += 1;
        }
    }

    /// The `{` after `from`, past blanks and comments; `fallback` if something else comes.
    fn brace_after(&self, from: u32, fallback: u32) -> u32 {
        let bytes = self.text.as_bytes();
        let mut i = from as usize;
        while i < bytes.len() {
            match bytes[i] {
                b' ' | b'\t' | b'\r' | b'\n' => i += 1,
                b'#' => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                b'{' => return i as u32,
                _ => break,
            }
        }
        fallback
    }

    /// Where `span` really ends: pest spans of rules with optional trailing parts include
    /// the whitespace and comments after the last token, which belong to what follows.
    fn end(&self, span: crate::source::Span) -> u32 {
        let bytes = self.text.as_bytes();
        let mut end = (span.end as usize).min(bytes.len());
        loop {
            while end > span.start as usize && bytes[end - 1].is_ascii_whitespace() {
                end -= 1;
            }
            // A comment ending here is not part of the declaration.
            let idx = self
                .comments
                .partition_point(|c| (c.span.end as usize) < end);
            match self.comments.get(idx) {
                Some(c) if c.span.end as usize == end && c.span.start >= span.start => {
                    end = c.span.start as usize;
                }
                _ => break,
            }
        }
        end as u32
    }

    /// Own-line comments before `pos`, then a blank line if the source had one between
    /// them (or the previous line) and `pos`.
    fn lead(&mut self, pos: u32, indent: &str) {
        self.flush_before(pos, indent);
        self.blank_if_gap(self.line(pos));
    }

    /// The first source line of what comes next before `pos` (a pending comment or `pos`).
    fn next_line(&self, pos: u32) -> usize {
        match self.comments.get(self.next) {
            Some(c) if c.span.start < pos => self.line(c.span.start),
            _ => self.line(pos),
        }
    }

    /// Ends the current output line, with the comment that ends source line of `end` (if
    /// any) as an end-of-line comment.
    fn end_line(&mut self, end: u32) {
        let line = self.line(end.saturating_sub(1));
        if let Some(c) = self.comments.get(self.next) {
            // The comment belongs to the last thing on its line: only blanks and commas
            // may separate it from `end` (`A = 1, B = 2  # c` is B's comment).
            let between = self
                .text
                .get(end as usize..c.span.start as usize)
                .unwrap_or("");
            if c.span.start >= end
                && self.line(c.span.start) == line
                && between.chars().all(|ch| ch.is_whitespace() || ch == ',')
            {
                self.out.push_str("  #");
                self.out.push_str(c.text.trim_end());
                self.next += 1;
            }
        }
        self.out.push('\n');
        self.last_line = Some(line);
        self.block_start = false;
    }

    fn file(&mut self, file: &File) {
        let mut prev: Option<&Item> = None;
        let top = String::new();
        for item in &file.items {
            let span = item.span();
            let first = self.next_line(span.start);
            match prev {
                Some(p) if group(p) != group(item) || is_block(p) || is_block(item) => {
                    self.blank();
                }
                _ => self.blank_if_gap(first),
            }
            self.lead(span.start, &top);
            self.item(item, &top);
            prev = Some(item);
        }
    }

    fn item(&mut self, item: &Item, indent: &str) {
        match item {
            Item::Project(p) => self.simple(p.span, indent, format!("project {}", p.name.text)),
            Item::Import(i) => self.simple(i.span, indent, format!("import {}", string(&i.path))),
            Item::Type(t) => self.simple(
                t.span,
                indent,
                format!("type {} = {}", t.name.text, type_expr(&t.ty)),
            ),
            Item::Var(v) => self.var(v, indent),
            Item::Secret(s) => {
                let mut head = format!("secret {}", s.name.text);
                if let Some(r) = &s.reference {
                    head.push_str(" from ");
                    head.push_str(&string(r));
                }
                if let Some(d) = &s.doc {
                    head.push(' ');
                    head.push_str(&string(d));
                }
                let head_end = s
                    .doc
                    .as_ref()
                    .or(s.reference.as_ref())
                    .map_or(s.name.span.end, |d| d.span.end);
                self.with_attrs(s.span, head_end, indent, head, &s.attrs);
            }
            Item::Flag(f) => {
                let mut head = format!("flag {} = {}", f.name.text, value(&f.default));
                if let Some(d) = &f.doc {
                    head.push(' ');
                    head.push_str(&string(d));
                }
                let head_end = f.doc.as_ref().map_or(f.default.span.end, |d| d.span.end);
                self.with_attrs(f.span, head_end, indent, head, &f.attrs);
            }
            Item::Service(s) => self.service("service", s, indent),
            Item::Group(g) => {
                // A group is laid out like a service holding only `uses` lines.
                let as_service = ServiceDecl {
                    name: g.name.clone(),
                    members: g.uses.iter().cloned().map(ServiceMember::Uses).collect(),
                    span: g.span,
                };
                self.service("group", &as_service, indent);
            }
            Item::Env(e) => self.env(e, indent),
            Item::Assert(a) => {
                // One line when it fits; else `when …` and the message each go on a
                // continuation line of their own once the line would pass `MAX_INLINE`.
                let mut line = format!("assert {}", expr(&a.condition, 0));
                let mut col = indent.len() + line.len();
                let parts = [
                    a.when.as_ref().map(|w| format!("when {}", expr(w, 0))),
                    a.message.as_ref().map(string),
                ];
                for part in parts.into_iter().flatten() {
                    if col + 1 + part.len() > MAX_INLINE {
                        line.push_str(&format!("\n{indent}  "));
                        col = indent.len() + 2;
                    } else {
                        line.push(' ');
                        col += 1;
                    }
                    col += part.len();
                    line.push_str(&part);
                }
                self.simple(a.span, indent, line);
            }
            Item::Promote(p) => {
                let names: Vec<&str> = p.envs.iter().map(|e| e.text.as_str()).collect();
                self.simple(p.span, indent, format!("promote {}", names.join(" -> ")));
            }
            Item::Emit(e) => {
                let mut head = format!("emit {} to {}", e.target.text, string(&e.path));
                let mut head_end = e.path.span.end;
                if let Some(w) = &e.when {
                    head.push_str(" when ");
                    head.push_str(&expr(w, 0));
                    head_end = w.span.end;
                }
                self.with_attrs(e.span, head_end, indent, head, &e.options);
            }
        }
    }

    /// A declaration printed on one line; comments inside it move above it.
    fn simple(&mut self, span: crate::source::Span, indent: &str, text: String) {
        let end = self.end(span);
        self.flush_before(end, indent);
        self.out.push_str(indent);
        self.out.push_str(&text);
        self.end_line(end);
    }

    /// Whether a list value has comments between its brackets (and none between its `]`
    /// and `until`, which would have no place): it is then written one item per line, so
    /// each comment stays next to its item.
    fn list_with_comments<'v>(&self, v: &'v Value, until: u32) -> Option<&'v [Value]> {
        let ValueKind::List(items) = &v.kind else {
            return None;
        };
        let idx = self
            .comments
            .partition_point(|c| c.span.start < v.span.start);
        let inside = self
            .comments
            .get(idx)
            .is_some_and(|c| c.span.end <= v.span.end);
        let after = self.comments[idx..]
            .iter()
            .find(|c| c.span.start >= v.span.end)
            .is_some_and(|c| c.span.start < until);
        (inside && !after).then_some(items.as_slice())
    }

    /// Writes `{indent}{open}[\n` and one item per line with its comments, up to the `]`,
    /// which the caller writes (`{indent}]…`).
    fn multiline_list(&mut self, open: &str, items: &[Value], list_end: u32, indent: &str) {
        self.out.push_str(indent);
        self.out.push_str(open);
        self.out.push_str("[\n");
        self.block_start = true;
        let inner = format!("{indent}  ");
        for item in items {
            self.blank_if_gap(self.next_line(item.span.start));
            self.lead(item.span.start, &inner);
            self.flush_before(item.span.end, &inner);
            self.out.push_str(&inner);
            self.out.push_str(&value(item));
            self.out.push(',');
            self.end_line(item.span.end);
        }
        self.flush_before(list_end.saturating_sub(1), &inner);
    }

    fn var(&mut self, v: &VarDecl, indent: &str) {
        if let Some(d) = &v.default {
            let until = match v.attrs.first() {
                Some(first) => self.brace_after(
                    v.doc.as_ref().map_or(d.span.end, |doc| doc.span.end),
                    first.span.start,
                ),
                None => self.end(v.span),
            };
            if let Some(items) = self.list_with_comments(d, until) {
                self.flush_before(d.span.start, indent);
                let open = format!(
                    "var {}: {} = ",
                    v.name.text,
                    type_expr_opt(&v.ty, v.optional)
                );
                self.multiline_list(&open, items, d.span.end, indent);
                let mut head = String::from("]");
                if let Some(doc) = &v.doc {
                    head.push(' ');
                    head.push_str(&string(doc));
                }
                let head_end = v.doc.as_ref().map_or(d.span.end, |doc| doc.span.end);
                return self.with_attrs(v.span, head_end, indent, head, &v.attrs);
            }
        }
        let mut head = format!("var {}: {}", v.name.text, type_expr_opt(&v.ty, v.optional));
        if let Some(d) = &v.default {
            head.push_str(" = ");
            head.push_str(&value(d));
        }
        if let Some(d) = &v.doc {
            head.push(' ');
            head.push_str(&string(d));
        }
        let head_end = match (&v.doc, &v.default) {
            (Some(d), _) => d.span.end,
            (None, Some(d)) => d.span.end,
            (None, None) => v.ty.span.end,
        };
        self.with_attrs(v.span, head_end, indent, head, &v.attrs);
    }

    /// `head { a = 1, b = 2 }` on one line, or one attribute per line when it is long or
    /// has comments among the attributes.
    fn with_attrs(
        &mut self,
        span: crate::source::Span,
        head_end: u32,
        indent: &str,
        head: String,
        attrs: &[Attr],
    ) {
        let Some(first) = attrs.first() else {
            return self.simple(span, indent, head);
        };
        let end = self.end(span);
        // Comments before the `{` move above the declaration; those after it stay in the
        // block (which is then written one attribute per line).
        let brace = self.brace_after(head_end, first.span.start);
        self.flush_before(brace, indent);
        let inline = format!(
            "{head} {{ {} }}",
            attrs
                .iter()
                .map(|a| format!("{} = {}", a.key.text, value(&a.value)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let has_comments = self
            .comments
            .get(self.next)
            .is_some_and(|c| c.span.start < end);
        if !has_comments && indent.len() + inline.len() <= MAX_INLINE {
            self.out.push_str(indent);
            self.out.push_str(&inline);
            self.end_line(end);
            return;
        }
        self.out.push_str(indent);
        self.out.push_str(&head);
        self.out.push_str(" {\n");
        self.last_line = Some(self.line(first.span.start));
        self.block_start = true;
        let inner = format!("{indent}  ");
        let width = attrs.iter().map(|a| a.key.text.len()).max().unwrap_or(0);
        for a in attrs {
            self.blank_if_gap(self.next_line(a.span.start));
            self.lead(a.span.start, &inner);
            self.flush_before(a.span.end, &inner);
            self.out.push_str(&format!(
                "{inner}{:<width$} = {}",
                a.key.text,
                value(&a.value)
            ));
            self.end_line(a.span.end);
        }
        self.flush_before(end.saturating_sub(1), &inner);
        self.out.push_str(indent);
        self.out.push('}');
        self.end_line(end);
    }

    fn service(&mut self, keyword: &str, s: &ServiceDecl, indent: &str) {
        let header_end = s.name.span.end;
        let end = self.end(s.span);
        self.flush_before(header_end, indent);
        let first_member = s.members.first().map(member_start);
        let has_inner_comments = self
            .comments
            .get(self.next)
            .is_some_and(|c| c.span.start < end);
        if s.members.is_empty() && !has_inner_comments {
            self.out
                .push_str(&format!("{indent}{keyword} {} {{}}", s.name.text));
            self.end_line(end);
            return;
        }
        self.out
            .push_str(&format!("{indent}{keyword} {} {{", s.name.text));
        self.header_comment(header_end, first_member.unwrap_or(end));
        let inner = format!("{indent}  ");
        for m in &s.members {
            let start = member_start(m);
            self.blank_if_gap(self.next_line(start));
            self.lead(start, &inner);
            match m {
                ServiceMember::Var(v) => self.var(v, &inner),
                ServiceMember::Secret(sd) => self.item(&Item::Secret(sd.clone()), &inner),
                ServiceMember::Uses(u) => {
                    let items: Vec<String> = u
                        .names
                        .iter()
                        .zip(u.aliases.iter().chain(std::iter::repeat(&None)))
                        .map(|(n, alias)| match alias {
                            Some(a) => format!("{} as {}", n.text, a.text),
                            None => n.text.clone(),
                        })
                        .collect();
                    // The author's line breaks: each name keeps the source line it was on.
                    let names: Vec<(&str, usize)> = items
                        .iter()
                        .zip(&u.names)
                        .map(|(item, n)| (item.as_str(), self.line(n.span.start)))
                        .collect();
                    self.simple(u.span, &inner, uses_text(&inner, &names));
                }
            }
        }
        self.close_block(end, indent);
    }

    fn env(&mut self, e: &EnvDecl, indent: &str) {
        let header_end = match (&e.parent, e.params.last()) {
            (Some(p), _) => p.span.end,
            (None, Some(param)) => param.span.end + 1,
            (None, None) => e.name.span.end,
        };
        let end = self.end(e.span);
        self.flush_before(header_end, indent);
        let mut head = String::from(indent);
        if e.insecure.is_some() {
            head.push_str("insecure ");
        }
        if e.is_abstract {
            head.push_str("abstract ");
        }
        head.push_str("env ");
        head.push_str(&e.name.text);
        if !e.params.is_empty() {
            let params: Vec<String> = e
                .params
                .iter()
                .map(|p| match &p.ty {
                    Some(ty) => format!("{}: {}", p.name.text, type_expr(ty)),
                    None => p.name.text.clone(),
                })
                .collect();
            head.push('(');
            head.push_str(&params.join(", "));
            head.push(')');
        }
        if let Some(p) = &e.parent {
            head.push_str(" extends ");
            head.push_str(&p.text);
        }
        let has_inner_comments = self
            .comments
            .get(self.next)
            .is_some_and(|c| c.span.start < end);
        if e.assignments.is_empty() && !has_inner_comments {
            self.out.push_str(&head);
            self.out.push_str(" {}");
            self.end_line(end);
            return;
        }
        self.out.push_str(&head);
        self.out.push_str(" {");
        let first = e.assignments.first().map_or(end, |a| a.span.start);
        self.header_comment(header_end, first);
        let inner = format!("{indent}  ");
        let widths = self.alignment_widths(&e.assignments);
        for (a, &width) in e.assignments.iter().zip(&widths) {
            self.blank_if_gap(self.next_line(a.span.start));
            self.lead(a.span.start, &inner);
            if let AssignRhs::Value(v) = &a.rhs {
                if let Some(items) = self.list_with_comments(v, a.span.end) {
                    self.flush_before(v.span.start, &inner);
                    let open = format!("{:<width$} = ", target(a));
                    self.multiline_list(&open, items, v.span.end, &inner);
                    self.out.push_str(&inner);
                    self.out.push(']');
                    self.end_line(a.span.end);
                    continue;
                }
            }
            self.flush_before(a.span.end, &inner);
            let rhs = match &a.rhs {
                AssignRhs::Value(v) => format!("= {}", value(v)),
                AssignRhs::SecretRef(r) => format!("from {}", string(r)),
                AssignRhs::Unset(_) => "= unset".to_string(),
            };
            self.out
                .push_str(&format!("{inner}{:<width$} {rhs}", target(a)));
            self.end_line(a.span.end);
        }
        self.close_block(end, indent);
    }

    /// The column each assignment's `=` (or `from`) is aligned to: the longest target of
    /// its paragraph, the run of assignments printed without a blank line between them
    /// (comment lines do not end a run). One long `worker.CONCURRENCY` in its own paragraph
    /// then pads nothing else, as in gofmt.
    fn alignment_widths(&self, assignments: &[Assignment]) -> Vec<usize> {
        let mut widths = vec![0; assignments.len()];
        let mut start = 0;
        for i in 0..=assignments.len() {
            let ends_run = i == assignments.len()
                || (i > start && self.blank_before(&assignments[i - 1], &assignments[i]));
            if ends_run {
                let width = assignments[start..i]
                    .iter()
                    .map(|a| target(a).len())
                    .max()
                    .unwrap_or(0);
                widths[start..i].fill(width);
                start = i;
            }
        }
        widths
    }

    /// Whether the printer writes a blank line between two consecutive assignments: the
    /// same line arithmetic as `end_line`, `lead`, `flush_before` and `blank_if_gap` (the
    /// previous one's last line, then each comment up to the end of the next one, as
    /// comments inside it are moved above it), so that the paragraphs aligned are the
    /// paragraphs of the output and `fmt` stays idempotent.
    fn blank_before(&self, prev: &Assignment, next: &Assignment) -> bool {
        let mut last = self.line(prev.span.end.saturating_sub(1));
        let from = self
            .comments
            .partition_point(|c| c.span.start < prev.span.end);
        // A list with comments between its brackets keeps them next to its items, out of
        // this arithmetic; only the comments before its `[` move above the assignment.
        let until = match &next.rhs {
            AssignRhs::Value(v) if self.list_with_comments(v, next.span.end).is_some() => {
                v.span.start
            }
            _ => next.span.end,
        };
        let mut start_checked = false;
        for c in &self.comments[from..] {
            if c.span.start >= until {
                break;
            }
            if !start_checked && c.span.start >= next.span.start {
                // `lead` checks the assignment's own line before the comments inside it.
                start_checked = true;
                if self.line(next.span.start) > last + 1 {
                    return true;
                }
            }
            let line = self.line(c.span.start);
            if line > last + 1 {
                return true;
            }
            last = line;
        }
        !start_checked && self.line(next.span.start) > last + 1
    }

    /// After `… {`: a comment on the header's line stays there; then the line ends.
    fn header_comment(&mut self, header_end: u32, first_member: u32) {
        let line = self.line(header_end);
        if let Some(c) = self.comments.get(self.next) {
            if c.span.start < first_member && self.line(c.span.start) == line {
                self.out.push_str("  #");
                self.out.push_str(c.text.trim_end());
                self.next += 1;
            }
        }
        self.out.push('\n');
        self.last_line = Some(line);
        self.block_start = true;
    }

    fn close_block(&mut self, end: u32, indent: &str) {
        let inner = format!("{indent}  ");
        // Comments before the closing brace stay inside the block.
        let close = end.saturating_sub(1);
        if let Some(c) = self.comments.get(self.next) {
            if c.span.start < close {
                self.blank_if_gap(self.line(c.span.start));
            }
        }
        self.flush_before(close, &inner);
        self.out.push_str(indent);
        self.out.push('}');
        self.end_line(end);
    }
}

/// `uses A, B, C`: the names of one source line stay on one line (the author's grouping,
/// say one line per concern), continuation lines under the first name; a line longer than
/// `MAX_INLINE` columns is wrapped. A continuation line never starts with a declaration
/// keyword, which the parser would read as the start of a new declaration. `names`: each
/// name as written (with `as KEY`) and the source line it was on.
fn uses_text(indent: &str, names: &[(&str, usize)]) -> String {
    const KEYWORDS: &[&str] = &[
        "project", "import", "type", "var", "secret", "flag", "service", "uses", "abstract", "env",
        "assert", "emit", "promote", "group",
    ];
    let cont = format!("\n{indent}     ");
    let mut out = String::from("uses ");
    let mut col = indent.len() + out.len();
    for (i, &(name, line)) in names.iter().enumerate() {
        if i > 0 {
            out.push(',');
            col += 1;
            let author_break = line != names[i - 1].1;
            // Room for " NAME," on this line?
            let too_long = col + 1 + name.len() + 1 > MAX_INLINE;
            if (author_break || too_long) && !KEYWORDS.contains(&name) {
                out.push_str(&cont);
                col = indent.len() + 5;
            } else {
                out.push(' ');
                col += 1;
            }
        }
        out.push_str(name);
        col += name.len();
    }
    out
}

fn member_start(m: &ServiceMember) -> u32 {
    match m {
        ServiceMember::Var(v) => v.span.start,
        ServiceMember::Secret(s) => s.span.start,
        ServiceMember::Uses(u) => u.span.start,
    }
}

fn target(a: &Assignment) -> String {
    match &a.target.service {
        Some(s) => format!("{}.{}", s.text, a.target.name.text),
        None => a.target.name.text.clone(),
    }
}

// ── literals, types, expressions ───────────────────────────────────────────────────────

fn string(s: &StrLit) -> String {
    let mut out = String::from("\"");
    for part in &s.parts {
        match part {
            StrPart::Text(t) => literal::push_text(&mut out, t),
            StrPart::Interp(name) => {
                out.push_str("${");
                out.push_str(&name.text);
                out.push('}');
            }
        }
    }
    out.push('"');
    out
}

fn value(v: &Value) -> String {
    match &v.kind {
        ValueKind::Str(s) => string(s),
        ValueKind::Int(n) => n.to_string(),
        ValueKind::Float(f) => crate::notation::float_source(*f),
        ValueKind::Bool(b) => b.to_string(),
        ValueKind::Duration(d) => crate::notation::format_duration(d.millis),
        ValueKind::List(items) => format!(
            "[{}]",
            items.iter().map(value).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn type_expr(t: &TypeExpr) -> String {
    type_expr_opt(t, false)
}

/// A type; `optional` puts the `?` right after the base type.
fn type_expr_opt(t: &TypeExpr, optional: bool) -> String {
    let mut out = match &t.base {
        BaseType::Named(n) => n.text.clone(),
        BaseType::Union(members) => members.iter().map(string).collect::<Vec<_>>().join(" | "),
        BaseType::List(inner) => format!("list<{}>", type_expr(inner)),
    };
    if optional {
        out.push('?');
    }
    for r in &t.refinements {
        out.push(' ');
        match &r.kind {
            RefinementKind::Range(range) => {
                out.push_str("in ");
                out.push_str(&range_lit(range));
            }
            RefinementKind::Matching(re) => {
                out.push_str("matching ");
                out.push_str(&regex(&re.pattern));
            }
            RefinementKind::Len(range) => {
                out.push_str("len in ");
                out.push_str(&range_lit(range));
            }
        }
    }
    out
}

fn range_lit(r: &RangeLit) -> String {
    format!(
        "{}{}{}",
        value(&r.lo),
        if r.inclusive { "..=" } else { ".." },
        value(&r.hi)
    )
}

/// `/pattern/` with `/` escaped again (the parser turned `\/` into `/`).
fn regex(pattern: &str) -> String {
    crate::notation::regex_source(pattern)
}

/// Binding strength: `||` 1, `&&` 2, comparisons 3, `!` 4, primaries 5.
fn precedence(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary { op, .. } => match op {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            _ => 3,
        },
        ExprKind::Matches { .. } => 3,
        ExprKind::Unary { .. } => 4,
        _ => 5,
    }
}

/// `e` in a position that needs at least binding strength `min`.
fn expr(e: &Expr, min: u8) -> String {
    let text = match &e.kind {
        ExprKind::Var(t) => match &t.service {
            Some(s) => format!("{}.{}", s.text, t.name.text),
            None => t.name.text.clone(),
        },
        ExprKind::Env => "env".to_string(),
        ExprKind::Service => "service".to_string(),
        ExprKind::Literal(v) => value(v),
        ExprKind::List(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|i| expr(i, 0))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ExprKind::Unary {
            op: UnaryOp::Not,
            operand,
        } => format!("!{}", expr(operand, 4)),
        ExprKind::Binary { op, lhs, rhs } => {
            let (l, r) = match op {
                // Left-associative chains: the right operand binds tighter.
                BinaryOp::Or => (1, 2),
                BinaryOp::And => (2, 3),
                // Comparisons do not chain: both operands are unary or tighter.
                _ => (4, 4),
            };
            format!("{} {} {}", expr(lhs, l), op.as_str(), expr(rhs, r))
        }
        ExprKind::Matches { lhs, regex: re } => {
            format!("{} matches {}", expr(lhs, 4), regex(&re.pattern))
        }
    };
    if precedence(e) < min {
        format!("({text})")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(text: &str) -> String {
        format(FileId(0), text).unwrap_or_else(|d| panic!("{:?}", d.into_vec()))
    }

    #[test]
    fn layout_and_comments() {
        let src = "# head\nproject   acme\nvar A:int=8_080 # port\n\n\n# doc for B\nvar B : string?= \"x$$y\"\nenv local{A=1 # one\nLONGER_NAME=\"v\"\n# before close\n}\n";
        let out = fmt(src);
        assert_eq!(
            out,
            "# head\nproject acme\n\nvar A: int = 8080  # port\n\n# doc for B\nvar B: string? = \"x$$y\"\n\nenv local {\n  A           = 1  # one\n  LONGER_NAME = \"v\"\n  # before close\n}\n"
        );
        assert_eq!(fmt(&out), out);
    }

    #[test]
    fn an_end_of_line_comment_stays_with_the_last_member_on_its_line() {
        let out = fmt("env e { A = 1, B = 2  # about B\n}\n");
        assert_eq!(out, "env e {\n  A = 1\n  B = 2  # about B\n}\n");
    }

    #[test]
    fn long_uses_lists_wrap() {
        let names: Vec<String> = (0..30).map(|i| format!("VARIABLE_{i:02}")).collect();
        let src = format!("service api {{ uses {} }}\n", names.join(", "));
        let out = fmt(&src);
        assert!(out.lines().all(|l| l.len() <= MAX_INLINE), "{out}");
        assert!(out.contains(",\n       VARIABLE_"), "{out}");
        assert_eq!(fmt(&out), out);
    }

    #[test]
    fn literals_are_normalised() {
        let out = fmt("var D: duration = 90m\nvar F: float = 1e3\nvar L: list<int> = [1,2,]\n");
        assert_eq!(
            out,
            "var D: duration = 1h30m\nvar F: float = 1000.0\nvar L: list<int> = [1, 2]\n"
        );
    }

    #[test]
    fn expressions_keep_only_needed_parens() {
        let out = fmt("assert (A == 1 || B == 2) && !(C) when env in [\"a\",\"b\"] \"m\"\n");
        assert_eq!(
            out,
            "assert (A == 1 || B == 2) && !C when env in [\"a\", \"b\"] \"m\"\n"
        );
    }

    #[test]
    fn syntax_errors_are_returned() {
        assert!(format(FileId(0), "var = = =\n").is_err());
    }
}
