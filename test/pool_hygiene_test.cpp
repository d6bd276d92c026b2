// Worker hygiene (anchors: tinypool's teardown and maxMemoryLimitBeforeRecycle,
// workerpool's onTerminateWorker): a thread's wasm memory, recycling a pool's worker once
// its memory grew past a limit, and a teardown closure run by each worker the pool ends.
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "async_test.hpp"
#include "logged_errors.hpp"
#include "timed_closures.hpp"

namespace {

// Keeps `mib` more MiB allocated in this worker's instance for good (its wasm memory
// grows); gives how many blocks it keeps.
struct Hoard {
  int mib = 0;
  std::size_t operator()() const {
    static std::vector<std::unique_ptr<char[]>> kept;
    const std::size_t bytes = std::size_t(mib) << 20;
    kept.emplace_back(new char[bytes]);
    for (std::size_t i = 0; i < bytes; i += 4096) kept.back()[i] = 1;  // (touched: really used)
    return kept.size();
  }
};
WASM_MT_CLOSURE(Hoard, mib)

// How many InstanceRuns tasks this worker's instance has run, this one included.
struct InstanceRuns {
  int operator()() const {
    static int runs = 0;
    return ++runs;
  }
};
WASM_MT_CLOSURE(InstanceRuns)

// On the caller: how many teardowns told it they ran.
int teardowns_seen = 0;
struct SeenTeardown {
  int operator()() const { return ++teardowns_seen; }
};
WASM_MT_CLOSURE(SeenTeardown)

// A teardown: tells the caller it runs, then ends as `how` says ("ok", "throw", or
// "spin": busy for 60 s, far past any teardown_timeout_ms).
struct Goodbye {
  std::string how = "ok";
  wasm_mt::task<void> operator()() const {
    co_await wasm_mt::this_request::call_caller(SeenTeardown{});
    if (how == "throw") throw std::runtime_error("the teardown failed");
    if (how == "spin") test::Spin{60000}();
  }
};
WASM_MT_CLOSURE(Goodbye, how)

wasm_mt::pool_options with_goodbye(wasm_mt::pool_options options, std::string how = "ok") {
  options.teardown = Goodbye{std::move(how)};
  options.callbacks = wasm_mt::callbacks::of<SeenTeardown>();
  return options;
}

}  // namespace

ASYNC_TEST_CASE("a thread knows its worker's wasm memory: it grows with what the worker keeps", "[pool]") {
  auto early = wasm_mt::thread::start();
  CHECK(early.memory_bytes() == 0);  // (not ready: not said yet)
  auto th = co_await test::spawn();
  const std::uint64_t fresh = th.memory_bytes();
  CHECK(fresh >= 1 << 20);
  CHECK(fresh % 65536 == 0);  // (wasm pages)
  CHECK((co_await th.exec(Hoard{24})) == 1);
  CHECK(th.memory_bytes() > fresh);
  CHECK(th.memory_bytes() >= std::uint64_t(24) << 20);  // (what it keeps, at least)
  const std::uint64_t grown = th.memory_bytes();
  CHECK((co_await th.exec(test::Nap{0, 1})) == 1);
  CHECK(th.memory_bytes() == grown);  // (a heap only grows; nothing new to say)
  th.terminate();
  CHECK(th.memory_bytes() == 0);
  early.terminate();
}

// tinypool test/resource-limits.test.ts: "resource limits: recycle workers exceeding
// maxMemoryLimitBeforeRecycle".
ASYNC_TEST_CASE("max_memory_per_worker recycles a worker whose memory grew past it, once its tasks settle", "[pool]") {
  auto probe = co_await test::spawn();
  const std::uint64_t fresh = probe.memory_bytes();
  probe.terminate();

  int recycled = 0;
  auto pool = co_await wasm_mt::pool::create(
      {.threads = 1, .max_memory_per_worker = fresh + (8 << 20), .on_event = [&](const wasm_mt::pool_event& e) {
         if (e.kind == wasm_mt::pool_event_kind::worker_recycled) ++recycled;
       }});
  // Small tasks leave the memory as it was: the same worker takes them all.
  for (int i = 1; i <= 3; ++i) CHECK((co_await pool.exec(InstanceRuns{})) == i);
  // A task that keeps 32 MiB passes the limit: its worker ends after it, and a fresh one
  // (a new instance) takes the next task.
  CHECK((co_await pool.exec(Hoard{32})) == 1);
  CHECK((co_await pool.exec(InstanceRuns{})) == 1);
  CHECK(recycled == 1);
  CHECK(pool.health().replacements == 0);  // (recycling is not a failure)
  // Tasks submitted behind it run in order, each once, on it (if sent before it settled)
  // or on the fresh worker: the count goes on by one, or starts again at 1, once.
  std::vector<wasm_mt::job<int>> burst;
  auto grows = pool.exec(Hoard{32});
  for (int i = 0; i < 4; ++i) burst.push_back(pool.exec(InstanceRuns{}));
  CHECK((co_await std::move(grows)) == 1);
  int last = 1, restarts = 0;  // (the worker ran one InstanceRuns before it)
  for (auto& j : burst) {
    const int runs = co_await std::move(j);
    CHECK((runs == last + 1 || runs == 1));
    restarts += runs == 1;
    last = runs;
  }
  CHECK(restarts <= 1);
  CHECK(co_await test::until([&] { return recycled == 2; }, 5000));
  CHECK(pool.size() == 1);

  // What a worker says of its memory between tasks (its own code may post anything) is
  // read when its next task settles: it never strands an idle worker.
  CHECK((co_await pool.exec_js<int>(R"(
    const port = typeof self !== 'undefined' && typeof WorkerGlobalScope !== 'undefined'
      ? self : process.getBuiltinModule('worker_threads').parentPort;
    setTimeout(() => port.postMessage({wasm_mt: 'wasm_mt/3', type: 'memory', bytes: 2 ** 40}), 20);
    return 5;)")) == 5);
  co_await wasm_mt::sleep(100);
  CHECK((co_await pool.exec(InstanceRuns{})) >= 1);  // (taken, not stranded)
  CHECK(co_await test::until([&] { return recycled == 3; }, 5000));  // (then recycled: it said so)

  // A limit a fresh worker is already past: each worker takes one task, then is
  // recycled, and no worker is recycled before it took one (no start loop).
  int tiny_recycled = 0;
  auto tiny = co_await wasm_mt::pool::create(
      {.threads = 1, .max_memory_per_worker = 1, .on_event = [&](const wasm_mt::pool_event& e) {
         if (e.kind == wasm_mt::pool_event_kind::worker_recycled) ++tiny_recycled;
       }});
  for (int i = 0; i < 3; ++i) CHECK((co_await tiny.exec(InstanceRuns{})) == 1);
  co_await wasm_mt::sleep(300);  // (a loop would recycle again and again meanwhile)
  CHECK(tiny_recycled == 3);
}

// tinypool test/teardown.test.ts: "isolated with teardown".
ASYNC_TEST_CASE("a teardown runs on each worker the pool ends while idle; close() waits for it", "[pool]") {
  teardowns_seen = 0;
  {
    auto pool = co_await wasm_mt::pool::create(with_goodbye({.threads = 2}));
    std::vector<wasm_mt::job<int>> jobs;
    for (int i = 0; i < 4; ++i) jobs.push_back(pool.exec(test::Nap{5, i}));
    for (auto& j : jobs) (void)co_await std::move(j);
    CHECK(teardowns_seen == 0);
    co_await pool.close();
    CHECK(teardowns_seen == 2);  // (close() resolved after both had run)
  }

  // Recycled workers (max_tasks_per_worker) and retired ones (idle_timeout_ms) run it.
  teardowns_seen = 0;
  {
    auto pool = co_await wasm_mt::pool::create(with_goodbye({.threads = 1, .max_tasks_per_worker = 1}));
    for (int i = 0; i < 3; ++i) CHECK((co_await pool.exec(InstanceRuns{})) == 1);
    CHECK(co_await test::until([&] { return teardowns_seen == 3 && pool.threads_alive() == 1; }, 5000));
    co_await pool.close();  // (a worker still starting would just end)
    CHECK(teardowns_seen == 4);  // (the last fresh worker, at the end)
  }
  teardowns_seen = 0;
  {
    auto pool = co_await wasm_mt::pool::create(
        with_goodbye({.min_threads = 0, .max_threads = 1, .idle_timeout_ms = 50}));
    CHECK((co_await pool.exec(test::Nap{0, 7})) == 7);
    CHECK(co_await test::until([&] { return pool.size() == 0 && teardowns_seen == 1; }, 5000));
  }

  // A destroyed pool's idle workers still run it (detached); one ended with a task
  // running does not.
  teardowns_seen = 0;
  wasm_mt::job<int> busy;
  {
    auto pool = co_await wasm_mt::pool::create(with_goodbye({.threads = 2}));
    CHECK((co_await pool.exec(test::Nap{0, 1})) == 1);
    busy = pool.exec(test::Nap{5000, 2});
    co_await wasm_mt::sleep(50);
  }
  auto ended = co_await busy.result();
  CHECK(ended.error().kind() == wasm_mt::error_kind::terminated);
  CHECK(co_await test::until([&] { return teardowns_seen == 1; }, 5000));
  co_await wasm_mt::sleep(200);
  CHECK(teardowns_seen == 1);
}

ASYNC_TEST_CASE("a teardown that fails or hangs still ends its worker, and close() resolves", "[pool]") {
  test::logged_errors logged;
  teardowns_seen = 0;
  auto failing = co_await wasm_mt::pool::create(with_goodbye({.threads = 1}, "throw"));
  CHECK((co_await failing.exec(test::Nap{0, 1})) == 1);
  co_await failing.close();
  CHECK(teardowns_seen == 1);
  CHECK(logged.count("pool_options::teardown") == 1);
  CHECK(logged.count("the teardown failed") == 1);

  teardowns_seen = 0;
  const double started = test::now();
  auto hanging = co_await wasm_mt::pool::create(with_goodbye({.threads = 1, .teardown_timeout_ms = 1000}, "spin"));
  co_await hanging.close();
  CHECK(teardowns_seen == 1);
  CHECK(test::now() - started < 30000);  // (ended at its timeout, not after its 60 s)
  CHECK(logged.count("did not finish within its timeout (1000 ms)") == 1);

  // A bad teardown_timeout_ms is refused, as every time option is.
  std::string refused;
  try {
    (void)wasm_mt::pool::start({.teardown_timeout_ms = -1});
  } catch (const std::invalid_argument& e) {
    refused = e.what();
  }
  CHECK_THAT(refused, Catch::Contains("teardown_timeout_ms"));
}
