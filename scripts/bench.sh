#!/usr/bin/env bash
# Builds wasm_mt and runs its benchmarks headless in Chromium, Firefox and WebKit, and in Node,
# against raw postMessage, Comlink, workerpool and native code. Writes
# build/bench-results/results.json, report.html and report.png; prints each goal's verdict.
# Exits non-zero only when something failed to run. --quick: every measurement, few and
# small, to check that the set runs (the test suite does that); --engines, --out: bench/run.mjs.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/install-deps.sh" --browsers
source "$here/env.sh"
wasm_mt_build
# test/browser: the engine adapters the bench shares with the tests.
wasm_mt_npm_ci "$WASM_MT_ROOT/bench" "$WASM_MT_ROOT/test/browser"
exec node "$WASM_MT_ROOT/bench/run.mjs" --build "$WASM_MT_BUILD" "$@"
