// executors: the original's serial and parallel executors over four threads, each task
// busy for 200 ms in its worker. Each executor runs under a wasm_mt::trace, and the page
// draws its timeline from the trace's records: when each task was sent, started and
// ended in its worker.
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

// Runs `executor` (the executor's body: its answers) under a trace and shows its
// timeline (demo.timeline: one lane per thread, a bar per task from the trace).
template <class Executor>
wasm_mt::task<> traced(const std::string& name, Executor executor) {
  demo::log(name + " executor:");
  const double t0 = demo::now_ms();
  auto recording = wasm_mt::trace::start({.user_timing = true});  // (also in the Performance panel)
  std::vector<int> answers = co_await executor();
  recording.stop();
  demo::show(name, "4 tasks in " + demo::ms(demo::now_ms() - t0), demo::timeline_rows(recording));
  demo::show("answers-" + name, "", answers);
}

wasm_mt::task<> run() {
  std::vector<wasm_mt::future<wasm_mt::thread>> starting;
  for (int i = 0; i < 4; ++i) starting.push_back(wasm_mt::thread::spawn("thread " + std::to_string(i)));
  std::vector<wasm_mt::thread> threads;
  for (auto& th : starting) threads.push_back(co_await std::move(th));

  // Serial: each task awaited before the next starts.
  co_await traced("serial", [&]() -> wasm_mt::task<std::vector<int>> {
    std::vector<int> answers;
    for (auto& th : threads) {
      answers.push_back(co_await th.exec(Work{busy_ms}));
      demo::log("ans: " + std::to_string(answers.back()) + " from " + th.label());
    }
    co_return answers;
  });
  // Parallel: all four sent at once, then awaited together.
  co_await traced("parallel", [&]() -> wasm_mt::task<std::vector<int>> {
    std::vector<wasm_mt::future<int>> running;
    for (auto& th : threads) running.push_back(th.exec(Work{busy_ms}));
    co_return co_await wasm_mt::when_all(std::move(running));
  });
  demo::done();
}

}  // namespace

int main() {
  wasm_mt::spawn_local(run()).then([] {}, [](const wasm_mt::error& e) { demo::failed(e.what()); }).detach();
}
