// expect: WASM_MT_CLOSURE: field `data` is a pointer, a reference or a view (string_view, span), which cannot cross to another thread
#include <wasm_mt/wasm_mt.hpp>
namespace app {
struct Sum {
  const int* data;
  int size;
  int operator()() const { return size ? data[0] : 0; }
};
WASM_MT_CLOSURE(Sum, data, size)
}  // namespace app
