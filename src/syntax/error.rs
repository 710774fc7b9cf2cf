//! pest failures → diagnostics in the language's own words.
//!
//! pest reports a position and the rules it tried there. We turn that into what a person
//! needs: the token actually found (never a rule name), what was expected phrased for the
//! spot in the declaration (`expected `=`, a doc string or `{` after the type of
//! `API_URL``), and a `help:` for the usual mistakes (`:` for `=`, a missing type, an
//! unquoted string, a misspelt keyword). The named punctuation rules of the grammar
//! (`var_colon`, `attr_eq`, ...) tell us where in a declaration parsing stopped.

use pest::error::{ErrorVariant, InputLocation};

use super::parser::Rule;
use super::scan::{Chunk, ChunkKind, DeclKind};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};

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
struct Tok<'a> {
    start: usize,
    end: usize,
    text: &'a str,
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
        R::kw_env => "`env`",
        R::kw_extends => "`extends`",
        R::kw_assert => "`assert`",
        R::kw_when => "`when`",
        R::kw_emit => "`emit`",
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
fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn kind_word(kind: DeclKind) -> &'static str {
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
    }
}

/// Turns a pest failure on one chunk into one diagnostic.
pub(crate) fn diagnostic(err: &pest::error::Error<Rule>, cx: &ErrorContext<'_>) -> Diagnostic {
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
    let has = |r: Rule| positives.contains(&r);
    let tokens = lex(cx.text, chunk.start, chunk.end);
    let found_idx = tokens.iter().position(|t| t.end > pos);
    let found = found_idx.map(|i| tokens[i]);
    let prev = match found_idx {
        Some(0) => None,
        Some(i) => Some(tokens[i - 1]),
        None => tokens.last().copied(),
    };
    let span = |a: usize, b: usize| Span::new(cx.file, a, b);
    // Where the diagnostic points: the found token, or just after the last one.
    let at = match (found, prev) {
        (Some(t), _) => span(t.start, t.end),
        (None, Some(p)) => span(p.end, p.end),
        (None, None) => span(chunk.start, chunk.start),
    };
    let found_desc = match found {
        Some(t) => describe(t.text),
        None => match cx.next_word {
            Some(w) => format!("`{w}` (the next declaration)"),
            None => "the end of the file".to_string(),
        },
    };
    let found_text = found.map_or("", |t| t.text);
    let prev_text = prev.map_or("", |t| t.text);

    // The declaration's own name (2nd word, or 3rd after `abstract`).
    let decl_name = {
        let skip = usize::from(tokens.first().is_some_and(|t| t.text == "abstract"));
        tokens.get(1 + skip).map_or("", |t| t.text)
    };
    let kind = match chunk.kind {
        ChunkKind::Decl(k) => Some(k),
        _ => None,
    };

    let mut expected: Vec<&str> = Vec::new();
    for r in &positives {
        if let Some(f) = friendly(*r) {
            if !expected.contains(&f) {
                expected.push(f);
            }
        }
    }
    // Nearest keyword to a misspelt word, among those expected here.
    let keyword_help = || -> Option<String> {
        if !found_text
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic())
        {
            return None;
        }
        positives
            .iter()
            .filter_map(|r| keyword_of(*r))
            .filter(|k| *k != found_text)
            .map(|k| (strsim::damerau_levenshtein(k, found_text), k))
            .filter(|(d, k)| *d <= 2 && *d < k.len())
            .min()
            .map(|(_, k)| format!("did you mean `{k}`?"))
    };

    let msg_found = |what: String| format!("{what}, found {found_desc}");

    // ── the usual mistakes, most specific first ───────────────────────────────────────
    // `secret S = "..."`, `secret S: string`, `secret S "doc" from "..."` (top level or in
    // a service): a secret has neither a value nor a type, only a reference, right after
    // its name. The generic "expected a doc string" would not say so.
    let secret_name = found_idx.and_then(|i| {
        let j = tokens[..i].iter().rposition(|t| t.text == "secret")?;
        let after = &tokens[j + 1..i];
        let name = after.first()?;
        let simple = after.len() == 1 || after.len() == 2 && after[1].text.starts_with('"');
        (simple && is_word(name.text)).then_some(name.text)
    });
    if let Some(name) = secret_name {
        let reference = format!("`secret {name} from \"vault://path#key\"`");
        let fix = match found_text {
            "=" => Some((
                "a secret cannot be given a value".to_string(),
                "a secret has no value in the source",
                format!("give where to fetch it instead: {reference}; the value itself never goes into a source file"),
            )),
            ":" => Some((
                "a secret has no type".to_string(),
                "no type here",
                format!("a secret is always a string fetched at run time; declare it as {reference}"),
            )),
            "from" if prev_text.starts_with('"') => Some((
                "the reference of a secret goes before its doc string".to_string(),
                "`from` after the doc string",
                format!("write `secret {name} from \"REF\" \"doc\"`"),
            )),
            _ => None,
        };
        if let Some((message, label, help)) = fix {
            return Diagnostic::error(Code::UnexpectedInput, message)
                .primary(at, label)
                .help(help);
        }
    }
    if kind == Some(DeclKind::Assert) && prev_text == "==" && found_text == "=" {
        return Diagnostic::error(Code::UnexpectedInput, "`===` is not an operator")
            .primary(at, "one `=` too many")
            .help("compare with `==`");
    }
    if has(Rule::var_colon) {
        if found_text == "=" {
            return Diagnostic::error(
                Code::MissingVarType,
                format!("expected `:` and a type after `var {prev_text}`, found `=`"),
            )
            .primary(at, "expected `:` here")
            .help(format!(
                "a variable declares its type, then its default: `var {prev_text}: TYPE = VALUE`"
            ));
        }
        return Diagnostic::error(
            Code::UnexpectedInput,
            msg_found(format!(
                "expected `:` after the variable name `{prev_text}`"
            )),
        )
        .primary(at, "expected `:`")
        .help(format!("declare a variable as `var {prev_text}: TYPE`"));
    }
    // After an assignment's target the grammar tries a silent `=` and then `from`.
    if kind == Some(DeclKind::Env) && has(Rule::kw_from) && !has(Rule::string) {
        let env = if kind == Some(DeclKind::Env) {
            format!(" in environment `{decl_name}`")
        } else {
            String::new()
        };
        let what = format!("expected `=` or `from` after `{prev_text}`{env}");
        if found_text == ":" {
            return Diagnostic::error(Code::ColonInAssignment, msg_found(what))
                .primary(at, "expected `=`")
                .help(format!(
                    "environments assign values with `=`: `{prev_text} = ...`; `:` is for types in `var` declarations"
                ));
        }
        return Diagnostic::error(Code::UnexpectedInput, msg_found(what))
            .primary(at, "expected `=` or `from`")
            .help(format!(
                "assign a value as `{prev_text} = VALUE`, or a secret reference as `{prev_text} from \"REF\"`"
            ));
    }
    if is_range_token(found_text) && !has(Rule::range_op) {
        return Diagnostic::error(Code::MalformedRange, msg_found("a range is not allowed here".to_string()))
            .primary(at, "unexpected range")
            .help("ranges refine number types, after `in`: `var PORT: int in 1..=65535`; a value is a single number");
    }
    if has(Rule::range_op) {
        return Diagnostic::error(
            Code::MalformedRange,
            msg_found(format!(
                "expected `..=` or `..` after `{prev_text}` in a range"
            )),
        )
        .primary(at, "expected `..=` or `..`")
        .help("write an inclusive range as `1..=10` or a half-open one as `1..10`");
    }
    if is_range_token(prev_text) && has(Rule::number) {
        return Diagnostic::error(
            Code::MalformedRange,
            msg_found(format!(
                "expected the upper bound of the range after `{prev_text}`"
            )),
        )
        .primary(at, "expected a number")
        .help("a range needs both bounds: `1..=10` (inclusive) or `1..10` (half-open)");
    }
    if has(Rule::range_lit) || (prev_text == "in" && has(Rule::number) && !has(Rule::expr)) {
        return Diagnostic::error(
            Code::MalformedRange,
            msg_found(format!("expected a range after `{prev_text}`")),
        )
        .primary(at, "expected a range like `1..=10`")
        .help("write an inclusive range as `1..=10` or a half-open one as `1..10`");
    }
    if has(Rule::var_eq) {
        let name = if kind == Some(DeclKind::Var) {
            decl_name.to_string()
        } else {
            // A service's own variable: the name after the nearest `var`.
            tokens
                .iter()
                .take_while(|t| t.start < pos)
                .collect::<Vec<_>>()
                .windows(2)
                .rev()
                .find(|w| w[0].text == "var")
                .map_or(String::new(), |w| w[1].text.to_string())
        };
        let mut d = Diagnostic::error(
            Code::UnexpectedInput,
            msg_found(format!(
                "expected `=`, a doc string or `{{` after the type of `{name}`"
            )),
        )
        .primary(at, "expected `=`, a doc string or `{`");
        if found_text == ":" {
            d = d.help("the type is given once; a default follows `=`");
        } else if let Some(h) = keyword_help() {
            d = d.help(h);
        } else if is_word(found_text) && found_idx.is_some_and(|i| i + 1 < tokens.len()) {
            d = d.help("each declaration starts with a keyword such as `var`, `env` or `emit`");
        }
        return d;
    }
    if has(Rule::type_eq) {
        return Diagnostic::error(
            Code::UnexpectedInput,
            msg_found(format!("expected `=` after `type {prev_text}`")),
        )
        .primary(at, "expected `=`")
        .help(format!(
            "name a type as `type {prev_text} = TYPE`, e.g. `type Port = int in 1..=65535`"
        ));
    }
    if has(Rule::flag_eq) {
        return Diagnostic::error(
            Code::UnexpectedInput,
            msg_found(format!(
                "expected `=` and a default after `flag {prev_text}`"
            )),
        )
        .primary(at, "expected `=`")
        .help(format!("a flag has a default: `flag {prev_text} = false`"));
    }
    if has(Rule::attr_eq) {
        let mut d = Diagnostic::error(
            Code::UnexpectedInput,
            msg_found(format!("expected `=` after the attribute `{prev_text}`")),
        )
        .primary(at, "expected `=`");
        d = d.help(format!("attributes are written `{prev_text} = VALUE`"));
        return d;
    }
    if found_text == "==" && kind == Some(DeclKind::Env) {
        return Diagnostic::error(
            Code::UnexpectedInput,
            format!("expected `=` after `{prev_text}` in environment `{decl_name}`, found `==`"),
        )
        .primary(at, "`==` compares")
        .help(format!(
            "an assignment uses a single `=`: `{prev_text} = ...`; `==` is for asserts"
        ));
    }
    if has(Rule::number) && has(Rule::bool_lit) && !has(Rule::expr) {
        let after = if prev_text.is_empty() {
            String::new()
        } else {
            format!(" after `{prev_text}`")
        };
        let mut d = Diagnostic::error(
            Code::UnexpectedInput,
            msg_found(format!("expected a value{after}")),
        )
        .primary(at, "expected a value");
        if found_text == "."
            && found_idx
                .and_then(|i| tokens.get(i + 1))
                .is_some_and(|t| t.text.bytes().all(|b| b.is_ascii_digit()))
        {
            d = d.help("a float has digits on both sides of `.`: write `0.5`, not `.5`");
        } else if let Some(t) = found.filter(|_| is_word(found_text)) {
            // Quote the whole bare run (`https://x.com`), not just its first word.
            let rest = &cx.text[t.start..chunk.end];
            let bare = &rest[..rest
                .find(|c: char| c.is_whitespace() || c == ',' || c == '}' || c == ']')
                .unwrap_or(rest.len())];
            d = d.help(format!("a string value is quoted: `\"{bare}\"`"));
        } else {
            d = d.help("a value is a string `\"...\"`, a number, a duration like `30s`, `true`/`false` or a list `[...]`");
        }
        return d;
    }
    if has(Rule::type_expr) || has(Rule::base_type) || has(Rule::named_type) {
        return Diagnostic::error(
            Code::UnexpectedInput,
            msg_found(format!("expected a type after `{prev_text}`")),
        )
        .primary(at, "expected a type")
        .help("a type is `string`, `int`, `float`, `bool`, `url`, `duration`, `list<T>`, a union `\"a\" | \"b\"` or a named type");
    }
    if has(Rule::kw_to) {
        return Diagnostic::error(
            Code::UnexpectedInput,
            msg_found(format!(
                "expected `to` and an output path after `emit {decl_name}`"
            )),
        )
        .primary(at, "expected `to`")
        .help(format!("write `emit {decl_name} to \"PATH\"`"));
    }
    // (An empty expected set here comes from a negative lookahead: `env extends ...`.)
    if (has(Rule::ident) || has(Rule::name) || positives.is_empty())
        && prev.is_some_and(|p| is_keyword(p.text))
    {
        let what = match prev_text {
            "env" | "extends" => "an environment name",
            "service" => "a service name",
            "project" => "the project's name",
            "emit" => "a target (`dotenv`, `tfvars`, `variables_tf`, `compose`, `kubernetes`)",
            "type" => "the type's name",
            _ => "a name",
        };
        // `flag emit = true`, `env var {}`: the scanner took the keyword for the start of
        // the next declaration. Say that the word is reserved; the generic help about
        // letters and digits would leave the user puzzled, since `emit` is made of letters.
        let help = match (found, cx.next_word) {
            (None, Some(w)) if on_same_line(cx.text, at.start as usize) => format!(
                "`{w}` starts a declaration, so it cannot be a name; choose another (e.g. `{w}_{}`)",
                if prev_text == "flag" { "enabled" } else { "name" }
            ),
            _ => "names start with a letter or `_` and contain letters, digits and `_`".to_string(),
        };
        return Diagnostic::error(
            Code::UnexpectedInput,
            msg_found(format!("expected {what} after `{prev_text}`")),
        )
        .primary(at, "expected a name")
        .help(help);
    }
    if has(Rule::string) && prev.is_some_and(|p| matches!(p.text, "import" | "to" | "from")) {
        let what = match prev_text {
            "import" => "the path to import as a string",
            "to" => "the output path as a string",
            _ => "a secret reference as a string",
        };
        // An unquoted path or reference runs to the next blank (`out/.env`, `vault://x`).
        let bare = found.map(|t| {
            let rest = &cx.text[t.start..chunk.end];
            let len = rest.find(char::is_whitespace).unwrap_or(rest.len());
            (t.start, &rest[..len])
        });
        let at = match bare {
            Some((start, b)) if !b.starts_with('"') => span(start, start + b.len()),
            _ => at,
        };
        let found_desc = match bare {
            Some((_, b)) if !b.starts_with('"') => format!("`{b}`"),
            _ => found_desc.clone(),
        };
        let mut d = Diagnostic::error(
            Code::UnexpectedInput,
            format!("expected {what}, found {found_desc}"),
        )
        .primary(at, "expected a string");
        if let Some((_, b)) = bare.filter(|(_, b)| !b.starts_with('"')) {
            d = d.help(format!("quote it: `\"{b}\"`"));
        }
        return d;
    }
    if has(Rule::expr) || has(Rule::primary) || has(Rule::unary) {
        return Diagnostic::error(
            Code::UnexpectedInput,
            msg_found(format!("expected an expression after `{prev_text}`")),
        )
        .primary(at, "expected an expression")
        .help(
            "an expression compares names, `env`, `service` and literals: `LOG_LEVEL != \"debug\"`",
        );
    }
    if has(Rule::block_close) && kind == Some(DeclKind::Env) && has(Rule::assignment) {
        let mut d = Diagnostic::error(
            Code::UnexpectedInput,
            msg_found(format!(
                "expected an assignment or `}}` in environment `{decl_name}`"
            )),
        )
        .primary(at, "expected `NAME = VALUE` or `}`");
        if let Some(h) = keyword_help() {
            d = d.help(h);
        } else {
            d = d.help("an environment holds assignments `NAME = VALUE`, `svc.NAME = VALUE` and `SECRET from \"REF\"`");
        }
        return d;
    }
    if has(Rule::block_close)
        && kind == Some(DeclKind::Service)
        && (has(Rule::uses_decl) || has(Rule::kw_uses))
    {
        // `uses api.A`: the lexer glues `api.A` into one token; it is not a missing comma.
        if let Some((svc, var)) = found_text
            .split_once('.')
            .filter(|(s, v)| is_word(s) && is_word(v))
        {
            return Diagnostic::error(
                Code::UnexpectedInput,
                format!("`uses` names shared declarations, not `{svc}.{var}`"),
            )
            .primary(at, "another service's own variable")
            .help(format!(
                "a service's own variable belongs to that service alone; to share `{var}`, declare it at the top level and write `uses {var}` in each service that reads it"
            ));
        }
        let missing_comma = has(Rule::comma) && is_word(found_text) && is_word(prev_text);
        if missing_comma && keyword_help().is_none() {
            return Diagnostic::error(
                Code::UnexpectedInput,
                msg_found(format!(
                    "expected `,` between the names in `uses`, after `{prev_text}`"
                )),
            )
            .primary(at, "expected `,` before this name")
            .help(format!(
                "separate the names with `,`: `{prev_text}, {found_text}`"
            ));
        }
        let mut d = Diagnostic::error(
            Code::UnexpectedInput,
            msg_found(format!(
                "expected `var`, `secret`, `uses` or `}}` in service `{decl_name}`"
            )),
        )
        .primary(at, "expected a service member");
        d = d.help_opt(keyword_help().or_else(|| {
            Some(
                "a service holds `var NAME: TYPE`, `secret NAME` and `uses A, B` lines".to_string(),
            )
        }));
        return d;
    }
    if has(Rule::block_close) && has(Rule::attr) {
        return Diagnostic::error(
            Code::UnexpectedInput,
            msg_found("expected an attribute `key = value` or `}`".to_string()),
        )
        .primary(at, "expected `key = value` or `}`")
        .help("attributes are `key = value`, separated by commas or line breaks");
    }

    // ── assert expressions: name the operator the user probably meant ─────────────────
    if kind == Some(DeclKind::Assert) && found.is_some() && (has(Rule::cmp_op) || has(Rule::EOI)) {
        let next_char = cx.text[found.map_or(0, |t| t.end)..].chars().next();
        let (message, label, help): (String, &str, Option<String>) = match found_text {
            "=" if next_char == Some('~') => (
                "`=~` is not an operator".to_string(),
                "not an operator",
                Some("match a regex with `matches`: `NAME matches /re/`".to_string()),
            ),
            "=" => (
                "expected `==` to compare, found `=`".to_string(),
                "a single `=` assigns",
                Some("compare with `==`: `NAME == VALUE`".to_string()),
            ),
            _ if prev_text == "not" && is_word(found_text) => (
                "`not` is not an operator".to_string(),
                "after `not`",
                Some(format!("negate with `!`: `!{found_text}`")),
            ),
            "and" | "or" | "not" => {
                let op = match found_text {
                    "and" => "&&",
                    "or" => "||",
                    _ => "!",
                };
                (
                    format!("`{found_text}` is not an operator"),
                    "not an operator",
                    Some(format!("write `{op}`")),
                )
            }
            "when" if prev_text.starts_with('"') => (
                "the message of an assert goes last".to_string(),
                "`when` after the message",
                Some("write `assert CONDITION when CONDITION \"message\"`".to_string()),
            ),
            _ => (
                msg_found(format!(
                    "unexpected input in the assert after `{prev_text}`"
                )),
                "expected an operator, `when` or the message",
                None,
            ),
        };
        // `not A`: point at the `not`, which is the mistake.
        let at = match prev {
            Some(p) if p.text == "not" && label == "after `not`" => span(p.start, p.end),
            _ => at,
        };
        let label = if label == "after `not`" {
            "not an operator"
        } else {
            label
        };
        let mut d = Diagnostic::error(Code::UnexpectedInput, message).primary(at, label);
        d = d.help_opt(help.or_else(keyword_help).or_else(|| {
            Some("operators are `==` `!=` `<` `<=` `>` `>=` `in` `starts_with` `ends_with` `matches` `&&` `||` `!`; then optionally `when CONDITION` and a message string".to_string())
        }));
        return d;
    }

    // ── anything else: what could come here, in words ─────────────────────────────────
    let ends_here = has(Rule::EOI);
    if ends_here
        && matches!(
            kind,
            Some(DeclKind::Var | DeclKind::Secret | DeclKind::Flag)
        )
        && found.is_some()
    {
        let mut d = Diagnostic::error(
            Code::UnexpectedInput,
            format!(
                "unexpected {} after the `{}` declaration of `{decl_name}`",
                found_desc.trim_start_matches("the "),
                kind_word(kind.unwrap_or(DeclKind::Var))
            ),
        )
        .primary(at, "expected a doc string, `{` or the next declaration");
        if found_text == "." && prev_text.bytes().last().is_some_and(|b| b.is_ascii_digit()) {
            return d.help(format!(
                "a float has digits on both sides of `.`: `{prev_text}.0`"
            ));
        }
        d = d.help_opt(keyword_help().or_else(|| {
            Some(
                "a doc string is quoted, and each declaration starts with a keyword such as `var`, `env` or `emit`"
                    .to_string(),
            )
        }));
        return d;
    }
    expected.retain(|e| *e != "the end of the declaration");
    let mut what = join_or(&expected);
    if ends_here {
        what = if what.is_empty() {
            "the next declaration".to_string()
        } else {
            format!("{what} or the next declaration")
        };
    }
    let context = match kind {
        Some(k) if !decl_name.is_empty() && ends_here => {
            format!(" after the `{}` declaration of `{decl_name}`", kind_word(k))
        }
        _ if !prev_text.is_empty() => format!(" after `{prev_text}`"),
        _ => String::new(),
    };
    let message = if what.is_empty() {
        format!(
            "unexpected {}{context}",
            found_desc.trim_start_matches("the ")
        )
    } else {
        format!("expected {what}{context}, found {found_desc}")
    };
    let mut d = Diagnostic::error(Code::UnexpectedInput, message).primary(
        at,
        if ends_here || expected.is_empty() {
            "unexpected here".to_string()
        } else {
            format!("expected {}", join_or(&expected))
        },
    );
    if let Some(h) = keyword_help() {
        d = d.help(h);
    } else if ends_here && is_word(found_text) {
        d = d.help("each declaration starts with a keyword such as `var`, `env` or `emit`");
    }
    d
}

/// Whether no line break lies between `a` and the next significant text after `a`
/// (i.e. the next declaration's keyword sits on the same line as `a`).
fn on_same_line(text: &str, a: usize) -> bool {
    let rest = &text[a.min(text.len())..];
    let next = rest
        .find(|c: char| !c.is_whitespace())
        .unwrap_or(rest.len());
    !rest[..next].contains('\n')
}

fn is_word(s: &str) -> bool {
    s.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
}

fn is_range_token(s: &str) -> bool {
    s == ".." || s == "..="
}

fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "project"
            | "import"
            | "type"
            | "env"
            | "extends"
            | "service"
            | "emit"
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
