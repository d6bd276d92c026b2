// A wasm_mt program that an app bundled by Vite imports (main.js): its factory is the
// default export of app.mjs (-sMODULARIZE -sEXPORT_ES6). Vite bundles its worker too, from
// the new Worker(new URL('app.mjs', import.meta.url)) in wasm_mt's glue.
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <wasm_mt/wasm_mt.hpp>

namespace app {

// Counts the primes below `limit` (a CPU-bound closure, one per thread).
struct CountPrimes {
  int from = 0, to = 0;
  int operator()() const {
    int count = 0;
    for (int n = from < 2 ? 2 : from; n < to; ++n) {
      bool prime = true;
      for (int d = 2; d * d <= n && prime; ++d) prime = n % d != 0;
      count += prime;
    }
    return count;
  }
};
WASM_MT_CLOSURE(CountPrimes, from, to)

struct WhereAmI {
  std::string operator()() const { return wasm_mt::current_thread_label(); }
};
WASM_MT_CLOSURE(WhereAmI)

wasm_mt::task<> run() {
  nlohmann::json result;
  try {
    auto pool = co_await wasm_mt::pool::create({.threads = 4, .label = "primes"});
    auto counts = co_await pool.map(8, [](std::size_t i) { return CountPrimes{int(i) * 25000, int(i + 1) * 25000}; });
    int total = 0;
    for (int c : counts) total += c;
    result["primes_below_200000"] = total;
    result["label"] = co_await pool.exec(WhereAmI{});
  } catch (const std::exception& e) {
    result["error"] = e.what();
  }
  std::printf("app: %s\n", result.dump().c_str());
}

}  // namespace app

int main() { wasm_mt::spawn_local(app::run()); }
