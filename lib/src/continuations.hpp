// Internal: the queue of continuations (consumers of settled futures) waiting to run.
// Settling a future queues its consumer; the queue runs once what settled it returned:
// at the end of the glue's delivery that settled it when that delivery ends the glue's
// handler (a reply, a timer: no second call into wasm), else when the glue's handler is
// done, else from a fresh microtask of this thread (wasm_mt_js_schedule_continuations).
// Intrusive and allocation-free, so queueing never fails.
#pragma once

#include "wasm_mt/detail/shared_state.hpp"

namespace wasm_mt::detail {

class continuation_queue {
 public:
  // Appends `state` (settled, with a consumer) unless it is queued already.
  static void push(shared_state_base& state) noexcept;
  // Runs every queued consumer, including those queued while it runs, in order.
  static void run() WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // A delivery from the glue begins: `runs_at_end` (it ends the glue's handler) means
  // end_delivery() runs what is queued meanwhile, so the glue is not asked to. (A
  // delivery that never reached its end, its instance aborted or exited, leaves this
  // set: the next begin asks the glue for what is queued.)
  static void begin_delivery(bool runs_at_end) noexcept;
  // The delivery that began with runs_at_end returns: runs the queue.
  static void end_delivery() WASM_MT_DETAIL_NOEXCEPT_JS_EH;
};

}  // namespace wasm_mt::detail
