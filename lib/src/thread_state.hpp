// Internal: the state of one worker as its parent sees it. Owned by the wasm_mt::thread
// (or, while thread::spawn starts it, by the thread table); found by glue handle
// through the thread table (thread.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <memory>
#include <string>
#include <unordered_map>

#include "id_table.hpp"
#include "wasm_mt/detail/pending_request.hpp"
#include "wasm_mt/detail/shared_state.hpp"
#include "wasm_mt/error.hpp"

namespace wasm_mt {
class thread;
}

namespace wasm_mt::detail {

class thread_state {
 public:
  enum class status { starting, running, terminated, crashed, failed_to_start };

  thread_state(int handle, std::string label);
  ~thread_state();  // terminates a live worker
  thread_state(const thread_state&) = delete;
  thread_state& operator=(const thread_state&) = delete;

  int handle() const noexcept { return handle_; }
  // Starting threads take requests too: the worker runs them once it is ready.
  bool alive() const noexcept { return status_ == status::starting || status_ == status::running; }
  status current_status() const noexcept { return status_; }
  const std::string& label() const noexcept { return label_; }
  void set_label(std::string label) { label_ = std::move(label); }
  // The worker is ready: tells the watcher.
  void mark_running() WASM_MT_DETAIL_NOEXCEPT_JS_EH;

  // Told when the worker becomes ready (true) or dies (false: it crashed or failed to
  // start; not terminate()). Library code only (a pool's books): it runs inside the
  // report, as the last thing done with this thread, and may destroy it. Never throws.
  void set_watcher(std::function<void(bool ready)> watcher) noexcept { watcher_ = std::move(watcher); }

  // Records `request` as pending here under a new request ID (it then knows its thread
  // and ID) and returns the ID. Throws std::bad_alloc.
  // (Always inline: a throwing call out of line costs a JS round trip under JS exception
  // handling, and this is on every call's path.)
  [[gnu::always_inline]] std::uint32_t add_pending(const std::shared_ptr<pending_request>& request) {
    request->request_id = pending_.add(request);
    request->thread = handle_;
    return request->request_id;
  }
  std::shared_ptr<pending_request> take_pending(std::uint32_t request_id) noexcept;
  std::shared_ptr<pending_request> find_pending(std::uint32_t request_id) noexcept;
  // Stops pending `request` (pending_request::stop): marks it stopped and tells the
  // worker. Its caller's side fails with `ran` (it stays pending until the worker
  // answers), or with `never_sent` when the glue still held it (a worker that had not
  // said ready yet never received it: it leaves the books now). No-op unless `request`
  // itself is pending here and not stopped.
  void stop(pending_request& request, const std::exception_ptr& ran,
            const std::exception_ptr& never_sent) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // Tells the worker that `request` was stopped (marking it stopped), if it is pending
  // here: `worker`, it will still answer; `dropped`, the glue held it unsent and it left
  // this thread's books; `not_pending`, nothing was done.
  enum class told { not_pending, worker, dropped };
  told tell_worker_stopped(pending_request& request) noexcept;
  std::size_t pending_count() const noexcept { return pending_.size(); }

  // What the worker may run here through call_caller (callbacks.hpp): offered by the
  // thread, or by request `for_request` (the one the call is made for) while pending.
  void set_callbacks(wasm_mt::callbacks offered) noexcept { callbacks_ = std::move(offered); }
  bool accepts_call(std::uint32_t for_request, function_id called) noexcept;

  // The error a request on this (dead) thread fails with.
  wasm_mt::error death_error() const;

  // Ends the worker and fails every pending request; no-op unless alive.
  void terminate() WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // The worker died. `started` lists the requests it had begun ("unknown": assume all);
  // the others fail as not_run. A worker that dies while starting failed to start: all
  // its requests fail with spawn_failed, as not_run. With no memory for the errors'
  // texts, requests fail with the bad_alloc: every one of them settles.
  void crashed(std::string message, std::string stack, std::string_view started) WASM_MT_DETAIL_NOEXCEPT_JS_EH;

 private:
  // Fails every pending request with failure_of(request ID), an exception_ptr decided
  // without touching `this`. The last thing a caller may do with `this`: the callbacks
  // it runs may destroy the thread.
  template <class FailureOf>
  void fail_all_pending(FailureOf failure_of) WASM_MT_DETAIL_NOEXCEPT_JS_EH;

  int handle_;
  std::string label_;
  status status_ = status::starting;
  std::string death_message_;
  std::string death_stack_;
  id_table<std::shared_ptr<pending_request>> pending_;
  std::function<void(bool ready)> watcher_;
  wasm_mt::callbacks callbacks_;
};

// Handle -> live thread_state of this instance.
thread_state* find_thread(int handle) noexcept;

}  // namespace wasm_mt::detail
