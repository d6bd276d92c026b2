// expect: WASM_MT_CLOSURE: field `name` is a pointer, a reference or a view (string_view, span), which cannot cross to another thread
#include <string_view>
#include <wasm_mt/wasm_mt.hpp>
namespace app {
struct Greet {
  std::string_view name;
  std::size_t operator()() const { return name.size(); }
};
WASM_MT_CLOSURE(Greet, name)
}  // namespace app
