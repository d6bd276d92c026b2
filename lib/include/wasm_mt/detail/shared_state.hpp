// The state behind a wasm_mt::future: settles exactly once (value or error), then wakes
// its one consumer (an awaiting coroutine or a callback).
//
// Continuations never run inside the code that settles: waking queues the consumer, and
// the queue runs once that code has returned (continuations.hpp). So a reply,
// a crash, terminate() or a pool's timeout never resumes user code half-way through
// wasm_mt's own bookkeeping, and then() callbacks always run later, never at once.
// What the consumer throws is reported (report_unobserved_error).
// Single-threaded by design: each wasm instance runs on one JS thread and nothing here
// is shared across instances.
#pragma once

#include <exception>
#include <memory>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "wasm_mt/detail/call_site.hpp"
#include "wasm_mt/detail/coroutine.hpp"
#include "wasm_mt/detail/noexcept_js_eh.hpp"
#include "wasm_mt/detail/request_context.hpp"
#include "wasm_mt/detail/unique_function.hpp"
#include "wasm_mt/error.hpp"

namespace wasm_mt::detail {

// void results are stored as std::monostate.
template <class T>
using stored_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

// Logs an error nobody retrieved (a fire-and-forget request failed; `what`: what
// happened to it), naming the request's call, closure and call site when known:
//   wasm_mt: unhandled error in exec(app::Scale) called at main.cpp:42: terminated: ...
// Cancellations are not logged.
void report_unobserved_error(const std::exception_ptr& error, const origin& from = {},
                             std::string_view what = "unhandled error") noexcept;

// Throws std::logic_error: a future got a second consumer (one co_await or one then()).
[[noreturn]] void throw_second_consumer();

// Always owned by a std::shared_ptr (made with std::make_shared).
class shared_state_base : public std::enable_shared_from_this<shared_state_base> {
 public:
  shared_state_base() = default;
  shared_state_base(const shared_state_base&) = delete;
  shared_state_base& operator=(const shared_state_base&) = delete;

  bool ready() const noexcept { return settled_; }

  // What the request runs and where it was made, for the log lines about it.
  void set_origin(origin from) noexcept { origin_ = from; }
  const origin& from() const noexcept { return origin_; }
  // True once a consumer (a waiter or a callback) was given.
  bool has_consumer() const noexcept { return consumed_; }
  // Makes the caller the consumer (a co_await that did not suspend, get()): false when
  // the state already has one.
  bool claim() noexcept {
    if (consumed_) return false;
    consumed_ = true;
    return true;
  }

  // The coroutine to resume once settled: false (and nothing set) when the state already
  // has a consumer. A coroutine destroyed while waiting must call clear_waiter, so it is
  // never resumed.
  bool set_waiter(coro::coroutine_handle<> waiter) noexcept {
    if (consumed_) return false;
    consumed_ = true;
    waiter_ = waiter;
    if (current_request) context_ = current_request_owner();
    if (settled_) schedule();
    return true;
  }
  void clear_waiter(coro::coroutine_handle<> waiter) noexcept {
    if (waiter_ != waiter) return;
    waiter_ = nullptr;
    caller_gone_ = true;  // (its coroutine is destroyed: nobody will see the outcome)
    if (auto hook = std::move(abandon_hook_)) hook();
    released();
  }
  // The last future object went without a consumer (dropped, detach()): nobody will see
  // the outcome (it is still logged if an error).
  void future_dropped() noexcept {
    if (consumed_) return;
    caller_gone_ = true;
    released();
  }
  // Whether anyone may still see the outcome: what runs for the caller meanwhile (an
  // on_event handler, which may use the caller's frame) runs only while this is true.
  bool caller_listens() const noexcept { return !caller_gone_ && !abandoned_; }
  // Runs `callback` once settled (continuations.hpp; later, also when already settled).
  // Throws std::logic_error when the state already has a consumer.
  void set_callback(unique_function callback) {
    if (consumed_) throw_second_consumer();
    callback_ = std::move(callback);
    consumed_ = true;
    if (current_request) context_ = current_request_owner();
    if (settled_) schedule();
  }

  // Its consumer gave up on it (a when_any another input won, a when_all that failed):
  // the consumer is released now, and will not run even if the state has settled
  // meanwhile; what it ends with is dropped (never logged), and the producer's
  // on_abandon hook runs (a sleep cancels its timer). Work that produces it may go on
  // (a request: stop it with its stop token); a value not taken stays with its producer
  // (a stream's item, for its next next()). The caller holds the state.
  void abandon() noexcept {
    if (abandoned_) return;
    abandoned_ = true;
    retrieved_ = true;
    waiter_ = nullptr;
    auto dropped = std::move(callback_);
    auto hook = std::move(abandon_hook_);
    if (hook) hook();
    released();
  }
  bool abandoned() const noexcept { return abandoned_; }
  // What the producer does when the consumer abandons the state before it settles, or
  // the coroutine awaiting it is destroyed (cancel a timer, abandon what a then() or a
  // when_all waits on); dropped when it settles.
  void on_abandon(unique_function hook) noexcept {
    if (!settled_) abandon_hook_ = std::move(hook);
  }
  // Settled with an error (a stream's next(): its stream's head is its error). Lets a
  // when_all fail at once without taking its other inputs' values.
  virtual bool settled_with_error() const noexcept { return settled_ && has_error(); }

  // Settles with an error; false (and no effect) when already settled.
  bool set_error(std::exception_ptr error) noexcept {
    if (settled_) return false;
    error_.emplace(std::move(error));
    settle();
    return true;
  }

  // Runs the consumer (the continuation queue calls this, continuations.cpp).
  void run_consumer() WASM_MT_DETAIL_NOEXCEPT_JS_EH;

 protected:
  ~shared_state_base() {
    if (has_error() && !retrieved_) report_unobserved_error(*error_, origin_);
  }

  void settle() noexcept {
    settled_ = true;
    abandon_hook_ = unique_function();
    if (consumed_ && !abandoned_) schedule();
  }

  // Throws the error; or, when there is none, that the value was already taken. Out of
  // line, so that take()'s common path is small enough to inline (and, with JS
  // exceptions, costs no trampoline).
  [[noreturn]] void throw_no_value();
  bool has_error() const noexcept { return error_ && *error_; }

  // Nobody will consume this state any more (abandoned, or its future dropped without a
  // consumer, or its awaiting coroutine destroyed): a producer that keeps a value for
  // its consumer lets it go (a stream's next(): the item stays in the stream). Called
  // by whoever holds a reference to the state.
  virtual void released() noexcept {}

 private:
  // Queues run_consumer (continuations.hpp). Never allocates.
  void schedule() noexcept;
  friend class continuation_queue;

  bool settled_ = false;
  bool consumed_ = false;
  bool retrieved_ = false;
  bool abandoned_ = false;
  bool caller_gone_ = false;
  // (Optional: destroying even an empty exception_ptr is a call into JS under JS
  // exception handling, and a state settled with a value should make none.)
  std::optional<std::exception_ptr> error_;
  coro::coroutine_handle<> waiter_;
  unique_function callback_;
  unique_function abandon_hook_;
  std::shared_ptr<request_context> context_;  // the request the consumer runs in (a worker's)
  origin origin_;
  // While queued: the queue's link and its reference to this state.
  shared_state_base* next_queued_ = nullptr;
  std::shared_ptr<shared_state_base> queued_self_;
};

template <class T>
class shared_state : public shared_state_base {
 public:
  // Settles with a value; false (and no effect) when already settled.
  bool set_value(stored_t<T> value) {
    if (ready()) return false;
    value_.emplace(std::move(value));
    settle();
    return true;
  }

  // The result, moved out once; rethrows the error. Called by the consumer, from its
  // continuation (or get()).
  stored_t<T> take() {
    if (!value_ && !fill()) throw_no_value();
    stored_t<T> value = std::move(*value_);
    value_.reset();
    return value;
  }

 protected:
  // A state settled with settle_unfilled() makes its value when its consumer takes it
  // (fill emplaces it and returns true, or throws the error it ends with): a stream's
  // next() leaves its item in the stream until then. False: no value (taken already).
  virtual bool fill() { return false; }
  // Settles now; the value comes from fill() when taken.
  void settle_unfilled() noexcept {
    if (!ready()) settle();
  }
  void emplace_value(stored_t<T> value) { value_.emplace(std::move(value)); }

 private:
  std::optional<stored_t<T>> value_;
};

}  // namespace wasm_mt::detail
