// as_completed: futures' outcomes as a stream, in the order they settle (Python's
// asyncio.as_completed, Rust's FuturesUnordered). Each item is {the future's index,
// its value or its error}, so that one failure hides none of the others.
//
//   auto done = wasm_mt::as_completed(std::move(jobs));
//   while (auto r = co_await done.next())
//     if (r->second) show(r->first, *r->second); else log(r->second.error().what());
//
// The futures given are consumed (each may have no other consumer). The stream ends
// after the last one. Dropping or cancel()ing it abandons those still pending, as
// when_any does its losers (shared_state.hpp): a request's work goes on (cancel jobs
// yourself if it should not), and what it ends with is dropped, never logged; so are
// outcomes that arrived and were not read (failures included: reading them is how
// they are observed).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "wasm_mt/detail/call_site.hpp"
#include "wasm_mt/detail/pending_request.hpp"
#include "wasm_mt/expected.hpp"
#include "wasm_mt/future.hpp"
#include "wasm_mt/stream.hpp"
#include "wasm_mt/when_all.hpp"

namespace wasm_mt {

// An item of as_completed: {index in the futures given, outcome}.
template <class T>
using completed = std::pair<std::size_t, expected<T>>;

namespace detail {

// The stream's source: every input's outcome, pushed as it settles (all fit its window).
template <class T>
class completed_source final : public stream_source<completed<T>> {
 public:
  completed_source(std::size_t count, origin from)
      : stream_source<completed<T>>({std::uint32_t(count < 1 ? 1 : count), from}), open_(count) {}

  // Takes each input's outcome as it settles.
  template <class F>
  static void start(const std::shared_ptr<completed_source>& self, std::vector<F>& futures) {
    if (self->open_ == 0) return self->on_end();
    for (std::size_t i = 0; i < futures.size(); ++i) {
      const auto& state = future_access::state(futures[i]);
      self->inputs_.push_back(state);
      // (The callback is the state's own: it holds the state by pointer.)
      state->set_callback([state = state.get(), i, weak = std::weak_ptr(self)] {
        auto outcome = take_outcome(*state);
        if (auto self = weak.lock()) self->settled(i, std::move(outcome));
      });
    }
  }

 private:
  template <class State>
  static expected<T> take_outcome(State& state) {
    try {
      if constexpr (std::is_void_v<T>) {
        state.take();
        return expected<T>();
      } else {
        return expected<T>(state.take());
      }
    } catch (...) {
      return make_unexpected<T>(to_error(std::current_exception()));
    }
  }
  void settled(std::size_t index, expected<T> outcome) noexcept {
    if (this->finished()) return;
    try {
      this->push(completed<T>(index, std::move(outcome)));
    } catch (...) {  // no memory for it: the stream ends with that
      this->on_error(std::current_exception());
      return;
    }
    if (--open_ == 0) this->on_end();
  }

  void ack(std::uint32_t) noexcept override {}
  void stop(error_kind kind) noexcept override {
    this->on_error(stop_failure(kind, INFINITY, false));
    for (auto& input : std::exchange(inputs_, {}))
      if (auto state = input.lock()) state->abandon();
  }

  std::size_t open_;  // inputs not settled
  std::vector<std::weak_ptr<shared_state_base>> inputs_;
};

}  // namespace detail

// The outcomes of `futures` (or jobs) as they settle. Throws std::logic_error when one
// already has a consumer. No futures: a stream that ends at once.
template <class F, class T = typename detail::future_value<F>::type>
[[nodiscard]] stream<completed<T>> as_completed(std::vector<F> futures,
                                                detail::call_site site = detail::call_site::here()) {
  for (const auto& f : futures) detail::check_input(f);
  auto source =
      std::make_shared<detail::completed_source<T>>(futures.size(), detail::origin{"as_completed", {}, site});
  detail::completed_source<T>::start(source, futures);
  return stream<completed<T>>(std::move(source));
}

}  // namespace wasm_mt
