// expect: WASM_MT_CLOSURE(Total, a, c) does not list every field of Total
// `b`, in the base between, is left out.
#include <wasm_mt/wasm_mt.hpp>
namespace app {
struct First {
  int a;
};
struct Second : First {
  int b;
};
struct Total : Second {
  int c;
  int operator()() const { return a + b + c; }
};
WASM_MT_CLOSURE(Total, a, c)
}  // namespace app
