// The pool: the original wasm-mt-pool's tests, then balancing, self-healing, timeouts,
// cancellation, bounded queues and the data-parallel helper.
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <emscripten/emscripten.h>
#include <nlohmann/json.hpp>

#include "async_test.hpp"
#include "failing_allocation.hpp"
#include "logged_errors.hpp"
#include "shared_closures.hpp"

namespace {

struct FortyTwo {
  int operator()() const { return 42; }
};
WASM_MT_CLOSURE(FortyTwo)

struct FortyTwoLater {
  wasm_mt::task<int> operator()() const {
    co_await wasm_mt::sleep(10);
    co_return 42;
  }
};
WASM_MT_CLOSURE(FortyTwoLater)

struct Identity {
  int value = 0;
  int delay_ms = 0;
  wasm_mt::task<int> operator()() const {
    if (delay_ms) co_await wasm_mt::sleep(delay_ms);
    co_return value;
  }
};
WASM_MT_CLOSURE(Identity, value, delay_ms)

// After `delay_ms`, gives `value`, or throws when `fail`.
struct ValueOrThrow {
  int value = 0;
  int delay_ms = 0;
  bool fail = false;
  wasm_mt::task<int> operator()() const {
    co_await wasm_mt::sleep(delay_ms);
    if (fail) throw std::runtime_error("item " + std::to_string(value) + " failed");
    co_return value;
  }
};
WASM_MT_CLOSURE(ValueOrThrow, value, delay_ms, fail)

// Busy for `ms` without yielding to the event loop (a CPU-bound task).
struct Spin {
  double ms = 0;
  std::string operator()() const {
    const double until = emscripten_get_now() + ms;
    while (emscripten_get_now() < until) {
    }
    return wasm_mt::current_thread_label();
  }
};
WASM_MT_CLOSURE(Spin, ms)

struct WhereAmI {
  std::string operator()() const { return wasm_mt::current_thread_label(); }
};
WASM_MT_CLOSURE(WhereAmI)

struct TrapsIf {
  int value = 0;
  bool trap = false;
  int operator()() const {
    if (trap) __builtin_trap();
    return value;
  }
};
WASM_MT_CLOSURE(TrapsIf, value, trap)

wasm_mt::future<wasm_mt::pool> make_pool(wasm_mt::pool_options options = {}) { return wasm_mt::pool::create(std::move(options)); }

// Waits (letting the event loop run) until the pool has nothing queued or running.
wasm_mt::task<bool> wait_until_idle(const wasm_mt::pool& pool) {
  return test::until([&pool] { return !pool.queued() && !pool.running(); });
}

}  // namespace

ASYNC_TEST_CASE("the original's pool test: fire-and-forget, async, callbacks, exec_js", "[pool]") {
  auto pool = co_await make_pool({.threads = 2});
  CHECK(pool.size() == 2);
  CHECK(pool.threads_alive() == 2);

  for (int i = 0; i < 4; ++i) (void)pool.exec(FortyTwo{});  // fire and forget

  std::vector<wasm_mt::job<int>> async_jobs;
  for (int i = 0; i < 4; ++i) async_jobs.push_back(pool.exec(FortyTwoLater{}));

  int callbacks_with_42 = 0, js_with_3 = 0, js_async_with_3 = 0;
  for (int i = 0; i < 4; ++i) pool.exec(FortyTwo{}).then([&](int v) { callbacks_with_42 += v == 42; }).detach();
  for (int i = 0; i < 4; ++i)
    pool.exec_js("const add = (a, b) => a + b; return add(1, 2);").then([&](nlohmann::json v) { js_with_3 += v == 3; }).detach();
  for (int i = 0; i < 4; ++i)
    pool.exec_js_async("return await new Promise(r => setTimeout(() => r(1 + 2), 10));").then([&](nlohmann::json v) {
      js_async_with_3 += v == 3;
    }).detach();

  for (auto& j : async_jobs) CHECK((co_await std::move(j)) == 42);
  co_await wait_until_idle(pool);
  CHECK(callbacks_with_42 == 4);
  CHECK(js_with_3 == 4);
  CHECK(js_async_with_3 == 4);
  CHECK(pool.queued() == 0);
  CHECK(pool.running() == 0);
}

ASYNC_TEST_CASE("a pool defaults to the machine's hardware concurrency", "[pool]") {
  auto pool = co_await make_pool();
  CHECK(pool.size() == wasm_mt::hardware_concurrency());
  CHECK((co_await pool.exec(FortyTwo{})) == 42);
}

ASYNC_TEST_CASE("destroying a busy pool cancels its queue and ends running tasks", "[pool]") {
  std::vector<wasm_mt::job<int>> jobs;
  {
    auto pool = co_await make_pool({.threads = 1});
    for (int i = 0; i < 5; ++i) jobs.push_back(pool.exec(Identity{i, 5000}));
    CHECK(pool.running() == 1);
    CHECK(pool.queued() == 4);
  }
  auto running = co_await test::error_of(std::move(jobs[0]), 1000);
  CHECK(running.kind() == wasm_mt::error_kind::terminated);
  for (int i = 1; i < 5; ++i) {
    auto e = co_await test::error_of(std::move(jobs[i]), 1000);
    CHECK(e.kind() == wasm_mt::error_kind::cancelled);
    CHECK(e.not_run());
  }
}

ASYNC_TEST_CASE("map gathers results in submission order", "[pool]") {
  auto pool = co_await make_pool({.threads = 3});
  // Later items finish first.
  auto results = co_await pool.map(12, [](std::size_t i) { return Identity{int(i) * 10, int(12 - i) * 5}; });
  std::vector<int> expected;
  for (int i = 0; i < 12; ++i) expected.push_back(i * 10);
  CHECK(results == expected);

  std::vector<FortyTwo> none;
  CHECK((co_await pool.map(none)).empty());
}

ASYNC_TEST_CASE("map fails with the first error and cancels what is still queued", "[pool]") {
  auto pool = co_await make_pool({.threads = 1});
  std::vector<TrapsIf> closures{{1, false}, {2, true}, {3, false}, {4, false}};
  auto e = co_await test::error_of(pool.map(closures));
  CHECK(e.kind() == wasm_mt::error_kind::worker_crashed);
}

ASYNC_TEST_CASE("a failed map owns its other tasks: nothing it dropped is logged as unhandled", "[pool]") {
  test::logged_errors logged;
  {
    auto pool = co_await make_pool({.threads = 2});
    // Item 0 fails at once; item 1 is still running on the other thread and the rest are
    // queued when the map fails. Then the pool ends with item 1 in flight (terminated).
    std::vector<ValueOrThrow> closures{{0, 0, true}, {1, 400, false}, {2, 0, false}, {3, 0, false}, {4, 0, true}};
    auto e = co_await test::error_of(pool.map(closures));
    CHECK(e.kind() == wasm_mt::error_kind::remote_exception);
    CHECK_THAT(e.message(), Catch::Contains("item 0 failed"));
    CHECK(co_await test::until([&] { return pool.queued() == 0; }));
  }
  co_await wasm_mt::sleep(50);  // the terminated item's error has been settled by then
  CHECK(logged.count("unhandled error") == 0);
}

ASYNC_TEST_CASE("a crash in one task loses no other task; the worker is replaced", "[pool]") {
  auto pool = co_await make_pool({.threads = 2});
  std::vector<wasm_mt::job<int>> jobs;
  for (int i = 0; i < 40; ++i) jobs.push_back(pool.exec(TrapsIf{i, i == 17}));
  for (int i = 0; i < 40; ++i) {
    if (i == 17) {
      CHECK((co_await test::error_of(std::move(jobs[i]))).kind() == wasm_mt::error_kind::worker_crashed);
    } else {
      INFO("task " << i);
      CHECK((co_await std::move(jobs[i])) == i);
    }
  }
  CHECK((co_await pool.exec(FortyTwo{})) == 42);
  co_await wait_until_idle(pool);
  CHECK(pool.size() == 2);
}

ASYNC_TEST_CASE("a task past its timeout fails with timeout; its worker is replaced", "[pool]") {
  auto pool = co_await make_pool({.threads = 1, .task_timeout_ms = 200});
  auto stuck = pool.exec(Spin{3000});
  auto next = pool.exec(FortyTwo{});
  auto e = co_await test::error_of(std::move(stuck));
  CHECK(e.kind() == wasm_mt::error_kind::timeout);
  CHECK_THAT(e.message(), Catch::Contains("task_timeout_ms (200 ms)"));
  CHECK((co_await std::move(next)) == 42);  // ran on the replacement
  CHECK(pool.threads_alive() == 1);
  CHECK(pool.health().replacements == 1);
}

ASYNC_TEST_CASE("a queued task can be cancelled (not run), a running one too; a settled one cannot", "[pool]") {
  auto pool = co_await make_pool({.threads = 1});
  auto running = pool.exec(Identity{1, 300});
  auto queued = pool.exec(Identity{2, 0});
  CHECK(queued.cancel());
  auto e = co_await test::error_of(std::move(queued));
  CHECK(e.kind() == wasm_mt::error_kind::cancelled);
  CHECK(e.not_run());
  co_await wasm_mt::sleep(20);
  CHECK(running.cancel());
  auto stopped = co_await test::error_of(std::move(running));
  CHECK(stopped.kind() == wasm_mt::error_kind::cancelled);
  CHECK_FALSE(stopped.not_run());
  auto done = pool.exec(Identity{3, 0});
  co_await test::settled(done, 5000);
  CHECK_FALSE(done.cancel());
  CHECK(done.get() == 3);
}

ASYNC_TEST_CASE("a bounded queue refuses tasks past its size", "[pool]") {
  auto pool = co_await make_pool({.threads = 1, .max_queue = wasm_mt::queue_limit::at_most(2)});
  auto running = pool.exec(Identity{0, 200});
  auto first = pool.exec(FortyTwo{});
  auto second = pool.exec(FortyTwo{});
  auto refused = pool.exec(FortyTwo{});
  auto e = co_await test::error_of(std::move(refused));
  CHECK(e.kind() == wasm_mt::error_kind::queue_full);
  CHECK((co_await std::move(first)) == 42);
  CHECK((co_await std::move(second)) == 42);
  CHECK((co_await std::move(running)) == 0);
}

ASYNC_TEST_CASE("short tasks never wait behind a long one", "[pool]") {
  auto pool = co_await make_pool({.threads = 2});
  auto long_task = pool.exec(Spin{600});
  std::vector<wasm_mt::job<std::string>> short_tasks;
  for (int i = 0; i < 50; ++i) short_tasks.push_back(pool.exec(WhereAmI{}));
  std::set<std::string> short_ran_on;
  for (auto& task : short_tasks) short_ran_on.insert((co_await std::move(task)));
  const std::string long_ran_on = co_await std::move(long_task);
  CHECK(short_ran_on.size() == 1);
  CHECK(short_ran_on.count(long_ran_on) == 0);
}

ASYNC_TEST_CASE("10,000 tiny tasks all settle, spread over every thread", "[pool]") {
  auto pool = co_await make_pool({.threads = 2});
  std::vector<wasm_mt::job<std::string>> jobs;
  jobs.reserve(10000);
  for (int i = 0; i < 10000; ++i) jobs.push_back(pool.exec(WhereAmI{}));
  std::set<std::string> threads;
  for (auto& j : jobs) threads.insert((co_await std::move(j)));
  CHECK(threads == std::set<std::string>{"pool-0", "pool-1"});
  CHECK(pool.queued() == 0);
  CHECK(pool.running() == 0);
}

ASYNC_TEST_CASE("a pool whose threads cannot start fails to create with spawn_failed", "[pool]") {
  auto wasm = co_await wasm_mt::fetch_bytes(WASM_MT_TEST_OTHER_PROGRAM_WASM);
  auto broken = co_await wasm_mt::program::from_buffers(wasm_mt::bytes("this is ) not JavaScript"), wasm);
  auto e = co_await test::error_of(wasm_mt::pool::create({.threads = 2}, broken));
  CHECK(e.kind() == wasm_mt::error_kind::spawn_failed);
}

ASYNC_TEST_CASE("a fire-and-forget task that fails is logged, not lost", "[pool]") {
  auto pool = co_await make_pool({.threads = 1});
  test::logged_errors logged;
  const int line = __LINE__ + 1;
  (void)pool.exec(TrapsIf{0, true});
  co_await wait_until_idle(pool);
  co_await pool.exec(FortyTwo{});  // the replacement serves
  CHECK(logged.count("worker_crashed") >= 1);
  const std::string named = "unhandled error in exec(" + std::string(wasm_mt::closure_name<TrapsIf>()) +
                            ") called at pool_test.cpp:" + std::to_string(line) + ": worker_crashed";
  CHECK(logged.count(named.c_str()) == 1);
}

ASYNC_TEST_CASE("inline closures run on a pool too", "[pool]") {
  auto pool = co_await make_pool({.threads = 2});
  int base = 40;
  CHECK((co_await WASM_MT_EXEC(pool, (base), { return base + 2; })) == 42);
  auto later = WASM_MT_EXEC_ASYNC(pool, int, (base), {
    co_await wasm_mt::sleep(5);
    co_return base + 1;
  });
  CHECK((co_await std::move(later)) == 41);
}

ASYNC_TEST_CASE("a task that cannot be sent or decoded fails alone, and the pool goes on", "[pool]") {
  auto pool = co_await make_pool({.threads = 1});
  auto bad_captures = co_await test::error_of(  // not UTF-8: not JSON
      pool.exec_by_name<int>("shared::Multiply", {{"a", std::string("\xff", 1)}, {"b", 1}}));
  CHECK(bad_captures.kind() == wasm_mt::error_kind::bad_payload);
  CHECK_THAT(bad_captures.message(), Catch::Contains("cannot encode"));
  CHECK(bad_captures.not_run());
  auto wrong_result =
      co_await test::error_of(pool.exec_by_name<std::vector<int>>("shared::Multiply", {{"a", 3}, {"b", 5}}));
  CHECK(wrong_result.kind() == wasm_mt::error_kind::bad_payload);
  auto unknown = co_await test::error_of(pool.exec_by_name<int>("no::such::closure", nlohmann::json::object()));
  CHECK(unknown.kind() == wasm_mt::error_kind::unknown_function);
  CHECK((co_await pool.exec_by_name<int>("shared::Multiply", {{"a", 6}, {"b", 7}})) == 42);
  CHECK(pool.running() == 0);
  CHECK(pool.queued() == 0);
}

ASYNC_TEST_CASE("whichever allocation fails while a task settles and the next starts, no task is lost", "[pool][errors]") {
  auto pool = co_await make_pool({.threads = 1});
  test::logged_errors logged;  // the failed iterations' unobserved errors
  for (std::size_t n = 1;; ++n) {
    REQUIRE(n < 500);
    INFO("failing allocation number " << n);
    // A kind of task new to the pool each time (it keeps each kind's average duration).
    auto running = pool.exec_js_async<int>("await new Promise(r => setTimeout(r, 10)); return " + std::to_string(n) + ";");
    auto queued = pool.exec(Identity{2, 0});
    const bool failed = co_await test::run_with_failing_allocation(n, 50);
    co_await test::settled(running, 5000);
    co_await test::settled(queued, 5000);
    if (failed) continue;
    INFO("every one of the " << n - 1 << " allocations failed once");
    CHECK(running.get() == static_cast<int>(n));
    CHECK(queued.get() == 2);
    break;
  }
  CHECK((co_await pool.exec(Identity{3, 0})) == 3);
  CHECK(pool.running() == 0);
  CHECK(pool.queued() == 0);
}

ASYNC_TEST_CASE("whichever allocation fails while a crashed worker is replaced, no task is lost", "[pool][errors]") {
  test::logged_errors logged;  // the failed iterations' unobserved errors
  auto live_workers = [] { return EM_ASM_INT({ return wasmMtParent.workers.size; }); };  // the glue's count
  const int workers_before = live_workers();
  for (std::size_t n = 1;; ++n) {
    REQUIRE(n < 500);
    INFO("failing allocation number " << n);
    // The last iteration's pool is gone, and with it every worker it started.
    CHECK(live_workers() == workers_before);
    auto pool = co_await make_pool({.threads = 1});
    auto crashes = pool.exec(TrapsIf{1, true});
    auto queued = pool.exec(Identity{2, 0});  // runs on the replacement, if one can start
    const bool failed = co_await test::run_with_failing_allocation(n, 150);
    co_await test::settled(crashes, 5000);
    co_await test::settled(queued, 5000);
    if (failed) continue;
    INFO("every one of the " << n - 1 << " allocations failed once");
    CHECK((co_await test::error_of(std::move(crashes))).kind() == wasm_mt::error_kind::worker_crashed);
    CHECK(queued.get() == 2);
    break;
  }
}

namespace {
struct SquareValue {
  int value = 0;
  int operator()() const { return value * value; }
};
WASM_MT_CLOSURE(SquareValue, value)

}  // namespace

ASYNC_TEST_CASE("a worker that dies while idle is replaced, and the next task runs", "[pool]") {
  auto pool = co_await make_pool({.threads = 1});
  // Returns 1, then dies from a timer: the pool has no task on it when it goes.
  CHECK((co_await pool.exec_js<int>("setTimeout(() => { throw new Error('dies idle'); }, 0); return 1;")) == 1);
  co_await wasm_mt::sleep(50);
  auto next = pool.exec(SquareValue{3});
  co_await test::settled(next, 10000);
  CHECK(next.get() == 9);
  CHECK(pool.threads_alive() == 1);
  CHECK(pool.health().replacements == 1);
}

ASYNC_TEST_CASE("a task submitted from a timeout's handler runs on a live thread, not the one being killed", "[pool]") {
  for (std::size_t threads : {1u, 2u}) {
    INFO(threads << " threads");
    auto pool = co_await make_pool({.threads = threads, .task_timeout_ms = 300});
    if (threads == 2) CHECK((co_await pool.exec(WhereAmI{})) == "pool-0");
    auto stuck = pool.exec(Spin{5000});
    std::optional<wasm_mt::job<int>> from_catch;
    try {
      co_await std::move(stuck);
    } catch (const wasm_mt::error& e) {
      CHECK(e.kind() == wasm_mt::error_kind::timeout);
      from_catch = pool.exec(SquareValue{7});  // submitted in the handler
    }
    REQUIRE(from_catch);
    CHECK((co_await std::move(*from_catch)) == 49);

    // And from a then() error callback.
    std::optional<int> from_callback;
    std::optional<wasm_mt::job<int>> follow_up;
    pool.exec(Spin{5000}).then([](std::string) {}, [&](const wasm_mt::error&) { follow_up = pool.exec(SquareValue{8}); }).detach();
    CHECK(co_await test::until([&] { return follow_up.has_value(); }, 10000));
    if (follow_up) CHECK((co_await std::move(*follow_up)) == 64);
  }
}

ASYNC_TEST_CASE("when no replacement can start, tasks fail at once; replacements are retried with backoff", "[pool]") {
  auto js = co_await wasm_mt::fetch_bytes(WASM_MT_TEST_OTHER_PROGRAM_JS);
  auto wasm = co_await wasm_mt::fetch_bytes(WASM_MT_TEST_OTHER_PROGRAM_WASM);
  auto other = co_await wasm_mt::program::from_buffers(js, wasm);
  auto pool = co_await wasm_mt::pool::create({.threads = 1}, other);
  CHECK((co_await pool.exec(shared::Multiply{2, 3})) == 6);

  // The program can no longer start (its script is gone), then its one worker dies.
  EM_ASM({
    var program = wasmMtPrograms.all.get($0);
    globalThis.testProgram = Object.assign({}, program);
    program.url = program.url && 'no-such-program.js';
    program.text = program.text && 'throw new Error("the program is gone");';
  }, other.id());
  (void)co_await pool.exec_js<int>("setTimeout(() => { throw new Error('dies'); }, 0); return 1;");
  // (It died young: its slot first waits to restart, with tasks waiting; then the start fails.)
  CHECK(co_await test::until([&] {
    auto h = pool.health();
    return h.waiting_to_retry == 1 && h.last_start_error.find("failed to start") != std::string::npos;
  }, 10000));
  auto health = pool.health();
  CHECK(health.running == 0);
  CHECK_FALSE(health.last_start_error.empty());

  // A task now fails at once, and says why.
  auto refused = pool.exec(shared::Multiply{1, 2});
  REQUIRE(refused.ready());
  auto e = co_await test::error_of(std::move(refused));
  CHECK(e.kind() == wasm_mt::error_kind::spawn_failed);
  CHECK(e.not_run());
  CHECK_THAT(e.message(), Catch::Contains("failed to start"));

  // Retries go on; once the program can start again, the pool serves again.
  CHECK(co_await test::until([&] { return pool.health().replacements >= 3; }, 10000));
  EM_ASM({
    var program = wasmMtPrograms.all.get($0);
    program.url = testProgram.url;
    program.text = testProgram.text;
  }, other.id());
  CHECK(co_await test::until([&] { return pool.threads_alive() == 1; }, 20000));
  CHECK((co_await pool.exec(shared::Multiply{4, 5})) == 20);
  CHECK(pool.health().last_start_error.find("failed to start") != std::string::npos);
}

ASYNC_TEST_CASE("destroying a pool ends its starting replacements at once", "[pool]") {
  const int before = test::glue_workers();
  {
    auto pool = co_await make_pool({.threads = 2});
    CHECK(test::glue_workers() == before + 2);
    (void)co_await pool.exec_js<int>("setTimeout(() => { throw new Error('dies'); }, 0); return 1;");
    CHECK(co_await test::until([&] { return pool.health().starting == 1; }));
    CHECK(test::glue_workers() == before + 2);  // one running, one starting
  }
  CHECK(test::glue_workers() == before);
}

ASYNC_TEST_CASE("a moved-from pool fails its tasks clearly", "[pool]") {
  auto pool = co_await make_pool({.threads = 1});
  auto moved = std::move(pool);
  auto e = co_await test::error_of(pool.exec(SquareValue{2}), 1000);
  CHECK(e.kind() == wasm_mt::error_kind::terminated);
  CHECK_THAT(e.message(), Catch::Contains("moved-from wasm_mt::pool"));
  CHECK((co_await moved.exec(SquareValue{2})) == 4);
}
