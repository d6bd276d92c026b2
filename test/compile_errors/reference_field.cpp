// expect: WASM_MT_CLOSURE: field `name` is a pointer, a reference or a view (string_view, span), which cannot cross to another thread
#include <string>
#include <wasm_mt/wasm_mt.hpp>
namespace app {
struct Greet {
  const std::string& name;
  std::string operator()() const { return "hello " + name; }
};
WASM_MT_CLOSURE(Greet, name)
}  // namespace app
