// wasm_mt::stop_source, stop_token, stop_callback: cancellation requests, with the
// interface of C++20's <stop_token> (libc++ 14, Emscripten 3.1.6's, has none).
//
//   wasm_mt::stop_source stop;
//   auto result = pool.exec(Search{query}, {.stop = stop.get_token()});
//   stop.request_stop();   // the search fails with error_kind::cancelled
//
// Differences from std: single-threaded (one wasm instance runs on one JS thread, and
// tokens never cross to a worker: a request's stop reaches its worker as a message);
// callbacks are type-erased (stop_callback is not a template); a stop may carry a reason
// (request_stop(reason), stop_reason(): as an AbortSignal's), which becomes the message
// of the error of the requests it stops.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace wasm_mt {

class stop_callback;

namespace detail {

// Shared by a stop_source, its tokens and their callbacks.
struct stop_state {
  bool stopped = false;
  std::string reason;              // request_stop(reason)'s
  stop_callback* first = nullptr;  // registered callbacks, not yet run, in order
  stop_callback* last = nullptr;
  std::size_t sources = 0;         // live stop_sources (none: a stop can no longer come)
};

}  // namespace detail

struct nostopstate_t {
  explicit nostopstate_t() = default;
};
inline constexpr nostopstate_t nostopstate{};

// A view of a stop_source's state: whether a stop was requested. Default-constructed,
// it never stops (stop_possible() is false). Cheap to copy.
class stop_token {
 public:
  stop_token() noexcept = default;

  bool stop_requested() const noexcept { return state_ && state_->stopped; }
  // False when no stop can ever come: no state, or every source gone without stopping.
  bool stop_possible() const noexcept { return state_ && (state_->stopped || state_->sources > 0); }
  // The reason given to request_stop(reason); empty if none (or no stop yet).
  std::string_view stop_reason() const noexcept { return state_ ? std::string_view(state_->reason) : std::string_view(); }

  friend bool operator==(const stop_token& a, const stop_token& b) noexcept { return a.state_ == b.state_; }

 private:
  friend class stop_source;
  friend class stop_callback;
  explicit stop_token(std::shared_ptr<detail::stop_state> state) noexcept : state_(std::move(state)) {}
  std::shared_ptr<detail::stop_state> state_;
};

// Owns a stop state and requests the stop. Copies share it.
class stop_source {
 public:
  // A new state. Throws std::bad_alloc.
  stop_source() : state_(std::make_shared<detail::stop_state>()) { state_->sources = 1; }
  explicit stop_source(nostopstate_t) noexcept {}
  stop_source(const stop_source& other) noexcept : state_(other.state_) { if (state_) ++state_->sources; }
  stop_source(stop_source&& other) noexcept : state_(std::move(other.state_)) {}
  stop_source& operator=(stop_source other) noexcept {
    std::swap(state_, other.state_);
    return *this;
  }
  ~stop_source() {
    if (state_) --state_->sources;
  }

  stop_token get_token() const noexcept { return stop_token(state_); }
  bool stop_requested() const noexcept { return state_ && state_->stopped; }
  bool stop_possible() const noexcept { return state_ != nullptr; }

  // Requests the stop: runs every registered callback once, in registration order,
  // before returning. True if this call made the request (false: already requested, or
  // no state). A callback that throws ends the program (as std's does: std::terminate).
  bool request_stop() noexcept;
  // The same, with `reason`: the requests it stops fail with it as their message (an
  // AbortSignal's reason; piscina rejects with it). The first request's reason stays
  // (a later request_stop changes nothing). It stays on this side: a worker's
  // this_request::get_stop_token() hears the stop, not its reason.
  bool request_stop(std::string reason) noexcept {
    if (!state_ || state_->stopped) return false;
    state_->reason = std::move(reason);
    return request_stop();
  }

 private:
  std::shared_ptr<detail::stop_state> state_;
};

// Runs `callback` once when the token's stop is requested: at once, in the constructor,
// if it already was. Destroying it first deregisters the callback (also from inside
// another callback of the same request_stop). Neither movable nor copyable.
class stop_callback {
 public:
  template <class F>
    requires std::is_invocable_v<F&>
  stop_callback(const stop_token& token, F&& callback) : callback_(std::forward<F>(callback)) {
    attach(token);
  }
  stop_callback(const stop_callback&) = delete;
  stop_callback& operator=(const stop_callback&) = delete;
  ~stop_callback() { detach(); }

 private:
  friend class stop_source;
  void attach(const stop_token& token) noexcept;
  void detach() noexcept;

  std::function<void()> callback_;
  std::shared_ptr<detail::stop_state> state_;  // while registered
  stop_callback* next_ = nullptr;
  stop_callback* previous_ = nullptr;
};

inline bool stop_source::request_stop() noexcept {
  if (!state_ || state_->stopped) return false;
  state_->stopped = true;
  auto keep = state_;  // a callback may destroy this source
  // Each callback is unlinked before it runs, so that destroying it (or any other) then
  // is safe; callbacks registered meanwhile run at once in their constructor.
  while (stop_callback* first = keep->first) {
    keep->first = first->next_;
    if (keep->first) keep->first->previous_ = nullptr;
    else keep->last = nullptr;
    first->next_ = first->previous_ = nullptr;
    first->state_.reset();
    auto run = std::move(first->callback_);  // the callback may destroy its stop_callback
    run();
  }
  return true;
}

inline void stop_callback::attach(const stop_token& token) noexcept {
  if (!token.state_) return;
  if (token.state_->stopped) {
    auto run = std::move(callback_);
    run();
    return;
  }
  state_ = token.state_;
  previous_ = state_->last;  // appended: callbacks run in registration order
  if (previous_) previous_->next_ = this;
  else state_->first = this;
  state_->last = this;
}

inline void stop_callback::detach() noexcept {
  if (!state_) return;
  if (previous_) previous_->next_ = next_;
  else state_->first = next_;
  if (next_) next_->previous_ = previous_;
  else state_->last = previous_;
  next_ = previous_ = nullptr;
  state_.reset();
}

}  // namespace wasm_mt
