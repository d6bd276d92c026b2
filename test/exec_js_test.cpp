// exec_js / exec_js_async: JS text run as a function body in the worker.
#include <emscripten/val.h>

#include "wait.hpp"

TEST_CASE("exec_js runs a function body and returns its value as JSON", "[js]") {
  auto th = test::spawn();
  CHECK(test::wait_for(th.exec_js("const add = (x, y) => x + y; return add(1, 2);")) == 3);
  CHECK(test::wait_for(th.exec_js<int>("return 6 * 7;")) == 42);
  CHECK(test::wait_for(th.exec_js<std::string>("return 'm';")) == "m");
  auto object = test::wait_for(th.exec_js("return {list: [1, 'two', null], nested: {ok: true}};"));
  CHECK(object["list"][1] == "two");
  CHECK(object["nested"]["ok"] == true);
  CHECK(test::wait_for(th.exec_js("return undefined;")).is_null());
}

TEST_CASE("exec_js_async awaits inside the worker", "[js]") {
  auto th = test::spawn();
  auto three = th.exec_js_async(
      "const add = (x, y) => new Promise(r => setTimeout(() => r(x + y), 10)); return await add(1, 2);");
  CHECK(test::wait_for(std::move(three)) == 3);
}

TEST_CASE("exec_js runs in the worker's global scope", "[js]") {
  auto th = test::spawn();
  test::wait_for(th.exec_js("globalThis.counter = 41;"));
  CHECK(test::wait_for(th.exec_js("return ++globalThis.counter;")) == 42);
  auto other = test::spawn();
  CHECK(test::wait_for(other.exec_js("return typeof globalThis.counter;")) == "undefined");
}

TEST_CASE("exec_js can hand back the raw JS value as emscripten::val", "[js]") {
  auto th = test::spawn();
  auto bytes = test::wait_for(th.exec_js<emscripten::val>("return new Uint8Array([1, 2, 3]);"));
  CHECK(bytes["length"].as<int>() == 3);
  CHECK(bytes[2].as<int>() == 3);
  auto map = test::wait_for(th.exec_js<emscripten::val>("return new Map([['a', 1]]);"));
  CHECK(map.call<int>("get", std::string("a")) == 1);
}

TEST_CASE("exec_js errors: a throw, a syntax error, a rejected promise, a non-JSON result", "[js][errors]") {
  auto th = test::spawn();
  auto thrown = test::wait_for_error(th.exec_js("throw new TypeError('bad thing');"));
  CHECK(thrown.kind() == wasm_mt::error_kind::js_exception);
  CHECK(thrown.message() == "bad thing");
  CHECK_FALSE(thrown.remote_stack().empty());

  auto syntax = test::wait_for_error(th.exec_js("return (;"));
  CHECK(syntax.kind() == wasm_mt::error_kind::js_exception);

  auto rejected = test::wait_for_error(th.exec_js_async("await null; throw new Error('later');"));
  CHECK(rejected.kind() == wasm_mt::error_kind::js_exception);
  CHECK(rejected.message() == "later");

  auto cyclic = test::wait_for_error(th.exec_js("const a = {}; a.self = a; return a;"));
  CHECK(cyclic.kind() == wasm_mt::error_kind::bad_payload);

  auto wrong_type = test::wait_for_error(th.exec_js<int>("return 'not a number';"));
  CHECK(wrong_type.kind() == wasm_mt::error_kind::bad_payload);

  // The thread is fine afterwards.
  CHECK(test::wait_for(th.exec_js("return 1;")) == 1);
}
