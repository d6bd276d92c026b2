// wasm_mt::pool: threads running one program, fed from one queue (the counterpart of
// wasm-mt-pool, with futures, balancing, self-healing and piscina's lifecycle).
//
//   wasm_mt::pool pool = co_await wasm_mt::pool::create();        // hardware_concurrency() threads
//   int v = co_await pool.exec(Add{1, 2});                         // any closure, exec_js too
//   std::vector<wasm_mt::bytes> tiles = co_await pool.map(tile_closures);   // results in order
//   co_await pool.close();                                         // finish the work, then end
//
// - A task goes to an idle live thread at once. Tasks of a kind (closure type, or JS
//   code) known to take under 2 ms are pipelined, a few in flight per thread (as many as
//   keep ~2 ms of work queued there, up to max_in_flight), but never behind a task that
//   is not known to be short: mixed workloads balance.
// - Size (pool_options): fixed, or elastic between min_threads and max_threads: threads
//   are added while tasks wait and retire after idle_timeout_ms idle. Every new thread
//   runs pool_options::init first.
// - A worker that dies, busy or idle, is replaced. A crashed worker fails only the tasks
//   it had started; the ones it never got to are retried elsewhere. Nothing queued is lost.
// - A replacement that cannot start is retried after 100 ms, 200 ms, ... up to 30 s
//   (health() says how the pool is). While no thread runs and none is starting, tasks
//   fail at once with spawn_failed (not_run()), rather than wait. A worker that dies
//   within 1 s of being ready counts as a failed start (no restart storm), but its tasks
//   wait for the restart.
// - A task can be stopped (call_options: a stop token, a deadline; job::cancel; the
//   pool's task_timeout_ms): it fails at once; if it runs, its worker is told, and is
//   terminated and replaced if the task still runs stop_grace_ms later. A task that can
//   be stopped runs alone on its thread, so that no other is caught with it (a
//   job::cancel of a task with short tasks pipelined behind it: they fail with
//   `terminated` if it still runs two grace periods later; docs/control.md).
// - close() is the graceful end: queued and running tasks finish, then the threads end
//   (close_options: cancel the queue, a time limit). Destroying the pool is the
//   immediate one: every queued task fails with `cancelled` and the threads are
//   terminated, starting ones included (their running tasks fail with `terminated`).
// - settled()/completed() wait for the work without closing; needs_drain()/drained() are
//   back-pressure for a producer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "wasm_mt/closure.hpp"
#include "wasm_mt/detail/deep_json.hpp"
#include "wasm_mt/detail/pool_job.hpp"
#include "wasm_mt/future.hpp"
#include "wasm_mt/pool_options.hpp"
#include "wasm_mt/program.hpp"
#include "wasm_mt/stream.hpp"
#include "wasm_mt/thread.hpp"

namespace wasm_mt {

namespace detail {
class pool_state;

// A pool's streaming task: a job whose reply ends a stream (stream.hpp). Stopping it
// (the stream dropped, a stop, a deadline) goes through the pool's books.
template <class T, class Send>
using stream_pool_job = stream_request<T, pool_task<Send>>;
}  // namespace detail

// A task submitted to a pool: its future, and a way to cancel it.
template <class R>
class job : public future<R> {
 public:
  job() = default;
  job(future<R> result, std::weak_ptr<detail::pool_state> pool, std::uint64_t id)
      : future<R>(std::move(result)), pool_(std::move(pool)), id_(id) {}

  // Stops the task, as a call_options::stop would: its future fails with
  // error_kind::cancelled at once (not_run() if it was still queued) and true is
  // returned; false when it had settled. A running task's worker is told, and
  // terminated and replaced if it still runs stop_grace_ms later (workerpool's cancel()
  // terminates it at once). `reason`, when not empty, is the error's message() (as
  // piscina rejects with the AbortSignal's reason); otherwise the message says whether
  // the task had started.
  bool cancel(std::string_view reason = {}) {
    return detail::stop_pool_job(pool_, id_, error_kind::cancelled, 0, reason);
  }
  // The task's id in its pool (pool_event::task), from 1; 0 for one that was never queued
  // (its options were refused, or the pool was moved-from).
  std::uint64_t id() const noexcept { return id_; }

 private:
  std::weak_ptr<detail::pool_state> pool_;
  std::uint64_t id_ = 0;
};

class pool {
 public:
  // Starts min_threads threads in parallel (init included); resolves when all are ready.
  // Fails with spawn_failed if one cannot start or its init fails, and with
  // std::invalid_argument for a bad option (pool_options says which). (`site`, here and
  // below: where the call is, for log lines about the request; leave it defaulted.)
  [[nodiscard]] static future<pool> create(pool_options options = {}, const program& code = program::self(),
                             detail::call_site site = detail::call_site::here());
  // The same, returned at once (as thread::start): tasks queue and run as threads become
  // ready. Threads that cannot start are retried as replacements are (health() says why);
  // while none runs or starts, tasks fail with spawn_failed. Throws std::invalid_argument
  // for a bad option.
  static pool start(pool_options options = {}, const program& code = program::self());

  pool(pool&&) noexcept;
  pool& operator=(pool&&) noexcept;
  ~pool();

  // Queues `closure` (its captures encoded when it is sent) for a thread of the pool
  // (docs/README.md, Pools: how tasks are placed). Fails as thread::exec does, and with
  // cancelled (job::cancel, or the pool destroyed while it waited: not_run()), timeout
  // (task_timeout_ms), queue_full (max_queue); a task whose worker crashed before it ran
  // is retried on another thread. `options` as thread::exec's (call_options.hpp).
  template <class Closure>
  [[nodiscard]] job<closure_result_t<std::decay_t<Closure>>> exec(
      Closure&& closure, call_options options = {}, detail::call_site site = detail::call_site::here())
      WASM_MT_DETAIL_CHECK_CLOSURE(std::decay_t<Closure>)
      WASM_MT_DETAIL_CHECK_USE(std::decay_t<Closure>, is_streaming_closure<std::decay_t<Closure>>, WASM_MT_DETAIL_USE_STREAM) {
    using C = std::decay_t<Closure>;
    if constexpr (detail::closure_accepted<C>() && detail::use_accepted<!is_streaming_closure<C>>()) {
      const function_id called = closure_id<C>();
      const std::uint32_t signature = closure_signature<C>();
      return submit<closure_result_t<C>>(
          called, called, {"exec", closure_name<C>(), site}, std::move(options),
          [called, signature, closure = std::forward<Closure>(closure)](thread& th, const request& r) {
            th.send_encoded(called, signature, closure, r);
          },
          true, detail::is_async_closure<C>);
    } else {
      return {};  // not reached: the call failed to compile, saying why
    }
  }
  // As thread::exec_js (args included). Tasks are grouped by their code, whatever their
  // args: the pool learns a code's typical duration once.
  template <class R = nlohmann::json>
  [[nodiscard]] job<R> exec_js(std::string code, detail::call_site site = detail::call_site::here()) {
    return submit_js<R>(std::move(code), nullptr, false, {}, {"exec_js", {}, site});
  }
  template <class R = nlohmann::json>
  [[nodiscard]] job<R> exec_js(std::string code, call_options options, detail::call_site site = detail::call_site::here()) {
    return submit_js<R>(std::move(code), nullptr, false, std::move(options), {"exec_js", {}, site});
  }
  template <class R = nlohmann::json>
  [[nodiscard]] job<R> exec_js(std::string code, const nlohmann::json& args, call_options options = {},
                               detail::call_site site = detail::call_site::here()) {
    return submit_js<R>(std::move(code), &args, false, std::move(options), {"exec_js", {}, site});
  }
  template <class R = nlohmann::json>
  [[nodiscard]] job<R> exec_js_async(std::string code, detail::call_site site = detail::call_site::here()) {
    return submit_js<R>(std::move(code), nullptr, true, {}, {"exec_js_async", {}, site});
  }
  template <class R = nlohmann::json>
  [[nodiscard]] job<R> exec_js_async(std::string code, call_options options,
                                     detail::call_site site = detail::call_site::here()) {
    return submit_js<R>(std::move(code), nullptr, true, std::move(options), {"exec_js_async", {}, site});
  }
  template <class R = nlohmann::json>
  [[nodiscard]] job<R> exec_js_async(std::string code, const nlohmann::json& args, call_options options = {},
                                     detail::call_site site = detail::call_site::here()) {
    return submit_js<R>(std::move(code), &args, true, std::move(options), {"exec_js_async", {}, site});
  }
  // As thread::exec_js with args as a JS value (embind) and a transfer list. A task with a
  // transfer list is not retried on another thread when its worker dies before running
  // it (what it transferred went with that worker): it fails with worker_crashed, not_run().
  template <class R = nlohmann::json>
  [[nodiscard]] job<R> exec_js(std::string code, const emscripten::val& args,
                               const emscripten::val& transfer = emscripten::val::undefined(), call_options options = {},
                               detail::call_site site = detail::call_site::here()) {
    return submit_js_value<R>(std::move(code), args, transfer, false, std::move(options), {"exec_js", {}, site});
  }
  template <class R = nlohmann::json>
  [[nodiscard]] job<R> exec_js_async(std::string code, const emscripten::val& args,
                                     const emscripten::val& transfer = emscripten::val::undefined(),
                                     call_options options = {}, detail::call_site site = detail::call_site::here()) {
    return submit_js_value<R>(std::move(code), args, transfer, true, std::move(options), {"exec_js_async", {}, site});
  }
  // As thread::stream: the items of a streaming closure (generator<T>) run on a thread of
  // the pool. It runs alone on its thread; a worker that dies before it starts is
  // replaced and the task retried, one that dies mid-stream ends the stream with
  // worker_crashed after the items before it. Dropping the stream stops the task (as
  // job::cancel: its worker is replaced if it still runs stop_grace_ms later).
  template <class Closure>
  [[nodiscard]] wasm_mt::stream<closure_result_t<std::decay_t<Closure>>> stream(
      Closure&& closure, call_options options = {}, detail::call_site site = detail::call_site::here())
      WASM_MT_DETAIL_CHECK_CLOSURE(std::decay_t<Closure>)
      WASM_MT_DETAIL_CHECK_USE(std::decay_t<Closure>, !is_streaming_closure<std::decay_t<Closure>>, WASM_MT_DETAIL_USE_EXEC) {
    using C = std::decay_t<Closure>;
    using T = closure_result_t<C>;
    if constexpr (detail::closure_accepted<C>() && detail::use_accepted<is_streaming_closure<C>>()) {
      const function_id called = closure_id<C>();
      const std::uint32_t signature = closure_signature<C>();
      auto send = [called, signature, closure = std::forward<Closure>(closure)](thread& th, const request& r) {
        th.send_encoded(called, signature, closure, r);
      };
      const std::size_t window = options.stream_window;
      auto task = std::make_shared<detail::stream_pool_job<T, decltype(send)>>(
          window >= 1 && window <= detail::max_stream_window ? std::uint32_t(window) : 1,
          detail::origin{"stream", closure_name<C>(), site}, called, called, std::move(send));
      if (window < 1 || window > detail::max_stream_window)
        task->fail(std::make_exception_ptr(std::invalid_argument(
            "wasm_mt: call_options::stream_window must be 1 to 16777215, not " + std::to_string(window))));
      else if (task->priority = options.priority; detail::prepare(task, std::move(options)))
        enqueue(task);
      return wasm_mt::stream<T>(std::move(task));
    } else {
      return {};  // not reached: the call failed to compile, saying why
    }
  }

  // As thread::exec_by_name, queued as exec is.
  template <class R = nlohmann::json>
  // (The captures are copied without recursion: any depth reaches the send, which
  // refuses what is too deep.)
  [[nodiscard]] job<R> exec_by_name(std::string name, const nlohmann::json& captures, call_options options = {},
                                    detail::call_site site = detail::call_site::here()) {
    const auto called = stable_id(name);
    return submit<R>(called, called, {"exec_by_name", registry::instance().name_of(called), site}, std::move(options),
                     [called, captures = detail::copy_flat(captures)](thread& th, const request& r) {
                       th.send_encoded(called, 0, captures, r);
                     });
  }

  // Data-parallel: runs every closure across the pool and gathers the results in the
  // closures' order. On the first failure (in the closures' order) the returned future
  // fails with that error; the others still queued are cancelled, and those running
  // finish with their results dropped (none is logged as unhandled).
  // Gives future<std::vector<closure_result_t<C>>>.
  template <class C>
  [[nodiscard]] auto map(std::vector<C> closures, detail::call_site site = detail::call_site::here())
      WASM_MT_DETAIL_CHECK_CLOSURE(C)
      WASM_MT_DETAIL_CHECK_USE(C, std::is_void_v<closure_result_t<C>>, "map gathers results: use exec for closures returning void")
      WASM_MT_DETAIL_CHECK_USE(C, is_streaming_closure<C>, "map gathers results: a generator closure runs with stream()") {
    if constexpr (!detail::closure_accepted<C>() ||
                  !detail::use_accepted<!std::is_void_v<closure_result_t<C>> && !is_streaming_closure<C>>()) {
      return future<void>{};  // not reached: the call failed to compile, saying why
    } else {
      std::vector<job<closure_result_t<C>>> jobs;
      jobs.reserve(closures.size());
      for (auto& closure : closures) jobs.push_back(exec(std::move(closure), {}, site));
      auto results = gather(std::move(jobs));
      detail::set_origin(results, {"map", closure_name<C>(), site});
      return results;
    }
  }
  // As map, over make_closure(0), ..., make_closure(count - 1).
  template <class MakeClosure>
  [[nodiscard]] auto map(std::size_t count, MakeClosure make_closure, detail::call_site site = detail::call_site::here()) {
    std::vector<std::decay_t<decltype(make_closure(std::size_t{0}))>> closures;
    closures.reserve(count);
    for (std::size_t i = 0; i < count; ++i) closures.push_back(make_closure(i));
    return map(std::move(closures), site);
  }

  // Graceful end: refuses new tasks from now on (they fail with cancelled, not_run()),
  // lets the queued and running ones finish (failed threads are still replaced for
  // them), then ends the threads. Resolves once they are ended (those with a
  // pool_options::teardown once it has run), or when the pool is destroyed meanwhile
  // (which fails what is left, as destroying does; the teardowns it starts still
  // count). A stream
  // whose producer waits for a reader that is not reading (its window full, no next()
  // pending) is stopped (`cancelled`: its items already here can still be read), now or
  // when its window fills: close() never waits for a reader. As piscina's close().
  // `options` (close_options): cancel the queue now (piscina's force), and a time after
  // which the pool is destroyed (piscina's closeTimeout). Calling it again gives another
  // future settling at the same time; its options apply too (the earliest limit wins).
  // Fails with std::invalid_argument for a NaN or negative timeout_ms.
  [[nodiscard]] future<void> close(close_options options = {}, detail::call_site site = detail::call_site::here());
  // Fails every queued task now with cancelled (not_run()); running ones go on. Returns
  // how many there were (tinypool's cancelPendingTasks).
  std::size_t cancel_queued();

  // Settles once no task is queued or running (all submitted work settled; a stopped
  // task still running on its worker counts until its worker answers or is replaced),
  // at once if none is; the pool stays open. Gives the errors of the tasks whose futures
  // failed meanwhile, in the order they failed (cancellations are not failures: not
  // listed). Resolves as well when the pool is destroyed. A stream whose reader stopped
  // reading keeps it waiting (close() stops such a stream; this does not). (threads.js's
  // settled(), but an idle pool resolves at once, as threads.js's settled(true).)
  [[nodiscard]] future<std::vector<wasm_mt::error>> settled(detail::call_site site = detail::call_site::here());
  // As settled(), but fails with the first of those errors (threads.js's completed()).
  [[nodiscard]] future<void> completed(detail::call_site site = detail::call_site::here());
  // Back-pressure for a producer (piscina's needsDrain and 'drain'): needs_drain() is
  // true while the next exec would fail with queue_full (the queue holds its max_queue,
  // beyond what starting threads and those the pool may add will take, and no thread is
  // free); never with an unbounded queue. drained() settles once the queue is empty and
  // needs_drain() is false, at once if so now:
  //   if (pool.needs_drain()) co_await pool.drained();
  bool needs_drain() const noexcept;
  [[nodiscard]] future<void> drained(detail::call_site site = detail::call_site::here());

  std::size_t size() const noexcept;           // threads, live, starting or being replaced
  std::size_t threads_alive() const noexcept;  // threads ready to take tasks
  // Of those, the ones with a task sent and not settled there (a stopped task counts
  // until its worker answers or is replaced), and those that take a task at once (not
  // one about to be recycled: max_tasks_per_worker) (workerpool's stats() busyWorkers
  // and idleWorkers).
  std::size_t threads_busy() const noexcept;
  std::size_t threads_idle() const noexcept;
  std::size_t queued() const noexcept;         // tasks waiting for a thread
  std::size_t running() const noexcept;        // tasks sent to a thread, not yet settled
  pool_health health() const;
  pool_stats stats() const;                    // counts and durations since creation

 private:
  explicit pool(std::shared_ptr<detail::pool_state> state) noexcept;
  static future<pool> wait_until_ready(pool started);  // create()'s work

  using request = std::shared_ptr<detail::pending_request>;

  // Queues a task that `send` sends to a thread when one is free. `called` names the
  // closure in errors (0 for JS); `kind` groups tasks by their typical duration; `from`
  // names the task in log lines.
  // `retriable`: false when the task cannot be sent twice (it transfers JS values).
  // `awaits`: it is async (pool_job::awaits).
  // `options`: the call's (its stop and deadline are armed now: the queue's time counts).
  template <class R, class Send>
  job<R> submit(function_id called, std::uint32_t kind, detail::origin from, call_options options, Send send,
                bool retriable = true, bool awaits = false) {
    auto task = std::make_shared<detail::typed_pool_job<R, Send>>(called, kind, std::move(send));
    task->set_origin(from);
    task->retriable = retriable;
    task->awaits = awaits;
    task->priority = options.priority;
    future<R> result(task);
    if (!detail::prepare(task, std::move(options))) return job<R>(std::move(result), {}, 0);
    auto id = enqueue(std::move(task));
    return job<R>(std::move(result), state_, id);
  }
  template <class R>
  job<R> submit_js(std::string code, const nlohmann::json* args, bool is_async, call_options options,
                   detail::origin from) {
    std::string args_text;
    try {
      if (args) args_text = detail::encode(*args).json;
    } catch (...) {
      auto failed = future<R>::ready_error(detail::unsent_failure(std::current_exception()));
      detail::set_origin(failed, from);
      return job<R>(std::move(failed), {}, 0);
    }
    const auto kind = stable_id(code);
    return submit<R>(0, kind, from, std::move(options),
                     [code = std::move(code), args_text = std::move(args_text), is_async](thread& th, const request& r) {
                       th.send_js<R>(code, args_text, is_async, r);
                     },
                     true, is_async);
  }

  template <class R>
  job<R> submit_js_value(std::string code, emscripten::val args, emscripten::val transfer, bool is_async,
                         call_options options, detail::origin from) {
    const auto kind = stable_id(code);
    const bool retriable = transfer.isUndefined();
    return submit<R>(
        0, kind, from, std::move(options),
        [code = std::move(code), args = std::move(args), transfer = std::move(transfer), is_async](
            thread& th, const request& r) { th.send_js_value<R>(code, args, transfer, is_async, r); },
        retriable, is_async);
  }

  // Queues `job` (or fails it at once: pool destroyed, queue full) and returns its ID.
  std::uint64_t enqueue(std::shared_ptr<detail::pool_job> job);

  template <class R>
  static future<std::vector<R>> gather(std::vector<job<R>> jobs) {
    std::vector<R> results;
    results.reserve(jobs.size());
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      try {
        results.push_back(co_await jobs[i]);
      } catch (...) {
        // The map owns the other tasks: those still queued are cancelled, and what the
        // running ones end with is dropped here, not logged as an error nobody awaited.
        for (std::size_t later = i + 1; later < jobs.size(); ++later) {
          jobs[later].cancel();
          try {
            jobs[later].then([](auto&&...) {}, [](const wasm_mt::error&) {}).detach();
          } catch (...) {  // no memory for the callback: it may then be logged
          }
        }
        throw;
      }
    }
    co_return results;
  }

  std::shared_ptr<detail::pool_state> state_;
};

}  // namespace wasm_mt
