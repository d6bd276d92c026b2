// expect: wasm_mt: a closure must be default-constructible
// one error (none about void results)
#include <wasm_mt/wasm_mt.hpp>
namespace app {
wasm_mt::task<> run(wasm_mt::pool& pool) {
  int x = 1;
  auto square = [x] { return x * x; };
  co_await pool.map(std::vector<decltype(square)>{square});
}
}  // namespace app
