#!/usr/bin/env bash
# Builds the codec's fuzz target natively (clang, libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer) and runs it for a bounded time. The test command runs it
# briefly; run it longer by hand:  scripts/fuzz.sh --seconds 600
# Exits non-zero when the fuzzer finds an input the codec mishandles (saved in
# build/fuzz/ as crash-*: replay one with  build/fuzz/codec_fuzz build/fuzz/crash-...).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
seconds=20
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    *) echo "usage: $0 [--seconds N]" >&2; exit 2 ;;
  esac
done
"$here/install-deps.sh" --fuzz
source "$here/env.sh"
out="$WASM_MT_BUILD/fuzz"
mkdir -p "$out/corpus"
cxx="$(command -v clang++-14 || command -v clang++)"
target="$out/codec_fuzz"
sources=("$WASM_MT_ROOT/test/fuzz/codec_fuzz.cpp" "$WASM_MT_ROOT/lib/src/json_text.cpp" "$WASM_MT_ROOT/lib/src/deep_json.cpp"
         "$WASM_MT_ROOT/lib/src/payload.cpp" "$WASM_MT_ROOT/lib/src/records.cpp" "$WASM_MT_ROOT/lib/src/error.cpp" "$WASM_MT_ROOT/lib/src/bytes.cpp")
if [ ! -x "$target" ] || [ -n "$(find "${sources[@]}" "$WASM_MT_ROOT/lib/include" -newer "$target" -print -quit)" ]; then
  flags=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all)
  # (Each source on its own, $WASM_MT_JOBS at a time, then linked.)
  mkdir -p "$out/objects"
  printf '%s\n' "${sources[@]}" | xargs -P "$WASM_MT_JOBS" -I{} sh -c \
    'objects="$1" source="$2"; shift 2; exec "$@" -c "$source" -o "$objects/$(basename "$source").o"' \
    sh "$out/objects" {} "$cxx" "${flags[@]}" -I"$WASM_MT_ROOT/lib/include"
  objects=()
  for source in "${sources[@]}"; do objects+=("$out/objects/$(basename "$source").o"); done
  "$cxx" "${flags[@]}" "${objects[@]}" -o "$target"
fi
cd "$out"
echo "fuzz: codec_fuzz for ${seconds} s (differential against nlohmann/json, ASan + UBSan)"
"$target" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 corpus "$WASM_MT_ROOT/test/fuzz/corpus" 2>&1 \
  | grep -E "^#|stat::number_of_executed_units|ERROR|disagree|SUMMARY|Done" | tail -4
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then echo "fuzz: FAILED (see $out)"; exit 1; fi
echo "fuzz: passed"
