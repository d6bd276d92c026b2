// A task of a wasm_mt::pool, type-erased: the pool queues, starts, retries and fails
// jobs without knowing their result type. A job is, in one allocation, the state its
// caller's future reads and the pending request the thread it runs on settles: its
// reply goes through the pool's books and then straight to the caller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <string_view>
#include <utility>

#include "wasm_mt/detail/pending_request.hpp"
#include "wasm_mt/detail/shared_state.hpp"
#include "wasm_mt/error.hpp"

namespace wasm_mt {
class thread;
}

namespace wasm_mt::detail {

class pool_state;
class pool_job;

// Tells the pool that job `id` settled (failure: its error, or nullptr). True means the
// pool took the job back to retry it (it never ran: its worker died first); its caller
// hears nothing yet. Never throws.
bool pool_job_settled(const std::weak_ptr<pool_state>& pool, std::uint64_t id,
                      const std::exception_ptr* failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
// Pool stream `id` filled its window with no next() pending: a closing pool stops it.
void pool_stream_waits_for_reader(const std::weak_ptr<pool_state>& pool, std::uint64_t id) noexcept;
// A stopped job's worker answered (`completed`: with a value), died, or never got it.
void pool_job_stopped_settled(const std::weak_ptr<pool_state>& pool, std::uint64_t id, bool completed) noexcept;
// Stops job `id` (pool_state::stop_job); false when it had settled.
bool stop_pool_job(const std::weak_ptr<pool_state>& pool, std::uint64_t id, error_kind kind,
                   double timeout_ms, std::string_view reason = {}) noexcept;

class pool_job : public pending_request {
 public:
  pool_job(function_id called, std::uint32_t kind) : pending_request(called), kind(kind) {}

  // Sends the task to `th`, with `self` (this job) as its pending request.
  virtual void start(wasm_mt::thread& th, const std::shared_ptr<pending_request>& self) = 0;
  // Through its pool's books, queued or running.
  void stop(error_kind kind) noexcept override {
    stop_pool_job(pool, id, kind, controls ? controls->timeout_ms : 0, stop_reason(kind));
  }
  void settle_stopped(bool completed) noexcept override { pool_job_stopped_settled(pool, id, completed); }

  // What the task runs (its closure's function ID, or a hash of its JS code): the pool
  // learns each kind's typical duration to decide what it may pipeline.
  const std::uint32_t kind;
  // Set when queued.
  std::uint64_t id = 0;
  std::weak_ptr<pool_state> pool;
  // Times it was sent to a thread (a worker that dies before running it sends it again).
  unsigned attempts = 0;
  // False when it cannot be sent again after its worker died (it transferred JS values).
  bool retriable = true;
  // When it was queued (ms, wasm_mt_js_now_ms): its wait time ends when it is sent.
  double queued_ms = 0;
  // call_options::priority: its place in the queue.
  int priority = 0;
  // It awaits (an async closure, exec_js_async): it may share a worker with others like
  // it (pool_options::concurrent_tasks_per_worker).
  bool awaits = false;

 protected:
  ~pool_job() = default;  // destroyed as the request it is part of

  // The pool's books see each outcome first (settling, pending_request.hpp).
  bool books_settled(const std::exception_ptr* failure) noexcept { return pool_job_settled(pool, id, failure); }
  void reader_waits() noexcept { pool_stream_waits_for_reader(pool, id); }
};

// A pool job that sends itself with `Send`: (wasm_mt::thread&, const
// std::shared_ptr<pending_request>&) -> void.
template <class Send>
class pool_task : public pool_job {
 public:
  pool_task(function_id called, std::uint32_t kind, Send send) : pool_job(called, kind), send_(std::move(send)) {}
  void start(wasm_mt::thread& th, const std::shared_ptr<pending_request>& self) override { send_(th, self); }

 protected:
  ~pool_task() = default;

 private:
  Send send_;
};

// A pool's plain task: its future's state and its job, in one allocation.
template <class R, class Send>
using typed_pool_job = value_request<R, pool_task<Send>>;

}  // namespace wasm_mt::detail
