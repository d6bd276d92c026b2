// A pool's controls, as the peers' own tests check theirs, translated: close with
// cancel_queued (piscina's close({force: true})) and timeout_ms (piscina's closeTimeout),
// cancel_queued() (tinypool's cancelPendingTasks), settled()/completed() (threads.js's
// pool.settled()/completed()), needs_drain()/drained() (piscina's needsDrain/'drain'),
// max_queue's limits (piscina's maxQueue: a number, 0, 'auto'); and what a pool shows
// of its threads (workerpool's busyWorkers/idleWorkers) and a cancel's reason (piscina's
// abort reason); and call_options::priority (workerpool's and piscina's custom queues).
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include <emscripten/emscripten.h>

#include "async_test.hpp"
#include "timed_closures.hpp"

namespace {

// The how-many-th RunOrder this worker runs.
struct RunOrder {
  int operator()() const {
    static int runs = 0;
    return ++runs;
  }
};
WASM_MT_CLOSURE(RunOrder)

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
  for (int i = 0; i < 4; ++i) jobs.push_back(pool.exec(test::Nap{300, i}));  // one runs, three wait
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
  jobs.push_back(pool.exec(test::Nap{20000, 0}));
  jobs.push_back(pool.exec(test::Nap{0, 1}));
  const double start = emscripten_get_now();
  co_await pool.close({.timeout_ms = 200});
  const double took = emscripten_get_now() - start;
  CHECK(took >= 190);
  CHECK(took < 5000);
  CHECK(co_await outcomes(jobs) == std::vector<std::string>{"terminated", "cancelled not run"});
  CHECK(test::glue_workers() == before);

  // Tasks that finish in time: the limit changes nothing.
  auto quick = co_await wasm_mt::pool::create({.threads = 1});
  auto job = quick.exec(test::Nap{50, 7});
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
  CHECK((co_await open.exec(test::Nap{0, 3})) == 3);
  // The earliest limit wins, whichever close() gave it.
  auto long_task = open.exec(test::Nap{20000, 0});
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
  for (int i = 0; i < 5; ++i) jobs.push_back(pool.exec(test::Nap{300, i}));  // two run, three wait
  CHECK(pool.cancel_queued() == 3);
  CHECK(pool.cancel_queued() == 0);
  auto seen = co_await outcomes(jobs);
  CHECK(seen == std::vector<std::string>{"value", "value", "cancelled not run", "cancelled not run", "cancelled not run"});
  CHECK((co_await pool.exec(test::Nap{0, 8})) == 8);
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
  for (int i = 0; i < 4; ++i) jobs.push_back(pool.exec(test::Nap{40, i}));
  auto done = pool.completed();
  CHECK_FALSE(done.ready());
  co_await std::move(done);
  for (auto& j : jobs) CHECK(j.ready());
  CHECK(co_await outcomes(jobs) == std::vector<std::string>{"value", "value", "value", "value"});

  // Failures: listed in the order they failed; a cancellation is not one.
  auto failing_late = pool.exec(test::NapThenThrow{600, "second"});
  auto failing_early = pool.exec(test::NapThenThrow{20, "first"});
  auto cancelled = pool.exec(test::Nap{0, 0});
  auto fine = pool.exec(test::Nap{10, 5});
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
  auto deadline = slow_pool.exec(test::Nap{20000, 0}, {.timeout_ms = 50});
  auto later = slow_pool.exec(test::NapThenThrow{300, "after the deadline"});
  auto listed = co_await slow_pool.settled();
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].kind() == wasm_mt::error_kind::timeout);
  CHECK_THAT(listed[1].message(), Catch::Contains("after the deadline"));
  (void)co_await test::error_of(std::move(deadline));
  (void)co_await test::error_of(std::move(later));

  auto failed = pool.exec(test::NapThenThrow{10, "broken"});
  auto error = co_await test::error_of(pool.completed());
  CHECK_THAT(error.message(), Catch::Contains("broken"));
  (void)co_await test::error_of(std::move(failed));
  CHECK((co_await pool.exec(test::Nap{0, 9})) == 9);  // still open

  // Destroying the pool settles what waits.
  wasm_mt::future<std::vector<wasm_mt::error>> waiting;
  wasm_mt::job<int> stuck;
  {
    auto doomed = co_await wasm_mt::pool::create({.threads = 1});
    stuck = doomed.exec(test::Nap{20000, 0});
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
    jobs.push_back(pool.exec(test::Nap{10, i}));
    if (jobs.back().ready()) ++refused;
  }
  CHECK(refused == 0);
  CHECK(waits > 2);
  auto seen = co_await outcomes(jobs);
  CHECK(seen == std::vector<std::string>(40, "value"));

  // Unbounded (the default): never needs a drain, drained() waits for the queue all the same.
  auto unbounded = co_await wasm_mt::pool::create({.threads = 1});
  std::vector<wasm_mt::job<int>> many;
  for (int i = 0; i < 5; ++i) many.push_back(unbounded.exec(test::Nap{20, i}));
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
  for (int i = 0; i < 3; ++i) jobs.push_back(no_queue.exec(test::Nap{100, i}));  // two threads free: two go
  CHECK(co_await outcomes(jobs) == std::vector<std::string>{"value", "value", "queue_full not run"});
  CHECK((co_await no_queue.exec(test::Nap{0, 4})) == 4);  // a free thread again

  auto automatic = co_await wasm_mt::pool::create({.threads = 2, .max_queue = wasm_mt::queue_limit::automatic()});
  std::vector<wasm_mt::job<int>> more;
  for (int i = 0; i < 2 + 4 + 1; ++i) more.push_back(automatic.exec(test::Nap{100, i}));  // 2 run, 4 wait, 1 over
  auto seen = co_await outcomes(more);
  CHECK(std::count(seen.begin(), seen.end(), "value") == 6);
  CHECK(seen.back() == "queue_full not run");

  // With no queue, needs_drain() says whether a thread is free, and drained() waits for one.
  CHECK_FALSE(no_queue.needs_drain());  // both idle
  auto busy_a = no_queue.exec(test::Nap{200, 1});
  CHECK_FALSE(no_queue.needs_drain());  // one idle
  auto busy_b = no_queue.exec(test::Nap{400, 2});
  CHECK(no_queue.needs_drain());
  co_await no_queue.drained();
  CHECK_FALSE(no_queue.needs_drain());
  CHECK(busy_a.ready());
  CHECK_FALSE(busy_b.ready());
  CHECK((co_await no_queue.exec(test::Nap{0, 3})) == 3);
  CHECK((co_await std::move(busy_b)) == 2);
}

// workerpool test/Pool.test.js "should return statistics": busy and idle workers.
ASYNC_TEST_CASE("threads_busy and threads_idle count the threads with and without a task", "[pool]") {
  auto pool = co_await wasm_mt::pool::create({.threads = 2});
  CHECK(pool.threads_busy() == 0);
  CHECK(pool.threads_idle() == 2);
  auto one = pool.exec(test::Nap{200, 1});
  CHECK(pool.threads_busy() == 1);
  CHECK(pool.threads_idle() == 1);
  auto two = pool.exec(test::Nap{200, 2});
  auto three = pool.exec(test::Nap{200, 3});  // queued: no thread is idle
  CHECK(pool.threads_busy() == 2);
  CHECK(pool.threads_idle() == 0);
  CHECK(pool.queued() == 1);
  CHECK((co_await std::move(one)) + (co_await std::move(two)) + (co_await std::move(three)) == 6);
  CHECK(co_await test::until([&] { return pool.threads_busy() == 0; }, 2000));
  CHECK(pool.threads_idle() == 2);

  // A stopped task still running occupies its thread until its worker is replaced.
  auto stuck = pool.exec(test::Spin{5000});
  co_await wasm_mt::sleep(50);
  CHECK(stuck.cancel());
  CHECK(pool.threads_busy() == 1);
  CHECK(co_await test::until([&] { return pool.threads_busy() == 0 && pool.threads_idle() == 2; }, 3000));
  CHECK(pool.health().replacements == 1);
}

// piscina test/abort-task.ts "aborting with a reason rejects with that reason".
ASYNC_TEST_CASE("job::cancel(reason) fails the task with that reason as its message", "[pool]") {
  auto pool = co_await wasm_mt::pool::create({.threads = 1});
  auto running = pool.exec(test::Nap{2000, 1});
  auto queued = pool.exec(test::Nap{0, 2});
  auto plain = pool.exec(test::Nap{0, 3});
  co_await wasm_mt::sleep(20);
  CHECK(running.cancel("the user left the page"));
  CHECK(queued.cancel("superseded by a newer query"));
  CHECK(plain.cancel());
  auto r = co_await test::error_of(std::move(running), 500);
  CHECK(r.kind() == wasm_mt::error_kind::cancelled);
  CHECK(r.message() == "the user left the page");
  CHECK_FALSE(r.not_run());
  CHECK_THAT(std::string(r.what()), Catch::Contains("the user left the page"));
  auto q = co_await test::error_of(std::move(queued), 500);
  CHECK(q.kind() == wasm_mt::error_kind::cancelled);
  CHECK(q.message() == "superseded by a newer query");
  CHECK(q.not_run());
  auto p = co_await test::error_of(std::move(plain), 500);
  CHECK(p.message() == "the request was cancelled before it started");
  CHECK_FALSE(running.cancel("again"));  // settled: nothing to stop
  // (The running one counts once its worker answers the stop or is replaced.)
  CHECK(co_await test::until([&] { return pool.stats().cancelled == 3; }, 2000));

  // A stop token's reason (stop_source::request_stop(reason)), on a pool and a thread.
  wasm_mt::stop_source stop;
  auto by_token = pool.exec(test::Nap{2000, 4}, {.stop = stop.get_token()});
  auto th = co_await test::spawn();
  auto on_thread = th.exec(test::Nap{2000, 5}, {.stop = stop.get_token()});
  co_await wasm_mt::sleep(20);
  CHECK(stop.request_stop("the deadline moved"));
  CHECK(stop.get_token().stop_reason() == "the deadline moved");
  CHECK((co_await test::error_of(std::move(by_token), 500)).message() == "the deadline moved");
  CHECK((co_await test::error_of(std::move(on_thread), 500)).message() == "the deadline moved");
  auto after = co_await test::error_of(pool.exec(test::Nap{0, 6}, {.stop = stop.get_token()}));
  CHECK(after.message() == "the deadline moved");
  CHECK(after.not_run());
}

ASYNC_TEST_CASE("call_options::priority orders the queue; equal priorities keep their order", "[pool]") {
  auto pool = co_await wasm_mt::pool::create({.threads = 1});
  CHECK((co_await pool.exec(RunOrder{}, {.priority = -5})) == 1);  // a free thread takes it at once
  auto busy = pool.exec(test::Nap{100, 0});  // then the others wait
  const std::vector<int> priorities{0, 5, 0, 5, -1, 9, 0};
  std::vector<wasm_mt::job<int>> jobs;
  for (int p : priorities) jobs.push_back(pool.exec(RunOrder{}, {.priority = p}));
  CHECK(pool.queued() == priorities.size());
  CHECK((co_await std::move(busy)) == 0);
  std::vector<int> order;
  for (auto& j : jobs) order.push_back(co_await std::move(j));
  // Run second to eighth: 9, then the two 5s, the three 0s, -1, each group in its order.
  CHECK(order == std::vector<int>{5, 3, 6, 4, 8, 2, 7});
}
