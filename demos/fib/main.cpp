// fib: the original's nested-threads demo. fib_mt(n) runs fib_mt(n - 2) and
// fib_mt(n - 1) on a thread it creates itself, so each level spawns its thread from
// inside the worker it runs in. ?n=... picks n.
#include <algorithm>
#include <string>

#include <wasm_mt/wasm_mt.hpp>

#include "page.hpp"

namespace {

struct FibResult {
  long long value = 0;
  int workers = 0;  // threads created for this call, nested ones included
  int depth = 0;    // how deep they nested
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(FibResult, value, workers, depth)

struct FibMt {
  int n = 0;
  wasm_mt::task<FibResult> operator()() const {
    if (n <= 1) co_return FibResult{n, 0, 0};
    wasm_mt::thread th = co_await wasm_mt::thread::spawn("fib(" + std::to_string(n) + ")");
    FibResult a = co_await th.exec(FibMt{n - 2});
    FibResult b = co_await th.exec(FibMt{n - 1});
    co_return FibResult{a.value + b.value, 1 + a.workers + b.workers, 1 + std::max(a.depth, b.depth)};
  }
};
WASM_MT_CLOSURE(FibMt, n)

wasm_mt::task<> run() {
  const int n = std::clamp(std::stoi(demo::query("n", "4")), 0, 20);
  demo::show("n", std::to_string(n), n);
  const double start = demo::now_ms();
  FibResult result = co_await FibMt{n}();  // on this thread: it spawns the first worker
  demo::show("fib", "fib(" + std::to_string(n) + ") = " + std::to_string(result.value),
             {{"n", n}, {"value", result.value}, {"workers", result.workers}, {"depth", result.depth}});
  demo::show("workers", std::to_string(result.workers) + " workers created, nested " + std::to_string(result.depth) +
                            " deep, in " + demo::ms(demo::now_ms() - start));
  demo::done();
}

}  // namespace

int main() {
  wasm_mt::spawn_local(run()).then([] {}, [](const wasm_mt::error& e) { demo::failed(e.what()); }).detach();
}
