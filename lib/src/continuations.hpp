// Internal: the queue of continuations (consumers of settled futures) waiting to run.
// Settling a future queues its consumer; the queue runs once what settled it returned:
// when the glue's delivery that settled it (a reply, a timer) returns, else from a fresh
// microtask of this thread (the glue's wasm_mt_js_schedule_continuations). Intrusive and allocation-free,
// so queueing never fails.
#pragma once

#include "wasm_mt/detail/shared_state.hpp"

namespace wasm_mt::detail {

class continuation_queue {
 public:
  // Appends `state` (settled, with a consumer) unless it is queued already.
  static void push(shared_state_base& state) noexcept;
  // Runs every queued consumer, including those queued while it runs, in order.
  static void run() WASM_MT_DETAIL_NOEXCEPT_JS_EH;
};

}  // namespace wasm_mt::detail
