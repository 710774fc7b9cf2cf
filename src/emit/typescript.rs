//! The `typescript` target: a zod schema per service that reads `process.env` with
//! envdef's rules, its inferred type, and a `load…Env()` function.
//!
//! Every field takes the text the process sees and coerces it the way the text targets
//! wrote it: ints checked against their range digit by digit (exact for every `int`, past
//! 2^53 too) then `Number`, floats as plain decimals, bools in their two words, durations in
//! envdef's syntax as milliseconds (or the number in their `unit`), lists split at their
//! separator, strings with their length in code points (as envdef counts, not UTF-16 units)
//! and their patterns translated to ECMAScript ([`crate::regex_dialect`], `u` flag). The
//! small helpers that do this are written into the file, so it needs nothing but zod. The
//! layout is the one `prettier` prints (80 columns, a call's arguments one per line when
//! they do not fit).

use std::fmt::Write as _;

use super::app::{app_vars, default_value, AppVar};
use super::job::Job;
use super::{pylit, shape, text};
use crate::model::{DurationUnit, Model, Number, Refinement, Type, TypeKind, ValueFormat};
use crate::notation::MAX_DURATION_DAYS;
use crate::regex_dialect::{translate, url_pattern, Dialect};

/// A zod expression: a helper call, or a literal argument.
enum Expr {
    Call(&'static str, Vec<Expr>),
    Str(String),
    Num(String),
    Raw(&'static str),
}

/// Which helpers the file needs (each is written only when used).
#[derive(Default)]
struct Uses {
    str: bool,
    url: bool,
    int: bool,
    float: bool,
    decimal: bool,
    bool: bool,
    one_of: bool,
    duration: bool,
    list: bool,
    json_list: bool,
    optional: bool,
    default: bool,
    own: bool,
}

pub(super) fn body(model: &Model, job: &Job<'_>) -> String {
    let mut uses = Uses::default();
    let mut fields = String::new();
    for AppVar { id, var, key, .. } in app_vars(model, job) {
        let mut expr = if var.is_secret() {
            Expr::Raw("z.string()")
        } else {
            type_expr(&var.ty, &var.format, &mut uses)
        };
        if let Some(value) = default_value(model, job, id) {
            if let Ok(Some(text)) = text::value_text(value, &var.format) {
                uses.default = true;
                expr = Expr::Call("withDefault", vec![expr, Expr::Str(text.into_owned())]);
            }
        } else if var.optional {
            uses.optional = true;
            expr = Expr::Call("optional", vec![expr]);
        }
        if INHERITED_KEYS.contains(&key) {
            uses.own = true;
            expr = Expr::Call("own", vec![expr]);
        }
        if let Some(doc) = &var.doc {
            let _ = writeln!(fields, "  /** {} */", doc_comment(doc));
        }
        let prefix = format!("  {key}: ");
        fields.push_str(&prefix);
        print(&expr, 2, prefix.len(), 1, &mut fields);
        fields.push_str(",\n");
    }
    let base = match job.service {
        Some(s) => pylit::class_name(&s.name),
        None => pylit::class_name(&model.project),
    };
    let what = match job.service {
        Some(s) => format!("service `{}`", s.name),
        None => format!("project `{}`", model.project),
    };
    let mut out = String::from("import { z } from \"zod\";\n");
    helpers(&uses, &mut out);
    let schema = format!("{}{}Env", base[..1].to_ascii_lowercase(), &base[1..]);
    // Every schema is named `…Env` (the service `process` has `processEnv`), so no helper's
    // name ends in `Env`: the process environment is read by `processEnvironment`.
    let _ = write!(
        out,
        "\n/** The environment of the {what}, as envdef checks it. */\nexport const {schema} = z.object({{\n{fields}}});\n\n/** The {what}'s settings, typed. */\nexport type {base}Env = z.infer<typeof {schema}>;\n\n/**\n * Reads `process.env` (or `env`); throws a `ZodError` naming every variable envdef\n * would refuse.\n */\nexport function load{base}Env(\n  env: Record<string, string | undefined> = processEnvironment(),\n): {base}Env {{\n  return {schema}.parse(env);\n}}\n\nfunction processEnvironment(): Record<string, string | undefined> {{\n  const g = globalThis as {{\n    process?: {{ env: Record<string, string | undefined> }};\n  }};\n  return g.process?.env ?? {{}};\n}}\n",
        what = doc_comment(&what),
    );
    out
}

/// Text safe inside a `/** … */` comment on one line.
fn doc_comment(s: &str) -> String {
    text::comment_text(s).replace("*/", "* /")
}

/// A TypeScript string literal as prettier writes it: double quotes unless single quotes
/// need fewer escapes; everything outside printable ASCII escaped.
fn ts_string(s: &str) -> String {
    let quote = if s.matches('"').count() > s.matches('\'').count() {
        '\''
    } else {
        '"'
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push(quote);
    out
}

fn flat(expr: &Expr) -> String {
    match expr {
        Expr::Str(s) => ts_string(s),
        Expr::Num(n) => n.clone(),
        Expr::Raw(r) => (*r).to_string(),
        Expr::Call(name, args) => format!(
            "{name}({})",
            args.iter().map(flat).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// Prints `expr` as prettier does: on one line when it fits in 80 columns (with what
/// precedes and follows it on the line), else a call's arguments one per line with a
/// trailing comma, each printed the same way.
fn print(expr: &Expr, indent: usize, before: usize, after: usize, out: &mut String) {
    let one_line = flat(expr);
    let Expr::Call(name, args) = expr else {
        out.push_str(&one_line);
        return;
    };
    if before + one_line.len() + after <= 80 || args.is_empty() {
        out.push_str(&one_line);
        return;
    }
    out.push_str(name);
    out.push_str("(\n");
    let inner = indent + 2;
    for arg in args {
        out.push_str(&" ".repeat(inner));
        print(arg, inner, inner, 1, out);
        out.push_str(",\n");
    }
    out.push_str(&" ".repeat(indent));
    out.push(')');
}

fn patterns(ty: &Type) -> Vec<Expr> {
    ty.refinements
        .iter()
        .filter_map(|r| match r {
            // `check` refused (E0360) what cannot be translated.
            Refinement::Matching { pattern } => translate(pattern, Dialect::Ecma).ok(),
            _ => None,
        })
        .map(Expr::Str)
        .collect()
}

/// `(min, max)` of a `len` refinement as JavaScript numbers.
fn len_bounds(ty: &Type) -> (Expr, Expr) {
    for r in &ty.refinements {
        if let Refinement::Len { lo, hi, inclusive } = r {
            let hi = if *inclusive {
                *hi
            } else {
                hi.saturating_sub(1)
            };
            return (Expr::Num(lo.to_string()), Expr::Num(hi.to_string()));
        }
    }
    (Expr::Num("0".into()), Expr::Raw("Infinity"))
}

fn number(n: Number) -> Expr {
    Expr::Num(match n {
        Number::Int(i) => i.to_string(),
        Number::Float(f) => crate::notation::float_value(f),
    })
}

/// The zod schema of one value's text.
fn type_expr(ty: &Type, format: &ValueFormat, uses: &mut Uses) -> Expr {
    match &ty.kind {
        TypeKind::String => {
            uses.str = true;
            let (min, max) = len_bounds(ty);
            let mut args = vec![min, max];
            args.extend(patterns(ty));
            Expr::Call("str", args)
        }
        TypeKind::Url => {
            uses.url = true;
            uses.str = true;
            let (min, max) = len_bounds(ty);
            let mut args = vec![min, max];
            args.extend(patterns(ty));
            Expr::Call("url", args)
        }
        TypeKind::Enum { members } => {
            uses.one_of = true;
            Expr::Call("oneOf", members.iter().cloned().map(Expr::Str).collect())
        }
        TypeKind::Int => {
            uses.int = true;
            let body = shape::body(ty, format, "").unwrap_or_default();
            let what = ty
                .refinements
                .iter()
                .find_map(|r| match r {
                    Refinement::Range { lo, hi, inclusive } => Some(format!(
                        "an integer in {}{}{}",
                        flat(&number(*lo)),
                        if *inclusive { "..=" } else { ".." },
                        flat(&number(*hi))
                    )),
                    _ => None,
                })
                .unwrap_or_else(|| "an integer".to_string());
            let pattern = translate(&format!("^{body}$"), Dialect::Ecma).unwrap_or_default();
            Expr::Call("int", vec![Expr::Str(pattern), Expr::Str(what)])
        }
        TypeKind::Float => {
            uses.float = true;
            let range = ty.refinements.iter().find_map(|r| match r {
                Refinement::Range { lo, hi, inclusive } => Some((*lo, *hi, *inclusive)),
                _ => None,
            });
            let (lo, hi, exclusive) = match range {
                Some((lo, hi, inclusive)) => (number(lo), number(hi), !inclusive),
                None => (Expr::Raw("-Infinity"), Expr::Raw("Infinity"), false),
            };
            let exclusive = Expr::Raw(if exclusive { "true" } else { "false" });
            Expr::Call("float", vec![lo, hi, exclusive])
        }
        TypeKind::Bool => {
            uses.bool = true;
            let (yes, no) = format
                .bool_words
                .clone()
                .unwrap_or_else(|| ("true".into(), "false".into()));
            Expr::Call("bool", vec![Expr::Str(yes), Expr::Str(no)])
        }
        TypeKind::Duration => match format.duration_unit {
            None => {
                uses.duration = true;
                Expr::Call("duration", Vec::new())
            }
            Some(unit) => {
                uses.decimal = true;
                let name = match unit {
                    DurationUnit::Ms => "ms",
                    DurationUnit::S => "s",
                    DurationUnit::M => "m",
                    DurationUnit::H => "h",
                };
                let pattern = format!("^{}$", shape::unit_body(unit));
                let pattern = translate(&pattern, Dialect::Ecma).unwrap_or_default();
                Expr::Call(
                    "decimal",
                    vec![
                        Expr::Str(pattern),
                        Expr::Str(format!("a duration in {name} (whole milliseconds)")),
                    ],
                )
            }
        },
        TypeKind::List { element } => {
            let element = type_expr(element, format, uses);
            let (min, max) = len_bounds(ty);
            if format.list_json {
                uses.json_list = true;
                Expr::Call("jsonList", vec![element, min, max])
            } else {
                uses.list = true;
                Expr::Call(
                    "list",
                    vec![element, Expr::Str(format.separator.clone()), min, max],
                )
            }
        }
    }
}

/// The helpers, as prettier prints them.
fn helpers(uses: &Uses, out: &mut String) {
    if uses.str {
        out.push_str(STR_HELPER);
    }
    if uses.url {
        let pattern = translate(&url_pattern(""), Dialect::Ecma).unwrap_or_default();
        let _ = write!(
            out,
            "\n/** envdef's `url`: a scheme, `://`, a host (unless `file`), a numeric port. */\nconst URL_PATTERN =\n  {};\n\nfunction url(min: number, max: number, ...patterns: string[]) {{\n  return str(min, max, URL_PATTERN, ...patterns);\n}}\n",
            ts_string(&pattern)
        );
    }
    if uses.int {
        out.push_str(INT_HELPER);
    }
    if uses.float {
        let digits = translate(&format!("^{}$", shape::float_digits_body()), Dialect::Ecma)
            .unwrap_or_default();
        let _ = write!(
            out,
            "\n/** A float's text: a plain decimal of at most 17 significant digits. */\nconst DECIMAL =\n  /{digits}/u;\n"
        );
        out.push_str(FLOAT_HELPER);
    }
    if uses.decimal {
        out.push_str(DECIMAL_HELPER);
    }
    if uses.bool {
        out.push_str(BOOL_HELPER);
    }
    if uses.one_of {
        out.push_str(ONE_OF_HELPER);
    }
    if uses.duration {
        let canonical =
            translate(&format!("^{}$", shape::DURATION_BODY), Dialect::Ecma).unwrap_or_default();
        let _ = write!(
            out,
            "\n/** envdef's canonical duration text, at most `{MAX_DURATION_DAYS}d`. */\nconst CANONICAL_DURATION =\n  /{canonical}/u;\n"
        );
        out.push_str(DURATION_HELPER);
    }
    if uses.list {
        out.push_str(LIST_HELPER);
    }
    if uses.json_list {
        out.push_str(JSON_LIST_HELPER);
    }
    if uses.optional {
        out.push_str(OPTIONAL_HELPER);
    }
    if uses.default {
        out.push_str(DEFAULT_HELPER);
    }
    if uses.own {
        out.push_str(OWN_HELPER);
    }
}

const STR_HELPER: &str = r#"
/** A string: its length in code points (as envdef counts), its patterns (`u`). */
function str(min: number, max: number, ...patterns: string[]) {
  const regexes = patterns.map((p) => new RegExp(p, "u"));
  return z.string().superRefine((value, ctx) => {
    const length = [...value].length;
    if (length < min || length > max) {
      const message = `${length} characters, not ${min} to ${max}`;
      ctx.addIssue({ code: z.ZodIssueCode.custom, message });
    }
    for (const regex of regexes) {
      if (!regex.test(value)) {
        const message = `does not match /${regex.source}/`;
        ctx.addIssue({ code: z.ZodIssueCode.custom, message });
      }
    }
  });
}
"#;

const INT_HELPER: &str = r#"
/** An integer whose decimal text matches its range's pattern (exact past 2^53). */
function int(pattern: string, what: string) {
  const regex = new RegExp(pattern, "u");
  return z.string().regex(regex, `not ${what}`).transform(Number);
}
"#;

const FLOAT_HELPER: &str = r#"
/** A plain decimal number, within its range. */
function float(min: number, max: number, exclusive: boolean) {
  return z
    .string()
    .regex(DECIMAL, "not a plain decimal of at most 17 digits")
    .transform(Number)
    .refine((n) => Number.isFinite(n), { message: "too large for a float" })
    .refine((n) => n >= min && (exclusive ? n < max : n <= max), {
      message: `outside ${min}${exclusive ? ".." : "..="}${max}`,
    });
}
"#;

const DECIMAL_HELPER: &str = r#"
/** A duration as a number of its `unit`, a whole number of milliseconds. */
function decimal(pattern: string, what: string) {
  const regex = new RegExp(pattern, "u");
  return z.string().regex(regex, `not ${what}`).transform(Number);
}
"#;

const BOOL_HELPER: &str = r#"
/** A bool written as exactly one of its two words. */
function bool(yes: string, no: string) {
  return z.enum([yes, no]).transform((value) => value === yes);
}
"#;

const ONE_OF_HELPER: &str = r#"
/** A member of a union. */
function oneOf<const T extends [string, ...string[]]>(...members: T) {
  return z.enum(members);
}
"#;

/// The duration helper after its `CANONICAL_DURATION` pattern (`shape::DURATION_BODY`,
/// which decides; `DURATION` only splits the text into its parts).
const DURATION_HELPER: &str = r#"const DURATION =
  /^(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?(?:([0-9]+)ms)?$/u;

/** envdef's duration text (`1h30m`, `250ms`, `0s`, at most `100000000d`) in ms. */
function duration() {
  return z.string().transform((value, ctx) => {
    const match = DURATION.exec(value);
    if (value === "" || !CANONICAL_DURATION.test(value) || match === null) {
      const message = "not a duration such as `1h30m` (at most `100000000d`)";
      ctx.addIssue({ code: z.ZodIssueCode.custom, message });
      return z.NEVER;
    }
    const [d, h, m, s, ms] = match.slice(1).map((g) => Number(g ?? 0));
    return (((d * 24 + h) * 60 + m) * 60 + s) * 1000 + ms;
  });
}
"#;

const LIST_HELPER: &str = r#"
/** A list written as its elements joined by `separator`. */
function list<T extends z.ZodTypeAny>(
  element: T,
  separator: string,
  min: number,
  max: number,
) {
  return z
    .string()
    .transform((value) => (value === "" ? [] : value.split(separator)))
    .pipe(z.array(element).min(min).max(max));
}
"#;

const JSON_LIST_HELPER: &str = r#"
/** A list written as a JSON array (`list_format = "json"`). */
function jsonList<T extends z.ZodTypeAny>(element: T, min: number, max: number) {
  return z
    .string()
    .transform((value, ctx) => {
      try {
        const parsed: unknown = JSON.parse(value);
        if (Array.isArray(parsed)) {
          return parsed.map((e) =>
            typeof e === "string" ? e : JSON.stringify(e),
          );
        }
      } catch {
        // reported below
      }
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: "not a JSON array" });
      return z.NEVER;
    })
    .pipe(z.array(element).min(min).max(max));
}
"#;

/// What every JavaScript object inherits from `Object.prototype` (`process.env` and the
/// objects dotenv returns included): zod reads an unset `toString` as the inherited
/// function, not as unset, unless the field says so (`own`). `__proto__` is refused by
/// `names::js_keys`.
const INHERITED_KEYS: &[&str] = &[
    "constructor",
    "hasOwnProperty",
    "isPrototypeOf",
    "propertyIsEnumerable",
    "toLocaleString",
    "toString",
    "valueOf",
    "__defineGetter__",
    "__defineSetter__",
    "__lookupGetter__",
    "__lookupSetter__",
];

const OWN_HELPER: &str = r#"
/** A key every object inherits (`toString`): the inherited function is no value. */
function own<T extends z.ZodTypeAny>(schema: T) {
  return z.preprocess(
    (value) => (typeof value === "function" ? undefined : value),
    schema,
  );
}
"#;

const OPTIONAL_HELPER: &str = r#"
function optional<T extends z.ZodTypeAny>(schema: T) {
  return schema.optional();
}
"#;

const DEFAULT_HELPER: &str = r#"
/** The declaration's default, as the text the process would read. */
function withDefault<T extends z.ZodTypeAny>(schema: T, text: string) {
  return z.preprocess((value) => (value === undefined ? text : value), schema);
}
"#;
