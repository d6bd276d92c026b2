#!/usr/bin/env bash
# Builds wasm_mt and runs its benchmarks headless in Chromium, Firefox and WebKit, and in Node,
# against raw postMessage, Comlink, workerpool and native code. Writes
# build/bench-results/results.json, report.html and report.png; prints each goal's verdict.
# Exits non-zero only when something failed to run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/install-deps.sh" --browsers
source "$here/env.sh"
wasm_mt_build
bench_dir="$WASM_MT_ROOT/bench"
browser_dir="$WASM_MT_ROOT/test/browser"  # the engine adapters the bench shares with the tests
for dir in "$bench_dir" "$browser_dir"; do
  if [ ! -d "$dir/node_modules/playwright-core" ]; then
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
  fi
done
exec node "$bench_dir/run.mjs" --build "$WASM_MT_BUILD" "$@"
