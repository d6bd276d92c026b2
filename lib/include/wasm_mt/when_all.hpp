// when_all: one future for several, settled when all have their values, or with the
// first error (in time).
//
//   auto [sum, text] = co_await wasm_mt::when_all(th.exec(Add{1, 2}), pool.exec_js("return 'x';"));
//   std::vector<int> all = co_await wasm_mt::when_all(std::move(futures));
//
// The futures given are consumed (they become its inputs: each may have no other
// consumer). No value is taken from an input until all have theirs (a stream's next()
// keeps its item in the stream until then). On the first error the result fails with
// it at once and the others are abandoned (shared_state.hpp: their consumers freed, a
// sleep's timer cancelled, a stream's item left in the stream); abandoning the result
// (a when_any it lost) abandons them too; a
// request's work goes on (cancel jobs yourself if it should not), and what it ends with
// is dropped, never logged as unhandled. Like std::execution::when_all, without
// requesting a stop of the others. void results are std::monostate in the tuple.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "wasm_mt/detail/call_site.hpp"
#include "wasm_mt/future.hpp"

namespace wasm_mt {

namespace detail {

// What when_all and when_any share: the result, and their inputs (weakly: they are held
// by their producers, and by `slots` where the values are taken later).
template <class Result, class Slots>
struct gathering {
  std::shared_ptr<shared_state<Result>> result = std::make_shared<shared_state<Result>>();
  Slots slots;
  std::size_t remaining = 0;
  std::vector<std::weak_ptr<shared_state_base>> inputs;

  // The inputs still pending are abandoned (shared_state.hpp): their consumers (which
  // hold this) go now, their timers too, and a stream's next() leaves its item.
  void abandon_inputs() noexcept {
    for (auto& input : std::exchange(inputs, {}))
      if (auto state = input.lock()) state->abandon();
  }
  // Abandoning the result (a when_any it lost, a coroutine awaiting it destroyed)
  // abandons the inputs.
  static void link(const std::shared_ptr<gathering>& self) {
    self->result->on_abandon([weak = std::weak_ptr<gathering>(self)] {
      if (auto g = weak.lock()) g->abandon_inputs();
    });
  }

  // when_any's: runs `on_value(value)` with input `state`'s value once it settles (its
  // consumer runs), or fails the result with its error (the first one only).
  template <class T, class OnValue>
  static void watch(const std::shared_ptr<gathering>& self, const std::shared_ptr<shared_state<T>>& state,
                    OnValue on_value) {
    // (The callback is the state's own: it holds the state by pointer.)
    self->inputs.push_back(state);
    state->set_callback([self, state = state.get(), on_value = std::move(on_value)]() mutable {
      try {
        std::optional<stored_t<T>> value;
        value.emplace(state->take());
        on_value(std::move(*value));  // (moving, gathering may throw too: no memory)
      } catch (...) {
        self->result->set_error(std::current_exception());  // no effect after the first
      }
      if (self->result->ready()) self->abandon_inputs();
    });
  }

  // when_all's: counts input `state` in once it settles with a value, taking nothing
  // (so that no value leaves its producer, a stream's item its stream, unless all are
  // there) but keeping the state (`keep(*self, state)`: the slots hold only inputs that
  // settled, so nothing pending is kept from going); runs `on_all(*self)` once all are
  // in. One settling with an error fails the result at once, and the others are
  // abandoned.
  template <class T, class Keep, class OnAll>
  static void count_in(const std::shared_ptr<gathering>& self, const std::shared_ptr<shared_state<T>>& state,
                       Keep keep, OnAll on_all) {
    self->inputs.push_back(state);
    state->set_callback([self, state = state.get(), keep, on_all]() mutable {
      if (state->settled_with_error()) {
        try {
          state->take();
        } catch (...) {
          self->result->set_error(std::current_exception());
        }
        self->abandon_inputs();
        return;
      }
      keep(*self, std::static_pointer_cast<shared_state<T>>(state->shared_from_this()));
      if (--self->remaining == 0) {
        try {
          on_all(*self);  // takes every value
        } catch (...) {  // (no memory to gather them)
          self->result->set_error(std::current_exception());
          self->abandon_inputs();
        }
      }
    });
  }
};

// Throws unless every future can be an input: not empty, no consumer yet.
template <class T>
void check_input(const future<T>& f) {
  if (future_access::state(f)->has_consumer()) throw_second_consumer();
}

}  // namespace detail

// The futures' values as a tuple (heterogeneous), once all have settled.
template <class... T>
[[nodiscard]] future<std::tuple<detail::stored_t<T>...>> when_all(future<T>... futures) {
  using result_type = std::tuple<detail::stored_t<T>...>;
  using gathering = detail::gathering<result_type, std::tuple<std::shared_ptr<detail::shared_state<T>>...>>;
  (detail::check_input(futures), ...);
  auto self = std::make_shared<gathering>();
  self->remaining = sizeof...(T);
  future<result_type> result(self->result);
  detail::set_origin(result, {"when_all", {}, detail::call_site()});
  if constexpr (sizeof...(T) == 0) {
    self->result->set_value({});
  } else {
    gathering::link(self);
    auto take_all = [](gathering& g) {
      auto states = std::exchange(g.slots, {});
      // (Braced: the values are taken in order.)
      g.result->set_value(std::apply([](auto&... state) { return result_type{state->take()...}; }, states));
    };
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (gathering::count_in(
           self, detail::future_access::state(futures),
           [](gathering& g, auto state) { std::get<I>(g.slots) = std::move(state); }, take_all),
       ...);
    }(std::index_sequence_for<T...>{});
  }
  return result;
}

// The futures' (or jobs') values in their order (void futures: a future<void>), once
// all have settled. An empty vector settles at once.
template <class F>
  requires detail::is_future<F>
[[nodiscard]] auto when_all(std::vector<F> futures, detail::call_site site = detail::call_site::here()) {
  using T = typename detail::future_value<F>::type;
  using result_type = std::conditional_t<std::is_void_v<T>, void, std::vector<T>>;
  using gathering = detail::gathering<result_type, std::vector<std::shared_ptr<detail::shared_state<T>>>>;
  for (const auto& f : futures) detail::check_input(f);
  auto self = std::make_shared<gathering>();
  self->remaining = futures.size();
  future<result_type> result(self->result);
  detail::set_origin(result, {"when_all", {}, site});
  auto take_all = [](gathering& g) {
    auto states = std::exchange(g.slots, {});
    if constexpr (std::is_void_v<T>) {
      for (auto& state : states) state->take();
      g.result->set_value({});
    } else {
      std::vector<T> values;
      values.reserve(states.size());
      for (auto& state : states) values.push_back(state->take());
      g.result->set_value(std::move(values));
    }
  };
  if (futures.empty()) take_all(*self);
  gathering::link(self);
  self->slots.resize(futures.size());
  for (std::size_t i = 0; i < futures.size(); ++i)
    gathering::count_in(
        self, detail::future_access::state(futures[i]),
        [i](gathering& g, auto state) { g.slots[i] = std::move(state); }, take_all);
  return result;
}

}  // namespace wasm_mt
