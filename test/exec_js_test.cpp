// exec_js / exec_js_async: JS text run as a function body in the worker.
#include <optional>
#include <emscripten/val.h>

#include "async_test.hpp"

ASYNC_TEST_CASE("exec_js runs a function body and returns its value as JSON", "[js]") {
  auto th = co_await test::spawn();
  CHECK((co_await th.exec_js("const add = (x, y) => x + y; return add(1, 2);")) == 3);
  CHECK((co_await th.exec_js<int>("return 6 * 7;")) == 42);
  CHECK((co_await th.exec_js<std::string>("return 'm';")) == "m");
  auto object = co_await th.exec_js("return {list: [1, 'two', null], nested: {ok: true}};");
  CHECK(object["list"][1] == "two");
  CHECK(object["nested"]["ok"] == true);
  CHECK((co_await th.exec_js("return undefined;")).is_null());
}

ASYNC_TEST_CASE("exec_js_async awaits inside the worker", "[js]") {
  auto th = co_await test::spawn();
  auto three = th.exec_js_async(
      "const add = (x, y) => new Promise(r => setTimeout(() => r(x + y), 10)); return await add(1, 2);");
  CHECK((co_await std::move(three)) == 3);
}

ASYNC_TEST_CASE("exec_js runs in the worker's global scope", "[js]") {
  auto th = co_await test::spawn();
  co_await th.exec_js("globalThis.counter = 41;");
  CHECK((co_await th.exec_js("return ++globalThis.counter;")) == 42);
  auto other = co_await test::spawn();
  CHECK((co_await other.exec_js("return typeof globalThis.counter;")) == "undefined");
}

ASYNC_TEST_CASE("exec_js can hand back the raw JS value as emscripten::val", "[js]") {
  auto th = co_await test::spawn();
  auto bytes = co_await th.exec_js<emscripten::val>("return new Uint8Array([1, 2, 3]);");
  CHECK(bytes["length"].as<int>() == 3);
  CHECK(bytes[2].as<int>() == 3);
  auto map = co_await th.exec_js<emscripten::val>("return new Map([['a', 1]]);");
  CHECK(map.call<int>("get", std::string("a")) == 1);
}

ASYNC_TEST_CASE("exec_js errors: a throw, a syntax error, a rejected promise, a non-JSON result", "[js][errors]") {
  auto th = co_await test::spawn();
  auto thrown = co_await test::error_of(th.exec_js("throw new TypeError('bad thing');"));
  CHECK(thrown.kind() == wasm_mt::error_kind::js_exception);
  CHECK(thrown.message() == "bad thing");
  CHECK_FALSE(thrown.remote_stack().empty());

  auto syntax = co_await test::error_of(th.exec_js("return (;"));
  CHECK(syntax.kind() == wasm_mt::error_kind::js_exception);

  auto rejected = co_await test::error_of(th.exec_js_async("await null; throw new Error('later');"));
  CHECK(rejected.kind() == wasm_mt::error_kind::js_exception);
  CHECK(rejected.message() == "later");

  auto cyclic = co_await test::error_of(th.exec_js("const a = {}; a.self = a; return a;"));
  CHECK(cyclic.kind() == wasm_mt::error_kind::bad_payload);

  auto wrong_type = co_await test::error_of(th.exec_js<int>("return 'not a number';"));
  CHECK(wrong_type.kind() == wasm_mt::error_kind::bad_payload);

  // The thread is fine afterwards.
  CHECK((co_await th.exec_js("return 1;")) == 1);
}

ASYNC_TEST_CASE("exec_js takes JSON args; each code is compiled once whatever its args", "[js]") {
  auto th = co_await test::spawn();
  CHECK((co_await th.exec_js("return args.a + args.b;", {{"a", 1}, {"b", 2}})) == 3);
  CHECK((co_await th.exec_js("return args.map(x => x * 2);", {1, 2, 3})) == nlohmann::json({2, 4, 6}));
  CHECK((co_await th.exec_js("return typeof args;")) == "undefined");
  CHECK((co_await th.exec_js_async("return await Promise.resolve(args + '!');", "hi")) == "hi!");
  // The same compiled body serves every call of that code (a sloppy-mode Function sees
  // itself as arguments.callee and keeps a count on it).
  const char* counting = "arguments.callee.calls = (arguments.callee.calls || 0) + 1; return [arguments.callee.calls, args];";
  for (int i = 1; i <= 3; ++i) CHECK((co_await th.exec_js(counting, i * 10)) == nlohmann::json({i, i * 10}));

  auto pool = co_await wasm_mt::pool::create({.threads = 1});
  CHECK((co_await pool.exec_js("return args.x * args.y;", {{"x", 6}, {"y", 7}})) == 42);
  CHECK((co_await pool.exec_js_async("return await Promise.resolve(args.length);", {1, 2, 3, 4})) == 4);

  // Args that cannot be written as JSON (not UTF-8) fail before anything is sent.
  auto e = co_await test::error_of(th.exec_js("return 1;", nlohmann::json("\xff")));
  CHECK(e.kind() == wasm_mt::error_kind::bad_payload);
  CHECK(e.not_run());
  auto pooled = co_await test::error_of(pool.exec_js("return 1;", nlohmann::json("\xff")));
  CHECK(pooled.kind() == wasm_mt::error_kind::bad_payload);
}

ASYNC_TEST_CASE("exec_js bodies without args may declare their own args", "[js]") {
  auto th = co_await test::spawn();
  CHECK((co_await th.exec_js("let args = 5; return args;")) == 5);
  CHECK((co_await th.exec_js("return arguments.length;")) == 0);
  CHECK((co_await th.exec_js("return arguments.length;", 1)) == 1);
}

namespace {
// Traps the worker (a crash) when `trap`; else gives 1.
struct JsTestTrap {
  bool trap = false;
  int operator()() const {
    if (trap) __builtin_trap();
    return 1;
  }
};
WASM_MT_CLOSURE(JsTestTrap, trap)
}  // namespace

ASYNC_TEST_CASE("exec_js takes a JS value as args, and moves what its transfer list names", "[js]") {
  using emscripten::val;
  auto th = co_await test::spawn();
  // Not JSON: a Map and a typed array arrive as themselves (a structured clone).
  val args = val::object();
  args.set("map", val::global("Map").new_());
  args["map"].call<void>("set", std::string("k"), 5);
  args.set("bytes", val::global("Uint8Array").new_(3));
  args["bytes"].set(2, 9);
  CHECK((co_await th.exec_js("return [args.map.get('k'), args.bytes.constructor.name, args.bytes[2]];", args)) ==
        nlohmann::json({5, "Uint8Array", 9}));

  // A 1 MiB ArrayBuffer in the transfer list is moved: detached here, whole there.
  val buffer = val::global("ArrayBuffer").new_(1 << 20);
  val::global("Uint8Array").new_(buffer).call<void>("fill", 7);
  val transfer = val::array();
  transfer.call<void>("push", buffer);
  auto sum = th.exec_js_async("let s = 0; for (const b of new Uint8Array(args)) s += b; return s;", buffer, transfer);
  CHECK(buffer["byteLength"].as<int>() == 0);
  CHECK((co_await std::move(sum)) == 7 * (1 << 20));
  // The result may come back raw (emscripten::val) as with JSON args.
  auto raw = co_await th.exec_js<val>("return new Set(args);", val::global("Array").new_(3));
  CHECK(raw["size"].as<int>() == 1);

  // Args that cannot be cloned, or a transfer list that cannot be transferred, fail that
  // request alone, before it is sent; the worker lives on.
  auto function = co_await test::error_of(th.exec_js("return 1;", val::global("Math")["max"]));
  CHECK(function.kind() == wasm_mt::error_kind::bad_payload);
  CHECK(function.not_run());
  CHECK_THAT(function.message(), Catch::Contains("structured-cloned"));
  auto detached = co_await test::error_of(th.exec_js("return 1;", buffer, transfer));  // moved already
  CHECK(detached.kind() == wasm_mt::error_kind::bad_payload);
  auto not_a_list = co_await test::error_of(th.exec_js("return 1;", val(1), val(2)));
  CHECK(not_a_list.kind() == wasm_mt::error_kind::bad_payload);
  CHECK((co_await th.exec_js("return args + 1;", val(41))) == 42);
}

ASYNC_TEST_CASE("a pool runs exec_js with JS value args; a task that transferred is not retried elsewhere", "[js]") {
  using emscripten::val;
  auto pool = co_await wasm_mt::pool::create({.threads = 1});
  val buffer = val::global("ArrayBuffer").new_(16);
  val transfer = val::array();
  transfer.call<void>("push", buffer);
  CHECK((co_await pool.exec_js("return args.byteLength;", buffer, transfer)) == 16);
  CHECK(buffer["byteLength"].as<int>() == 0);

  // Pipelined behind a task that kills the worker, a task never runs there: without a
  // transfer list it is retried on the replacement; with one it fails, not_run(). Both
  // kinds must be learnt as short (under 2 ms a task) to pipeline: on a loaded machine
  // (WebKit's 1 ms clock) that can take more rounds, so each case warms up until the
  // pair is in flight together, a few times at most.
  const char* code = "return args.byteLength;";
  auto pipelined = [&](auto submit_second) -> wasm_mt::task<std::optional<wasm_mt::job<nlohmann::json>>> {
    for (int attempt = 0; attempt < 6; ++attempt) {
      CHECK(co_await test::until([&] { return pool.threads_alive() == 1; }));
      for (int i = 0; i < 8; ++i) {
        CHECK((co_await pool.exec(JsTestTrap{})) == 1);
        CHECK((co_await pool.exec_js(code, val::global("ArrayBuffer").new_(8))) == 8);
      }
      auto crash = pool.exec(JsTestTrap{true});
      auto second = submit_second();
      const bool together = pool.running() == 2;  // both on the one worker
      (void)co_await test::error_of(std::move(crash));
      if (together) co_return std::optional<wasm_mt::job<nlohmann::json>>(std::move(second));
      (void)co_await second.result();  // queued, it ran on the replacement: again
    }
    FAIL("the two tasks never pipelined on the pool's one thread");
    co_return std::nullopt;
  };

  auto copied = co_await pipelined([&] { return pool.exec_js(code, val::global("ArrayBuffer").new_(8)); });
  REQUIRE(copied);
  CHECK((co_await std::move(*copied)) == 8);  // retried on the replacement

  val moved = val::global("ArrayBuffer").new_(8);
  auto transferred = co_await pipelined([&] {
    moved = val::global("ArrayBuffer").new_(8);
    val moving = val::array();
    moving.call<void>("push", moved);
    return pool.exec_js(code, moved, moving);
  });
  REQUIRE(transferred);
  auto e = co_await test::error_of(std::move(*transferred));
  CHECK(e.kind() == wasm_mt::error_kind::worker_crashed);
  CHECK(e.not_run());
}
