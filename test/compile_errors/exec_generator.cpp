// expect: this closure returns a wasm_mt::generator: run it with stream(), not exec()
// one error
#include <wasm_mt/wasm_mt.hpp>
namespace app {
struct Numbers {
  int count = 3;
  wasm_mt::generator<int> operator()() const {
    for (int i = 0; i < count; ++i) co_yield i;
  }
};
WASM_MT_CLOSURE(Numbers, count)
}  // namespace app
wasm_mt::task<> run(wasm_mt::pool& pool) { co_await pool.exec(app::Numbers{}); }
