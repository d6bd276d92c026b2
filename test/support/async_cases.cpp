// The registry of async test bodies, the phase that runs them (run_async_bodies), and the
// replay into Catch2's test cases. See async_test.hpp.
#include "async_cases.hpp"

#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "async_test.hpp"
#include "recorded_run.hpp"

namespace test {
namespace {

std::map<std::string, async_body>& bodies_by_name() {
  static std::map<std::string, async_body> bodies;
  return bodies;
}

std::map<async_body, detail::recorded_run>& runs() {
  static std::map<async_body, detail::recorded_run> by_body;
  return by_body;
}

// Runs `body` to its end, keeping how it ended.
wasm_mt::task<void> run_guarded(async_body body, detail::recorded_run& run) {
  try {
    co_await body();
  } catch (...) {
    run.ended_by = std::current_exception();
  }
  run.finished = true;
}

struct async_phase {
  std::vector<async_body> queue;
  std::size_t next = 0;     // the next body to start
  std::size_t current = 0;  // the body running (== next - 1), or none once it is left
  double case_timeout_ms = 0;
  double started_ms = 0;  // when the current body started
  std::function<void()> done;
  // Kept to the end: a body left behind by its timeout may still hold its recorder.
  std::vector<std::unique_ptr<detail::recorder>> recorders;
};
constexpr std::size_t none = ~std::size_t{0};

void start_next(const std::shared_ptr<async_phase>& phase);

std::string name_of(async_body body) {
  for (auto& [name, registered] : bodies_by_name())
    if (registered == body) return name;
  return {};
}

// Leaves body `index` once: when it finishes or its time is up, whichever comes first.
// The next starts on a fresh turn of the event loop.
void leave(const std::shared_ptr<async_phase>& phase, std::size_t index) {
  if (phase->current != index) return;
  phase->current = none;
  // WASM_MT_CASE_TIMES=1 in Node's environment: each body's time on stderr (to find slow cases).
  static const bool print_times =
      EM_ASM_INT({ return typeof process !== 'undefined' && process.env && !!process.env.WASM_MT_CASE_TIMES; });
  if (print_times)
    std::fprintf(stderr, "case time %8.0f ms: %s\n", emscripten_get_now() - phase->started_ms,
                 name_of(phase->queue[index]).c_str());
  wasm_mt::sleep(0).then([phase] { start_next(phase); }).detach();
}

void start_next(const std::shared_ptr<async_phase>& phase) {
  if (phase->next == phase->queue.size()) {
    Catch::getCurrentMutableContext().setResultCapture(nullptr);
    return phase->done();
  }
  std::size_t index = phase->current = phase->next++;
  async_body body = phase->queue[index];
  detail::recorded_run& run = runs()[body];
  run.started = true;
  phase->started_ms = emscripten_get_now();
  // A body left behind by its timeout that reports later reports into the body running
  // then: rare, and its own test case has failed already.
  phase->recorders.push_back(std::make_unique<detail::recorder>(run, name_of(body)));
  Catch::getCurrentMutableContext().setResultCapture(phase->recorders.back().get());
  wasm_mt::spawn_local(run_guarded(body, run)).then([phase, index] { leave(phase, index); }).detach();
  wasm_mt::sleep(phase->case_timeout_ms).then([phase, index] { leave(phase, index); }).detach();
}

}  // namespace

bool register_async_body(const char* name, async_body body) {
  bodies_by_name().emplace(name, body);
  return true;
}

void replay(async_body body) {
  auto found = runs().find(body);
  if (found == runs().end() || !found->second.started) FAIL("the async body of this test case was not run");
  detail::recorded_run& run = found->second;
  auto& to = Catch::getResultCapture();
  for (auto& event : run.events) event(to);
  if (run.ended_by) std::rethrow_exception(run.ended_by);
  if (!run.finished) FAIL("the test case did not finish within its time (--case-timeout)");
}

void run_async_bodies(const std::vector<std::string>& test_names, double case_timeout_ms, std::function<void()> done) {
  auto phase = std::make_shared<async_phase>();
  phase->case_timeout_ms = case_timeout_ms;
  for (auto& name : test_names) {
    auto found = bodies_by_name().find(name);
    if (found != bodies_by_name().end()) phase->queue.push_back(found->second);
  }
  phase->done = std::move(done);
  start_next(phase);
}

}  // namespace test
