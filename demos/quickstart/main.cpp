// quickstart: closures on worker threads, under Node or in a browser.
//   node build/demos/quickstart/quickstart.js
#include <string>

#include <wasm_mt/wasm_mt.hpp>

namespace {

int add(int a, int b) { return a + b; }

// A named closure: a capture struct with operator(), registered with its fields.
struct Add {
  int a, b;
  int operator()() const { return add(a, b); }
};
WASM_MT_CLOSURE(Add, a, b)

// An async closure: it awaits inside the worker.
struct SlowSub {
  int a, b;
  wasm_mt::task<int> operator()() const {
    co_await wasm_mt::sleep(1000);
    co_return a - b;
  }
};
WASM_MT_CLOSURE(SlowSub, a, b)

wasm_mt::task<> run() {
  wasm_mt::thread th = co_await wasm_mt::thread::spawn("quickstart");

  int three = co_await th.exec(Add{1, 2});
  wasm_mt::console_log("exec(Add{1, 2}) = " + std::to_string(three));

  int a = 1, b = 2;
  int inline_three = co_await WASM_MT_EXEC(th, (a, b), { return add(a, b); });
  wasm_mt::console_log("WASM_MT_EXEC add(a, b) = " + std::to_string(inline_three));

  int minus_one = co_await th.exec(SlowSub{1, 2});
  wasm_mt::console_log("exec(SlowSub{1, 2}) after 1 s = " + std::to_string(minus_one));

  auto js = co_await th.exec_js("const add = (a, b) => a + b; return add(1, 2);");
  wasm_mt::console_log("exec_js add(1, 2) = " + js.dump());

  auto js_async = co_await th.exec_js_async(
      "const sub = (a, b) => new Promise(r => setTimeout(() => r(a - b), 1000)); return await sub(1, 2);");
  wasm_mt::console_log("exec_js_async sub(1, 2) = " + js_async.dump());

  try {
    co_await th.exec_js("throw new Error('boom')");
  } catch (const wasm_mt::error& e) {
    wasm_mt::console_log(std::string("errors arrive as wasm_mt::error: ") + e.what());
  }
}

}  // namespace

int main() {
  wasm_mt::spawn_local(run());
}
