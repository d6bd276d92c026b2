// Streamed results (anchors: cppcoro's async_generator, JS async iterators over a
// worker's messages): a generator closure in the worker, a stream read with
// co_await next() here, back-pressure, the caller's stop, errors and crashes mid-stream.
#include <cstdlib>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <emscripten/emscripten.h>

#include "async_test.hpp"

namespace {

using wasm_mt::error_kind;

// Worker-side counters, read back with StreamCounters{}.
int produced = 0;
int stream_cancels = 0;

struct CountTo {
  int count = 0;
  wasm_mt::generator<int> operator()() const {
    for (int i = 0; i < count; ++i) co_yield i;
  }
};
WASM_MT_CLOSURE(CountTo, count)

struct Chunks {
  int count = 0;
  int size = 0;
  wasm_mt::generator<wasm_mt::bytes> operator()() const {
    for (int i = 0; i < count; ++i) {
      wasm_mt::bytes chunk(static_cast<std::size_t>(size));
      chunk.data()[0] = chunk.data()[chunk.size() - 1] = static_cast<std::uint8_t>(i);
      co_yield chunk;
    }
  }
};
WASM_MT_CLOSURE(Chunks, count, size)

// Counts what it produced, and whether it was stopped.
struct Counted {
  int count = 0;
  wasm_mt::generator<int> operator()() const {
    produced = 0;
    try {
      for (int i = 0; i < count; ++i) {
        ++produced;
        co_yield i;
      }
    } catch (const wasm_mt::error& e) {
      if (e.kind() == error_kind::cancelled) ++stream_cancels;
      throw;
    }
  }
};
WASM_MT_CLOSURE(Counted, count)

struct StreamCounters {
  std::vector<int> operator()() const { return {produced, stream_cancels}; }
};
WASM_MT_CLOSURE(StreamCounters)

struct Slow {
  int count = 0;
  wasm_mt::generator<std::string> operator()() const {
    for (int i = 0; i < count; ++i) {
      co_await wasm_mt::sleep(2);
      co_yield "item " + std::to_string(i);
    }
  }
};
WASM_MT_CLOSURE(Slow, count)

struct FailsAfter {
  int count = 0;
  wasm_mt::generator<int> operator()() const {
    for (int i = 0; i < count; ++i) co_yield i;
    throw std::runtime_error("the source ran dry");
  }
};
WASM_MT_CLOSURE(FailsAfter, count)

struct CrashesAfter {
  int count = 0;
  wasm_mt::generator<int> operator()() const {
    for (int i = 0; i < count; ++i) co_yield i;
    co_await wasm_mt::sleep(5);
    std::abort();
  }
};
WASM_MT_CLOSURE(CrashesAfter, count)

struct Endless {
  wasm_mt::generator<int> operator()() const {
    for (int i = 0;; ++i) {
      co_await wasm_mt::sleep(1);
      co_yield i;
    }
  }
};
WASM_MT_CLOSURE(Endless)

// Reads the whole stream.
template <class T>
wasm_mt::task<std::vector<T>> read_all(wasm_mt::stream<T>& items) {
  std::vector<T> out;
  while (auto item = co_await items.next()) out.push_back(std::move(*item));
  co_return out;
}

}  // namespace

ASYNC_TEST_CASE("a stream of 100,000 small items arrives whole and in order", "[streams]") {
  auto th = co_await test::spawn();
  auto numbers = th.stream(CountTo{100000});
  int next = 0;
  bool in_order = true;
  while (auto n = co_await numbers.next()) in_order = in_order && *n == next++;
  CHECK(next == 100000);
  CHECK(in_order);
  CHECK_FALSE((co_await numbers.next()).has_value());  // the end, again
  CHECK(co_await test::until([&] { return th.pending_count() == 0; }, 5000));
}

ASYNC_TEST_CASE("a stream of 64 MiB of bytes in 1 MiB chunks", "[streams]") {
  auto th = co_await test::spawn();
  auto chunks = th.stream(Chunks{64, 1 << 20}, {.stream_window = 4});
  std::size_t total = 0;
  int count = 0;
  bool marked = true;
  while (auto chunk = co_await chunks.next()) {
    marked = marked && chunk->size() == (1u << 20) && chunk->data()[0] == std::uint8_t(count) &&
             chunk->data()[chunk->size() - 1] == std::uint8_t(count);
    total += chunk->size();
    ++count;
  }
  CHECK(count == 64);
  CHECK(total == 64u << 20);
  CHECK(marked);
}

ASYNC_TEST_CASE("back-pressure: the producer never runs more than the window ahead of the reader", "[streams]") {
  auto th = co_await test::spawn();
  constexpr int window = 4;
  auto items = th.stream(Counted{1000}, {.stream_window = window});
  int taken = 0;
  int most_ahead = 0;
  for (int round = 0; round < 10; ++round) {
    auto item = co_await items.next();
    REQUIRE(item);
    ++taken;
    co_await wasm_mt::sleep(20);  // a slow reader: the producer fills its window and waits
    const int made = (co_await th.exec(StreamCounters{}))[0];
    most_ahead = std::max(most_ahead, made - taken);
  }
  CHECK(most_ahead <= window);
  CHECK(most_ahead >= 1);  // it did run ahead
  while (co_await items.next()) ++taken;
  CHECK(taken == 1000);
}

ASYNC_TEST_CASE("dropping a stream stops its producer; the worker goes on", "[streams]") {
  auto th = co_await test::spawn();
  {
    auto items = th.stream(Counted{1000000}, {.stream_window = 8});
    for (int i = 0; i < 5; ++i) REQUIRE((co_await items.next()) == i);
  }  // dropped: stop producing
  CHECK(co_await test::until([&] { return th.pending_count() == 0; }, 5000));
  auto counters = co_await th.exec(StreamCounters{});
  CHECK(counters[1] == 1);          // the generator saw its stop
  CHECK(counters[0] < 1000);        // and produced little past what was read
  // An endless one, stopped with a stop_token: its items, then cancelled.
  wasm_mt::stop_source stop;
  auto endless = th.stream(Endless{}, {.stop = stop.get_token()});
  for (int i = 0; i < 3; ++i) REQUIRE((co_await endless.next()) == i);
  stop.request_stop();
  std::optional<wasm_mt::error> ended;
  try {
    while (co_await endless.next()) {
    }
  } catch (const wasm_mt::error& e) {
    ended = e;
  }
  REQUIRE(ended);
  CHECK(ended->kind() == error_kind::cancelled);
  CHECK(co_await test::until([&] { return th.pending_count() == 0; }, 5000));
}

ASYNC_TEST_CASE("a stream's error comes after its items; so does its worker's crash", "[streams]") {
  auto th = co_await test::spawn();
  auto failing = th.stream(FailsAfter{3});
  std::vector<int> got;
  std::optional<wasm_mt::error> failure;
  try {
    while (auto n = co_await failing.next()) got.push_back(*n);
  } catch (const wasm_mt::error& e) {
    failure = e;
  }
  CHECK(got == std::vector<int>{0, 1, 2});
  REQUIRE(failure);
  CHECK(failure->kind() == error_kind::remote_exception);
  CHECK_THAT(failure->message(), Catch::Contains("the source ran dry"));

  auto crashing = th.stream(CrashesAfter{2});
  got.clear();
  failure.reset();
  try {
    while (auto n = co_await crashing.next()) got.push_back(*n);
  } catch (const wasm_mt::error& e) {
    failure = e;
  }
  CHECK(got == std::vector<int>{0, 1});
  REQUIRE(failure);
  CHECK(failure->kind() == error_kind::worker_crashed);
  CHECK(th.is_terminated());
  // A stream on a dead thread fails at once.
  auto late = th.stream(CountTo{3});
  CHECK((co_await test::error_of(late.next())).kind() == error_kind::worker_crashed);
}

ASYNC_TEST_CASE("a producer that awaits between items; a deadline on a stream", "[streams]") {
  auto th = co_await test::spawn();
  auto slow = th.stream(Slow{5});
  auto all = co_await read_all(slow);
  REQUIRE(all.size() == 5);
  CHECK(all[4] == "item 4");
  auto endless = th.stream(Endless{}, {.timeout_ms = 100});
  int count = 0;
  std::optional<wasm_mt::error> failure;
  try {
    while (co_await endless.next()) ++count;
  } catch (const wasm_mt::error& e) {
    failure = e;
  }
  CHECK(count > 0);
  REQUIRE(failure);
  CHECK(failure->kind() == error_kind::timeout);
  // A bad window is refused.
  std::string refused;
  try {
    auto none = th.stream(CountTo{1}, {.stream_window = 0});
    (void)co_await none.next();
  } catch (const std::invalid_argument& e) {
    refused = e.what();
  }
  CHECK_THAT(refused, Catch::Contains("stream_window"));
}

namespace {
struct Delayed {
  double ms = 0;
  wasm_mt::generator<int> operator()() const {
    co_await wasm_mt::sleep(ms);
    co_yield 7;
    co_yield 8;
  }
};
WASM_MT_CLOSURE(Delayed, ms)
}  // namespace

ASYNC_TEST_CASE("a next() given up on (its future dropped) takes no item", "[streams]") {
  auto th = co_await test::spawn();
  auto items = th.stream(Delayed{150});
  auto first = co_await wasm_mt::when_any(items.next(), wasm_mt::sleep(20));
  CHECK(first.index() == 1);  // the sleep won; that next() was dropped
  CHECK((co_await items.next()) == 7);
  CHECK((co_await items.next()) == 8);
  CHECK_FALSE((co_await items.next()).has_value());
}

ASYNC_TEST_CASE("a pool streams too: whole, dropped mid-way, and through a crash", "[streams]") {
  auto pool = co_await wasm_mt::pool::create({.threads = 2, .stop_grace_ms = 100});
  auto a = pool.stream(CountTo{5000});
  auto b = pool.stream(Slow{5}, {.stream_window = 2});
  int count = 0;
  while (auto n = co_await a.next()) count += (*n == count);
  CHECK(count == 5000);
  CHECK((co_await read_all(b)).size() == 5);
  {
    auto dropped = pool.stream(Counted{1000000}, {.stream_window = 4});
    for (int i = 0; i < 3; ++i) REQUIRE((co_await dropped.next()) == i);
  }  // stops the task: its generator sees cancelled at its pending co_yield
  CHECK(co_await test::until([&] { return pool.running() == 0; }, 5000));
  auto crashing = pool.stream(CrashesAfter{2});
  std::vector<int> got;
  std::optional<wasm_mt::error> failure;
  try {
    while (auto n = co_await crashing.next()) got.push_back(*n);
  } catch (const wasm_mt::error& e) {
    failure = e;
  }
  CHECK(got == std::vector<int>{0, 1});
  REQUIRE(failure);
  CHECK(failure->kind() == error_kind::worker_crashed);
  // The pool goes on: its dead worker is replaced.
  CHECK((co_await read_all(*std::make_unique<wasm_mt::stream<int>>(pool.stream(CountTo{3})))).size() == 3);
  auto st = pool.stats();
  CHECK(st.completed == 3);  // a, b, the last
  CHECK(st.cancelled == 1);  // the dropped one
  CHECK(st.failed == 1);     // the crash
}

// Composition (the consumer rule): a next() is a future like any other; its item leaves
// the stream only when a consumer's continuation takes it.
namespace {
struct After {
  double ms = 0;
  int value = 0;
  wasm_mt::task<int> operator()() const {
    co_await wasm_mt::sleep(ms);
    if (value < 0) throw std::runtime_error("no value for " + std::to_string(value));
    co_return value;
  }
};
WASM_MT_CLOSURE(After, ms, value)

// from, from + 1, ... (count of them), `ms` apart.
struct Range {
  int from = 0;
  int count = 0;
  double ms = 0;
  wasm_mt::generator<int> operator()() const {
    for (int i = 0; i < count; ++i) {
      if (ms > 0) co_await wasm_mt::sleep(ms);
      co_yield from + i;
    }
  }
};
WASM_MT_CLOSURE(Range, from, count, ms)

// Reads two streams by racing their next()s, as users merge by hand: {a's items, b's}.
wasm_mt::task<std::vector<std::vector<int>>> race_read(wasm_mt::stream<int>& a, wasm_mt::stream<int>& b) {
  std::vector<std::vector<int>> got(2);
  bool a_open = true, b_open = true;
  while (a_open && b_open) {
    auto first = co_await wasm_mt::when_any(a.next(), b.next());
    if (first.index() == 0) {
      if (auto& item = std::get<0>(first)) got[0].push_back(*item); else a_open = false;
    } else {
      if (auto& item = std::get<1>(first)) got[1].push_back(*item); else b_open = false;
    }
  }
  while (a_open) if (auto item = co_await a.next()) got[0].push_back(*item); else a_open = false;
  while (b_open) if (auto item = co_await b.next()) got[1].push_back(*item); else b_open = false;
  co_return got;
}

std::vector<int> iota(int from, int count) {
  std::vector<int> out;
  for (int i = 0; i < count; ++i) out.push_back(from + i);
  return out;
}
}  // namespace

ASYNC_TEST_CASE("a composed next() gets its item as it arrives: then, when_any, when_all", "[streams]") {
  auto th = co_await test::spawn();
  auto items = th.stream(Delayed{30});
  std::optional<int> by_then;
  items.next().then([&](std::optional<int> item) { by_then = item; }).detach();
  CHECK(co_await test::until([&] { return by_then.has_value(); }, 5000));
  CHECK(by_then == 7);
  // The sleep would win only if the item were lost.
  auto raced = co_await wasm_mt::when_any(items.next(), wasm_mt::sleep(3000));
  REQUIRE(raced.index() == 0);
  CHECK(std::get<0>(raced) == 8);
  auto [end, sum] = co_await wasm_mt::when_all(items.next(), th.exec(After{1, 3}));
  CHECK_FALSE(end.has_value());
  CHECK(sum == 3);
  // A fresh stream: its first next() chained before anything arrived.
  auto later = th.stream(Delayed{20});
  auto chained = later.next().then([](std::optional<int> item) { return item.value_or(-1) * 2; });
  CHECK((co_await std::move(chained)) == 14);
}

ASYNC_TEST_CASE("racing two streams' next()s loses no item: the loser's stays at its head", "[streams]") {
  auto a_th = co_await test::spawn();
  auto b_th = co_await test::spawn();
  {
    // Both heads wait: a wins, b's item stays for b's next next().
    auto a = a_th.stream(CountTo{3}, {.stream_window = 4});
    auto b = b_th.stream(CountTo{3}, {.stream_window = 4});
    co_await wasm_mt::sleep(50);
    auto first = co_await wasm_mt::when_any(a.next(), b.next());
    REQUIRE(first.index() == 0);
    CHECK(std::get<0>(first) == 0);
    CHECK((co_await b.next()) == 0);
    CHECK((co_await b.next()) == 1);
  }
  auto a = a_th.stream(CountTo{500});
  auto b = b_th.stream(CountTo{300}, {.stream_window = 2});
  auto got = co_await race_read(a, b);
  CHECK(got[0] == iota(0, 500));
  CHECK(got[1] == iota(0, 300));
}

ASYNC_TEST_CASE("a then() or when_all around a next() that loses a race leaves the item in the stream",
                "[streams]") {
  auto th = co_await test::spawn();
  auto items = th.stream(Range{0, 6, 40});
  std::vector<int> got;
  int timeouts = 0;
  while (got.size() < 6 && timeouts < 1000) {
    // The sleep often wins: the next() under the then() is let go, not left waiting.
    auto r = co_await wasm_mt::when_any(items.next().then([](std::optional<int> n) { return n.value_or(-1); }),
                                        wasm_mt::sleep(5));
    if (r.index() == 0) got.push_back(std::get<0>(r)); else ++timeouts;
  }
  CHECK(got == iota(0, 6));
  CHECK(timeouts > 0);
  auto more = th.stream(Range{10, 3, 40});
  std::vector<int> gathered;
  for (int tries = 0; gathered.size() < 3 && tries < 1000; ++tries) {
    auto r = co_await wasm_mt::when_any(wasm_mt::when_all(more.next(), wasm_mt::sleep(1)), wasm_mt::sleep(5));
    if (r.index() == 0) gathered.push_back(*std::get<0>(std::get<0>(r)));
  }
  CHECK(gathered == iota(10, 3));
  // A when_all one of whose inputs fails takes nothing from the stream.
  auto kept = th.stream(Range{20, 2});
  co_await wasm_mt::sleep(30);
  auto failed = co_await wasm_mt::when_all(kept.next(), th.exec(After{1, -1})).result();
  CHECK_FALSE(failed.has_value());
  CHECK((co_await kept.next()) == 20);
  CHECK((co_await kept.next()) == 21);
}

ASYNC_TEST_CASE("pool::close() stops a stream whose pending next() was let go while its window was full",
                "[streams]") {
  auto pool = co_await wasm_mt::pool::create({.threads = 1, .stop_grace_ms = 100});
  auto items = pool.stream(Counted{1000000}, {.stream_window = 2});
  co_await wasm_mt::sleep(50);  // the window fills
  std::optional<wasm_mt::future<std::optional<int>>> pending(items.next());
  auto closed = pool.close();
  pending.reset();  // nobody reads any more
  co_await test::settled(closed, 5000);
  CHECK(closed.ready());
}

ASYNC_TEST_CASE("merge: every item of every input, each input in order; errors and stops", "[streams]") {
  auto pool = co_await wasm_mt::pool::create({.threads = 2, .stop_grace_ms = 100});
  auto th = co_await test::spawn();
  {
    auto merged = wasm_mt::merge(th.stream(Range{0, 400}), pool.stream(Range{1000, 300, 0}, {.stream_window = 2}),
                                 pool.stream(Range{5000, 5, 3}));
    std::vector<std::vector<int>> by_input(3);
    while (auto n = co_await merged.next()) by_input[*n / 1000 == 0 ? 0 : *n / 1000 == 1 ? 1 : 2].push_back(*n);
    CHECK(by_input[0] == iota(0, 400));  // each input's items all there, in their order
    CHECK(by_input[1] == iota(1000, 300));
    CHECK(by_input[2] == iota(5000, 5));
  }
  {
    std::vector<wasm_mt::stream<int>> inputs;
    inputs.push_back(th.stream(FailsAfter{3}));
    inputs.push_back(pool.stream(Endless{}));
    auto merged = wasm_mt::merge(std::move(inputs));
    int items = 0;
    std::optional<wasm_mt::error> failure;
    try {
      while (co_await merged.next()) ++items;
    } catch (const wasm_mt::error& e) {
      failure = e;
    }
    REQUIRE(failure);
    CHECK_THAT(failure->what(), Catch::Contains("ran dry"));
    CHECK(items >= 3);
    // The other input was stopped: the pool's worker is free again.
    CHECK(co_await test::until([&] { return pool.running() == 0; }, 5000));
  }
  {
    auto merged = wasm_mt::merge(pool.stream(Endless{}), pool.stream(Endless{}));
    for (int i = 0; i < 5; ++i) REQUIRE((co_await merged.next()).has_value());
  }  // dropped: both inputs stop
  CHECK(co_await test::until([&] { return pool.running() == 0; }, 5000));
  auto none = wasm_mt::merge(std::vector<wasm_mt::stream<int>>{});
  CHECK_FALSE((co_await none.next()).has_value());
  // An input with a next() pending is refused before anything is read.
  auto busy = th.stream(Range{0, 3});
  auto pending = busy.next();
  std::optional<std::string> refused;
  try {
    auto merged = wasm_mt::merge(std::move(busy), th.stream(Range{0, 3}));
  } catch (const std::logic_error& e) {
    refused = e.what();
  }
  REQUIRE(refused);
  CHECK_THAT(*refused, Catch::Contains("next() pending"));
}

ASYNC_TEST_CASE("merge keeps back-pressure: an unread merged stream stops its producers", "[streams]") {
  auto th = co_await test::spawn();
  auto merged = wasm_mt::merge(th.stream(Counted{1000000}, {.stream_window = 4}));
  REQUIRE((co_await merged.next()) == 0);
  co_await wasm_mt::sleep(100);
  auto counters = co_await th.exec(StreamCounters{});
  // One item taken, one waiting in the merge, four in the input's window, and the
  // acknowledged ones: far from a million.
  CHECK(counters[0] <= 12);
}

ASYNC_TEST_CASE("as_completed: outcomes in the order they settle, failures included", "[streams]") {
  auto pool = co_await wasm_mt::pool::create({.threads = 3});
  std::vector<wasm_mt::job<int>> jobs;
  jobs.push_back(pool.exec(After{300, 1}));
  jobs.push_back(pool.exec(After{10, 2}));
  jobs.push_back(pool.exec(After{150, -1}));
  auto done = wasm_mt::as_completed(std::move(jobs));
  std::vector<std::size_t> order;
  std::vector<int> values;
  std::optional<wasm_mt::error> failure;
  while (auto r = co_await done.next()) {
    order.push_back(r->first);
    if (r->second) values.push_back(*r->second); else failure = r->second.error();
  }
  CHECK(order == std::vector<std::size_t>{1, 2, 0});
  CHECK(values == std::vector<int>{2, 1});
  REQUIRE(failure);
  CHECK_THAT(failure->what(), Catch::Contains("no value for -1"));
  // Dropped early: those pending are let go (their work goes on), nothing is logged.
  {
    std::vector<wasm_mt::future<void>> sleeps;
    sleeps.push_back(wasm_mt::sleep(5));
    sleeps.push_back(wasm_mt::sleep(60000));
    auto first = wasm_mt::as_completed(std::move(sleeps));
    auto r = co_await first.next();
    REQUIRE(r);
    CHECK(r->first == 0);
    CHECK(r->second.has_value());
  }
  auto none = wasm_mt::as_completed(std::vector<wasm_mt::future<int>>{});
  CHECK_FALSE((co_await none.next()).has_value());
}
