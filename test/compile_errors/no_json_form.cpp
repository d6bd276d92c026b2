// expect: this closure's fields have no JSON form: add WASM_MT_CLOSURE(Type, fields...)
// error in a header: a JSON form is checked once the translation unit is complete (a closure may exec itself before its WASM_MT_CLOSURE); the next lines name the call
#include <wasm_mt/wasm_mt.hpp>
struct Add {
  int a, b;
  int operator()() const { return a + b; }
};
wasm_mt::future<int> call(wasm_mt::thread& th) { return th.exec(Add{1, 2}); }
