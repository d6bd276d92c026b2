// wasm_mt::trace: every request's record (closure, call site, thread, worker, stages on
// one clock, outcome) on threads and pools, and its Chrome trace-event export checked
// against the format and against the schedule that ran.
#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <emscripten/em_asm.h>
#include <emscripten/val.h>
#include <nlohmann/json.hpp>

#include "async_test.hpp"
#include "timed_closures.hpp"

namespace {

struct TracedSquare {
  int x = 0;
  int operator()() const { return x * x; }
};
WASM_MT_CLOSURE(TracedSquare, x)

struct TracedThrow {
  int operator()() const { throw std::runtime_error("traced failure"); }
};
WASM_MT_CLOSURE(TracedThrow)

struct TracedEmits {
  int count = 0;
  int operator()() const {
    for (int i = 0; i < count; ++i) wasm_mt::this_request::emit(i);
    return count;
  }
};
WASM_MT_CLOSURE(TracedEmits, count)

struct TracedItems {
  int count = 0;
  wasm_mt::generator<int> operator()() const {
    for (int i = 0; i < count; ++i) co_yield i;
  }
};
WASM_MT_CLOSURE(TracedItems, count)

struct TracedTrap {
  int operator()() const { __builtin_trap(); }
};
WASM_MT_CLOSURE(TracedTrap)

bool known(double ms) { return !std::isnan(ms); }

// The stages of a record happen in order, on one clock (to `slack` ms: the clock's step
// and the workers' clocks, each its own timeOrigin).
void check_order(const wasm_mt::trace_record& r, double slack) {
  INFO(std::string(r.call) + " " + std::string(r.closure));
  REQUIRE(known(r.settled_ms));
  if (known(r.queued_ms) && known(r.sent_ms)) CHECK(r.queued_ms <= r.sent_ms);
  if (known(r.sent_ms)) CHECK(r.sent_ms <= r.settled_ms);
  CHECK(known(r.started_ms) == known(r.finished_ms));
  if (known(r.started_ms)) {
    CHECK(r.started_ms <= r.finished_ms);
    CHECK(r.started_ms >= r.sent_ms - slack);
    if (r.outcome != "cancelled" && r.outcome != "timeout")  // (a stopped one's worker may run on)
      CHECK(r.finished_ms <= r.settled_ms + slack);
  }
}

}  // namespace

ASYNC_TEST_CASE("a trace records each request of a thread: closure, call site, worker, stages, outcome", "[trace]") {
  auto th = co_await test::spawn();
  th.set_label("traced");
  CHECK((co_await th.exec(TracedSquare{2})) == 4);  // (before the trace: not recorded)
  auto sent_before = th.exec(test::Nap{50, 1});      // (sent before it: not recorded)

  auto recording = wasm_mt::trace::start();
  CHECK((co_await std::move(sent_before)) == 1);
  CHECK(recording.running());
  CHECK(recording.clock_resolution_ms() > 0);
  CHECK(recording.clock_resolution_ms() <= 1.5);
  CHECK_THROWS_AS(wasm_mt::trace::start(), std::logic_error);  // (one at a time)

  CHECK((co_await th.exec(TracedSquare{3})) == 9);
  CHECK((co_await th.exec(TracedThrow{}).result()).error().kind() == wasm_mt::error_kind::remote_exception);
  int events = 0;
  CHECK((co_await th.exec(TracedEmits{4}, {.on_event = [&](int) { ++events; }})) == 4);
  auto items = th.stream(TracedItems{5});
  int taken = 0;
  while (co_await items.next()) ++taken;
  CHECK(taken == 5);
  CHECK((co_await th.exec_js<int>("return 6 * 7;")) == 42);
  // A stopped request's record is done as its caller's future fails; its late reply (the
  // worker finishes the spin) brings its worker's times to it, not another record nor
  // the next request's.
  CHECK((co_await th.exec(test::Spin{100}, {.timeout_ms = 20}).result()).error().kind() ==
        wasm_mt::error_kind::timeout);
  CHECK((co_await th.exec(TracedSquare{5})) == 25);
  recording.stop();
  CHECK_FALSE(recording.running());
  CHECK((co_await th.exec(TracedSquare{4})) == 16);  // (after: not recorded)

  const auto& records = recording.records();
  REQUIRE(records.size() == 7);
  const double slack = 2 * recording.clock_resolution_ms() + 2;
  for (const auto& r : records) {
    check_order(r, slack);
    CHECK(r.thread == "traced");
    CHECK(r.worker != 0);
    CHECK(r.worker == records[0].worker);
    CHECK(r.attempts == 1);
    CHECK(r.pool_task == 0);
    REQUIRE(r.file != nullptr);
    CHECK_THAT(std::string(r.file), Catch::EndsWith("trace_test.cpp"));
    CHECK(r.line > 0);
    CHECK(r.sent_bytes > 0);
  }
  CHECK(records[0].call == "exec");
  CHECK_THAT(std::string(records[0].closure), Catch::Contains("TracedSquare"));
  CHECK(records[0].outcome == "value");
  CHECK(known(records[0].started_ms));
  CHECK(records[1].outcome == "remote_exception");
  CHECK(known(records[1].started_ms));  // (a failure has its worker's times too)
  CHECK(records[2].events == 4);
  CHECK(records[3].call == "stream");
  CHECK(records[3].items == 5);
  CHECK(records[4].call == "exec_js");
  CHECK(records[4].closure.empty());
  CHECK_FALSE(known(records[4].started_ms));  // (exec_js: the caller's stages only)
  CHECK(records[5].outcome == "timeout");
  REQUIRE(known(records[5].started_ms));
  CHECK(records[5].finished_ms - records[5].started_ms >= 100 - slack);  // (the whole spin)
  CHECK(records[5].finished_ms > records[5].settled_ms);                  // (it ran on after its timeout)
  CHECK_THAT(std::string(records[6].closure), Catch::Contains("TracedSquare"));
  CHECK(records[6].outcome == "value");
  CHECK(records[6].events == 0);
  CHECK(known(records[6].started_ms));
  // Each worker's clock offset is small (Node's worker threads: a few ms).
  for (const auto& r : records) CHECK(std::abs(r.clock_offset_ms) < 50);
}

ASYNC_TEST_CASE("a pool's trace: no two tasks overlap on a worker, a replacement is a new worker, the export is valid", "[trace]") {
  auto pool = co_await wasm_mt::pool::create({.threads = 2, .label = "traced-pool"});
  auto recording = wasm_mt::trace::start();
  std::vector<wasm_mt::job<int>> jobs;
  for (int i = 0; i < 12; ++i) jobs.push_back(pool.exec(test::Spin{2}));
  for (auto& j : jobs) CHECK((co_await std::move(j)) == 1);
  CHECK((co_await pool.exec(TracedTrap{}).result()).error().kind() == wasm_mt::error_kind::worker_crashed);
  CHECK(co_await test::until([&] { return pool.threads_alive() == 2; }, 10000));  // (replaced)
  jobs.clear();
  for (int i = 0; i < 12; ++i) jobs.push_back(pool.exec(test::Spin{2}));
  for (auto& j : jobs) CHECK((co_await std::move(j)) == 1);
  recording.stop();

  const auto& records = recording.records();
  REQUIRE(records.size() == 25);
  const double slack = 2 * recording.clock_resolution_ms() + 2;
  std::map<int, std::vector<const wasm_mt::trace_record*>> by_worker;
  int crashed_on = 0;
  for (const auto& r : records) {
    check_order(r, slack);
    CHECK(r.pool_task != 0);
    CHECK(known(r.queued_ms));
    CHECK(r.pool_worker != 0);
    CHECK(r.pool_slot < 2);
    CHECK_THAT(r.thread, Catch::StartsWith("traced-pool-"));
    if (r.outcome == "worker_crashed") crashed_on = r.worker;
    else CHECK(r.outcome == "value");
    if (known(r.started_ms)) by_worker[r.worker].push_back(&r);
  }
  REQUIRE(crashed_on != 0);
  REQUIRE(records[12].outcome == "worker_crashed");
  // The crashed worker took nothing after it: its replacement is a new worker.
  CHECK(by_worker.size() >= 2);
  for (std::size_t i = 13; i < records.size(); ++i) CHECK(records[i].worker != crashed_on);
  // A worker runs one task at a time (these are synchronous): no two overlap.
  for (auto& [worker, ran] : by_worker) {
    std::sort(ran.begin(), ran.end(), [](auto* a, auto* b) { return a->started_ms < b->started_ms; });
    for (std::size_t i = 1; i < ran.size(); ++i) CHECK(ran[i]->started_ms >= ran[i - 1]->finished_ms - slack);
  }

  // The Chrome trace-event format (JSON object format): metadata, complete events on the
  // workers' tracks, async spans on the caller's.
  const auto json = nlohmann::json::parse(recording.chrome_json());
  REQUIRE(json["traceEvents"].is_array());
  CHECK(json["otherData"]["clock_resolution_ms"] == recording.clock_resolution_ms());
  std::map<int, std::string> track_names;
  std::map<std::string, double> spans_begun;
  int complete = 0, spans_ended = 0;
  for (const auto& e : json["traceEvents"]) {
    REQUIRE(e["ph"].is_string());
    REQUIRE(e["pid"].is_number_integer());
    REQUIRE(e["name"].is_string());
    const std::string ph = e["ph"];
    if (ph == "M") {
      if (e["name"] == "thread_name") track_names[e["tid"].get<int>()] = e["args"]["name"].get<std::string>();
      continue;
    }
    REQUIRE(e["ts"].is_number());
    REQUIRE(e["tid"].is_number_integer());
    if (ph == "X") {
      ++complete;
      CHECK(e["dur"].get<double>() >= 0);
      CHECK(e["tid"].get<int>() != 0);
      CHECK(e["args"]["outcome"].is_string());
    } else if (ph == "b") {
      spans_begun[e["id"].get<std::string>()] = e["ts"].get<double>();
    } else {
      REQUIRE(ph == "e");
      ++spans_ended;
      const auto id = e["id"].get<std::string>();
      REQUIRE(spans_begun.count(id) == 1);
      CHECK(e["ts"].get<double>() >= spans_begun[id]);
    }
  }
  int with_times = 0;
  for (const auto& r : records) with_times += known(r.started_ms);
  CHECK(complete == with_times);
  CHECK(spans_ended == 25);
  CHECK(spans_begun.size() == 25);
  CHECK(track_names[0] == "caller");
  for (const auto& [worker, ran] : by_worker) CHECK_THAT(track_names[worker], Catch::StartsWith("traced-pool-"));
}

// A request still pending when its trace stops keeps no record in the next trace: its
// late stages (reply, settling) land in no other request's record.
ASYNC_TEST_CASE("a request pending across two traces is in neither the second nor another's record", "[trace]") {
  auto th = co_await test::spawn();
  auto first = wasm_mt::trace::start();
  auto slow = th.exec(test::Nap{100, 7});  // recorded by the first trace, still pending at its stop
  first.stop();
  CHECK(first.records().empty());

  auto second = wasm_mt::trace::start();
  auto quick = th.exec(TracedSquare{6});   // the second trace's first record: queued behind the slow one
  auto other = th.exec(TracedSquare{7});
  CHECK((co_await std::move(slow)) == 7);
  CHECK((co_await std::move(quick)) == 36);
  CHECK((co_await std::move(other)) == 49);
  second.stop();
  const auto& records = second.records();
  REQUIRE(records.size() == 2);
  for (const auto& r : records) {
    CHECK(r.closure == wasm_mt::closure_name<TracedSquare>());
    CHECK(r.outcome == "value");
    CHECK(r.attempts == 1);
    check_order(r, 1.5);
  }
  CHECK(records[0].settled_ms <= records[1].settled_ms);
  CHECK(first.records().empty());
}

// A compact traced reply carries its worker's times as µs modulo 2^32: put back whole
// from the receiver's clock, whether that worker's clock is behind or ahead, across a wrap.
TEST_CASE("a compact reply's worker times are put back whole around the receiver's clock", "[trace]") {
  // (For now_ms and a worker's times started/finished (ms): the times its compact reply
  // brings back, as started' - started + (finished' - finished) * 1000, both within 1 µs.)
  auto round_trip = [](double now_ms, double started_ms, double finished_ms) {
    return EM_ASM_DOUBLE({
      const P = wasmMtProtocol;
      const text = P.valueReply(7, '1', undefined, [$1, $2]);
      if (!text.startsWith('wasm_mt/3:reply-timed:7:')) return -1;
      const times = P.timesOf(P.expand(text), $0);
      return Math.abs(times[0] - $1) * 1000 + Math.abs(times[1] - $2) * 1000;
    }, now_ms, started_ms, finished_ms);
  };
  const double now = 1765000000000.25;
  const double wrap_ms = 4294967.296;
  CHECK(round_trip(now, now - 12.5, now - 2.25) < 2);             // behind: finished before now
  CHECK(round_trip(now, now - 3.5, now + 7.75) < 2);              // its clock ahead of the receiver's
  CHECK(round_trip(now, now - 3600000, now - 60000) < 2);         // an hour's run, a minute ago
  const double at_wrap = std::floor(now / wrap_ms) * wrap_ms;     // where µs modulo 2^32 wraps
  CHECK(round_trip(at_wrap + 0.5, at_wrap - 1, at_wrap + 0.25) < 2);
  CHECK(round_trip(at_wrap - 0.5, at_wrap - 2, at_wrap + 3) < 2);
  // A run of 2^32 µs or more has no compact form: its times travel whole.
  CHECK(EM_ASM_INT({ return typeof wasmMtProtocol.valueReply(7, '1', undefined, [0, 4294967.296]) == 'object'; }) == 1);
}

namespace {

// This instance's User Timing measures named "wasm_mt ...": [[name, duration ms], ...].
nlohmann::json caller_measures() {
  using emscripten::val;
  const auto text = val::global("JSON").call<std::string>(
      "stringify", val::global("performance").call<val>("getEntriesByType", std::string("measure")));
  nlohmann::json mine = nlohmann::json::array();
  for (const auto& m : nlohmann::json::parse(text))
    if (m["name"].get<std::string>().starts_with("wasm_mt ")) mine.push_back({m["name"], m["duration"]});
  return mine;
}
constexpr const char* worker_measures =
    "return performance.getEntriesByType('measure').filter(e => e.name.startsWith('wasm_mt '))"
    ".map(e => [e.name, e.duration]);";

}  // namespace

ASYNC_TEST_CASE("trace_options::user_timing: each request is a measure on its worker's track and its caller's", "[trace]") {
  auto th = co_await test::spawn();
  EM_ASM({ performance.clearMeasures(); });
  {
    auto plain = wasm_mt::trace::start();  // (without user_timing: no measures anywhere)
    CHECK((co_await th.exec(test::Spin{1})) == 1);
  }
  CHECK((co_await th.exec_js<nlohmann::json>(worker_measures)).empty());
  CHECK(caller_measures().empty());

  auto recording = wasm_mt::trace::start({.user_timing = true});
  CHECK((co_await th.exec(test::Spin{6})) == 1);
  CHECK((co_await th.exec(TracedSquare{3})) == 9);
  CHECK((co_await th.exec_by_name<int>(wasm_mt::closure_name<TracedSquare>(), {{"x", 5}})) == 25);
  CHECK((co_await th.exec_js<int>("return 5;")) == 5);
  recording.stop();
  CHECK((co_await th.exec(TracedSquare{4})) == 16);  // (after the trace: none)

  // The worker's: one per closure it ran while traced, from its start to its reply.
  const auto in_worker = co_await th.exec_js<nlohmann::json>(worker_measures);
  INFO(in_worker.dump());
  REQUIRE(in_worker.size() == 3);
  CHECK(in_worker[0][0] == "wasm_mt " + std::string(wasm_mt::closure_name<test::Spin>()));
  CHECK(in_worker[0][1].get<double>() >= 5);  // (6 ms, on a clock that may step by 1 ms)
  CHECK(in_worker[1][0] == "wasm_mt " + std::string(wasm_mt::closure_name<TracedSquare>()));
  CHECK(in_worker[1][1].get<double>() < in_worker[0][1].get<double>());
  CHECK(in_worker[2][0] == in_worker[1][0]);  // (exec_by_name: the same closure)
  // The caller's: one per request, from sent to settled, around its worker's.
  const auto in_caller = caller_measures();
  INFO(in_caller.dump());
  REQUIRE(in_caller.size() == 4);
  CHECK(in_caller[0][0] == "wasm_mt " + std::string(wasm_mt::closure_name<test::Spin>()) + " request");
  CHECK(in_caller[0][1].get<double>() >= in_worker[0][1].get<double>() - 1);
  CHECK(in_caller[1][0] == "wasm_mt " + std::string(wasm_mt::closure_name<TracedSquare>()) + " request");
  CHECK(in_caller[2][0] == in_caller[1][0]);
  CHECK(in_caller[3][0] == "wasm_mt exec_js request");
  REQUIRE(recording.records().size() == 4);
  CHECK(recording.records()[2].call == "exec_by_name");
  CHECK(recording.records()[2].closure == wasm_mt::closure_name<TracedSquare>());
  EM_ASM({ performance.clearMeasures(); });
}

ASYNC_TEST_CASE("trace_options::max_records keeps the first records and counts the rest", "[trace]") {
  auto th = co_await test::spawn();
  auto recording = wasm_mt::trace::start({.max_records = 2});
  for (int i = 1; i <= 4; ++i) CHECK((co_await th.exec(TracedSquare{i})) == i * i);
  recording.stop();
  REQUIRE(recording.records().size() == 2);
  CHECK(recording.dropped() == 2);
  CHECK(recording.records()[0].settled_ms <= recording.records()[1].settled_ms);
  const auto exported = nlohmann::json::parse(recording.chrome_json());
  CHECK(exported["otherData"]["dropped_records"] == 2);
  auto unlimited = wasm_mt::trace::start();
  CHECK((co_await th.exec(TracedSquare{5})) == 25);
  CHECK(unlimited.dropped() == 0);
  CHECK(unlimited.records().size() == 1);
}
