// expect: WASM_MT_CLOSURE(Scale, value, value) lists a field twice
#include <wasm_mt/wasm_mt.hpp>
namespace app {
struct Scale {
  int value, factor;
  int operator()() const { return value * factor; }
};
WASM_MT_CLOSURE(Scale, value, value)
}  // namespace app
