// Test helpers: block a test until a future settles, with a deadline, so a request that
// never settles fails its test instead of hanging the run.
#pragma once

#include <catch2/catch.hpp>
#include <emscripten/emscripten.h>

#include <string>

#include <wasm_mt/wasm_mt.hpp>

namespace test {

constexpr double default_timeout_ms = 20000;

// True once `f` settled; false if `timeout_ms` passed first.
template <class T>
bool settles_within(const wasm_mt::future<T>& f, double timeout_ms = default_timeout_ms) {
  const double start = emscripten_get_now();
  while (!f.ready()) {
    if (emscripten_get_now() - start > timeout_ms) return false;
    emscripten_sleep(1);
  }
  return true;
}

// The value of `f` (rethrows its error); fails the test if it does not settle in time.
template <class T>
T wait_for(wasm_mt::future<T> f, double timeout_ms = default_timeout_ms) {
  if (!settles_within(f, timeout_ms)) FAIL("request did not settle within " << timeout_ms << " ms");
  return f.get();
}

// The error `f` fails with; fails the test if it succeeds or does not settle.
template <class T>
wasm_mt::error wait_for_error(wasm_mt::future<T> f, double timeout_ms = default_timeout_ms) {
  if (!settles_within(f, timeout_ms)) FAIL("request did not settle within " << timeout_ms << " ms");
  try {
    f.get();
  } catch (const wasm_mt::error& e) {
    return e;
  }
  FAIL("expected a wasm_mt::error, the request succeeded");
  throw;  // unreachable
}

inline wasm_mt::thread spawn(std::string label = "test") { return wait_for(wasm_mt::thread::spawn(std::move(label))); }

// A file of the build tree (test programs), read through the same helper apps use.
inline wasm_mt::bytes read_file(const std::string& path) { return wait_for(wasm_mt::fetch_bytes(path)); }

}  // namespace test
