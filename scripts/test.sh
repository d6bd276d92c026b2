#!/usr/bin/env bash
# Builds everything and runs all of wasm_mt's tests: the Node suite (ctest, real
# worker_threads), then the same test program in Chromium, Firefox and WebKit.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/install-deps.sh" --browsers || exit 1
source "$here/env.sh"
wasm_mt_build || exit 1

status=0
(cd "$WASM_MT_BUILD" && ctest --output-on-failure) || status=1

browser_dir="$WASM_MT_ROOT/test/browser"
if [ ! -d "$browser_dir/node_modules/playwright-core" ]; then
  npm ci --prefix "$browser_dir" --no-audit --no-fund --loglevel=error || exit 1
fi
node "$browser_dir/run.mjs" --build "$WASM_MT_BUILD" || status=1
exit $status
