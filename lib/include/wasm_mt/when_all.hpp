// when_all: one future for several, settled when all have their values, or with the
// first error (in time).
//
//   auto [sum, text] = co_await wasm_mt::when_all(th.exec(Add{1, 2}), pool.exec_js("return 'x';"));
//   std::vector<int> all = co_await wasm_mt::when_all(std::move(futures));
//
// The futures given are consumed (they become its inputs: each may have no other
// consumer). On the first error the result fails with it at once and the others are
// abandoned (shared_state.hpp: their consumers freed, a sleep's timer cancelled); a
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

// Gathers the inputs' values in `slots`; settles `result` once all are in, or with the
// first error.
template <class Result, class Slots>
struct gathering {
  std::shared_ptr<shared_state<Result>> result = std::make_shared<shared_state<Result>>();
  Slots slots;
  std::size_t remaining = 0;
  std::vector<std::weak_ptr<shared_state_base>> inputs;

  // Once the result settled, the inputs still pending are abandoned (shared_state.hpp):
  // their consumers (which hold this) go now, and so do their timers.
  void abandon_inputs() noexcept {
    for (auto& input : std::exchange(inputs, {}))
      if (auto state = input.lock()) state->abandon();
  }

  // Runs `on_value(value)` with input `state`'s value once it settles, or fails the
  // result with its error (the first one only).
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
  using gathering = detail::gathering<result_type, std::tuple<std::optional<detail::stored_t<T>>...>>;
  (detail::check_input(futures), ...);
  auto self = std::make_shared<gathering>();
  self->remaining = sizeof...(T);
  future<result_type> result(self->result);
  detail::set_origin(result, {"when_all", {}, detail::call_site()});
  if constexpr (sizeof...(T) == 0) {
    self->result->set_value({});
  } else {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (gathering::watch(self, detail::future_access::state(futures),
                        [self_ptr = self.get()](auto&& value) {
                          std::get<I>(self_ptr->slots).emplace(std::move(value));
                          if (--self_ptr->remaining == 0)
                            self_ptr->result->set_value(std::apply(
                                [](auto&... slot) { return result_type(std::move(*slot)...); }, self_ptr->slots));
                        }),
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
  using gathering = detail::gathering<result_type, std::vector<std::optional<detail::stored_t<T>>>>;
  for (const auto& f : futures) detail::check_input(f);
  auto self = std::make_shared<gathering>();
  self->slots.resize(futures.size());
  self->remaining = futures.size();
  future<result_type> result(self->result);
  detail::set_origin(result, {"when_all", {}, site});
  auto finish = [](gathering& g) {
    if constexpr (std::is_void_v<T>) {
      g.result->set_value({});
    } else {
      std::vector<T> values;
      values.reserve(g.slots.size());
      for (auto& slot : g.slots) values.push_back(std::move(*slot));
      g.result->set_value(std::move(values));
    }
  };
  if (futures.empty()) finish(*self);
  for (std::size_t i = 0; i < futures.size(); ++i) {
    gathering::watch(self, detail::future_access::state(futures[i]), [self_ptr = self.get(), i, finish](auto&& value) {
      self_ptr->slots[i].emplace(std::move(value));
      if (--self_ptr->remaining == 0) finish(*self_ptr);
    });
  }
  return result;
}

}  // namespace wasm_mt
