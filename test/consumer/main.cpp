// Runs one closure on a thread and prints the result: proof that linking
// wasm_mt::wasm_mt from a subproject brings everything (glue included).
#include <cstdio>

#include <wasm_mt/wasm_mt.hpp>

struct Square {
  int x = 0;
  int operator()() const { return x * x; }
};
WASM_MT_CLOSURE(Square, x)

wasm_mt::task<> run() {
  auto th = co_await wasm_mt::thread::spawn();
  int nine = co_await th.exec(Square{3});
  std::printf("consumer: Square{3} on a thread = %d\n", nine);
}

int main() { wasm_mt::spawn_local(run()); }
