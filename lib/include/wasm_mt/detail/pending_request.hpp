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
#include "wasm_mt/detail/trace_hooks.hpp"
#include "wasm_mt/registry.hpp"

namespace wasm_mt::detail {

// What a request's call_options ask for. Owned by the request, armed once when it is
// made (arm_controls): its stop token and its deadline both lead to the request's one
// stop path, pending_request::stop. Disarmed when the request settles for its caller
// (pending_request::disarm): a request retried by its pool keeps them armed.
struct request_controls {
  explicit request_controls(call_options options)
      : on_event(std::move(options.on_event)),
        stop(std::move(options.stop)),
        timeout_ms(options.timeout_ms),
        callbacks(std::move(options.callbacks)) {}

  event_handler on_event;
  std::uint32_t events_unacknowledged = 0;  // events received since the last acknowledgement
  stop_token stop;
  double timeout_ms;
  wasm_mt::callbacks callbacks;
  std::optional<stop_callback> on_stop;  // armed: stops the request
  timer deadline;                        // armed: stops it with error_kind::timeout
};

// Controls for `options`; null (no allocation) when they ask for nothing. Throws
// std::invalid_argument for a timeout_ms that is NaN or negative.
inline std::unique_ptr<request_controls> controls_for(call_options&& options) {
  check_delay(options.timeout_ms, "call_options::timeout_ms");
  if (!options.stop.stop_possible() && std::isinf(options.timeout_ms) && !options.on_event && options.callbacks.empty())
    return nullptr;
  return std::make_unique<request_controls>(std::move(options));
}

// The error a stopped request fails with: cancelled, or timeout (after `timeout_ms`).
// `not_run`: the library knows the worker never received it. `reason`, when not empty,
// is the error's message (the stop's own words: job::cancel(reason)).
std::exception_ptr stop_failure(error_kind kind, double timeout_ms, bool not_run,
                                std::string_view reason = {}) noexcept;

// A request, from the moment it is made until its caller has its outcome and its
// worker's answer (or death) has been accounted for. Its states:
//
//   made --admit--> pending on a thread --reply / worker death--> settled
//     |                  |
//     |                  +--stop--> stopped: caller failed now, worker told;
//     |                             still pending until the worker answers or dies
//     +--stop before it is sent--> settled (not_run), never sent
//
// A pool's job (pool_job.hpp) adds "queued" before "pending" and may go back to it once
// (its worker died before running it). Exactly one of its value, its error or its stop
// reaches the caller.
class pending_request {
 public:
  explicit pending_request(function_id called) : called_(called) {}
  pending_request(const pending_request&) = delete;
  pending_request& operator=(const pending_request&) = delete;

  // Null when the call had no call_options.
  std::unique_ptr<request_controls> controls;
  // The thread it was last sent to (its glue handle; 0 in a worker is its caller),
  // -1 before; and its ID there (thread_state::add_pending).
  int thread = -1;
  std::uint32_t request_id = 0;
  // The caller's side failed with a stop (cancelled, timeout): its worker's answer, when
  // it comes, is dropped; and nothing more is sent.
  bool stopped = false;
  // Its record in the running trace (trace_hooks.hpp), as an index + 1 (0: none): made
  // when it is queued in a pool or sent, done when its caller settles.
  std::uint32_t trace_slot = 0;

  // The one stop path: the request's stop token, its deadline, job::cancel and a dropped
  // stream all come here. Fails the caller's side now with `kind` (cancelled, or timeout
  // after controls->timeout_ms) and tells whoever holds the request: a thread tells its
  // worker (or drops a request the worker has not received: not_run()); a pool takes a
  // queued job out, or tells a running one's worker and replaces it after
  // stop_grace_ms. A request that was never sent just fails (not_run()). No-op once
  // settled or stopped. Never throws.
  virtual void stop(error_kind kind) noexcept;
  // A cancellation's reason: its stop token's (stop_source::request_stop(reason)).
  std::string_view stop_reason(error_kind kind) const noexcept {
    return kind == error_kind::cancelled && controls ? controls->stop.stop_reason() : std::string_view();
  }

  // The call's call_flags.
  virtual std::uint32_t flags() const noexcept { return controls && controls->on_event ? wants_events : 0; }
  // An item of the stream this request reads (thread::stream); others have none.
  virtual void receive_item(std::string_view payload, std::size_t buffer_count) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
    (void)payload;
    (void)buffer_count;
  }
  // The reply to a stopped request came (or its worker died, or it was never sent):
  // nothing to settle, the caller knows already; a pool's job updates its books.
  // `completed`: the worker finished it anyway (its reply was a value).
  virtual void settle_stopped([[maybe_unused]] bool completed) noexcept {}
  // A stream whose producer waits for its reader (its window is full) while no next()
  // is pending: pool::close() stops it rather than wait for ever.
  virtual bool waits_for_reader() const noexcept { return false; }
  // Whether its caller may still see its outcome (its future held, awaited or chained):
  // its on_event handler runs only then.
  virtual bool caller_listens() const noexcept { return true; }

  // The reply's value is in the inbox: `payload` is its JSON text. A value that cannot
  // be decoded settles the request with that error.
  virtual void settle_value(std::string_view payload, std::size_t buffer_count) WASM_MT_DETAIL_NOEXCEPT_JS_EH = 0;
  // The request's worker answered with an error, or died, or it could not be sent. A
  // pool's job may go back to its queue instead (its worker died before running it).
  virtual void settle_error(std::exception_ptr failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH = 0;
  // Settles the caller's side with `failure`, outside any books: the request was never
  // sent, or it was stopped.
  virtual void fail(std::exception_ptr failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH = 0;

  // The closure called (0 for exec_js), for error messages.
  function_id called() const noexcept { return called_; }
  // What it runs and where it was called (its future's origin), for a trace's record.
  virtual const origin& origin_of() const noexcept = 0;

 protected:
  ~pending_request() = default;  // destroyed as the request (settling, below) it is part of

  // The books that see each outcome before the caller does (a pool's, pool_job.hpp; a
  // thread keeps none). `failure`: the error, or null for a value. True: the books took
  // the request back (to retry it), and the caller hears nothing yet.
  bool books_settled(const std::exception_ptr* failure) noexcept {
    (void)failure;
    return false;
  }
  // A stream's producer now waits for a reader that is not reading (a pool's close()
  // stops such streams).
  void reader_waits() noexcept {}

  // The request settled for its caller: its stop and deadline are released (a stop
  // source the caller keeps does not keep it, a deadline timer does not keep Node up).
  void disarm() noexcept {
    if (!controls) return;
    controls->on_stop.reset();
    controls->deadline.cancel();
  }

 private:
  function_id called_;
};

// Tells the worker running `request` that its caller took `count` more of its stream's
// items, or handled `count` more of its events (`channel`): flow control.
void acknowledge(const pending_request& request, std::uint32_t count, ack_flags channel) noexcept;

// Makes `request` ready to be sent, with `options`' controls, or settles it (returning
// false: nothing is to be sent) when its options are bad or its stop was requested
// before the call. Arms its stop and deadline (from now: time queued counts).
bool prepare(const std::shared_ptr<pending_request>& request, call_options&& options) noexcept;

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

// What a plain request's caller receives: a future's state, settled with the reply's
// value or the request's error. (A stream's is stream_source, stream.hpp.)
template <class R>
class value_receiver : public shared_state<R> {
 public:
  struct init {};
  explicit value_receiver(init) {}

 protected:
  using reply_type = stored_t<R>;
  static constexpr std::uint32_t receiver_flags() noexcept { return 0; }
  // The reply's value; throws the decoding's error.
  static reply_type decode_value(std::string_view payload, std::size_t buffer_count) {
    return decode_reply<R>(payload, buffer_count);
  }
  void deliver_value(reply_type value) { this->set_value(std::move(value)); }
  void deliver_error(std::exception_ptr failure) noexcept { this->set_error(std::move(failure)); }
  bool receiver_listens() const noexcept { return shared_state<R>::caller_listens(); }
  const origin& receiver_origin() const noexcept { return this->from(); }
};

// The one way a request settles what its caller receives (Receiver: value_receiver, or
// a stream's stream_source), whether it runs on a thread (Base: pending_request) or in
// a pool (Base: pool_task, pool_job.hpp, whose books see each outcome first): a value
// that cannot be decoded is an error; an error may go back to the books (a retry); the
// request's controls are disarmed before the caller hears.
template <class Receiver, class Base>
class settling : public Receiver, public Base {
 public:
  template <class... BaseArgs>
  explicit settling(typename Receiver::init receiver, BaseArgs&&... base)
      : Receiver(receiver), Base(std::forward<BaseArgs>(base)...) {}

  std::uint32_t flags() const noexcept override {
    return Base::flags() | this->receiver_flags() | running_trace_flags;
  }
  bool caller_listens() const noexcept override { return this->receiver_listens(); }
  const origin& origin_of() const noexcept override { return this->receiver_origin(); }

  void settle_value(std::string_view payload, std::size_t buffer_count) WASM_MT_DETAIL_NOEXCEPT_JS_EH override {
    // (No exception_ptr outlives the catch: destroying one is a call into JS under JS
    // exception handling, and a value's path makes none.)
    try {
      auto value = Receiver::decode_value(payload, buffer_count);
      this->books_settled(nullptr);
      this->disarm();
      if (running_trace) [[unlikely]] trace_settled(*this, nullptr);
      this->deliver_value(std::move(value));
    } catch (...) {  // (delivering does not throw: this is the decoding's error)
      settle_error(std::current_exception());
    }
  }
  void settle_error(std::exception_ptr failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH override {
    if (!this->books_settled(&failure)) fail(std::move(failure));
  }
  void fail(std::exception_ptr failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH override {
    this->disarm();
    if (running_trace) [[unlikely]] trace_settled(*this, &failure);
    this->deliver_error(std::move(failure));
  }
};

// A plain request: its future's state and its pending request, in one allocation.
template <class R, class Base>
class value_request final : public settling<value_receiver<R>, Base> {
 public:
  template <class... BaseArgs>
  explicit value_request(BaseArgs&&... base)
      : settling<value_receiver<R>, Base>({}, std::forward<BaseArgs>(base)...) {}
};

// A thread's plain request.
template <class R>
using request_state = value_request<R, pending_request>;

// A new request's state (prepare: settled already, and not to be sent, when its stop was
// requested before the call or its options are bad). (Always inline: a throwing call
// out of line costs a JS round trip under JS exception handling, on every call's path.)
template <class R>
[[gnu::always_inline]] inline std::shared_ptr<request_state<R>> new_request(function_id called, call_options&& options,
                                                                         origin from) {
  auto state = std::make_shared<request_state<R>>(called);
  state->set_origin(from);
  prepare(state, std::move(options));
  return state;
}

}  // namespace wasm_mt::detail
