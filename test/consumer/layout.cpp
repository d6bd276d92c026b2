#include "layout.hpp"

namespace app {
// Twice's line in layout.hpp is a line here too.
struct Add {
  int a = 0, b = 0;
  int operator()() const { return a + b; }
};
struct Negate {
  int x = 0;
  int operator()() const { return -x; }
};
WASM_MT_CLOSURE(Add, a, b) WASM_MT_CLOSURE(Negate, x)  // line 13, as in layout.hpp; two on a line
struct Thrice {
  int x = 0;
  int operator()() const { return 3 * x; }
};
WASM_MT_CLOSURE(Thrice, x)

wasm_mt::task<int> layout_sum(wasm_mt::thread& th) {
  co_return co_await th.exec(Twice{1}) + co_await th.exec(Thrice{2}) + co_await th.exec(Add{3, 4}) +
      co_await th.exec(Negate{5});
}
}  // namespace app
