// expect: WASM_MT_EXEC: capture `values` is a pointer or a view (string_view, span), which cannot cross to another thread
#include <wasm_mt/wasm_mt.hpp>
wasm_mt::future<int> call(wasm_mt::thread& th, const int* values) {
  return WASM_MT_EXEC(th, (values), { return values[0]; });
}
