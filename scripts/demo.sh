#!/usr/bin/env bash
# Builds wasm_mt and runs its demo: closures on worker threads under Node.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/install-deps.sh"
source "$here/env.sh"
wasm_mt_build
node "$WASM_MT_BUILD/demos/quickstart.js"
