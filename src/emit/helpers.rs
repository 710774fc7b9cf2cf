//! The format helpers every template (built-in or user) can call. Quoting lives here and in
//! the format modules, never in template text.

use handlebars::{
    Context, Handlebars, Helper, HelperResult, Output, RenderContext, RenderError,
    RenderErrorReason,
};

use super::{envfile, hcl, yaml};

/// The helpers every template can call, with what they do (for `docs/targets.md`).
pub const TEMPLATE_HELPERS: &[(&str, &str)] = &[
    (
        "dotenv",
        "a value quoted for .env files (fails on values with no portable encoding)",
    ),
    ("sh", "a value in POSIX single quotes"),
    ("yaml", "a JSON-style double-quoted YAML scalar"),
    (
        "hcl",
        "an HCL literal (strings escaped, numbers/bools/lists typed)",
    ),
    ("json", "any value as compact JSON"),
    ("compose_escape", "`$` doubled to `$$` for compose files"),
];

/// The first parameter as text: strings as they are, other JSON values in their JSON form.
fn param_text(h: &Helper<'_>, name: &'static str) -> Result<String, RenderError> {
    let value = h
        .param(0)
        .ok_or(RenderErrorReason::ParamNotFoundForIndex(name, 0))?
        .value();
    Ok(match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    })
}

pub(super) fn helper_dotenv(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let text = param_text(h, "dotenv")?;
    match envfile::quote(&text) {
        Ok(q) => Ok(out.write(&q)?),
        Err(reason) => Err(RenderErrorReason::Other(format!(
            "the value {text:?} has no portable .env encoding: it {reason}"
        ))
        .into()),
    }
}

pub(super) fn helper_sh(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    Ok(out.write(&envfile::sh_quote(&param_text(h, "sh")?))?)
}

pub(super) fn helper_yaml(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    Ok(out.write(&yaml::quote(&param_text(h, "yaml")?))?)
}

pub(super) fn helper_compose_escape(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    Ok(out.write(&yaml::compose_escape(&param_text(h, "compose_escape")?))?)
}

pub(super) fn helper_json(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let value = h
        .param(0)
        .ok_or(RenderErrorReason::ParamNotFoundForIndex("json", 0))?
        .value();
    Ok(out.write(&value.to_string())?)
}

pub(super) fn helper_hcl(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let value = h
        .param(0)
        .ok_or(RenderErrorReason::ParamNotFoundForIndex("hcl", 0))?
        .value();
    Ok(out.write(&json_to_hcl(value))?)
}

fn json_to_hcl(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "null".into(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => hcl::string(s),
        serde_json::Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(json_to_hcl).collect();
            format!("[{}]", parts.join(", "))
        }
        serde_json::Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{} = {}", hcl::string(k), json_to_hcl(v)))
                .collect();
            format!("{{ {} }}", parts.join(", "))
        }
    }
}
