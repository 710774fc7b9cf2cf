//! The site of a pest failure: the tokens around it, what pest expected there, and the
//! helpers the rules phrase their messages with.

use pest::error::{ErrorVariant, InputLocation};

use crate::source::{FileId, Span};
use crate::syntax::parser::Rule;
use crate::syntax::scan::{Chunk, ChunkKind, DeclKind};

/// What the chunk was: the text of the whole file plus where the chunk sits in it.
pub(crate) struct ErrorContext<'a> {
    pub file: FileId,
    pub text: &'a str,
    pub chunk: &'a Chunk,
    /// First word of the next declaration, if any (shown as what was found at the end).
    pub next_word: Option<&'a str>,
}

/// A token of the chunk, as the error reporter sees it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Tok<'a> {
    pub start: usize,
    pub end: usize,
    pub text: &'a str,
}

/// A tiny lexer over `text[start..end]`, good enough to name tokens in messages.
fn lex(text: &str, start: usize, end: usize) -> Vec<Tok<'_>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = start;
    while i < end {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'#' {
            while i < end && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        let s = i;
        let after_regex_keyword = out
            .last()
            .is_some_and(|t: &Tok<'_>| t.text == "matching" || t.text == "matches");
        if c == b'"' || c == b'/' && after_regex_keyword {
            i += 1;
            while i < end && b[i] != c && b[i] != b'\n' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(end);
        } else if c.is_ascii_alphanumeric()
            || c == b'_'
            || c == b'-' && i + 1 < end && b[i + 1].is_ascii_digit()
        {
            i += 1;
            while i < end
                && (b[i].is_ascii_alphanumeric()
                    || b[i] == b'_'
                    || b[i] == b'-'
                    || b[i] == b'.'
                        && i + 1 < end
                        && (b[i + 1].is_ascii_alphanumeric() || b[i + 1] == b'_'))
            {
                i += 1;
            }
        } else {
            let rest = &text[i..end];
            let len = ["..=", "==", "!=", "<=", ">=", "&&", "||", ".."]
                .iter()
                .find(|op| rest.starts_with(**op))
                .map_or_else(
                    || rest.chars().next().map_or(1, char::len_utf8),
                    |op| op.len(),
                );
            i += len;
        }
        let e = i.min(end);
        // Keep the token on a char boundary even for odd input.
        let e = (e..=end).find(|&k| text.is_char_boundary(k)).unwrap_or(end);
        out.push(Tok {
            start: s,
            end: e,
            text: &text[s..e],
        });
        i = e.max(s + 1);
        while i < end && !text.is_char_boundary(i) {
            i += 1;
        }
    }
    out
}

fn friendly(rule: Rule) -> Option<&'static str> {
    use Rule as R;
    Some(match rule {
        R::ident | R::name => "a name",
        R::string => "a string",
        R::regex => "a regex `/.../`",
        R::number => "a number",
        R::bool_lit => "`true` or `false`",
        R::var_colon => "`:`",
        R::var_eq | R::type_eq | R::flag_eq | R::attr_eq => "`=`",
        R::optional => "`?`",
        R::union_bar => "`|`",
        R::list_open | R::list | R::expr_list => "`[`",
        R::list_close => "`]`",
        R::comma => "`,`",
        R::block_open | R::attr_block => "`{`",
        R::block_close => "`}`",
        R::angle_open => "`<`",
        R::angle_close => "`>`",
        R::paren_open => "`(`",
        R::paren_close => "`)`",
        R::range_op => "`..=` or `..`",
        R::value | R::value_lit => "a value",
        R::attr => "an attribute `key = value`",
        R::type_expr | R::base_type | R::union | R::list_type | R::named_type => "a type",
        R::refinement | R::range_ref | R::matching_ref | R::len_ref => {
            "a refinement (`in`, `matching` or `len`)"
        }
        R::range_lit => "a range like `1..=10`",
        R::assignment | R::assign_target => "an assignment `NAME = VALUE`",
        R::var_decl | R::kw_var => "`var`",
        R::secret_decl | R::kw_secret => "`secret`",
        R::uses_decl | R::kw_uses => "`uses`",
        R::expr | R::or_expr | R::and_expr | R::cmp_expr | R::unary | R::primary | R::var_ref => {
            "an expression"
        }
        R::cmp_op => "a comparison (`==`, `!=`, `<`, `in`, `starts_with`, ...)",
        R::or_op => "`||`",
        R::and_op => "`&&`",
        R::not_op => "`!`",
        R::kw_project => "`project`",
        R::kw_import => "`import`",
        R::kw_type => "`type`",
        R::kw_flag => "`flag`",
        R::kw_service => "`service`",
        R::kw_abstract => "`abstract`",
        R::kw_insecure => "`insecure`",
        R::kw_env => "`env`",
        R::kw_extends => "`extends`",
        R::kw_assert => "`assert`",
        R::kw_when => "`when`",
        R::kw_emit => "`emit`",
        R::kw_promote => "`promote`",
        R::kw_group => "`group`",
        R::ladder_arrow => "`->`",
        R::ladder_name => "an environment name",
        R::kw_to => "`to`",
        R::kw_from => "`from`",
        R::kw_in => "`in`",
        R::kw_matching => "`matching`",
        R::kw_len => "`len`",
        R::kw_list => "`list`",
        R::kw_matches => "`matches`",
        R::kw_starts_with => "`starts_with`",
        R::kw_ends_with => "`ends_with`",
        R::EOI => "the end of the declaration",
        _ => return None,
    })
}

/// The keyword a rule stands for, for "did you mean" on a misspelt word.
fn keyword_of(rule: Rule) -> Option<&'static str> {
    use Rule as R;
    Some(match rule {
        R::kw_extends => "extends",
        R::kw_from => "from",
        R::kw_to => "to",
        R::kw_when => "when",
        R::kw_in => "in",
        R::kw_matching => "matching",
        R::kw_len => "len",
        R::kw_uses | R::uses_decl => "uses",
        R::kw_var | R::var_decl => "var",
        R::kw_secret | R::secret_decl => "secret",
        R::kw_matches => "matches",
        R::kw_starts_with => "starts_with",
        R::kw_ends_with => "ends_with",
        R::kw_env => "env",
        R::bool_lit => "true",
        _ => return None,
    })
}

/// "a, b or c"
pub(super) fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

pub(super) fn kind_word(kind: DeclKind) -> &'static str {
    match kind {
        DeclKind::Project => "project",
        DeclKind::Import => "import",
        DeclKind::Type => "type",
        DeclKind::Var => "var",
        DeclKind::Secret => "secret",
        DeclKind::Flag => "flag",
        DeclKind::Service => "service",
        DeclKind::Env => "env",
        DeclKind::Assert => "assert",
        DeclKind::Emit => "emit",
        DeclKind::Promote => "promote",
        DeclKind::Group => "group",
    }
}

/// Everything the rules look at, computed once from the pest failure: the tokens around
/// the failing position, what pest expected there and which declaration it happened in.
pub(super) struct Site<'a> {
    pub cx: &'a ErrorContext<'a>,
    /// Absolute offset where pest stopped.
    pub pos: usize,
    /// The rules pest tried at `pos`.
    pub positives: Vec<Rule>,
    pub tokens: Vec<Tok<'a>>,
    pub found_idx: Option<usize>,
    /// The token at `pos` (none at the end of the chunk) and the one before it.
    pub found: Option<Tok<'a>>,
    pub prev: Option<Tok<'a>>,
    /// Where the diagnostic points: the found token, or just after the last one.
    pub at: Span,
    /// `found` named for a message (`the string "..."`, `the end of the file`).
    pub found_desc: String,
    pub found_text: &'a str,
    pub prev_text: &'a str,
    /// The declaration's own name (2nd word, or 3rd after `abstract`).
    pub decl_name: &'a str,
    pub kind: Option<DeclKind>,
    /// `positives` in words, without repeats.
    pub expected: Vec<&'static str>,
}

impl<'a> Site<'a> {
    pub(super) fn new(err: &pest::error::Error<Rule>, cx: &'a ErrorContext<'a>) -> Self {
        let chunk = cx.chunk;
        let rel = match err.location {
            InputLocation::Pos(p) => p,
            InputLocation::Span((p, _)) => p,
        };
        let pos = (chunk.start + rel).min(chunk.end);
        let positives: Vec<Rule> = match &err.variant {
            ErrorVariant::ParsingError { positives, .. } => positives.clone(),
            ErrorVariant::CustomError { .. } => Vec::new(),
        };
        let tokens = lex(cx.text, chunk.start, chunk.end);
        let found_idx = tokens.iter().position(|t| t.end > pos);
        let found = found_idx.map(|i| tokens[i]);
        let prev = match found_idx {
            Some(0) => None,
            Some(i) => Some(tokens[i - 1]),
            None => tokens.last().copied(),
        };
        let at = match (found, prev) {
            (Some(t), _) => Span::new(cx.file, t.start, t.end),
            (None, Some(p)) => Span::new(cx.file, p.end, p.end),
            (None, None) => Span::new(cx.file, chunk.start, chunk.start),
        };
        let found_desc = match found {
            Some(t) => describe(t.text),
            None => match cx.next_word {
                Some(w) => format!("`{w}` (the next declaration)"),
                None => "the end of the file".to_string(),
            },
        };
        let decl_name = {
            let skip = usize::from(tokens.first().is_some_and(|t| t.text == "abstract"));
            tokens.get(1 + skip).map_or("", |t| t.text)
        };
        let kind = match chunk.kind {
            ChunkKind::Decl(k) => Some(k),
            _ => None,
        };
        let mut expected: Vec<&'static str> = Vec::new();
        for f in positives.iter().filter_map(|r| friendly(*r)) {
            if !expected.contains(&f) {
                expected.push(f);
            }
        }
        Site {
            cx,
            pos,
            positives,
            found_idx,
            found,
            prev,
            at,
            found_desc,
            found_text: found.map_or("", |t| t.text),
            prev_text: prev.map_or("", |t| t.text),
            decl_name,
            kind,
            expected,
            tokens,
        }
    }

    pub fn has(&self, r: Rule) -> bool {
        self.positives.contains(&r)
    }

    pub fn span(&self, a: usize, b: usize) -> Span {
        Span::new(self.cx.file, a, b)
    }

    /// "{what}, found {the found token}"
    pub fn msg_found(&self, what: String) -> String {
        format!("{what}, found {}", self.found_desc)
    }

    /// Nearest keyword to a misspelt word, among those expected here.
    pub fn keyword_help(&self) -> Option<String> {
        let found_text = self.found_text;
        if !found_text
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic())
        {
            return None;
        }
        self.positives
            .iter()
            .filter_map(|r| keyword_of(*r))
            .filter(|k| *k != found_text)
            .map(|k| (strsim::damerau_levenshtein(k, found_text), k))
            .filter(|(d, k)| *d <= 2 && *d < k.len())
            .min()
            .map(|(_, k)| format!("did you mean `{k}`?"))
    }
}

/// Whether no line break lies between `a` and the next significant text after `a`
/// (i.e. the next declaration's keyword sits on the same line as `a`).
pub(super) fn on_same_line(text: &str, a: usize) -> bool {
    let rest = &text[a.min(text.len())..];
    let next = rest
        .find(|c: char| !c.is_whitespace())
        .unwrap_or(rest.len());
    !rest[..next].contains('\n')
}

pub(super) fn is_word(s: &str) -> bool {
    s.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
}

pub(super) fn is_range_token(s: &str) -> bool {
    s == ".." || s == "..="
}

pub(super) fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "project"
            | "import"
            | "type"
            | "env"
            | "extends"
            | "service"
            | "emit"
            | "promote"
            | "group"
            | "var"
            | "secret"
            | "flag"
    )
}

/// How a found token is named in a message.
fn describe(tok: &str) -> String {
    if tok.starts_with('"') {
        let short: String = tok.chars().take(24).collect();
        if short.len() < tok.len() {
            return format!("the string `{short}...`");
        }
        return format!("the string `{tok}`");
    }
    let short: String = tok.chars().take(24).collect();
    format!("`{short}`")
}
