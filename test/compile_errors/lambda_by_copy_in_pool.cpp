// expect: A lambda that captures ([&], [=], [x]) cannot cross to another thread
// one error (none about the result type)
#include <wasm_mt/wasm_mt.hpp>
wasm_mt::job<int> call(wasm_mt::pool& pool) {
  int x = 2;
  return pool.exec([=] { return x * 2; });
}
