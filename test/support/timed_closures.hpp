// Closures that take time in the worker, shared by the test files (one definition, one
// closure ID): a nap (async), a nap that ends in an exception, a busy spin (synchronous).
#pragma once

#include <stdexcept>
#include <string>

#include <emscripten/emscripten.h>

#include <wasm_mt/closure.hpp>
#include <wasm_mt/task.hpp>
#include <wasm_mt/utils.hpp>

namespace test {

// Sleeps `ms` in the worker without blocking it (its stop is heard), then gives `value`.
struct Nap {
  int ms = 0;
  int value = 0;
  wasm_mt::task<int> operator()() const {
    co_await wasm_mt::sleep(ms);
    co_return value;
  }
};
WASM_MT_CLOSURE(Nap, ms, value)

// Sleeps `ms`, then throws std::runtime_error(why).
struct NapThenThrow {
  int ms = 0;
  std::string why;
  wasm_mt::task<int> operator()() const {
    co_await wasm_mt::sleep(ms);
    throw std::runtime_error(why);
  }
};
WASM_MT_CLOSURE(NapThenThrow, ms, why)

// Busy for `ms` without yielding (a stop is read only after it), then gives 1.
struct Spin {
  double ms = 0;
  int operator()() const {
    for (const double until = emscripten_get_now() + ms; emscripten_get_now() < until;) {
    }
    return 1;
  }
};
WASM_MT_CLOSURE(Spin, ms)

}  // namespace test
