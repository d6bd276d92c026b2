// A task of a wasm_mt::pool, type-erased: the pool queues, starts, retries and fails
// jobs without knowing their result type.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

#include "wasm_mt/detail/shared_state.hpp"
#include "wasm_mt/error.hpp"
#include "wasm_mt/future.hpp"

namespace wasm_mt {
class thread;
}

namespace wasm_mt::detail {

class pool_job {
 public:
  // Called once the task's request settles, before its caller hears of it; given the
  // error (or nullptr). Returning true means the pool took the job back (to retry it):
  // the caller hears nothing yet.
  using on_settled = std::function<bool(const wasm_mt::error*)>;

  virtual ~pool_job() = default;
  // Sends the task to `th`.
  virtual void start(wasm_mt::thread& th, on_settled settled) = 0;
  // Settles the caller's future with `failure` without running the task.
  virtual void fail(const wasm_mt::error& failure) = 0;

  std::uint64_t id = 0;
  // What the task runs (its closure's function ID, or a hash of its JS code): the pool
  // learns each kind's typical duration to decide what it may pipeline.
  std::uint32_t kind = 0;
};

// Send: wasm_mt::thread& -> future<R>.
template <class R, class Send>
class typed_pool_job final : public pool_job {
 public:
  typed_pool_job(std::shared_ptr<shared_state<R>> state, Send send)
      : state_(std::move(state)), send_(std::move(send)) {}

  void start(wasm_mt::thread& th, on_settled settled) override {
    auto state = state_;
    auto failed = [state, settled](const wasm_mt::error& e) {
      if (!settled(&e)) state->set_error(std::make_exception_ptr(e));
    };
    if constexpr (std::is_void_v<R>)
      send_(th).then([state, settled] { settled(nullptr), state->set_value({}); }, failed);
    else
      send_(th).then([state, settled](R value) { settled(nullptr), state->set_value(std::move(value)); }, failed);
  }

  void fail(const wasm_mt::error& failure) override { state_->set_error(std::make_exception_ptr(failure)); }

 private:
  std::shared_ptr<shared_state<R>> state_;
  Send send_;
};

}  // namespace wasm_mt::detail
