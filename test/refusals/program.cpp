// A program with a closure, linked with settings wasm_mt refuses (CMakeLists.txt).
#include <wasm_mt/wasm_mt.hpp>

struct Two {
  int operator()() const { return 2; }
};
WASM_MT_CLOSURE(Two)

wasm_mt::task<> run() {
  auto th = co_await wasm_mt::thread::spawn();
  co_await th.exec(Two{});
}

int main() { wasm_mt::spawn_local(run()); }
