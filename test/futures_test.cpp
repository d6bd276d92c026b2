// Futures and tasks: one consumer each, continuations from a fresh microtask, and
// awaits of work that finishes at once in constant stack.
#include <emscripten/emscripten.h>
#include <emscripten/stack.h>
#include <malloc.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <tuple>
#include <variant>
#include <vector>

#include "shared_closures.hpp"
#include "async_test.hpp"
#include "logged_errors.hpp"

namespace {

wasm_mt::task<int> cached(int i) { co_return i; }
wasm_mt::future<int> cached_future(int i) { co_return i; }

// The lowest stack pointer seen by `probe` calls.
std::uintptr_t lowest_stack = UINTPTR_MAX;
void probe() {
  auto sp = emscripten_stack_get_current();
  if (sp < lowest_stack) lowest_stack = sp;
}

wasm_mt::task<int> cached_probing(int i) {
  probe();
  co_return i;
}
wasm_mt::future<int> cached_future_probing(int i) {
  probe();
  co_return i;
}

wasm_mt::future<void> await_then_flag(wasm_mt::future<int> f, bool& resumed) {
  try {
    co_await std::move(f);
  } catch (const wasm_mt::error&) {
  }
  resumed = true;
}

// Sleeps `ms` in the worker, then throws `message`.
struct ThrowsAfter {
  int ms = 0;
  std::string message;
  wasm_mt::task<int> operator()() const {
    co_await wasm_mt::sleep(ms);
    throw std::runtime_error(message);
  }
};
WASM_MT_CLOSURE(ThrowsAfter, ms, message)

wasm_mt::future<void> nothing() { co_return; }

}  // namespace

TEST_CASE("futures and jobs are move-only", "[futures]") {
  STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<wasm_mt::future<int>>);
  STATIC_REQUIRE_FALSE(std::is_copy_assignable_v<wasm_mt::future<int>>);
  STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<wasm_mt::job<int>>);
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<wasm_mt::future<int>>);
}

ASYNC_TEST_CASE("a second consumer of a future is a logic_error, never a silent hang", "[futures]") {
  auto th = co_await test::spawn();

  // then() and then a co_await of the same future.
  auto f = th.exec(shared::Multiply{2, 3});
  int value = 0;
  f.then([&](int v) { value = v; }).detach();
  bool refused = false;
  try {
    co_await f;
  } catch (const std::logic_error& e) {
    refused = std::string(e.what()).find("one consumer") != std::string::npos;
  }
  CHECK(refused);
  CHECK(co_await test::until([&] { return value == 6; }));

  // Two coroutines awaiting one future: the second is refused at once; the first resumes.
  auto g = th.exec(shared::Multiply{4, 5});
  int first = 0;
  auto consumer = [](wasm_mt::future<int>& from, int& into) -> wasm_mt::future<void> { into = co_await from; };
  auto one = consumer(g, first);
  bool second_refused = false;
  try {
    co_await g;
  } catch (const std::logic_error&) {
    second_refused = true;
  }
  CHECK(second_refused);
  co_await std::move(one);
  CHECK(first == 20);

  // A then() after a co_await.
  auto h = th.exec(shared::Multiply{1, 7});
  CHECK((co_await h) == 7);
  CHECK_THROWS_AS(h.then([](int) {}), std::logic_error);
}

ASYNC_TEST_CASE("a moved-from future, job or task fails clearly, never hangs", "[futures]") {
  auto th = co_await test::spawn();
  auto expect_empty = [](auto&& use, const char* what) {
    try {
      use();
    } catch (const wasm_mt::error& e) {
      return e.message().find(what) != std::string::npos;
    }
    return false;
  };

  auto f = th.exec(shared::Multiply{2, 3});
  auto kept = std::move(f);
  CHECK_FALSE(f.valid());
  CHECK_FALSE(f.ready());
  CHECK(expect_empty([&] { f.get(); }, "moved-from) wasm_mt::future"));
  CHECK(expect_empty([&] { f.then([](int) {}).detach(); }, "moved-from) wasm_mt::future"));
  bool awaited_empty = false;
  try {
    co_await f;
  } catch (const wasm_mt::error& e) {
    awaited_empty = e.message().find("moved-from) wasm_mt::future") != std::string::npos;
  }
  CHECK(awaited_empty);
  CHECK((co_await std::move(kept)) == 6);

  auto pool = co_await wasm_mt::pool::create({.threads = 1});
  auto j = pool.exec(shared::Multiply{3, 3});
  auto kept_job = std::move(j);
  CHECK_FALSE(j.valid());
  CHECK_FALSE(j.cancel());
  bool job_empty = false;
  try {
    co_await j;
  } catch (const wasm_mt::error& e) {
    job_empty = e.message().find("moved-from) wasm_mt::future") != std::string::npos;
  }
  CHECK(job_empty);
  CHECK((co_await kept_job) == 9);

  auto t = cached(5);
  auto kept_task = std::move(t);
  bool task_empty = false;
  try {
    co_await std::move(t);
  } catch (const wasm_mt::error& e) {
    task_empty = e.message().find("moved-from) wasm_mt::task") != std::string::npos;
  }
  CHECK(task_empty);
  CHECK((co_await std::move(kept_task)) == 5);
}

ASYNC_TEST_CASE("continuations run from a fresh microtask, never inside the call that settles them", "[futures]") {
  auto th = co_await test::spawn();
  CHECK((co_await th.exec(shared::Multiply{1, 1})) == 1);  // the worker is up

  bool resumed = false;
  auto waiting = await_then_flag(th.exec(shared::Multiply{2, 3}), resumed);
  bool called_back = false;
  th.exec(shared::Multiply{2, 3}).then([](int) {}, [&](const wasm_mt::error&) { called_back = true; }).detach();
  th.terminate();  // settles both requests
  CHECK_FALSE(resumed);
  CHECK_FALSE(called_back);
  co_await std::move(waiting);
  CHECK(resumed);
  CHECK(called_back);

  // then() on a future that has settled already calls back later, not at once.
  auto settled = wasm_mt::spawn_local(cached(5));
  REQUIRE(settled.ready());
  int value = 0;
  settled.then([&](int v) { value = v; }).detach();
  CHECK(value == 0);
  co_await wasm_mt::sleep(0);
  CHECK(value == 5);
}

ASYNC_TEST_CASE("replies that come in one message all settle before the continuation of any runs", "[futures]") {
  auto th = co_await test::spawn();
  CHECK((co_await th.exec(shared::Multiply{1, 1})) == 1);
  // With a request in flight the next two go in one message, and the worker, which still
  // owes the first, answers them in one.
  auto busy = th.exec(shared::Sleeps{20});
  auto first = th.exec(shared::Multiply{2, 3});
  auto second = th.exec(shared::Multiply{4, 5});
  CHECK((co_await std::move(first)) == 6);
  CHECK(second.ready());  // (its reply was handled before this continuation ran)
  CHECK((co_await std::move(second)) == 20);
  CHECK((co_await std::move(busy)) == 20);
}

ASYNC_TEST_CASE("a million awaits of tasks that finish at once run in constant stack", "[futures]") {
  lowest_stack = UINTPTR_MAX;
  const auto start = emscripten_stack_get_current();
  long long sum = 0;
  for (int i = 0; i < 1'000'000; ++i) sum += co_await cached_probing(i);
  CHECK(sum == 499'999'500'000LL);
  CHECK(start - lowest_stack < 16 * 1024);

  lowest_stack = UINTPTR_MAX;
  sum = 0;
  for (int i = 0; i < 1'000'000; ++i) sum += co_await cached_future_probing(i);
  CHECK(sum == 499'999'500'000LL);
  CHECK(start - lowest_stack < 16 * 1024);

  // Through a task that awaits such tasks and futures in turn.
  auto nested = []() -> wasm_mt::task<long long> {
    long long total = 0;
    for (int i = 0; i < 200'000; ++i) total += co_await cached(i) + co_await cached_future(i);
    co_return total;
  };
  CHECK((co_await nested()) == 2 * 19'999'900'000LL);
}

ASYNC_TEST_CASE("when_all gives every value, of any types, in order", "[futures]") {
  auto th = co_await test::spawn();
  auto pool = co_await wasm_mt::pool::create({.threads = 2});
  auto [product, js, none, slept] = co_await wasm_mt::when_all(
      th.exec(shared::Multiply{6, 7}), pool.exec_js("return 'x' + 1;"), nothing(), pool.exec(shared::Sleeps{30}));
  CHECK(product == 42);
  CHECK(js == "x1");
  CHECK(std::is_same_v<decltype(none), std::monostate>);
  CHECK(slept == 30);

  std::vector<wasm_mt::future<int>> futures;
  for (int i = 0; i < 10; ++i) futures.push_back(th.exec(shared::Sleeps{(10 - i) * 5}));  // last ones first
  std::vector<int> all = co_await wasm_mt::when_all(std::move(futures));
  REQUIRE(all.size() == 10);
  for (int i = 0; i < 10; ++i) CHECK(all[i] == (10 - i) * 5);
  CHECK((co_await wasm_mt::when_all(std::vector<wasm_mt::future<int>>{})).empty());
}

ASYNC_TEST_CASE("when_all fails with the first error in time; the others' ends are not logged", "[futures]") {
  auto th = co_await test::spawn();
  test::logged_errors logged;
  std::vector<wasm_mt::future<int>> futures;
  futures.push_back(th.exec(shared::Sleeps{400}));
  futures.push_back(th.exec(ThrowsAfter{200, "second, later"}));
  futures.push_back(th.exec(ThrowsAfter{10, "third, first"}));
  auto all = wasm_mt::when_all(std::move(futures));
  auto e = co_await test::error_of(std::move(all));
  CHECK(e.kind() == wasm_mt::error_kind::remote_exception);
  CHECK(std::string(e.what()).find("third, first") != std::string::npos);
  // The others end later: dropped, not logged.
  CHECK((co_await th.exec(shared::Sleeps{500})) == 500);
  CHECK(logged.count("second, later") == 0);
  CHECK(logged.count("unhandled") == 0);
}

ASYNC_TEST_CASE("when_any settles with the first to settle: value, index or error", "[futures]") {
  auto th = co_await test::spawn();
  auto other = co_await test::spawn();
  std::vector<wasm_mt::future<int>> futures;
  futures.push_back(th.exec(shared::Sleeps{300}));
  futures.push_back(other.exec(shared::Sleeps{20}));
  auto [index, value] = co_await wasm_mt::when_any(std::move(futures));
  CHECK(index == 1);
  CHECK(value == 20);

  auto either = co_await wasm_mt::when_any(th.exec(shared::Sleeps{300}), other.exec_js("return 'js';"));
  CHECK(either.index() == 1);
  CHECK(std::get<1>(either) == "js");

  auto e = co_await test::error_of(wasm_mt::when_any(th.exec(shared::Sleeps{300}), other.exec(ThrowsAfter{5, "fast"})));
  CHECK(std::string(e.what()).find("fast") != std::string::npos);
  CHECK_THROWS_AS((void)wasm_mt::when_any(std::vector<wasm_mt::future<int>>{}), std::invalid_argument);
}

ASYNC_TEST_CASE("then chains: values, flattened futures, errors passed on or recovered, move-only callbacks",
                "[futures]") {
  auto th = co_await test::spawn();
  CHECK((co_await th.exec(shared::Multiply{2, 3}).then([](int v) { return v * 7; })) == 42);
  // A callback returning a future gives that future's value.
  CHECK((co_await th.exec(shared::Multiply{2, 3}).then([&](int v) { return th.exec(shared::Multiply{v, 7}); })) == 42);
  // void on both sides.
  int seen = 0;
  co_await th.exec(shared::Multiply{1, 5}).then([&](int v) { seen = v; }).then([&] { seen *= 2; });
  CHECK(seen == 10);
  // Without on_error, an error goes on down the chain; with it, it can be recovered.
  bool ran = false;
  auto e = co_await test::error_of(th.exec(ThrowsAfter{0, "boom"}).then([&](int v) {
    ran = true;
    return v;
  }));
  CHECK_FALSE(ran);
  CHECK(std::string(e.what()).find("boom") != std::string::npos);
  CHECK((co_await th.exec(ThrowsAfter{0, "boom"}).then([](int v) { return v; }, [](const wasm_mt::error&) { return -1; })) == -1);
  // What a callback throws fails the future it gives.
  auto thrown = co_await th.exec(shared::Multiply{1, 1}).then([](int) -> int { throw std::runtime_error("in then"); }).result();
  REQUIRE_FALSE(thrown.has_value());
  CHECK(std::string(thrown.error().what()).find("in then") != std::string::npos);
  // Callbacks that own move-only things: a unique_ptr, a thread.
  auto owned = std::make_unique<int>(40);
  CHECK((co_await th.exec(shared::Multiply{1, 2}).then([owned = std::move(owned)](int v) { return *owned + v; })) == 42);
  auto helper = co_await test::spawn("helper");
  CHECK((co_await th.exec(shared::Multiply{3, 2}).then([helper = std::move(helper)](int v) mutable {
    return helper.exec(shared::Multiply{v, 7});
  })) == 42);
}

ASYNC_TEST_CASE("result() awaits without throwing; get() and detach() leave the future empty", "[futures]") {
  auto th = co_await test::spawn();
  wasm_mt::expected<int> good = co_await th.exec(shared::Multiply{6, 7}).result();
  REQUIRE(good.has_value());
  CHECK(*good == 42);
  CHECK(good.value() == 42);
  wasm_mt::expected<int> bad = co_await th.exec(ThrowsAfter{0, "no value"}).result();
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().kind() == wasm_mt::error_kind::remote_exception);
  CHECK(std::string(bad.error().what()).find("no value") != std::string::npos);
  wasm_mt::expected<void> done = co_await nothing().result();
  CHECK(done.has_value());
  // result() is the future's one consumer, like co_await.
  auto f = th.exec(shared::Multiply{1, 1});
  f.then([](int) {}).detach();
  bool refused = false;
  try {
    (void)co_await f.result();
  } catch (const std::logic_error&) {
    refused = true;
  }
  CHECK(refused);

  // get(), as std::future::get(), leaves the future empty.
  auto ready = wasm_mt::spawn_local(cached(5));
  REQUIRE(ready.ready());
  CHECK(ready.get() == 5);
  CHECK_FALSE(ready.valid());
  // detach(): fire and forget, said explicitly; its error is logged, naming the call.
  test::logged_errors logged;
  auto dropped = th.exec(ThrowsAfter{0, "detached"});
  const int line = __LINE__ - 1;
  dropped.detach();
  CHECK_FALSE(dropped.valid());
  CHECK((co_await th.exec(shared::Multiply{1, 1})) == 1);
  CHECK(co_await test::until([&] { return logged.count("detached") == 1; }));
  CHECK(logged.count(("called at futures_test.cpp:" + std::to_string(line)).c_str()) == 1);
}

ASYNC_TEST_CASE("after review: coroutine callbacks keep their captures; a second consumer of a settled future; jobs in when_all",
                "[futures]") {
  auto th = co_await test::spawn();
  // A callback that is a coroutine: its captures and its by-reference argument are used
  // after it suspends, so they must outlive the call that started it.
  auto chained = th.exec(shared::Multiply{2, 3}).then([text = std::string("seven"), &th](const int& v) -> wasm_mt::future<int> {
    co_await wasm_mt::sleep(5);
    int more = co_await th.exec(shared::Multiply{v, static_cast<int>(text.size()) + 2});
    co_return more + v - 6;
  });
  CHECK((co_await std::move(chained)) == 42);

  // co_await of a future that had settled makes it consumed: a then() after is refused.
  auto settled = wasm_mt::spawn_local(cached(5));
  REQUIRE(settled.ready());
  CHECK((co_await settled) == 5);
  CHECK_THROWS_AS(settled.then([](int) {}).detach(), std::logic_error);
  auto taken = wasm_mt::spawn_local(cached(6));
  taken.then([](int) {}).detach();
  CHECK_THROWS_AS(taken.get(), std::logic_error);

  // Jobs (which cancel) in when_all and when_any.
  auto pool = co_await wasm_mt::pool::create({.threads = 2});
  std::vector<wasm_mt::job<int>> jobs;
  for (int i = 1; i <= 3; ++i) jobs.push_back(pool.exec(shared::Multiply{i, 2}));
  CHECK((co_await wasm_mt::when_all(std::move(jobs))) == std::vector<int>{2, 4, 6});
  std::vector<wasm_mt::job<int>> racing;
  racing.push_back(pool.exec(shared::Sleeps{300}));
  racing.push_back(pool.exec(shared::Sleeps{10}));
  CHECK((co_await wasm_mt::when_any(std::move(racing))).first == 1);
}

TEST_CASE("expected: default, values, errors made with unexpected, ==", "[futures]") {
  wasm_mt::expected<int> zero;
  CHECK(zero.has_value());
  CHECK(*zero == 0);
  wasm_mt::expected<int> five = 5;
  CHECK(five == 5);
  CHECK(five.value_or(1) == 5);
  wasm_mt::expected<int> failed = wasm_mt::unexpected(wasm_mt::error(wasm_mt::error_kind::timeout, "late"));
  CHECK_FALSE(failed.has_value());
  CHECK(failed.error().kind() == wasm_mt::error_kind::timeout);
  CHECK(failed.value_or(1) == 1);
  CHECK_FALSE(failed == 5);
  const wasm_mt::expected<int> same_failure = wasm_mt::unexpected(wasm_mt::error(wasm_mt::error_kind::timeout, "late"));
  const bool equal_failures = failed == same_failure;
  const bool failure_equals_value = failed == five;
  CHECK(equal_failures);
  CHECK_FALSE(failure_equals_value);
  wasm_mt::expected<void> void_failed = wasm_mt::unexpected(wasm_mt::error(wasm_mt::error_kind::timeout, "late"));
  const bool void_failure_equals_success = void_failed == wasm_mt::expected<void>();
  CHECK_FALSE(void_failure_equals_success);
  wasm_mt::expected<std::unique_ptr<int>> owned = std::make_unique<int>(3);
  CHECK(*std::move(owned).value_or(nullptr) == 3);
  wasm_mt::expected<void> fine;
  CHECK(fine.has_value());
}

namespace {

std::size_t heap_in_use() { return mallinfo().uordblks; }

// In the worker: `iterations` of the loop this_request.hpp recommends, then how much the
// heap grew after the first thousand (bytes).
struct PollsForStop {
  int iterations = 0;
  wasm_mt::task<long> operator()() const {
    long before = 0;
    for (int i = 0; i < iterations; ++i) {
      if (i == 1000) before = long(heap_in_use());
      co_await wasm_mt::when_any(cached_future(i), wasm_mt::this_request::stopped());
    }
    co_return long(heap_in_use()) - before;
  }
};
WASM_MT_CLOSURE(PollsForStop, iterations)

wasm_mt::task<int> sleeps_then_7() {
  co_await wasm_mt::sleep(20);
  co_return 7;
}
wasm_mt::future<int> await_task(wasm_mt::task<int>& work) { co_return co_await std::move(work); }

}  // namespace

ASYNC_TEST_CASE("a task awaited twice is a logic_error, never a moved-from value", "[futures]") {
  auto make = []() -> wasm_mt::task<std::string> { co_return std::string(100, 'x'); };
  auto work = make();
  CHECK((co_await std::move(work)).size() == 100);
  bool threw = false;
  try {
    (void)co_await std::move(work);
  } catch (const std::logic_error&) {
    threw = true;
  }
  CHECK(threw);

  // A second awaiter while the first waits for it: refused, the first still gets the value.
  auto pending = sleeps_then_7();
  auto first = await_task(pending);
  auto second = await_task(pending);
  bool second_threw = false;
  try {
    (void)co_await std::move(second);
  } catch (const std::logic_error&) {
    second_threw = true;
  }
  CHECK(second_threw);
  CHECK((co_await std::move(first)) == 7);
}

ASYNC_TEST_CASE("when_any lets its losers go: their timers are cancelled, their consumers freed", "[futures]") {
  auto timers = [] { return EM_ASM_INT({ return wasmMtTimers.active.size; }); };
  // The JS timer a sleep armed: the one key `sleep_of` adds to wasmMtTimers.active.
  auto sleep_of = [](double ms, int& token) {
    EM_ASM({ globalThis.testTimerKeys = new Set(wasmMtTimers.active.keys()); });
    auto sleeping = wasm_mt::sleep(ms);
    token = EM_ASM_INT({ return Array.from(wasmMtTimers.active.keys()).find(k => !testTimerKeys.has(k)) || 0; });
    return sleeping;
  };
  auto armed = [](int token) { return EM_ASM_INT({ return wasmMtTimers.active.has($0 >>> 0) ? 1 : 0; }, token) == 1; };
  int soon_timer = 0, long_timer = 0, never_timer = 0;
  auto soon = sleep_of(5, soon_timer);
  auto long_sleep = sleep_of(60000, long_timer);
  auto never = sleep_of(INFINITY, never_timer);
  CHECK((armed(long_timer) && armed(never_timer)));
  auto first = co_await wasm_mt::when_any(std::move(soon), std::move(long_sleep), std::move(never));
  CHECK(first.index() == 0);
  CHECK_FALSE(armed(long_timer));  // (Node would otherwise stay alive 60 s for the loser)
  CHECK_FALSE(armed(never_timer));

  // A loop of when_any(ready work, a long sleep): memory and timers stay flat.
  std::size_t heap_before = 0;
  int timers_before = 0;
  for (int i = 0; i < 100000; ++i) {
    if (i == 1000) {
      heap_before = heap_in_use();
      timers_before = timers();
    }
    auto r = co_await wasm_mt::when_any(cached_future(i), wasm_mt::sleep(60000));
    if (r.index() != 0) FAIL("the sleep won");
  }
  CHECK(heap_in_use() - heap_before < 64 * 1024);
  CHECK(timers() == timers_before);
}

ASYNC_TEST_CASE("polling for a stop with when_any(work, this_request::stopped()) keeps memory flat", "[futures]") {
  auto th = co_await test::spawn();
  wasm_mt::stop_source stop;
  const long grew = co_await th.exec(PollsForStop{100000}, {.stop = stop.get_token()});
  CHECK(grew < 64 * 1024);
}

ASYNC_TEST_CASE("promise: a future settled by hand; one dropped unsettled fails broken_promise, never hangs",
                "[futures]") {
  wasm_mt::promise<int> p;
  auto f = p.get_future();
  CHECK_THROWS_AS(p.get_future(), std::logic_error);
  wasm_mt::sleep(5).then([p = std::move(p)]() mutable { p.set_value(42); }).detach();
  CHECK((co_await std::move(f)) == 42);
  // The producer goes away before it settles: broken_promise, not a hang.
  auto broken = [] {
    wasm_mt::promise<std::string> dropped;
    return dropped.get_future();
  }();
  CHECK((co_await test::error_of(std::move(broken), 1000)).kind() == wasm_mt::error_kind::broken_promise);
  // ...and what was chained on it hears it too.
  std::optional<wasm_mt::promise<void>> holder(std::in_place);
  auto chained = holder->get_future().then([] { return 1; });
  holder.reset();
  CHECK((co_await test::error_of(std::move(chained), 1000)).kind() == wasm_mt::error_kind::broken_promise);
  // Settled once: a second set is a logic_error; an error reaches the consumer as it is.
  wasm_mt::promise<int> q;
  auto g = q.get_future();
  q.set_exception(std::make_exception_ptr(wasm_mt::error(wasm_mt::error_kind::timeout, "late")));
  CHECK_THROWS_AS(q.set_value(1), std::logic_error);
  CHECK((co_await test::error_of(std::move(g))).kind() == wasm_mt::error_kind::timeout);
}
