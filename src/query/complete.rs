//! The names that fit at a position of a source being edited (an editor's completion).
//!
//! The context comes from the text before the cursor, read with a small lexer (strings and
//! comments understood, braces tracked), so it works on a file that does not parse yet. The
//! names come from a [`Program`] (the last one that resolved is good enough).

use std::ops::Range;

use crate::emit::BUILTIN_TARGETS;
use crate::resolve::{Program, VarDecl, BUILTIN_TYPES};

/// Keywords that start a top-level declaration.
const TOP_LEVEL: &[&str] = &[
    "project", "import", "type", "var", "secret", "flag", "service", "abstract", "env", "assert",
    "emit", "promote", "group",
];
/// Keywords that start a member of a `service` block.
const SERVICE_MEMBERS: &[&str] = &["var", "secret", "uses"];

/// What the cursor is in, which decides what fits there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Context {
    /// The start of a declaration: at top level, or (`service_block`) a member of a
    /// `service` block.
    Keyword {
        /// Inside a `service` block (members), not at top level.
        service_block: bool,
    },
    /// The left side of an assignment in an `env` block: every variable, qualified.
    Assignment,
    /// After `uses`: the shared declarations.
    Uses,
    /// After `extends`: the environments.
    Extends,
    /// In a `promote` ladder: the environments (matrix instances included).
    Ladder,
    /// Inside `${…}` of a string: what interpolates there (the service's own variables
    /// bare, then shared ones), and `env`/`service`.
    Interpolation {
        /// The service whose variable the string is a value of.
        service: Option<String>,
    },
    /// An `assert` expression: variables (qualified), `env`, `service`.
    Assert,
    /// Where a type is written: built-in and named types.
    Type,
    /// After `emit`: the built-in targets.
    EmitTarget,
    /// Nothing completes here (a value, a string, a comment).
    None,
}

/// What kind of thing a completion names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionKind {
    /// A keyword of the language.
    Keyword,
    /// A `var`.
    Variable,
    /// A `secret`.
    Secret,
    /// A `flag`.
    Flag,
    /// An environment.
    Environment,
    /// A service.
    Service,
    /// A built-in or named type.
    Type,
    /// An `emit` target.
    Target,
    /// `env`, `service`.
    Builtin,
}

/// One name that fits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The text to insert.
    pub label: String,
    /// What it names.
    pub kind: CompletionKind,
}

/// The answer for one position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completions {
    /// What the cursor is in.
    pub context: Context,
    /// The bytes a chosen completion replaces: the partial name before the cursor.
    pub replace: Range<usize>,
    /// In a stable order (declaration order, then built-ins); the editor filters by the
    /// partial name.
    pub items: Vec<Completion>,
}

/// What completes at byte `offset` of `text` (a source file as being edited).
pub fn complete(program: &Program, text: &str, offset: usize) -> Completions {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let start = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
        .map_or(0, |i| i + 1);
    let context = context(before, start);
    Completions {
        items: items(program, &context),
        replace: start..offset,
        context,
    }
}

/// The state of the text before the cursor.
struct Lexed<'t> {
    /// The head words (`env`, `service api`, …) of the open blocks, outermost first.
    blocks: Vec<Vec<&'t str>>,
    /// The words and punctuation of the current line after the last `{` or `}`.
    line: Vec<&'t str>,
    /// Inside a string: the text from its opening quote.
    string: Option<&'t str>,
    in_comment: bool,
}

fn lex(before: &str) -> Lexed<'_> {
    let mut lexed = Lexed {
        blocks: Vec::new(),
        line: Vec::new(),
        string: None,
        in_comment: false,
    };
    let bytes = before.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'#' => match before[i..].find('\n') {
                Some(n) => i += n,
                None => {
                    lexed.in_comment = true;
                    return lexed;
                }
            },
            // A string, or a regex (only ever after `matching`/`matches`).
            b'"' | b'/'
                if b == b'"' || matches!(lexed.line.last(), Some(&("matching" | "matches"))) =>
            {
                let mut j = i + 1;
                while j < bytes.len() && bytes[j] != b && bytes[j] != b'\n' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                if j >= bytes.len() {
                    if b == b'"' {
                        lexed.string = Some(&before[i..]);
                    }
                    return lexed;
                }
                lexed.line.push(&before[i..=j]);
                i = j + 1;
            }
            b'\n' => {
                lexed.line.clear();
                i += 1;
            }
            b'{' => {
                lexed.blocks.push(std::mem::take(&mut lexed.line));
                i += 1;
            }
            b'}' => {
                lexed.blocks.pop();
                lexed.line.clear();
                i += 1;
            }
            _ if b.is_ascii_whitespace() => i += 1,
            _ if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-') => {
                let n = before[i..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
                    .unwrap_or(before.len() - i);
                lexed.line.push(&before[i..i + n]);
                i += n;
            }
            _ => {
                let n = before[i..].chars().next().map_or(1, char::len_utf8);
                lexed.line.push(&before[i..i + n]);
                i += n;
            }
        }
    }
    lexed
}

fn context(before: &str, start: usize) -> Context {
    let lexed = lex(&before[..start]);
    if lexed.in_comment {
        return Context::None;
    }
    let block = lexed.blocks.last().map(Vec::as_slice).unwrap_or(&[]);
    let block_kind = block
        .iter()
        .copied()
        .find(|w| !matches!(*w, "abstract"))
        .unwrap_or("");
    let service_of_block = || {
        lexed
            .blocks
            .iter()
            .rev()
            .find(|b| b.first() == Some(&"service"))
            .and_then(|b| b.get(1))
            .map(|s| s.to_string())
    };
    if let Some(string) = lexed.string {
        let open = string.rfind("${");
        let closed = open.is_some_and(|o| string[o..].contains('}'));
        if open.is_none() || closed {
            return Context::None;
        }
        // A value set in an `env` block on `svc.NAME` interpolates in `svc`'s scope.
        let service = if block_kind == "env" {
            lexed
                .line
                .first()
                .and_then(|t| t.split_once('.'))
                .map(|(svc, _)| svc.to_string())
        } else {
            service_of_block()
        };
        return Context::Interpolation { service };
    }
    let line = lexed.line.as_slice();
    let first = line.first().copied();
    let last = line.last().copied();
    match (first, last) {
        (_, Some("extends")) => Context::Extends,
        (Some("promote"), _) => Context::Ladder,
        (Some("emit"), Some("emit")) => Context::EmitTarget,
        (Some("uses"), _) => Context::Uses,
        (Some("assert"), _) => Context::Assert,
        (Some("var"), Some(":" | "<" | "|")) | (Some("type"), Some("=" | "<" | "|")) => {
            Context::Type
        }
        (None, _) if lexed.blocks.is_empty() => Context::Keyword {
            service_block: false,
        },
        (None, _) if block_kind == "service" => Context::Keyword {
            service_block: true,
        },
        (None, _) if block_kind == "env" => Context::Assignment,
        // Assignments may share a line when separated by commas.
        (Some(_), Some(",")) if block_kind == "env" => Context::Assignment,
        _ => Context::None,
    }
}

fn items(program: &Program, context: &Context) -> Vec<Completion> {
    let item = |label: &str, kind| Completion {
        label: label.to_string(),
        kind,
    };
    let var_kind = |decl: &VarDecl| match decl {
        VarDecl::Var(_) => CompletionKind::Variable,
        VarDecl::Secret(_) => CompletionKind::Secret,
        VarDecl::Flag(_) => CompletionKind::Flag,
    };
    let keywords = |words: &[&str]| {
        words
            .iter()
            .map(|w| item(w, CompletionKind::Keyword))
            .collect()
    };
    match context {
        Context::None => Vec::new(),
        Context::Keyword { service_block } => keywords(if *service_block {
            SERVICE_MEMBERS
        } else {
            TOP_LEVEL
        }),
        Context::Assignment => program
            .vars
            .iter()
            .map(|(name, v)| item(name, var_kind(&v.decl)))
            .collect(),
        Context::Uses => program
            .vars
            .iter()
            .filter(|(_, v)| v.owner.is_none())
            .map(|(name, v)| item(name, var_kind(&v.decl)))
            .collect(),
        Context::Extends | Context::Ladder => program
            .envs
            .keys()
            .map(|name| item(name, CompletionKind::Environment))
            .collect(),
        Context::Interpolation { service } => {
            let scope = service
                .as_deref()
                .and_then(|s| program.services.get_index_of(s))
                .map(crate::model::ServiceId::new);
            // Secrets never interpolate into plain values; offer what may.
            let mut out: Vec<Completion> = program
                .vars
                .values()
                .filter(|v| !matches!(v.decl, VarDecl::Secret(_)))
                .filter(|v| v.owner.is_none() || v.owner == scope)
                .map(|v| item(&v.name.text, var_kind(&v.decl)))
                .collect();
            out.push(item("env", CompletionKind::Builtin));
            if scope.is_some() {
                out.push(item("service", CompletionKind::Builtin));
            }
            out
        }
        Context::Assert => {
            let mut out: Vec<Completion> = program
                .vars
                .iter()
                .filter(|(_, v)| !matches!(v.decl, VarDecl::Secret(_)))
                .map(|(name, v)| item(name, var_kind(&v.decl)))
                .collect();
            out.push(item("env", CompletionKind::Builtin));
            out.push(item("service", CompletionKind::Builtin));
            out
        }
        Context::Type => {
            let mut out: Vec<Completion> = BUILTIN_TYPES
                .iter()
                .map(|t| item(t, CompletionKind::Type))
                .collect();
            out.push(item("list", CompletionKind::Keyword));
            out.extend(program.types.keys().map(|t| item(t, CompletionKind::Type)));
            out
        }
        Context::EmitTarget => BUILTIN_TARGETS
            .iter()
            .map(|t| item(t, CompletionKind::Target))
            .collect(),
    }
}
