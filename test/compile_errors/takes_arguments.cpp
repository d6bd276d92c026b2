// expect: a closure needs an operator()() taking no arguments (its inputs are its fields)
#include <wasm_mt/wasm_mt.hpp>
namespace app {
struct Add {
  int a;
  int operator()(int b) const { return a + b; }
};
}  // namespace app
wasm_mt::future<int> call(wasm_mt::thread& th) { return th.exec(app::Add{1}); }
