// expect: A lambda that captures ([&], [=], [x]) cannot cross to another thread
// one error
#include <wasm_mt/wasm_mt.hpp>
wasm_mt::stream<int> numbers(wasm_mt::thread& th) {
  int count = 3;
  return th.stream([=]() -> wasm_mt::generator<int> {
    for (int i = 0; i < count; ++i) co_yield i;
  });
}
