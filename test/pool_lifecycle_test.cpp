// The pool's lifecycle (anchors: piscina, workerpool, tinypool): a per-worker init
// closure, an elastic size, graceful close(), recycling workers, statistics, and options
// that refuse bad values.
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <emscripten/emscripten.h>

#include "async_test.hpp"
#include "timed_closures.hpp"

namespace {

// What an init closure "loads" once per worker, and tasks then use.
std::string loaded_model;
int inits_run = 0;

struct LoadModel {
  std::string name;
  bool fail = false;
  wasm_mt::task<void> operator()() const {
    co_await wasm_mt::sleep(5);  // async work, as a fetch would be
    if (fail) throw std::runtime_error("cannot load " + name);
    loaded_model = name;
    ++inits_run;
  }
};
WASM_MT_CLOSURE(LoadModel, name, fail)

struct UseModel {
  std::string operator()() const { return loaded_model + " x" + std::to_string(inits_run); }
};
WASM_MT_CLOSURE(UseModel)

// How many CountInInstance tasks this worker's instance has run, this one included.
struct CountInInstance {
  int operator()() const {
    static int runs = 0;
    return ++runs;
  }
};
WASM_MT_CLOSURE(CountInInstance)

using test::Nap;

struct Fail {
  int operator()() const { throw std::runtime_error("no"); }
};
WASM_MT_CLOSURE(Fail)


}  // namespace

ASYNC_TEST_CASE("an init closure runs on every new thread before it takes a task, replacements included", "[pool]") {
  auto pool = co_await wasm_mt::pool::create({.threads = 2, .init = LoadModel{"model-a"}});
  // Every thread ran it once, before any task.
  for (int i = 0; i < 4; ++i) CHECK((co_await pool.exec(UseModel{})) == "model-a x1");
  // A replacement runs it too before its first task.
  (void)co_await pool.exec_js<int>("setTimeout(() => { throw new Error('dies'); }, 0); return 1;");
  CHECK(co_await test::until([&] { return pool.health().replacements == 1 && pool.threads_alive() == 2; }));
  for (int i = 0; i < 4; ++i) CHECK((co_await pool.exec(UseModel{})) == "model-a x1");
}

ASYNC_TEST_CASE("a failing init closure is a spawn failure: create fails saying why", "[pool]") {
  const int before = test::glue_workers();
  auto e = co_await test::error_of(wasm_mt::pool::create({.threads = 2, .init = LoadModel{"model-b", true}}));
  CHECK(e.kind() == wasm_mt::error_kind::spawn_failed);
  CHECK(e.not_run());
  CHECK_THAT(e.message(), Catch::Contains("init closure failed") && Catch::Contains("cannot load model-b"));
  CHECK(co_await test::until([&] { return test::glue_workers() == before; }));  // no worker left behind
}

ASYNC_TEST_CASE("pool::start is usable at once; its init runs before the first task", "[pool]") {
  auto pool = wasm_mt::pool::start({.threads = 1, .init = LoadModel{"model-c"}});
  CHECK(pool.size() == 1);
  CHECK(pool.threads_alive() == 0);  // still starting
  auto first = pool.exec(UseModel{});
  CHECK((co_await std::move(first)) == "model-c x1");
  CHECK(pool.threads_alive() == 1);

  // A pool whose init fails serves nothing: tasks fail with the reason, not hang.
  auto broken = wasm_mt::pool::start({.threads = 1, .init = LoadModel{"model-d", true}});
  auto e = co_await test::error_of(broken.exec(UseModel{}));
  CHECK(e.kind() == wasm_mt::error_kind::spawn_failed);
  CHECK_THAT(e.message(), Catch::Contains("cannot load model-d"));
  CHECK_THAT(broken.health().last_start_error, Catch::Contains("init closure failed"));
}

ASYNC_TEST_CASE("an elastic pool starts threads on demand up to max_threads and retires idle ones", "[pool]") {
  const int before = test::glue_workers();
  auto pool = co_await wasm_mt::pool::create({.min_threads = 1, .max_threads = 3, .idle_timeout_ms = 200});
  CHECK(pool.size() == 1);
  CHECK(test::glue_workers() == before + 1);

  // Six tasks of 300 ms: two more threads start for them, no more than max_threads.
  std::vector<wasm_mt::job<int>> jobs;
  for (int i = 0; i < 6; ++i) jobs.push_back(pool.exec(Nap{300, i}));
  CHECK(pool.size() == 3);
  for (int i = 0; i < 6; ++i) CHECK((co_await std::move(jobs[i])) == i);
  CHECK(test::glue_workers() == before + 3);

  // Idle past idle_timeout_ms, the pool shrinks back to min_threads, not below.
  CHECK(co_await test::until([&] { return pool.size() == 1; }, 5000));
  CHECK(co_await test::until([&] { return test::glue_workers() == before + 1; }));
  co_await wasm_mt::sleep(400);
  CHECK(pool.size() == 1);
  CHECK((co_await pool.exec(Nap{0, 7})) == 7);
}

ASYNC_TEST_CASE("a pool with min_threads 0 starts with no thread and serves its first task", "[pool]") {
  const int before = test::glue_workers();
  auto pool = co_await wasm_mt::pool::create({.min_threads = 0, .max_threads = 2, .idle_timeout_ms = 0});
  CHECK(pool.size() == 0);
  CHECK(test::glue_workers() == before);
  CHECK((co_await pool.exec(Nap{0, 5})) == 5);
  CHECK(co_await test::until([&] { return pool.size() == 0 && test::glue_workers() == before; }, 5000));
  CHECK((co_await pool.exec(Nap{0, 6})) == 6);  // and again after retiring
}

ASYNC_TEST_CASE("close() lets queued and running tasks finish, refuses new ones, then ends the threads", "[pool]") {
  const int before = test::glue_workers();
  auto pool = co_await wasm_mt::pool::create({.threads = 2});
  std::vector<wasm_mt::job<int>> jobs;
  for (int i = 0; i < 6; ++i) jobs.push_back(pool.exec(Nap{50, i}));
  auto closed = pool.close();
  auto refused = co_await test::error_of(pool.exec(Nap{0, 99}));
  CHECK(refused.kind() == wasm_mt::error_kind::cancelled);
  CHECK(refused.not_run());
  CHECK_THAT(refused.message(), Catch::Contains("close()"));
  CHECK_FALSE(closed.ready());
  co_await std::move(closed);
  for (int i = 0; i < 6; ++i) {  // all had finished
    REQUIRE(jobs[i].ready());
    CHECK((co_await std::move(jobs[i])) == i);
  }
  CHECK(test::glue_workers() == before);
  CHECK(pool.threads_alive() == 0);
  co_await pool.close();  // again: already closed
}

ASYNC_TEST_CASE("close() of an idle pool ends it; destroying a closing pool fails what is left", "[pool]") {
  const int before = test::glue_workers();
  {
    auto idle = co_await wasm_mt::pool::create({.threads = 1});
    co_await idle.close();
    CHECK(test::glue_workers() == before);
  }
  std::vector<wasm_mt::job<int>> jobs;
  wasm_mt::future<void> closed;
  {
    auto pool = co_await wasm_mt::pool::create({.threads = 1});
    for (int i = 0; i < 3; ++i) jobs.push_back(pool.exec(Nap{5000, i}));
    closed = pool.close();
  }
  co_await std::move(closed);  // settles when the pool is destroyed
  CHECK((co_await test::error_of(std::move(jobs[0]), 1000)).kind() == wasm_mt::error_kind::terminated);
  for (int i = 1; i < 3; ++i) CHECK((co_await test::error_of(std::move(jobs[i]), 1000)).kind() == wasm_mt::error_kind::cancelled);
}

ASYNC_TEST_CASE("stats count completed, failed and cancelled tasks, with run and wait times", "[pool]") {
  auto pool = co_await wasm_mt::pool::create({.threads = 1});
  CHECK(pool.stats().completed == 0);
  std::vector<wasm_mt::job<int>> naps;
  for (int i = 0; i < 4; ++i) naps.push_back(pool.exec(Nap{40, i}));
  auto failing = pool.exec(Fail{});
  auto cancelled = pool.exec(Nap{0, 0});
  CHECK(cancelled.cancel());
  for (auto& j : naps) (void)co_await std::move(j);
  (void)co_await test::error_of(std::move(failing));
  (void)co_await test::error_of(std::move(cancelled));

  auto st = pool.stats();
  CHECK(st.completed == 4);
  CHECK(st.failed == 1);
  CHECK(st.cancelled == 1);
  CHECK(st.run.count == 5);
  CHECK(st.run.p50_ms >= 35);  // a 40 ms nap (buckets are 9% wide)
  CHECK(st.run.max_ms >= 40);
  CHECK(st.run.p99_ms <= st.run.max_ms);
  CHECK(st.run.p50_ms <= st.run.p99_ms);
  // Four runs of ~40 ms and the failure's, short: min, and a spread around the mean.
  CHECK(st.run.min_ms < 35);
  CHECK(st.run.min_ms <= st.run.mean_ms);
  CHECK(st.run.mean_ms <= st.run.max_ms);
  CHECK(st.run.stddev_ms > 5);
  CHECK(st.wait.count == 6);  // the cancelled one waited too, until its cancel
  CHECK(st.wait.max_ms >= 3 * 35);  // the fourth nap waited for three
  CHECK(st.wait.min_ms < 35);       // the first went at once
  CHECK(st.utilization > 0.3);
  CHECK(st.utilization <= 1.0);
}

ASYNC_TEST_CASE("every new option refuses a bad value with a clear error", "[pool]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  struct bad_case {
    wasm_mt::pool_options options;
    std::string says;
  };
  std::size_t negative = 0;
  negative -= 1;  // what -1 becomes in a size_t
  std::vector<bad_case> cases;
  cases.push_back({{.threads = negative}, "threads is " + std::to_string(negative) + " (a negative number converted?)"});
  cases.push_back({{.min_threads = negative}, "min_threads"});
  cases.push_back({{.max_threads = 5000}, "max_threads is 5000; at most 1024"});
  cases.push_back({{.min_threads = 3, .max_threads = 2}, "min_threads (3) is more than max_threads (2)"});
  cases.push_back({{.threads = 2, .max_threads = 4}, "cannot be given with min_threads or max_threads"});
  cases.push_back({{.idle_timeout_ms = nan}, "idle_timeout_ms"});
  cases.push_back({{.idle_timeout_ms = -1}, "idle_timeout_ms"});
  cases.push_back({{.init_timeout_ms = nan}, "init_timeout_ms"});
  cases.push_back({{.max_queue = wasm_mt::queue_limit::at_most(negative)}, "max_queue is"});
  cases.push_back({{.task_timeout_ms = nan}, "task_timeout_ms"});
  cases.push_back({{.max_in_flight = negative}, "max_in_flight"});
  cases.push_back({{.max_tasks_per_worker = negative}, "max_tasks_per_worker"});
  for (auto& c : cases) {
    INFO(c.says);
    std::string from_start;
    try {
      (void)wasm_mt::pool::start(c.options);
    } catch (const std::invalid_argument& e) {
      from_start = e.what();
    }
    CHECK_THAT(from_start, Catch::Contains(c.says));
    std::string from_create;
    try {
      (void)co_await wasm_mt::pool::create(c.options);
    } catch (const std::invalid_argument& e) {
      from_create = e.what();
    }
    CHECK(from_create == from_start);
  }
  // Good edge values are taken.
  auto unbounded = co_await wasm_mt::pool::create(
      {.min_threads = 1, .idle_timeout_ms = std::numeric_limits<double>::infinity()});
  CHECK(unbounded.size() == 1);
  CHECK((co_await unbounded.exec(Nap{0, 1})) == 1);
}

// tinypool test/isolation.test.ts: "isolated workers": each task in a fresh worker.
ASYNC_TEST_CASE("max_tasks_per_worker recycles a worker after that many tasks; 1 isolates each task", "[pool]") {
  int recycled = 0;
  auto pool = co_await wasm_mt::pool::create(
      {.threads = 1, .max_tasks_per_worker = 3, .on_event = [&](const wasm_mt::pool_event& e) {
         if (e.kind == wasm_mt::pool_event_kind::worker_recycled) ++recycled;
       }});
  std::vector<int> seen;
  for (int i = 0; i < 7; ++i) seen.push_back(co_await pool.exec(CountInInstance{}));
  CHECK(seen == std::vector<int>{1, 2, 3, 1, 2, 3, 1});
  // Submitted at once (short tasks are pipelined): still at most 3 per worker.
  std::vector<wasm_mt::job<int>> burst;
  for (int i = 0; i < 9; ++i) burst.push_back(pool.exec(CountInInstance{}));
  for (auto& j : burst) CHECK((co_await std::move(j)) <= 3);
  CHECK(co_await test::until([&] { return recycled >= 5; }, 5000));
  CHECK(pool.health().replacements == 0);  // (recycling is not a failure)
  CHECK(pool.size() == 1);

  // A worker about to be recycled counts as one starting: with no queue, the next task
  // still waits for the fresh worker rather than fail with queue_full.
  auto strict = co_await wasm_mt::pool::create(
      {.threads = 1, .max_queue = wasm_mt::queue_limit::at_most(0), .max_tasks_per_worker = 2});
  for (int i = 0; i < 5; ++i) {
    CHECK((co_await strict.exec(CountInInstance{})) == i % 2 + 1);
    CHECK_FALSE(strict.needs_drain());
  }

  auto isolated = co_await wasm_mt::pool::create({.threads = 2, .max_tasks_per_worker = 1});
  std::vector<wasm_mt::job<int>> each;
  for (int i = 0; i < 6; ++i) each.push_back(isolated.exec(CountInInstance{}));
  for (auto& j : each) CHECK((co_await std::move(j)) == 1);
  co_await isolated.close();
  CHECK(isolated.size() == 0);
}
