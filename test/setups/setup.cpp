// One program, built the ways users build (test/setups/CMakeLists.txt): MODULARIZE,
// EXPORT_ES6, a web-only ENVIRONMENT, --preload-file. Its main() spawns a thread, runs
// closures there and prints one line: "setup: " and a JSON object of what it saw, which
// the Node test and the browser pages check.
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>
#include <wasm_mt/wasm_mt.hpp>

namespace setup {

struct Add {
  int a = 0, b = 0;
  int operator()() const { return a + b; }
};
WASM_MT_CLOSURE(Add, a, b)

// What the worker sees: where it is, and whether the preloaded file is there.
struct Look {
  nlohmann::json operator()() const {
    std::FILE* file = std::fopen("/data/hello.txt", "rb");
    if (file) std::fclose(file);
    std::printf("printed by the worker\n");  // reaches the parent's Module.print
    return {{"in_worker", wasm_mt::in_worker()}, {"label", wasm_mt::current_thread_label()}, {"has_data", file != nullptr}};
  }
};
WASM_MT_CLOSURE(Look)

// Spawns a thread from the worker (nested threads load the same script).
struct Nested {
  wasm_mt::task<int> operator()() const {
    auto inner = co_await wasm_mt::thread::spawn("inner");
    co_return co_await inner.exec(Add{2, 3});
  }
};
WASM_MT_CLOSURE(Nested)

std::string read_data() {
  std::FILE* file = std::fopen("/data/hello.txt", "rb");
  if (!file) return "";
  char text[64] = {};
  std::size_t n = std::fread(text, 1, sizeof text - 1, file);
  std::fclose(file);
  return std::string(text, n);
}

wasm_mt::task<> run() {
  nlohmann::json seen;
  try {
    auto th = co_await wasm_mt::thread::spawn("setup");
    seen["add"] = co_await th.exec(Add{20, 22});
    seen["worker"] = co_await th.exec(Look{});
    seen["nested"] = co_await th.exec(Nested{});
    auto pool = co_await wasm_mt::pool::create({.threads = 2});
    seen["pool"] = co_await pool.exec(Add{1, 2});
    // A request stopped while its thread starts (its script still loading: from another
    // origin, a module imported by the blob: shim) fails as never run; the thread starts.
    auto starting = wasm_mt::thread::start("starting");
    wasm_mt::stop_source stop;
    auto stopped = starting.exec(Add{1, 1}, {.stop = stop.get_token()});
    stop.request_stop();
    auto outcome = co_await stopped.result();
    seen["stopped_while_starting"] = outcome ? std::string("ran")
                                             : std::string(wasm_mt::error_kind_name(outcome.error().kind())) +
                                                   (outcome.error().not_run() ? ", not run" : ", maybe run");
    seen["after_the_stop"] = co_await starting.exec(Add{2, 2});
    seen["main_data"] = read_data();
  } catch (const std::exception& e) {
    seen["error"] = e.what();
  }
  std::printf("setup: %s\n", seen.dump().c_str());
}

}  // namespace setup

int main() { wasm_mt::spawn_local(setup::run()); }
