// Closures linked into two separately built programs (the test program and
// other_program): their IDs must match for a call from one to run in the other.
#pragma once

#include <string>

#include <wasm_mt/closure.hpp>
#include <wasm_mt/utils.hpp>

namespace shared {

struct Multiply {
  int a = 0, b = 0;
  int operator()() const { return a * b; }
};
WASM_MT_CLOSURE(Multiply, a, b)

// Sleeps `ms` in the worker (an async closure), then gives `ms`.
struct Sleeps {
  int ms = 0;
  wasm_mt::task<int> operator()() const {
    co_await wasm_mt::sleep(ms);
    co_return ms;
  }
};
WASM_MT_CLOSURE(Sleeps, ms)

// Which program ran the call.
struct WhichProgram {
  std::string operator()() const;
};
WASM_MT_CLOSURE(WhichProgram)

}  // namespace shared
