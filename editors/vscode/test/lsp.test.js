// `envdef lsp` driven by vscode-languageserver-protocol, the protocol library VS Code's own
// language client is built on (its JSON-RPC framing, message types and request shapes):
// initialize, open, a change with a mistake, hover, definition across an import,
// completion, rename, formatting, a quick fix, shutdown and exit. Each step is timed.
//
//   node editors/vscode/test/lsp.test.js ENVDEF_BINARY
//
// Run by tests/editor_lsp.rs with NODE_PATH pointing at the modules that
// scripts/install-readers.sh installs. Prints "N passed, M failed"; exit 1 on a failure.
"use strict";

const assert = require("assert");
const cp = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { pathToFileURL } = require("url");
const rpc = require("vscode-languageserver-protocol/node");

const TYPES = `type Port = int in 1..=65535
var API_URL: url = "https://api.example.com" "where the API lives"
`;
const MAIN = `import "types.envdef"
var HTTP_PORT: Port = 8080

env dev {
  HTTP_PORT = 3000
}
env prod extends dev {
  API_URL = "https://api.prod.example.com"
}
service api { uses HTTP_PORT, API_URL }
emit dotenv to "{service}.{env}.env"
`;

const binary = process.argv[2];
if (!binary) {
  console.error("usage: node lsp.test.js ENVDEF_BINARY");
  process.exit(2);
}

const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "envdef-lsp-")));
fs.writeFileSync(path.join(dir, "types.envdef"), TYPES);
fs.writeFileSync(path.join(dir, "main.envdef"), MAIN);
const uri = (name) => pathToFileURL(path.join(dir, name)).href;
const main = uri("main.envdef");
const types = uri("types.envdef");

const child = cp.spawn(binary, ["lsp"], { cwd: dir, stdio: ["pipe", "pipe", "inherit"] });
const connection = rpc.createProtocolConnection(
  new rpc.StreamMessageReader(child.stdout),
  new rpc.StreamMessageWriter(child.stdin),
);

// publishDiagnostics per URI, delivered in order to whoever waits for the next one.
const published = new Map();
const waiting = new Map();
connection.onNotification(rpc.PublishDiagnosticsNotification.type, (params) => {
  const waiter = (waiting.get(params.uri) || []).shift();
  if (waiter) waiter(params.diagnostics);
  else published.set(params.uri, [...(published.get(params.uri) || []), params.diagnostics]);
});
connection.listen();

function nextDiagnostics(forUri) {
  const queued = published.get(forUri) || [];
  if (queued.length > 0) return Promise.resolve(queued.shift());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no diagnostics for ${forUri}`)), 60000);
    const list = waiting.get(forUri) || [];
    list.push((d) => {
      clearTimeout(timer);
      resolve(d);
    });
    waiting.set(forUri, list);
  });
}

let passed = 0;
let failed = 0;
async function step(name, body) {
  const started = process.hrtime.bigint();
  try {
    await body();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    passed += 1;
    console.log(`ok   ${name} (${ms.toFixed(1)} ms)`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
  }
}

let version = 1;
function change(text) {
  version += 1;
  return connection.sendNotification(rpc.DidChangeTextDocumentNotification.type, {
    textDocument: { uri: main, version },
    contentChanges: [{ text }],
  });
}
const at = (line, character) => ({ line, character });

(async () => {
  await step("initialize negotiates UTF-16 and advertises the features", async () => {
    const result = await connection.sendRequest(rpc.InitializeRequest.type, {
      processId: process.pid,
      rootUri: pathToFileURL(dir).href,
      capabilities: { general: { positionEncodings: ["utf-16"] } },
      workspaceFolders: [{ uri: pathToFileURL(dir).href, name: "ws" }],
    });
    const caps = result.capabilities;
    assert.strictEqual(caps.positionEncoding, "utf-16");
    for (const feature of [
      "hoverProvider",
      "definitionProvider",
      "referencesProvider",
      "completionProvider",
      "renameProvider",
      "documentFormattingProvider",
      "codeActionProvider",
      "documentSymbolProvider",
    ]) {
      assert.ok(caps[feature], `${feature} is advertised`);
    }
    await connection.sendNotification(rpc.InitializedNotification.type, {});
  });

  await step("open: a clean program has no diagnostics", async () => {
    await connection.sendNotification(rpc.DidOpenTextDocumentNotification.type, {
      textDocument: { uri: main, languageId: "envdef", version, text: MAIN },
    });
    assert.deepStrictEqual(await nextDiagnostics(main), []);
  });

  await step("change: a range error is reported at its UTF-16 position, with its docs link", async () => {
    await change(MAIN.replace("  HTTP_PORT = 3000", "  HTTP_PORT = 70000 # 😀"));
    const diagnostics = await nextDiagnostics(main);
    const error = diagnostics.find((d) => d.code === "E0305");
    assert.ok(error, JSON.stringify(diagnostics));
    assert.strictEqual(error.severity, rpc.DiagnosticSeverity.Error);
    assert.deepStrictEqual(error.range, { start: at(4, 14), end: at(4, 19) });
    assert.match(error.codeDescription.href, /errors\.md#e0305$/);
    assert.strictEqual(error.relatedInformation[0].location.uri, types);
  });

  await step("change back: clean again", async () => {
    await change(MAIN);
    assert.deepStrictEqual(await nextDiagnostics(main), []);
  });

  await step("hover: doc and the value in every environment", async () => {
    const hover = await connection.sendRequest(rpc.HoverRequest.type, {
      textDocument: { uri: main },
      position: at(9, 32),
    });
    const text = hover.contents.value;
    assert.match(text, /where the API lives/);
    assert.match(text, /\| prod \| `"https:\/\/api\.prod\.example\.com"` \| prod \(main\.envdef:8\) \|/);
  });

  await step("definition across the import", async () => {
    const location = await connection.sendRequest(rpc.DefinitionRequest.type, {
      textDocument: { uri: main },
      position: at(9, 32),
    });
    const target = Array.isArray(location) ? location[0] : location;
    assert.strictEqual(target.uri, types);
    assert.deepStrictEqual(target.range, { start: at(1, 4), end: at(1, 11) });
  });

  await step("completion in an environment block offers the variables", async () => {
    const result = await connection.sendRequest(rpc.CompletionRequest.type, {
      textDocument: { uri: main },
      position: at(4, 2),
    });
    const items = Array.isArray(result) ? result : result.items;
    const labels = items.map((i) => i.label);
    assert.ok(labels.includes("HTTP_PORT") && labels.includes("API_URL"), labels.join(", "));
  });

  await step("rename edits both files", async () => {
    const edit = await connection.sendRequest(rpc.RenameRequest.type, {
      textDocument: { uri: main },
      position: at(7, 3),
      newName: "PUBLIC_API_URL",
    });
    assert.strictEqual(edit.changes[types].length, 1);
    assert.strictEqual(edit.changes[main].length, 2);
    assert.ok(edit.changes[main].every((e) => e.newText === "PUBLIC_API_URL"));
  });

  await step("formatting returns the canonical text", async () => {
    await change(MAIN.replace("  HTTP_PORT = 3000", "      HTTP_PORT   =   3000"));
    await nextDiagnostics(main);
    const edits = await connection.sendRequest(rpc.DocumentFormattingRequest.type, {
      textDocument: { uri: main },
      options: { tabSize: 2, insertSpaces: true },
    });
    assert.ok(edits.length > 0);
    assert.match(edits[0].newText, /\n {2}HTTP_PORT = 3000\n/);
  });

  await step("a quick fix for `:` instead of `=`", async () => {
    await change(MAIN.replace("  HTTP_PORT = 3000", "  HTTP_PORT: 3000"));
    const diagnostics = await nextDiagnostics(main);
    assert.strictEqual(diagnostics[0].code, "E0118");
    const actions = await connection.sendRequest(rpc.CodeActionRequest.type, {
      textDocument: { uri: main },
      range: diagnostics[0].range,
      context: { diagnostics },
    });
    const fix = actions[0].edit.changes[main][0];
    assert.strictEqual(fix.newText, " =");
    assert.deepStrictEqual(fix.range, { start: at(4, 11), end: at(4, 12) });
  });

  await step("shutdown and exit end the server with status 0", async () => {
    await connection.sendRequest(rpc.ShutdownRequest.type);
    const exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
    await connection.sendNotification(rpc.ExitNotification.type);
    assert.strictEqual(await exited, 0);
  });

  connection.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
})().catch((e) => {
  console.log(`FAIL ${e && e.stack ? e.stack : e}`);
  child.kill();
  process.exit(1);
});
