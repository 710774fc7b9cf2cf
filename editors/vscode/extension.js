// Starts `envdef lsp` over stdio for every `.envdef` file; everything else (diagnostics,
// hover, definition, completion, rename, formatting, quick fixes) comes from the server.
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("envdef").get("path") || "envdef";
  const server = { command, args: ["lsp"], transport: TransportKind.stdio };
  client = new LanguageClient(
    "envdef",
    "envdef",
    { run: server, debug: server },
    { documentSelector: [{ scheme: "file", language: "envdef" }, { scheme: "untitled", language: "envdef" }] }
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
