// expect: a closure must be default-constructible (the worker makes one and fills in its fields)
#include <wasm_mt/wasm_mt.hpp>
namespace app {
struct Twice {
  explicit Twice(int v) : value(v) {}
  int value;
  int operator()() const { return 2 * value; }
};
WASM_MT_CLOSURE(Twice, value)
}  // namespace app
wasm_mt::future<int> call(wasm_mt::thread& th) { return th.exec(app::Twice{3}); }
