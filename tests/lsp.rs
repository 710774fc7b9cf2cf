//! `envdef lsp` driven by a client over its stdio, as an editor does: JSON-RPC messages
//! with `Content-Length` framing written to the child's stdin and read from its stdout.
//! Covers initialize (UTF-16 positions), open, change with a mistake, hover with values per
//! environment, definition across an import, references, completion, rename across files,
//! document symbols, formatting, quick fixes, the root found for an imported file, and
//! shutdown/exit. Timings are in the benchmark (docs/performance.md), not asserted here.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use serde_json::{json, Value};

struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
    /// Notifications received while waiting for a response.
    notifications: Vec<Value>,
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

impl Client {
    fn start(dir: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_envdef"))
            .arg("lsp")
            .current_dir(dir)
            .env("ENVDEF_DOCS_URL", "https://example.invalid/docs/errors.md")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("envdef lsp starts");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, incoming) = channel();
        std::thread::spawn(move || {
            while let Some(message) = read_message(&mut stdout) {
                if tx.send(message).is_err() {
                    break;
                }
            }
        });
        Client {
            child,
            stdin,
            incoming,
            next_id: 1,
            notifications: Vec::new(),
        }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn recv(&mut self) -> Value {
        self.incoming
            .recv_timeout(Duration::from_secs(60))
            .expect("the server answers within a minute")
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self.recv();
            if message["id"] == json!(id) {
                assert!(message.get("error").is_none(), "{method}: {message}");
                return message["result"].clone();
            }
            self.notifications.push(message);
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next `publishDiagnostics` for `uri`.
    fn diagnostics_for(&mut self, uri: &str) -> Vec<Value> {
        loop {
            let message = match self.notifications.iter().position(|n| {
                n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri
            }) {
                Some(i) => self.notifications.remove(i),
                None => self.recv(),
            };
            if message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["uri"] == uri
            {
                return message["params"]["diagnostics"].as_array().unwrap().clone();
            }
            if message.get("id").is_none() {
                self.notifications.push(message);
            }
        }
    }
}

const TYPES: &str = r#"type Port = int in 1..=65535
var API_URL: url = "https://api.example.com" "where the API lives"
"#;

const MAIN: &str = r#"import "types.envdef"
var HTTP_PORT: Port = 8080

env dev {
  HTTP_PORT = 3000
}
env prod extends dev {
  API_URL = "https://api.prod.example.com"
}
service api { uses HTTP_PORT, API_URL }
emit dotenv to "{service}.{env}.env"
"#;

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn pos(line: u32, character: u32) -> Value {
    json!({"line": line, "character": character})
}

#[test]
fn an_editor_session() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    std::fs::write(root.join("types.envdef"), TYPES).unwrap();
    std::fs::write(root.join("main.envdef"), MAIN).unwrap();
    let main = uri(&root.join("main.envdef"));
    let types = uri(&root.join("types.envdef"));

    let mut c = Client::start(&root);
    let init = c.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": uri(&root),
            "capabilities": {"general": {"positionEncodings": ["utf-16"]}},
            "workspaceFolders": [{"uri": uri(&root), "name": "ws"}],
        }),
    );
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(init["capabilities"]["hoverProvider"], true);
    c.notify("initialized", json!({}));

    // Open: clean.
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": main, "languageId": "envdef", "version": 1, "text": MAIN}}),
    );
    assert_eq!(c.diagnostics_for(&main), Vec::<Value>::new());

    // A change with a mistake (an emoji before it: UTF-16 columns) and a half-typed line:
    // the range error is still reported, at its UTF-16 position.
    let broken = MAIN
        .replace("  HTTP_PORT = 3000", "  HTTP_PORT = 70000 # 😀")
        .replace(
            "env prod extends dev {",
            "var HALF: int =\nenv prod extends dev {",
        );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": main, "version": 2}, "contentChanges": [{"text": broken}]}),
    );
    let diagnostics = c.diagnostics_for(&main);
    let codes: Vec<&str> = diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"E0305"), "{diagnostics:?}");
    assert!(codes.contains(&"E0101"), "{diagnostics:?}");
    let e0305 = diagnostics.iter().find(|d| d["code"] == "E0305").unwrap();
    assert_eq!(
        e0305["range"],
        json!({"start": pos(4, 14), "end": pos(4, 19)})
    );
    assert_eq!(
        e0305["codeDescription"]["href"],
        "https://example.invalid/docs/errors.md#e0305"
    );
    // The type's label, in the imported file, is related information.
    assert_eq!(e0305["relatedInformation"][0]["location"]["uri"], types);

    // Back to the clean text.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": main, "version": 3}, "contentChanges": [{"text": MAIN}]}),
    );
    assert_eq!(c.diagnostics_for(&main), Vec::<Value>::new());

    // Hover on `API_URL` in `uses`: type, doc, value per environment and who set it.
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": main}, "position": pos(9, 32)}),
    );
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("where the API lives"), "{text}");
    assert!(
        text.contains("| dev | `\"https://api.example.com\"` | default (types.envdef:2) |"),
        "{text}"
    );
    assert!(
        text.contains("| prod | `\"https://api.prod.example.com\"` | prod (main.envdef:8) |"),
        "{text}"
    );

    // Definition across the import.
    let definition = c.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": main}, "position": pos(9, 32)}),
    );
    assert_eq!(definition["uri"], types);
    assert_eq!(
        definition["range"],
        json!({"start": pos(1, 4), "end": pos(1, 11)})
    );

    // References of `Port` (declared in types.envdef, used in main.envdef).
    let references = c.request(
        "textDocument/references",
        json!({"textDocument": {"uri": main}, "position": pos(1, 16), "context": {"includeDeclaration": true}}),
    );
    let uris: Vec<&str> = references
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["uri"].as_str().unwrap())
        .collect();
    assert_eq!(uris, [main.as_str(), types.as_str()]);

    // Completion of a variable in an environment block.
    let completion = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": main}, "position": pos(4, 2)}),
    );
    let labels: Vec<&str> = completion
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"HTTP_PORT") && labels.contains(&"API_URL"),
        "{labels:?}"
    );

    // Rename `API_URL` from its use: edits in both files.
    let rename = c.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": main}, "position": pos(7, 3), "newName": "PUBLIC_API_URL"}),
    );
    let changes = rename["changes"].as_object().unwrap();
    assert_eq!(changes[&types].as_array().unwrap().len(), 1);
    assert_eq!(changes[&main].as_array().unwrap().len(), 2);
    assert!(changes[&main]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["newText"] == "PUBLIC_API_URL"));

    // Document symbols.
    let symbols = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": main}}),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["HTTP_PORT", "dev", "prod", "api"]);

    // Formatting through `fmt`: the badly laid out buffer becomes the canonical text.
    let messy = MAIN.replace("  HTTP_PORT = 3000", "      HTTP_PORT   =   3000");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": main, "version": 4}, "contentChanges": [{"text": messy}]}),
    );
    c.diagnostics_for(&main);
    let edits = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": main}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let formatted = edits[0]["newText"].as_str().unwrap();
    assert!(formatted.contains("\n  HTTP_PORT = 3000\n"), "{formatted}");

    // A quick fix: `:` for `=` in an environment.
    let colon = MAIN.replace("  HTTP_PORT = 3000", "  HTTP_PORT: 3000");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": main, "version": 5}, "contentChanges": [{"text": colon}]}),
    );
    let diagnostics = c.diagnostics_for(&main);
    assert_eq!(diagnostics[0]["code"], "E0118");
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": main}, "range": diagnostics[0]["range"], "context": {"diagnostics": diagnostics}}),
    );
    let edit = &actions[0]["edit"]["changes"][&main][0];
    assert_eq!(edit["newText"], " =");
    assert_eq!(
        edit["range"],
        json!({"start": pos(4, 11), "end": pos(4, 12)})
    );

    // The imported file opened on its own is checked through its root: no false
    // "not declared", and a mistake in it is reported. (Earlier publications for it,
    // made with each analysis of main.envdef, are stale now.)
    c.notifications.clear();
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": types, "languageId": "envdef", "version": 1,
               "text": TYPES.replace("65535", "65535\nvar BAD: Port = 0")}}),
    );
    let diagnostics = c.diagnostics_for(&types);
    let codes: Vec<&str> = diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"E0305"), "{diagnostics:?}");

    let shutdown = c.request("shutdown", Value::Null);
    assert_eq!(shutdown, Value::Null);
    c.notify("exit", Value::Null);
    let status = c.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

/// A source with a promotion ladder over a parameterised matrix and a preview.
const LADDER: &str = r#"type Region = "eu" | "us"
var REGION: string = "local"
flag beta = false
env local { beta = true }
env staging { beta = true }
env production(region: Region) extends staging {
  REGION = "${region}"
}
env preview(branch) extends staging {}
promote local -> staging -> production-eu
assert REGION == region
"#;

/// Names in a `promote` ladder are environments for the editor: definition, references,
/// hover and completion, matrix instances (`production-eu`) included; an instance cannot
/// be renamed by itself, a declaration's parameter has a hover of its own.
#[test]
fn ladder_and_matrix_names_in_an_editor_session() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    std::fs::write(root.join("main.envdef"), LADDER).unwrap();
    let main = uri(&root.join("main.envdef"));
    let mut c = Client::start(&root);
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root),
               "capabilities": {"general": {"positionEncodings": ["utf-16"]}}}),
    );
    c.notify("initialized", json!({}));
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": main, "languageId": "envdef", "version": 1, "text": LADDER}}),
    );
    assert_eq!(c.diagnostics_for(&main), Vec::<Value>::new());
    let at =
        |line, character| json!({"textDocument": {"uri": main}, "position": pos(line, character)});

    // `staging` in the ladder: its declaration, and every use (extends, ladder).
    let definition = c.request("textDocument/definition", at(9, 19));
    assert_eq!(
        definition["range"],
        json!({"start": pos(4, 4), "end": pos(4, 11)})
    );
    let mut refs = at(9, 19);
    refs["context"] = json!({"includeDeclaration": true});
    let references = c.request("textDocument/references", refs);
    let lines: Vec<u64> = references
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["range"]["start"]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [4, 5, 8, 9], "{references}");

    // `production-eu`, a matrix instance: defined by the parameterised declaration.
    let definition = c.request("textDocument/definition", at(9, 32));
    assert_eq!(
        definition["range"],
        json!({"start": pos(5, 4), "end": pos(5, 14)})
    );
    let hover = c.request("textDocument/hover", at(9, 32));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("the instance of `production` with region = \"eu\""),
        "{text}"
    );
    assert!(
        text.contains("inherits: production-eu → production → staging"),
        "{text}"
    );
    let rename = c.request("textDocument/prepareRename", at(9, 32));
    assert_eq!(rename, Value::Null, "an instance is not renamed by itself");

    // The declaration's name is the declaration (not one of its instances).
    let hover = c.request("textDocument/hover", at(5, 6));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("inherits: production → staging"), "{text}");
    assert!(!text.contains("instance"), "{text}");

    // `region` in an assert: the parameter.
    let hover = c.request("textDocument/hover", at(10, 20));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("parameter of `production`"), "{text}");
    let definition = c.request("textDocument/definition", at(10, 20));
    assert_eq!(
        definition["range"],
        json!({"start": pos(5, 15), "end": pos(5, 21)})
    );

    // Completion after `->`: every environment, instances included.
    let mut typed = LADDER.replace(
        "promote local -> staging -> production-eu",
        "promote local -> staging -> pro",
    );
    typed.push('\n');
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": main, "version": 2}, "contentChanges": [{"text": typed}]}),
    );
    let completion = c.request("textDocument/completion", at(9, 31));
    let labels: Vec<&str> = completion
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    for name in [
        "local",
        "staging",
        "production",
        "production-eu",
        "production-us",
    ] {
        assert!(labels.contains(&name), "{labels:?}");
    }

    let shutdown = c.request("shutdown", Value::Null);
    assert_eq!(shutdown, Value::Null);
    c.notify("exit", Value::Null);
    assert!(c.child.wait().unwrap().success());
}

/// A workspace opened from an untrusted branch: the server reads through the same project
/// confinement as `envdef check`. An import of a file outside the project (or through a
/// committed symlink to it) is refused (E0215) and nothing of that file reaches a
/// diagnostic; a template outside it is E0420, as `check` reports it; and the emit-stage
/// mistakes `check` finds (an unknown target with its did-you-mean) show in the editor too.
#[test]
fn the_server_reads_nothing_outside_the_project() {
    const SECRET: &str = "AKIA_LSP_MUST_NOT_LEAK_0815";
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(dir.path()).unwrap();
    let root = base.join("proj");
    let outside = base.join("outside");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    for name in ["creds", "creds.envdef", "t.hbs"] {
        std::fs::write(outside.join(name), format!("{SECRET} = 1\n")).unwrap();
    }
    std::os::unix::fs::symlink(&outside, root.join("sub/link")).unwrap();
    let main = uri(&root.join("main.envdef"));

    let mut c = Client::start(&root);
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": {},
               "workspaceFolders": [{"uri": uri(&root), "name": "ws"}]}),
    );
    c.notify("initialized", json!({}));
    let body = "var PORT: int = 8080\nservice api { uses PORT }\nenv dev { }\n";
    let cases = [
        ("import \"../outside/creds.envdef\"\n", "E0215"),
        ("import \"../outside/creds\"\n", "E0215"),
        ("import \"sub/link/creds.envdef\"\n", "E0215"),
        (
            "emit leak to \"leak.txt\" { template = \"../outside/t.hbs\" }\n",
            "E0420",
        ),
        ("emit dotenvv to \"{service}.env\"\n", "E0407"),
    ];
    for (version, (line, code)) in cases.into_iter().enumerate() {
        let text = if line.starts_with("import") {
            format!("{line}{body}")
        } else {
            format!("{body}{line}")
        };
        std::fs::write(root.join("main.envdef"), &text).unwrap();
        let method = if version == 0 {
            "textDocument/didOpen"
        } else {
            "textDocument/didChange"
        };
        let params = if version == 0 {
            json!({"textDocument": {"uri": main, "languageId": "envdef", "version": 1, "text": text}})
        } else {
            json!({"textDocument": {"uri": main, "version": version + 1}, "contentChanges": [{"text": text}]})
        };
        c.notify(method, params);
        // The front end's diagnostics come at once; the emit stage's (E0407, E0420) once
        // the editor has been idle for a moment, in a second publication.
        let mut diagnostics = c.diagnostics_for(&main);
        for _ in 0..3 {
            if diagnostics.iter().any(|d| d["code"] == code) {
                break;
            }
            diagnostics = c.diagnostics_for(&main);
        }
        let codes: Vec<&str> = diagnostics
            .iter()
            .map(|d| d["code"].as_str().unwrap())
            .collect();
        assert!(codes.contains(&code), "{line}: {diagnostics:?}");
        if code == "E0407" {
            let unknown = diagnostics.iter().find(|d| d["code"] == code).unwrap();
            assert!(
                unknown["message"].as_str().unwrap().contains("`dotenv`"),
                "the editor shows check's did-you-mean: {unknown}"
            );
        }
        let everything: String = c
            .notifications
            .iter()
            .map(Value::to_string)
            .chain(diagnostics.iter().map(Value::to_string))
            .collect();
        assert!(!everything.contains(SECRET), "{line}: leaked {everything}");
        assert!(
            !everything.contains(&uri(&outside)),
            "{line}: diagnostics published for a file outside the project: {everything}"
        );
    }
    c.request("shutdown", Value::Null);
    c.notify("exit", Value::Null);
    c.child.wait().unwrap();
}
