#!/usr/bin/env bash
# Builds everything and runs all of wasm_mt's tests: the Node suite (ctest).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/install-deps.sh"
source "$here/env.sh"
wasm_mt_build
cd "$WASM_MT_BUILD"
ctest --output-on-failure
