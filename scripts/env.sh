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

# Installs the npm dev dependencies of each directory given (bench/, test/browser/,
# examples/vite/), where they are not installed yet or package-lock.json changed since.
wasm_mt_npm_ci() {
  local dir
  for dir in "$@"; do
    if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
      npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error || return 1
    fi
  done
}

# Bundles the example app from the wasm the build made, with Vite (examples/vite) and
# with webpack (examples/webpack), into $WASM_MT_BUILD/examples/{vite,webpack}/dist.
wasm_mt_bundle_examples() {
  wasm_mt_npm_ci "$WASM_MT_ROOT/examples/vite" "$WASM_MT_ROOT/examples/webpack" || return 1
  export WASM_MT_VITE_WASM_DIR="$WASM_MT_BUILD/examples/vite/wasm"
  (cd "$WASM_MT_ROOT/examples/vite" &&
    npx --no-install vite build --logLevel warn --outDir "$WASM_MT_BUILD/examples/vite/dist" --emptyOutDir) || return 1
  (cd "$WASM_MT_ROOT/examples/webpack" &&
    npx --no-install webpack --output-path "$WASM_MT_BUILD/examples/webpack/dist" --stats errors-warnings &&
    cp public/index.html "$WASM_MT_BUILD/examples/webpack/dist/")
}
