// Closures laid out as apps lay them out (issue: same-line registrations collided): one
// in this header, another in layout.cpp on the same line number in the same namespace,
// two on one line there, and the whole consumer built as a unity build.
#pragma once

#include <wasm_mt/wasm_mt.hpp>

namespace app {
struct Twice {
  int x = 0;
  int operator()() const { return 2 * x; }
};
WASM_MT_CLOSURE(Twice, x)  // line 13, as in layout.cpp

// Twice, Thrice, Add and Negate, each run on `th`: 2*1 + 3*2 + (3+4) - 5 = 10.
wasm_mt::task<int> layout_sum(wasm_mt::thread& th);
}  // namespace app
