//! The answers of the language server: diagnostics in LSP form, hover, definition,
//! references, completion, rename, document symbols, formatting and quick fixes. Each
//! reads the last analysis of the file's root (see `super::Server::analysis_for`).

use std::collections::HashMap;
use std::path::Path;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CodeDescription,
    CompletionItem, CompletionItemKind, CompletionParams, CompletionResponse,
    DiagnosticRelatedInformation, DiagnosticSeverity, DocumentFormattingParams,
    DocumentSymbolParams, DocumentSymbolResponse, GotoDefinitionParams, GotoDefinitionResponse,
    Hover, HoverContents, HoverParams, Location, MarkupContent, MarkupKind, NumberOrString,
    Position, PrepareRenameResponse, Range, ReferenceParams, RenameParams, SymbolInformation,
    SymbolKind, TextDocumentPositionParams, TextEdit, Url, WorkspaceEdit,
};

use super::position::{self, Encoding};
use super::state::{Analysis, Server};
use crate::diagnostics::formats::code_doc_url;
use crate::diagnostics::{Diagnostic, Severity};
use crate::query::complete::{complete, CompletionKind};
use crate::query::symbols::{Occurrence, Role, Symbol};
use crate::resolve::VarDecl;
use crate::source::{FileId, SourceMap, Span};

/// One envdef diagnostic as the client shows it: range of the primary label, code with a
/// link to its documentation, secondary labels as related information, help and notes
/// after the message.
pub fn to_lsp_diagnostic(
    d: &Diagnostic,
    sources: &SourceMap,
    enc: Encoding,
) -> lsp_types::Diagnostic {
    let primary = d.primary_span();
    let range = primary.map_or_else(Range::default, |s| position::range(s, sources, enc));
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    for note in &d.notes {
        message.push_str("\nnote: ");
        message.push_str(note);
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter(|l| Some(l.span) != primary || !l.primary)
        .filter(|l| !l.primary)
        .filter_map(|l| {
            let uri = Url::from_file_path(&sources.get(l.span.file).path).ok()?;
            Some(DiagnosticRelatedInformation {
                location: Location {
                    uri,
                    range: position::range(l.span, sources, enc),
                },
                message: if l.message.is_empty() {
                    "related".to_string()
                } else {
                    l.message.clone()
                },
            })
        })
        .collect();
    lsp_types::Diagnostic {
        range,
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_string())),
        code_description: code_doc_url(d.code)
            .and_then(|u| Url::parse(&u).ok())
            .map(|href| CodeDescription { href }),
        source: Some("envdef".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// The occurrence under the cursor, with the analysis it belongs to.
fn occurrence_at<'a>(
    server: &'a mut Server,
    at: &TextDocumentPositionParams,
) -> Option<(&'a Analysis, Occurrence)> {
    let enc = server.encoding();
    let (analysis, file) = server.analysis_for(&at.text_document.uri)?;
    let text = &analysis.sources.get(file).text;
    let offset = position::offset(text, at.position, enc);
    let occurrence = analysis.index.at(file, offset)?.clone();
    Some((analysis, occurrence))
}

fn location(span: Span, sources: &SourceMap, enc: Encoding) -> Option<Location> {
    Some(Location {
        uri: Url::from_file_path(&sources.get(span.file).path).ok()?,
        range: position::range(span, sources, enc),
    })
}

pub fn hover(server: &mut Server, params: HoverParams) -> Option<Hover> {
    let enc = server.encoding();
    let (analysis, occurrence) = occurrence_at(server, &params.text_document_position_params)?;
    let text = hover_text(analysis, &occurrence.symbol)?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: Some(position::range(occurrence.span, &analysis.sources, enc)),
    })
}

/// Markdown for a symbol: its declaration, doc, default and (for a variable) its value in
/// every environment with where it was set.
fn hover_text(analysis: &Analysis, symbol: &Symbol) -> Option<String> {
    let sources = &analysis.sources;
    let decl_line = |span: Span| crate::cli::show::line_text(span, sources);
    let mut out = String::new();
    match symbol {
        Symbol::Var(id) => {
            let entry = analysis.program.vars.get_index(id.index())?.1;
            out.push_str(&format!("```envdef\n{}\n```\n", decl_line(entry.name.span)));
            let doc = match &entry.decl {
                VarDecl::Var(d) => d.doc.as_ref().and_then(|s| s.as_plain()),
                VarDecl::Secret(d) => d.doc.as_ref().and_then(|s| s.as_plain()),
                VarDecl::Flag(d) => d.doc.as_ref().and_then(|s| s.as_plain()),
            };
            if let Some(model) = &analysis.model {
                let var = model.var(*id);
                out.push_str(&format!(
                    "\n`{}`: {}\n",
                    var.qualified_name(),
                    crate::cli::show::declared_type(var)
                ));
                if let Some(doc) = var.doc.as_ref().or(doc.as_ref()) {
                    out.push_str(&format!("\n{doc}\n"));
                }
                out.push_str(&values_table(analysis, model, *id));
            } else {
                if let Some(doc) = doc {
                    out.push_str(&format!("\n{doc}\n"));
                }
                out.push_str("\n_Values per environment appear once the source has no errors._\n");
            }
        }
        Symbol::Env(name) => {
            let env = analysis.program.envs.get(name)?;
            out.push_str(&format!("```envdef\n{}\n```\n", decl_line(env.name.span)));
            if !env.params.is_empty() {
                let values: Vec<String> = env
                    .params
                    .iter()
                    .map(|p| format!("{} = \"{}\"", p.param.name.text, p.value))
                    .collect();
                out.push_str(&format!(
                    "\n`{name}`: the instance of `{}` with {}\n",
                    env.parent_name.as_ref().map_or("", |p| p.text.as_str()),
                    values.join(", ")
                ));
            }
            if let Some(model) = &analysis.model {
                if let Some(env) = model.envs.get(name) {
                    out.push_str(&format!("\ninherits: {}\n", model.chain_text(env)));
                }
            }
        }
        Symbol::Service(name) => {
            let service = analysis.program.services.get(name)?;
            out.push_str(&format!(
                "```envdef\n{}\n```\n",
                decl_line(service.name.span)
            ));
            out.push_str(&format!(
                "\nuses {} shared declarations\n",
                service.uses.len()
            ));
        }
        Symbol::Type(name) => {
            let ty = analysis.program.types.get(name)?;
            out.push_str(&format!("```envdef\n{}\n```\n", decl_line(ty.name.span)));
        }
        Symbol::Param(name) => {
            let owners: Vec<&str> = analysis
                .program
                .envs
                .values()
                .filter(|e| e.param_decls.iter().any(|p| p.name.text == *name))
                .map(|e| e.name.text.as_str())
                .collect();
            let param = analysis.program.param_decl(name)?;
            out.push_str(&format!("```envdef\n{}\n```\n", decl_line(param.name.span)));
            out.push_str(&format!(
                "\nparameter of `{}`: in an assert, each instance's value as given; `${{{name}}}` in a value inserts its DNS-1123 label\n",
                owners.join("`, `")
            ));
        }
        Symbol::Builtin(name) => out.push_str(&format!("`{name}`: built into the language\n")),
        Symbol::Unknown(name) => out.push_str(&format!("`{name}` is not declared\n")),
    }
    Some(out)
}

/// `file:line` of a span, the file relative to the root's directory.
fn short_location(span: Span, sources: &SourceMap) -> String {
    let file = sources.get(span.file);
    let root_dir = sources.get(FileId(0)).path.parent().map(Path::to_path_buf);
    let name = root_dir
        .and_then(|d| {
            file.path
                .strip_prefix(d)
                .ok()
                .map(|p| p.display().to_string())
        })
        .unwrap_or_else(|| file.name.clone());
    format!("{name}:{}", file.line_col(span.start as usize).line)
}

fn values_table(analysis: &Analysis, model: &crate::Model, id: crate::model::VarId) -> String {
    let mut out = String::from("\n| environment | value | set by |\n|---|---|---|\n");
    for value in crate::query::values(model, id) {
        let (text, by) = match value.resolved {
            Some(r) => (
                crate::cli::show::value(&r.value, None),
                format!(
                    "{} ({})",
                    crate::cli::show::setter(model, &r.origin),
                    short_location(r.origin.span, &analysis.sources)
                ),
            ),
            None => ("unset".to_string(), String::new()),
        };
        let text = text.replace('|', "\\|").replace('`', "'");
        out.push_str(&format!("| {} | `{text}` | {by} |\n", value.env.name));
    }
    out
}

pub fn definition(
    server: &mut Server,
    params: GotoDefinitionParams,
) -> Option<GotoDefinitionResponse> {
    let enc = server.encoding();
    let (analysis, occurrence) = occurrence_at(server, &params.text_document_position_params)?;
    let span = analysis.index.definition(&occurrence.symbol)?;
    Some(GotoDefinitionResponse::Scalar(location(
        span,
        &analysis.sources,
        enc,
    )?))
}

pub fn references(server: &mut Server, params: ReferenceParams) -> Option<Vec<Location>> {
    let enc = server.encoding();
    let (analysis, occurrence) = occurrence_at(server, &params.text_document_position)?;
    let include_declaration = params.context.include_declaration;
    Some(
        analysis
            .index
            .references(&occurrence.symbol)
            .filter(|o| include_declaration || o.role != Role::Definition)
            .filter_map(|o| location(o.span, &analysis.sources, enc))
            .collect(),
    )
}

pub fn completion(server: &mut Server, params: CompletionParams) -> Option<CompletionResponse> {
    let enc = server.encoding();
    let uri = params.text_document_position.text_document.uri.clone();
    // The buffer as typed (the analysis may lag a keystroke behind; the names come from it).
    let text = server.text_of(&uri)?;
    let offset = position::offset(&text, params.text_document_position.position, enc);
    let (analysis, _) = server.analysis_for(&uri)?;
    let found = complete(&analysis.program, &text, offset);
    let range = Range {
        start: position::position(&text, found.replace.start, enc),
        end: position::position(&text, found.replace.end, enc),
    };
    let items = found
        .items
        .into_iter()
        .map(|c| CompletionItem {
            label: c.label.clone(),
            kind: Some(match c.kind {
                CompletionKind::Keyword => CompletionItemKind::KEYWORD,
                CompletionKind::Variable => CompletionItemKind::VARIABLE,
                CompletionKind::Secret => CompletionItemKind::CONSTANT,
                CompletionKind::Flag => CompletionItemKind::ENUM_MEMBER,
                CompletionKind::Environment => CompletionItemKind::MODULE,
                CompletionKind::Service => CompletionItemKind::CLASS,
                CompletionKind::Type => CompletionItemKind::TYPE_PARAMETER,
                CompletionKind::Target => CompletionItemKind::FILE,
                CompletionKind::Builtin => CompletionItemKind::KEYWORD,
            }),
            text_edit: Some(lsp_types::CompletionTextEdit::Edit(TextEdit {
                range,
                new_text: c.label,
            })),
            ..CompletionItem::default()
        })
        .collect();
    Some(CompletionResponse::Array(items))
}

/// Whether `name` may replace a symbol's name (environments and services may contain `-`).
fn valid_name(symbol: &Symbol, name: &str) -> bool {
    let dash_ok = matches!(symbol, Symbol::Env(_) | Symbol::Service(_));
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || (dash_ok && c == '-'))
}

fn renamable(symbol: &Symbol) -> bool {
    matches!(
        symbol,
        Symbol::Var(_) | Symbol::Env(_) | Symbol::Service(_) | Symbol::Type(_)
    )
}

/// For an instance of a parameterised environment (`production-eu`), its declaration's
/// name: the instance's own name is derived, so it cannot be renamed by itself.
fn instance_of<'a>(analysis: &'a Analysis, symbol: &Symbol) -> Option<&'a str> {
    let Symbol::Env(name) = symbol else {
        return None;
    };
    let env = analysis.program.envs.get(name)?;
    if env.params.is_empty() {
        return None;
    }
    env.parent_name.as_ref().map(|p| p.text.as_str())
}

pub fn prepare_rename(
    server: &mut Server,
    params: TextDocumentPositionParams,
) -> Option<PrepareRenameResponse> {
    let enc = server.encoding();
    let (analysis, occurrence) = occurrence_at(server, &params)?;
    (renamable(&occurrence.symbol) && instance_of(analysis, &occurrence.symbol).is_none()).then(
        || PrepareRenameResponse::Range(position::range(occurrence.span, &analysis.sources, enc)),
    )
}

pub fn rename(server: &mut Server, params: RenameParams) -> Result<Option<WorkspaceEdit>, String> {
    let enc = server.encoding();
    let Some((analysis, occurrence)) = occurrence_at(server, &params.text_document_position) else {
        return Ok(None);
    };
    if !renamable(&occurrence.symbol) {
        return Err(
            "only variables, secrets, flags, environments, services and types can be renamed"
                .into(),
        );
    }
    if let (Some(base), Symbol::Env(name)) = (
        instance_of(analysis, &occurrence.symbol),
        &occurrence.symbol,
    ) {
        return Err(format!(
            "`{name}` is an instance of `{base}`, named after its parameter values: rename `{base}` or change the values"
        ));
    }
    if !valid_name(&occurrence.symbol, &params.new_name) {
        return Err(format!("`{}` is not a valid name", params.new_name));
    }
    let mut changes: HashMap<Url, Vec<TextEdit>> = HashMap::new();
    for o in analysis.index.references(&occurrence.symbol) {
        if let Some(loc) = location(o.span, &analysis.sources, enc) {
            changes.entry(loc.uri).or_default().push(TextEdit {
                range: loc.range,
                new_text: params.new_name.clone(),
            });
        }
    }
    Ok(Some(WorkspaceEdit {
        changes: Some(changes),
        ..WorkspaceEdit::default()
    }))
}

#[allow(deprecated)] // `SymbolInformation::deprecated` is a required field.
pub fn symbols(
    server: &mut Server,
    params: DocumentSymbolParams,
) -> Option<DocumentSymbolResponse> {
    let enc = server.encoding();
    let uri = params.text_document.uri.clone();
    let (analysis, file) = server.analysis_for(&uri)?;
    let items = analysis
        .index
        .occurrences()
        .iter()
        .filter(|o| o.role == Role::Definition && o.span.file == file)
        .filter_map(|o| {
            let (name, kind) = match &o.symbol {
                Symbol::Var(id) => (
                    analysis.program.vars.get_index(id.index())?.0.clone(),
                    SymbolKind::VARIABLE,
                ),
                Symbol::Env(name) => (name.clone(), SymbolKind::NAMESPACE),
                Symbol::Service(name) => (name.clone(), SymbolKind::CLASS),
                Symbol::Type(name) => (name.clone(), SymbolKind::TYPE_PARAMETER),
                _ => return None,
            };
            Some(SymbolInformation {
                name,
                kind,
                tags: None,
                deprecated: None,
                location: Location {
                    uri: uri.clone(),
                    range: position::range(o.span, &analysis.sources, enc),
                },
                container_name: None,
            })
        })
        .collect();
    Some(DocumentSymbolResponse::Flat(items))
}

pub fn formatting(server: &mut Server, params: DocumentFormattingParams) -> Option<Vec<TextEdit>> {
    let enc = server.encoding();
    let text = server.text_of(&params.text_document.uri)?;
    let formatted = crate::fmt::format(FileId(0), &text).ok()?;
    if formatted == text {
        return Some(Vec::new());
    }
    Some(vec![TextEdit {
        range: Range {
            start: Position::new(0, 0),
            end: position::position(&text, text.len(), enc),
        },
        new_text: formatted,
    }])
}

/// Quick fixes: each machine-applicable suggestion of a diagnostic in the range.
pub fn code_actions(
    server: &mut Server,
    params: CodeActionParams,
) -> Option<Vec<CodeActionOrCommand>> {
    let enc = server.encoding();
    let uri = params.text_document.uri.clone();
    let (analysis, file) = server.analysis_for(&uri)?;
    let text = &analysis.sources.get(file).text;
    let want = (
        position::offset(text, params.range.start, enc),
        position::offset(text, params.range.end, enc),
    );
    let mut actions = Vec::new();
    for d in &analysis.diagnostics {
        let Some(span) = d.primary_span() else {
            continue;
        };
        if span.file != file || (span.end as usize) < want.0 || (span.start as usize) > want.1 {
            continue;
        }
        for s in &d.suggestions {
            let Some(loc) = location(s.span, &analysis.sources, enc) else {
                continue;
            };
            let mut changes = HashMap::new();
            changes.insert(
                loc.uri,
                vec![TextEdit {
                    range: loc.range,
                    new_text: s.replacement.clone(),
                }],
            );
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: s.message.clone(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![to_lsp_diagnostic(d, &analysis.sources, enc)]),
                edit: Some(WorkspaceEdit {
                    changes: Some(changes),
                    ..WorkspaceEdit::default()
                }),
                is_preferred: Some(
                    s.applicability == crate::diagnostics::Applicability::MachineApplicable,
                ),
                ..CodeAction::default()
            }));
        }
    }
    Some(actions)
}
