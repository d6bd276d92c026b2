// expect: A lambda that captures ([&], [=], [x]) cannot cross to another thread
// one error
#include <wasm_mt/wasm_mt.hpp>
namespace app {
struct Ask {
  int question = 1;
  wasm_mt::task<int> operator()() const {
    const int q = question;
    co_return co_await wasm_mt::this_request::call_caller([q] { return q + 1; });
  }
};
WASM_MT_CLOSURE(Ask, question)
}  // namespace app
