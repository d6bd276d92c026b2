#!/usr/bin/env bash
# Builds everything and runs all of wasm_mt's tests: the Node suite (ctest, real
# worker_threads), then the same test program, the demos, the setups users build and the
# example app bundled by Vite and by webpack in Chromium, Firefox and WebKit, then the codec's fuzz target for 30 s
# (scripts/fuzz.sh), then the benchmark command in its quick form (every measurement
# runs; figures not judged). Each step's time is printed as it ends and in a table at
# the end (CI's budget: 25 minutes on an idle 2-core machine).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
start=$SECONDS
times=""

# step NAME COMMAND...: runs COMMAND, prints its time and outcome; returns its status.
step() {
  local name="$1" began=$SECONDS status
  shift
  echo "== $name"
  "$@"
  status=$?
  local took=$((SECONDS - began))
  local outcome=ok
  [ $status -eq 0 ] || outcome="FAILED ($status)"
  echo "== $name: ${took} s, $outcome"
  times+="$(printf '%-10s %5d s  %s' "$name" "$took" "$outcome")"$'\n'
  return $status
}

summary() {
  echo "== step times"
  printf '%s' "$times"
  printf '%-10s %5d s\n' total $((SECONDS - start))
}
trap summary EXIT

step install "$here/install-deps.sh" --browsers --fuzz || exit 1
source "$here/env.sh"
step build wasm_mt_build || exit 1

# Two at a time: the builds among the tests side by side; the Node suites run alone (RUN_SERIAL).
run_ctest() { (cd "$WASM_MT_BUILD" && ctest --output-on-failure -j "$WASM_MT_JOBS"); }

status=0
step ctest run_ctest || status=1
step npm wasm_mt_npm_ci "$WASM_MT_ROOT/test/browser" "$WASM_MT_ROOT/bench" || exit 1
step bundle wasm_mt_bundle_examples || status=1
step browsers node "$WASM_MT_ROOT/test/browser/run.mjs" --build "$WASM_MT_BUILD" || status=1
step fuzz "$here/fuzz.sh" --seconds 30 || status=1
step bench node "$WASM_MT_ROOT/test/bench-smoke.mjs" --build "$WASM_MT_BUILD" || status=1
exit $status
