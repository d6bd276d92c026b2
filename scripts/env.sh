# Sourced by the scripts: the environment every emcc/em++ call needs.
# Debian's emcc runs its JS optimizer with the machine's node, which finds acorn only in
# Debian's node modules.
if [ -d /usr/share/nodejs ]; then
  export NODE_PATH="/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}"
fi
WASM_MT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WASM_MT_BUILD="${WASM_MT_BUILD:-$WASM_MT_ROOT/build}"
WASM_MT_JOBS="${WASM_MT_JOBS:-2}"

# Configures (once) and builds the tree into $WASM_MT_BUILD. WASM_MT_CMAKE_ARGS adds
# configure options, e.g. WASM_MT_CMAKE_ARGS=-DWASM_MT_EXCEPTIONS=wasm (with its own
# WASM_MT_BUILD directory).
wasm_mt_build() {
  if [ ! -f "$WASM_MT_BUILD/CMakeCache.txt" ]; then
    # shellcheck disable=SC2086
    emcmake cmake -S "$WASM_MT_ROOT" -B "$WASM_MT_BUILD" -DCMAKE_BUILD_TYPE=Release ${WASM_MT_CMAKE_ARGS:-}
  fi
  cmake --build "$WASM_MT_BUILD" -j "$WASM_MT_JOBS"
}

# Installs the npm dev dependencies of each directory given (bench/, test/browser/),
# where they are not installed yet.
wasm_mt_npm_ci() {
  local dir
  for dir in "$@"; do
    if [ ! -d "$dir/node_modules/playwright-core" ]; then
      npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error || return 1
    fi
  done
}
