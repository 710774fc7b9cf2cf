//! Language-server latencies for the benchmark (see `docs/performance.md`).
//!
//! ```text
//! cargo run --release --example bench_lsp -- ENVDEF_BINARY FILE [--workspace DIR] [--runs N]
//! ```
//!
//! Starts `ENVDEF_BINARY lsp` with DIR (default: FILE's directory) as the workspace folder,
//! as an editor that opened that folder, and drives it as an editor does, over
//! stdio with `Content-Length` framing:
//!
//! - `open`: `didOpen` of FILE until its first `publishDiagnostics`;
//! - `change`: a one-line edit (`didChange`, full text, as the server asks) until the
//!   diagnostics that follow it. The edits alternate between a mistake (an environment's
//!   assignment's variable name misspelt, which must come back as an error) and
//!   its repair (which must come back clean), so each one really re-checks the program;
//! - `hover`: `textDocument/hover` on the edited assignment's variable name.
//!
//! Output: one `LSP key=value …` line on stdout (medians and 90th percentiles in ms, over
//! `--runs` edits and hovers; default 30), and a readable summary on stderr. Exit 1 if the
//! server misbehaves (no answer within a minute, a mistake without an error, a repair
//! with one).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitCode, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

struct Server {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
}

fn read_message(reader: &mut BufReader<ChildStdout>) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

impl Server {
    fn start(binary: &Path, dir: &Path) -> Result<Server, String> {
        let mut child = Command::new(binary)
            .arg("lsp")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let mut stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        let (tx, incoming) = channel();
        // A reader thread, so that a message is parsed as soon as it arrives while the
        // main thread waits on the channel with its clock running.
        std::thread::spawn(move || {
            while let Some(message) = read_message(&mut stdout) {
                if tx.send(message).is_err() {
                    break;
                }
            }
        });
        Ok(Server {
            child,
            stdin,
            incoming,
            next_id: 1,
        })
    }

    fn send(&mut self, message: &Value) -> Result<(), String> {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len())
            .and_then(|()| self.stdin.flush())
            .map_err(|e| format!("writing to the server: {e}"))
    }

    fn recv(&mut self) -> Result<Value, String> {
        self.incoming
            .recv_timeout(Duration::from_secs(60))
            .map_err(|_| "the server did not answer within a minute".to_string())
    }

    fn request(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))?;
        loop {
            let message = self.recv()?;
            if message["id"] == json!(id) {
                if let Some(error) = message.get("error") {
                    return Err(format!("{method}: {error}"));
                }
                return Ok(message["result"].clone());
            }
        }
    }

    fn notify(&mut self, method: &str, params: Value) -> Result<(), String> {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}))
    }

    /// The next `publishDiagnostics` for `uri`: its diagnostics.
    fn diagnostics_for(&mut self, uri: &str) -> Result<Vec<Value>, String> {
        loop {
            let message = self.recv()?;
            if message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["uri"] == uri
            {
                return Ok(message["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default());
            }
        }
    }
}

/// The line to edit: an environment's assignment (`  NAME = value`). A misspelt name
/// (`NAMEX`) makes it an error that every checker must find; the original line repairs it.
/// Its index, and the misspelt line.
fn editable_line(text: &str) -> Option<(usize, String)> {
    let mut in_env = false;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("env ") || trimmed.starts_with("abstract env ") {
            in_env = true;
            continue;
        }
        if trimmed.starts_with('}') {
            in_env = false;
            continue;
        }
        let Some((name, _)) = trimmed.split_once(' ') else {
            continue;
        };
        let is_name = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
        if in_env && is_name && line.contains(" = ") {
            let indent = line.len() - trimmed.len();
            let misspelt = format!("{}{name}X{}", &line[..indent], &trimmed[name.len()..]);
            return Some((index, misspelt));
        }
    }
    None
}

fn with_line(text: &str, index: usize, replacement: &str) -> String {
    let mut out = String::with_capacity(text.len() + replacement.len());
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if i == index {
            out.push_str(replacement);
            if line.ends_with('\n') {
                out.push('\n');
            }
        } else {
            out.push_str(line);
        }
    }
    out
}

fn percentile(times: &mut [f64], p: f64) -> f64 {
    times.sort_by(f64::total_cmp);
    let rank = ((times.len() as f64 - 1.0) * p).round() as usize;
    times[rank]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn run(binary: &Path, file: &Path, workspace: Option<&Path>, runs: usize) -> Result<(), String> {
    // Absolute: the server runs in the file's directory.
    let binary = std::fs::canonicalize(binary).map_err(|e| format!("{}: {e}", binary.display()))?;
    let file = std::fs::canonicalize(file).map_err(|e| format!("{}: {e}", file.display()))?;
    // The workspace folder the editor opened: where the server looks for the file's root.
    let dir = match workspace {
        Some(dir) => std::fs::canonicalize(dir).map_err(|e| format!("{}: {e}", dir.display()))?,
        None => file.parent().unwrap_or(Path::new("/")).to_path_buf(),
    };
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let uri = format!("file://{}", file.display());
    let (edit_line, misspelt) = editable_line(&text).ok_or(
        "no environment assigns a variable (`  NAME = value`) in this file: nothing to edit",
    )?;
    let original_line = text.lines().nth(edit_line).unwrap_or("").to_string();
    // Hover on the edited assignment's name: a variable, with its values per environment.
    let (hover_line, hover_col) = (
        edit_line,
        original_line.len() - original_line.trim_start().len() + 1,
    );

    let mut server = Server::start(&binary, &dir)?;
    server.request(
        "initialize",
        json!({
            "processId": std::process::id(),
            "rootUri": format!("file://{}", dir.display()),
            "capabilities": {"general": {"positionEncodings": ["utf-16"]}},
        }),
    )?;
    server.notify("initialized", json!({}))?;

    let started = Instant::now();
    server.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "envdef", "version": 1, "text": text}}),
    )?;
    let initial = server.diagnostics_for(&uri)?;
    let open = ms(started.elapsed());
    let baseline_errors = initial.iter().filter(|d| d["severity"] == 1).count();
    if baseline_errors > 0 {
        return Err(format!(
            "{} has {baseline_errors} errors before any edit",
            file.display()
        ));
    }

    let broken = with_line(&text, edit_line, &misspelt);
    let mut changes = Vec::with_capacity(runs);
    for i in 0..runs {
        let mistake = i % 2 == 0;
        let new_text = if mistake { &broken } else { &text };
        let started = Instant::now();
        server.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": uri, "version": i + 2},
                "contentChanges": [{"text": new_text}],
            }),
        )?;
        let diagnostics = server.diagnostics_for(&uri)?;
        changes.push(ms(started.elapsed()));
        let errors = diagnostics.iter().filter(|d| d["severity"] == 1).count();
        if mistake && errors == 0 {
            return Err(format!(
                "line {} misspelt: no error reported (was `{original_line}`)",
                edit_line + 1
            ));
        }
        if !mistake && errors > 0 {
            return Err("the repaired text still has errors".to_string());
        }
    }
    // End on the original text, then hover.
    if runs % 2 == 1 {
        server.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": runs + 2}, "contentChanges": [{"text": text}]}),
        )?;
        server.diagnostics_for(&uri)?;
    }
    let mut hovers = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let result = server.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": hover_line, "character": hover_col}}),
        )?;
        hovers.push(ms(started.elapsed()));
        if result.is_null() {
            return Err(format!("no hover at line {}", hover_line + 1));
        }
    }
    server.request("shutdown", Value::Null)?;
    server.notify("exit", Value::Null)?;
    let _ = server.child.wait();

    let (change_median, change_p90) =
        (percentile(&mut changes, 0.5), percentile(&mut changes, 0.9));
    let (hover_median, hover_p90) = (percentile(&mut hovers, 0.5), percentile(&mut hovers, 0.9));
    println!(
        "LSP bytes={} open={open:.1} change={change_median:.1} change_p90={change_p90:.1} hover={hover_median:.2} hover_p90={hover_p90:.2}",
        text.len()
    );
    eprintln!(
        "{}: open {open:.1} ms; change → diagnostics median {change_median:.1} ms (p90 {change_p90:.1}); hover median {hover_median:.2} ms (p90 {hover_p90:.2}), {runs} runs",
        file.display()
    );
    Ok(())
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut positional: Vec<PathBuf> = Vec::new();
    let mut runs = 30usize;
    let mut workspace: Option<PathBuf> = None;
    while let Some(arg) = args.next() {
        if arg == "--workspace" {
            match args.next() {
                Some(dir) => workspace = Some(PathBuf::from(dir)),
                None => {
                    eprintln!("bench_lsp: --workspace takes a directory");
                    return ExitCode::from(2);
                }
            }
        } else if arg == "--runs" {
            match args.next().and_then(|n| n.parse().ok()) {
                Some(n) if n > 0 => runs = n,
                _ => {
                    eprintln!("bench_lsp: --runs takes a positive number");
                    return ExitCode::from(2);
                }
            }
        } else {
            positional.push(PathBuf::from(arg));
        }
    }
    let [binary, file] = positional.as_slice() else {
        eprintln!("usage: bench_lsp ENVDEF_BINARY FILE [--workspace DIR] [--runs N]");
        return ExitCode::from(2);
    };
    match run(binary, file, workspace.as_deref(), runs) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_lsp: {e}");
            ExitCode::FAILURE
        }
    }
}
