// pool_options::concurrent_tasks_per_worker (piscina's and tinypool's
// concurrentTasksPerWorker): async tasks share a worker up to the limit, synchronous
// ones still take it alone, each task keeps its own deadline, and a stop keeps its
// meaning (a task still running stop_grace_ms after its stop has its worker replaced;
// the tasks sharing it fail with terminated). With piscina's own tests of it translated.
#include <algorithm>
#include <string>
#include <vector>

#include "async_test.hpp"
#include "timed_closures.hpp"

namespace {

// Async: while it waits `ms`, counts the tasks like it waiting in this worker; gives the
// most it saw at once.
int sharing_now = 0, sharing_most = 0;
struct SharedNap {
  int ms = 0;
  wasm_mt::task<int> operator()() const {
    sharing_most = std::max(sharing_most, ++sharing_now);
    co_await wasm_mt::sleep(ms);
    --sharing_now;
    co_return sharing_most;
  }
};
WASM_MT_CLOSURE(SharedNap, ms)

// Async, and deaf to its stop: it blocks its worker for `ms` once it has started.
struct DeafSpin {
  double ms = 0;
  wasm_mt::task<int> operator()() const {
    co_await wasm_mt::sleep(5);
    test::Spin{ms}();
    co_return 1;
  }
};
WASM_MT_CLOSURE(DeafSpin, ms)

// The kind of each job's error, or "value".
template <class T>
wasm_mt::task<std::vector<std::string>> outcomes_of(std::vector<wasm_mt::job<T>>& jobs) {
  std::vector<std::string> seen;
  for (auto& j : jobs) {
    auto r = co_await j.result();
    seen.push_back(r ? "value" : std::string(wasm_mt::error_kind_name(r.error().kind())));
  }
  co_return seen;
}

}  // namespace

ASYNC_TEST_CASE("concurrent_tasks_per_worker: async tasks share a worker up to the limit; sync ones run alone",
                "[pool]") {
  auto pool = co_await wasm_mt::pool::create({.threads = 1, .concurrent_tasks_per_worker = 3});
  std::vector<wasm_mt::job<int>> naps;
  for (int i = 0; i < 4; ++i) naps.push_back(pool.exec(SharedNap{150}));
  CHECK(pool.running() == 3);  // three share the worker, the fourth waits for room
  CHECK(pool.queued() == 1);
  CHECK(pool.threads_busy() == 1);
  int most = 0;
  for (auto& j : naps) most = std::max(most, co_await std::move(j));
  CHECK(most == 3);  // (three waited in the worker at once, never four)
  CHECK(pool.stats().run.min_ms >= 140);  // (each from when it was sent: none waited behind another)

  // Synchronous tasks take the worker alone, and no async task joins one.
  auto spin = pool.exec(test::Spin{100});
  auto spin_behind = pool.exec(test::Spin{100});
  auto nap_behind = pool.exec(SharedNap{10});
  CHECK(pool.running() == 1);
  CHECK(pool.queued() == 2);
  CHECK((co_await std::move(spin)) == 1);
  CHECK((co_await std::move(spin_behind)) == 1);
  CHECK((co_await std::move(nap_behind)) >= 1);

  // Without the option, one at a time.
  sharing_most = 0;
  auto single = co_await wasm_mt::pool::create({.threads = 1});
  std::vector<wasm_mt::job<int>> one_by_one;
  for (int i = 0; i < 3; ++i) one_by_one.push_back(single.exec(SharedNap{20}));
  CHECK(single.running() == 1);
  for (auto& j : one_by_one) CHECK((co_await std::move(j)) == 1);
}

ASYNC_TEST_CASE("concurrent_tasks_per_worker: each task keeps its own deadline on a shared worker", "[pool]") {
  auto pool = co_await wasm_mt::pool::create(
      {.threads = 1, .task_timeout_ms = 300, .stop_grace_ms = 2000, .concurrent_tasks_per_worker = 2});
  auto slow = pool.exec(SharedNap{5000});
  auto quick = pool.exec(SharedNap{20});
  CHECK(pool.running() == 2);
  CHECK((co_await std::move(quick)) >= 1);  // (settling first does not clear the slow one's deadline)
  auto e = co_await test::error_of(std::move(slow), 3000);
  CHECK(e.kind() == wasm_mt::error_kind::timeout);
}

ASYNC_TEST_CASE("concurrent_tasks_per_worker: a task deaf to its stop has its worker replaced; its sharers fail terminated",
                "[pool]") {
  auto pool = co_await wasm_mt::pool::create({.threads = 1, .stop_grace_ms = 100, .concurrent_tasks_per_worker = 3});
  auto deaf = pool.exec(DeafSpin{60000});
  auto sharer = pool.exec(SharedNap{60000});
  CHECK(pool.running() == 2);
  co_await wasm_mt::sleep(50);  // (the deaf one spins now)
  CHECK(deaf.cancel());
  auto joiner = pool.exec(SharedNap{10});  // not sent to a worker holding a stopped task
  CHECK(pool.queued() == 1);
  CHECK((co_await test::error_of(std::move(deaf))).kind() == wasm_mt::error_kind::cancelled);
  CHECK((co_await test::error_of(std::move(sharer), 3000)).kind() == wasm_mt::error_kind::terminated);
  CHECK((co_await std::move(joiner)) >= 1);  // (on the replacement)
  CHECK(pool.health().replacements == 1);
}

// piscina test/pool-close.test.ts: "force: queued tasks waits for all tasks already
// running and aborts tasks that are not started yet" (maxThreads: 1,
// concurrentTasksPerWorker: 2: two sleep({time: 5}) tasks, then close({force: true});
// tasks run after it are aborted); and the older pool-close.ts's tasks of 500, 100, 100
// and 100 ms: the first two finish, the others are aborted.
ASYNC_TEST_CASE("piscina: close with cancel_queued lets the tasks sharing a worker finish and cancels the rest",
                "[pool]") {
  {
    auto pool = co_await wasm_mt::pool::create({.max_threads = 1, .concurrent_tasks_per_worker = 2});
    auto task1 = pool.exec(test::Nap{5, 1});
    auto task2 = pool.exec(test::Nap{5, 2});
    auto closed = pool.close({.cancel_queued = true});
    CHECK((co_await std::move(task1)) == 1);
    CHECK((co_await std::move(task2)) == 2);
    co_await std::move(closed);
    auto late = pool.exec(test::Nap{100, 3});
    CHECK((co_await test::error_of(std::move(late))).kind() == wasm_mt::error_kind::cancelled);
  }
  {
    auto pool = co_await wasm_mt::pool::create({.max_threads = 1, .concurrent_tasks_per_worker = 2});
    std::vector<wasm_mt::job<int>> jobs;
    for (int ms : {500, 100, 100, 100}) jobs.push_back(pool.exec(test::Nap{ms, ms}));
    co_await pool.close({.cancel_queued = true});
    CHECK(co_await outcomes_of(jobs) == std::vector<std::string>{"value", "value", "cancelled", "cancelled"});
  }
}

ASYNC_TEST_CASE("utilization counts the time workers hold tasks: while they run, and once when the pool ends them",
                "[pool]") {
  {
    auto pool = co_await wasm_mt::pool::create({.threads = 1, .concurrent_tasks_per_worker = 2});
    std::vector<wasm_mt::job<int>> naps;
    for (int i = 0; i < 6; ++i) naps.push_back(pool.exec(SharedNap{100}));  // two at a time: never none held
    co_await wasm_mt::sleep(200);
    CHECK(pool.stats().utilization > 0.5);  // (held all along, though its list never emptied)
    for (auto& j : naps) CHECK((co_await std::move(j)) >= 1);
  }
  // Idle 300 ms, then busy about 300 ms until close() ends the task: about half, not
  // the whole (its busy time counted twice, as the task then settled off the books).
  auto pool = co_await wasm_mt::pool::create({.threads = 1});
  co_await wasm_mt::sleep(300);
  auto stuck = pool.exec(test::Nap{20000, 0});
  co_await wasm_mt::sleep(300);
  co_await pool.close({.timeout_ms = 1});
  CHECK((co_await test::error_of(std::move(stuck))).kind() == wasm_mt::error_kind::terminated);
  const double utilization = pool.stats().utilization;
  CHECK(utilization > 0.2);
  CHECK(utilization < 0.75);
}
