// An application using wasm_mt as a subproject: runs closures on a thread and checks
// what each outcome must be, whatever exception model it was built with. Prints
// "consumer: all N checks passed" and exits 0 only if every check holds.
#include <emscripten/emscripten.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include <wasm_mt/wasm_mt.hpp>

#include "layout.hpp"

struct Square {
  int x = 0;
  int operator()() const { return x * x; }
};
WASM_MT_CLOSURE(Square, x)

struct Throws {
  int operator()() const { throw std::runtime_error("boom"); }
};
WASM_MT_CLOSURE(Throws)

struct Aborts {
  int operator()() const { std::abort(); }
};
WASM_MT_CLOSURE(Aborts)

struct Exits {
  int operator()() const { std::exit(3); }
};
WASM_MT_CLOSURE(Exits)

struct Traps {
  int operator()() const { __builtin_trap(); }
};
WASM_MT_CLOSURE(Traps)

int checks = 0, failures = 0;

void check(bool ok, const std::string& what) {
  ++checks;
  if (!ok) ++failures;
  std::printf("consumer: %s %s\n", ok ? "ok  " : "FAIL", what.c_str());
}

// Runs `closure` on a fresh thread; it must fail with `kind`.
template <class C>
wasm_mt::task<> expect_error(C closure, wasm_mt::error_kind kind, const std::string& what) {
  auto th = co_await wasm_mt::thread::spawn();
  try {
    co_await th.exec(closure);
    check(false, what + ": no error");
  } catch (const wasm_mt::error& e) {
    check(e.kind() == kind, what + " -> " + e.what());
  }
}

wasm_mt::task<> run() {
  auto th = co_await wasm_mt::thread::spawn();
  int nine = co_await th.exec(Square{3});
  check(nine == 9, "Square{3} on a thread = " + std::to_string(nine));
  co_await expect_error(Throws{}, wasm_mt::error_kind::remote_exception, "a thrown exception");
  co_await expect_error(Aborts{}, wasm_mt::error_kind::worker_crashed, "abort()");
  co_await expect_error(Exits{}, wasm_mt::error_kind::worker_crashed, "exit(3)");
  co_await expect_error(Traps{}, wasm_mt::error_kind::worker_crashed, "a wasm trap");
  check(co_await th.exec(Square{4}) == 16, "the first thread still serves");
  const int sum = co_await app::layout_sum(th);
  check(sum == 10, "closures sharing a line (header and .cpp, two on a line, unity build): sum " + std::to_string(sum));
  if (failures == 0) std::printf("consumer: all %d checks passed\n", checks);
  emscripten_force_exit(failures == 0 ? 0 : 1);
}

int main() { wasm_mt::spawn_local(run()); }
