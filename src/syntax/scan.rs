//! The pre-scan: source text → top-level declaration chunks, comments, and the syntax
//! errors that are about the shape of the text rather than one declaration's grammar.
//!
//! A single byte-level pass that understands strings, regexes, comments and brackets. It
//! finds where each declaration starts (a declaration keyword outside any bracket), so
//! pest parses each chunk separately: one bad declaration is one diagnostic, and the rest
//! of the file still parses. It also reports what pest would explain badly or could not
//! survive: unterminated strings and regexes (pointing at the opening quote), unclosed or
//! mismatched brackets (pointing at both ends), nesting deeper than [`MAX_NESTING`]
//! (before pest recurses into it), and top-level text that is not a declaration.
//!
//! Invariant: chunks are disjoint, in source order, and every non-blank, non-comment byte
//! of the file belongs to exactly one chunk. A chunk the scanner already reported on is
//! `poisoned`: pest does not parse it, so one mistake never yields a cascade.

use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// Deepest bracket nesting accepted. Real files nest 3–4 deep; the limit exists so a
/// hostile `[[[[…` cannot overflow pest's recursion.
pub(crate) const MAX_NESTING: usize = 64;

/// The kind of top-level declaration a chunk holds, from its leading keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeclKind {
    Project,
    Import,
    Type,
    Var,
    Secret,
    Flag,
    Service,
    Env,
    Assert,
    Emit,
    Promote,
    Group,
}

impl DeclKind {
    fn from_keyword(word: &[u8]) -> Option<DeclKind> {
        Some(match word {
            b"project" => DeclKind::Project,
            b"import" => DeclKind::Import,
            b"type" => DeclKind::Type,
            b"var" => DeclKind::Var,
            b"secret" => DeclKind::Secret,
            b"flag" => DeclKind::Flag,
            b"service" => DeclKind::Service,
            b"env" | b"abstract" => DeclKind::Env,
            b"assert" => DeclKind::Assert,
            b"emit" => DeclKind::Emit,
            b"promote" => DeclKind::Promote,
            b"group" => DeclKind::Group,
            _ => return None,
        })
    }
}

/// The words that start a declaration (for "did you mean" on an unknown one).
pub(crate) const DECL_KEYWORDS: &[&str] = &[
    "project", "import", "type", "var", "secret", "flag", "service", "abstract", "env", "assert",
    "emit", "promote", "group",
];

/// Words that follow an operand in an assert expression; `env`/`service` followed by one
/// of these is the built-in, not a declaration.
const OPERATOR_WORDS: &[&[u8]] = &[b"in", b"starts_with", b"ends_with", b"matches", b"when"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChunkKind {
    /// Starts with a declaration keyword.
    Decl(DeclKind),
    /// Starts with a word that is not a keyword (e.g. `vra X: int`); the word's range.
    Unknown { word_start: usize, word_end: usize },
    /// Anything else outside a declaration (stray text before the first one).
    Stray,
}

#[derive(Debug, Clone)]
pub(crate) struct Chunk {
    pub start: usize,
    /// Exclusive; trailing blanks and comments are excluded.
    pub end: usize,
    pub kind: ChunkKind,
    /// Already reported by the scanner; do not parse.
    pub poisoned: bool,
}

/// What the scanner found.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    pub chunks: Vec<Chunk>,
    /// `#` comments as byte ranges (from the `#` to the end of the line, no line break).
    pub comments: Vec<(usize, usize)>,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Open {
    byte: u8,
    at: usize,
}

fn closer_of(open: u8) -> u8 {
    match open {
        b'(' => b')',
        b'[' => b']',
        b'{' => b'}',
        _ => b'>',
    }
}

fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_word_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

struct Scanner<'a> {
    file: FileId,
    text: &'a [u8],
    pos: usize,
    stack: Vec<Open>,
    out: Scan,
    /// Start of the chunk being built, its kind and whether it is poisoned.
    current: Option<Chunk>,
    /// End of the last token (so chunks exclude trailing blanks and comments).
    last_token_end: usize,
    /// Only blanks (and nothing else) since the last line break.
    at_line_start: bool,
    /// The previous token was the word `list` (so `<` opens a type argument).
    after_list: bool,
    /// The previous token was `abstract` at top level (so `env` continues the chunk).
    after_abstract: bool,
    /// The previous token was the modifier `insecure` at top level (so `abstract` or `env`
    /// continues the chunk).
    after_insecure: bool,
    /// The previous token was `matching` or `matches`: only there does `/` open a regex
    /// (elsewhere it is a stray character, e.g. in an unquoted path, and pest reports it).
    after_regex_keyword: bool,
    /// The previous token can end a declaration (a name, a literal, a closing bracket, `?`);
    /// after `var`, `:`, `=`, `,` ... the declaration is unfinished, so a word at the start
    /// of the next line continues it rather than starting an unknown declaration.
    prev_can_end: bool,
}

/// Scans the whole file.
pub(crate) fn scan(file: FileId, text: &str) -> Scan {
    let mut s = Scanner {
        file,
        text: text.as_bytes(),
        pos: 0,
        stack: Vec::new(),
        out: Scan::default(),
        current: None,
        last_token_end: 0,
        at_line_start: true,
        after_list: false,
        after_abstract: false,
        after_insecure: false,
        after_regex_keyword: false,
        prev_can_end: true,
    };
    s.run();
    s.out
}

impl Scanner<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn run(&mut self) {
        while self.pos < self.text.len() {
            let b = self.text[self.pos];
            match b {
                b'\n' => {
                    self.pos += 1;
                    self.at_line_start = true;
                    continue;
                }
                b' ' | b'\t' | b'\r' => {
                    self.pos += 1;
                    continue;
                }
                b'#' => {
                    let start = self.pos;
                    let end = memchr_newline(self.text, start);
                    // Keep a `\r` of a CRLF line ending out of the comment text.
                    let text_end = if end > start && self.text[end - 1] == b'\r' {
                        end - 1
                    } else {
                        end
                    };
                    self.out.comments.push((start, text_end));
                    self.pos = end;
                    continue;
                }
                _ => {}
            }
            let start = self.pos;
            let line_start = self.at_line_start;
            self.at_line_start = false;
            let was_after_list = std::mem::take(&mut self.after_list);
            let was_after_insecure = std::mem::take(&mut self.after_insecure);
            let was_after_abstract = std::mem::take(&mut self.after_abstract);
            let was_after_regex_keyword = std::mem::take(&mut self.after_regex_keyword);
            match b {
                b'"' => self.quoted(b'"'),
                b'/' if was_after_regex_keyword => self.quoted(b'/'),
                b'(' | b'[' | b'{' => {
                    self.ensure_chunk(start);
                    self.open(b, start);
                    self.pos += 1;
                }
                b'<' if was_after_list => {
                    self.ensure_chunk(start);
                    self.open(b, start);
                    self.pos += 1;
                }
                b'>' if self.stack.last().is_some_and(|o| o.byte == b'<') => {
                    self.stack.pop();
                    self.pos += 1;
                }
                b')' | b']' | b'}' => {
                    self.ensure_chunk(start);
                    self.close(b, start);
                    self.pos += 1;
                }
                b if is_word_start(b) => {
                    let end = self.word_end(start);
                    // `env` continues `abstract`/`insecure`; `abstract` continues `insecure`.
                    let continues = match &self.text[start..end] {
                        b"env" => was_after_abstract || was_after_insecure,
                        b"abstract" => was_after_insecure,
                        _ => false,
                    };
                    self.word(start, end, line_start, continues);
                    self.pos = end;
                }
                b if b.is_ascii_digit() => {
                    // A number or duration; `.` followed by a digit is part of it.
                    let mut end = start + 1;
                    while end < self.text.len() {
                        let c = self.text[end];
                        if c.is_ascii_alphanumeric()
                            || c == b'_'
                            || (c == b'.' && self.text.get(end + 1).is_some_and(u8::is_ascii_digit))
                        {
                            end += 1;
                        } else {
                            break;
                        }
                    }
                    self.ensure_chunk(start);
                    self.pos = end;
                }
                _ => {
                    self.ensure_chunk(start);
                    // One UTF-8 scalar at a time so chunk ends stay on char boundaries.
                    self.pos += utf8_len(b);
                }
            }
            self.last_token_end = self.pos;
            self.prev_can_end = match b {
                b'"' | b'/' | b')' | b']' | b'}' | b'>' | b'?' => true,
                b if b.is_ascii_digit() => true,
                b if is_word_start(b) => !is_continuation_word(&self.text[start..self.pos]),
                _ => false,
            };
        }
        if !self.stack.is_empty() {
            // Point just after the last token, not at trailing blank lines.
            let end = self.last_token_end;
            self.unclosed(end, "expected here, at the end of the file");
        }
        self.finish_chunk();
    }

    fn word_end(&self, start: usize) -> usize {
        let mut end = start + 1;
        while end < self.text.len() && is_word_char(self.text[end]) {
            end += 1;
        }
        end
    }

    /// The next significant byte after `from`, skipping blanks and comments.
    fn peek_significant(&self, mut from: usize) -> Option<usize> {
        while from < self.text.len() {
            match self.text[from] {
                b' ' | b'\t' | b'\r' | b'\n' => from += 1,
                b'#' => from = memchr_newline(self.text, from),
                _ => return Some(from),
            }
        }
        None
    }

    /// Whether `insecure` ending at `end` is followed by `env` or `abstract` (the modifier).
    fn insecure_modifier(&self, end: usize) -> bool {
        let Some(next) = self.peek_significant(end) else {
            return false;
        };
        let next_end = self.word_end(next);
        matches!(&self.text[next..next_end], b"env" | b"abstract")
    }

    /// Whether the word at `start..end` starts a declaration here.
    fn is_declaration_keyword(&self, word: &[u8], end: usize) -> Option<DeclKind> {
        let kind = DeclKind::from_keyword(word)?;
        if matches!(word, b"env" | b"service" | b"group") {
            // In an assert, `env` and `service` are the built-in names: a declaration is
            // followed by a name (or by `{` when the name is missing). `group` is a
            // declaration only there too, so a flag named `group` keeps working.
            let next = self.peek_significant(end)?;
            let nb = self.text[next];
            if nb == b'{' {
                return Some(kind);
            }
            if !is_word_start(nb) {
                return None;
            }
            let next_end = self.word_end(next);
            if OPERATOR_WORDS.contains(&&self.text[next..next_end]) {
                return None;
            }
        }
        Some(kind)
    }

    fn word(&mut self, start: usize, end: usize, line_start: bool, after_abstract: bool) {
        let word = &self.text[start..end];
        if word == b"list" {
            self.after_list = true;
        }
        if word == b"matching" || word == b"matches" {
            self.after_regex_keyword = true;
        }
        if self.stack.is_empty() {
            if word == b"env" && after_abstract {
                // `abstract env NAME`: one declaration.
                return;
            }
            if word == b"abstract" && after_abstract {
                // `insecure abstract env NAME`: one declaration.
                self.after_abstract = true;
                return;
            }
            if word == b"insecure" && self.insecure_modifier(end) {
                // `insecure` is a keyword only in front of `env` / `abstract env`, so a
                // flag or environment may still be called `insecure`.
                self.start_chunk(start, ChunkKind::Decl(DeclKind::Env));
                self.after_insecure = true;
                return;
            }
            if let Some(kind) = self.is_declaration_keyword(word, end) {
                self.start_chunk(start, ChunkKind::Decl(kind));
                self.after_abstract = word == b"abstract";
                return;
            }
            if line_start && self.prev_can_end && self.looks_like_unknown_declaration(end) {
                self.start_chunk(
                    start,
                    ChunkKind::Unknown {
                        word_start: start,
                        word_end: end,
                    },
                );
                return;
            }
            self.ensure_chunk(start);
            return;
        }
        // Inside brackets: a declaration keyword at the start of a line that cannot be
        // there means a bracket was left open; close everything and start over, so the
        // rest of the file still parses.
        if line_start {
            if let Some(kind) = self.is_declaration_keyword(word, end) {
                let in_service = self.current.as_ref().map(|c| c.kind)
                    == Some(ChunkKind::Decl(DeclKind::Service))
                    && self.stack.first().is_some_and(|o| o.byte == b'{');
                let member = matches!(kind, DeclKind::Var | DeclKind::Secret);
                if in_service && member && self.stack.len() > 1 {
                    // A member's `{ attrs }` (or a list) left open inside a service: close
                    // back to the service's own block and stay in the service.
                    let at = self.last_token_end;
                    let service_block = self.stack.remove(0);
                    self.unclosed(at, "expected here, before the next member");
                    self.stack.push(service_block);
                    return;
                }
                if !(in_service && member) {
                    let at = self.last_token_end;
                    self.unclosed(at, "expected here, before the next declaration");
                    self.start_chunk(start, ChunkKind::Decl(kind));
                    self.after_abstract = word == b"abstract";
                    return;
                }
            }
        }
        self.ensure_chunk(start);
    }

    /// `WORD NAME`, `WORD =` or `WORD:` at the start of a line, outside brackets: a
    /// misspelt keyword or a declaration without its keyword. Operator words (`in`,
    /// `when`, ...) are continuations of the previous declaration.
    fn looks_like_unknown_declaration(&self, end: usize) -> bool {
        let word = &self.text[self.pos..end];
        if OPERATOR_WORDS.contains(&word)
            || matches!(
                word,
                b"to" | b"from" | b"extends" | b"matching" | b"len" | b"list" | b"true" | b"false"
            )
        {
            return false;
        }
        let Some(next) = self.peek_significant(end) else {
            return false;
        };
        match self.text[next] {
            b if is_word_start(b) => {
                let next_end = self.word_end(next);
                !OPERATOR_WORDS.contains(&&self.text[next..next_end])
            }
            b'=' => self.text.get(next + 1) != Some(&b'='),
            b':' => true,
            // `svc.NAME = ...` outside an environment.
            b'.' if next == end && self.text.get(next + 1).copied().is_some_and(is_word_start) => {
                let after = self.word_end(next + 1);
                self.peek_significant(after)
                    .is_some_and(|i| self.text[i] == b'=' && self.text.get(i + 1) != Some(&b'='))
            }
            _ => false,
        }
    }

    fn quoted(&mut self, quote: u8) {
        let start = self.pos;
        self.ensure_chunk(start);
        let mut i = start + 1;
        while i < self.text.len() {
            match self.text[i] {
                b'\\' if self.text.get(i + 1).is_some_and(|&c| c != b'\n') => {
                    i += 2;
                    // Step over a multi-byte char after the backslash as a whole.
                    while i < self.text.len() && !self.text.is_char_boundary_at(i) {
                        i += 1;
                    }
                }
                b'\n' => break,
                c if c == quote => {
                    self.pos = i + 1;
                    return;
                }
                _ => i += 1,
            }
        }
        // Unterminated: report at the opening quote, resume at the line break.
        let (what, closer) = if quote == b'"' {
            ("string", "`\"`")
        } else {
            ("regex", "`/`")
        };
        let mut end = i;
        if end > start && self.text[end - 1] == b'\r' {
            end -= 1;
        }
        let code = if quote == b'"' {
            Code::UnterminatedString
        } else {
            Code::UnterminatedRegex
        };
        let mut d = Diagnostic::error(code, format!("unterminated {what}")).primary(
            self.span(start, start + 1),
            format!("this {what} is never closed"),
        );
        if end > start + 1 {
            d = d.secondary(
                self.span(end, end),
                format!("the line ends here without a closing {closer}"),
            );
        }
        // `A = abc"`: nothing follows the quote on its line and a word is glued to its
        // left, so it is more likely the closing quote of a string whose opening quote is
        // missing than the start of a new one.
        let glued = start
            .checked_sub(1)
            .map(|p| self.text[p])
            .is_some_and(|b| !b.is_ascii_whitespace() && !b"=[(,:{".contains(&b));
        let missing_opener = quote == b'"'
            && glued
            && self.text[start + 1..end]
                .iter()
                .all(u8::is_ascii_whitespace);
        if missing_opener {
            let line_start = self.text[..start]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1);
            let word_start = self.text[line_start..start]
                .iter()
                .rposition(|&b| b.is_ascii_whitespace() || b"=[(,:{".contains(&b))
                .map_or(line_start, |p| line_start + p + 1);
            let word = String::from_utf8_lossy(&self.text[word_start..start]);
            d = d.help(format!(
                "if this quote ends the text `{word}`, add the opening quote too: `\"{word}\"`"
            ));
        } else {
            d = d.help(if quote == b'"' {
                "add the closing `\"` on the same line; a string cannot span lines (write `\\n` for a line break)"
            } else {
                "add the closing `/` on the same line; write `\\/` for a slash inside the regex"
            });
        }
        self.poison(d);
        self.pos = i;
        self.close_swallowed(start + 1, end);
    }

    /// `env e { A = "x }`: the unterminated string swallowed the `}` the user meant to
    /// close the block with. Take such a closer as closing its bracket, so the one mistake
    /// is not reported a second time as an unclosed `{`. Only closers that no opener inside
    /// the string accounts for, and only when the next line does not itself start with
    /// the same closer (then that one is the real one).
    fn close_swallowed(&mut self, from: usize, to: usize) {
        let mut depth = 0usize;
        let mut closers = Vec::new();
        for &b in &self.text[from..to] {
            match b {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' if depth > 0 => depth -= 1,
                b')' | b']' | b'}' => closers.push(b),
                _ => {}
            }
        }
        let next = self.peek_significant(to).map(|n| self.text[n]);
        for b in closers {
            let Some(top) = self.stack.last() else { break };
            if closer_of(top.byte) != b || next == Some(b) {
                break;
            }
            self.stack.pop();
        }
    }

    fn open(&mut self, byte: u8, at: usize) {
        self.stack.push(Open { byte, at });
        if self.stack.len() == MAX_NESTING + 1 {
            let d = Diagnostic::error(
                Code::NestingTooDeep,
                format!("brackets nest more than {MAX_NESTING} levels deep"),
            )
            .primary(self.span(at, at + 1), "this bracket is too deep")
            .help("flatten the expression or the list; envdef refuses deeper nesting so it cannot run out of stack");
            self.poison(d);
        }
    }

    fn close(&mut self, byte: u8, at: usize) {
        let Some(top) = self.stack.last().copied() else {
            let d = Diagnostic::error(
                Code::UnexpectedCloser,
                format!("unexpected closing `{}`", byte as char),
            )
            .primary(self.span(at, at + 1), "nothing is open here")
            .help("remove it, or add the opening bracket it belongs to");
            self.poison(d);
            return;
        };
        if closer_of(top.byte) == byte {
            self.stack.pop();
            return;
        }
        // Mismatched: if something further out matches, the inner ones were left open;
        // otherwise this closer is stray.
        if let Some(idx) = self.stack.iter().rposition(|o| closer_of(o.byte) == byte) {
            let inner = self.stack[idx + 1..].to_vec();
            self.stack.truncate(idx);
            let innermost = inner[inner.len() - 1];
            let mut d = Diagnostic::error(
                Code::UnclosedDelimiter,
                format!("unclosed `{}`", innermost.byte as char),
            )
            .primary(
                self.span(at, at + 1),
                format!(
                    "expected `{}` before this `{}`",
                    closer_of(innermost.byte) as char,
                    byte as char
                ),
            );
            for o in inner.iter().rev() {
                d = d.secondary(self.span(o.at, o.at + 1), "opened here");
            }
            self.poison(d);
        } else {
            let d = Diagnostic::error(
                Code::UnexpectedCloser,
                format!("mismatched closing `{}`", byte as char),
            )
            .primary(
                self.span(at, at + 1),
                format!("expected `{}` here", closer_of(top.byte) as char),
            )
            .secondary(
                self.span(top.at, top.at + 1),
                format!("this `{}` is still open", top.byte as char),
            );
            // Take it as the closer of the innermost bracket (the likely intent), so the
            // same mistake is not reported again as an unclosed bracket.
            self.stack.pop();
            self.poison(d);
        }
    }

    /// Reports every bracket still open and empties the stack. `at` is where the closing
    /// bracket was expected.
    fn unclosed(&mut self, at: usize, label: &str) {
        let Some(innermost) = self.stack.last().copied() else {
            return;
        };
        let closer = closer_of(innermost.byte) as char;
        let mut d = Diagnostic::error(
            Code::UnclosedDelimiter,
            format!("unclosed `{}`", innermost.byte as char),
        )
        .primary(self.span(at, at), format!("`{closer}` {label}"));
        for o in self.stack.iter().rev() {
            d = d.secondary(self.span(o.at, o.at + 1), "opened here");
        }
        d = d.help(format!("add the missing `{closer}`"));
        self.stack.clear();
        self.poison(d);
    }

    fn poison(&mut self, d: Diagnostic) {
        self.out.diagnostics.push(d);
        let start = self.pos;
        self.ensure_chunk(start);
        if let Some(c) = &mut self.current {
            c.poisoned = true;
        }
    }

    /// Makes sure a chunk is open (stray text before any declaration opens a `Stray` one).
    fn ensure_chunk(&mut self, start: usize) {
        if self.current.is_none() {
            self.current = Some(Chunk {
                start,
                end: start,
                kind: ChunkKind::Stray,
                poisoned: false,
            });
        }
    }

    fn start_chunk(&mut self, start: usize, kind: ChunkKind) {
        self.finish_chunk();
        self.current = Some(Chunk {
            start,
            end: start,
            kind,
            poisoned: false,
        });
    }

    fn finish_chunk(&mut self) {
        if let Some(mut c) = self.current.take() {
            c.end = self.last_token_end.max(c.start);
            self.out.chunks.push(c);
        }
    }
}

/// Keywords after which a declaration must go on.
fn is_continuation_word(word: &[u8]) -> bool {
    DeclKind::from_keyword(word).is_some()
        || OPERATOR_WORDS.contains(&word)
        || matches!(
            word,
            b"extends" | b"to" | b"from" | b"matching" | b"len" | b"list" | b"uses"
        )
}

/// Offset of the next `\n` at or after `from` (or the end of the text).
fn memchr_newline(text: &[u8], from: usize) -> usize {
    text[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text.len(), |i| from + i)
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

trait CharBoundary {
    fn is_char_boundary_at(&self, i: usize) -> bool;
}

impl CharBoundary for [u8] {
    fn is_char_boundary_at(&self, i: usize) -> bool {
        // A UTF-8 continuation byte is 0b10xx_xxxx.
        i >= self.len() || (self[i] as i8) >= -0x40
    }
}
