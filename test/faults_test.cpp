// Fault classes at the boundary between threads: texts that are not well-formed, messages
// that are malformed or forged, workers that cannot be created, delays setTimeout cannot
// take. Each of these once crashed, corrupted or hung the caller.
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <emscripten/emscripten.h>
#include <emscripten/stack.h>

#include <wasm_mt/detail/request_id.hpp>

#include "shared_closures.hpp"
#include "async_test.hpp"

namespace {

// U+FFFD, as UTF-8.
const std::string replacement = "\xEF\xBF\xBD";

// The glue's count of requests in flight to every worker, and of messages it refused.
int in_flight() {
  return EM_ASM_INT({
    var n = 0;
    wasmMtParent.workers.forEach(function (entry) { n += entry.inFlight; });
    return n;
  });
}
int refused() { return EM_ASM_INT({ return wasmMtProtocol.refused; }); }

}  // namespace

ASYNC_TEST_CASE("texts from a worker arrive as valid UTF-8 within their buffer, U+FFFD for lone surrogates", "[faults]") {
  auto th = co_await test::spawn();
  // 1100 characters, a lone high surrogate, U+4E00; 50 times: this wrote past the
  // caller's buffer (the surrogate and the next character measured 4 bytes, written 6).
  auto long_text = co_await test::error_of(th.exec_js("throw new Error(('x'.repeat(1100) + '\\uD800\\u4E00').repeat(50));"));
  std::string expected;
  for (int i = 0; i < 50; ++i) expected += std::string(1100, 'x') + replacement + "\xE4\xB8\x80";
  CHECK(long_text.message() == expected);

  // Short texts lost the character after a lone surrogate.
  auto short_text = co_await test::error_of(th.exec_js("throw new Error('a\\uD800b\\uDC00c');"));
  CHECK(short_text.message() == "a" + replacement + "b" + replacement + "c");
  CHECK((co_await th.exec_js<std::string>("return 'a\\uD800b';")) == "a" + replacement + "b");
  CHECK((co_await th.exec_js<std::string>("return 'pair \\uD83D\\uDE00 ok';")) == "pair \xF0\x9F\x98\x80 ok");

  // A crash report's text too.
  auto crash = co_await test::error_of(
      th.exec_js_async("setTimeout(() => { throw new Error('dead\\uDFFF' + 'y'.repeat(2000)); }, 0); await new Promise(() => {});"),
      10000);
  CHECK(crash.kind() == wasm_mt::error_kind::worker_crashed);
  CHECK_THAT(crash.message(), Catch::Contains("dead" + replacement + "yyy"));
  CHECK(th.is_terminated());
}

ASYNC_TEST_CASE("malformed and forged messages are refused: requests settle once, in-flight counts stay true", "[faults]") {
  auto th = co_await test::spawn();
  CHECK((co_await th.exec(shared::Multiply{1, 1})) == 1);
  const int refused_before = refused();
  wasm_mt::detail::set_next_id(5000);
  auto slow = th.exec(shared::Sleeps{300});  // request 5000, pending while the forgeries arrive

  // From the worker's own code, to its parent.
  (co_await th.exec_js(R"(
    const port = typeof self !== 'undefined' && typeof WorkerGlobalScope !== 'undefined'
      ? self : process.getBuiltinModule('worker_threads').parentPort;
    const tag = 'wasm_mt/3';
    for (const forged of [
      tag + ':reply:abc:1', tag + ':reply:99999999999:1', tag + ':reply:0:1', tag + ':reply:-1:1',
      tag + ':reply:1.5:1', tag + ':reply:', tag + ':bogus:5000:1',
      tag + ':cancel:0', tag + ':cancel:5000:1', tag + ':item:5000', tag + ':exec-js:5000:1',
      tag + ':valueOf:5000:1', tag + ':__proto__:5000:1',
      tag + ':reply-timed:5000:1:2', tag + ':reply-timed:5000:1:1', tag + ':reply-timed:5000:x:2:1',
      tag + ':reply-timed:5000:1:4294967296:1', tag + ':reply-timed:5000:1',
      {wasm_mt: tag, type: 'reply', id: 5000, ok: true, payload: '1', started: 1, finished: 2},
      {wasm_mt: tag, type: 'event', id: 5000, payload: '1', unknown: 1},
      {wasm_mt: tag, type: 'reply', id: 5000, ok: false, kind: 'timeout', message: 'x', payload: '7'},
      {wasm_mt: tag, type: 'reply', id: 5000, ok: true},
      {wasm_mt: tag, type: 'cancel'},
      {wasm_mt: tag, type: 'reply', id: 5000, ok: true, payload: '1', constructor: 1},
      {wasm_mt: tag, type: 'reply', id: 5000, ok: true, payload: '1', toString: 1},
      {wasm_mt: tag, type: 'event', id: 5000, payload: '1', hasOwnProperty: 1},
      {wasm_mt: tag, type: 'batch', messages: 5},
      {wasm_mt: tag, type: 'batch', messages: [{wasm_mt: tag, type: 'batch', messages: []}]},
      {wasm_mt: tag, type: 'reply', id: 5000, ok: true, payload: '7', buffers: [new Uint16Array(4)]},
      {wasm_mt: tag, type: 'reply', id: 5000, ok: true, payload: '7', buffers: [new ArrayBuffer(4), {}]},
      {wasm_mt: tag, type: 'reply', id: 5000, ok: true, payload: 7},
      {wasm_mt: tag, type: 'reply', id: '5000', ok: true, payload: '7'},
      {wasm_mt: tag, type: 'reply', id: 5000, ok: 'yes', payload: '7'},
      {wasm_mt: tag, type: 'reply', id: 5000, ok: false, kind: 5, message: 'x'},
      {wasm_mt: tag, type: 'crashed', message: 42},
      {wasm_mt: tag, type: 'crashed', message: 'x', running: ['a']},
      {wasm_mt: tag, type: 'print', fd: 3, text: 'x'},
      {wasm_mt: tag, type: 'ready', extra: 1},
      {wasm_mt: tag, type: 'memory', bytes: -1}, {wasm_mt: tag, type: 'memory', bytes: 1.5},
      {wasm_mt: tag, type: 'memory', bytes: '65536'}, {wasm_mt: tag, type: 'memory'},
    ]) port.postMessage(forged);
    // Well-formed replies to requests this worker never had: ignored, not counted.
    port.postMessage(tag + ':reply:4242:1');
    port.postMessage(tag + ':reply-timed:4244:1:2:1');
    port.postMessage({wasm_mt: tag, type: 'reply', id: 4243, ok: false, kind: 'timeout', message: 'x'});
    return 0;)"));
  CHECK(refused() - refused_before >= 41);
  CHECK(in_flight() == 1);  // only `slow`
  CHECK((co_await std::move(slow)) == 300);
  CHECK(in_flight() == 0);

  // From the parent, to the worker: none of these may crash it or run anything.
  EM_ASM({
    const tag = 'wasm_mt/3';
    wasmMtParent.workers.forEach(function (entry) {
      for (const forged of [
        tag + ':call:1:2', tag + ':call:x:1:1:{}', tag + ':call:86:1:1:x:{}', tag + ':call:87:1:1:{}', tag + ':call:1:2:3', tag + ':call::::',
        {wasm_mt: tag, type: 'call', id: 1.5, fn: 1, sig: 0, flags: 0, payload: '{}'},
        {wasm_mt: tag, type: 'call', id: 77, fn: 1, sig: 0, flags: 0, payload: '{}', buffers: 'nope'},
        {wasm_mt: tag, type: 'call', id: 78, fn: -1, sig: 0, flags: 0, payload: '{}'},
        {wasm_mt: tag, type: 'exec-js', id: 79, code: 5, async: false, raw: false},
        {wasm_mt: tag, type: 'exec-js', id: 80, code: 'return 1', async: 'no', raw: false},
        {wasm_mt: tag, type: 'exec-js', id: 81, code: 'return 1', async: false, raw: false, args: '1', value: 1},
        {wasm_mt: tag, type: 'call', id: 82, fn: 1, sig: 0, flags: 0, payload: '{}', evil: true},
        tag + ':ack:83', tag + ':ack:83:x', tag + ':call:84:1:2', tag + ':label:85',
        {wasm_mt: tag, type: 'init', program: null},
        {wasm_mt: tag, type: 'batch', messages: {length: 3}},
      ]) entry.worker.postMessage(forged);
    });
  });
  CHECK((co_await th.exec(shared::Multiply{6, 7})) == 42);
  CHECK_FALSE(th.is_terminated());
  CHECK(in_flight() == 0);
}

ASYNC_TEST_CASE("a reply that matched nothing is not counted, even when a JS exception ends its delivery", "[faults]") {
  auto th = co_await test::spawn();
  CHECK((co_await th.exec(shared::Multiply{1, 1})) == 1);
  wasm_mt::detail::set_next_id(6000);
  auto slow = th.exec(shared::Sleeps{300});  // request 6000
  // Its continuation leaves its run with a JS exception (what emscripten_exit_with_live_runtime
  // throws: quiet), at the end of the port message that settles it.
  bool ran = false;
  std::move(slow)
      .then([&ran](int) {
        ran = true;
        EM_ASM({ throw 'unwind'; });
      })
      .detach();
  // From the worker (request 6001): one port message holding a reply to 6000, then a reply
  // to a request it never had, whose delivery the continuation's exception then ends.
  CHECK((co_await th.exec_js(R"(
    const port = typeof self !== 'undefined' && typeof WorkerGlobalScope !== 'undefined'
      ? self : process.getBuiltinModule('worker_threads').parentPort;
    const tag = 'wasm_mt/3';
    port.postMessage({wasm_mt: tag, type: 'batch', messages: [
      {wasm_mt: tag, type: 'reply', id: 6000, ok: true, payload: '5'},
      {wasm_mt: tag, type: 'reply', id: 6999, ok: true, payload: '1'}]});
    return 7;)")) == 7);
  CHECK(ran);
  // 6000 (answered early) and 6001 are settled: nothing is in flight. (The reply to 6999
  // was counted as matched: -1.)
  CHECK(in_flight() == 0);
  co_await wasm_mt::sleep(400);  // the worker's own late reply to 6000: dropped, not counted
  CHECK(in_flight() == 0);
  CHECK((co_await th.exec(shared::Multiply{6, 7})) == 42);
  CHECK(in_flight() == 0);
}

ASYNC_TEST_CASE("thousands of random malformed messages each way leave parent and worker working", "[faults]") {
  auto th = co_await test::spawn();
  CHECK((co_await th.exec(shared::Multiply{1, 1})) == 1);
  // Requests of this test have IDs above every ID the random messages use.
  wasm_mt::detail::set_next_id(3'000'000'000u);
  auto slow = th.exec(shared::Sleeps{200});
  const int refused_before = refused();
  // A seeded generator (xorshift32) of messages that are never valid in a way that would
  // act: no valid `crashed` or `ready`, calls and exec-js that fail validation.
  const char* generator = R"(
    globalThis.wasmMtTestMessages = function (seed, count) {
      let x = seed >>> 0 || 1;
      const next = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
      const pick = (list) => list[next() % list.length];
      const tag = 'wasm_mt/3';
      const junk = () => pick([NaN, -1, 1.5, 2 ** 32, 2 ** 53, '12', '', null, undefined, true, [], {}, [1, 'a'],
                               'wasm_mt/3', ':::', '\uD800', 'x'.repeat(next() % 50)]);
      const digits = () => pick(['', '0', '-3', '4294967296', '99999999999', 'a1', '1e3', String(next() % 1000000)]);
      const text = () => { let s = ''; const n = next() % 12; for (let i = 0; i < n; i++) s += pick([':', 'a', '1', '\uDC00', '{', '"']); return s; };
      const out = [];
      for (let i = 0; i < count; i++) {
        switch (next() % 9) {
          case 0: out.push(tag + ':' + pick(['call', 'reply', 'init', 'batch']) + ':' + digits() + ':' + digits() + (next() % 2 ? ':' + digits() : '')); break;
          case 1: out.push(tag + ':reply:' + digits() + (next() % 2 ? ':' + text() : '')); break;
          case 2: out.push(tag + text()); break;
          case 3: out.push({wasm_mt: tag, type: 'reply', id: pick([junk(), next() % 1000000 + 1]), ok: pick([true, false, junk()]),
                            payload: pick([junk(), text()]), kind: junk(), message: junk(), buffers: pick([undefined, junk(), [new ArrayBuffer(2)], [junk()]])}); break;
          case 4: out.push({wasm_mt: tag, type: 'crashed', message: pick([null, 5, [], {}, undefined])}); break;
          case 5: out.push({wasm_mt: tag, type: 'batch', messages: pick([junk(), [junk(), text()], [{wasm_mt: tag, type: 'batch', messages: []}]])}); break;
          case 6: out.push({wasm_mt: tag, type: pick(['call', 'exec-js']), id: junk(), fn: junk(), sig: junk(), payload: junk(), code: junk(), async: junk(), raw: junk()}); break;
          case 7: out.push({wasm_mt: pick([tag, 'wasm_mt/1', 'wasm_mt/3', junk()]), type: pick(['ready', 'print', junk()]), fd: junk(), text: junk(), extra: text()}); break;
          default: out.push(pick([junk(), text(), {type: 'reply', id: 1, ok: true}, [tag]])); break;
        }
        // (A valid reply to a random ID is fine: this thread has no request under it.)
      }
      return out;
    };)";
  EM_ASM({
    (new Function(UTF8ToString($0)))();
    wasmMtParent.workers.forEach(function (entry) {
      for (const m of wasmMtTestMessages(20261129, 3000)) entry.worker.postMessage(m);
    });
  }, generator);
  CHECK((co_await th.exec_js(std::string(generator) + R"(
    const port = typeof self !== 'undefined' && typeof WorkerGlobalScope !== 'undefined'
      ? self : process.getBuiltinModule('worker_threads').parentPort;
    for (const m of wasmMtTestMessages(1129, 3000)) port.postMessage(m);
    return 3000;)")) == 3000);
  CHECK((co_await std::move(slow)) == 200);
  CHECK((co_await th.exec(shared::Multiply{6, 7})) == 42);
  CHECK_FALSE(th.is_terminated());
  CHECK(in_flight() == 0);
  CHECK(refused() - refused_before > 1000);
}

ASYNC_TEST_CASE("a worker that cannot be created fails every request with spawn_failed, none thrown", "[faults]") {
  EM_ASM({
    globalThis.testNewWorker = wasmMtParent.newWorker;
    wasmMtParent.newWorker = function () { throw new TypeError('no workers today'); };
  });
  auto started = wasm_mt::thread::start("doomed");
  auto call = started.exec(shared::Multiply{2, 3});  // sent before the failure is known
  auto js = started.exec_js("return 1;");
  auto spawned = wasm_mt::thread::spawn("doomed too");
  EM_ASM({ wasmMtParent.newWorker = globalThis.testNewWorker; });

  auto call_error = co_await test::error_of(std::move(call), 5000);
  CHECK(call_error.kind() == wasm_mt::error_kind::spawn_failed);
  CHECK(call_error.not_run());
  CHECK_THAT(call_error.message(), Catch::Contains("no workers today"));
  CHECK((co_await test::error_of(std::move(js), 5000)).kind() == wasm_mt::error_kind::spawn_failed);
  auto spawn_error = co_await test::error_of(std::move(spawned), 5000);
  CHECK(spawn_error.kind() == wasm_mt::error_kind::spawn_failed);
  CHECK_THAT(spawn_error.message(), Catch::Contains("thread 'doomed too' failed to start"));
  CHECK((co_await test::error_of(started.exec(shared::Multiply{1, 1}))).kind() == wasm_mt::error_kind::spawn_failed);
  CHECK(in_flight() == 0);
}

ASYNC_TEST_CASE("delays of any length are honoured, infinity never fires, NaN and negatives are refused", "[faults]") {
  CHECK_THROWS_AS(wasm_mt::sleep(NAN), std::invalid_argument);
  CHECK_THROWS_AS(wasm_mt::sleep(-1), std::invalid_argument);
  auto never = wasm_mt::sleep(INFINITY);
  auto past_int32 = wasm_mt::sleep(std::ldexp(1.0, 31) + 5);
  auto thirty_days = wasm_mt::sleep(30.0 * 24 * 3600 * 1000);
  co_await wasm_mt::sleep(100);
  CHECK_FALSE(never.ready());
  CHECK_FALSE(past_int32.ready());
  CHECK_FALSE(thirty_days.ready());

  // The chain, seen through a setTimeout that fires at once: 2^31 + 10 ms takes two timers.
  EM_ASM({
    globalThis.testSteps = [];
    globalThis.testSetTimeout = setTimeout;
    globalThis.setTimeout = function (f, ms) { testSteps.push(ms); return testSetTimeout(f, 0); };
  });
  co_await wasm_mt::sleep(std::ldexp(1.0, 31) + 10);
  EM_ASM({ globalThis.setTimeout = testSetTimeout; });
  CHECK(EM_ASM_INT({ return testSteps.length; }) == 2);
  CHECK(EM_ASM_INT({ return testSteps[0] === 2147483647 && testSteps[1] === 11 ? 1 : 0; }) == 1);

  // A pool whose tasks may run for 30 days runs them (the timeout once fired after 1 ms).
  auto pool = co_await wasm_mt::pool::create({.threads = 1, .task_timeout_ms = 30.0 * 24 * 3600 * 1000});
  CHECK((co_await pool.exec(shared::Sleeps{50})) == 50);
  auto unlimited = co_await wasm_mt::pool::create({.threads = 1, .task_timeout_ms = INFINITY});
  CHECK((co_await unlimited.exec(shared::Sleeps{20})) == 20);
  bool refused_nan = false;
  try {
    co_await wasm_mt::pool::create({.threads = 1, .task_timeout_ms = NAN});
  } catch (const std::invalid_argument& e) {
    refused_nan = std::string(e.what()).find("task_timeout_ms") != std::string::npos;
  }
  CHECK(refused_nan);
}

namespace {

// `depth` arrays, each holding the next, built without recursion.
nlohmann::json nested(int depth) {
  nlohmann::json value = nlohmann::json::array();
  for (int i = 1; i < depth; ++i) {
    nlohmann::json outer = nlohmann::json::array();
    outer.push_back(std::move(value));
    value = std::move(outer);
  }
  return value;
}

int depth_of(const nlohmann::json& value) {
  int depth = 0;
  for (const nlohmann::json* at = &value; at->is_array(); at = &(*at)[0]) {
    ++depth;
    if (at->empty()) break;
  }
  return depth;
}

// How deep its captured value is (read in the worker, never copied).
struct CapturedDepth {
  nlohmann::json value;
  int operator()() const { return depth_of(value); }
};
WASM_MT_CLOSURE(CapturedDepth, value)

struct DeepJson {
  int depth = 0;
  nlohmann::json operator()() const { return nested(depth); }
};
WASM_MT_CLOSURE(DeepJson, depth)

// Emits nested(depth) as an event, then returns 1.
struct DeepEvent {
  int depth = 0;
  wasm_mt::task<int> operator()() const {
    co_await wasm_mt::this_request::emit(nested(depth));
    co_return 1;
  }
};
WASM_MT_CLOSURE(DeepEvent, depth)

}  // namespace

ASYNC_TEST_CASE("values 2,000 levels deep make the trip; past 2,048 levels they fail with bad_payload naming the depth",
                "[faults]") {
  auto th = co_await test::spawn();
  // Captures, results, events and exec_js results, 2,000 levels deep, both ways: nothing
  // recurses over them (with JS exceptions a recursive copy ends Node's main thread at
  // about 1,300 levels).
  CHECK((co_await th.exec(CapturedDepth{nested(2000)})) == 2000);
  CHECK(depth_of(co_await th.exec(DeepJson{2000})) == 2000);
  int event_depth = 0;
  CHECK((co_await th.exec(DeepEvent{2000}, {.on_event = [&](const nlohmann::json& e) { event_depth = depth_of(e); }})) == 1);
  CHECK(event_depth == 2000);
  CHECK(depth_of(co_await th.exec_js("let v = []; for (let i = 1; i < 2000; i++) v = [v]; return v;")) == 2000);
  nlohmann::json raw = nlohmann::json::object();
  raw["value"] = nested(2000);
  CHECK((co_await th.exec_by_name<int>(wasm_mt::closure_name<CapturedDepth>(), raw)) == 2000);
  CHECK(depth_of(co_await th.exec_by_name(wasm_mt::closure_name<DeepJson>(), {{"depth", 2000}})) == 2000);

  // The limit counts the whole message (a closure's own object is a level).
  CHECK((co_await th.exec(CapturedDepth{nested(2047)})) == 2047);
  auto too_deep = co_await test::error_of(th.exec(CapturedDepth{nested(2048)}));
  CHECK(too_deep.kind() == wasm_mt::error_kind::bad_payload);
  CHECK_THAT(too_deep.message(), Catch::Contains("2049 levels deep"));

  nlohmann::json captures = nlohmann::json::object();
  captures["value"] = nested(100000);
  auto captured = co_await test::error_of(th.exec_by_name(wasm_mt::closure_name<CapturedDepth>(), captures));
  CHECK(captured.kind() == wasm_mt::error_kind::bad_payload);
  CHECK_THAT(captured.message(), Catch::Contains("100001 levels deep"));

  auto result = co_await test::error_of(th.exec(DeepJson{100000}));
  CHECK(result.kind() == wasm_mt::error_kind::bad_payload);
  CHECK_THAT(result.message(), Catch::Contains("100000 levels deep"));
  int events = 0;
  auto event = co_await test::error_of(th.exec(DeepEvent{3000}, {.on_event = [&](const nlohmann::json&) { ++events; }}));
  CHECK(event.kind() == wasm_mt::error_kind::bad_payload);
  CHECK_THAT(event.message(), Catch::Contains("3000 levels deep"));
  CHECK(events == 0);

  auto js_deep = co_await test::error_of(th.exec_js("let v = []; for (let i = 1; i < 100000; i++) v = [v]; return v;"));
  CHECK(js_deep.kind() == wasm_mt::error_kind::bad_payload);
  CHECK_THAT(js_deep.message(), Catch::Contains("levels deep"));
  auto js_past_limit = co_await test::error_of(th.exec_js("let v = []; for (let i = 1; i < 2100; i++) v = [v]; return v;"));
  CHECK(js_past_limit.kind() == wasm_mt::error_kind::bad_payload);
  CHECK_THAT(js_past_limit.message(), Catch::Contains("2100 levels deep"));

  CHECK((co_await th.exec(shared::Multiply{6, 7})) == 42);  // the worker lives on
}

namespace {

int overflow_static = 7;

volatile char* volatile frame_sink;

// Recurses with 1 KiB frames until `levels` are in use. (The frame's address escapes:
// the compiler would otherwise keep only the bytes it sees used.)
int deep_frames(int levels) {
  volatile char frame[1024];
  frame_sink = frame;
  frame[0] = 1;
  frame[sizeof frame - 1] = 1;
  if (levels <= 0) return overflow_static;
  int below = deep_frames(levels - 1);
  return below + frame[0] + frame[sizeof frame - 1] - 1;
}

struct OverflowsLinearStack {
  int levels = 0;
  int operator()() const { return deep_frames(levels); }
};
WASM_MT_CLOSURE(OverflowsLinearStack, levels)

// Whether this thread's stack lies below its static data (so an overflow traps).
struct StackBelowData {
  bool operator()() const { return emscripten_stack_get_current() < reinterpret_cast<std::uintptr_t>(&overflow_static); }
};
WASM_MT_CLOSURE(StackBelowData)

}  // namespace

ASYNC_TEST_CASE("a closure that overflows its stack in linear memory crashes its worker, never corrupts it", "[faults]") {
  // The stack lies below static data, on every thread: overflowing it reaches address 0
  // and traps, where it used to overwrite static data and return.
  CHECK(StackBelowData{}());
  auto th = co_await test::spawn();
  CHECK(co_await th.exec(StackBelowData{}));
  CHECK((co_await th.exec(OverflowsLinearStack{16})) == 7 + 16);  // 16 KiB: fine
  // 20 MiB of frames: past any stack Emscripten gives (5 MiB in 3.1.6, 64 KiB in 4.x).
  auto e = co_await test::error_of(th.exec(OverflowsLinearStack{20 * 1024}), 10000);
  CHECK(e.kind() == wasm_mt::error_kind::worker_crashed);
  CHECK(th.is_terminated());
}

namespace {
// A plain capture whose string is not UTF-8: it cannot be encoded.
struct Unencodable {
  std::string text;
  int operator()() const { return 0; }
};
WASM_MT_CLOSURE(Unencodable, text)

// Throws an error whose message is `size` bytes long.
struct ThrowsHugeText {
  std::size_t size = 0;
  int operator()() const { throw std::runtime_error(std::string(size, 'x')); }
};
WASM_MT_CLOSURE(ThrowsHugeText, size)
}  // namespace

ASYNC_TEST_CASE("thousands of queued tasks that cannot be sent fail one by one, in constant stack", "[faults]") {
  auto pool = co_await wasm_mt::pool::create({.threads = 1});
  auto busy = pool.exec(shared::Sleeps{100});
  std::vector<wasm_mt::job<int>> failing;
  for (int i = 0; i < 5000; ++i) failing.push_back(pool.exec(Unencodable{std::string("\xff\xfe", 2)}));
  CHECK((co_await std::move(busy)) == 100);
  for (auto& job : failing) CHECK((co_await test::error_of(std::move(job))).kind() == wasm_mt::error_kind::bad_payload);
  CHECK((co_await pool.exec(shared::Multiply{6, 7})) == 42);
}

ASYNC_TEST_CASE("an exec_js result whose getters throw is an error reply, not a dead worker", "[faults]") {
  auto th = co_await test::spawn();
  auto e = co_await test::error_of(th.exec_js("return { get x() { throw new Error('getter'); } };"));
  CHECK(e.kind() == wasm_mt::error_kind::bad_payload);
  CHECK_THAT(e.message(), Catch::Contains("getter"));
  auto async = co_await test::error_of(th.exec_js_async("return { get x() { throw new Error('later'); } };"));
  CHECK(async.kind() == wasm_mt::error_kind::bad_payload);
  CHECK((co_await th.exec(shared::Multiply{6, 7})) == 42);
}

ASYNC_TEST_CASE("a reply's payload with a lone surrogate is read as U+FFFD, within its length", "[faults]") {
  auto th = co_await test::spawn();
  CHECK((co_await th.exec(shared::Multiply{1, 1})) == 1);
  // The worker's own code answers request 7000 first, with a forged JSON text whose
  // string holds lone surrogates (JSON.stringify would have escaped them).
  wasm_mt::detail::set_next_id(7000);
  auto forged = th.exec_js_async<std::string>(R"(
    const port = typeof self !== 'undefined' && typeof WorkerGlobalScope !== 'undefined'
      ? self : process.getBuiltinModule('worker_threads').parentPort;
    port.postMessage('wasm_mt/3:reply:7000:"a\uD800b\uD83D\uDE00\uDC00"');
    await new Promise((done) => setTimeout(done, 50));
    return 'the real reply, dropped';)");
  CHECK((co_await std::move(forged)) == "a" + replacement + "b\xF0\x9F\x98\x80" + replacement);
  CHECK((co_await th.exec(shared::Multiply{6, 7})) == 42);
}

TEST_CASE("lone surrogates are replaced without isWellFormed too", "[faults]") {
  // (Engines before ES2024 have no String.prototype.isWellFormed: the fallback's result.)
  const char* check = R"(
    const saved = String.prototype.isWellFormed;
    delete String.prototype.isWellFormed;
    try {
      const cases = [['a\uDC00\uDC00', 'a\uFFFD\uFFFD'], ['\uD800\uD800\uDC00', '\uFFFD\uD800\uDC00'],
                     ['x\uD83D\uDE00y', 'x\uD83D\uDE00y'], ['\uDBFF', '\uFFFD'], ['\uDC00\uD800', '\uFFFD\uFFFD']];
      return cases.every(c => wasmMt.wellFormed(c[0]) === c[1]) ? 1 : 0;
    } finally {
      String.prototype.isWellFormed = saved;
    })";
  CHECK(EM_ASM_INT({ return (new Function('wasmMt', UTF8ToString($0)))(wasmMt); }, check) == 1);
}

// Node only: a string past JS's length limit (2^29 - 24 characters) takes 540 MB, twice.
// [huge]: the Debug suite leaves it out (half a minute at -O0 for no other exception path).
ASYNC_TEST_CASE("a request or reply too long for a JS string fails alone, and is not retried forever", "[faults][node][huge]") {
  const std::size_t too_long = std::size_t(540) << 20;
  auto th = co_await test::spawn();
  auto reply = co_await test::error_of(th.exec(ThrowsHugeText{too_long}), 60000);
  CHECK(reply.kind() == wasm_mt::error_kind::bad_payload);
  CHECK_THAT(reply.message(), Catch::Contains("cannot send its error"));
  CHECK((co_await th.exec(shared::Multiply{6, 7})) == 42);

  auto captures = co_await test::error_of(th.exec(Unencodable{std::string(too_long, 'y')}), 60000);
  CHECK(captures.kind() == wasm_mt::error_kind::bad_payload);
  CHECK(captures.not_run());
  CHECK_THAT(captures.message(), Catch::Contains("could not be posted"));
  CHECK((co_await th.exec(shared::Multiply{6, 7})) == 42);

  auto pool = co_await wasm_mt::pool::create({.threads = 1});
  auto pooled = co_await test::error_of(pool.exec(ThrowsHugeText{too_long}), 60000);
  CHECK(pooled.kind() == wasm_mt::error_kind::bad_payload);
  CHECK(pool.health().replacements == 0);
}

ASYNC_TEST_CASE("a reply posted just before the worker dies of an uncaught exception still counts", "[faults]") {
  // Node reports the uncaught exception on its own channel, which can overtake the
  // worker's last messages: the reply must win, and the death be reported after it.
  for (int i = 0; i < 20; ++i) {
    auto th = co_await test::spawn("dies-after-replying");
    CHECK((co_await th.exec_js<int>("setTimeout(() => { throw new Error('after the reply'); }, 0); return 1;")) == 1);
    CHECK(co_await test::until([&] { return th.is_terminated(); }));
  }
}
