//! The `jsonschema` target: a JSON Schema 2020-12 document per service.
//!
//! The default variant describes the environment as the process sees it: an object of
//! strings keyed by the emitted names, each string with the shape its type implies (an
//! int in its range, the bool words, a canonical duration, a URL, a joined list) and its
//! refinements. `variant = "typed"` describes the same variables with JSON types (integers,
//! numbers, booleans, arrays), for configuration held as JSON. Secrets are `writeOnly`
//! strings in both. Patterns are ECMAScript, translated exactly by [`crate::regex_dialect`]
//! (`check` refuses, E0370, what cannot be).

use serde_json::{json, Map, Value as J};

use super::app::{app_vars, default_value, required};
use super::data::{typed, Header};
use super::job::{option_str, Job};
use super::shape;
use super::text;
use crate::model::{Model, Number, Refinement, Type, TypeKind, ValueFormat};
use crate::regex_dialect::{translate, translate_each_element, Dialect};

/// The whole document (it carries its own header, as `$comment`: JSON has no comments).
pub(super) fn document(model: &Model, header: &Header<'_>, job: &Job<'_>) -> String {
    let env = job.env.map(|e| e.name.as_str());
    let service = job.service.map(|s| s.name.as_str());
    let typed_variant = option_str(job.emit, "variant", env, service).as_deref() == Some("typed");
    let mut properties = Map::new();
    let mut required_keys = Vec::new();
    for super::app::AppVar { id, var, key, .. } in app_vars(model, job) {
        let mut schema = if var.is_secret() {
            let mut m = Map::new();
            m.insert("type".into(), json!("string"));
            m.insert("writeOnly".into(), json!(true));
            m
        } else if typed_variant {
            typed_schema(&var.ty, &var.format)
        } else {
            text_schema(&var.ty, &var.format)
        };
        if let Some(doc) = &var.doc {
            schema.insert("description".into(), json!(doc));
        }
        if let Some(value) = default_value(model, job, id) {
            let default = if typed_variant {
                typed(value, Some(var))
            } else {
                text::value_text(value, &var.format)
                    .ok()
                    .flatten()
                    .map_or(J::Null, |t| J::String(t.into_owned()))
            };
            if !default.is_null() {
                schema.insert("default".into(), default);
            }
        }
        if var.deprecated.is_some() {
            schema.insert("deprecated".into(), json!(true));
        }
        if required(model, job, id) {
            required_keys.push(json!(key));
        }
        properties.insert(key.to_string(), J::Object(schema));
    }
    let title = match service {
        Some(s) => format!("{s} ({})", model.project),
        None => model.project.clone(),
    };
    let mut doc = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": format!("{}. Do not edit: change {} and run `envdef compile`.", header.header, header.source),
        "title": title,
        "description": if typed_variant {
            "The service's variables with their JSON types (envdef `typed` variant)."
        } else {
            "The service's environment as the process reads it: every value a string."
        },
        "type": "object",
        "properties": properties,
        "required": required_keys,
    });
    // A `$ref` may sit at any depth (a typed `list<url>`'s items).
    if J::Object(properties.clone()).to_string().contains(URL_REF) {
        // Spelled out once: the `url` rule's pattern is long (every class explicit).
        let url = pattern(&crate::regex_dialect::url_pattern(""));
        doc["$defs"] = json!({ "url": { "type": "string", "pattern": url } });
    }
    let mut out = serde_json::to_string_pretty(&doc).expect("JSON values serialize");
    out.push('\n');
    out
}

/// Where a URL's schema is defined once.
const URL_REF: &str = "#/$defs/url";

/// A pattern, translated (check refused what cannot be; a refusal here leaves it out).
fn pattern(rust: &str) -> Option<J> {
    translate(rust, Dialect::Ecma).ok().map(J::String)
}

/// `pattern`, or `allOf` of patterns when there are several (one keyword holds one).
fn add_patterns(schema: &mut Map<String, J>, patterns: Vec<J>) {
    let mut patterns = patterns.into_iter();
    if let Some(first) = patterns.next() {
        schema.insert("pattern".into(), first);
    }
    let rest: Vec<J> = patterns.map(|p| json!({ "pattern": p })).collect();
    if !rest.is_empty() {
        schema.insert("allOf".into(), J::Array(rest));
    }
}

fn user_patterns(ty: &Type) -> Vec<J> {
    ty.refinements
        .iter()
        .filter_map(|r| match r {
            Refinement::Matching { pattern: p } => pattern(p),
            _ => None,
        })
        .collect()
}

/// The `matching` patterns of a joined list's elements, each as a pattern over the whole
/// value that every element must match (`check` refuses them, E0370, on a list written
/// as JSON or with a longer separator, where no pattern can find the elements).
fn element_patterns(element: &Type, format: &ValueFormat) -> Vec<J> {
    let Some(separator) = crate::regex_dialect::element_separator(format) else {
        return Vec::new();
    };
    element
        .refinements
        .iter()
        .filter_map(|r| match r {
            Refinement::Matching { pattern: p } => {
                translate_each_element(p, Dialect::Ecma, separator)
                    .ok()
                    .map(J::String)
            }
            _ => None,
        })
        .collect()
}

fn add_len(schema: &mut Map<String, J>, ty: &Type, min_key: &str, max_key: &str) {
    for r in &ty.refinements {
        if let Refinement::Len { lo, hi, inclusive } = r {
            schema.insert(min_key.into(), json!(lo));
            schema.insert(
                max_key.into(),
                json!(if *inclusive {
                    *hi
                } else {
                    hi.saturating_sub(1)
                }),
            );
        }
    }
}

/// The variable as a string in the environment.
fn text_schema(ty: &Type, format: &ValueFormat) -> Map<String, J> {
    let mut schema = Map::new();
    schema.insert("type".into(), json!("string"));
    let mut patterns = Vec::new();
    match &ty.kind {
        TypeKind::Enum { members } => {
            schema.insert("enum".into(), json!(members));
        }
        TypeKind::List { element } => {
            if let Some(p) = shape::list_pattern(ty, element, format) {
                patterns.extend(pattern(&p));
            }
            if let Some(p) = shape::list_digits_pattern(ty, element, format) {
                patterns.extend(pattern(&p));
            }
            if let Some(p) = shape::list_len_pattern(ty, element, format) {
                patterns.extend(pattern(&p));
            }
            patterns.extend(element_patterns(element, format));
        }
        TypeKind::Float => {
            patterns.extend(pattern(&format!("^{}$", shape::float_digits_body())));
        }
        TypeKind::Duration if format.duration_unit.is_none() => {
            schema.insert("minLength".into(), json!(1));
        }
        TypeKind::Url => {
            schema.remove("type");
            schema.insert("$ref".into(), json!(URL_REF));
        }
        _ => {}
    }
    if let (Some(body), false) = (
        shape::body(ty, format, ""),
        matches!(ty.kind, TypeKind::Url),
    ) {
        patterns.extend(pattern(&format!("^{body}$")));
    }
    if !matches!(ty.kind, TypeKind::List { .. }) {
        add_len(&mut schema, ty, "minLength", "maxLength");
        patterns.extend(user_patterns(ty));
    }
    add_patterns(&mut schema, patterns);
    schema
}

/// The variable with its JSON type.
fn typed_schema(ty: &Type, format: &ValueFormat) -> Map<String, J> {
    let mut schema = Map::new();
    let mut patterns = Vec::new();
    match &ty.kind {
        TypeKind::String => {
            schema.insert("type".into(), json!("string"));
        }
        TypeKind::Enum { members } => {
            schema.insert("enum".into(), json!(members));
        }
        TypeKind::Url => {
            schema.insert("$ref".into(), json!(URL_REF));
        }
        TypeKind::Int | TypeKind::Float => {
            let integer = matches!(ty.kind, TypeKind::Int);
            schema.insert(
                "type".into(),
                json!(if integer { "integer" } else { "number" }),
            );
            for r in &ty.refinements {
                if let Refinement::Range { lo, hi, inclusive } = r {
                    schema.insert("minimum".into(), number(*lo));
                    let key = if *inclusive {
                        "maximum"
                    } else {
                        "exclusiveMaximum"
                    };
                    schema.insert(key.into(), number(*hi));
                }
            }
        }
        TypeKind::Bool => {
            schema.insert("type".into(), json!("boolean"));
        }
        TypeKind::Duration => match format.duration_unit {
            // The longest duration is a whole number in every unit, below 2^53 ms: every
            // validator holds it exactly.
            Some(unit) => {
                let integer = unit == crate::model::DurationUnit::Ms;
                schema.insert(
                    "type".into(),
                    json!(if integer { "integer" } else { "number" }),
                );
                schema.insert("minimum".into(), json!(0));
                schema.insert("maximum".into(), json!(unit.longest()));
            }
            None => {
                schema.insert("type".into(), json!("string"));
                schema.insert("minLength".into(), json!(1));
                patterns.extend(pattern(&format!("^{}$", shape::DURATION_BODY)));
            }
        },
        TypeKind::List { element } => {
            schema.insert("type".into(), json!("array"));
            schema.insert("items".into(), J::Object(typed_schema(element, format)));
            add_len(&mut schema, ty, "minItems", "maxItems");
        }
    }
    if !matches!(ty.kind, TypeKind::List { .. }) {
        add_len(&mut schema, ty, "minLength", "maxLength");
        patterns.extend(user_patterns(ty));
    }
    add_patterns(&mut schema, patterns);
    schema
}

fn number(n: Number) -> J {
    match n {
        Number::Int(i) => json!(i),
        Number::Float(f) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
    }
}
