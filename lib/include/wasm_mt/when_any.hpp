// when_any: one future for several, settled as the first of them settles (JS's
// Promise.race): with its value, or with its error.
//
//   auto first = co_await wasm_mt::when_any(std::move(jobs));   // std::pair{index, value}
//   auto either = co_await wasm_mt::when_any(th.exec(A{}), th.exec_js("return 1;"));
//   if (either.index() == 0) use(std::get<0>(either));
//
// The futures given are consumed. Once it settles, the others are abandoned
// (shared_state.hpp: their consumers freed, a sleep's timer cancelled, a stopped()
// dropped, a stream's next() leaving its item in the stream), and so are all of them
// if the when_any itself is abandoned first; a request's work goes on (cancel jobs
// yourself if it should not), and what it ends with is dropped, never logged as
// unhandled.
#pragma once

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <utility>
#include <variant>
#include <vector>

#include "wasm_mt/detail/call_site.hpp"
#include "wasm_mt/future.hpp"
#include "wasm_mt/when_all.hpp"

namespace wasm_mt {

// The first to settle, as a variant whose index() is that future's position (void
// results are std::monostate).
template <class... T>
  requires(sizeof...(T) > 0)
[[nodiscard]] future<std::variant<detail::stored_t<T>...>> when_any(future<T>... futures) {
  using result_type = std::variant<detail::stored_t<T>...>;
  using gathering = detail::gathering<result_type, std::monostate>;
  (detail::check_input(futures), ...);
  auto self = std::make_shared<gathering>();
  gathering::link(self);
  future<result_type> result(self->result);
  detail::set_origin(result, {"when_any", {}, detail::call_site()});
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (gathering::watch(self, detail::future_access::state(futures),
                      [self_ptr = self.get()](auto&& value) {
                        self_ptr->result->set_value(result_type(std::in_place_index<I>, std::move(value)));
                      }),
     ...);
  }(std::index_sequence_for<T...>{});
  return result;
}

// The first of the futures (or jobs) to settle: {its index in `futures`, its value}.
// Throws std::invalid_argument for an empty vector (nothing could ever settle it).
template <class F, class T = typename detail::future_value<F>::type>
[[nodiscard]] future<std::pair<std::size_t, detail::stored_t<T>>> when_any(
    std::vector<F> futures, detail::call_site site = detail::call_site::here()) {
  using result_type = std::pair<std::size_t, detail::stored_t<T>>;
  using gathering = detail::gathering<result_type, std::monostate>;
  if (futures.empty()) throw std::invalid_argument("wasm_mt::when_any of no futures");
  for (const auto& f : futures) detail::check_input(f);
  auto self = std::make_shared<gathering>();
  gathering::link(self);
  future<result_type> result(self->result);
  detail::set_origin(result, {"when_any", {}, site});
  for (std::size_t i = 0; i < futures.size(); ++i) {
    gathering::watch(self, detail::future_access::state(futures[i]), [self_ptr = self.get(), i](auto&& value) {
      self_ptr->result->set_value(result_type(i, std::move(value)));
    });
  }
  return result;
}

}  // namespace wasm_mt
