//! The one diagnostic type of envdef, and the sink every phase writes into.
//!
//! Phases never stop at the first problem: they push [`Diagnostic`]s into a
//! [`Diagnostics`] and carry on. Rendering (human via miette, or JSON lines) happens only at
//! the CLI edge, in [`render`].

mod code;
pub mod fixes;
pub mod formats;
pub mod knock_on;
pub mod render;
pub(crate) mod suggest;

pub use code::{Code, Phase};

use crate::source::Span;

/// How bad a diagnostic is. `--deny warnings` promotes warnings to errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// A problem that stops the run (exit 1).
    Error,
    /// A problem worth fixing that does not stop the run.
    Warning,
}

impl Severity {
    /// `error` or `warning`, as JSON and human output write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A span with a short text, e.g. "first defined here".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// What the label marks.
    pub span: Span,
    /// The text shown at the span.
    pub message: String,
    /// The primary label marks the offending token; secondary ones mark the other party.
    pub primary: bool,
}

/// How safe a [`Suggestion`] is to apply without looking (rustc's levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Certainly what was meant: `envdef fix` applies it.
    MachineApplicable,
    /// Probably what was meant (a did-you-mean): offered, never applied unasked.
    MaybeIncorrect,
}

/// A concrete edit that fixes a diagnostic: replace `span` with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// Where the edit applies.
    pub span: Span,
    /// The text that replaces the span (empty to delete it).
    pub replacement: String,
    /// A short title for editors ("replace with `DATABASE_URL`").
    pub message: String,
    /// Whether `envdef fix` may apply it without asking.
    pub applicability: Applicability,
}

/// The suggestions of a diagnostic: boxed, because most diagnostics have none and a
/// `Diagnostic` is returned by value through `Result`s all over the crate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Suggestions(Option<Box<[Suggestion]>>);

impl Suggestions {
    /// Adds one suggestion.
    pub fn push(&mut self, suggestion: Suggestion) {
        let mut all = self.0.take().map(Vec::from).unwrap_or_default();
        all.push(suggestion);
        self.0 = Some(all.into_boxed_slice());
    }

    /// Whether there is no suggestion.
    pub fn is_empty(&self) -> bool {
        self.0.as_ref().map_or(true, |v| v.is_empty())
    }

    /// The suggestions in the order they were added.
    pub fn iter(&self) -> std::slice::Iter<'_, Suggestion> {
        self.0.as_deref().unwrap_or_default().iter()
    }
}

impl<'a> IntoIterator for &'a Suggestions {
    type Item = &'a Suggestion;
    type IntoIter = std::slice::Iter<'a, Suggestion>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// One problem found in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The stable code (`E0203`); see `docs/errors.md`.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// One sentence in the language's words, without a trailing period.
    pub message: String,
    /// The first primary label is the diagnostic's location. Labels may point into
    /// different files.
    pub labels: Vec<Label>,
    /// A concrete fix, shown as `help:`.
    pub help: Option<String>,
    /// Extra context lines (e.g. an inheritance chain), shown as `note:`.
    pub notes: Vec<String>,
    /// The labelled text is a credential (a secret reference that is one): the human report
    /// gives `file:line:col` instead of echoing the source lines into a terminal or CI log.
    pub redact_source: bool,
    /// Edits that fix it (JSON `suggestions`, editor quick fixes, `envdef fix`).
    pub suggestions: Suggestions,
}

impl Diagnostic {
    /// A new error with `code` and `message` and nothing else yet.
    pub fn error(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            labels: Vec::new(),
            help: None,
            notes: Vec::new(),
            redact_source: false,
            suggestions: Suggestions::default(),
        }
    }

    /// A new warning with `code` and `message` and nothing else yet.
    pub fn warning(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    /// Adds the primary label (the offending token).
    pub fn primary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: true,
        });
        self
    }

    /// Adds a secondary label (the other party: a first definition, the type broken, …).
    pub fn secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: false,
        });
        self
    }

    /// Sets the `help:` line: a concrete fix.
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Sets the `help:` line when there is one (typically a did-you-mean).
    pub fn help_opt(mut self, help: Option<String>) -> Diagnostic {
        self.help = help;
        self
    }

    /// Never echo the labelled source lines (see [`Diagnostic::redact_source`]).
    pub fn redact_source(mut self) -> Diagnostic {
        self.redact_source = true;
        self
    }

    /// Adds a suggested edit.
    pub fn suggest(
        mut self,
        span: Span,
        replacement: impl Into<String>,
        applicability: Applicability,
    ) -> Diagnostic {
        let replacement = replacement.into();
        self.suggestions.push(Suggestion {
            span,
            message: format!("replace with `{replacement}`"),
            replacement,
            applicability,
        });
        self
    }

    /// Adds a `note:` line.
    pub fn note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// The location of the diagnostic: its first primary label, else its first label.
    pub fn primary_span(&self) -> Option<Span> {
        self.labels
            .iter()
            .find(|l| l.primary)
            .or_else(|| self.labels.first())
            .map(|l| l.span)
    }

    /// Whether this is an error (after `--deny warnings`, warnings are).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The sink every phase pushes into.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// An empty sink.
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    /// Adds one diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Adds every diagnostic of `other`, in its order.
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// How many errors.
    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    /// How many warnings.
    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    /// Whether there is no diagnostic at all.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// How many diagnostics.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// The diagnostics in the order they were pushed (or sorted).
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }

    /// `--deny warnings`: every warning becomes an error (keeping its code).
    pub fn deny_warnings(&mut self) {
        for d in &mut self.items {
            d.severity = Severity::Error;
        }
    }

    /// Source order (file, then offset); diagnostics without a location go last. The sort
    /// is stable, so diagnostics at one spot keep the order the phases found them in.
    pub fn sort(&mut self) {
        self.items.sort_by_key(|d| match d.primary_span() {
            Some(span) => (0, span.file, span.start, span.end),
            None => (1, Default::default(), 0, 0),
        });
    }

    /// The diagnostics as a vector.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

/// The result of a helper that knows what is wrong but not where (typst's `StrResult`):
/// the caller attaches the span when it turns the message into a [`Diagnostic`].
pub type StrResult<T> = Result<T, String>;
