// expect: WASM_MT_CLOSURE(app::Scale, ...) must be in the namespace that declares app::Scale
#include <wasm_mt/wasm_mt.hpp>
namespace app {
struct Scale {
  int value, factor;
  int operator()() const { return value * factor; }
};
}  // namespace app
WASM_MT_CLOSURE(app::Scale, value, factor)
