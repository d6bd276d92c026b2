#include "continuations.hpp"

#include <utility>

#include "wasm_mt/detail/glue.hpp"

namespace wasm_mt::detail {
namespace {
shared_state_base* head = nullptr;
shared_state_base* tail = nullptr;
bool run_scheduled = false;  // the glue was asked for a run
bool run_at_end = false;     // the delivery running now runs the queue when it ends
}  // namespace

void shared_state_base::schedule() noexcept { continuation_queue::push(*this); }

void continuation_queue::push(shared_state_base& state) noexcept {
  if (state.queued_self_) return;
  state.queued_self_ = state.weak_from_this().lock();
  if (!state.queued_self_) return state.run_consumer();  // not owned by a shared_ptr: cannot be kept
  state.next_queued_ = nullptr;
  if (tail)
    tail->next_queued_ = &state;
  else
    head = &state;
  tail = &state;
  if (!run_scheduled && !run_at_end) {
    run_scheduled = true;
    wasm_mt_js_schedule_continuations();
  }
}

void continuation_queue::begin_delivery(bool runs_at_end) noexcept {
  // (Set already: an outer delivery's, or one that never ended. Either way the glue runs
  // what is queued now, as it would have been asked to.)
  if (run_at_end && head && !run_scheduled) {
    run_scheduled = true;
    wasm_mt_js_schedule_continuations();
  }
  run_at_end = runs_at_end;
}

void continuation_queue::end_delivery() WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  run_at_end = false;
  if (head) run();
}

void continuation_queue::run() WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  run_scheduled = false;
  while (shared_state_base* state = head) {
    head = state->next_queued_;
    if (!head) tail = nullptr;
    state->next_queued_ = nullptr;
    // A consumer that throws a JS exception (exit()) ends this run: the rest then runs in
    // the next one (which the glue starts when its handler is done, or from a microtask).
    if (head && !run_scheduled) {
      run_scheduled = true;
      wasm_mt_js_schedule_continuations();
    }
    auto keep = std::move(state->queued_self_);  // the state lives while its consumer runs
    state->run_consumer();
  }
}

}  // namespace wasm_mt::detail
