// expect: WASM_MT_CLOSURE: field `factor` is const
#include <wasm_mt/wasm_mt.hpp>
namespace app {
struct Scale {
  int value;
  const int factor = 2;
  int operator()() const { return value * factor; }
};
WASM_MT_CLOSURE(Scale, value, factor)
}  // namespace app
