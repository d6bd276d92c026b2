// Futures and tasks: one consumer each, continuations from a fresh microtask, and
// awaits of work that finishes at once in constant stack.
#include <emscripten/stack.h>

#include <cstdint>
#include <stdexcept>
#include <type_traits>

#include "shared_closures.hpp"
#include "async_test.hpp"

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
  f.then([&](int v) { value = v; });
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
  CHECK(expect_empty([&] { f.then([](int) {}); }, "moved-from) wasm_mt::future"));
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
  th.exec(shared::Multiply{2, 3}).then([](int) {}, [&](const wasm_mt::error&) { called_back = true; });
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
  settled.then([&](int v) { value = v; });
  CHECK(value == 0);
  co_await wasm_mt::sleep(0);
  CHECK(value == 5);
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
