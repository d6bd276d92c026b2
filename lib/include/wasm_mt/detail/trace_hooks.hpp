// Internal: where a request's lifecycle tells the running trace (wasm_mt::trace,
// trace.hpp) what happened to it. Each hook is called only while a trace runs
// (running_trace set): with none, a request's stages cost one pointer test each.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

namespace wasm_mt::detail {

class pending_request;
class trace_state;

// The trace running in this instance (on the thread that started it), or null.
extern trace_state* running_trace;
// The call_flags every call carries while it runs (traced, measured), else 0.
extern std::uint32_t running_trace_flags;

// A request's record is made when a pool queues it or it is sent while the trace runs
// (pending_request::trace_slot), and done when its caller settles (a stopped one's slot
// waits for its late reply, which brings its worker's times): the other stages of a
// request without one (made before the trace) are ignored.

// A pool queued `request` as task `task` (its pool_job::queued_ms is set).
void trace_queued(pending_request& request, std::uint64_t task) noexcept;
// A pool sends its task `request` to its worker `pool_worker` in `slot`.
void trace_pool_sent(pending_request& request, std::uint64_t pool_worker, std::size_t slot) noexcept;
// `request` was posted to thread `handle` (labelled `label`): `bytes` of captures or JS;
// `sent_ms`: the trace clock read just before it was posted (its worker may start it
// before this hook runs).
void trace_sent(pending_request& request, int handle, const std::string& label, std::size_t bytes,
                double sent_ms) noexcept;
// The reply to `request` is the message being delivered (its worker's times, if any).
void trace_replied(pending_request& request) noexcept;
// An event (or a stream item, `item`) of `request` came.
void trace_received(pending_request& request, bool item) noexcept;
// `request`'s caller settled: with a value (failure null) or `*failure`. Its record is done.
void trace_settled(pending_request& request, const std::exception_ptr* failure) noexcept;

}  // namespace wasm_mt::detail
