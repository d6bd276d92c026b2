// The page-to-C++ bridge (wasm_mt/js.hpp) under test: C++ functions bound with embind
// that JS calls as async APIs (checks.js says what each must do).
#include <emscripten/bind.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <wasm_mt/js.hpp>
#include <wasm_mt/wasm_mt.hpp>

namespace bridge {

// Counts the primes below `limit`, emitting {done, of} ten times, stoppable between.
struct CountPrimes {
  int limit = 0;
  wasm_mt::task<int> operator()() const {
    int count = 0;
    const int step = limit / 10 > 0 ? limit / 10 : 1;
    for (int n = 2; n < limit; ++n) {
      bool prime = true;
      for (int d = 2; d * d <= n && prime; ++d) prime = n % d != 0;
      count += prime;
      if (n % step == 0) {
        co_await wasm_mt::this_request::emit(nlohmann::json{{"done", n}, {"of", limit}});
        co_await wasm_mt::this_request::checkpoint();
      }
    }
    co_await wasm_mt::this_request::emit(nlohmann::json{{"done", limit}, {"of", limit}});
    co_return count;
  }
};
WASM_MT_CLOSURE(CountPrimes, limit)

struct Fail {
  std::string why;
  int operator()() const { throw std::runtime_error(why); }
};
WASM_MT_CLOSURE(Fail, why)

// 0, 1, 2...: `count` items, or endless (count < 0) with 1 ms between.
struct Numbers {
  int count = 0;
  wasm_mt::generator<int> operator()() const {
    for (int i = 0; count < 0 || i < count; ++i) {
      if (count < 0) co_await wasm_mt::sleep(1);
      co_yield i;
    }
  }
};
WASM_MT_CLOSURE(Numbers, count)

// 0, 1, then a throw.
struct FailingNumbers {
  wasm_mt::generator<int> operator()() const {
    co_yield 0;
    co_yield 1;
    throw std::runtime_error("out of numbers");
  }
};
WASM_MT_CLOSURE(FailingNumbers)

struct Point {
  nlohmann::json operator()() const { return {{"x", 1}, {"y", {2, 3}}, {"big", std::int64_t(1) << 40}}; }
};
WASM_MT_CLOSURE(Point)

struct Big {
  std::int64_t operator()() const { return (std::int64_t(1) << 40) + 1; }
};
WASM_MT_CLOSURE(Big)

struct Bytes {
  int size = 0;
  wasm_mt::bytes operator()() const {
    wasm_mt::bytes out(static_cast<std::size_t>(size));
    for (int i = 0; i < size; ++i) out.data()[i] = static_cast<std::uint8_t>(i * 3);
    return out;
  }
};
WASM_MT_CLOSURE(Bytes, size)

std::unique_ptr<wasm_mt::pool> pool;

wasm_mt::js::promise<void> start_pool(int threads) {
  return wasm_mt::js::to_promise(wasm_mt::pool::create({.threads = std::size_t(threads), .label = "bridge"})
                                     .then([](wasm_mt::pool created) { pool = std::make_unique<wasm_mt::pool>(std::move(created)); }));
}

wasm_mt::js::promise<int> count_primes(int limit, emscripten::val signal, emscripten::val on_progress) {
  return wasm_mt::js::to_promise(pool->exec(CountPrimes{limit}, {.stop = wasm_mt::js::stop_token_from(signal),
                                                                 .on_event = wasm_mt::js::events_to(on_progress)}));
}

wasm_mt::js::promise<int> fail(std::string why) { return wasm_mt::js::to_promise(pool->exec(Fail{why})); }

wasm_mt::js::async_iterator<int> numbers(int count) { return wasm_mt::js::to_async_iterator(pool->stream(Numbers{count})); }

wasm_mt::js::async_iterator<int> failing_numbers() { return wasm_mt::js::to_async_iterator(pool->stream(FailingNumbers{})); }

wasm_mt::js::promise<nlohmann::json> point() { return wasm_mt::js::to_promise(pool->exec(Point{})); }

wasm_mt::js::promise<std::int64_t> big() { return wasm_mt::js::to_promise(pool->exec(Big{})); }

wasm_mt::js::promise<wasm_mt::bytes> bytes_of(int size) { return wasm_mt::js::to_promise(pool->exec(Bytes{size})); }

// Runs `callback` (a JS function) in a continuation that first settles another future;
// resolves with that future's value. The continuation runs from the glue's run of
// continuations (its future is settled here, by our own code); the callback's JS
// exception escapes into the glue, which must still run what was queued before it.
wasm_mt::js::promise<int> throws_after_settling(emscripten::val callback) {
  auto first = std::make_shared<wasm_mt::promise<int>>();
  auto relay = std::make_shared<wasm_mt::promise<int>>();
  auto settled = relay->get_future();
  first->get_future()
      .then([relay, callback](int value) {
        relay->set_value(value);
        callback();
      })
      .detach();
  first->set_value(25);
  return wasm_mt::js::to_promise(std::move(settled));
}

// Counts the primes below 100 with an on_event handler that calls `callback` (a JS
// function) itself, not through events_to: what it throws escapes the delivery of each
// event, and the events after the first come in one port message with the reply.
// Resolves with the count: the rest of that message is still delivered.
wasm_mt::js::promise<int> events_throw(emscripten::val callback) {
  return wasm_mt::js::to_promise(
      pool->exec(CountPrimes{100}, {.on_event = [callback](const nlohmann::json&) { callback(); }}));
}

// Settles `count` futures whose continuations each call `callback` (a JS function that
// throws); resolves with how many ran. Each throw ends its run of continuations and the
// glue starts the next: in a loop, not a call deeper each time.
wasm_mt::js::promise<int> many_throwing_continuations(int count, emscripten::val callback) {
  auto ran = std::make_shared<int>(0);
  auto all_ran = std::make_shared<wasm_mt::promise<int>>();
  auto settled = all_ran->get_future();
  std::vector<std::shared_ptr<wasm_mt::promise<int>>> sources;
  for (int i = 0; i < count; ++i) {
    auto source = std::make_shared<wasm_mt::promise<int>>();
    source->get_future()
        .then([ran, all_ran, count, callback](int) {
          if (++*ran == count) all_ran->set_value(count);
          callback();
        })
        .detach();
    sources.push_back(std::move(source));
  }
  for (auto& source : sources) source->set_value(1);
  return wasm_mt::js::to_promise(std::move(settled));
}

}  // namespace bridge

EMSCRIPTEN_BINDINGS(bridge) {
  emscripten::function("startPool", &bridge::start_pool);
  emscripten::function("countPrimes", &bridge::count_primes);
  emscripten::function("fail", &bridge::fail);
  emscripten::function("numbers", &bridge::numbers);
  emscripten::function("bytesOf", &bridge::bytes_of);
  emscripten::function("failingNumbers", &bridge::failing_numbers);
  emscripten::function("point", &bridge::point);
  emscripten::function("big", &bridge::big);
  emscripten::function("throwsAfterSettling", &bridge::throws_after_settling);
  emscripten::function("eventsThrow", &bridge::events_throw);
  emscripten::function("manyThrowingContinuations", &bridge::many_throwing_continuations);
}

int main() {}
