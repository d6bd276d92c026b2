// Test cases whose body is a coroutine: ASYNC_TEST_CASE(name, tags) { ... co_await ... }.
//
// Catch2 runs test cases synchronously, and a wasm program cannot block while the event
// loop delivers worker replies (Asyncify could, but it cannot take native wasm
// exceptions, and the suite must run with both exception models). So test programs run
// in two phases (catch_main.cpp): first the bodies of the selected cases run one after
// another on the event loop, while what Catch2's macros report (CHECK, REQUIRE,
// CHECK_THAT, FAIL, INFO...) is recorded; then Catch2 runs its test cases as usual and
// each replays what its body recorded, ending the way the body ended (a failed REQUIRE,
// an exception, a timeout).
// Counts, failure messages and reporters are Catch2's own. SECTION and GENERATE are not
// supported in async bodies.
#pragma once

#include <catch2/catch.hpp>
#include <emscripten/emscripten.h>

#include <stdexcept>
#include <string>
#include <utility>

#include <wasm_mt/wasm_mt.hpp>

namespace test {

using async_body = wasm_mt::task<void> (*)();

// How long until() waits by default. (A whole case has --case-timeout, 60 s by default.)
constexpr double default_timeout_ms = 20000;

// Registers `body` as the test case `name`'s (static initialisation, by the macro).
bool register_async_body(const char* name, async_body body);
// Replays the recorded run of `body` into the running Catch2 test case.
void replay(async_body body);

// Suspends until `f` settles (without taking its result); fails the test case after
// `timeout_ms`.
template <class Future>
wasm_mt::task<void> settled(const Future& f, double timeout_ms) {
  const double start = emscripten_get_now();
  while (!f.ready()) {
    if (emscripten_get_now() - start > timeout_ms) FAIL("request did not settle within " << timeout_ms << " ms");
    co_await wasm_mt::sleep(1);
  }
}

// The error `f` fails with; fails the test case if it succeeds, or if it takes over
// `timeout_ms` when one is given.
template <class Future>
wasm_mt::task<wasm_mt::error> error_of(Future f, double timeout_ms = 0) {
  if (timeout_ms > 0) co_await settled(f, timeout_ms);
  try {
    co_await std::move(f);
  } catch (const wasm_mt::error& e) {
    co_return e;
  }
  FAIL("expected a wasm_mt::error, the request succeeded");
  throw std::logic_error("unreachable");
}

// Suspends until `done()` is true; false if `timeout_ms` passed first.
template <class Predicate>
wasm_mt::task<bool> until(Predicate done, double timeout_ms = default_timeout_ms) {
  const double start = emscripten_get_now();
  while (!done()) {
    if (emscripten_get_now() - start > timeout_ms) co_return false;
    co_await wasm_mt::sleep(1);
  }
  co_return true;
}

// The time now, in ms (emscripten_get_now()).
inline double now() { return emscripten_get_now(); }

// How many workers the page's glue holds (every thread's and pool's, starting ones too).
inline int glue_workers() { return EM_ASM_INT({ return wasmMtParent.workers.size; }); }

inline wasm_mt::future<wasm_mt::thread> spawn(std::string label = "test") {
  return wasm_mt::thread::spawn(std::move(label));
}

}  // namespace test

#define ASYNC_TEST_CASE(name, tags) WASM_MT_ASYNC_TEST_CASE_(INTERNAL_CATCH_UNIQUE_NAME(wasm_mt_async_body_), name, tags)
#define WASM_MT_ASYNC_TEST_CASE_(body, name, tags)                                             \
  static wasm_mt::task<void> body();                                                          \
  [[maybe_unused]] static const bool INTERNAL_CATCH_UNIQUE_NAME(wasm_mt_async_registered_) = \
      ::test::register_async_body(name, &body);                                               \
  TEST_CASE(name, tags) { ::test::replay(&body); }                                             \
  static wasm_mt::task<void> body()
