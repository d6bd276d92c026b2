// A request waiting for its reply. The thread's pending map holds it as a
// pending_request; its future holds the same object as the shared_state it settles
// (request_state: one allocation for both; a pool's jobs are the same kind of object,
// pool_job.hpp). Settled exactly once: by its reply, or by the thread failing all
// pending requests.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

#include <emscripten/val.h>

#include "wasm_mt/call_options.hpp"
#include "wasm_mt/detail/glue.hpp"
#include "wasm_mt/detail/payload.hpp"
#include "wasm_mt/detail/request_context.hpp"
#include "wasm_mt/detail/shared_state.hpp"
#include "wasm_mt/detail/timer.hpp"
#include "wasm_mt/registry.hpp"

namespace wasm_mt::detail {

// What a request's call_options ask for. Armed once the request is on its way, by the
// thread it is sent to (a thread's request) or by its pool (a pool's job: the pool
// handles its stop, also while it waits in the queue); disarmed once it settles.
struct request_controls {
  explicit request_controls(call_options options)
      : on_event(std::move(options.on_event)), stop(std::move(options.stop)), timeout_ms(options.timeout_ms) {}

  event_handler on_event;
  stop_token stop;
  double timeout_ms;
  std::optional<stop_callback> on_stop;  // armed: runs the stop
  timer deadline;                        // armed: runs the timeout
  // Who armed them, and disarms them once the request has settled for good: its thread,
  // or its pool (a job outlives a worker that dies before running it: it is retried
  // with its stop and deadline still armed).
  enum class armer { none, thread, pool } armed_by = armer::none;

  void disarm() noexcept {
    on_stop.reset();
    deadline.cancel();
  }
};

// Controls for `options`; null (no allocation) when they ask for nothing. Throws
// std::invalid_argument for a timeout_ms that is NaN or negative.
inline std::unique_ptr<request_controls> controls_for(call_options&& options) {
  check_delay(options.timeout_ms, "call_options::timeout_ms");
  if (!options.stop.stop_possible() && std::isinf(options.timeout_ms) && !options.on_event) return nullptr;
  return std::make_unique<request_controls>(std::move(options));
}

// The error a stopped request fails with: cancelled, or timeout (after `timeout_ms`).
std::exception_ptr stop_failure(error_kind kind, double timeout_ms, bool not_run) noexcept;

class pending_request {
 public:
  explicit pending_request(function_id called) : called_(called) {}
  pending_request(const pending_request&) = delete;
  pending_request& operator=(const pending_request&) = delete;

  // Null when the call had no call_options.
  std::unique_ptr<request_controls> controls;
  // Its ID on the thread it was sent to (thread_state::add_pending).
  std::uint32_t request_id = 0;
  // The caller's future failed with a stop (cancelled, timeout) and the worker was told:
  // its reply, when it comes, is dropped.
  bool stopped = false;

  // The call's call_flags.
  virtual std::uint32_t flags() const noexcept { return controls && controls->on_event ? wants_events : 0; }
  // An item of the stream this request reads (thread::stream); others have none.
  virtual void receive_item(std::string_view payload, std::size_t buffer_count) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
    (void)payload;
    (void)buffer_count;
  }
  // The reply to a stopped request came (or its worker died): nothing to settle, the
  // caller knows already; a pool's job updates its books.
  virtual void settle_stopped() noexcept {}

  // The reply's value is in the inbox: `payload` is its JSON text. A value that cannot
  // be decoded settles the request with that error.
  virtual void settle_value(std::string_view payload, std::size_t buffer_count) WASM_MT_DETAIL_NOEXCEPT_JS_EH = 0;
  virtual void settle_error(std::exception_ptr failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH = 0;

  // The closure called (0 for exec_js), for error messages.
  function_id called() const noexcept { return called_; }

 protected:
  ~pending_request() = default;  // destroyed as the request_state it is part of

 private:
  function_id called_;
};

// The value of a reply as R (its JSON text is `payload`); throws bad_payload.
template <class R>
stored_t<R> decode_reply(std::string_view payload, std::size_t buffer_count) {
  if constexpr (std::is_void_v<R>)
    return {};
  else if constexpr (std::is_same_v<R, emscripten::val>)
    return emscripten::val::take_ownership(reinterpret_cast<emscripten::EM_VAL>(wasm_mt_js_inbox_value_handle()));
  else
    return decode<R>(payload, buffer_count);
}

template <class R>
class request_state final : public shared_state<R>, public pending_request {
 public:
  explicit request_state(function_id called) : pending_request(called) {}

  void settle_value(std::string_view payload, std::size_t buffer_count) WASM_MT_DETAIL_NOEXCEPT_JS_EH override {
    try {
      this->set_value(decode_reply<R>(payload, buffer_count));
    } catch (...) {  // settling itself does not throw: this is the decoding's error
      this->set_error(std::current_exception());
    }
  }

  void settle_error(std::exception_ptr failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH override {
    this->set_error(std::move(failure));
  }
};

// A new request's state, with `options`' controls; settled already (and not to be sent)
// when its stop was requested before the call, or its options are bad.
template <class R>
std::shared_ptr<request_state<R>> new_request(function_id called, call_options&& options, origin from) {
  auto state = std::make_shared<request_state<R>>(called);
  state->set_origin(from);
  try {
    state->controls = controls_for(std::move(options));
  } catch (...) {
    state->settle_error(std::current_exception());
    return state;
  }
  if (state->controls && state->controls->stop.stop_requested())
    state->settle_error(stop_failure(error_kind::cancelled, 0, true));
  return state;
}

}  // namespace wasm_mt::detail
