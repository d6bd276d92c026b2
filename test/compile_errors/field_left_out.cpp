// expect: WASM_MT_CLOSURE(Scale, value) does not list every field of Scale
#include <wasm_mt/wasm_mt.hpp>
namespace app {
struct Scale {
  int value, factor;
  int operator()() const { return value * factor; }
};
WASM_MT_CLOSURE(Scale, value)
}  // namespace app
