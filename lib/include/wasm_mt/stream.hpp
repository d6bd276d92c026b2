// wasm_mt::stream<T>: the caller's side of a streaming closure (one returning
// generator<T>, generator.hpp), from thread::stream or pool::stream.
//
//   auto tiles = th.stream(RenderTiles{32});
//   while (auto tile = co_await tiles.next()) draw(*tile);
//
// Items arrive as the worker yields them and wait here until taken; the worker runs at
// most call_options::stream_window items ahead of what next() has taken (back-pressure:
// a caller that stops reading stops the producer). Destroying the stream before its end
// stops the closure (its next co_yield throws cancelled). A failure (the closure threw,
// its worker crashed, a stop or deadline from call_options) comes from next() after the
// items that arrived before it. Move-only; one next() at a time.
//
// next() is a future like any other (then, when_all, when_any): it settles as soon as an
// item is there for it, and the item leaves the stream only when its consumer takes it
// (its continuation runs). A next() dropped, or abandoned by a when_any another input
// won, takes nothing: its item stays for the next next() (docs/control.md, "The
// consumer rule"). merge.hpp reads several streams as one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <variant>

#include "wasm_mt/detail/pending_request.hpp"
#include "wasm_mt/detail/shared_state.hpp"
#include "wasm_mt/future.hpp"

namespace wasm_mt {

namespace detail {


template <class T>
class stream_source;
template <class T>
class merge_source;

// What a stream's next() future holds: it settles as soon as an item, the end or the
// error is there for it, but the item leaves the stream only when its consumer takes it
// (take(), from the consumer's continuation). A next() nobody consumes (dropped, a
// when_any's loser) loses nothing: the item stays at the head for the next next().
template <class T>
class next_state final : public shared_state<std::optional<T>> {
 public:
  explicit next_state(std::shared_ptr<stream_source<T>> source) noexcept : source_(std::move(source)) {}
  // The stream has something for it.
  void mark_ready() noexcept { this->settle_unfilled(); }
  // The stream let it go (a later next() found its consumer gone).
  void forget_source() noexcept { source_.reset(); }
  bool settled_with_error() const noexcept override { return this->ready() && source_ && source_->head_is_error(); }

 private:
  bool fill() override {
    if (!source_) return false;
    auto source = std::move(source_);
    this->emplace_value(source->take_head(this));
    return true;
  }
  void released() noexcept override {
    if (auto source = std::move(source_)) source->release_waiter(this);
  }

  // Until taken or released: the stream and this state hold each other.
  std::shared_ptr<stream_source<T>> source_;
};

// What a stream<T> reads: its request's items, then its end or its error. The request
// (a thread's stream_state, or a pool's stream job, pool.hpp) feeds it, asks its worker
// for more (ack) and stops (stop: the request's one stop path).
template <class T>
class stream_source {
 public:
  struct init {
    std::uint32_t window;  // items the producer may run ahead of the reader
    origin from;
  };
  explicit stream_source(init made) : window_(made.window), from_(made.from) {}
  stream_source(const stream_source&) = delete;
  stream_source& operator=(const stream_source&) = delete;

  // `self` is this source's owner (stream<T>'s).
  future<std::optional<T>> next(std::shared_ptr<stream_source> self) {
    drop_unheard_waiter();
    if (waiter_) throw std::logic_error("wasm_mt::stream: next() while another next() waits");
    auto state = std::make_shared<next_state<T>>(std::move(self));
    waiter_ = state;
    if (ready()) state->mark_ready();
    return future<std::optional<T>>(std::move(state));
  }

  // The stream was dropped: a producer still running is stopped.
  void abandon() noexcept {
    drop_unheard_waiter();
    if (!finished()) stop(error_kind::cancelled);
  }
  // stream::cancel(): stops a producer still running; false when it had ended.
  bool cancel() noexcept {
    if (finished()) return false;
    stop(error_kind::cancelled);
    return true;
  }
  // Its producer waits for the reader: the window is full of items not taken (or not
  // acknowledged) and no next() is pending.
  bool blocked_on_reader() const noexcept {
    return !finished() && !(waiter_ && waiter_->caller_listens()) && items_.size() + taken_ >= window_;
  }

  // The consumer of `taker` (the pending next()) takes the head: an item, or nullopt at
  // the end; throws the error.
  std::optional<T> take_head(const next_state<T>* taker) {
    if (waiter_.get() != taker) throw std::logic_error("wasm_mt::stream: a next() taken after it was let go");
    waiter_.reset();
    if (!items_.empty()) {
      std::optional<T> item(std::move(items_.front()));
      items_.pop_front();
      if (++taken_ >= (window_ + 1) / 2 && !finished()) ack(std::exchange(taken_, 0));
      return item;
    }
    if (error_) {
      error_given_ = true;
      std::rethrow_exception(error_);
    }
    return std::nullopt;
  }
  // `waiter` will not be consumed: what it would have taken stays here.
  void release_waiter(const next_state<T>* waiter) noexcept {
    if (waiter_.get() != waiter) return;
    waiter_.reset();
    check_reader();
  }
  // What next() would give now is the error.
  bool head_is_error() const noexcept { return items_.empty() && error_; }
  // A next() is pending (made, and not yet consumed or let go).
  bool has_waiter() const noexcept { return waiter_ && waiter_->caller_listens(); }

 protected:
  ~stream_source() {
    if (error_ && !error_given_) report_unobserved_error(error_, from_, "unhandled stream error");
  }

  // As a request's receiver (settling, pending_request.hpp): its call flags, and its
  // reply's value, which is the stream's end.
  using reply_type = std::monostate;
  std::uint32_t receiver_flags() const noexcept { return streams | (window_ << stream_window_shift); }
  static reply_type decode_value(std::string_view, std::size_t) noexcept { return {}; }
  void deliver_value(reply_type) noexcept { on_end(); }
  void deliver_error(std::exception_ptr failure) noexcept { on_error(std::move(failure)); }
  static constexpr bool receiver_listens() noexcept { return true; }
  const origin& receiver_origin() const noexcept { return from_; }

  void on_item(std::string_view payload, std::size_t buffer_count) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
    try {
      // (The worker keeps within the window: past it, the items are not ours to keep.)
      if (items_.size() + taken_ >= window_)
        throw wasm_mt::error(error_kind::bad_payload, "the worker sent more stream items than its window allows");
      items_.push_back(decode<T>(payload, buffer_count));
    } catch (...) {  // an item that cannot be kept ends the stream with that error
      if (!finished()) error_ = std::current_exception();
      stop(error_kind::cancelled);
    }
    wake();
  }
  // An item made here (merge, as_completed): the caller keeps within the window.
  void push(T item) {
    items_.push_back(std::move(item));
    wake();
  }
  void on_end() noexcept {
    ended_ = true;
    wake();
  }
  void on_error(std::exception_ptr failure) noexcept {
    if (!finished()) error_ = std::move(failure);
    wake();
  }
  bool finished() const noexcept { return ended_ || error_; }
  // Items here, not yet taken.
  std::size_t buffered() const noexcept { return items_.size(); }
  std::uint32_t window() const noexcept { return window_; }

  virtual void ack(std::uint32_t count) noexcept = 0;
  virtual void stop(error_kind kind) noexcept = 0;
  // The producer may now wait for a reader that is not reading (an item filled the
  // window, or the pending next() was let go): a pool's close() stops such streams.
  virtual void check_reader() noexcept {}

 private:
  bool ready() const noexcept { return !items_.empty() || finished(); }
  // A next() whose outcome nobody can see any more (its future dropped unconsumed, its
  // coroutine destroyed, abandoned) takes nothing: the item stays for the next next().
  void drop_unheard_waiter() noexcept {
    if (!waiter_ || waiter_->caller_listens()) return;
    auto waiter = std::exchange(waiter_, nullptr);
    waiter->forget_source();
    check_reader();
  }
  void wake() noexcept {
    drop_unheard_waiter();
    if (waiter_ && ready()) waiter_->mark_ready();
  }

  std::uint32_t window_;
  std::uint32_t taken_ = 0;  // items taken since the last acknowledgement
  std::deque<T> items_;
  bool ended_ = false;
  std::exception_ptr error_;
  bool error_given_ = false;
  std::shared_ptr<next_state<T>> waiter_;
  origin from_;
};

// A streaming request: its stream's source and its pending request, on a thread (Base:
// pending_request) or in a pool (Base: pool_task, pool_job.hpp), settled as any request
// is (settling): its reply ends the stream, its error fails it after the items.
template <class T, class Base>
class stream_request final : public settling<stream_source<T>, Base> {
 public:
  template <class... BaseArgs>
  stream_request(std::uint32_t window, origin from, BaseArgs&&... base)
      : settling<stream_source<T>, Base>({window, from}, std::forward<BaseArgs>(base)...) {}

  void receive_item(std::string_view payload, std::size_t buffer_count) WASM_MT_DETAIL_NOEXCEPT_JS_EH override {
    this->on_item(payload, buffer_count);
    check_reader();
  }
  bool waits_for_reader() const noexcept override { return this->blocked_on_reader(); }
  // The request's one stop path (the thread's, or the pool's books).
  void stop(error_kind kind) noexcept override { Base::stop(kind); }

 private:
  void ack(std::uint32_t count) noexcept override { acknowledge(*this, count, ack_items); }
  void check_reader() noexcept override {
    if (this->blocked_on_reader()) this->reader_waits();
  }
};

// A thread's stream request.
template <class T>
using stream_state = stream_request<T, pending_request>;

}  // namespace detail

template <class T>
class stream {
 public:
  using value_type = T;

  stream() = default;
  explicit stream(std::shared_ptr<detail::stream_source<T>> state) noexcept : state_(std::move(state)) {}
  stream(stream&&) noexcept = default;
  stream& operator=(stream&& other) noexcept {
    if (this != &other) {
      if (state_) state_->abandon();
      state_ = std::move(other.state_);
    }
    return *this;
  }
  ~stream() {
    if (state_) state_->abandon();
  }

  // The next item; std::nullopt once the closure has returned and every item was taken.
  // Throws the stream's error (after its items), and std::logic_error while another
  // next() waits.
  [[nodiscard]] future<std::optional<T>> next() {
    if (!state_) throw wasm_mt::error(error_kind::bad_payload, "use of an empty (moved-from) wasm_mt::stream");
    return state_->next(state_);
  }

  // Stops the producer (the closure is told, as by a stop token; a pool task's worker is
  // replaced if it goes on past stop_grace_ms). The items already here can still be
  // read; next() then fails with `cancelled`. Returns false when the closure had ended
  // (or the stream is empty). Dropping the stream does the same.
  bool cancel() noexcept { return state_ && state_->cancel(); }

 private:
  template <class>
  friend class detail::merge_source;

  std::shared_ptr<detail::stream_source<T>> state_;
};

}  // namespace wasm_mt
