// wasm_mt::future<T>: the eventual result of a request (like a JS Promise).
//  - Eager: the work has started when you hold one.
//  - Move-only, with one consumer: `T v = co_await f;` (throws wasm_mt::error on
//    failure), or a callback, f.then(on_value, on_error). A second consumer (another
//    co_await, a then() after a co_await) is a std::logic_error, never a silent hang.
//  - Continuations run once the code that settled the future is done: a coroutine
//    awaiting a future, or a then() callback, never runs inside it (a reply, terminate(),
//    a pool's bookkeeping), and then() never calls back at once (continuations.hpp). (co_await of a future
//    that has settled already does not suspend: it goes on at once.)
//  - Also a coroutine return type: a function returning future<T> may co_await and
//    co_return; it runs at once, up to its first suspension.
// Dropping a future is fire-and-forget: an error that nobody awaits or handles is
// logged to the console, never lost silently.
#pragma once

#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "wasm_mt/detail/coroutine.hpp"
#include "wasm_mt/detail/shared_state.hpp"
#include "wasm_mt/error.hpp"
#include "wasm_mt/expected.hpp"

namespace wasm_mt {

template <class T>
class future;

namespace detail {

template <class T>
struct future_promise_base {
  std::shared_ptr<shared_state<T>> state = std::make_shared<shared_state<T>>();
  void return_value(T value) { state->set_value(std::move(value)); }
};

template <>
struct future_promise_base<void> {
  std::shared_ptr<shared_state<void>> state = std::make_shared<shared_state<void>>();
  void return_void() { state->set_value({}); }
};

// Converts whatever a future failed with into the wasm_mt::error handed to callbacks.
wasm_mt::error to_error(const std::exception_ptr& failure);

// Throws that an empty (default-constructed or moved-from) future was used.
[[noreturn]] void throw_empty_future();

// What then()'s on_value returns for a future<T>: it takes T&&, or nothing for void.
template <class F, class T>
struct value_callback {
  using type = std::invoke_result_t<F&, T&&>;
};
template <class F>
struct value_callback<F, void> {
  using type = std::invoke_result_t<F&>;
};

// future<V> and what derives from it (a pool's job<V>).
template <class R>
struct future_value {};
template <class R>
  requires requires { typename R::value_type; } && std::is_base_of_v<future<typename R::value_type>, R>
struct future_value<R> {
  using type = typename R::value_type;
};
template <class R>
constexpr bool is_future = requires { typename future_value<R>::type; };

// wasm_mt's own access to a future's state (when_all, when_any, set_origin).
struct future_access {
  // Throws (throw_empty_future) for an empty future.
  template <class T>
  static const std::shared_ptr<shared_state<T>>& state(const future<T>& f) {
    return f.checked_state();
  }
};

// The future then() gives for a callback returning R: future<R>, or R's own future type
// when R is a future (flattened).
template <class R>
struct chained_future {
  using type = future<R>;
};
template <class R>
  requires is_future<R>
struct chained_future<R> {
  using type = future<typename future_value<R>::type>;
};

// Names the request behind `f` in the log lines about it (call_site.hpp).
template <class T>
void set_origin(future<T>& f, origin from) noexcept;

}  // namespace detail

template <class T>
class future {
 public:
  using value_type = T;
  using state_type = detail::shared_state<T>;

  struct promise_type : detail::future_promise_base<T> {
    future get_return_object() { return future(this->state); }
    detail::coro::suspend_never initial_suspend() noexcept { return {}; }
    detail::coro::suspend_never final_suspend() noexcept { return {}; }
    void unhandled_exception() { this->state->set_error(std::current_exception()); }
  };

  future() = default;
  explicit future(std::shared_ptr<state_type> state) : state_(std::move(state)) {}
  future(future&&) noexcept = default;
  future& operator=(future&& other) noexcept {
    if (this != &other) {
      release();
      state_ = std::move(other.state_);
    }
    return *this;
  }
  // Dropped without a consumer: its request's work goes on, but nothing more runs for
  // its caller (no on_event handler: shared_state.hpp caller_listens).
  ~future() { release(); }
  future(const future&) = delete;
  future& operator=(const future&) = delete;

  // A future already settled with `error` (JS's Promise.reject).
  static future ready_error(std::exception_ptr error) {
    auto state = std::make_shared<state_type>();
    state->set_error(std::move(error));
    return future(std::move(state));
  }

  // False for a default-constructed or moved-from future, and after get() or detach()
  // (std::future's meaning).
  bool valid() const noexcept { return state_ != nullptr; }
  // True once settled (value or error): get() then does not throw logic_error. (std::future
  // has no ready(): it is wait_for(0s) == future_status::ready.)
  bool ready() const noexcept { return state_ && state_->ready(); }

  class awaiter {
   public:
    explicit awaiter(std::shared_ptr<state_type> state) : state_(std::move(state)) {}
    awaiter(const awaiter&) = delete;
    awaiter& operator=(const awaiter&) = delete;
    ~awaiter() {
      if (waiting_) state_->clear_waiter(waiting_);
    }
    bool await_ready() const noexcept { return state_->ready() && !state_->has_consumer(); }
    // Does not suspend when the future already has a consumer: await_resume then throws.
    bool await_suspend(detail::coro::coroutine_handle<> waiter) noexcept {
      if (!state_->set_waiter(waiter)) return false;
      waiting_ = waiter;
      return true;
    }
    T await_resume() {
      claim();
      if constexpr (std::is_void_v<T>)
        state_->take();
      else
        return state_->take();
    }

   protected:
    // Throws std::logic_error when another consumer took the future first.
    void claim() {
      if (!waiting_ && !state_->claim()) detail::throw_second_consumer();
      waiting_ = nullptr;
    }
    std::shared_ptr<state_type> state_;

   private:
    detail::coro::coroutine_handle<> waiting_;
  };

  // co_await f.result(): as awaiter, giving expected<T> instead of throwing.
  class result_awaiter : public awaiter {
   public:
    using awaiter::awaiter;
    expected<T> await_resume() {
      this->claim();
      try {
        if constexpr (std::is_void_v<T>) {
          this->state_->take();
          return expected<T>();
        } else {
          return expected<T>(this->state_->take());
        }
      } catch (...) {
        return detail::make_unexpected<T>(detail::to_error(std::current_exception()));
      }
    }
  };

  // The result of a settled future; throws its error. As std::future::get(), it leaves
  // the future empty (valid() false). Unlike it, it never blocks (a wasm program cannot
  // wait on its own event loop): on a future that has not settled it throws
  // std::logic_error and the future stays valid; so does a future that has a consumer.
  // Any use of an empty future (after get(), detach() or a move) throws wasm_mt::error
  // saying so (where std::future throws future_error(no_state)).
  T get() {
    if (!state_) detail::throw_empty_future();
    if (!ready()) throw std::logic_error("wasm_mt::future::get() on a future that has not settled");
    if (!state_->claim()) detail::throw_second_consumer();
    auto state = std::move(state_);
    if constexpr (std::is_void_v<T>)
      state->take();
    else
      return state->take();
  }

  awaiter operator co_await() const& { return awaiter(checked_state()); }
  awaiter operator co_await() && { return awaiter(checked_state()); }

  // Chains a callback: on_value(T) (on_value() for void) or on_error(const
  // wasm_mt::error&) runs once this future settles, after the code that settled it (also
  // when it has settled already: never at once), and the future returned settles with what it returns or
  // throws; a callback returning a future<V> (or job<V>) gives future<V>, settled as that
  // one settles (as JS promises flatten). Both callbacks must return the same type.
  // Callbacks may be move-only. Errors that are not wasm_mt::error reach on_error
  // converted (kind remote_exception, their what() as message). Throws std::logic_error
  // when this future already has a consumer. Dropping the returned future is
  // fire-and-forget (detach()): what it ends with, if an error, is logged.
  template <class OnValue, class OnError>
  [[nodiscard]] auto then(OnValue on_value, OnError on_error) {
    using R = value_callback_result<OnValue>;
    static_assert(std::is_same_v<R, std::invoke_result_t<OnError&, const wasm_mt::error&>>,
                  "then(on_value, on_error): on_error must return the type on_value returns (or throw)");
    return chain<R>(std::move(on_value), std::move(on_error));
  }
  // As above, without on_error: an error goes on to the future returned.
  template <class OnValue>
  [[nodiscard]] auto then(OnValue on_value) {
    return chain<value_callback_result<OnValue>>(std::move(on_value), propagate_error{});
  }

  // Awaits without throwing: `co_await f.result()` gives expected<T>, the value or the
  // wasm_mt::error (converted as for then()). The future's one consumer, like co_await.
  [[nodiscard]] result_awaiter result() const { return result_awaiter(checked_state()); }

  // Fire and forget, said explicitly: drops the future (the work goes on); an error it
  // ends with is logged, naming the call that made it. valid() is false after.
  void detach() noexcept { release(); }

 private:
  template <class>
  friend class future;
  friend struct detail::future_access;

  void release() noexcept {
    if (auto state = std::move(state_)) state->future_dropped();
  }

  struct propagate_error {};
  template <class OnValue>
  using value_callback_result = typename detail::value_callback<OnValue, T>::type;

  // The future then() gives for a callback returning R.
  template <class R>
  using chained_future = typename detail::chained_future<R>::type;

  template <class R, class OnValue, class OnError>
  chained_future<R> chain(OnValue on_value, OnError on_error) {
    using next_future = chained_future<R>;
    // On the heap, at one address until the chain settles: a callback that is a coroutine
    // refers to its own lambda object, and one taking T by reference to the value.
    struct link {
      OnValue on_value;
      OnError on_error;
      std::optional<detail::stored_t<T>> value;
      std::optional<wasm_mt::error> failure;
    };
    auto held = std::make_unique<link>(link{std::move(on_value), std::move(on_error), {}, {}});
    auto next = std::make_shared<typename next_future::state_type>();
    auto* raw = checked_state().get();
    next->set_origin(raw->from());
    // Abandoning what then() gave (a when_any it lost) abandons this future too: a
    // stream's next() then leaves its item in the stream.
    next->on_abandon(abandon_later(checked_state()));
    raw->set_callback([raw, next, held = std::move(held)]() mutable {
      link& l = *held;
      try {
        l.value.emplace(raw->take());
      } catch (...) {
        if constexpr (std::is_same_v<OnError, propagate_error>) {
          next->set_error(std::current_exception());
        } else {
          try {
            l.failure.emplace(detail::to_error(std::current_exception()));
          } catch (...) {  // no memory to describe it: the failure as it is
            next->set_error(std::current_exception());
            return;
          }
          settle_with(next, [&l] { return l.on_error(*l.failure); }, held);
        }
        return;
      }
      if constexpr (std::is_void_v<T>)
        settle_with(next, [&l] { return l.on_value(); }, held);
      else
        settle_with(next, [&l] { return l.on_value(std::move(*l.value)); }, held);
    });
    return next_future(std::move(next));
  }

  // Settles `next` with what `callback()` returns or throws; a returned future settles
  // it when that one settles, and `held` (the callbacks, what they own and the value
  // they were given) lives until then.
  template <class V, class Callback, class Held>
  static void settle_with(const std::shared_ptr<detail::shared_state<V>>& next, Callback&& callback, Held& held) {
    using R = std::invoke_result_t<Callback&>;
    try {
      if constexpr (detail::is_future<R>) {
        future<V> inner = callback();
        auto* inner_raw = inner.checked_state().get();
        next->on_abandon(abandon_later(inner.checked_state()));
        // (The callback is the state's own: it holds the state by pointer. Until it
        // settles, the state is kept by its request or coroutine; then by the queue.)
        inner_raw->set_callback([inner_raw, next, kept = std::move(held)] {
          try {
            next->set_value(inner_raw->take());
          } catch (...) {
            next->set_error(std::current_exception());
          }
        });
      } else if constexpr (std::is_void_v<R>) {
        callback();
        next->set_value({});
      } else {
        next->set_value(callback());
      }
    } catch (...) {
      next->set_error(std::current_exception());
    }
  }

  // A hook that abandons `state` if it is still there.
  static auto abandon_later(const std::shared_ptr<detail::shared_state_base>& state) noexcept {
    return [input = std::weak_ptr<detail::shared_state_base>(state)] {
      if (auto alive = input.lock()) alive->abandon();
    };
  }

  const std::shared_ptr<state_type>& checked_state() const {
    if (!state_) detail::throw_empty_future();
    return state_;
  }

  std::shared_ptr<state_type> state_;
};

namespace detail {
template <class T>
void set_origin(future<T>& f, origin from) noexcept {
  if (f.valid()) future_access::state(f)->set_origin(from);
}
}  // namespace detail

}  // namespace wasm_mt
