//! The `pydantic` target: a pydantic-settings `BaseSettings` class per service that reads
//! the environment with envdef's own rules, so the application refuses at startup what
//! `check` refuses.
//!
//! Each variable is a field under its lower-snake name with the emitted key as its alias;
//! refinements are `Field(ge=…, le=…, min_length=…, max_length=…, pattern=…)`, patterns
//! translated to Python `re` ([`crate::regex_dialect`]; the class sets
//! `regex_engine="python-re"`), unions `Literal[…]`, secrets `SecretStr`. What pydantic would
//! read more leniently than envdef writes is parsed by small validators in the file itself:
//! bools only in their two words, durations in envdef's syntax (`1h30m`) as `timedelta`,
//! lists split at their separator, URLs by envdef's `url` rule (pydantic's `AnyUrl` would
//! both refuse URLs envdef accepts and rewrite the value, adding a trailing `/`). The file is
//! laid out as `ruff format` leaves it.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::app::{app_vars, default_value};
use super::job::Job;
use super::pylit;
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{
    DurationUnit, Model, Number, Refinement, Type, TypeKind, Value, ValueFormat, VarDef,
};
use crate::notation::MAX_DURATION_DAYS;
use crate::regex_dialect::{translate, url_pattern, Dialect};

/// Which helpers and imports the file needs.
#[derive(Default)]
struct Uses {
    re: bool,
    timedelta: bool,
    literal: bool,
    optional: bool,
    annotated: bool,
    after: bool,
    before: bool,
    secret: bool,
    no_decode: bool,
    json: bool,
    url: bool,
    duration: bool,
    bool_words: bool,
    split: bool,
    search: bool,
    text: bool,
}

/// One field: its alias definition (if its type needs one) and its lines in the class.
struct FieldOut {
    alias: Option<String>,
    lines: String,
}

pub(super) fn body(model: &Model, job: &Job<'_>, errors: &mut Vec<Diagnostic>) -> String {
    let mut uses = Uses::default();
    let mut fields = Vec::new();
    let mut names: HashMap<String, &VarDef> = HashMap::new();
    for super::app::AppVar {
        id,
        var,
        key,
        field: named_after,
    } in app_vars(model, job)
    {
        let name = pylit::field_name(named_after);
        if let Some(first) = names.insert(name.clone(), var) {
            errors.push(
                Diagnostic::error(
                    Code::DuplicateEmittedKey,
                    format!(
                        "`{}` and `{}` would both be the settings field `{name}`",
                        first.qualified_name(),
                        var.qualified_name()
                    ),
                )
                .primary(var.span, format!("becomes `{name}`"))
                .secondary(first.span, format!("also becomes `{name}`"))
                .secondary(job.emit.span, "written by this `pydantic` emit")
                .help(
                    "rename one of them, or emit one class per service (`{service}` in the path)",
                ),
            );
            continue;
        }
        let default = default_value(model, job, id);
        fields.push(field(&name, var, key, default, &mut uses));
    }
    let class = match job.service {
        Some(s) => pylit::class_name(&s.name),
        None => pylit::class_name(&model.project),
    };
    let mut out = String::new();
    module_doc(model, job, &class, &mut out);
    imports(&uses, &mut out);
    helpers(&uses, &mut out);
    // Two blank lines after the helpers' last `def`; one between the aliases.
    if fields.iter().any(|f| f.alias.is_some()) {
        out.push('\n');
    }
    for f in &fields {
        if let Some(alias) = &f.alias {
            out.push_str(alias);
        }
    }
    out.push_str("\n\n");
    let _ = writeln!(out, "class {class}Settings(BaseSettings):");
    let what = match job.service {
        Some(s) => format!("service `{}`", s.name),
        None => format!("project `{}`", model.project),
    };
    let _ = writeln!(
        out,
        "    \"\"\"The environment of the {} as envdef checks it.\"\"\"\n",
        what.replace('\\', "\\\\").replace('"', "\\\"")
    );
    out.push_str(
        "    model_config = SettingsConfigDict(\n        case_sensitive=True,\n        extra=\"ignore\",\n        populate_by_name=True,\n        regex_engine=\"python-re\",\n    )\n",
    );
    for f in &fields {
        out.push('\n');
        out.push_str(&f.lines);
    }
    out
}

fn module_doc(model: &Model, job: &Job<'_>, class: &str, out: &mut String) {
    let subject = match job.service {
        Some(s) => format!("the service `{}` of `{}`", s.name, model.project),
        None => format!("`{}`", model.project),
    };
    let env_file = example_env_file(model, job).map_or_else(String::new, |path| {
        format!(
            "; `{class}Settings(_env_file=\"{}\")` also reads a\ngenerated .env file",
            path.replace(['"', '\\'], "'")
        )
    });
    let _ = writeln!(
        out,
        "\"\"\"pydantic-settings for {}.\n\n`{class}Settings()` reads the process environment (secrets included, as\n`envdef run` provides them){env_file}. A value envdef would refuse raises `ValidationError`.\n\"\"\"\n",
        subject.replace('"', "'"),
    );
}

/// Where this project's own `dotenv` emit writes the file this class reads (the job's
/// environment, else the last concrete one the emit covers), so that the docstring's
/// example is a path that exists; `None` when no `dotenv` emit covers the service.
fn example_env_file(model: &Model, job: &Job<'_>) -> Option<String> {
    let service = job.service.map(|s| s.name.as_str());
    let mut dotenv: Vec<_> = model
        .emits
        .iter()
        .filter(|e| e.target == "dotenv")
        .collect();
    // A checked-in file first; a working file (`envdef switch`) only when it is all there is.
    dotenv.sort_by_key(|e| e.is_working());
    dotenv.into_iter().find_map(|emit| {
        let env = match job.env {
            Some(env) => Some(env),
            None => model
                .envs
                .values()
                .rev()
                .find(|env| !env.is_abstract && covered(emit, &env.name, service)),
        }?;
        covered(emit, &env.name, service).then(|| {
            let path = emit.path.replace("{env}", &env.name);
            service.map_or(path.clone(), |s| path.replace("{service}", s))
        })
    })
}

fn covered(emit: &crate::model::Emit, env: &str, service: Option<&str>) -> bool {
    match service {
        Some(service) => emit.covers(env, service),
        None => emit.covers_env(env),
    }
}

fn imports(uses: &Uses, out: &mut String) {
    if uses.json {
        out.push_str("import json\n");
    }
    if uses.re {
        out.push_str("import re\n");
    }
    if uses.timedelta {
        out.push_str("from datetime import timedelta\n");
    }
    let typing: Vec<&str> = [
        (uses.annotated, "Annotated"),
        (uses.literal, "Literal"),
        (uses.optional, "Optional"),
    ]
    .into_iter()
    .filter_map(|(used, name)| used.then_some(name))
    .collect();
    if !typing.is_empty() {
        let _ = writeln!(out, "from typing import {}", typing.join(", "));
    }
    out.push('\n');
    let pydantic: Vec<&str> = [
        (uses.after, "AfterValidator"),
        (uses.before, "BeforeValidator"),
        (true, "Field"),
        (uses.secret, "SecretStr"),
    ]
    .into_iter()
    .filter_map(|(used, name)| used.then_some(name))
    .collect();
    let _ = writeln!(out, "from pydantic import {}", pydantic.join(", "));
    let _ = writeln!(
        out,
        "from pydantic_settings import BaseSettings, {}SettingsConfigDict",
        if uses.no_decode { "NoDecode, " } else { "" }
    );
}

fn helpers(uses: &Uses, out: &mut String) {
    if uses.url {
        let pattern = translate(&url_pattern(""), Dialect::Python).unwrap_or_default();
        let _ = write!(
            out,
            "\n_URL = re.compile(\n    {}\n)\n\n\ndef _url(value: str) -> str:\n    \"\"\"envdef's `url`: a scheme, `://`, a host (unless `file`), a numeric port.\"\"\"\n    if _URL.search(value) is None:\n        raise ValueError(\"not a URL: needs a scheme, `://` and a host\")\n    return value\n\n\nUrl = Annotated[str, AfterValidator(_url)]\n",
            pylit::string(&pattern)
        );
    }
    if uses.duration {
        // The canonical text up to the longest duration (`shape::DURATION_BODY`) decides;
        // the second pattern only splits it into its parts.
        let canonical = translate(
            &format!("^{}$", super::shape::DURATION_BODY),
            Dialect::Python,
        )
        .unwrap_or_default();
        let _ = write!(
            out,
            "\n_DURATION = re.compile(\n    {}\n)\n_DURATION_PARTS = re.compile(\n    {}\n)\n\n\ndef _duration(value: object) -> object:\n    \"\"\"envdef's duration text (`1h30m`, `250ms`, `0s`, at most `{MAX_DURATION_DAYS}d`) as a `timedelta`.\"\"\"\n    if not isinstance(value, str):\n        return value\n    match = _DURATION_PARTS.fullmatch(value)\n    if not value or _DURATION.search(value) is None or match is None:\n        raise ValueError(\n            \"not a duration such as `1h30m` or `250ms` (as envdef writes it, at most `{MAX_DURATION_DAYS}d`)\"\n        )\n    d, h, m, s, ms = (int(group or 0) for group in match.groups())\n    return timedelta(days=d, hours=h, minutes=m, seconds=s, milliseconds=ms)\n",
            pylit::string(&canonical),
            pylit::string("(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?(?:([0-9]+)ms)?")
        );
    }
    if uses.bool_words {
        out.push_str("\n\ndef _bool(true: str, false: str) -> BeforeValidator:\n    \"\"\"A bool written as exactly one of its two words.\"\"\"\n\n    def parse(value: object) -> object:\n        if value == true:\n            return True\n        if value == false:\n            return False\n        if isinstance(value, bool):\n            return value\n        raise ValueError(f\"expected {true!r} or {false!r}\")\n\n    return BeforeValidator(parse)\n");
    }
    if uses.split {
        out.push_str("\n\ndef _split(separator: str) -> BeforeValidator:\n    \"\"\"A list written as its elements joined by `separator`.\"\"\"\n\n    def parse(value: object) -> object:\n        if isinstance(value, str):\n            return value.split(separator) if value else []\n        return value\n\n    return BeforeValidator(parse)\n");
    }
    if uses.json {
        out.push_str("\n\ndef _json_list(value: object) -> object:\n    \"\"\"A list written as a JSON array (`list_format = \\\"json\\\"`).\"\"\"\n    return json.loads(value) if isinstance(value, str) else value\n");
    }
    if uses.text {
        out.push_str("\n\ndef _text(pattern: str, what: str) -> BeforeValidator:\n    \"\"\"The text as envdef writes it (`0123`, `+1`, `1e3`, ` 1` are not ints).\"\"\"\n    compiled = re.compile(pattern)\n\n    def check(value: object) -> object:\n        if isinstance(value, str) and compiled.search(value) is None:\n            raise ValueError(f\"not {what}\")\n        return value\n\n    return BeforeValidator(check)\n");
    }
    if uses.search {
        out.push_str("\n\ndef _search(pattern: str) -> AfterValidator:\n    \"\"\"One more `matching` pattern (a `Field` holds one).\"\"\"\n    compiled = re.compile(pattern)\n\n    def check(value: str) -> str:\n        if compiled.search(value) is None:\n            raise ValueError(f\"does not match {pattern!r}\")\n        return value\n\n    return AfterValidator(check)\n");
    }
}

fn field(
    name: &str,
    var: &VarDef,
    key: &str,
    default: Option<&Value>,
    uses: &mut Uses,
) -> FieldOut {
    let mut args: Vec<String> = Vec::new();
    let (ty, alias) = if var.is_secret() {
        uses.secret = true;
        ("SecretStr".to_string(), None)
    } else {
        let expr = type_expr(&var.ty, &var.format, uses, false);
        if expr.contains('[') {
            let alias_name = format!("_{}", pylit::class_name(name));
            let def = alias_def(&alias_name, &expr);
            (alias_name, Some(def))
        } else {
            (expr, None)
        }
    };
    let ty = if var.optional {
        uses.optional = true;
        format!("Optional[{ty}]")
    } else {
        ty
    };
    match (default, var.optional) {
        (Some(value), _) => args.push(literal(value, var)),
        (None, true) => args.push("None".to_string()),
        (None, false) => {}
    }
    args.push(format!("alias={}", pylit::string(key)));
    if let Some(doc) = &var.doc {
        args.push(format!("description={}", pylit::string(doc)));
    }
    if let Some(why) = &var.deprecated {
        args.push(format!("deprecated={}", pylit::string(why)));
    }
    if !var.is_secret() {
        args.extend(constraints(&var.ty, &var.format));
    }
    let mut lines = format!("    {name}: {ty} = Field(\n");
    for arg in args {
        let _ = writeln!(lines, "        {arg},");
    }
    lines.push_str("    )\n");
    FieldOut { alias, lines }
}

/// `_Name = EXPR`, laid out as `ruff format` leaves it (see [`layout`]).
fn alias_def(name: &str, expr: &str) -> String {
    format!("\n{name} = {}\n", layout(expr, 0, name.len() + 3, 0))
}

/// `ruff format`'s line length.
const LINE: usize = 88;

/// A subscript or call that does not fit on its line (from column `column`, with
/// `trailing` characters after it) has its arguments one per line with a trailing comma,
/// each laid out the same way; ruff keeps that form (a "magic" trailing comma) and would
/// produce it for what does not fit. A string too long for any line stays as it is.
fn layout(expr: &str, indent: usize, column: usize, trailing: usize) -> String {
    if column + expr.chars().count() + trailing <= LINE {
        return expr.to_string();
    }
    let open = match expr.find(['[', '(']) {
        Some(i) if !expr[..i].contains(['"', '\'']) => i,
        _ => return expr.to_string(),
    };
    let head = &expr[..=open];
    let inner = &expr[open + 1..expr.len() - 1];
    let close = &expr[expr.len() - 1..];
    let mut out = format!("{head}\n");
    let pad = " ".repeat(indent + 4);
    for part in split_top_level(inner) {
        let _ = writeln!(out, "{pad}{},", layout(part, indent + 4, indent + 4, 1));
    }
    out.push_str(&" ".repeat(indent));
    out.push_str(close);
    out
}

/// Splits `a, b[c, d], "e, f"` at its top-level commas.
fn split_top_level(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start, mut quote, mut escaped) = (0i32, 0, None::<char>, false);
    for (i, c) in s.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '[' | '(' => depth += 1,
            ']' | ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(s[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(s[start..].trim());
    parts
}

/// The Python type of a value; `element`: inside a list, where refinements must travel
/// with the type (`Annotated[int, Field(ge=1)]`).
fn type_expr(ty: &Type, format: &ValueFormat, uses: &mut Uses, element: bool) -> String {
    let base = match &ty.kind {
        TypeKind::String => "str".to_string(),
        TypeKind::Url => {
            uses.url = true;
            uses.re = true;
            uses.annotated = true;
            uses.after = true;
            "Url".to_string()
        }
        TypeKind::Enum { members } => {
            uses.literal = true;
            let members: Vec<String> = members.iter().map(|m| pylit::string(m)).collect();
            format!("Literal[{}]", members.join(", "))
        }
        TypeKind::Int => text_checked("int", &number_what("an integer", ty), ty, format, uses),
        TypeKind::Float => text_checked(
            "float",
            &number_what("a plain decimal number", ty),
            ty,
            format,
            uses,
        ),
        TypeKind::Bool => {
            uses.bool_words = true;
            uses.annotated = true;
            uses.before = true;
            let (yes, no) = format
                .bool_words
                .clone()
                .unwrap_or_else(|| ("true".into(), "false".into()));
            format!(
                "Annotated[bool, _bool({}, {})]",
                pylit::string(&yes),
                pylit::string(&no)
            )
        }
        TypeKind::Duration => match format.duration_unit {
            None => {
                uses.duration = true;
                uses.re = true;
                uses.timedelta = true;
                uses.annotated = true;
                uses.before = true;
                "Annotated[timedelta, BeforeValidator(_duration)]".to_string()
            }
            Some(unit) => text_checked(
                if unit == DurationUnit::Ms {
                    "int"
                } else {
                    "float"
                },
                match unit {
                    DurationUnit::Ms => "a whole number of milliseconds",
                    DurationUnit::S => "a number of seconds (whole milliseconds)",
                    DurationUnit::M => "a number of minutes (whole milliseconds)",
                    DurationUnit::H => "a number of hours (whole milliseconds)",
                },
                ty,
                format,
                uses,
            ),
        },
        TypeKind::List { element } => {
            uses.annotated = true;
            uses.no_decode = true;
            let inner = type_expr(element, format, uses, true);
            let parse = if format.list_json {
                uses.json = true;
                uses.before = true;
                "BeforeValidator(_json_list)".to_string()
            } else {
                uses.split = true;
                uses.before = true;
                format!("_split({})", pylit::string(&format.separator))
            };
            format!("Annotated[list[{inner}], NoDecode, {parse}]")
        }
    };
    let extra = extra_patterns(ty);
    let base = if extra.is_empty() {
        base
    } else {
        uses.search = true;
        uses.re = true;
        uses.after = true;
        uses.annotated = true;
        let checks: Vec<String> = extra
            .iter()
            .map(|p| format!("_search({})", pylit::string(p)))
            .collect();
        format!("Annotated[{base}, {}]", checks.join(", "))
    };
    if !element {
        return base;
    }
    let constraints = constraints(ty, format);
    if constraints.is_empty() {
        return base;
    }
    uses.annotated = true;
    format!("Annotated[{base}, Field({})]", constraints.join(", "))
}

/// `Annotated[int, _text("^…$", "an integer")]`: a number read only in the text form every
/// reader accepts (`shape::body`); pydantic's own `int` would also take `0123`, `+1`,
/// ` 1`, `1_000` and `1.0`, its `float` `1e3`, `.5` and `1_0.5`.
fn text_checked(
    python: &str,
    what: &str,
    ty: &Type,
    format: &ValueFormat,
    uses: &mut Uses,
) -> String {
    // A float's range is `ge`/`le` on the float itself (the same verdict, docs/targets.md).
    let body = match ty.kind {
        TypeKind::Float => super::shape::float_digits_body(),
        _ => super::shape::body(ty, format, "").expect("numbers have a shape"),
    };
    let pattern = translate(&format!("^{body}$"), Dialect::Python).unwrap_or_default();
    uses.text = true;
    uses.re = true;
    uses.annotated = true;
    uses.before = true;
    format!(
        "Annotated[{python}, _text({}, {})]",
        pylit::string(&pattern),
        pylit::string(what)
    )
}

/// "an integer in 1..=64": what a number must be, for the error message.
fn number_what(what: &str, ty: &Type) -> String {
    let range = ty.refinements.iter().find_map(|r| match r {
        Refinement::Range { lo, hi, inclusive } => Some((*lo, *hi, *inclusive)),
        _ => None,
    });
    let text = |n: Number| match n {
        Number::Int(i) => i.to_string(),
        Number::Float(f) => crate::notation::float_value(f),
    };
    match range {
        Some((lo, hi, inclusive)) => format!(
            "{what} in {}{}{}",
            text(lo),
            if inclusive { "..=" } else { ".." },
            text(hi)
        ),
        None => what.to_string(),
    }
}

/// `Field` keyword arguments for a type's refinements (the first pattern; any further
/// pattern is an `AfterValidator` in the type, as a `Field` holds one).
fn constraints(ty: &Type, format: &ValueFormat) -> Vec<String> {
    let mut out = Vec::new();
    let number = |n: Number, float: bool| match n {
        Number::Int(i) if float => pylit::float(i as f64),
        Number::Int(i) => i.to_string(),
        Number::Float(f) => pylit::float(f),
    };
    let float = matches!(ty.kind, TypeKind::Float);
    if float
        || matches!(ty.kind, TypeKind::Duration)
            && !matches!(format.duration_unit, None | Some(DurationUnit::Ms))
    {
        out.push("allow_inf_nan=False".to_string());
    }
    // The longest duration as a bound of the value itself too (the text pattern already
    // holds it), so that a value given to the class directly is held to it as well.
    if matches!(ty.kind, TypeKind::Duration) {
        match format.duration_unit {
            Some(unit) => {
                out.push("ge=0".to_string());
                out.push(format!("le={}", unit.longest()));
            }
            None => out.push(format!("le=timedelta(days={MAX_DURATION_DAYS})")),
        }
    }
    let mut patterns = Vec::new();
    for r in &ty.refinements {
        match r {
            Refinement::Range { lo, hi, inclusive } => {
                out.push(format!("ge={}", number(*lo, float)));
                let op = if *inclusive { "le" } else { "lt" };
                out.push(format!("{op}={}", number(*hi, float)));
            }
            Refinement::Len { lo, hi, inclusive } => {
                out.push(format!("min_length={lo}"));
                let hi = if *inclusive {
                    *hi
                } else {
                    hi.saturating_sub(1)
                };
                out.push(format!("max_length={hi}"));
            }
            Refinement::Matching { pattern } => {
                // `check` refused (E0360) what cannot be translated.
                if let Ok(p) = translate(pattern, Dialect::Python) {
                    patterns.push(p);
                }
            }
        }
    }
    if let Some(first) = patterns.first() {
        out.push(format!("pattern={}", pylit::string(first)));
    }
    out
}

/// Patterns beyond the first, translated (rare: two `matching` on one type).
fn extra_patterns(ty: &Type) -> Vec<String> {
    ty.refinements
        .iter()
        .filter_map(|r| match r {
            Refinement::Matching { pattern } => translate(pattern, Dialect::Python).ok(),
            _ => None,
        })
        .skip(1)
        .collect()
}

/// A default as a Python literal of the field's type.
fn literal(value: &Value, var: &VarDef) -> String {
    match value {
        Value::Str(s) => pylit::string(s),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => pylit::float(*f),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        Value::Duration(ms) => match var.format.duration_unit {
            None => format!("timedelta(milliseconds={ms})"),
            Some(DurationUnit::Ms) => ms.to_string(),
            Some(unit) => super::text::duration_in_unit(*ms, unit)
                .map(|t| if t.contains('.') { t } else { format!("{t}.0") })
                .unwrap_or_else(|_| "None".to_string()),
        },
        Value::List(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|v| literal(v, var))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Secret { .. } | Value::Derived { .. } => "None".to_string(),
    }
}
