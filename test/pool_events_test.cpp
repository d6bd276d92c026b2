// A pool's events (pool_options::on_event, pool_event.hpp): each task's life, each
// worker's, a crash nobody awaited, and when the handler runs and what it may do
// (threads.js's pool events; piscina's 'workerCreate'/'workerDestroy'/'error').
#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <emscripten/emscripten.h>

#include "async_test.hpp"
#include "logged_errors.hpp"
#include "timed_closures.hpp"

namespace {

using wasm_mt::pool_event;
using kind = wasm_mt::pool_event_kind;

// The events seen, in order.
struct event_log {
  std::vector<pool_event> events;
  auto handler() {
    return [this](const pool_event& e) { events.push_back(e); };
  }
  // The kinds of task `task`'s events, in order.
  std::vector<kind> of_task(std::uint64_t task) const {
    std::vector<kind> kinds;
    for (const auto& e : events)
      if (e.task == task) kinds.push_back(e.kind);
    return kinds;
  }
  const pool_event* find(kind k, std::uint64_t task = 0, std::uint64_t worker = 0) const {
    for (const auto& e : events)
      if (e.kind == k && (!task || e.task == task) && (!worker || e.worker == worker)) return &e;
    return nullptr;
  }
  std::size_t count(kind k) const {
    return std::count_if(events.begin(), events.end(), [k](const pool_event& e) { return e.kind == k; });
  }
};

// The wasm_mt::error in `error` (fails the test case if it holds another exception).
wasm_mt::error error_in(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const wasm_mt::error& e) {
    return e;
  } catch (...) {
  }
  FAIL("not a wasm_mt::error");
  throw std::logic_error("unreachable");
}

}  // namespace

// threads.js test "pool events": taskQueued, taskStart, taskCompleted, taskFailed.
ASYNC_TEST_CASE("pool events: each task is queued, started and settled, on the worker that ran it", "[pool]") {
  event_log log;
  auto pool = co_await wasm_mt::pool::create({.threads = 1, .on_event = log.handler()});
  CHECK(co_await test::until([&] { return log.find(kind::worker_ready) != nullptr; }, 2000));
  const auto* starting = log.find(kind::worker_starting);
  REQUIRE(starting);
  const std::uint64_t worker = starting->worker;
  CHECK(worker != 0);
  CHECK(starting->slot == 0);
  CHECK(starting->replaces == 0);
  CHECK(log.find(kind::worker_ready)->worker == worker);

  const std::size_t before = log.events.size();
  auto done = pool.exec(test::Nap{10, 7});
  CHECK(log.events.size() == before);  // never inside the call into the pool
  CHECK(done.id() != 0);
  CHECK((co_await done) == 7);
  CHECK(co_await test::until([&] { return log.find(kind::task_settled, done.id()) != nullptr; }, 2000));
  CHECK(log.of_task(done.id()) == std::vector<kind>{kind::task_queued, kind::task_started, kind::task_settled});
  CHECK(log.find(kind::task_started, done.id())->worker == worker);
  const auto* settled = log.find(kind::task_settled, done.id());
  CHECK(settled->worker == worker);
  CHECK(settled->slot == 0);
  CHECK_FALSE(settled->error);
  CHECK(settled->time_ms >= log.find(kind::task_queued, done.id())->time_ms);

  auto fails = pool.exec(test::NapThenThrow{5, "no luck"});
  const auto fails_id = fails.id();
  (void)co_await test::error_of(std::move(fails));
  CHECK(co_await test::until([&] { return log.find(kind::task_settled, fails_id) != nullptr; }, 2000));
  const auto* failed = log.find(kind::task_settled, fails_id);
  REQUIRE(failed->error);
  CHECK_THAT(error_in(failed->error).message(), Catch::Contains("no luck"));

  // Cancelled while queued: queued, then settled, never started.
  auto ahead = pool.exec(test::Nap{100, 1});
  auto queued = pool.exec(test::Nap{0, 2});
  CHECK(queued.cancel("changed my mind"));
  CHECK((co_await ahead) == 1);
  CHECK(co_await test::until([&] { return log.find(kind::task_settled, queued.id()) != nullptr; }, 2000));
  CHECK(log.of_task(queued.id()) == std::vector<kind>{kind::task_queued, kind::task_settled});
  CHECK(error_in(log.find(kind::task_settled, queued.id())->error).message() == "changed my mind");
  CHECK(log.find(kind::task_settled, queued.id())->worker == 0);
}

// piscina test "'error' event": a worker that dies while idle is reported to someone.
ASYNC_TEST_CASE("pool events: a worker that dies while idle is seen, and its replacement has a new id", "[pool]") {
  event_log log;
  auto pool = co_await wasm_mt::pool::create({.threads = 1, .on_event = log.handler()});
  // (It dies past the first second: replaced at once, not after a young death's backoff.)
  CHECK((co_await pool.exec_js<int>("setTimeout(() => { throw new Error('idle crash'); }, 1100); return 1;")) == 1);
  CHECK(co_await test::until([&] { return log.find(kind::worker_died) != nullptr; }, 5000));
  CHECK(pool.health().young_deaths == 0);
  const auto* died = log.find(kind::worker_died);
  const std::uint64_t dead = died->worker;
  REQUIRE(died->error);
  CHECK(error_in(died->error).kind() == wasm_mt::error_kind::worker_crashed);
  // Its replacement: a new id, in the same slot, saying whom it replaces.
  CHECK(co_await test::until([&] { return log.count(kind::worker_ready) == 2; }, 5000));
  const pool_event* replacement = nullptr;
  for (const auto& e : log.events)
    if (e.kind == kind::worker_starting && e.replaces == dead) replacement = &e;
  REQUIRE(replacement);
  CHECK(replacement->worker != dead);
  CHECK(replacement->slot == died->slot);
  const std::uint64_t fresh = replacement->worker;
  auto after = pool.exec(test::Nap{0, 5});
  CHECK((co_await after) == 5);
  CHECK(co_await test::until([&] { return log.find(kind::task_started, after.id()) != nullptr; }, 2000));
  CHECK(log.find(kind::task_started, after.id())->worker == fresh);
}

ASYNC_TEST_CASE("pool events: a worker stopped past its grace is terminated, an idle one retires", "[pool]") {
  event_log log;
  {
    auto pool = co_await wasm_mt::pool::create({.threads = 1, .stop_grace_ms = 50, .on_event = log.handler()});
    auto stuck = pool.exec(test::Spin{3000});
    co_await wasm_mt::sleep(30);
    CHECK(stuck.cancel());
    CHECK(co_await test::until([&] { return log.find(kind::worker_terminated) != nullptr; }, 3000));
    const auto* ended = log.find(kind::worker_terminated);
    REQUIRE(ended->error);
    CHECK(error_in(ended->error).kind() == wasm_mt::error_kind::terminated);
    CHECK(log.find(kind::task_started, stuck.id())->worker == ended->worker);
    CHECK(co_await test::until([&] { return log.count(kind::worker_ready) == 2; }, 3000));
  }
  log.events.clear();
  auto elastic = co_await wasm_mt::pool::create(
      {.min_threads = 0, .max_threads = 1, .idle_timeout_ms = 50, .on_event = log.handler()});
  CHECK((co_await elastic.exec(test::Nap{0, 3})) == 3);
  CHECK(co_await test::until([&] { return log.find(kind::worker_retired) != nullptr; }, 3000));
  CHECK(log.find(kind::worker_retired)->worker == log.find(kind::worker_ready)->worker);
  CHECK(elastic.size() == 0);
  // A task starts a worker again; close() retires it.
  CHECK((co_await elastic.exec(test::Nap{0, 4})) == 4);
  co_await elastic.close();
  CHECK(co_await test::until([&] { return log.count(kind::worker_retired) == 2; }, 3000));
}

ASYNC_TEST_CASE("pool events: the handler may call the pool, may throw, and may destroy the pool", "[pool]") {
  test::logged_errors logged;
  std::optional<wasm_mt::pool> pool;
  std::vector<wasm_mt::job<int>> from_handler;
  event_log log;
  int after_destroyed = 0;
  bool destroyed = false;
  int depth = 0;  // handler runs in progress: never more than one
  pool.emplace(co_await wasm_mt::pool::create({.threads = 1, .on_event = [&](const pool_event& e) {
    ++depth;
    CHECK(depth == 1);
    struct leave {
      int& depth;
      ~leave() { --depth; }
    } on_return{depth};
    if (destroyed) ++after_destroyed;
    log.events.push_back(e);
    if (e.kind == kind::task_settled && from_handler.empty()) {
      // A call into the pool from the handler: its own events come in a later run.
      from_handler.push_back(pool->exec(test::Nap{0, 9}));
      CHECK(pool->stats().completed >= 1);
    }
    if (e.kind == kind::task_queued && e.task == 3) throw std::runtime_error("a handler that throws");
    if (e.kind == kind::task_queued && e.task == 4) {
      destroyed = true;
      pool.reset();  // its task fails; nothing more is delivered, its task_started included
    }
  }}));
  CHECK((co_await pool->exec(test::Nap{0, 1})) == 1);  // task 1; its settling submits task 2
  CHECK(co_await test::until([&] { return from_handler.size() == 1; }, 2000));
  CHECK((co_await from_handler[0]) == 9);
  CHECK(co_await test::until([&] { return log.find(kind::task_settled, 2) != nullptr; }, 2000));

  auto three = pool->exec(test::Nap{0, 3});  // its task_queued handler throws: logged, delivery goes on
  CHECK((co_await three) == 3);
  CHECK(co_await test::until([&] { return log.find(kind::task_settled, 3) != nullptr; }, 2000));
  CHECK(logged.count("a handler that throws") == 1);

  // Task 4's task_queued and task_started come in one run; the handler destroys the pool
  // at the first.
  auto four = pool->exec(test::Nap{500, 4});
  auto e = co_await test::error_of(std::move(four), 2000);
  CHECK(e.kind() == wasm_mt::error_kind::terminated);
  CHECK_FALSE(pool.has_value());
  co_await wasm_mt::sleep(50);
  CHECK(after_destroyed == 0);
  CHECK(log.find(kind::task_queued, 4) != nullptr);
  CHECK(log.find(kind::task_started, 4) == nullptr);
}
