#!/usr/bin/env bash
# Builds everything and runs all of wasm_mt's tests: the Node suite (ctest, real
# worker_threads), then the same test program, the demos, the setups users build and the
# example app bundled by Vite and by webpack in Chromium, Firefox and WebKit, then the codec's fuzz target for 30 s
# (scripts/fuzz.sh), then the benchmark command in its quick form (every measurement
# runs; figures not judged).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/install-deps.sh" --browsers --fuzz || exit 1
source "$here/env.sh"
wasm_mt_build || exit 1

status=0
(cd "$WASM_MT_BUILD" && ctest --output-on-failure) || status=1

wasm_mt_npm_ci "$WASM_MT_ROOT/test/browser" "$WASM_MT_ROOT/bench" || exit 1
wasm_mt_bundle_examples || status=1
node "$WASM_MT_ROOT/test/browser/run.mjs" --build "$WASM_MT_BUILD" || status=1
"$here/fuzz.sh" --seconds 30 || status=1
node "$WASM_MT_ROOT/test/bench-smoke.mjs" --build "$WASM_MT_BUILD" || status=1
exit $status
