// The pool's lifecycle at its edges (from a review that broke the first version): inits
// that fail or never finish, failing slots in an elastic pool, close() in every state,
// stats of retried tasks, max_queue while threads start.
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <emscripten/emscripten.h>

#include "async_test.hpp"
#include "timed_closures.hpp"

namespace {

double wall_now() { return EM_ASM_DOUBLE({ return Date.now(); }); }

// Fails on threads labelled `label` ("*": any) while the wall clock is in [from, until).
struct FlakyInit {
  std::string label;
  double from = 0;
  double until = 0;
  wasm_mt::task<void> operator()() const {
    co_await wasm_mt::sleep(1);
    const double now = EM_ASM_DOUBLE({ return Date.now(); });
    if ((label == "*" || wasm_mt::current_thread_label() == label) && now >= from && now < until)
      throw std::runtime_error("flaky init on " + wasm_mt::current_thread_label());
  }
};
WASM_MT_CLOSURE(FlakyInit, label, from, until)

int inits_here = 0;  // per worker
struct CountInit {
  int ms = 0;
  wasm_mt::task<void> operator()() const {
    co_await wasm_mt::sleep(ms);
    ++inits_here;
  }
};
WASM_MT_CLOSURE(CountInit, ms)

struct Inits {
  int operator()() const { return inits_here; }
};
WASM_MT_CLOSURE(Inits)

using RNap = test::Nap;

struct RSpin {
  double ms = 0;
  int operator()() const {
    const double until = emscripten_get_now() + ms;
    while (emscripten_get_now() < until) {
    }
    return 1;
  }
};
WASM_MT_CLOSURE(RSpin, ms)

struct RTrapsIf {
  int value = 0;
  bool trap = false;
  int operator()() const {
    if (trap) __builtin_trap();
    return value;
  }
};
WASM_MT_CLOSURE(RTrapsIf, value, trap)

// Traps on the thread labelled `label`, after `ms`; elsewhere returns 1 after `ms`.
struct CrashOn {
  std::string label;
  int ms = 0;
  wasm_mt::task<int> operator()() const {
    co_await wasm_mt::sleep(ms);
    if (wasm_mt::current_thread_label() == label) __builtin_trap();
    co_return 1;
  }
};
WASM_MT_CLOSURE(CrashOn, label, ms)

}  // namespace

ASYNC_TEST_CASE("stats count each task once, even when a crash sent it twice", "[pool]") {
  auto pool = co_await wasm_mt::pool::create({.threads = 1});
  std::vector<wasm_mt::job<int>> jobs;
  for (int i = 0; i < 40; ++i) jobs.push_back(pool.exec(RTrapsIf{i, i == 17}));
  int ok = 0, crashed = 0;
  for (auto& j : jobs) {
    try {
      (void)co_await std::move(j);
      ++ok;
    } catch (const wasm_mt::error&) {
      ++crashed;
    }
  }
  auto st = pool.stats();
  INFO("run.count " << st.run.count << " wait.count " << st.wait.count);
  CHECK(ok == 39);
  CHECK(crashed == 1);
  CHECK(st.completed == 39);
  CHECK(st.failed == 1);
  CHECK(st.run.count == 40);   // one run per task
  CHECK(st.wait.count == 40);  // one wait per task
}

ASYNC_TEST_CASE("a slot above min_threads whose start fails does not retry for ever with no demand", "[pool]") {
  const int before = test::glue_workers();
  auto pool = wasm_mt::pool::start(
      {.min_threads = 0, .max_threads = 2, .label = "sr", .init = FlakyInit{"*", 0, 1e300}});
  auto e = co_await test::error_of(pool.exec(RNap{0, 1}), 5000);
  CHECK(e.kind() == wasm_mt::error_kind::spawn_failed);
  co_await wasm_mt::sleep(200);
  const auto r1 = pool.health().replacements;
  co_await wasm_mt::sleep(2000);
  const auto h = pool.health();
  INFO("replacements " << r1 << " -> " << h.replacements << ", threads " << h.threads << ", waiting "
                       << h.waiting_to_retry);
  CHECK(h.replacements == r1);  // nothing asked for a thread: no worker spawned
  CHECK(h.threads == 0);        // min_threads is 0
  co_await pool.close();
  CHECK(co_await test::until([&] { return test::glue_workers() == before; }, 2000));
}

ASYNC_TEST_CASE("a failing slot does not stop an elastic pool from growing for waiting tasks", "[pool]") {
  const double now = wall_now();
  auto pool = wasm_mt::pool::start(
      {.min_threads = 2, .max_threads = 4, .label = "gb", .init = FlakyInit{"gb-1", 0, now + 5000}});
  CHECK(co_await test::until([&] { return pool.threads_alive() == 1 && pool.health().waiting_to_retry == 1; }, 5000));
  const double t0 = emscripten_get_now();
  std::vector<wasm_mt::job<int>> jobs;
  for (int i = 0; i < 3; ++i) jobs.push_back(pool.exec(RNap{400, i}));
  // Docs: "a new thread starts while tasks wait for one (as many as are waiting, up to max_threads)".
  const bool grew = co_await test::until([&] { return pool.health().starting + pool.threads_alive() >= 3; }, 300);
  CHECK(grew);
  for (auto& j : jobs) (void)co_await std::move(j);
  const double took = emscripten_get_now() - t0;
  INFO("3 tasks of 400 ms took " << took << " ms");
  CHECK(took < 1100);
}

ASYNC_TEST_CASE("idle retirement keeps min_threads running while a slot's start fails", "[pool]") {
  const double t_fail = wall_now() + 600;
  auto pool = co_await wasm_mt::pool::create(
      {.min_threads = 2, .max_threads = 3, .idle_timeout_ms = 1500, .label = "rm",
       .init = FlakyInit{"rm-1", t_fail, t_fail + 30000}});
  std::vector<wasm_mt::job<int>> jobs;
  for (int i = 0; i < 3; ++i) jobs.push_back(pool.exec(RNap{300, i}));
  for (auto& j : jobs) (void)co_await std::move(j);
  CHECK(pool.size() == 3);
  while (wall_now() < t_fail + 50) co_await wasm_mt::sleep(20);
  // One task per thread (none has retired yet): the one on rm-1 crashes it; its
  // replacement's init then fails, again and again.
  REQUIRE(pool.threads_alive() == 3);
  std::vector<wasm_mt::job<int>> crashes;
  for (int i = 0; i < 3; ++i) crashes.push_back(pool.exec(CrashOn{"rm-1", 100}));
  int crashed = 0;
  for (auto& j : crashes) {
    try {
      (void)co_await std::move(j);
    } catch (const wasm_mt::error&) {
      ++crashed;
    }
  }
  CHECK(crashed == 1);
  CHECK(co_await test::until([&] { return pool.health().last_start_error.find("flaky init") != std::string::npos; }, 3000));
  co_await wasm_mt::sleep(3500);  // past the idle timeout
  auto h = pool.health();
  INFO("threads " << h.threads << " running " << h.running << " waiting " << h.waiting_to_retry);
  CHECK(h.running == 2);  // min_threads, both healthy: neither retired
  CHECK(h.threads == 2);  // the failing slot, not needed, was given up
}

ASYNC_TEST_CASE("a replacement after a timeout runs init before its first task", "[pool]") {
  auto pool = co_await wasm_mt::pool::create({.threads = 1, .task_timeout_ms = 150, .init = CountInit{50}});
  CHECK((co_await pool.exec(Inits{})) == 1);
  auto e = co_await test::error_of(pool.exec(RSpin{1000}));
  CHECK(e.kind() == wasm_mt::error_kind::timeout);
  CHECK((co_await pool.exec(Inits{})) == 1);
  CHECK(pool.health().replacements == 1);
}

ASYNC_TEST_CASE("close() while threads are still in init; tasks run after init; no worker left", "[pool]") {
  const int before = test::glue_workers();
  auto pool = wasm_mt::pool::start({.threads = 2, .init = CountInit{200}});
  std::vector<wasm_mt::job<int>> jobs;
  for (int i = 0; i < 5; ++i) jobs.push_back(pool.exec(Inits{}));
  co_await pool.close();
  for (auto& j : jobs) CHECK((co_await std::move(j)) == 1);
  CHECK(test::glue_workers() == before);
  auto st = pool.stats();
  CHECK(st.completed == 5);
}

ASYNC_TEST_CASE("close() of a pool started and closed at once ends its starting threads", "[pool]") {
  const int before = test::glue_workers();
  auto pool = wasm_mt::pool::start({.threads = 2, .init = CountInit{200}});
  co_await pool.close();
  CHECK(co_await test::until([&] { return test::glue_workers() == before; }, 2000));
}

ASYNC_TEST_CASE("a crash during close() is replaced and close() still resolves", "[pool]") {
  const int before = test::glue_workers();
  auto pool = co_await wasm_mt::pool::create({.threads = 2});
  std::vector<wasm_mt::job<int>> jobs;
  for (int i = 0; i < 8; ++i) jobs.push_back(pool.exec(RNap{50, i}));
  auto crash = pool.exec(RTrapsIf{0, true});
  for (int i = 8; i < 12; ++i) jobs.push_back(pool.exec(RNap{50, i}));
  auto closed = pool.close();
  co_await test::settled(closed, 10000);
  for (int i = 0; i < 12; ++i) CHECK((co_await std::move(jobs[i])) == i);
  CHECK((co_await test::error_of(std::move(crash))).kind() == wasm_mt::error_kind::worker_crashed);
  CHECK(test::glue_workers() == before);
}

ASYNC_TEST_CASE("cancelling the last queued task of a closing pool ends it", "[pool]") {
  const int before = test::glue_workers();
  auto pool = co_await wasm_mt::pool::create({.threads = 1});
  auto running = pool.exec(RNap{200, 1});
  auto queued = pool.exec(RNap{0, 2});
  auto closed = pool.close();
  CHECK(queued.cancel());
  co_await test::settled(closed, 5000);
  CHECK((co_await std::move(running)) == 1);
  CHECK(test::glue_workers() == before);
  auto st = pool.stats();
  CHECK(st.completed == 1);
  CHECK(st.cancelled == 1);
}

ASYNC_TEST_CASE("destroying the pool or closing it from a task's continuation", "[pool]") {
  const int before = test::glue_workers();
  std::optional<wasm_mt::pool> pool = co_await wasm_mt::pool::create({.threads = 2});
  auto later = pool->exec(RNap{300, 2});
  bool ran = false;
  auto first = pool->exec(RNap{10, 1}).then([&](int) { pool.reset(); ran = true; });
  co_await std::move(first);
  CHECK(ran);
  CHECK((co_await test::error_of(std::move(later), 2000)).kind() == wasm_mt::error_kind::terminated);
  CHECK(co_await test::until([&] { return test::glue_workers() == before; }, 2000));

  auto p2 = co_await wasm_mt::pool::create({.threads = 1});
  wasm_mt::future<void> closed;
  auto a = p2.exec(RNap{10, 1}).then([&](int v) { closed = p2.close(); return v; });
  auto b = p2.exec(RNap{10, 2});
  CHECK((co_await std::move(a)) == 1);
  CHECK((co_await std::move(b)) == 2);
  co_await test::settled(closed, 3000);
  CHECK(test::glue_workers() == before);
}

ASYNC_TEST_CASE("elastic growth and timeouts never exceed max_threads; size returns to min", "[pool]") {
  auto pool = co_await wasm_mt::pool::create(
      {.min_threads = 1, .max_threads = 2, .idle_timeout_ms = 100, .task_timeout_ms = 150});
  std::vector<wasm_mt::job<int>> jobs;
  for (int i = 0; i < 5; ++i) jobs.push_back(pool.exec(RSpin{400}));
  std::size_t most = 0;
  for (auto& j : jobs) {
    while (!j.ready()) {
      most = std::max(most, pool.size());
      co_await wasm_mt::sleep(5);
    }
    CHECK((co_await test::error_of(std::move(j))).kind() == wasm_mt::error_kind::timeout);
  }
  CHECK(most <= 2);
  CHECK(co_await test::until([&] { return pool.size() == 1; }, 5000));
  CHECK((co_await pool.exec(RNap{0, 3})) == 3);
}

ASYNC_TEST_CASE("map on an elastic pool from zero threads", "[pool]") {
  auto pool = co_await wasm_mt::pool::create({.min_threads = 0, .max_threads = 3, .idle_timeout_ms = 50});
  auto results = co_await pool.map(6, [](std::size_t i) { return RNap{20, int(i)}; });
  REQUIRE(results.size() == 6);
  for (int i = 0; i < 6; ++i) CHECK(results[i] == i);
  CHECK(pool.size() <= 3);
  CHECK(co_await test::until([&] { return pool.size() == 0; }, 3000));
}

ASYNC_TEST_CASE("a trap in init fails create, no worker left", "[pool]") {
  const int before = test::glue_workers();
  auto e = co_await test::error_of(wasm_mt::pool::create({.threads = 2, .init = RTrapsIf{0, true}}));
  CHECK(e.kind() == wasm_mt::error_kind::spawn_failed);
  CHECK(co_await test::until([&] { return test::glue_workers() == before; }, 2000));
}

ASYNC_TEST_CASE("max_queue with pool::start / an elastic pool: tasks waiting for starting threads", "[pool]") {
  auto pool = wasm_mt::pool::start({.threads = 4, .max_queue = wasm_mt::queue_limit::at_most(2)});
  std::vector<wasm_mt::job<int>> jobs;
  for (int i = 0; i < 4; ++i) jobs.push_back(pool.exec(RNap{10, i}));
  int full = 0;
  for (int i = 0; i < 4; ++i) {
    try {
      (void)co_await std::move(jobs[i]);
    } catch (const wasm_mt::error& e) {
      full += e.kind() == wasm_mt::error_kind::queue_full;
    }
  }
  INFO("4 tasks for 4 starting threads, max_queue 2: " << full << " failed with queue_full");
  CHECK(full == 0);

  auto elastic = co_await wasm_mt::pool::create({.min_threads = 0, .max_threads = 4, .max_queue = wasm_mt::queue_limit::at_most(1)});
  std::vector<wasm_mt::job<int>> more;
  for (int i = 0; i < 2; ++i) more.push_back(elastic.exec(RNap{10, i}));
  full = 0;
  for (auto& j : more) {
    try {
      (void)co_await std::move(j);
    } catch (const wasm_mt::error& e) {
      full += e.kind() == wasm_mt::error_kind::queue_full;
    }
  }
  INFO("2 tasks, 0 of 4 threads, max_queue 1: " << full << " failed with queue_full");
  CHECK(full == 0);
}

ASYNC_TEST_CASE("close() of a pool whose inits all fail, with tasks queued", "[pool]") {
  const int before = test::glue_workers();
  auto pool = wasm_mt::pool::start({.threads = 2, .init = FlakyInit{"*", 0, 1e300}});
  std::vector<wasm_mt::job<int>> jobs;
  for (int i = 0; i < 3; ++i) jobs.push_back(pool.exec(RNap{0, i}));
  auto closed = pool.close();
  co_await test::settled(closed, 5000);
  for (auto& j : jobs) CHECK((co_await test::error_of(std::move(j), 1000)).kind() == wasm_mt::error_kind::spawn_failed);
  CHECK(co_await test::until([&] { return test::glue_workers() == before; }, 2000));
}

ASYNC_TEST_CASE("destroying a pool during init logs nothing and leaves no worker", "[pool]") {
  const int before = test::glue_workers();
  {
    auto pool = wasm_mt::pool::start({.threads = 2, .init = CountInit{300}});
    co_await wasm_mt::sleep(100);
  }
  co_await wasm_mt::sleep(400);
  CHECK(test::glue_workers() == before);
}

ASYNC_TEST_CASE("stats of an elastic pool after growth and retirement", "[pool]") {
  auto pool = co_await wasm_mt::pool::create({.min_threads = 1, .max_threads = 3, .idle_timeout_ms = 50});
  std::vector<wasm_mt::job<int>> jobs;
  for (int i = 0; i < 6; ++i) jobs.push_back(pool.exec(RNap{100, i}));
  for (auto& j : jobs) (void)co_await std::move(j);
  CHECK(co_await test::until([&] { return pool.size() == 1; }, 3000));
  auto st = pool.stats();
  INFO("utilization " << st.utilization << " run p50 " << st.run.p50_ms << " wait max " << st.wait.max_ms);
  CHECK(st.completed == 6);
  CHECK(st.run.count == 6);
  CHECK(st.utilization > 0);
  CHECK(st.utilization <= 1);
}

ASYNC_TEST_CASE("an init that does not finish within init_timeout_ms is a start that failed", "[pool]") {
  const int before = test::glue_workers();
  auto e = co_await test::error_of(
      wasm_mt::pool::create({.threads = 1, .init = CountInit{1000000}, .init_timeout_ms = 300}), 5000);
  CHECK(e.kind() == wasm_mt::error_kind::spawn_failed);
  CHECK_THAT(e.message(), Catch::Contains("init_timeout_ms (300"));
  auto pool = wasm_mt::pool::start({.threads = 1, .init = CountInit{1000000}, .init_timeout_ms = 300});
  auto queued = co_await test::error_of(pool.exec(Inits{}), 5000);
  CHECK(queued.kind() == wasm_mt::error_kind::spawn_failed);
  CHECK_THAT(pool.health().last_start_error, Catch::Contains("did not finish"));
  CHECK(co_await test::until([&] { return test::glue_workers() == before + 1; }, 2000));  // only the retry's worker
}
