//! One-line and CI formats of diagnostics: `short` (errorformat / problem matchers),
//! `github` (GitHub Actions workflow commands) and `sarif` (SARIF 2.1.0, for code-scanning
//! uploads). Documented in `docs/diagnostics.md`; columns count characters (Unicode
//! scalar values), as in the JSON output.

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::render::{json_span, JsonSpan};
use super::{Code, Diagnostic, Severity};
use crate::source::SourceMap;

/// `file:line:col: error[E0305]: message` (no trailing newline). A diagnostic without a
/// location starts at `error[…]`.
pub fn short(d: &Diagnostic, sources: &SourceMap) -> String {
    let mut out = String::new();
    if let Some(at) = d.primary_span().map(|s| json_span(s, sources)) {
        let _ = write!(out, "{}:{}:{}: ", at.file, at.line, at.column);
    }
    let _ = write!(
        out,
        "{}[{}]: {}",
        d.severity.as_str(),
        d.code.as_str(),
        one_line(&d.message)
    );
    out
}

/// Messages are one line by contract; a stray line break would split a record.
fn one_line(text: &str) -> String {
    super::render::escape_controls(&text.replace(['\r', '\n'], " ")).into_owned()
}

/// `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=E0305::message` (no trailing
/// newline). The help and notes follow the message on their own lines (escaped).
pub fn github(d: &Diagnostic, sources: &SourceMap) -> String {
    let command = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut properties: Vec<(&str, String)> = Vec::new();
    if let Some(at) = d.primary_span().map(|s| json_span(s, sources)) {
        properties.push(("file", at.file.clone()));
        properties.push(("line", at.line.to_string()));
        properties.push(("col", at.column.to_string()));
        properties.push(("endLine", at.end_line.to_string()));
        // GitHub reads `endColumn` as inclusive only on one line; past the end is what
        // JSON gives, and it is what the annotation UI underlines up to.
        properties.push(("endColumn", at.end_column.to_string()));
    }
    properties.push(("title", format!("{} {}", d.code.as_str(), d.code.summary())));
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    for note in &d.notes {
        message.push_str("\nnote: ");
        message.push_str(note);
    }
    let properties = properties
        .iter()
        .map(|(k, v)| format!("{k}={}", github_property(v)))
        .collect::<Vec<_>>()
        .join(",");
    format!(
        "::{command} {properties}::{}",
        github_data(&super::render::escape_controls(&message))
    )
}

/// Escapes a workflow command's message (`%`, CR, LF), as `@actions/core` does.
pub fn github_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value: as [`github_data`], plus `:` and `,`
/// (which would end the value).
pub fn github_property(text: &str) -> String {
    github_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The SARIF schema this output follows.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Collects diagnostics (and tool failures) of one run into one SARIF 2.1.0 log.
#[derive(Debug, Clone, Default)]
pub struct SarifLog {
    rules: Vec<Code>,
    results: Vec<Value>,
    notifications: Vec<Value>,
}

impl SarifLog {
    /// An empty log (one run, no results yet).
    pub fn new() -> SarifLog {
        SarifLog::default()
    }

    /// Adds one diagnostic as a SARIF `result`.
    pub fn push(&mut self, d: &Diagnostic, sources: &SourceMap) {
        let rule_index = match self.rules.iter().position(|&c| c == d.code) {
            Some(i) => i,
            None => {
                self.rules.push(d.code);
                self.rules.len() - 1
            }
        };
        let mut text = d.message.clone();
        if let Some(help) = &d.help {
            text.push_str("\nhelp: ");
            text.push_str(help);
        }
        for note in &d.notes {
            text.push_str("\nnote: ");
            text.push_str(note);
        }
        let mut result = json!({
            "ruleId": d.code.as_str(),
            "ruleIndex": rule_index,
            "level": match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
            "message": { "text": text },
        });
        let primary = d.labels.iter().position(|l| l.primary).or_else(|| {
            // A diagnostic whose labels are all secondary is located at its first one.
            (!d.labels.is_empty()).then_some(0)
        });
        if let Some(p) = primary {
            let label = &d.labels[p];
            let mut location = sarif_location(&json_span(label.span, sources));
            if !label.message.is_empty() {
                location["message"] = json!({ "text": label.message });
            }
            result["locations"] = json!([location]);
        }
        let related: Vec<Value> = d
            .labels
            .iter()
            .enumerate()
            .filter(|&(i, _)| Some(i) != primary)
            .map(|(i, label)| {
                let mut location = sarif_location(&json_span(label.span, sources));
                location["id"] = json!(i);
                if !label.message.is_empty() {
                    location["message"] = json!({ "text": label.message });
                }
                location
            })
            .collect();
        if !related.is_empty() {
            result["relatedLocations"] = Value::Array(related);
        }
        self.results.push(result);
    }

    /// A failure of the tool itself (exit 2): a tool execution notification.
    pub fn tool_error(&mut self, message: &str) {
        self.notifications.push(json!({
            "level": "error",
            "message": { "text": message },
        }));
    }

    /// The whole log as one JSON document.
    pub fn to_value(&self) -> Value {
        let rules: Vec<Value> = self
            .rules
            .iter()
            .map(|code| {
                let mut rule = json!({
                    "id": code.as_str(),
                    "shortDescription": { "text": code.summary() },
                });
                if let Some(uri) = code_doc_url(*code) {
                    rule["helpUri"] = json!(uri);
                }
                rule
            })
            .collect();
        json!({
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [{
                "tool": {
                    "driver": {
                        "name": "envdef",
                        "version": env!("CARGO_PKG_VERSION"),
                        "rules": rules,
                    }
                },
                "invocations": [{
                    "executionSuccessful": self.notifications.is_empty(),
                    "toolExecutionNotifications": self.notifications,
                }],
                "columnKind": "unicodeCodePoints",
                "results": self.results,
            }]
        })
    }
}

fn sarif_location(at: &JsonSpan) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": path_to_uri(&at.file) },
            "region": {
                "startLine": at.line,
                "startColumn": at.column,
                "endLine": at.end_line,
                "endColumn": at.end_column,
                "byteOffset": at.start,
                "byteLength": at.end - at.start,
            }
        }
    })
}

/// A file name as a URI reference: relative names stay relative (SARIF resolves them
/// against the checkout), absolute ones become `file://` URIs; everything outside the
/// unreserved characters and `/` is percent-encoded (a space, `#`, `%`, non-ASCII).
pub fn path_to_uri(path: &str) -> String {
    let mut out = String::new();
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// Where a code is documented, when envdef knows where its docs are published: the
/// `ENVDEF_DOCS_URL` environment variable (the URL of `docs/errors.md`), else the
/// package's `repository` at build time. `None` when neither is known.
pub fn code_doc_url(code: Code) -> Option<String> {
    let base = std::env::var("ENVDEF_DOCS_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .or_else(|| {
            let repo = env!("CARGO_PKG_REPOSITORY");
            (!repo.is_empty()).then(|| format!("{repo}/blob/main/docs/errors.md"))
        })?;
    Some(format!("{base}#{}", code.as_str().to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_escaping_follows_actions_core() {
        assert_eq!(github_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(github_property("a:b,c%d\ne"), "a%3Ab%2Cc%25d%0Ae");
        // `%` first, so an escape is never escaped twice.
        assert_eq!(github_property("%3A"), "%253A");
    }

    #[test]
    fn uris_encode_what_is_not_unreserved() {
        assert_eq!(path_to_uri("envdef/main.envdef"), "envdef/main.envdef");
        assert_eq!(
            path_to_uri("/tmp/a b#c.envdef"),
            "file:///tmp/a%20b%23c.envdef"
        );
        assert_eq!(path_to_uri("é.envdef"), "%C3%A9.envdef");
    }
}
