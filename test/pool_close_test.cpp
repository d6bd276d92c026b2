// A pool's ends and waits, as the peers' own tests check theirs, translated: close with
// cancel_queued (piscina's close({force: true})) and timeout_ms (piscina's closeTimeout),
// cancel_queued() (tinypool's cancelPendingTasks), settled()/completed() (threads.js's
// pool.settled()/completed()), needs_drain()/drained() (piscina's needsDrain/'drain'),
// and max_queue's limits (piscina's maxQueue: a number, 0, 'auto').
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include <emscripten/emscripten.h>

#include "async_test.hpp"

namespace {

struct Sleep {
  int ms = 0;
  int value = 0;
  wasm_mt::task<int> operator()() const {
    co_await wasm_mt::sleep(ms);
    co_return value;
  }
};
WASM_MT_CLOSURE(Sleep, ms, value)

struct SleepThenFail {
  int ms = 0;
  std::string why;
  wasm_mt::task<int> operator()() const {
    co_await wasm_mt::sleep(ms);
    throw std::runtime_error(why);
  }
};
WASM_MT_CLOSURE(SleepThenFail, ms, why)


// The kind of each job's error, or "value" for one that succeeded.
wasm_mt::task<std::vector<std::string>> outcomes(std::vector<wasm_mt::job<int>>& jobs) {
  std::vector<std::string> seen;
  for (auto& j : jobs) {
    try {
      (void)co_await std::move(j);
      seen.push_back("value");
    } catch (const wasm_mt::error& e) {
      seen.push_back(std::string(wasm_mt::error_kind_name(e.kind())) + (e.not_run() ? " not run" : ""));
    }
  }
  co_return seen;
}

}  // namespace

// piscina test/pool-close.ts: "close() with force: queued tasks are rejected, running ones finish".
ASYNC_TEST_CASE("close with cancel_queued fails the queue now and lets running tasks finish", "[pool]") {
  const int before = test::glue_workers();
  auto pool = co_await wasm_mt::pool::create({.threads = 1});
  std::vector<wasm_mt::job<int>> jobs;
  for (int i = 0; i < 4; ++i) jobs.push_back(pool.exec(Sleep{300, i}));  // one runs, three wait
  auto closed = pool.close({.cancel_queued = true});
  CHECK(pool.queued() == 0);
  for (int i = 1; i < 4; ++i) CHECK(jobs[i].ready());  // failed at once
  CHECK_FALSE(closed.ready());
  co_await std::move(closed);
  CHECK(co_await outcomes(jobs) ==
        std::vector<std::string>{"value", "cancelled not run", "cancelled not run", "cancelled not run"});
  CHECK(test::glue_workers() == before);
  CHECK(pool.stats().cancelled == 3);
}

// piscina test/pool-close.ts: "timed out close operation destroys the pool".
ASYNC_TEST_CASE("close with timeout_ms destroys the pool when its tasks outlast it", "[pool]") {
  const int before = test::glue_workers();
  auto pool = co_await wasm_mt::pool::create({.threads = 1});
  std::vector<wasm_mt::job<int>> jobs;
  jobs.push_back(pool.exec(Sleep{20000, 0}));
  jobs.push_back(pool.exec(Sleep{0, 1}));
  const double start = emscripten_get_now();
  co_await pool.close({.timeout_ms = 200});
  const double took = emscripten_get_now() - start;
  CHECK(took >= 190);
  CHECK(took < 5000);
  CHECK(co_await outcomes(jobs) == std::vector<std::string>{"terminated", "cancelled not run"});
  CHECK(test::glue_workers() == before);

  // Tasks that finish in time: the limit changes nothing.
  auto quick = co_await wasm_mt::pool::create({.threads = 1});
  auto job = quick.exec(Sleep{50, 7});
  const double quick_start = emscripten_get_now();
  co_await quick.close({.timeout_ms = 10000});
  CHECK(emscripten_get_now() - quick_start < 5000);  // ended when idle, not at the limit
  CHECK((co_await std::move(job)) == 7);

  // A bad limit is refused, and the pool goes on.
  auto open = co_await wasm_mt::pool::create({.threads = 1});
  std::string refused;
  try {
    co_await open.close({.timeout_ms = -1});
  } catch (const std::invalid_argument& e) {
    refused = e.what();
  }
  CHECK_THAT(refused, Catch::Contains("close_options::timeout_ms"));
  CHECK((co_await open.exec(Sleep{0, 3})) == 3);
  // The earliest limit wins, whichever close() gave it.
  auto long_task = open.exec(Sleep{20000, 0});
  const double both_start = emscripten_get_now();
  auto first = open.close({.timeout_ms = 100});
  auto second = open.close({.timeout_ms = 15000});
  co_await std::move(second);
  CHECK(emscripten_get_now() - both_start < 5000);
  CHECK(first.ready());
  CHECK((co_await test::error_of(std::move(long_task))).kind() == wasm_mt::error_kind::terminated);
}

// tinypool test/cancel-pending-tasks: "cancelPendingTasks rejects the queued tasks, the running ones finish".
ASYNC_TEST_CASE("cancel_queued fails every queued task; running ones finish and the pool stays open", "[pool]") {
  auto pool = co_await wasm_mt::pool::create({.threads = 2});
  std::vector<wasm_mt::job<int>> jobs;
  for (int i = 0; i < 5; ++i) jobs.push_back(pool.exec(Sleep{300, i}));  // two run, three wait
  CHECK(pool.cancel_queued() == 3);
  CHECK(pool.cancel_queued() == 0);
  auto seen = co_await outcomes(jobs);
  CHECK(seen == std::vector<std::string>{"value", "value", "cancelled not run", "cancelled not run", "cancelled not run"});
  CHECK((co_await pool.exec(Sleep{0, 8})) == 8);
}

// threads.js test/pool.test.ts: "pool.completed() resolves once all tasks are done",
// "pool.completed() rejects on a task failure", "pool.settled() resolves with the errors".
ASYNC_TEST_CASE("settled and completed wait for all submitted work, failures listed, the pool open", "[pool]") {
  auto pool = co_await wasm_mt::pool::create({.threads = 2});
  // Idle: at once.
  auto idle = pool.settled();
  CHECK(idle.ready());
  CHECK((co_await std::move(idle)).empty());

  std::vector<wasm_mt::job<int>> jobs;
  for (int i = 0; i < 4; ++i) jobs.push_back(pool.exec(Sleep{40, i}));
  auto done = pool.completed();
  CHECK_FALSE(done.ready());
  co_await std::move(done);
  for (auto& j : jobs) CHECK(j.ready());
  CHECK(co_await outcomes(jobs) == std::vector<std::string>{"value", "value", "value", "value"});

  // Failures: listed in the order they failed; a cancellation is not one.
  auto failing_late = pool.exec(SleepThenFail{600, "second"});
  auto failing_early = pool.exec(SleepThenFail{20, "first"});
  auto cancelled = pool.exec(Sleep{0, 0});
  auto fine = pool.exec(Sleep{10, 5});
  CHECK(cancelled.cancel());
  auto errors = co_await pool.settled();
  REQUIRE(errors.size() == 2);
  CHECK_THAT(errors[0].message(), Catch::Contains("first"));
  CHECK_THAT(errors[1].message(), Catch::Contains("second"));
  CHECK(pool.queued() + pool.running() == 0);
  (void)co_await test::error_of(std::move(failing_late));
  (void)co_await test::error_of(std::move(failing_early));
  (void)co_await test::error_of(std::move(cancelled));
  CHECK((co_await std::move(fine)) == 5);

  // A task stopped by its deadline is listed when its caller got the error, before its
  // worker is replaced (stop_grace_ms later).
  auto slow_pool = co_await wasm_mt::pool::create({.threads = 2, .stop_grace_ms = 1000});
  auto deadline = slow_pool.exec(Sleep{20000, 0}, {.timeout_ms = 50});
  auto later = slow_pool.exec(SleepThenFail{300, "after the deadline"});
  auto listed = co_await slow_pool.settled();
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].kind() == wasm_mt::error_kind::timeout);
  CHECK_THAT(listed[1].message(), Catch::Contains("after the deadline"));
  (void)co_await test::error_of(std::move(deadline));
  (void)co_await test::error_of(std::move(later));

  auto failed = pool.exec(SleepThenFail{10, "broken"});
  auto error = co_await test::error_of(pool.completed());
  CHECK_THAT(error.message(), Catch::Contains("broken"));
  (void)co_await test::error_of(std::move(failed));
  CHECK((co_await pool.exec(Sleep{0, 9})) == 9);  // still open

  // Destroying the pool settles what waits.
  wasm_mt::future<std::vector<wasm_mt::error>> waiting;
  wasm_mt::job<int> stuck;
  {
    auto doomed = co_await wasm_mt::pool::create({.threads = 1});
    stuck = doomed.exec(Sleep{20000, 0});
    waiting = doomed.settled();
  }
  auto left = co_await std::move(waiting);
  REQUIRE(left.size() == 1);
  CHECK(left[0].kind() == wasm_mt::error_kind::terminated);
  (void)co_await test::error_of(std::move(stuck));
}

// piscina test/drain.ts: "drain is emitted once the queue is empty; needsDrain with maxQueue".
ASYNC_TEST_CASE("needs_drain and drained let a producer wait for room in a bounded queue", "[pool]") {
  auto pool = co_await wasm_mt::pool::create({.threads = 2, .max_queue = wasm_mt::queue_limit::at_most(3)});
  CHECK_FALSE(pool.needs_drain());
  CHECK(pool.drained().ready());
  std::vector<wasm_mt::job<int>> jobs;
  int refused = 0, waits = 0;
  for (int i = 0; i < 40; ++i) {
    if (pool.needs_drain()) {
      ++waits;
      auto drained = pool.drained();
      CHECK_FALSE(drained.ready());
      co_await std::move(drained);
      CHECK(pool.queued() == 0);
      CHECK_FALSE(pool.needs_drain());
    }
    jobs.push_back(pool.exec(Sleep{10, i}));
    if (jobs.back().ready()) ++refused;
  }
  CHECK(refused == 0);
  CHECK(waits > 2);
  auto seen = co_await outcomes(jobs);
  CHECK(seen == std::vector<std::string>(40, "value"));

  // Unbounded (the default): never needs a drain, drained() waits for the queue all the same.
  auto unbounded = co_await wasm_mt::pool::create({.threads = 1});
  std::vector<wasm_mt::job<int>> many;
  for (int i = 0; i < 5; ++i) many.push_back(unbounded.exec(Sleep{20, i}));
  CHECK_FALSE(unbounded.needs_drain());
  auto drained = unbounded.drained();
  CHECK_FALSE(drained.ready());
  co_await std::move(drained);
  CHECK(unbounded.queued() == 0);
  CHECK(unbounded.running() == 1);  // the last one runs
  (void)co_await outcomes(many);
}

// piscina test/max-queue.ts: maxQueue as a number, 0 ("no queue") and 'auto' (maxThreads²).
ASYNC_TEST_CASE("max_queue: at_most(0) is no queue, automatic() is max_threads squared", "[pool]") {
  auto no_queue = co_await wasm_mt::pool::create({.threads = 2, .max_queue = wasm_mt::queue_limit::at_most(0)});
  std::vector<wasm_mt::job<int>> jobs;
  for (int i = 0; i < 3; ++i) jobs.push_back(no_queue.exec(Sleep{100, i}));  // two threads free: two go
  CHECK(co_await outcomes(jobs) == std::vector<std::string>{"value", "value", "queue_full not run"});
  CHECK((co_await no_queue.exec(Sleep{0, 4})) == 4);  // a free thread again

  auto automatic = co_await wasm_mt::pool::create({.threads = 2, .max_queue = wasm_mt::queue_limit::automatic()});
  std::vector<wasm_mt::job<int>> more;
  for (int i = 0; i < 2 + 4 + 1; ++i) more.push_back(automatic.exec(Sleep{100, i}));  // 2 run, 4 wait, 1 over
  auto seen = co_await outcomes(more);
  CHECK(std::count(seen.begin(), seen.end(), "value") == 6);
  CHECK(seen.back() == "queue_full not run");

  // With no queue, needs_drain() says whether a thread is free, and drained() waits for one.
  CHECK_FALSE(no_queue.needs_drain());  // both idle
  auto busy_a = no_queue.exec(Sleep{200, 1});
  CHECK_FALSE(no_queue.needs_drain());  // one idle
  auto busy_b = no_queue.exec(Sleep{400, 2});
  CHECK(no_queue.needs_drain());
  co_await no_queue.drained();
  CHECK_FALSE(no_queue.needs_drain());
  CHECK(busy_a.ready());
  CHECK_FALSE(busy_b.ready());
  CHECK((co_await no_queue.exec(Sleep{0, 3})) == 3);
  CHECK((co_await std::move(busy_b)) == 2);
}
