// Closures linked into two separately built programs (the test program and
// other_program): their IDs must match for a call from one to run in the other.
#pragma once

#include <string>

#include <wasm_mt/closure.hpp>

namespace shared {

struct Multiply {
  int a = 0, b = 0;
  int operator()() const { return a * b; }
};
WASM_MT_CLOSURE(Multiply, a, b)

// Which program ran the call.
struct WhichProgram {
  std::string operator()() const;
};
WASM_MT_CLOSURE(WhichProgram)

}  // namespace shared
