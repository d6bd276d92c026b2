#!/usr/bin/env bash
# Builds wasm_mt and its demos, runs the Node quickstart, then serves the browser demos
# on 127.0.0.1 (no COOP/COEP headers) until stopped. PORT=... picks the port (default
# 8000; 0 for any free one).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/install-deps.sh"
source "$here/env.sh"
wasm_mt_build
echo
echo "== quickstart under Node (demos/quickstart/main.cpp) =="
node "$WASM_MT_BUILD/demos/quickstart/quickstart.js"
echo
echo "== browser demos: exec, fib, executors, julia, arraybuffers =="
exec node "$WASM_MT_ROOT/scripts/serve.mjs" "$WASM_MT_BUILD/demos" "${PORT:-8000}"
