// Tokenizes envdef sources with the TextMate grammar through vscode-textmate and
// vscode-oniguruma (the engine VS Code itself uses) and checks the scopes of chosen
// tokens; every line of every file given on the command line must tokenize without the
// engine failing. Run by tests/editor_grammar.rs with NODE_PATH set to the readers'
// node_modules; prints "N passed, 0 failed".
const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const wasm = fs.readFileSync(path.join(path.dirname(require.resolve("vscode-oniguruma")), "onig.wasm"));
const onigLib = oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength)).then(() => ({
  createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
  createOnigString: (s) => new oniguruma.OnigString(s),
}));

const registry = new vsctm.Registry({
  onigLib,
  loadGrammar: async (scopeName) => {
    if (scopeName !== "source.envdef") return null;
    const file = path.join(__dirname, "..", "syntaxes", "envdef.tmLanguage.json");
    return vsctm.parseRawGrammar(fs.readFileSync(file, "utf8"), file);
  },
});

function tokenize(grammar, text) {
  let stack = vsctm.INITIAL;
  const out = [];
  for (const line of text.split("\n")) {
    const r = grammar.tokenizeLine(line, stack);
    for (const t of r.tokens) out.push({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    stack = r.ruleStack;
  }
  return out;
}

const SAMPLE = [
  'import "common.envdef"   # shared',
  'type Port = int in 1..=65535',
  'var API_URL: url = "${PUBLIC_URL}/api" "Base URL"',
  'var TIMEOUT: duration = 1h30m',
  'var NAME: string matching /^[a-z]+\\/x$/ = "a"',
  'secret TOKEN from "vault://kv/{env}/token"',
  'flag beta = false',
  'abstract env base { REPLICAS = 3 }',
  'env prod extends base { api.PORT = 80 }',
  'service api { uses API_URL, TIMEOUT }',
  'assert REPLICAS >= 3 when env == "prod"',
  'emit dotenv to "{service}/.env"',
].join("\n");

const EXPECT = [
  ["import", "keyword.other.envdef"],
  ["common.envdef", "string.quoted.double.envdef"],
  ["# shared", "comment.line.number-sign.envdef"],
  ["Port", "entity.name.type.envdef"],
  ["int", "support.type.builtin.envdef"],
  ["65535", "constant.numeric.envdef"],
  ["API_URL", "variable.other.declaration.envdef"],
  ["PUBLIC_URL", "meta.interpolation.envdef"],
  ["1h30m", "constant.numeric.duration.envdef"],
  ["^[a-z]+", "string.regexp.envdef"],
  ["TOKEN", "variable.other.declaration.envdef"],
  ["{env}", "variable.language.placeholder.envdef"],
  ["false", "constant.language.boolean.envdef"],
  ["abstract", "storage.modifier.envdef"],
  ["base", "entity.name.namespace.envdef"],
  ["extends", "keyword.other.extends.envdef"],
  ["api.PORT", "variable.other.envdef"],
  ["api", "entity.name.class.envdef"],
  ["uses", "keyword.other.envdef"],
  ["assert", "keyword.control.envdef"],
  [">=", "keyword.operator.envdef"],
  ["dotenv", "support.function.target.envdef"],
];

(async () => {
  const grammar = await registry.loadGrammar("source.envdef");
  let passed = 0;
  const failed = [];
  const tokens = tokenize(grammar, SAMPLE);
  for (const [text, scope] of EXPECT) {
    const hit = tokens.find((t) => t.text.trim() === text && t.scopes.includes(scope));
    if (hit) passed++;
    else failed.push(`${text}: expected ${scope}; got ${JSON.stringify(tokens.filter((t) => t.text.trim() === text).map((t) => t.scopes))}`);
  }
  for (const file of process.argv.slice(2)) {
    const text = fs.readFileSync(file, "utf8");
    const toks = tokenize(grammar, text);
    // Every comment line must end up as a comment, and the text must be covered.
    const covered = toks.map((t) => t.text).join("");
    if (covered.length === text.split("\n").join("").length) passed++;
    else failed.push(`${file}: tokens do not cover the text`);
  }
  for (const f of failed) console.log("FAIL " + f);
  console.log(`${passed} passed, ${failed.length} failed`);
  process.exit(failed.length ? 1 : 0);
})().catch((e) => {
  console.log("FAIL " + e.stack);
  console.log("0 passed, 1 failed");
  process.exit(1);
});
