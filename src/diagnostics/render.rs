//! Rendering diagnostics at the CLI edge: human (miette's graphical report) or JSON lines.
//!
//! Labels may point into several files; miette shows one source per report, so the labels
//! in the primary file stay on the report and those in other files become `related`
//! reports, each with its own source (kdl-rs does the same).

use std::fmt::Write as _;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceSpan, SpanContents,
};
use serde::Serialize;

use super::{Diagnostic, Label, Severity};
use crate::source::{FileId, SourceFile, SourceMap, Span};

/// How human output looks.
#[derive(Debug, Clone, Copy)]
pub struct HumanStyle {
    /// Whether to colour the output with ANSI escapes.
    pub color: bool,
    /// Terminal width for wrapping; goldens use a fixed 80.
    pub width: usize,
}

impl HumanStyle {
    /// Fixed, colourless style used by golden tests.
    pub fn plain() -> HumanStyle {
        HumanStyle {
            color: false,
            width: 80,
        }
    }
}

/// A rendered human report for one diagnostic (ends with a newline).
pub fn human(diagnostic: &Diagnostic, sources: &SourceMap, style: HumanStyle) -> String {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false);
    let report = Report::build(diagnostic, sources);
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        // miette only fails on fmt errors of the String writer, which cannot happen; fall
        // back to a plain line rather than lose the diagnostic.
        out = format!(
            "{}[{}]: {}\n",
            diagnostic.severity.as_str(),
            diagnostic.code,
            diagnostic.message
        );
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// Diagnostics rendered in human form per run; the rest are counted in the summary. A
/// garbage file can yield a diagnostic per line, and miette's cost per report grows with
/// the offset into the file, so 50,000 of them took minutes; no one reads past the first
/// screens anyway.
pub const MAX_RENDERED_DIAGNOSTICS: usize = 200;

/// Human reports for many diagnostics followed by a summary line ("2 errors, 1 warning").
/// At most [`MAX_RENDERED_DIAGNOSTICS`] are rendered; the summary counts all.
pub fn human_all<'a>(
    diagnostics: impl IntoIterator<Item = &'a Diagnostic>,
    sources: &SourceMap,
    style: HumanStyle,
) -> String {
    let diagnostics: Vec<&Diagnostic> = diagnostics.into_iter().collect();
    if diagnostics.is_empty() {
        // Nothing quotes a source, so none is scanned (a clean `check` of a large fleet).
        return String::new();
    }
    // Built once per run, not per report: a 16 MB source is scanned once.
    let shown = shown_sources(&diagnostics, sources);
    let sources = shown.as_ref().unwrap_or(sources);
    let mut out = String::new();
    let (mut errors, mut warnings) = (0, 0);
    let mut hidden = 0;
    for d in diagnostics {
        match d.severity {
            Severity::Error => errors += 1,
            Severity::Warning => warnings += 1,
        }
        if errors + warnings > MAX_RENDERED_DIAGNOSTICS {
            hidden += 1;
            continue;
        }
        out.push_str(&human(d, sources, style));
        out.push('\n');
    }
    if hidden > 0 {
        let _ = writeln!(
            out,
            "… {hidden} more not shown (`--format json` lists every diagnostic)\n"
        );
    }
    if errors + warnings > 0 {
        let _ = writeln!(out, "{}", summary(errors, warnings));
    }
    out
}

/// `sources` as snippets show them, when that differs from the text: every control or
/// bidirectional formatting character replaced ([`shown_text`]), and the text under every
/// label of a diagnostic that holds a credential ([`Diagnostic::redact_source`]) replaced
/// by `*` (as many as it has bytes, so every span keeps its offsets): that diagnostic
/// quotes no line, but another on the same line or next to it (`secret X is not used`)
/// would show it as context.
fn shown_sources(diagnostics: &[&Diagnostic], sources: &SourceMap) -> Option<SourceMap> {
    let spans: Vec<Span> = diagnostics
        .iter()
        .filter(|d| d.redact_source)
        .flat_map(|d| d.labels.iter().map(|l| l.span))
        .collect();
    let shown: Vec<std::borrow::Cow<'_, str>> =
        sources.files().map(|(_, f)| shown_text(&f.text)).collect();
    if spans.is_empty()
        && shown
            .iter()
            .all(|t| matches!(t, std::borrow::Cow::Borrowed(_)))
    {
        return None;
    }
    let mut masked = SourceMap::new();
    for ((id, file), text) in sources.files().zip(shown) {
        let mut text = text.into_owned();
        for span in spans.iter().filter(|s| s.file == id) {
            let (start, end) = (span.start as usize, span.end as usize);
            if let Some(slice) = text.get(start..end.min(text.len())) {
                let stars = "*".repeat(slice.len());
                text.replace_range(start..start + stars.len(), &stars);
            }
        }
        masked.add(SourceFile::new(file.path.clone(), file.name.clone(), text));
    }
    Some(masked)
}

/// "1 error, 2 warnings" style summary.
pub fn summary(errors: usize, warnings: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (e, 0) => format!("{} emitted", plural(e, "error")),
        (0, w) => format!("{} emitted", plural(w, "warning")),
        (e, w) => format!(
            "{} and {} emitted",
            plural(e, "error"),
            plural(w, "warning")
        ),
    }
}

/// One miette report: every label, in whichever files they are, drawn from one [`Windowed`].
#[derive(Debug)]
struct Report<'s> {
    code: String,
    severity: miette::Severity,
    message: String,
    help: Option<String>,
    source: Option<Windowed<'s>>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report<'s>>,
}

/// Labels drawn per diagnostic. A cycle through 10,000 environments would otherwise draw
/// 10,000 labels (and miette's layout is superlinear in them); JSON output keeps all.
const MAX_RENDERED_LABELS: usize = 16;

/// Longest source line echoed in a snippet, in bytes. Past it the location is printed as
/// `file:line:col` instead: miette panics on columns past `u16::MAX` ("Formatting argument
/// out of range"), and echoing a 5 MB line helps no one.
const MAX_SNIPPET_LINE: usize = 1000;

/// Longest message, help or note text rendered, in bytes (the middle is elided).
const MAX_RENDERED_TEXT: usize = 4000;

impl<'s> Report<'s> {
    fn build(d: &Diagnostic, sources: &'s SourceMap) -> Report<'s> {
        // Primary labels first, then secondaries, at most MAX_RENDERED_LABELS in all.
        let mut shown: Vec<&Label> = d.labels.iter().filter(|l| l.primary).collect();
        shown.extend(d.labels.iter().filter(|l| !l.primary));
        let hidden = shown.len().saturating_sub(MAX_RENDERED_LABELS);
        shown.truncate(MAX_RENDERED_LABELS);
        // Keep the diagnostic's own label order among the shown ones.
        let shown: Vec<&Label> = d
            .labels
            .iter()
            .filter(|l| shown.iter().any(|s| std::ptr::eq(*s, *l)))
            .collect();
        let mut files: Vec<FileId> = Vec::new();
        for label in &shown {
            if !files.contains(&label.span.file) {
                files.push(label.span.file);
            }
        }
        let mut help = d.help.as_deref().map(elide);
        let mut notes: Vec<String> = d
            .notes
            .iter()
            .map(|n| format!("note: {}", elide(n)))
            .collect();
        if hidden > 0 {
            notes.push(format!(
                "note: {hidden} more labels are not shown (`--format json` lists them all)"
            ));
        }
        // Labels on lines too long to echo become `file:line:col: message` notes.
        let mut too_long: Vec<FileId> = Vec::new();
        for &file in &files {
            let why = if d.redact_source {
                "not shown: it holds a credential"
            } else if !snippet_fits(sources, file, &shown) {
                "the line is too long to show"
            } else {
                continue;
            };
            too_long.push(file);
            for l in shown.iter().filter(|l| l.span.file == file) {
                let at = json_span(l.span, sources);
                notes.push(format!(
                    "note: at {}:{}:{}{}{} ({why})",
                    at.file,
                    at.line,
                    at.column,
                    if l.message.is_empty() { "" } else { ": " },
                    elide(&l.message)
                ));
            }
        }
        if !notes.is_empty() {
            // miette has no separate note slot; notes go after the help line.
            let notes = notes.join("\n");
            help = Some(match help {
                Some(h) => format!("{h}\n{notes}"),
                None => notes,
            });
        }
        // Every file with labels goes into one multi-file source, so labels in an imported
        // file are drawn in the same report under their own `╭─[file:line:col]` header
        // (instead of a detached "related" report).
        let drawn: Vec<&Label> = shown
            .iter()
            .copied()
            .filter(|l| !too_long.contains(&l.span.file))
            .collect();
        let layout = Layout::new(&drawn, sources);
        let source = (!layout.entries.is_empty()).then(|| Windowed::new(sources, &layout.entries));
        let labels = match &source {
            Some(source) => drawn
                .iter()
                .zip(&layout.entry_of)
                .map(|(l, &entry)| {
                    let (local, clipped) = clip_lines(l.span, sources);
                    let span = SourceSpan::new(
                        (source.base_of(entry) + local.offset()).into(),
                        local.len(),
                    );
                    let text = match clipped {
                        None => (!l.message.is_empty()).then(|| l.message.clone()),
                        Some(end) if l.message.is_empty() => Some(format!("… to line {end}")),
                        Some(end) => Some(format!("{} (… to line {end})", l.message)),
                    };
                    if l.primary {
                        LabeledSpan::new_primary_with_span(text, span)
                    } else {
                        LabeledSpan::new_with_span(text, span)
                    }
                })
                .collect(),
            None => Vec::new(),
        };
        let severity = match d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        };
        Report {
            // `error[E0204]`, as rustc prints it: the severity stays readable without colour.
            code: format!("{}[{}]", d.severity.as_str(), d.code.as_str()),
            severity,
            message: elide(&d.message),
            help,
            source,
            labels,
            related: Vec::new(),
        }
    }
}

/// Whether every line a snippet of `file` would show (each label's lines and one line of
/// context either side, as miette draws them) is short enough to echo.
fn snippet_fits(sources: &SourceMap, file: FileId, labels: &[&Label]) -> bool {
    let text = sources.get(file).text.as_bytes();
    let line_bounds = |offset: usize| {
        let offset = offset.min(text.len());
        let start = text[..offset]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let end = text[offset..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(text.len(), |i| offset + i);
        (start, end)
    };
    labels.iter().filter(|l| l.span.file == file).all(|l| {
        let (first_start, first_end) = line_bounds(l.span.start as usize);
        let (last_start, last_end) = line_bounds(l.span.end as usize);
        let before = first_start.checked_sub(1).map(line_bounds);
        let after = (last_end < text.len()).then(|| line_bounds(last_end + 1));
        // A multi-line label shows every line in between; bound the whole stretch.
        last_end - first_start <= 64 * MAX_SNIPPET_LINE
            && [
                Some((first_start, first_end)),
                Some((last_start, last_end)),
                before,
                after,
            ]
            .into_iter()
            .flatten()
            .all(|(a, b)| b - a <= MAX_SNIPPET_LINE)
    })
}

/// Whether `c` must not reach a terminal as it is: a control character other than a line
/// break or a tab (an escape sequence), or a bidirectional formatting character (U+202E
/// and its kin reorder what a terminal shows, so a message or a source line would read as
/// something else: "Trojan Source").
fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with its control and bidirectional formatting characters (other than line
/// breaks and tabs) written as `\u{1b}`: a name from the command line or a stray byte in a
/// source must not reach a terminal or a CI log as an escape sequence, nor vanish from the
/// message, nor reorder it.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Cuts the middle out of a text longer than [`MAX_RENDERED_TEXT`] (on char boundaries),
/// after [`escape_controls`].
fn elide(text: &str) -> String {
    let text = escape_controls(text);
    let text = text.as_ref();
    if text.len() <= MAX_RENDERED_TEXT {
        return text.to_string();
    }
    let half = MAX_RENDERED_TEXT / 2;
    let mut head = half;
    while !text.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = text.len() - half;
    while !text.is_char_boundary(tail) {
        tail += 1;
    }
    format!(
        "{} … ({} bytes elided) … {}",
        &text[..head],
        tail - head,
        &text[tail..]
    )
}

/// The source files of one report as miette reads them: laid end to end in one offset space
/// (each file at its own base, with a gap so contexts of two files never merge), and
/// windowed. miette's own `SourceCode` for `str` walks the text from its first byte to every
/// span it shows, so each report on a big file cost time proportional to the offset (200
/// errors at the end of a 16 MB file took minutes). This finds the window — the span's line
/// and the context lines above it — directly, lets miette lay out only that window, and
/// shifts the result back, so what is drawn is exactly what miette would draw on the whole
/// text, under the right file's name.
#[derive(Debug)]
struct Windowed<'s> {
    /// Each file with the offset its first byte has in the report.
    files: Vec<(FileId, &'s SourceFile, usize)>,
}

/// A source's text as a snippet shows it: every control or bidirectional formatting
/// character (a line break and a tab aside) replaced by as many `?` as it has bytes, so
/// that an escape sequence committed in a source line (`\x1b]0;…\x07` retitles the
/// terminal) never reaches a terminal or a CI log, while every span keeps its offsets.
/// The message names the character (`\u{1b}`, [`escape_controls`]). A `\r` before a `\n`
/// is a line ending and stays.
fn shown_text(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_at =
        |i: usize, c: char| is_unsafe(c) && !(c == '\r' && text[i + 1..].starts_with('\n'));
    if !text.char_indices().any(|(i, c)| unsafe_at(i, c)) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if unsafe_at(i, c) {
            out.extend(std::iter::repeat('?').take(c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

impl<'s> Windowed<'s> {
    fn new(sources: &'s SourceMap, files: &[FileId]) -> Windowed<'s> {
        let mut base = 0;
        let files = files
            .iter()
            .map(|&id| {
                let file = sources.get(id);
                let entry = (id, file, base);
                base += file.text.len() + 1;
                entry
            })
            .collect();
        Windowed { files }
    }

    /// The offset of entry `entry`'s first byte (a file may be laid out twice, see
    /// [`Layout`]).
    fn base_of(&self, entry: usize) -> usize {
        self.files.get(entry).map_or(0, |(_, _, base)| *base)
    }
}

impl miette::SourceCode for Windowed<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        // The file whose range holds the span (the last one starting at or before it).
        let (_, file, base) = *self
            .files
            .iter()
            .rev()
            .find(|(_, _, base)| *base <= span.offset())
            .ok_or(MietteError::OutOfBounds)?;
        let text: &'a str = &file.text;
        let span = &SourceSpan::new((span.offset() - base).into(), span.len());
        let bytes = text.as_bytes();
        let offset = span.offset().min(text.len());
        let line_start = |at: usize| {
            bytes[..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1)
        };
        // One line more than the context: miette looks one byte before an empty span to
        // decide where it ends, and the window must not cut that byte off.
        let mut start = line_start(offset);
        for _ in 0..=context_lines_before {
            if start == 0 {
                break;
            }
            start = line_start(start - 1);
        }
        // `start` is a line start, so this is a binary search and no column counting.
        let first_line = file.line_col(start).line - 1;
        let window: &'a str = &text[start..];
        let local = SourceSpan::new((offset - start).into(), span.len());
        let inner = window.read_span(&local, context_lines_before, context_lines_after)?;
        let contents = MietteSpanContents::new_named(
            file.name.clone(),
            inner.data(),
            SourceSpan::new(
                (base + start + inner.span().offset()).into(),
                inner.span().len(),
            ),
            first_line + inner.line(),
            inner.column(),
            // The number of lines shown. miette's own `str` source returns the number of
            // lines from the start of the file instead, and miette merges two labels'
            // snippets when `line + line_count` reaches the next one: on a long file two
            // labels 230 lines apart were drawn as one 246-line snippet.
            inner.data().split(|&b| b == b'\n').count().max(1),
        )
        .with_language("envdef");
        Ok(Box::new(contents))
    }
}

/// Lines of a multi-line label drawn at most; a longer label is drawn on its first line
/// and says where it ends, so a label on a whole block does not print the whole block.
const MAX_LABEL_LINES: usize = 4;

/// Lines between a secondary label above the primary one and the primary one past which
/// miette draws them as separate snippets (one line of context each side).
const SEPARATE_SNIPPET_GAP: usize = 3;

/// The order of a report's snippets. miette draws the labels of one source in offset
/// order and names each snippet after its first label, so a secondary label above the
/// primary one (a type declared before the wrong value) headed the report with the
/// wrong line, and a problem matcher reading `╭─[file:line:col]` underlined it. The
/// primary label's file goes first, and secondary labels well above the primary one are
/// drawn from a second copy of the file laid out after it: the first header is always the
/// primary label's position.
struct Layout {
    /// The file of each entry of the report's source, in drawing order.
    entries: Vec<FileId>,
    /// For each drawn label, the entry it is drawn from.
    entry_of: Vec<usize>,
}

impl Layout {
    fn new(drawn: &[&Label], sources: &SourceMap) -> Layout {
        let primary = drawn
            .iter()
            .find(|l| l.primary)
            .or_else(|| drawn.first())
            .map(|l| l.span);
        let mut files: Vec<FileId> = primary.map(|p| p.file).into_iter().collect();
        for l in drawn {
            if !files.contains(&l.span.file) {
                files.push(l.span.file);
            }
        }
        let line_of = |span: Span, end: bool| {
            let file = sources.get(span.file);
            let at = if end { span.end } else { span.start } as usize;
            file.line_col(at.min(file.text.len())).line
        };
        let above = |l: &Label| match primary {
            Some(p) if !l.primary && l.span.file == p.file => {
                line_of(l.span, true) + SEPARATE_SNIPPET_GAP < line_of(p, false)
            }
            _ => false,
        };
        let has_above = drawn.iter().any(|l| above(l));
        let mut entries = Vec::new();
        for (i, &file) in files.iter().enumerate() {
            entries.push(file);
            if i == 0 && has_above {
                entries.push(file);
            }
        }
        let entry_of = drawn
            .iter()
            .map(|l| {
                let first = entries.iter().position(|&f| f == l.span.file).unwrap_or(0);
                first + usize::from(above(l))
            })
            .collect();
        Layout { entries, entry_of }
    }
}

/// A label's span as drawn: clamped (see [`clamp`]), and cut to its first line when it
/// covers more than [`MAX_LABEL_LINES`] lines (then with the line it ends on).
fn clip_lines(span: Span, sources: &SourceMap) -> (miette::SourceSpan, Option<usize>) {
    let clamped = clamp(span, sources);
    let file = sources.get(span.file);
    let body = &file.text[clamped.offset()..clamped.offset() + clamped.len()];
    if body.matches('\n').count() < MAX_LABEL_LINES {
        return (clamped, None);
    }
    let first_line = body.find('\n').unwrap_or(body.len());
    let end_line = file.line_col(clamped.offset() + clamped.len()).line;
    (
        (clamped.offset(), first_line.max(1).min(body.len())).into(),
        Some(end_line),
    )
}

/// Keeps a span inside its file and on char boundaries so a bad span can never make
/// rendering panic.
fn clamp(span: Span, sources: &SourceMap) -> miette::SourceSpan {
    let text = &sources.get(span.file).text;
    let len = text.len();
    let mut start = (span.start as usize).min(len);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (span.end as usize).clamp(start, len);
    while !text.is_char_boundary(end) {
        end += 1;
    }
    (start, end - start).into()
}

impl std::fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(&self.code) as Box<dyn std::fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(
                self.related.iter().map(|r| r as &dyn miette::Diagnostic),
            ))
        }
    }
}

/// The JSON form of one diagnostic (one object per line; documented in `docs/json.md`).
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic<'a> {
    /// The stable code (`E0203`).
    pub code: &'static str,
    /// `error`, `warning` or `note`.
    pub severity: &'static str,
    /// The one-line message, without the code.
    pub message: &'a str,
    /// Location of the primary label; all null for a diagnostic without a location.
    #[serde(flatten)]
    pub location: Option<JsonSpan>,
    /// Every label, primary first, each with its own location.
    pub labels: Vec<JsonLabel<'a>>,
    /// The `help:` line, if any.
    pub help: Option<&'a str>,
    /// The `note:` lines, in order.
    pub notes: &'a [String],
    /// Edits that fix the diagnostic; absent when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<JsonSuggestion<'a>>,
}

/// A suggested edit: replace the span with `replacement`.
#[derive(Debug, Serialize)]
pub struct JsonSuggestion<'a> {
    /// Where the edit applies.
    #[serde(flatten)]
    pub span: JsonSpan,
    /// The text that replaces the span.
    pub replacement: &'a str,
    /// A short title for editors.
    pub message: &'a str,
    /// Whether `envdef fix` applies it unasked.
    pub applicability: super::Applicability,
}

/// A span as editors and CI annotations want it: path, 1-based line/column, byte offsets.
#[derive(Debug, Serialize)]
pub struct JsonSpan {
    /// The file as the user named it.
    pub file: String,
    /// 1-based line of the start.
    pub line: usize,
    /// 1-based column of the start, in characters.
    pub column: usize,
    /// 1-based line of the end.
    pub end_line: usize,
    /// 1-based column of the end, in characters (exclusive).
    pub end_column: usize,
    /// Byte offset of the start.
    pub start: usize,
    /// Byte offset of the end (exclusive).
    pub end: usize,
}

/// One label of a [`JsonDiagnostic`]: where, what it says, and whether it is the primary one.
#[derive(Debug, Serialize)]
pub struct JsonLabel<'a> {
    /// Where the label points.
    #[serde(flatten)]
    pub span: JsonSpan,
    /// The label's text.
    pub message: &'a str,
    /// Whether this is the primary label (the diagnostic's own location).
    pub primary: bool,
}

/// A span as [`JsonSpan`]: the file's name, 1-based lines and columns, clamped to the file.
pub fn json_span(span: Span, sources: &SourceMap) -> JsonSpan {
    let file = sources.get(span.file);
    let len = file.text.len();
    let start = (span.start as usize).min(len);
    let end = (span.end as usize).clamp(start, len);
    let a = file.line_col(start);
    let b = file.line_col(end);
    JsonSpan {
        file: file.name.clone(),
        line: a.line,
        column: a.column,
        end_line: b.line,
        end_column: b.column,
        start,
        end,
    }
}

/// One diagnostic as one line of JSON (no trailing newline).
pub fn json(d: &Diagnostic, sources: &SourceMap) -> String {
    let value = JsonDiagnostic {
        code: d.code.as_str(),
        severity: d.severity.as_str(),
        message: &d.message,
        location: d.primary_span().map(|s| json_span(s, sources)),
        labels: d
            .labels
            .iter()
            .map(|l| JsonLabel {
                span: json_span(l.span, sources),
                message: &l.message,
                primary: l.primary,
            })
            .collect(),
        help: d.help.as_deref(),
        notes: &d.notes,
        suggestions: d
            .suggestions
            .iter()
            .map(|s| JsonSuggestion {
                span: json_span(s.span, sources),
                replacement: &s.replacement,
                message: &s.message,
                applicability: s.applicability,
            })
            .collect(),
    };
    serde_json::to_string(&value).expect("diagnostic JSON is always serialisable")
}

#[cfg(test)]
mod tests {
    use super::*;
    use miette::SourceCode;

    /// The windowed source reads exactly what miette's own `str` source reads (but for the
    /// line count), for every span and context size (line breaks `\n` and `\r\n`).
    #[test]
    fn windowed_reads_match_miettes_whole_text_reads() {
        let texts = [
            "",
            "a",
            "one\ntwo\nthree\n",
            "x\r\ny\r\n\r\nz",
            "\n\n\nend",
            "é€😀\nß\n",
            "var A: int = 1\nenv e {\n  A = 2\n}\n\nassert A > 0\n",
        ];
        for text in texts {
            let mut sources = SourceMap::new();
            let id = sources.add(SourceFile::new("f".into(), "f".into(), text.to_string()));
            let windowed = Windowed::new(&sources, &[id]);
            for start in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
                for end in (start..=text.len()).filter(|&i| text.is_char_boundary(i)) {
                    for context in 0..3 {
                        let span = SourceSpan::new(start.into(), end - start);
                        let a = text.read_span(&span, context, context).unwrap();
                        let b = windowed.read_span(&span, context, context).unwrap();
                        let what = format!("{text:?} {start}..{end} context {context}");
                        assert_eq!(a.data(), b.data(), "{what}");
                        assert_eq!(a.span(), b.span(), "{what}");
                        assert_eq!(a.line(), b.line(), "{what}");
                        assert_eq!(a.column(), b.column(), "{what}");
                        // Deliberately not miette's count of lines from the file start
                        // (see `read_span`): the lines shown.
                        let shown = b.data().split(|&c| c == b'\n').count().max(1);
                        assert_eq!(b.line_count(), shown, "{what}");
                    }
                }
            }
        }
    }
}
