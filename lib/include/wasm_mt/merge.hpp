// merge: one stream of the items of several streams, each item as it comes (the items
// of one input keep their order; which input's item comes next is whichever arrived
// first).
//
//   auto tiles = wasm_mt::merge(pool.stream(Render{0, 2}), pool.stream(Render{1, 2}));
//   while (auto tile = co_await tiles.next()) draw(*tile);
//
// It ends once every input has ended. An input's error ends it (after the items that
// came before) and stops the other inputs. Dropping or cancel()ing the merged stream
// stops every input (stream::cancel). Back-pressure holds: it takes one item at a time
// from each input, as the merged stream's reader takes them (at most one waiting per
// input); behind that, each input's own window applies. (RxJS's merge and Rust's
// futures::stream::select_all behave the same way on errors and ends.)
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <optional>
#include <utility>
#include <vector>

#include "wasm_mt/detail/call_site.hpp"
#include "wasm_mt/detail/pending_request.hpp"
#include "wasm_mt/future.hpp"
#include "wasm_mt/stream.hpp"

namespace wasm_mt {

namespace detail {

// The merged stream's source: reads each input with one next() at a time.
template <class T>
class merge_source final : public stream_source<T> {
 public:
  merge_source(std::vector<stream<T>> inputs, origin from)
      : stream_source<T>({std::uint32_t(inputs.size() < 1 ? 1 : inputs.size()), from}), inputs_(std::move(inputs)) {}

  // Starts reading every input. Throws, having taken nothing, std::logic_error when an
  // input has a next() pending, and wasm_mt::error for an empty (moved-from) one.
  static void start(const std::shared_ptr<merge_source>& self) {
    for (auto& input : self->inputs_) {
      if (!input.state_) throw wasm_mt::error(error_kind::bad_payload, "merge of an empty (moved-from) wasm_mt::stream");
      if (input.state_->has_waiter())
        throw std::logic_error("wasm_mt::merge: an input stream has a next() pending");
    }
    self->self_ = self;
    self->open_ = self->inputs_.size();
    if (self->open_ == 0) return self->on_end();
    for (std::size_t i = 0; i < self->inputs_.size(); ++i) self->pull(i);
  }

 private:
  // One next() on input `i`, unless the merged stream has no room: then it waits for ack.
  void pull(std::size_t i) {
    if (this->finished()) return;
    if (this->buffered() >= this->window()) {
      paused_.push_back(i);
      return;
    }
    auto next = inputs_[i].next();
    auto* state = future_access::state(next).get();
    // (The callback is the state's own: it holds the state by pointer; the input's
    // stream holds the state until it is taken.)
    state->set_callback([state, i, weak = self_] {
      std::optional<T> item;
      std::exception_ptr failure;
      try {
        item = state->take();  // (taken even when the merge is gone: nothing stays held)
      } catch (...) {
        failure = std::current_exception();
      }
      auto self = weak.lock();
      if (!self) return;
      if (failure) return self->input_failed(std::move(failure));
      if (!item) return self->input_ended();
      if (self->finished()) return;  // (stopped: as a stopped request's, later items are dropped)
      self->push(std::move(*item));
      self->pull(i);
    });
  }
  void input_ended() noexcept {
    if (--open_ == 0) this->on_end();
  }
  void input_failed(std::exception_ptr failure) noexcept {
    this->on_error(std::move(failure));
    cancel_inputs();
  }
  void cancel_inputs() noexcept {
    for (auto& input : inputs_) input.cancel();
  }

  void ack(std::uint32_t) noexcept override {
    for (std::size_t i : std::exchange(paused_, {})) pull(i);
  }
  void stop(error_kind kind) noexcept override {
    this->on_error(stop_failure(kind, INFINITY, false));
    cancel_inputs();
  }

  std::vector<stream<T>> inputs_;
  std::size_t open_ = 0;            // inputs not ended
  std::vector<std::size_t> paused_;  // inputs waiting for room
  std::weak_ptr<merge_source> self_;
};

}  // namespace detail

// The items of `inputs` as one stream. Throws std::logic_error when an input has a
// next() pending (nothing is taken from any input then). No inputs: a stream that ends
// at once.
template <class T>
[[nodiscard]] stream<T> merge(std::vector<stream<T>> inputs, detail::call_site site = detail::call_site::here()) {
  auto source = std::make_shared<detail::merge_source<T>>(std::move(inputs), detail::origin{"merge", {}, site});
  detail::merge_source<T>::start(source);
  return stream<T>(std::move(source));
}

// As above, for streams given one by one.
template <class T, class... More>
  requires(std::is_same_v<stream<T>, More> && ...)
[[nodiscard]] stream<T> merge(stream<T> first, More... more) {
  std::vector<stream<T>> inputs;
  inputs.reserve(1 + sizeof...(More));
  inputs.push_back(std::move(first));
  (inputs.push_back(std::move(more)), ...);
  return merge(std::move(inputs), detail::call_site());  // (a variadic function cannot take the caller's line)
}

}  // namespace wasm_mt
