//! `envdef lsp`: a language server over stdio.
//!
//! Built on `lsp-server` (rust-analyzer's synchronous transport: a reader thread, a writer
//! thread and channels) and `lsp-types`: the front end is synchronous and fast (a fleet
//! checks in milliseconds), so an async runtime would add threads and dependencies and no
//! concurrency worth having. Requests are answered in order from the last analysis.
//!
//! Every open buffer is laid over the file system through an [`OverlayLoader`], and a
//! change re-runs the front end (`analyze`) on the buffer's *root*: the workspace file
//! that imports it (directly or not), or the buffer itself. Diagnostics are published for
//! every file of that program. Queries (hover, definition, references, completion,
//! rename, symbols) go through `crate::query` on the program and model of that analysis.

mod features;
mod position;
mod roots;
mod state;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use lsp_server::{Connection, ExtractError, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    CodeActionRequest, Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest,
    PrepareRenameRequest, References, Rename,
};
use lsp_types::{
    CodeActionProviderCapability, CompletionOptions, HoverProviderCapability, InitializeParams,
    OneOf, PublishDiagnosticsParams, RenameOptions, ServerCapabilities, ServerInfo,
    TextDocumentSyncCapability, TextDocumentSyncKind, Url,
};

use crate::source::OverlayLoader;
use crate::FsLoader;

pub use position::Encoding;
use state::{analyze, canonical, Server};

/// Runs the server on stdin/stdout until the client says `exit`.
pub fn run() -> Result<(), String> {
    let (connection, io_threads) = Connection::stdio();
    let result = serve(&connection);
    drop(connection);
    io_threads.join().map_err(|e| e.to_string())?;
    result
}

fn serve(connection: &Connection) -> Result<(), String> {
    let (id, params) = connection
        .initialize_start()
        .map_err(|e| format!("initialize: {e}"))?;
    let params: InitializeParams =
        serde_json::from_value(params).map_err(|e| format!("initialize params: {e}"))?;
    let encoding = Encoding::negotiate(
        params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_deref()),
    );
    let mut workspace: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|f| f.uri.to_file_path().ok())
        .collect();
    #[allow(deprecated)]
    if workspace.is_empty() {
        if let Some(path) = params.root_uri.as_ref().and_then(|u| u.to_file_path().ok()) {
            workspace.push(path);
        }
    }
    let result = serde_json::json!({
        "capabilities": capabilities(encoding),
        "serverInfo": ServerInfo { name: "envdef".into(), version: Some(env!("CARGO_PKG_VERSION").into()) },
    });
    connection
        .initialize_finish(id, result)
        .map_err(|e| format!("initialize: {e}"))?;
    let mut server = Server {
        encoding,
        open: BTreeMap::new(),
        loader: OverlayLoader::new(FsLoader),
        analyses: BTreeMap::new(),
        published: HashMap::new(),
        roots: roots::Roots::new(workspace),
        parsed: crate::resolve::ParseCache::new(),
    };
    loop {
        // Typing sends a change every keystroke: the front end answers each at once, and
        // the slower emit-stage checks wait until the editor has been quiet for a moment.
        let message = if server.emits_pending() {
            match connection.receiver.recv_timeout(EMIT_CHECK_IDLE) {
                Ok(message) => message,
                Err(timeout) if timeout.is_timeout() => {
                    if let Some(root) = server.check_emits_of_one_root() {
                        for out in server.publish_root(&root) {
                            send(connection, Message::Notification(out));
                        }
                    }
                    continue;
                }
                Err(_) => break,
            }
        } else {
            match connection.receiver.recv() {
                Ok(message) => message,
                Err(_) => break,
            }
        };
        match message {
            Message::Request(request) => {
                if connection
                    .handle_shutdown(&request)
                    .map_err(|e| e.to_string())?
                {
                    return Ok(());
                }
                let response = server.request(request);
                send(connection, Message::Response(response));
            }
            Message::Notification(notification) => {
                for out in server.notification(notification) {
                    send(connection, Message::Notification(out));
                }
            }
            Message::Response(_) => {}
        }
    }
    Ok(())
}

/// How long the editor must be quiet before the emit-stage checks run.
const EMIT_CHECK_IDLE: std::time::Duration = std::time::Duration::from_millis(300);

fn send(connection: &Connection, message: Message) {
    // The writer thread is gone only when the client closed stdout; the loop ends then.
    let _ = connection.sender.send(message);
}

fn capabilities(encoding: Encoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(encoding.kind()),
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec!["{".into(), ".".into(), " ".into()]),
            ..CompletionOptions::default()
        }),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        ..ServerCapabilities::default()
    }
}

/// Tries `request` as request type `R`; gives it back when it is another one.
fn cast<R>(request: Request) -> Result<(RequestId, R::Params), Request>
where
    R: lsp_types::request::Request,
{
    match request.extract(R::METHOD) {
        Ok(value) => Ok(value),
        Err(ExtractError::MethodMismatch(request)) => Err(request),
        Err(ExtractError::JsonError { method, error }) => {
            // Answered as invalid params below, under a method no handler matches.
            Err(Request::new(
                RequestId::from(0),
                format!("{method}: invalid params: {error}"),
                serde_json::Value::Null,
            ))
        }
    }
}

impl Server {
    fn request(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        let result = self.dispatch(request);
        match result {
            Ok(value) => Response::new_ok(id, value),
            Err((code, message)) => Response::new_err(id, code, message),
        }
    }

    fn dispatch(&mut self, request: Request) -> Result<serde_json::Value, (i32, String)> {
        let json = |v: serde_json::Result<serde_json::Value>| {
            v.map_err(|e| (lsp_server::ErrorCode::InternalError as i32, e.to_string()))
        };
        let request = match cast::<HoverRequest>(request) {
            Ok((_, p)) => return json(serde_json::to_value(features::hover(self, p))),
            Err(r) => r,
        };
        let request = match cast::<GotoDefinition>(request) {
            Ok((_, p)) => return json(serde_json::to_value(features::definition(self, p))),
            Err(r) => r,
        };
        let request = match cast::<References>(request) {
            Ok((_, p)) => return json(serde_json::to_value(features::references(self, p))),
            Err(r) => r,
        };
        let request = match cast::<Completion>(request) {
            Ok((_, p)) => return json(serde_json::to_value(features::completion(self, p))),
            Err(r) => r,
        };
        let request = match cast::<PrepareRenameRequest>(request) {
            Ok((_, p)) => return json(serde_json::to_value(features::prepare_rename(self, p))),
            Err(r) => r,
        };
        let request = match cast::<Rename>(request) {
            Ok((_, p)) => {
                return features::rename(self, p)
                    .map_err(|m| (lsp_server::ErrorCode::InvalidParams as i32, m))
                    .and_then(|edit| json(serde_json::to_value(edit)))
            }
            Err(r) => r,
        };
        let request = match cast::<DocumentSymbolRequest>(request) {
            Ok((_, p)) => return json(serde_json::to_value(features::symbols(self, p))),
            Err(r) => r,
        };
        let request = match cast::<Formatting>(request) {
            Ok((_, p)) => return json(serde_json::to_value(features::formatting(self, p))),
            Err(r) => r,
        };
        let request = match cast::<CodeActionRequest>(request) {
            Ok((_, p)) => return json(serde_json::to_value(features::code_actions(self, p))),
            Err(r) => r,
        };
        Err((
            lsp_server::ErrorCode::MethodNotFound as i32,
            format!("unsupported request `{}`", request.method),
        ))
    }

    fn notification(&mut self, notification: Notification) -> Vec<Notification> {
        let changed = match notification.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(p) = notification
                    .extract::<lsp_types::DidOpenTextDocumentParams>(DidOpenTextDocument::METHOD)
                else {
                    return Vec::new();
                };
                self.set_buffer(&p.text_document.uri, Some(p.text_document.text))
            }
            DidChangeTextDocument::METHOD => {
                let Ok(p) = notification.extract::<lsp_types::DidChangeTextDocumentParams>(
                    DidChangeTextDocument::METHOD,
                ) else {
                    return Vec::new();
                };
                // Full sync: the last change holds the whole text.
                let text = p.content_changes.into_iter().last().map(|c| c.text);
                match text {
                    Some(text) => self.set_buffer(&p.text_document.uri, Some(text)),
                    None => None,
                }
            }
            DidCloseTextDocument::METHOD => {
                let Ok(p) = notification
                    .extract::<lsp_types::DidCloseTextDocumentParams>(DidCloseTextDocument::METHOD)
                else {
                    return Vec::new();
                };
                self.set_buffer(&p.text_document.uri, None)
            }
            DidSaveTextDocument::METHOD => {
                let Ok(p) = notification
                    .extract::<lsp_types::DidSaveTextDocumentParams>(DidSaveTextDocument::METHOD)
                else {
                    return Vec::new();
                };
                self.roots.invalidate();
                canonical(&p.text_document.uri)
            }
            _ => None,
        };
        match changed {
            Some(path) => self.reanalyze(&path),
            None => Vec::new(),
        }
    }

    /// Lays `text` over the file (or removes the buffer); returns its canonical path.
    fn set_buffer(&mut self, uri: &Url, text: Option<String>) -> Option<PathBuf> {
        let path = canonical(uri)?;
        match text {
            Some(text) => {
                let imports_changed = self.open.get(&path).map_or(true, |(_, old)| {
                    roots::imports(old) != roots::imports(&text)
                });
                if imports_changed {
                    self.roots.invalidate();
                }
                self.loader.insert(&path, text.clone());
                self.open.insert(path.clone(), (uri.clone(), text));
            }
            None => {
                self.loader.remove(&path);
                self.open.remove(&path);
                self.roots.invalidate();
            }
        }
        Some(path)
    }

    /// Re-runs the front end on the root of `path` and publishes its diagnostics.
    fn reanalyze(&mut self, path: &Path) -> Vec<Notification> {
        let root = self.roots.root_of(path, &self.loader);
        let Some(analysis) = analyze(&self.loader, &root, &mut self.parsed) else {
            return Vec::new();
        };
        let replaced = self.analyses.insert(root.clone(), analysis);
        let published = self.publish_root(&root);
        // Freeing the previous analysis of a large program (every value of every
        // environment) takes a noticeable share of a re-check: do it off the path of the
        // diagnostics the editor is waiting for.
        if let Some(old) = replaced {
            std::thread::spawn(move || drop(old));
        }
        published
    }

    /// The diagnostics of `root`'s last analysis, one notification per file, plus empty
    /// ones for the files that had diagnostics before and have none now.
    fn publish_root(&mut self, root: &Path) -> Vec<Notification> {
        let mut out = Vec::new();
        let Some(analysis) = self.analyses.get(root) else {
            return out;
        };
        let mut by_uri: BTreeMap<String, (Url, Vec<lsp_types::Diagnostic>)> = BTreeMap::new();
        for (_, file) in analysis.sources.files() {
            if let Ok(uri) = Url::from_file_path(&file.path) {
                by_uri.insert(uri.to_string(), (uri, Vec::new()));
            }
        }
        for d in &analysis.diagnostics {
            let Some(span) = d.primary_span() else {
                continue;
            };
            let file = analysis.sources.get(span.file);
            let Ok(uri) = Url::from_file_path(&file.path) else {
                continue;
            };
            let lsp = features::to_lsp_diagnostic(d, &analysis.sources, self.encoding);
            by_uri
                .entry(uri.to_string())
                .or_insert_with(|| (uri, Vec::new()))
                .1
                .push(lsp);
        }
        let now: HashSet<Url> = by_uri.values().map(|(u, _)| u.clone()).collect();
        let before = self.published.insert(root.to_path_buf(), now.clone());
        for uri in before.into_iter().flatten().filter(|u| !now.contains(u)) {
            out.push(publish(uri, Vec::new()));
        }
        for (_, (uri, diagnostics)) in by_uri {
            out.push(publish(uri, diagnostics));
        }
        out
    }
}

fn publish(uri: Url, diagnostics: Vec<lsp_types::Diagnostic>) -> Notification {
    Notification::new(
        PublishDiagnostics::METHOD.to_string(),
        PublishDiagnosticsParams {
            uri,
            diagnostics,
            version: None,
        },
    )
}
