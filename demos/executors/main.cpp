// executors: the original's serial and parallel executors over four threads, each task
// busy for 200 ms in its worker. The timeline shows when each task started and ended.
#include <string>
#include <vector>

#include <wasm_mt/wasm_mt.hpp>

#include "page.hpp"

namespace {

struct Work {
  double busy_ms = 0;
  int operator()() const {
    const double until = demo::now_ms() + busy_ms;
    while (demo::now_ms() < until) {
    }
    return 42;
  }
};
WASM_MT_CLOSURE(Work, busy_ms)

constexpr double busy_ms = 200;

// One task on one thread, as the timeline shows it.
wasm_mt::task<nlohmann::json> timed(wasm_mt::thread& th, std::size_t lane, double t0) {
  demo::log("starting a task on " + th.label());
  const double start = demo::now_ms() - t0;
  int answer = co_await th.exec(Work{busy_ms});
  demo::log("ans: " + std::to_string(answer) + " from " + th.label());
  co_return nlohmann::json{{"lane", lane}, {"start", start}, {"end", demo::now_ms() - t0}, {"answer", answer}};
}

wasm_mt::task<> run() {
  std::vector<wasm_mt::future<wasm_mt::thread>> starting;
  for (int i = 0; i < 4; ++i) starting.push_back(wasm_mt::thread::spawn("thread " + std::to_string(i)));
  std::vector<wasm_mt::thread> threads;
  for (auto& th : starting) threads.push_back(co_await std::move(th));

  demo::log("serial executor:");
  double t0 = demo::now_ms();
  nlohmann::json serial = nlohmann::json::array();
  for (std::size_t i = 0; i < threads.size(); ++i) serial.push_back(co_await timed(threads[i], i, t0));
  demo::show("serial", "4 tasks in " + demo::ms(demo::now_ms() - t0), serial);

  demo::log("parallel executor:");
  t0 = demo::now_ms();
  std::vector<wasm_mt::future<nlohmann::json>> running;
  for (std::size_t i = 0; i < threads.size(); ++i) running.push_back(wasm_mt::spawn_local(timed(threads[i], i, t0)));
  nlohmann::json parallel = nlohmann::json::array();
  for (auto& task : running) parallel.push_back(co_await std::move(task));
  demo::show("parallel", "4 tasks in " + demo::ms(demo::now_ms() - t0), parallel);
  demo::done();
}

}  // namespace

int main() {
  wasm_mt::spawn_local(run()).then([] {}, [](const wasm_mt::error& e) { demo::failed(e.what()); }).detach();
}
