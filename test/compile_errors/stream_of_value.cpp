// expect: stream() runs a closure returning wasm_mt::generator<T>: use exec() for this one
// one error
#include <wasm_mt/wasm_mt.hpp>
namespace app {
struct Square {
  int value = 3;
  int operator()() const { return value * value; }
};
WASM_MT_CLOSURE(Square, value)
}  // namespace app
void run(wasm_mt::thread& th) { auto items = th.stream(app::Square{}); }
