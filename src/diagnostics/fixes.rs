//! Machine-applicable fixes: the [`Suggestion`](super::Suggestion)s attached to diagnostics whose fix is one
//! concrete edit of the primary label. The phases say the fix in words (`help:`); this
//! pass, run once at the end of the front end, turns the forms of help that name an exact
//! replacement into edits, so every phase's did-you-mean becomes a quick fix without each
//! one building edits.
//!
//! | diagnostic | edit | applicability |
//! |---|---|---|
//! | a name with "did you mean `X`?" | the name → `X` | maybe incorrect |
//! | an import path with "did you mean `P`?" | the path → `"P"` | maybe incorrect |
//! | a service's own variable named bare (help "write `api.PORT`") | → `api.PORT` | maybe incorrect |
//! | E0118 `PORT: 80` in an environment | `:` → `=` | machine applicable |
//! | `=` in an assert comparison | `=` → `==` | machine applicable |
//! | E0109 a fractional duration (help "use smaller units: `1h30m`") | → `1h30m` | machine applicable |
//! | a bare word value (help "a string value is quoted: `"x"`") | → `"x"` | maybe incorrect |

use super::{Applicability, Code, Diagnostic, Diagnostics};
use crate::source::SourceMap;

/// Adds the suggestions each diagnostic's help spells out.
pub fn derive(diagnostics: &mut Diagnostics, sources: &SourceMap) {
    let items = std::mem::take(diagnostics).into_vec();
    for mut d in items {
        if d.suggestions.is_empty() {
            d = with_suggestion(d, sources);
        }
        diagnostics.push(d);
    }
}

/// The text between the first pair of backticks after `prefix` at the start of `help`.
fn quoted_after<'h>(help: &'h str, prefix: &str) -> Option<&'h str> {
    let rest = help.strip_prefix(prefix)?;
    let rest = rest.strip_prefix('`')?;
    rest.split_once('`').map(|(x, _)| x)
}

fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

fn with_suggestion(d: Diagnostic, sources: &SourceMap) -> Diagnostic {
    let Some(span) = d.primary_span() else {
        return d;
    };
    let written = sources.slice(span).to_string();
    let help = d.help.clone().unwrap_or_default();
    use Applicability::{MachineApplicable, MaybeIncorrect};
    if d.code == Code::ColonInAssignment && written == ":" {
        // `PORT: 80` → `PORT = 80`, in the layout `fmt` gives assignments.
        let text = &sources.get(span.file).text;
        let spaced = text[..span.start as usize].ends_with([' ', '\t']);
        return d.suggest(span, if spaced { "=" } else { " =" }, MachineApplicable);
    }
    if written == "=" && d.message.starts_with("expected `==` to compare") {
        return d.suggest(span, "==", MachineApplicable);
    }
    if d.code == Code::InvalidDuration {
        if let Some(x) = quoted_after(&help, "use smaller units: ") {
            return d.suggest(span, x, MachineApplicable);
        }
    }
    if let Some(x) = quoted_after(&help, "did you mean ") {
        if is_name(&written) && is_name(x) {
            return d.suggest(span, x, MaybeIncorrect);
        }
        let is_string = written.len() >= 2 && written.starts_with('"') && written.ends_with('"');
        if is_string && d.code == Code::ImportUnreadable {
            return d.suggest(span, format!("\"{x}\""), MaybeIncorrect);
        }
    }
    if let Some((_, rest)) = help.split_once("is a service's own variable; write ") {
        if let Some(x) = quoted_after(rest, "") {
            if is_name(&written) {
                return d.suggest(span, x, MaybeIncorrect);
            }
        }
    }
    if let Some(x) = quoted_after(&help, "a string value is quoted: ") {
        if is_name(&written) {
            return d.suggest(span, x, MaybeIncorrect);
        }
    }
    d
}

/// Applies the machine-applicable suggestions of `diagnostics` that fall in one file to
/// its `text`; returns the new text and how many edits were applied. Overlapping edits
/// after the first are skipped (a later run applies them if they still hold).
pub fn apply(
    text: &str,
    file: crate::source::FileId,
    diagnostics: &[Diagnostic],
) -> (String, usize) {
    let mut edits: Vec<(usize, usize, &str)> = diagnostics
        .iter()
        .flat_map(|d| &d.suggestions)
        .filter(|s| s.span.file == file && s.applicability == Applicability::MachineApplicable)
        .map(|s| {
            (
                s.span.start as usize,
                s.span.end as usize,
                s.replacement.as_str(),
            )
        })
        .filter(|&(a, b, _)| a <= b && b <= text.len())
        .collect();
    edits.sort_by_key(|&(a, b, _)| (a, b));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut applied = 0;
    for (start, end, replacement) in edits {
        if start < at || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            continue;
        }
        out.push_str(&text[at..start]);
        out.push_str(replacement);
        at = end;
        applied += 1;
    }
    out.push_str(&text[at..]);
    (out, applied)
}
