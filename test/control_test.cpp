// Control of running work (anchors: piscina's AbortSignal, workerpool's cancel() and
// timeout(), C++20's stop_token): stopping a request before or while it runs, per-call
// deadlines, and progress events, on threads and pools, in real workers.
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <emscripten/emscripten.h>

#include "async_test.hpp"
#include "logged_errors.hpp"

namespace {

using wasm_mt::error_kind;

// Worker-side counters (each worker has its own copy), read back with Counters{}.
int stops_seen = 0;
int finished_after_stop = 0;

struct SpinFor {
  double ms = 0;
  int operator()() const {
    const double until = emscripten_get_now() + ms;
    while (emscripten_get_now() < until) {
    }
    return 1;
  }
};
WASM_MT_CLOSURE(SpinFor, ms)

// Cooperates: spins in slices with checkpoints until `ms` have passed or it is stopped.
struct Cooperative {
  double ms = 0;
  wasm_mt::task<int> operator()() const {
    const double until = emscripten_get_now() + ms;
    int slices = 0;
    try {
      while (emscripten_get_now() < until) {
        const double slice = emscripten_get_now() + 1;
        while (emscripten_get_now() < slice) {
        }
        ++slices;
        co_await wasm_mt::this_request::checkpoint();
      }
    } catch (const wasm_mt::error& e) {
      if (e.kind() == error_kind::cancelled) ++stops_seen;
      throw;
    }
    co_return slices;
  }
};
WASM_MT_CLOSURE(Cooperative, ms)

// Ignores its stop: sleeps, then counts that it went on to the end.
struct Oblivious {
  double ms = 0;
  wasm_mt::task<int> operator()() const {
    co_await wasm_mt::sleep(ms);
    if (wasm_mt::this_request::stop_requested()) ++finished_after_stop;
    co_return 7;
  }
};
WASM_MT_CLOSURE(Oblivious, ms)

// Waits for its stop (this_request::stopped()), as when_any(work, stopped()) would.
struct AwaitsStop {
  wasm_mt::task<int> operator()() const {
    co_await wasm_mt::this_request::stopped();
    ++stops_seen;
    co_return 0;
  }
};
WASM_MT_CLOSURE(AwaitsStop)

// What a stop_callback on the request's token sees.
struct StopCallbackCounts {
  wasm_mt::task<int> operator()() const {
    wasm_mt::stop_callback on_stop(wasm_mt::this_request::get_stop_token(), [] { stops_seen += 10; });
    co_await wasm_mt::this_request::stopped();
    co_return 0;
  }
};
WASM_MT_CLOSURE(StopCallbackCounts)

struct Counters {
  std::vector<int> operator()() const { return {stops_seen, finished_after_stop}; }
};
WASM_MT_CLOSURE(Counters)

// Whether the request's context is there: before and after a co_await, and in a
// synchronous closure (which cannot be stopped).
struct ContextAcrossAwait {
  wasm_mt::task<std::vector<bool>> operator()() const {
    const bool before = wasm_mt::this_request::get_stop_token().stop_possible();
    co_await wasm_mt::sleep(5);
    const bool after = wasm_mt::this_request::get_stop_token().stop_possible();
    co_return std::vector<bool>{before, after};
  }
};
WASM_MT_CLOSURE(ContextAcrossAwait)

struct SyncStopPossible {
  bool operator()() const { return wasm_mt::this_request::get_stop_token().stop_possible(); }
};
WASM_MT_CLOSURE(SyncStopPossible)

struct Square {
  int x = 0;
  int operator()() const { return x * x; }
};
WASM_MT_CLOSURE(Square, x)

// Events.
struct Progress {
  int done = 0;
  int total = 0;
};
void to_json(nlohmann::json& j, const Progress& p) { j = {{"done", p.done}, {"total", p.total}}; }
void from_json(const nlohmann::json& j, Progress& p) {
  p.done = j.at("done");
  p.total = j.at("total");
}

struct EmitCount {
  int count = 0;
  int operator()() const {
    for (int i = 0; i < count; ++i) wasm_mt::this_request::emit(i);
    return count;
  }
};
WASM_MT_CLOSURE(EmitCount, count)

// Emits 0 .. count-1, waiting for room (back-pressure); returns how long that took (ms).
struct EmitPaced {
  int count = 0;
  wasm_mt::task<double> operator()() const {
    const double start = emscripten_get_now();
    for (int i = 0; i < count; ++i) co_await wasm_mt::this_request::emit(i);
    co_return emscripten_get_now() - start;
  }
};
WASM_MT_CLOSURE(EmitPaced, count)

// Two coroutines of one request emitting with back-pressure at once.
wasm_mt::future<void> emit_part(int from, int count) {
  for (int i = 0; i < count; ++i) co_await wasm_mt::this_request::emit(from + i);
}
struct EmitTwoParts {
  int count = 0;
  wasm_mt::task<int> operator()() const {
    co_await wasm_mt::when_all(emit_part(0, count), emit_part(1000000, count));
    co_return 2 * count;
  }
};
WASM_MT_CLOSURE(EmitTwoParts, count)

// What co_await emit() did once the request was stopped (read with EmitAwaitStopOutcome).
std::string emit_stop_outcome;
struct EmitAwaitingUntilStopped {
  wasm_mt::task<int> operator()() const {
    emit_stop_outcome = "running";
    try {
      for (int i = 0; i < 100000; ++i) {
        co_await wasm_mt::sleep(1);
        co_await wasm_mt::this_request::emit(i);
      }
      emit_stop_outcome = "ran to its end";
    } catch (const wasm_mt::error& e) {
      emit_stop_outcome = std::string(wasm_mt::error_kind_name(e.kind()));
    }
    co_return 0;
  }
};
WASM_MT_CLOSURE(EmitAwaitingUntilStopped)
struct EmitAwaitStopOutcome {
  std::string operator()() const { return emit_stop_outcome; }
};
WASM_MT_CLOSURE(EmitAwaitStopOutcome)

struct EmitProgressAsync {
  int total = 0;
  wasm_mt::task<std::string> operator()() const {
    for (int i = 1; i <= total; ++i) {
      co_await wasm_mt::sleep(1);
      wasm_mt::this_request::emit(Progress{i, total});  // after a co_await: the context came along
    }
    co_return "rendered";
  }
};
WASM_MT_CLOSURE(EmitProgressAsync, total)

struct EmitChunks {
  int chunks = 0;
  int size = 0;
  int operator()() const {
    for (int i = 0; i < chunks; ++i) {
      wasm_mt::bytes chunk(static_cast<std::size_t>(size));
      for (auto& b : chunk) b = static_cast<std::uint8_t>(i);
      wasm_mt::this_request::emit(chunk);
    }
    return chunks;
  }
};
WASM_MT_CLOSURE(EmitChunks, chunks, size)

// Emits while it runs, then keeps running after its stop.
struct EmitUntilStopped {
  wasm_mt::task<int> operator()() const {
    int sent = 0;
    for (int i = 0; i < 200; ++i) {
      wasm_mt::this_request::emit(i);
      ++sent;
      co_await wasm_mt::sleep(1);
    }
    co_return sent;
  }
};
WASM_MT_CLOSURE(EmitUntilStopped)

}  // namespace

ASYNC_TEST_CASE("stop_source, stop_token and stop_callback behave as C++20's", "[control]") {
  wasm_mt::stop_token none;
  CHECK_FALSE(none.stop_possible());
  CHECK_FALSE(none.stop_requested());
  std::vector<int> order;
  {
    wasm_mt::stop_source source;
    auto token = source.get_token();
    CHECK(token.stop_possible());
    wasm_mt::stop_callback first(token, [&] { order.push_back(1); });
    auto second = std::make_unique<wasm_mt::stop_callback>(token, [&] { order.push_back(2); });
    wasm_mt::stop_callback third(token, [&] { order.push_back(3); });
    second.reset();  // deregistered: never runs
    CHECK(source.request_stop());
    CHECK_FALSE(source.request_stop());  // once
    CHECK(token.stop_requested());
    wasm_mt::stop_callback late(token, [&] { order.push_back(4); });  // runs at once
  }
  CHECK(order == std::vector<int>{1, 3, 4});
  // A callback that destroys another one registered after it: the other never runs.
  wasm_mt::stop_source source;
  std::unique_ptr<wasm_mt::stop_callback> victim;
  int victim_runs = 0;
  wasm_mt::stop_callback killer(source.get_token(), [&] { victim.reset(); });
  victim = std::make_unique<wasm_mt::stop_callback>(source.get_token(), [&] { ++victim_runs; });
  source.request_stop();
  CHECK(victim_runs == 0);
  // Every source gone without stopping: no stop can come.
  wasm_mt::stop_token orphan;
  {
    wasm_mt::stop_source gone;
    orphan = gone.get_token();
  }
  CHECK_FALSE(orphan.stop_possible());
  co_return;
}

ASYNC_TEST_CASE("thread: a stop requested before the call sends nothing and fails as not run", "[control]") {
  auto th = co_await test::spawn();
  wasm_mt::stop_source stop;
  stop.request_stop();
  auto e = co_await test::error_of(th.exec(Square{3}, {.stop = stop.get_token()}));
  CHECK(e.kind() == error_kind::cancelled);
  CHECK(e.not_run());
  CHECK(th.pending_count() == 0);
  auto js = co_await test::error_of(th.exec_js("return 1;", {.stop = stop.get_token()}));
  CHECK(js.kind() == error_kind::cancelled);
  CHECK((co_await th.exec(Square{4})) == 16);
}

ASYNC_TEST_CASE("thread: stopping a cooperative async closure ends it; the request fails with cancelled", "[control]") {
  auto th = co_await test::spawn();
  wasm_mt::stop_source stop;
  auto running = th.exec(Cooperative{20000}, {.stop = stop.get_token()});
  co_await wasm_mt::sleep(50);
  stop.request_stop();
  auto e = co_await test::error_of(std::move(running), 1000);  // at once, not in 20 s
  CHECK(e.kind() == error_kind::cancelled);
  CHECK_FALSE(e.not_run());
  // The closure saw it and ended (its reply, dropped, came): it counted one stop.
  CHECK(co_await test::until([&] { return th.pending_count() == 0; }, 5000));
  CHECK((co_await th.exec(Counters{})) == std::vector<int>{1, 0});
}

ASYNC_TEST_CASE("thread: this_request::stopped() and stop callbacks in the closure run on stop", "[control]") {
  auto th = co_await test::spawn();
  wasm_mt::stop_source stop;
  auto waiting = th.exec(AwaitsStop{}, {.stop = stop.get_token()});
  auto with_callback = th.exec(StopCallbackCounts{}, {.stop = stop.get_token()});
  co_await wasm_mt::sleep(30);
  stop.request_stop();  // one source, two requests
  CHECK((co_await test::error_of(std::move(waiting), 2000)).kind() == error_kind::cancelled);
  CHECK((co_await test::error_of(std::move(with_callback), 2000)).kind() == error_kind::cancelled);
  CHECK(co_await test::until([&] { return th.pending_count() == 0; }, 5000));
  CHECK((co_await th.exec(Counters{}))[0] == 11);
}

ASYNC_TEST_CASE("thread: a synchronous closure cannot see its stop; the caller does not wait for it", "[control]") {
  auto th = co_await test::spawn();
  wasm_mt::stop_source stop;
  auto busy = th.exec(SpinFor{1500}, {.stop = stop.get_token()});
  auto next = th.exec(Square{5});  // queued behind it on the same worker
  co_await wasm_mt::sleep(100);
  stop.request_stop();
  auto e = co_await test::error_of(std::move(busy), 500);  // before the spin ends
  CHECK(e.kind() == error_kind::cancelled);
  CHECK(th.pending_count() == 2);  // the worker still owes both answers: nothing is lost
  CHECK((co_await std::move(next)) == 25);
  CHECK(co_await test::until([&] { return th.pending_count() == 0; }, 5000));
  CHECK_FALSE(th.is_terminated());  // a thread is never terminated for a stop
  CHECK_FALSE((co_await th.exec(SyncStopPossible{})));
}

ASYNC_TEST_CASE("thread: a closure that ignores its stop runs to its end; its result is dropped", "[control]") {
  auto th = co_await test::spawn();
  wasm_mt::stop_source stop;
  auto ignoring = th.exec(Oblivious{200}, {.stop = stop.get_token()});
  stop.request_stop();
  CHECK((co_await test::error_of(std::move(ignoring), 100)).kind() == error_kind::cancelled);
  CHECK(co_await test::until([&] { return th.pending_count() == 0; }, 5000));
  CHECK((co_await th.exec(Counters{})) == std::vector<int>{0, 1});
}

ASYNC_TEST_CASE("thread: the request's context follows the closure across co_await", "[control]") {
  auto th = co_await test::spawn();
  CHECK((co_await th.exec(ContextAcrossAwait{})) == std::vector<bool>{true, true});
  CHECK_FALSE(wasm_mt::this_request::stop_requested());  // outside a request
  CHECK_FALSE(wasm_mt::this_request::get_stop_token().stop_possible());
}

ASYNC_TEST_CASE("thread: per-call deadlines on exec, exec_by_name and exec_js", "[control]") {
  auto th = co_await test::spawn();
  auto e = co_await test::error_of(th.exec(Cooperative{20000}, {.timeout_ms = 100}), 2000);
  CHECK(e.kind() == error_kind::timeout);
  CHECK_THAT(e.message(), Catch::Contains("100 ms"));
  auto by_name = co_await test::error_of(
      th.exec_by_name(std::string(wasm_mt::closure_name<Cooperative>()), {{"ms", 20000}}, {.timeout_ms = 50}), 2000);
  CHECK(by_name.kind() == error_kind::timeout);
  auto js = co_await test::error_of(
      th.exec_js_async("await new Promise(r => setTimeout(r, 5000)); return 1;", {.timeout_ms = 50}), 2000);
  CHECK(js.kind() == error_kind::timeout);
  auto js_args = co_await test::error_of(
      th.exec_js_async("await new Promise(r => setTimeout(r, args.ms)); return 1;", {{"ms", 5000}}, {.timeout_ms = 50}),
      2000);
  CHECK(js_args.kind() == error_kind::timeout);
  // A deadline that is met changes nothing.
  CHECK((co_await th.exec(Square{6}, {.timeout_ms = 10000})) == 36);
  // A bad deadline is refused, naming the option (as a bad pool option is).
  std::string refused;
  try {
    (void)co_await th.exec(Square{6}, {.timeout_ms = -1});
  } catch (const std::invalid_argument& e) {
    refused = e.what();
  }
  CHECK_THAT(refused, Catch::Contains("call_options::timeout_ms"));
  CHECK(co_await test::until([&] { return th.pending_count() == 0; }, 10000));
}

ASYNC_TEST_CASE("thread: a stopped request whose worker then crashes settles once", "[control]") {
  auto th = co_await test::spawn();
  wasm_mt::stop_source stop;
  auto stopped = th.exec(Oblivious{1000}, {.stop = stop.get_token()});
  stop.request_stop();
  CHECK((co_await test::error_of(std::move(stopped), 100)).kind() == error_kind::cancelled);
  CHECK(th.pending_count() == 1);  // still running there
  (void)co_await th.exec_js<int>("setTimeout(() => { throw new Error('dies'); }, 0); return 1;");
  CHECK(co_await test::until([&] { return th.is_terminated(); }, 5000));
  CHECK(th.pending_count() == 0);
  stop.request_stop();  // again, after all: nothing happens
}

ASYNC_TEST_CASE("events arrive in order, each before the result, typed or as JSON", "[control]") {
  auto th = co_await test::spawn();
  std::vector<int> seen;
  auto count = co_await th.exec(EmitCount{50}, {.on_event = [&](int i) { seen.push_back(i); }});
  CHECK(count == 50);
  REQUIRE(seen.size() == 50);
  for (int i = 0; i < 50; ++i) CHECK(seen[i] == i);

  std::vector<Progress> progress;
  auto rendered = co_await th.exec(EmitProgressAsync{5}, {.on_event = [&](const Progress& p) { progress.push_back(p); }});
  CHECK(rendered == "rendered");
  REQUIRE(progress.size() == 5);  // all of them, before the result
  CHECK(progress.back().done == 5);
  CHECK(progress.back().total == 5);

  nlohmann::json last;
  (void)co_await th.exec(EmitProgressAsync{2}, {.on_event = [&](const nlohmann::json& e) { last = e; }});
  CHECK(last == nlohmann::json{{"done", 2}, {"total", 2}});
  // A generic handler gets JSON.
  int generic = 0;
  (void)co_await th.exec(EmitCount{3}, {.on_event = [&](const auto& e) { generic += e.template get<int>(); }});
  CHECK(generic == 0 + 1 + 2);
}

ASYNC_TEST_CASE("10,000 events from one closure all arrive, in order", "[control]") {
  auto th = co_await test::spawn();
  int next = 0;
  bool in_order = true;
  CHECK((co_await th.exec(EmitCount{10000}, {.on_event = [&](int i) { in_order = in_order && i == next++; }})) == 10000);
  CHECK(next == 10000);
  CHECK(in_order);
  // Without a handler the same closure sends none (and runs as fast as it can).
  CHECK((co_await th.exec(EmitCount{10000})) == 10000);
}

ASYNC_TEST_CASE("back-pressure: co_await emit() keeps at most 1024 events ahead of a slow handler", "[control]") {
  auto th = co_await test::spawn();
  constexpr int count = 5000;
  constexpr double handler_ms = 0.05;
  int next = 0;
  bool in_order = true;
  auto slow = [&](int i) {
    in_order = in_order && i == next++;
    for (const double until = emscripten_get_now() + handler_ms; emscripten_get_now() < until;) {
    }
  };
  const double loop_ms = co_await th.exec(EmitPaced{count}, {.on_event = slow});
  CHECK(next == count);
  CHECK(in_order);
  // The worker's loop can end only once the caller has handled all but 1023 of them,
  // each taking handler_ms: a bound set by causality, not by speed. (Without
  // back-pressure the loop ends in a few ms, all 5000 events queued here.)
  INFO("the paced loop took " << loop_ms << " ms");
  CHECK(loop_ms >= (count - 1024) * handler_ms);
  // With nobody listening, it never waits.
  CHECK((co_await th.exec(EmitPaced{count})) < 5000);
  // Two coroutines of one request waiting for room at once both go on.
  int events = 0;
  CHECK((co_await th.exec(EmitTwoParts{3000}, {.on_event = [&](int) { ++events; }})) == 6000);
  CHECK(events == 6000);
  // Once the request is stopped, co_await emit() throws cancelled (it does not go on
  // emitting into nothing).
  wasm_mt::stop_source stop;
  int seen = 0;
  auto running = th.exec(EmitAwaitingUntilStopped{}, {.stop = stop.get_token(), .on_event = [&](int) {
                                                 if (++seen == 3) stop.request_stop();
                                               }});
  CHECK((co_await test::error_of(std::move(running))).kind() == wasm_mt::error_kind::cancelled);
  CHECK(co_await test::until([&]() -> bool { return seen >= 3; }));
  std::string outcome;
  for (int tries = 0; tries < 100 && (outcome = co_await th.exec(EmitAwaitStopOutcome{})) == "running"; ++tries)
    co_await wasm_mt::sleep(10);
  CHECK(outcome == "cancelled");
}

ASYNC_TEST_CASE("events carry bytes; a handler that throws is reported and the request goes on", "[control]") {
  auto th = co_await test::spawn();
  std::vector<std::size_t> sizes;
  bool contents_ok = true;
  auto chunks = co_await th.exec(EmitChunks{8, 1 << 20}, {.on_event = [&](const wasm_mt::bytes& chunk) {
                                   contents_ok = contents_ok && chunk.size() == (1u << 20) &&
                                                 chunk[0] == static_cast<std::uint8_t>(sizes.size()) &&
                                                 chunk[chunk.size() - 1] == chunk[0];
                                   sizes.push_back(chunk.size());
                                 }});
  CHECK(chunks == 8);
  CHECK(sizes.size() == 8);
  CHECK(contents_ok);

  test::logged_errors logged;
  int calls = 0;
  auto value = co_await th.exec(EmitCount{3}, {.on_event = [&](int) {
                                  ++calls;
                                  throw std::runtime_error("handler broke");
                                }});
  CHECK(value == 3);
  CHECK(calls == 3);
  CHECK(logged.count("handler broke") == 3);
  // An event of the wrong type for the handler: reported, not lost silently.
  (void)co_await th.exec(EmitProgressAsync{1}, {.on_event = [&](int) {}});
  CHECK(logged.count("an event handler failed") == 4);
}

ASYNC_TEST_CASE("events of a stopped request stop reaching the caller", "[control]") {
  auto th = co_await test::spawn();
  wasm_mt::stop_source stop;
  int events = 0;
  auto emitting = th.exec(EmitUntilStopped{}, {.stop = stop.get_token(), .on_event = [&](int) { ++events; }});
  CHECK(co_await test::until([&] { return events >= 3; }, 5000));
  stop.request_stop();
  const int at_stop = events;
  CHECK((co_await test::error_of(std::move(emitting))).kind() == error_kind::cancelled);
  co_await wasm_mt::sleep(50);
  CHECK(events == at_stop);
}

ASYNC_TEST_CASE("pool: a queued task stops as not run; a running cooperative one ends without a replacement", "[control]") {
  auto pool = co_await wasm_mt::pool::create({.threads = 1});
  wasm_mt::stop_source stop;
  auto running = pool.exec(Cooperative{20000}, {.stop = stop.get_token()});
  auto queued = pool.exec(Square{9}, {.stop = stop.get_token()});
  co_await wasm_mt::sleep(50);
  stop.request_stop();
  auto e_queued = co_await test::error_of(std::move(queued));
  CHECK(e_queued.kind() == error_kind::cancelled);
  CHECK(e_queued.not_run());
  auto e_running = co_await test::error_of(std::move(running), 1000);
  CHECK(e_running.kind() == error_kind::cancelled);
  CHECK_FALSE(e_running.not_run());
  CHECK(co_await test::until([&] { return pool.running() == 0; }, 5000));  // its worker answered
  CHECK((co_await pool.exec(Counters{})) == std::vector<int>{1, 0});  // the same worker: it stopped itself
  CHECK(pool.health().replacements == 0);
  auto st = pool.stats();
  CHECK(st.cancelled == 2);
  CHECK(st.completed == 1);
}

ASYNC_TEST_CASE("pool: a running synchronous task past the grace period has its worker replaced; nothing else is lost",
                "[control]") {
  auto pool = co_await wasm_mt::pool::create({.threads = 1, .stop_grace_ms = 100});
  wasm_mt::stop_source stop;
  auto stuck = pool.exec(SpinFor{20000}, {.stop = stop.get_token()});
  std::vector<wasm_mt::job<int>> behind;
  for (int i = 0; i < 4; ++i) behind.push_back(pool.exec(Square{i}));
  co_await wasm_mt::sleep(100);
  stop.request_stop();
  CHECK((co_await test::error_of(std::move(stuck), 500)).kind() == error_kind::cancelled);
  // Those queued behind it run on the replacement, long before the 20 s spin would end.
  const double start = test::now();
  for (int i = 0; i < 4; ++i) CHECK((co_await std::move(behind[i])) == i * i);
  CHECK(test::now() - start < 10000);
  CHECK(pool.health().replacements == 1);
  auto st = pool.stats();
  CHECK(st.cancelled == 1);
  CHECK(st.completed == 4);
  CHECK(st.failed == 0);
}

ASYNC_TEST_CASE("pool: job::cancel stops a running task too", "[control]") {
  auto pool = co_await wasm_mt::pool::create({.threads = 1, .stop_grace_ms = 50});
  auto running = pool.exec(SpinFor{20000});
  co_await wasm_mt::sleep(50);
  CHECK(running.cancel());
  CHECK_FALSE(running.cancel());  // once
  CHECK((co_await test::error_of(std::move(running), 500)).kind() == error_kind::cancelled);
  CHECK((co_await pool.exec(Square{3})) == 9);
  CHECK(pool.health().replacements == 1);
}

ASYNC_TEST_CASE("pool: per-call deadlines, queued or running, on every kind of task", "[control]") {
  auto pool = co_await wasm_mt::pool::create({.threads = 1});
  auto running = pool.exec(Cooperative{20000}, {.timeout_ms = 100});
  auto queued = pool.exec(Square{2}, {.timeout_ms = 50});  // waits behind it past its deadline
  auto e_queued = co_await test::error_of(std::move(queued), 2000);
  CHECK(e_queued.kind() == error_kind::timeout);
  CHECK(e_queued.not_run());
  auto e_running = co_await test::error_of(std::move(running), 2000);
  CHECK(e_running.kind() == error_kind::timeout);
  CHECK_FALSE(e_running.not_run());
  auto js = co_await test::error_of(pool.exec_js_async("await new Promise(r => setTimeout(r, 5000));", {.timeout_ms = 50}),
                                    2000);
  CHECK(js.kind() == error_kind::timeout);
  auto by_name = co_await test::error_of(
      pool.exec_by_name(std::string(wasm_mt::closure_name<Cooperative>()), {{"ms", 20000}}, {.timeout_ms = 50}), 2000);
  CHECK(by_name.kind() == error_kind::timeout);
  CHECK((co_await pool.exec(Square{5}, {.timeout_ms = 10000})) == 25);
  auto st = pool.stats();
  CHECK(st.failed == 4);  // timeouts
  CHECK(st.completed == 1);
}

ASYNC_TEST_CASE("pool: events from a pool's task reach the caller", "[control]") {
  auto pool = co_await wasm_mt::pool::create({.threads = 2});
  std::vector<int> a, b;
  auto ja = pool.exec(EmitCount{100}, {.on_event = [&](int i) { a.push_back(i); }});
  auto jb = pool.exec(EmitCount{100}, {.on_event = [&](int i) { b.push_back(i + 1000); }});
  CHECK((co_await std::move(ja)) == 100);
  CHECK((co_await std::move(jb)) == 100);
  REQUIRE(a.size() == 100);
  REQUIRE(b.size() == 100);
  CHECK(a.back() == 99);
  CHECK(b.front() == 1000);
}

ASYNC_TEST_CASE("pool: a stop after the task settled, or on a destroyed pool, does nothing", "[control]") {
  wasm_mt::stop_source stop;
  std::optional<wasm_mt::job<int>> left;
  {
    auto pool = co_await wasm_mt::pool::create({.threads = 1});
    CHECK((co_await pool.exec(Square{4}, {.stop = stop.get_token()})) == 16);
    left = pool.exec(Oblivious{5000}, {.stop = stop.get_token()});
  }  // destroyed: the running task fails with terminated
  CHECK((co_await test::error_of(std::move(*left))).kind() == error_kind::terminated);
  stop.request_stop();
}

namespace {
// Short, unless asked to spin (a task kind the pool has learnt is short).
struct ShortOrSpin {
  double spin_ms = 0;
  int operator()() const {
    const double until = emscripten_get_now() + spin_ms;
    while (emscripten_get_now() < until) {
    }
    return 5;
  }
};
WASM_MT_CLOSURE(ShortOrSpin, spin_ms)
}  // namespace

ASYNC_TEST_CASE("pool: a task retried after its worker died keeps its deadline", "[control]") {
  auto pool = co_await wasm_mt::pool::create({.threads = 1});
  // The worker dies just after this reply, likely before the next task reaches it (which
  // is then retried on the replacement, still with its deadline armed).
  (void)co_await pool.exec_js<int>("setTimeout(() => { throw new Error('dies'); }, 0); return 1;");
  auto slow = pool.exec(Cooperative{20000}, {.timeout_ms = 500});
  auto e = co_await test::error_of(std::move(slow), 5000);  // never the 20 s
  CHECK((e.kind() == error_kind::timeout || e.kind() == error_kind::worker_crashed));
}

ASYNC_TEST_CASE("pool: nothing is pipelined behind a cancelled task; its worker is replaced", "[control]") {
  auto pool = co_await wasm_mt::pool::create({.threads = 1, .stop_grace_ms = 100});
  for (int i = 0; i < 20; ++i) CHECK((co_await pool.exec(ShortOrSpin{0})) == 5);  // learnt: short
  auto stuck = pool.exec(ShortOrSpin{20000});
  co_await wasm_mt::sleep(20);
  CHECK(stuck.cancel());
  auto next = pool.exec(ShortOrSpin{0});  // short: it would pipeline behind a running short task
  const double start = test::now();
  CHECK((co_await std::move(next)) == 5);
  CHECK(test::now() - start < 10000);  // not after the 20 s spin
  CHECK(pool.health().replacements == 1);
  CHECK((co_await test::error_of(std::move(stuck))).kind() == error_kind::cancelled);
}

// Calls into the caller (this_request::call_caller).
namespace {
std::string page_secret = "held by the page";  // set on the calling thread only

struct PageLookup {
  std::string suffix;
  wasm_mt::task<std::string> operator()() const {
    co_await wasm_mt::sleep(1);
    if (suffix == "throw") throw std::runtime_error("the page refused");
    co_return (wasm_mt::in_worker() ? std::string("a worker: ") : std::string("the page: ")) + page_secret + suffix;
  }
};
WASM_MT_CLOSURE(PageLookup, suffix)

struct SlowOnPage {
  double ms = 0;
  wasm_mt::task<int> operator()() const {
    co_await wasm_mt::sleep(ms);
    co_return 1;
  }
};
WASM_MT_CLOSURE(SlowOnPage, ms)

struct AsksPage {
  std::string suffix;
  wasm_mt::task<std::string> operator()() const {
    page_secret = "not the page's";  // (this worker's copy)
    auto answer = co_await wasm_mt::this_request::call_caller(PageLookup{suffix});
    co_return "asked " + answer;
  }
};
WASM_MT_CLOSURE(AsksPage, suffix)

struct WaitsForPage {
  double ms = 0;
  wasm_mt::task<int> operator()() const {
    try {
      co_return co_await wasm_mt::this_request::call_caller(SlowOnPage{ms});
    } catch (const wasm_mt::error& e) {
      if (e.kind() == error_kind::cancelled) ++stops_seen;
      throw;
    }
  }
};
WASM_MT_CLOSURE(WaitsForPage, ms)
}  // namespace

ASYNC_TEST_CASE("a closure calls back into its caller and gets the answer", "[control]") {
  auto th = co_await test::spawn();
  th.set_callbacks(wasm_mt::callbacks::of<PageLookup>());
  CHECK((co_await th.exec(AsksPage{"?"})) == "asked the page: held by the page?");
  // Several at once, from a pool too.
  auto pool = co_await wasm_mt::pool::create({.threads = 2, .callbacks = wasm_mt::callbacks::of<PageLookup>()});
  std::vector<wasm_mt::job<std::string>> asks;
  for (int i = 0; i < 6; ++i) asks.push_back(pool.exec(AsksPage{std::to_string(i)}));
  for (int i = 0; i < 6; ++i) CHECK((co_await std::move(asks[i])) == "asked the page: held by the page" + std::to_string(i));
  // The caller's error reaches the closure, which lets it through.
  auto e = co_await test::error_of(th.exec(AsksPage{"throw"}));
  CHECK(e.kind() == error_kind::remote_exception);
  CHECK_THAT(e.message(), Catch::Contains("the page refused"));
  // Not in a worker: there is no caller.
  bool refused = false;
  try {
    (void)wasm_mt::this_request::call_caller(SlowOnPage{0});
  } catch (const std::logic_error&) {
    refused = true;
  }
  CHECK(refused);
}

ASYNC_TEST_CASE("a call into the caller: stopped with its request, and after its caller terminated it", "[control]") {
  auto th = co_await test::spawn();
  wasm_mt::stop_source stop;
  auto waiting = th.exec(WaitsForPage{300}, {.stop = stop.get_token(), .callbacks = wasm_mt::callbacks::of<SlowOnPage>()});
  co_await wasm_mt::sleep(50);
  stop.request_stop();  // the request, and its call into this thread, are stopped
  CHECK((co_await test::error_of(std::move(waiting), 200)).kind() == error_kind::cancelled);
  CHECK(co_await test::until([&] { return th.pending_count() == 0; }, 5000));
  CHECK((co_await th.exec(Counters{}))[0] == 1);
  co_await wasm_mt::sleep(300);  // the page's closure finished meanwhile: its reply was dropped

  auto other = co_await test::spawn();
  other.set_callbacks(wasm_mt::callbacks::of<SlowOnPage>());
  auto cut = other.exec(WaitsForPage{200});
  co_await wasm_mt::sleep(50);
  other.terminate();  // while the page runs its call: the reply has nowhere to go
  CHECK((co_await test::error_of(std::move(cut))).kind() == error_kind::terminated);
  co_await wasm_mt::sleep(250);
  CHECK((co_await th.exec(Square{2})) == 4);  // everything else goes on
}
