// expect: wasm_mt: this closure derives from a type with WASM_MT_CLOSURE
// error in a header: a JSON form is checked once the translation unit is complete (a closure may exec itself before its WASM_MT_CLOSURE); the next lines name the call
// Scaled would be sent as a Scale, without its own `factor`.
#include <wasm_mt/wasm_mt.hpp>
namespace app {
struct Scale {
  int value;
  int operator()() const { return value; }
};
WASM_MT_CLOSURE(Scale, value)
struct Scaled : Scale {
  int factor;
  int operator()() const { return value * factor; }
};
wasm_mt::task<> run(wasm_mt::thread& th) { co_await th.exec(Scaled{{2}, 21}); }
}  // namespace app
