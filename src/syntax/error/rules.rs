//! The usual mistakes, one named rule each, most specific first.
//!
//! A rule looks at the [`Site`] of a pest failure and either recognises it (and returns the
//! diagnostic) or passes (`None`). `RULES` is tried in order, so a new rule goes before the
//! more general rules it refines; a site no rule recognises gets [`anything_else`].

use super::site::{is_keyword, is_range_token, is_word, join_or, kind_word, on_same_line, Site};
use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::parser::Rule;
use crate::syntax::scan::DeclKind;

type RuleFn = fn(&Site<'_>) -> Option<Diagnostic>;

/// The rules in the order they are tried.
pub(super) const RULES: &[RuleFn] = &[
    secret_misuse,
    triple_eq,
    var_colon,
    assignment_operator,
    range_not_allowed,
    range_operator,
    range_upper_bound,
    range_expected,
    var_default,
    type_eq,
    flag_eq,
    attr_eq,
    double_eq_in_env,
    value_expected,
    type_expected,
    emit_to,
    name_after_keyword,
    string_after_keyword,
    expression_expected,
    env_member,
    service_member,
    attribute_expected,
    assert_operator,
    trailing_after_decl,
];

fn unexpected(message: String) -> Diagnostic {
    Diagnostic::error(Code::UnexpectedInput, message)
}

/// `secret S = "..."`, `secret S: string`, `secret S "doc" from "..."` (top level or in a
/// service): a secret has neither a value nor a type, only a reference, right after its
/// name. The generic "expected a doc string" would not say so.
fn secret_misuse(s: &Site<'_>) -> Option<Diagnostic> {
    let i = s.found_idx?;
    let j = s.tokens[..i].iter().rposition(|t| t.text == "secret")?;
    let after = &s.tokens[j + 1..i];
    let name = after.first()?;
    let simple = after.len() == 1 || after.len() == 2 && after[1].text.starts_with('"');
    if !(simple && is_word(name.text)) {
        return None;
    }
    let name = name.text;
    let reference = format!("`secret {name} from \"vault://path#key\"`");
    // `secret DATABASE_URL = "postgres://app:${DB_PASSWORD}@…"`: a derived secret, which
    // is given per environment. Say that, not "give a reference instead". The template is
    // not echoed (the source line is shown).
    let template = s.tokens.get(i + 1).map_or("", |t| t.text);
    if s.found_text == "=" && template.starts_with('"') && template.contains("${") {
        return Some(
            unexpected(format!(
                "a derived secret's template is given in an environment, not in the declaration of `{name}`"
            ))
            .primary(s.at, "a secret's declaration has no value, even a template")
            .note("a derived secret (a value built from other secrets, docs/language.md) is assigned like a variable's value in an environment, and environments inherit it through `extends`")
            .help(format!(
                "declare `secret {name}` and assign the template in an environment the others extend: `abstract env base {{ {name} = \"…${{…}}…\" }}`, then `env production extends base {{}}`"
            )),
        );
    }
    let (message, label, help) = match s.found_text {
        "=" => (
            "a secret cannot be given a value".to_string(),
            "a secret has no value in the source",
            format!("give where to fetch it instead: {reference}; the value itself never goes into a source file"),
        ),
        ":" => (
            "a secret has no type".to_string(),
            "no type here",
            format!("a secret is always a string fetched at run time; declare it as {reference}"),
        ),
        "from" if s.prev_text.starts_with('"') => (
            "the reference of a secret goes before its doc string".to_string(),
            "`from` after the doc string",
            format!("write `secret {name} from \"REF\" \"doc\"`"),
        ),
        _ => return None,
    };
    Some(unexpected(message).primary(s.at, label).help(help))
}

fn triple_eq(s: &Site<'_>) -> Option<Diagnostic> {
    (s.kind == Some(DeclKind::Assert) && s.prev_text == "==" && s.found_text == "=").then(|| {
        unexpected("`===` is not an operator".to_string())
            .primary(s.at, "one `=` too many")
            .help("compare with `==`")
    })
}

fn var_colon(s: &Site<'_>) -> Option<Diagnostic> {
    if !s.has(Rule::var_colon) {
        return None;
    }
    let prev = s.prev_text;
    if s.found_text == "=" {
        return Some(
            Diagnostic::error(
                Code::MissingVarType,
                format!("expected `:` and a type after `var {prev}`, found `=`"),
            )
            .primary(s.at, "expected `:` here")
            .help(format!(
                "a variable declares its type, then its default: `var {prev}: TYPE = VALUE`"
            )),
        );
    }
    Some(
        unexpected(s.msg_found(format!("expected `:` after the variable name `{prev}`")))
            .primary(s.at, "expected `:`")
            .help(format!("declare a variable as `var {prev}: TYPE`")),
    )
}

/// After an assignment's target the grammar tries a silent `=` and then `from`.
fn assignment_operator(s: &Site<'_>) -> Option<Diagnostic> {
    if !(s.kind == Some(DeclKind::Env) && s.has(Rule::kw_from) && !s.has(Rule::string)) {
        return None;
    }
    let prev = s.prev_text;
    let what = format!(
        "expected `=` or `from` after `{prev}` in environment `{}`",
        s.decl_name
    );
    if s.found_text == ":" {
        return Some(
            Diagnostic::error(Code::ColonInAssignment, s.msg_found(what))
                .primary(s.at, "expected `=`")
                .help(format!(
                    "environments assign values with `=`: `{prev} = ...`; `:` is for types in `var` declarations"
                )),
        );
    }
    Some(
        unexpected(s.msg_found(what))
            .primary(s.at, "expected `=` or `from`")
            .help(format!(
                "assign a value as `{prev} = VALUE`, or a secret reference as `{prev} from \"REF\"`"
            )),
    )
}

fn malformed_range(s: &Site<'_>, what: String, label: &str, help: &str) -> Diagnostic {
    Diagnostic::error(Code::MalformedRange, s.msg_found(what))
        .primary(s.at, label)
        .help(help)
}

fn range_not_allowed(s: &Site<'_>) -> Option<Diagnostic> {
    (is_range_token(s.found_text) && !s.has(Rule::range_op)).then(|| {
        malformed_range(
            s,
            "a range is not allowed here".to_string(),
            "unexpected range",
            "ranges refine number types, after `in`: `var PORT: int in 1..=65535`; a value is a single number",
        )
    })
}

fn range_operator(s: &Site<'_>) -> Option<Diagnostic> {
    s.has(Rule::range_op).then(|| {
        malformed_range(
            s,
            format!("expected `..=` or `..` after `{}` in a range", s.prev_text),
            "expected `..=` or `..`",
            "write an inclusive range as `1..=10` or a half-open one as `1..10`",
        )
    })
}

fn range_upper_bound(s: &Site<'_>) -> Option<Diagnostic> {
    (is_range_token(s.prev_text) && s.has(Rule::number)).then(|| {
        malformed_range(
            s,
            format!(
                "expected the upper bound of the range after `{}`",
                s.prev_text
            ),
            "expected a number",
            "a range needs both bounds: `1..=10` (inclusive) or `1..10` (half-open)",
        )
    })
}

fn range_expected(s: &Site<'_>) -> Option<Diagnostic> {
    let after_in = s.prev_text == "in" && s.has(Rule::number) && !s.has(Rule::expr);
    (s.has(Rule::range_lit) || after_in).then(|| {
        malformed_range(
            s,
            format!("expected a range after `{}`", s.prev_text),
            "expected a range like `1..=10`",
            "write an inclusive range as `1..=10` or a half-open one as `1..10`",
        )
    })
}

fn var_default(s: &Site<'_>) -> Option<Diagnostic> {
    if !s.has(Rule::var_eq) {
        return None;
    }
    let name = if s.kind == Some(DeclKind::Var) {
        s.decl_name
    } else {
        // A service's own variable: the name after the nearest `var`.
        s.tokens
            .iter()
            .take_while(|t| t.start < s.pos)
            .collect::<Vec<_>>()
            .windows(2)
            .rev()
            .find(|w| w[0].text == "var")
            .map_or("", |w| w[1].text)
    };
    let mut d = unexpected(s.msg_found(format!(
        "expected `=`, a doc string or `{{` after the type of `{name}`"
    )))
    .primary(s.at, "expected `=`, a doc string or `{`");
    if s.found_text == ":" {
        d = d.help("the type is given once; a default follows `=`");
    } else if let Some(h) = s.keyword_help() {
        d = d.help(h);
    } else if is_word(s.found_text) && s.found_idx.is_some_and(|i| i + 1 < s.tokens.len()) {
        d = d.help("each declaration starts with a keyword such as `var`, `env` or `emit`");
    }
    Some(d)
}

fn type_eq(s: &Site<'_>) -> Option<Diagnostic> {
    let prev = s.prev_text;
    s.has(Rule::type_eq).then(|| {
        unexpected(s.msg_found(format!("expected `=` after `type {prev}`")))
            .primary(s.at, "expected `=`")
            .help(format!(
                "name a type as `type {prev} = TYPE`, e.g. `type Port = int in 1..=65535`"
            ))
    })
}

fn flag_eq(s: &Site<'_>) -> Option<Diagnostic> {
    let prev = s.prev_text;
    s.has(Rule::flag_eq).then(|| {
        unexpected(s.msg_found(format!("expected `=` and a default after `flag {prev}`")))
            .primary(s.at, "expected `=`")
            .help(format!("a flag has a default: `flag {prev} = false`"))
    })
}

fn attr_eq(s: &Site<'_>) -> Option<Diagnostic> {
    let prev = s.prev_text;
    s.has(Rule::attr_eq).then(|| {
        unexpected(s.msg_found(format!("expected `=` after the attribute `{prev}`")))
            .primary(s.at, "expected `=`")
            .help(format!("attributes are written `{prev} = VALUE`"))
    })
}

fn double_eq_in_env(s: &Site<'_>) -> Option<Diagnostic> {
    let prev = s.prev_text;
    (s.found_text == "==" && s.kind == Some(DeclKind::Env)).then(|| {
        unexpected(format!(
            "expected `=` after `{prev}` in environment `{}`, found `==`",
            s.decl_name
        ))
        .primary(s.at, "`==` compares")
        .help(format!(
            "an assignment uses a single `=`: `{prev} = ...`; `==` is for asserts"
        ))
    })
}

fn value_expected(s: &Site<'_>) -> Option<Diagnostic> {
    if !(s.has(Rule::number) && s.has(Rule::bool_lit) && !s.has(Rule::expr)) {
        return None;
    }
    let after = if s.prev_text.is_empty() {
        String::new()
    } else {
        format!(" after `{}`", s.prev_text)
    };
    let d = unexpected(s.msg_found(format!("expected a value{after}")))
        .primary(s.at, "expected a value");
    let leading_dot = s.found_text == "."
        && s.found_idx
            .and_then(|i| s.tokens.get(i + 1))
            .is_some_and(|t| t.text.bytes().all(|b| b.is_ascii_digit()));
    Some(if leading_dot {
        d.help("a float has digits on both sides of `.`: write `0.5`, not `.5`")
    } else if let Some(t) = s.found.filter(|_| is_word(s.found_text)) {
        // Quote the whole bare run (`https://x.com`), not just its first word.
        let rest = &s.cx.text[t.start..s.cx.chunk.end];
        let bare = &rest[..rest
            .find(|c: char| c.is_whitespace() || c == ',' || c == '}' || c == ']')
            .unwrap_or(rest.len())];
        d.help(format!("a string value is quoted: `\"{bare}\"`"))
    } else {
        d.help("a value is a string `\"...\"`, a number, a duration like `30s`, `true`/`false` or a list `[...]`")
    })
}

fn type_expected(s: &Site<'_>) -> Option<Diagnostic> {
    (s.has(Rule::type_expr) || s.has(Rule::base_type) || s.has(Rule::named_type)).then(|| {
        unexpected(s.msg_found(format!("expected a type after `{}`", s.prev_text)))
            .primary(s.at, "expected a type")
            .help("a type is `string`, `int`, `float`, `bool`, `url`, `duration`, `list<T>`, a union `\"a\" | \"b\"` or a named type")
    })
}

fn emit_to(s: &Site<'_>) -> Option<Diagnostic> {
    let name = s.decl_name;
    s.has(Rule::kw_to).then(|| {
        unexpected(s.msg_found(format!(
            "expected `to` and an output path after `emit {name}`"
        )))
        .primary(s.at, "expected `to`")
        .help(format!("write `emit {name} to \"PATH\"`"))
    })
}

/// A name missing after a declaration keyword. (An empty expected set here comes from a
/// negative lookahead: `env extends ...`.)
fn name_after_keyword(s: &Site<'_>) -> Option<Diagnostic> {
    let wants_name = s.has(Rule::ident) || s.has(Rule::name) || s.positives.is_empty();
    if !(wants_name && s.prev.is_some_and(|p| is_keyword(p.text))) {
        return None;
    }
    let prev = s.prev_text;
    let what = match prev {
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
    let help = match (s.found, s.cx.next_word) {
        (None, Some(w)) if on_same_line(s.cx.text, s.at.start as usize) => format!(
            "`{w}` starts a declaration, so it cannot be a name; choose another (e.g. `{w}_{}`)",
            if prev == "flag" { "enabled" } else { "name" }
        ),
        _ => "names start with a letter or `_` and contain letters, digits and `_`".to_string(),
    };
    Some(
        unexpected(s.msg_found(format!("expected {what} after `{prev}`")))
            .primary(s.at, "expected a name")
            .help(help),
    )
}

/// A path or reference left unquoted after `import`, `to` or `from`.
fn string_after_keyword(s: &Site<'_>) -> Option<Diagnostic> {
    if !(s.has(Rule::string)
        && s.prev
            .is_some_and(|p| matches!(p.text, "import" | "to" | "from")))
    {
        return None;
    }
    let what = match s.prev_text {
        "import" => "the path to import as a string",
        "to" => "the output path as a string",
        _ => "a secret reference as a string",
    };
    // An unquoted path or reference runs to the next blank (`out/.env`, `vault://x`).
    let bare = s
        .found
        .map(|t| {
            let rest = &s.cx.text[t.start..s.cx.chunk.end];
            let len = rest.find(char::is_whitespace).unwrap_or(rest.len());
            (t.start, &rest[..len])
        })
        .filter(|(_, b)| !b.starts_with('"'));
    let Some((start, b)) = bare else {
        return Some(
            unexpected(format!("expected {what}, found {}", s.found_desc))
                .primary(s.at, "expected a string"),
        );
    };
    Some(
        unexpected(format!("expected {what}, found `{b}`"))
            .primary(s.span(start, start + b.len()), "expected a string")
            .help(format!("quote it: `\"{b}\"`")),
    )
}

fn expression_expected(s: &Site<'_>) -> Option<Diagnostic> {
    (s.has(Rule::expr) || s.has(Rule::primary) || s.has(Rule::unary)).then(|| {
        unexpected(s.msg_found(format!("expected an expression after `{}`", s.prev_text)))
            .primary(s.at, "expected an expression")
            .help(
                "an expression compares names, `env`, `service` and literals: `LOG_LEVEL != \"debug\"`",
            )
    })
}

fn env_member(s: &Site<'_>) -> Option<Diagnostic> {
    if !(s.has(Rule::block_close) && s.kind == Some(DeclKind::Env) && s.has(Rule::assignment)) {
        return None;
    }
    let d = unexpected(s.msg_found(format!(
        "expected an assignment or `}}` in environment `{}`",
        s.decl_name
    )))
    .primary(s.at, "expected `NAME = VALUE` or `}`");
    Some(d.help(s.keyword_help().unwrap_or_else(|| {
        "an environment holds assignments `NAME = VALUE`, `svc.NAME = VALUE` and `SECRET from \"REF\"`".to_string()
    })))
}

fn service_member(s: &Site<'_>) -> Option<Diagnostic> {
    if !(s.has(Rule::block_close)
        && s.kind == Some(DeclKind::Service)
        && (s.has(Rule::uses_decl) || s.has(Rule::kw_uses)))
    {
        return None;
    }
    let (found, prev) = (s.found_text, s.prev_text);
    // `uses api.A`: the lexer glues `api.A` into one token; it is not a missing comma.
    if let Some((svc, var)) = found
        .split_once('.')
        .filter(|(sv, v)| is_word(sv) && is_word(v))
    {
        return Some(
            unexpected(format!("`uses` names shared declarations, not `{svc}.{var}`"))
                .primary(s.at, "another service's own variable")
                .help(format!(
                    "a service's own variable belongs to that service alone; to share `{var}`, declare it at the top level and write `uses {var}` in each service that reads it"
                )),
        );
    }
    let missing_comma = s.has(Rule::comma) && is_word(found) && is_word(prev);
    if missing_comma && s.keyword_help().is_none() {
        return Some(
            unexpected(s.msg_found(format!(
                "expected `,` between the names in `uses`, after `{prev}`"
            )))
            .primary(s.at, "expected `,` before this name")
            .help(format!("separate the names with `,`: `{prev}, {found}`")),
        );
    }
    let d = unexpected(s.msg_found(format!(
        "expected `var`, `secret`, `uses` or `}}` in service `{}`",
        s.decl_name
    )))
    .primary(s.at, "expected a service member");
    Some(d.help(s.keyword_help().unwrap_or_else(|| {
        "a service holds `var NAME: TYPE`, `secret NAME` and `uses A, B` lines".to_string()
    })))
}

fn attribute_expected(s: &Site<'_>) -> Option<Diagnostic> {
    (s.has(Rule::block_close) && s.has(Rule::attr)).then(|| {
        unexpected(s.msg_found("expected an attribute `key = value` or `}`".to_string()))
            .primary(s.at, "expected `key = value` or `}`")
            .help("attributes are `key = value`, separated by commas or line breaks")
    })
}

/// Assert expressions: name the operator the user probably meant.
fn assert_operator(s: &Site<'_>) -> Option<Diagnostic> {
    let found = s.found?;
    if !(s.kind == Some(DeclKind::Assert) && (s.has(Rule::cmp_op) || s.has(Rule::EOI))) {
        return None;
    }
    let (found_text, prev_text) = (s.found_text, s.prev_text);
    let next_char = s.cx.text[found.end..].chars().next();
    let mut at = s.at;
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
        _ if prev_text == "not" && is_word(found_text) => {
            // `not A`: point at the `not`, which is the mistake.
            if let Some(p) = s.prev {
                at = s.span(p.start, p.end);
            }
            (
                "`not` is not an operator".to_string(),
                "not an operator",
                Some(format!("negate with `!`: `!{found_text}`")),
            )
        }
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
            s.msg_found(format!(
                "unexpected input in the assert after `{prev_text}`"
            )),
            "expected an operator, `when` or the message",
            None,
        ),
    };
    let help = help.or_else(|| s.keyword_help()).unwrap_or_else(|| {
        "operators are `==` `!=` `<` `<=` `>` `>=` `in` `starts_with` `ends_with` `matches` `&&` `||` `!`; then optionally `when CONDITION` and a message string".to_string()
    });
    Some(unexpected(message).primary(at, label).help(help))
}

/// Text after a complete `var`, `secret` or `flag` declaration.
fn trailing_after_decl(s: &Site<'_>) -> Option<Diagnostic> {
    let kind = s.kind?;
    if !(s.has(Rule::EOI)
        && matches!(kind, DeclKind::Var | DeclKind::Secret | DeclKind::Flag)
        && s.found.is_some())
    {
        return None;
    }
    let d = unexpected(format!(
        "unexpected {} after the `{}` declaration of `{}`",
        s.found_desc.trim_start_matches("the "),
        kind_word(kind),
        s.decl_name
    ))
    .primary(s.at, "expected a doc string, `{` or the next declaration");
    if s.found_text == "."
        && s.prev_text
            .bytes()
            .last()
            .is_some_and(|b| b.is_ascii_digit())
    {
        return Some(d.help(format!(
            "a float has digits on both sides of `.`: `{}.0`",
            s.prev_text
        )));
    }
    Some(d.help(s.keyword_help().unwrap_or_else(|| {
        "a doc string is quoted, and each declaration starts with a keyword such as `var`, `env` or `emit`".to_string()
    })))
}

/// No rule recognised the site: say what could come here, in words.
pub(super) fn anything_else(s: &Site<'_>) -> Diagnostic {
    let ends_here = s.has(Rule::EOI);
    let mut expected = s.expected.clone();
    expected.retain(|e| *e != "the end of the declaration");
    let mut what = join_or(&expected);
    if ends_here {
        what = if what.is_empty() {
            "the next declaration".to_string()
        } else {
            format!("{what} or the next declaration")
        };
    }
    let context = match s.kind {
        Some(k) if !s.decl_name.is_empty() && ends_here => {
            format!(
                " after the `{}` declaration of `{}`",
                kind_word(k),
                s.decl_name
            )
        }
        _ if !s.prev_text.is_empty() => format!(" after `{}`", s.prev_text),
        _ => String::new(),
    };
    let message = if what.is_empty() {
        format!(
            "unexpected {}{context}",
            s.found_desc.trim_start_matches("the ")
        )
    } else {
        format!("expected {what}{context}, found {}", s.found_desc)
    };
    let label = if ends_here || expected.is_empty() {
        "unexpected here".to_string()
    } else {
        format!("expected {}", join_or(&expected))
    };
    let d = unexpected(message).primary(s.at, label);
    if let Some(h) = s.keyword_help() {
        d.help(h)
    } else if ends_here && is_word(s.found_text) {
        d.help("each declaration starts with a keyword such as `var`, `env` or `emit`")
    } else {
        d
    }
}
