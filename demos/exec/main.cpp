// exec: the original's first demo. One thread; a closure, an async closure, JS, async JS.
#include <string>

#include <wasm_mt/wasm_mt.hpp>

#include "page.hpp"

namespace {

int add(int a, int b) { return a + b; }

wasm_mt::task<int> sub(int a, int b) {
  co_await wasm_mt::sleep(1000);
  co_return a - b;
}

wasm_mt::task<> run() {
  wasm_mt::thread th = co_await wasm_mt::thread::spawn("exec");
  int a = 1, b = 2;

  double start = demo::now_ms();
  int sum = co_await WASM_MT_EXEC(th, (a, b), { return add(a, b); });
  demo::show("add", "exec add(1, 2) = " + std::to_string(sum) + " in " + demo::ms(demo::now_ms() - start), sum);

  start = demo::now_ms();
  int difference = co_await WASM_MT_EXEC_ASYNC(th, int, (a, b), { co_return co_await sub(a, b); });
  demo::show("sub", "exec async sub(1, 2) after a 1 s sleep = " + std::to_string(difference) + " in " +
                        demo::ms(demo::now_ms() - start),
             difference);

  start = demo::now_ms();
  auto js = co_await th.exec_js("const add = (a, b) => a + b; return add(1, 2);");
  demo::show("js", "exec_js add(1, 2) = " + js.dump() + " in " + demo::ms(demo::now_ms() - start), js);

  start = demo::now_ms();
  auto js_async = co_await th.exec_js_async(R"(
    const sub = (a, b) => new Promise(resolve => setTimeout(() => resolve(a - b), 1000));
    return await sub(1, 2);)");
  demo::show("js_async", "exec_js_async sub(1, 2) after a 1 s timeout = " + js_async.dump() + " in " +
                             demo::ms(demo::now_ms() - start),
             js_async);
  demo::done();
}

}  // namespace

int main() {
  wasm_mt::spawn_local(run()).then([] {}, [](const wasm_mt::error& e) { demo::failed(e.what()); }).detach();
}
