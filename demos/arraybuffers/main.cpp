// arraybuffers: the original's new_with_arraybuffers demo. The program fetches its own
// JS and wasm as bytes, builds a program from them, and runs a closure on a thread
// labelled "foo".
#include <string>

#include <wasm_mt/wasm_mt.hpp>

#include "page.hpp"

namespace {

struct Answer {
  int operator()() const { return 42; }
};
WASM_MT_CLOSURE(Answer)

struct MyLabel {
  std::string operator()() const { return wasm_mt::current_thread_label(); }
};
WASM_MT_CLOSURE(MyLabel)

wasm_mt::task<> run() {
  wasm_mt::bytes js = co_await wasm_mt::fetch_bytes("arraybuffers.js");
  wasm_mt::bytes wasm = co_await wasm_mt::fetch_bytes("arraybuffers.wasm");
  demo::show("fetched", std::to_string(js.size()) + " bytes of JS, " + std::to_string(wasm.size()) + " bytes of wasm");

  wasm_mt::program program = co_await wasm_mt::program::from_buffers(js, wasm);
  wasm_mt::thread th = co_await wasm_mt::thread::spawn(program, "foo");
  demo::show("label", "thread label: " + th.label(), th.label());
  std::string inside = co_await th.exec(MyLabel{});
  demo::show("inside", "the worker calls itself: " + inside, inside);
  int answer = co_await th.exec(Answer{});
  demo::show("answer", "exec answer() = " + std::to_string(answer), answer);
  demo::done();
}

}  // namespace

int main() {
  wasm_mt::spawn_local(run()).then([] {}, [](const wasm_mt::error& e) { demo::failed(e.what()); }).detach();
}
