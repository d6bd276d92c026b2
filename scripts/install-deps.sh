#!/usr/bin/env bash
# Installs what wasm_mt needs to build and test, on Debian 12 (or uses what is there).
#   scripts/install-deps.sh            toolchain: Emscripten, nlohmann/json, Catch2, CMake
#   scripts/install-deps.sh --browsers also Chromium, Firefox ESR, WebKitGTK + Xvfb
#   scripts/install-deps.sh --fuzz     also a native clang with libFuzzer and sanitizers
# An Emscripten SDK already on PATH (emcc) is used as it is.
set -euo pipefail

want_browsers=0
want_fuzz=0
for arg in "$@"; do
  case "$arg" in
    --browsers) want_browsers=1 ;;
    --fuzz) want_fuzz=1 ;;
    *) echo "usage: $0 [--browsers] [--fuzz]" >&2; exit 2 ;;
  esac
done

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v emcc >/dev/null 2>&1 || missing+=(emscripten)
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
[ -f /usr/include/nlohmann/json.hpp ] || [ -f /usr/local/include/nlohmann/json.hpp ] || missing+=(nlohmann-json3-dev)
[ -f /usr/include/catch2/catch.hpp ] || [ -f /usr/local/include/catch2/catch.hpp ] || missing+=(catch2)
if [ "$want_browsers" = 1 ]; then
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v firefox-esr >/dev/null 2>&1 || missing+=(firefox-esr)
  command -v WebKitWebDriver >/dev/null 2>&1 || missing+=(webkit2gtk-driver)
  command -v xvfb-run >/dev/null 2>&1 || missing+=(xvfb xauth)
fi

if [ "$want_fuzz" = 1 ]; then
  command -v clang++-14 >/dev/null 2>&1 || command -v clang++ >/dev/null 2>&1 || missing+=(clang-14)
  ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 || missing+=(libclang-rt-14-dev)
fi

if [ "${#missing[@]}" -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "wasm_mt: missing ${missing[*]} and no apt-get here: install them yourself." >&2
    exit 1
  fi
  echo "wasm_mt: installing ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
