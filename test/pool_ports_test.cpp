// The peers' own tests of worker hygiene and waiting, case by case: tinypool's
// teardown.test.ts, simple.test.ts (isolateWorkers), resource-limits.test.ts
// (maxMemoryLimitBeforeRecycle) and task-queue.test.ts (cancelPendingTasks),
// workerpool's Pool.test.js (onTerminateWorker, workerTerminateTimeout, a cancelled
// task's worker), threads.js's pool.test.ts (completed, settled, task.cancel). Each
// keeps its original's setup, steps and expected values; where wasm_mt spells a thing
// otherwise, the comment says so (isolateWorkers: max_tasks_per_worker = 1; teardown /
// onTerminateWorker: pool_options::teardown; a worker's id: pool_event::worker; a
// MessagePort back to the test: this_request::call_caller).
#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "async_test.hpp"
#include "logged_errors.hpp"
#include "timed_closures.hpp"

namespace {

// tinypool's fixtures/teardown.mjs: each task counts this instance's tasks ("Output of
// task #n"); its named teardown waits 50 ms, then tells the test's port "Teardown of
// task #n" (the port: a call back to the caller).
int port_task_state = 0;
std::vector<std::string> port_messages;  // on the caller: what teardowns told it

struct PortTold {
  std::string message;
  int operator()() const {
    port_messages.push_back(message);
    return 0;
  }
};
WASM_MT_CLOSURE(PortTold, message)

struct PortOutput {
  std::string operator()() const { return "Output of task #" + std::to_string(++port_task_state); }
};
WASM_MT_CLOSURE(PortOutput)

struct PortNamedTeardown {
  wasm_mt::task<void> operator()() const {
    co_await wasm_mt::sleep(50);
    co_await wasm_mt::this_request::call_caller(PortTold{"Teardown of task #" + std::to_string(port_task_state)});
  }
};
WASM_MT_CLOSURE(PortNamedTeardown)

// tinypool's fixtures/isolated.js: `let count = 0; export default () => count++`.
struct PortIsolated {
  int operator()() const {
    static int count = 0;
    return count++;
  }
};
WASM_MT_CLOSURE(PortIsolated)

// tinypool's fixtures/leak-memory.js: keeps `kib` KiB more for good (its wasm memory grows).
struct PortLeak {
  int kib = 0;
  int operator()() const {
    static std::vector<std::unique_ptr<char[]>> leaked;
    leaked.emplace_back(new char[std::size_t(kib) << 10]);
    for (std::size_t i = 0; i < (std::size_t(kib) << 10); i += 4096) leaked.back()[i] = 1;
    return int(leaked.size());
  }
};
WASM_MT_CLOSURE(PortLeak, kib)

// workerpool's onCreateWorker hook giving each worker its own env (TEST_ENV =
// env_value0, 1, ...): here the init asks the caller for its value (counted there), a
// task gives it back (getEnv), and the teardown (onTerminateWorker) tells the caller.
int port_env_counter = 0;
std::vector<std::string> port_terminated_envs;
std::string port_env;  // (in each worker's instance)

struct PortNextEnv {
  std::string operator()() const { return "env_value" + std::to_string(port_env_counter++); }
};
WASM_MT_CLOSURE(PortNextEnv)

struct PortTerminated {
  std::string env;
  int operator()() const {
    port_terminated_envs.push_back(env);
    return 0;
  }
};
WASM_MT_CLOSURE(PortTerminated, env)

struct PortCreateWorker {
  wasm_mt::task<void> operator()() const { port_env = co_await wasm_mt::this_request::call_caller(PortNextEnv{}); }
};
WASM_MT_CLOSURE(PortCreateWorker)

struct PortGetEnv {
  wasm_mt::task<std::string> operator()() const {
    co_await wasm_mt::sleep(200);  // (the three run at once, on three workers)
    co_return port_env;
  }
};
WASM_MT_CLOSURE(PortGetEnv)

struct PortTerminateWorker {
  wasm_mt::task<void> operator()() const { co_await wasm_mt::this_request::call_caller(PortTerminated{port_env}); }
};
WASM_MT_CLOSURE(PortTerminateWorker)

// workerpool's cleanup-async.js onTerminate: waits 100 ms, then posts to the port.
struct PortSlowTerminate {
  wasm_mt::task<void> operator()() const {
    co_await wasm_mt::sleep(100);
    co_await wasm_mt::this_request::call_caller(PortTold{"terminated"});
  }
};
WASM_MT_CLOSURE(PortSlowTerminate)

struct PortAdd {
  int a = 0, b = 0;
  int operator()() const { return a + b; }
};
WASM_MT_CLOSURE(PortAdd, a, b)

// The worker ids each task ran on (pool_event::worker of task_settled), by task id.
struct ran_on {
  std::shared_ptr<std::vector<std::uint64_t>> workers = std::make_shared<std::vector<std::uint64_t>>();
  std::function<void(const wasm_mt::pool_event&)> listener() const {
    return [workers = workers](const wasm_mt::pool_event& e) {
      if (e.kind == wasm_mt::pool_event_kind::task_settled) workers->push_back(e.worker);
    };
  }
};

}  // namespace

// tinypool teardown.test.ts: "isolated workers call teardown on worker recycle".
ASYNC_TEST_CASE("tinypool: isolated workers call teardown on worker recycle", "[pool]") {
  port_messages.clear();
  auto pool = co_await wasm_mt::pool::create({.min_threads = 1, .max_threads = 1, .max_tasks_per_worker = 1,
                                              .teardown = PortNamedTeardown{},
                                              .callbacks = wasm_mt::callbacks::of<PortTold>()});
  for (int i = 0; i < 5; ++i) {
    CHECK((co_await pool.exec(PortOutput{})) == "Output of task #1");
    CHECK(co_await test::until([&] { return port_messages.size() == std::size_t(i + 1); }, 5000));
    CHECK(port_messages.back() == "Teardown of task #1");
  }
  co_await pool.close();
}

// tinypool teardown.test.ts: "non-isolated workers call teardown on worker recycle".
ASYNC_TEST_CASE("tinypool: non-isolated workers call teardown on worker recycle", "[pool]") {
  port_messages.clear();
  auto pool = co_await wasm_mt::pool::create({.min_threads = 1, .max_threads = 1, .teardown = PortNamedTeardown{},
                                              .callbacks = wasm_mt::callbacks::of<PortTold>()});
  for (int i = 1; i <= 5; ++i) CHECK((co_await pool.exec(PortOutput{})) == "Output of task #" + std::to_string(i));
  CHECK(port_messages.empty());  // (no teardown while the worker is in use)
  co_await pool.close();         // (tinypool: destroy())
  CHECK(port_messages == std::vector<std::string>{"Teardown of task #5"});
}

// tinypool simple.test.ts: "isolateWorkers: false", "isolateWorkers: true".
ASYNC_TEST_CASE("tinypool: isolateWorkers false keeps the instance, true gives each task a fresh one", "[pool]") {
  auto shared = co_await wasm_mt::pool::create({.threads = 1});
  CHECK((co_await shared.exec(PortIsolated{})) == 0);
  CHECK((co_await shared.exec(PortIsolated{})) == 1);
  CHECK((co_await shared.exec(PortIsolated{})) == 2);
  auto isolated = co_await wasm_mt::pool::create({.threads = 1, .max_tasks_per_worker = 1});
  CHECK((co_await isolated.exec(PortIsolated{})) == 0);
  CHECK((co_await isolated.exec(PortIsolated{})) == 0);
  CHECK((co_await isolated.exec(PortIsolated{})) == 0);
}

// tinypool simple.test.ts: "worker count should never be below minThreads when using
// isolateWorkers", "workerId should never be more than maxThreads=1" (its workerId: the
// slot), "isolateWorkers: true with minThreads of 0 should not halt (#42)".
ASYNC_TEST_CASE("tinypool: isolateWorkers keeps min_threads, stays within max_threads, and never halts", "[pool]") {
  {
    auto pool = co_await wasm_mt::pool::create({.min_threads = 4, .max_threads = 4, .max_tasks_per_worker = 1});
    for (int i = 0; i < 6; ++i) {
      CHECK((co_await pool.exec(PortIsolated{})) == 0);
      CHECK(pool.size() == 4);
    }
  }
  {
    std::set<std::size_t> slots;
    auto pool = co_await wasm_mt::pool::create({.max_threads = 1, .max_tasks_per_worker = 1,
                                                .on_event = [&](const wasm_mt::pool_event& e) {
                                                  if (e.kind == wasm_mt::pool_event_kind::task_started)
                                                    slots.insert(e.slot);
                                                }});
    for (int i = 0; i < 5; ++i) CHECK((co_await pool.exec(PortIsolated{})) == 0);
    CHECK(slots == std::set<std::size_t>{0});
  }
  {
    auto pool = co_await wasm_mt::pool::create({.min_threads = 0, .max_threads = 6, .max_tasks_per_worker = 1});
    std::vector<wasm_mt::job<int>> all;
    for (int i = 0; i < 7; ++i) all.push_back(pool.exec(PortIsolated{}));
    for (auto& j : co_await wasm_mt::when_all(std::move(all))) CHECK(j == 0);
  }
}

// tinypool resource-limits.test.ts: "worker is recycled after reaching
// maxMemoryLimitBeforeRecycle" (its 10 MB limit above a fresh worker's wasm memory,
// 16 MiB here: a wasm heap starts at its initial size), "recycled workers should not
// crash pool (regression)".
ASYNC_TEST_CASE("tinypool: a worker is recycled after reaching max_memory_per_worker; recycling never crashes the pool",
                "[pool]") {
  auto probe = co_await test::spawn();
  const std::uint64_t fresh = probe.memory_bytes();
  probe.terminate();
  {
    ran_on seen;
    auto pool = co_await wasm_mt::pool::create(
        {.min_threads = 1, .max_threads = 1, .max_memory_per_worker = fresh + 10'000'000, .on_event = seen.listener()});
    CHECK((co_await pool.exec(PortAdd{1, 2})) == 3);
    REQUIRE(co_await test::until([&] { return seen.workers->size() == 1; }, 5000));
    const std::uint64_t original = seen.workers->front();
    CHECK(original > 0);
    int rounds = 0;
    for (int i = 0; i < 100; ++i) {
      (void)co_await pool.exec(PortLeak{1000});  // (tinypool: 10,000 × 1 KiB; 1 MB a round here)
      if (seen.workers->back() != original) break;
      ++rounds;
    }
    CHECK(rounds > 1);
    CHECK((co_await pool.exec(PortAdd{1, 2})) == 3);
    CHECK(co_await test::until([&] { return seen.workers->back() != original; }, 5000));
  }
  {
    auto pool = co_await wasm_mt::pool::create(
        {.min_threads = 2, .max_threads = 2, .max_memory_per_worker = 10});  // (10 bytes: every worker is past it)
    std::vector<wasm_mt::job<int>> all;
    for (int i = 0; i < 10; ++i) all.push_back(pool.exec(PortLeak{10}));
    for (auto& j : co_await wasm_mt::when_all(std::move(all))) CHECK(j >= 1);
  }
}

// workerpool Pool.test.js: "supports worker creation hook to pass dynamic options to fork
// (for example)" / "... to threads": each worker's own env; onTerminateWorker hears each.
// (workerpool, maxWorkers: 4, starts a worker per task on demand: 3 tasks, 3 workers;
// here 3 threads, so that none takes two of the tasks.)
ASYNC_TEST_CASE("workerpool: each worker's own setup, and the terminate hook called once for each", "[pool]") {
  port_env_counter = 0;
  port_terminated_envs.clear();
  auto pool = co_await wasm_mt::pool::create(
      {.threads = 3, .init = PortCreateWorker{}, .teardown = PortTerminateWorker{},
       .callbacks = wasm_mt::callbacks::of<PortNextEnv, PortTerminated>()});
  std::vector<wasm_mt::job<std::string>> all;
  for (int i = 0; i < 3; ++i) all.push_back(pool.exec(PortGetEnv{}));
  auto envs = co_await wasm_mt::when_all(std::move(all));
  CHECK(envs.size() == 3);
  const std::set<std::string> expected{"env_value0", "env_value1", "env_value2"};
  CHECK(std::set<std::string>(envs.begin(), envs.end()) == expected);
  co_await pool.close();  // (workerpool: terminate())
  CHECK(port_terminated_envs.size() == 3);
  CHECK(std::set<std::string>(port_terminated_envs.begin(), port_terminated_envs.end()) == expected);
}

// workerpool Pool.test.js: "should not call worker termination async handler after
// timeout" (workerTerminateTimeout: 1; its handler waits 100 ms, then posts).
ASYNC_TEST_CASE("workerpool: a teardown past teardown_timeout_ms is cut off before it reports", "[pool]") {
  test::logged_errors logged;
  port_messages.clear();
  auto pool = co_await wasm_mt::pool::create({.threads = 1, .teardown = PortSlowTerminate{}, .teardown_timeout_ms = 1,
                                              .callbacks = wasm_mt::callbacks::of<PortTold>()});
  CHECK((co_await pool.exec(PortAdd{1, 2})) == 3);  // (workerpool: asyncAdd(1, 2))
  co_await pool.close();
  co_await wasm_mt::sleep(300);
  CHECK(port_messages.empty());
  CHECK(logged.count("pool_options::teardown") == 1);  // (said, not silent)
}

// workerpool Pool.test.js: "should not assign new tasks to a worker whose previous task
// was cancelled" (maxWorkers: 1, workerTerminateTimeout: 50; forever(), cancelled at
// 25 ms; add(3, 4) at once).
ASYNC_TEST_CASE("workerpool: a task sent right after cancelling a stuck one runs on a fresh worker", "[pool]") {
  auto pool = co_await wasm_mt::pool::create({.max_threads = 1, .stop_grace_ms = 50});
  auto forever = pool.exec(test::Spin{60000});
  co_await wasm_mt::sleep(25);
  CHECK(forever.cancel());
  auto add = pool.exec(PortAdd{3, 4});
  CHECK((co_await test::error_of(std::move(forever))).kind() == wasm_mt::error_kind::cancelled);
  CHECK((co_await std::move(add)) == 7);
}

namespace {

// threads.js's hello-world worker: `expose(() => "Hello World")`.
struct PortHelloWorld {
  std::string operator()() const { return "Hello World"; }
};
WASM_MT_CLOSURE(PortHelloWorld)

// A task that counts its runs on the caller (threads.js's executionCount), then answers.
int port_executions = 0;
struct PortExecuted {
  int operator()() const { return ++port_executions; }
};
WASM_MT_CLOSURE(PortExecuted)
struct PortCountedTask {
  wasm_mt::task<int> operator()() const {
    co_await wasm_mt::sleep(20);
    co_return co_await wasm_mt::this_request::call_caller(PortExecuted{});
  }
};
WASM_MT_CLOSURE(PortCountedTask)

}  // namespace

// threads.js test/pool.test.ts: "pool.completed() works", "pool.completed() proxies
// errors", "pool.completed(true) works", "pool.settled() does not reject on task failure",
// "pool.settled(true) works". (threads.js's completed() and settled() on a pool with no
// task wait for one unless given `true`; wasm_mt's resolve at once: there is nothing to
// wait for.)
ASYNC_TEST_CASE("threads.js: completed() and settled() of a pool", "[pool]") {
  {
    auto pool = co_await wasm_mt::pool::create({.threads = 2});
    std::vector<wasm_mt::job<std::string>> tasks;
    for (int i = 0; i < 3; ++i) tasks.push_back(pool.exec(PortHelloWorld{}));
    co_await pool.completed();
    std::vector<std::string> results;
    for (auto& t : tasks) {
      REQUIRE(t.ready());
      results.push_back(t.get());
    }
    CHECK(results == std::vector<std::string>{"Hello World", "Hello World", "Hello World"});
  }
  {
    auto pool = co_await wasm_mt::pool::create({.threads = 2});
    auto failing = pool.exec(test::NapThenThrow{0, "Ooopsie"});
    auto error = co_await test::error_of(pool.completed());
    CHECK_THAT(error.message(), Catch::Contains("Ooopsie"));
    (void)co_await test::error_of(std::move(failing));
  }
  {
    auto pool = co_await wasm_mt::pool::create({.threads = 2});
    co_await pool.completed();
    CHECK((co_await pool.settled()).empty());
  }
  {
    auto pool = co_await wasm_mt::pool::create({.threads = 2});
    auto hello = pool.exec(PortHelloWorld{});
    auto one = pool.exec(test::NapThenThrow{0, "Test error one"});
    auto two = pool.exec(test::NapThenThrow{0, "Test error two"});
    auto errors = co_await pool.settled();
    REQUIRE(errors.size() == 2);
    std::vector<std::string> messages;
    for (const auto& e : errors) messages.push_back(e.message());
    std::sort(messages.begin(), messages.end());
    CHECK_THAT(messages[0], Catch::Contains("Test error one"));
    CHECK_THAT(messages[1], Catch::Contains("Test error two"));
    CHECK((co_await std::move(hello)) == "Hello World");
    (void)co_await test::error_of(std::move(one));
    (void)co_await test::error_of(std::move(two));
  }
}

// threads.js test/pool.test.ts: "task.cancel() works" (a pool of 1; four tasks, the
// third and fourth cancelled while queued: two run, and a taskCanceled event names each;
// here pool_event's task_settled with a cancelled error).
ASYNC_TEST_CASE("threads.js: task.cancel() works", "[pool]") {
  port_executions = 0;
  std::vector<std::uint64_t> cancelled_ids;
  auto pool = co_await wasm_mt::pool::create(
      {.threads = 1, .callbacks = wasm_mt::callbacks::of<PortExecuted>(), .on_event = [&](const wasm_mt::pool_event& e) {
         if (e.kind != wasm_mt::pool_event_kind::task_settled || !e.error) return;
         try {
           std::rethrow_exception(e.error);
         } catch (const wasm_mt::error& error) {
           if (error.kind() == wasm_mt::error_kind::cancelled) cancelled_ids.push_back(e.task);
         } catch (...) {
         }
       }});
  std::vector<wasm_mt::job<int>> tasks;
  for (int i = 0; i < 4; ++i) tasks.push_back(pool.exec(PortCountedTask{}));
  CHECK(tasks[2].cancel());
  CHECK(tasks[3].cancel());
  co_await pool.completed();
  CHECK(port_executions == 2);
  CHECK(co_await test::until([&] { return cancelled_ids.size() == 2; }, 5000));
  CHECK(cancelled_ids == std::vector<std::uint64_t>{tasks[2].id(), tasks[3].id()});
}

// tinypool test/task-queue.test.ts: "queued tasks can be cancelled" (minThreads: 0,
// maxThreads: 1; ten sleep tasks; once one runs, nine wait; cancelPendingTasks(): none
// finished yet, the queue empty; in the end one finished, nine cancelled). Its 2 s
// tasks are 400 ms here, and "once one runs" is awaited rather than a fixed second.
ASYNC_TEST_CASE("tinypool: queued tasks can be cancelled", "[pool]") {
  auto pool = co_await wasm_mt::pool::create({.min_threads = 0, .max_threads = 1});
  std::vector<wasm_mt::job<int>> tasks;
  for (int i = 0; i < 10; ++i) tasks.push_back(pool.exec(test::Nap{400, i}));
  CHECK(co_await test::until([&] { return pool.running() == 1; }, 10000));
  CHECK(pool.queued() == 9);
  CHECK(pool.cancel_queued() == 9);
  CHECK_FALSE(tasks[0].ready());  // (none finished yet)
  CHECK(pool.queued() == 0);
  int finished = 0, cancelled = 0;
  for (auto& t : tasks) {
    auto r = co_await t.result();
    if (r) ++finished;
    else if (r.error().kind() == wasm_mt::error_kind::cancelled) ++cancelled;
  }
  CHECK(finished == 1);
  CHECK(cancelled == 9);
}
