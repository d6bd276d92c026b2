// expect: A lambda that captures ([&], [=], [x]) cannot cross to another thread
// one error (none about the result type)
#include <wasm_mt/wasm_mt.hpp>
wasm_mt::future<int> call(wasm_mt::thread& th) {
  int x = 2;
  return th.exec([&] { return x * 2; });
}
