// expect: WASM_MT_CLOSURE(Scaled, value, factor) does not list every field of Scaled
// A base class's fields are the closure's too: `offset` is left out.
#include <wasm_mt/wasm_mt.hpp>
namespace app {
struct Shift {
  int offset;
  int factor;
};
struct Scaled : Shift {
  int value;
  int operator()() const { return value * factor + offset; }
};
WASM_MT_CLOSURE(Scaled, value, factor)
}  // namespace app
