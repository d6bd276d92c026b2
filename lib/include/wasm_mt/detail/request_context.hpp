// The request a worker is running, as this_request sees it. Set around a closure's
// body, and restored around every continuation of the coroutines it awaits (a future's
// waiter keeps the context it was suspended in, shared_state.hpp), so this_request
// works across co_await as it does before the first.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "wasm_mt/stop_token.hpp"

namespace wasm_mt::detail {

template <class T>
class shared_state;

// Flags of a call (the call message's `flags`).
enum call_flags : std::uint32_t {
  wants_events = 1,  // the caller handles events: emit() posts them (else drops them)
  streams = 2,       // the caller reads a stream; bits 8 and up: its window (items)
  traced = 4,        // a trace records it: the reply says when the worker ran it
  measured = 8,      // (with traced) the worker also makes it a User Timing measure
};
constexpr std::uint32_t stream_window_shift = 8;
constexpr std::uint32_t max_stream_window = (std::uint32_t(1) << 24) - 1;
// Events of a request sent and not yet handled by the caller, at most, for an async
// closure that awaits emit() (the caller acknowledges every half window).
constexpr std::uint32_t event_window = 1024;

// The flags of an acknowledgement (the ack message's `flags`): what it counts.
enum ack_flags : std::uint32_t {
  ack_items = 0,   // stream items taken
  ack_events = 1,  // events handled
};

// One channel's flow control in the worker (a stream's items, a request's events): what
// was sent, what the caller acknowledged, and the co_yields or co_await emit()s waiting
// for room (several coroutines of one request may emit).
struct flow {
  std::uint32_t sent = 0;
  std::uint32_t taken = 0;
  std::vector<std::shared_ptr<shared_state<void>>> waiting;
  bool has_room(std::uint32_t window) const noexcept { return sent - taken < window; }
};

struct request_context : std::enable_shared_from_this<request_context> {
  request_context(std::uint32_t id, std::uint32_t flags, bool stoppable)
      : id(id), flags(flags), stop(stoppable ? stop_source() : stop_source(nostopstate)) {}

  std::uint32_t id;      // its ID where it came from:
  int sender = 0;        // 0, this worker's parent; else a child thread calling into its caller
  std::uint32_t flags;
  // Requested when the caller stops the request (async closures only: a synchronous one
  // runs to its end before its worker reads another message).
  stop_source stop;
  // this_request::stopped() futures, settled on stop.
  std::vector<std::shared_ptr<shared_state<void>>> stop_waiters;
  // The request has replied: nothing waits on its stop any more (a coroutine it left
  // running may still run in it).
  bool ended = false;
  double last_yield_ms = 0;  // checkpoint(): when it last let the event loop run
  // A stream's items (its window: in `flags`) and the request's events (event_window):
  // a co_yield, or a co_await emit(), past its window waits for the caller.
  flow items;
  flow events;
  // The flow of an acknowledgement's channel.
  flow& flow_of(std::uint32_t ack) noexcept { return ack == ack_events ? events : items; }
  std::uint32_t window_of(std::uint32_t ack) const noexcept {
    return ack == ack_events ? event_window : flags >> stream_window_shift;
  }
};

// The context of the code running now (null outside a request).
inline request_context* current_request = nullptr;

// Sets the current request for a scope.
class request_scope {
 public:
  explicit request_scope(request_context* context) noexcept : previous_(current_request) { current_request = context; }
  ~request_scope() { current_request = previous_; }
  request_scope(const request_scope&) = delete;
  request_scope& operator=(const request_scope&) = delete;

 private:
  request_context* previous_;
};

// The current request, owned, for a waiter to take along (null outside an async one).
std::shared_ptr<request_context> current_request_owner() noexcept;

// Async closures: registered while they run, by who sent them (`handle`: 0 for this
// worker's parent, else the child thread calling into its caller) and their ID there,
// so that a stop from their caller finds them.
std::shared_ptr<request_context> start_async_request(int handle, std::uint32_t id, std::uint32_t flags);
void end_async_request(int handle, std::uint32_t id) noexcept;

}  // namespace wasm_mt::detail
