// The example app's C++ side: a pool that counts primes, driven from the page's JS
// (main.js) through wasm_mt's page-to-C++ bridge (wasm_mt/js.hpp, embind): each function
// bound below is an async JS function; a job is a Promise, its progress a callback, and
// an AbortSignal stops it. Built with -sMODULARIZE -sEXPORT_ES6 -lembind: app.mjs's
// default export is the factory; Vite (or webpack) bundles it, its wasm and its workers.
#include <emscripten/bind.h>

#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>
#include <wasm_mt/js.hpp>
#include <wasm_mt/wasm_mt.hpp>

namespace app {

// Counts the primes in [from, to), telling its progress ({done, of}: numbers looked at)
// every 5,000 numbers and stopping there when asked.
struct CountPrimes {
  int from = 0, to = 0;
  wasm_mt::task<int> operator()() const {
    int count = 0;
    for (int n = from < 2 ? 2 : from; n < to; ++n) {
      bool prime = true;
      for (int d = 2; d * d <= n && prime; ++d) prime = n % d != 0;
      count += prime;
      if ((n - from) % 5000 == 4999) {
        co_await wasm_mt::this_request::emit(nlohmann::json{{"done", n - from + 1}, {"of", to - from}});
        co_await wasm_mt::this_request::checkpoint();
      }
    }
    co_return count;
  }
};
WASM_MT_CLOSURE(CountPrimes, from, to)

struct WhereAmI {
  std::string operator()() const { return wasm_mt::current_thread_label(); }
};
WASM_MT_CLOSURE(WhereAmI)

std::unique_ptr<wasm_mt::pool> pool;

// What a call before startPool() gives: a promise rejected saying so.
template <class T>
wasm_mt::future<T> not_started() {
  return wasm_mt::future<T>::ready_error(std::make_exception_ptr(std::logic_error("call startPool() first")));
}

// startPool(threads): Promise<void>, once before the others.
wasm_mt::js::promise<void> start_pool(int threads) {
  return wasm_mt::js::to_promise(wasm_mt::pool::create({.threads = std::size_t(threads), .label = "primes"})
                                     .then([](wasm_mt::pool created) { pool = std::make_unique<wasm_mt::pool>(std::move(created)); }));
}

// countPrimes(from, to, signal, onProgress): Promise<number>, the primes in [from, to),
// one task on the pool; onProgress({done, of}) as it goes; `signal` (an AbortSignal, or
// null) stops it: the promise rejects with an Error whose kind is "cancelled".
wasm_mt::js::promise<int> count_primes(int from, int to, emscripten::val signal, emscripten::val on_progress) {
  if (!pool) return wasm_mt::js::to_promise(not_started<int>());
  return wasm_mt::js::to_promise(pool->exec(
      CountPrimes{from, to},
      {.stop = wasm_mt::js::stop_token_from(signal), .on_event = wasm_mt::js::events_to(on_progress)}));
}

// whereAmI(): Promise<string>, the label of the pool thread that ran it.
wasm_mt::js::promise<std::string> where_am_i() {
  if (!pool) return wasm_mt::js::to_promise(not_started<std::string>());
  return wasm_mt::js::to_promise(pool->exec(WhereAmI{}));
}

}  // namespace app

EMSCRIPTEN_BINDINGS(app) {
  emscripten::function("startPool", &app::start_pool);
  emscripten::function("countPrimes", &app::count_primes);
  emscripten::function("whereAmI", &app::where_am_i);
}
