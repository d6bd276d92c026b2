// What a wasm_mt::pool is made with (pool_options, thread_closure) and what it reports
// (pool_health, pool_stats).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "wasm_mt/closure.hpp"
#include "wasm_mt/future.hpp"
#include "wasm_mt/pool_event.hpp"
#include "wasm_mt/thread.hpp"

namespace wasm_mt {

// A closure a pool runs on each of its threads at one point of the thread's life
// (pool_options::init, pool_options::teardown): any closure converts to it; its result is
// dropped. Empty by default (nothing runs).
//
//   pool_options{.init = LoadModel{"model.bin"}, .teardown = FlushLog{}}
class thread_closure {
 public:
  thread_closure() = default;
  template <class Closure, class = std::enable_if_t<!std::is_same_v<std::decay_t<Closure>, thread_closure>>>
  // (A wrong closure fails a static_assert here: clang's diagnose_if, which reports the
  // other entry points' mistakes at the user's line, does not apply to constructors.)
  thread_closure(Closure closure) {  // NOLINT: implicit, so `.init = Closure{...}` reads
    if constexpr (detail::check_closure<Closure>()) {
      run_ = [closure = std::move(closure)](thread& th, call_options options) -> future<void> {
        return th.exec(closure, std::move(options)).then([](auto&&...) {});
      };
      name_ = closure_name<Closure>();
    }
  }

  explicit operator bool() const noexcept { return bool(run_); }
  // Sends the closure to `th` (started or starting) with `options`; settles when it has
  // run there, or fails as exec does.
  future<void> operator()(thread& th, call_options options = {}) const { return run_(th, std::move(options)); }
  // The closure's name (closure_name), for log lines; empty when there is none.
  std::string_view name() const noexcept { return name_; }

 private:
  std::function<future<void>(thread&, call_options)> run_;
  std::string_view name_;
};

// thread_closure's name before 0.5 (the type of pool_options::init).
using thread_init [[deprecated("wasm_mt::thread_init is now wasm_mt::thread_closure")]] = thread_closure;

// How many tasks may wait in a pool's queue (pool_options::max_queue): tasks waiting
// beyond what its starting threads, and the threads it may still add, will take. A task
// past it fails at once with error_kind::queue_full (piscina's maxQueue). Made by name,
// never from a bare number, so that 0 cannot be misread (piscina's maxQueue 0 is "no
// queue"; wasm_mt's former max_queued 0 meant "unbounded"):
//
//   .max_queue = wasm_mt::queue_limit::at_most(100)
class queue_limit {
 public:
  // No limit (the default).
  static constexpr queue_limit unbounded() noexcept { return queue_limit(form::unbounded, 0); }
  // At most `tasks` waiting; at_most(0) is no queue: a task that no thread can take at
  // once, and no thread starting (or that the pool may add) will take, fails (piscina's
  // maxQueue: 0).
  static constexpr queue_limit at_most(std::size_t tasks) noexcept { return queue_limit(form::at_most, tasks); }
  // max_threads squared (piscina's maxQueue: 'auto').
  static constexpr queue_limit automatic() noexcept { return queue_limit(form::automatic, 0); }

  constexpr bool is_unbounded() const noexcept { return form_ == form::unbounded; }
  // The limit for a pool of `max_threads` threads (SIZE_MAX when unbounded).
  constexpr std::size_t tasks(std::size_t max_threads) const noexcept {
    return form_ == form::unbounded ? std::numeric_limits<std::size_t>::max()
           : form_ == form::automatic ? max_threads * max_threads
                                      : tasks_;
  }

 private:
  enum class form { unbounded, at_most, automatic };
  constexpr queue_limit(form f, std::size_t tasks) noexcept : form_(f), tasks_(tasks) {}
  form form_;
  std::size_t tasks_;
};

// Sizes: `threads` gives a fixed pool (all started by create()). Otherwise the pool keeps
// min_threads running, starts more on demand while tasks wait (up to max_threads) and
// retires those above min_threads idle for idle_timeout_ms (piscina's minThreads,
// maxThreads, idleTimeout). Defaults: max_threads = hardware_concurrency() (tasks are
// CPU-bound wasm: more threads than cores add memory, one instance each, not speed);
// min_threads = max_threads (start all at once: a wasm worker takes tens of ms to start,
// which a task waiting for one would pay). A slot whose start failed is retried with
// backoff while it is needed (fewer than min_threads others, or tasks wait), else given
// up until a task asks for a thread. Bad values make create()/start() throw
// std::invalid_argument: threads with min or max, min > max, a count above 1024 (as a
// negative int converts to), a NaN or negative time.
struct pool_options {
  std::size_t threads = 0;                 // a fixed size; 0: use min/max_threads
  std::optional<std::size_t> min_threads;  // kept running; default max_threads
  std::size_t max_threads = 0;             // 0: hardware_concurrency(), or min_threads if more
  double idle_timeout_ms = 10000;          // a thread above min_threads idle this long retires;
                                           // infinity: never
  queue_limit max_queue = queue_limit::unbounded();  // tasks waiting, at most (queue_limit)
  double task_timeout_ms = 0;     // a task's time on a thread, at most: then it fails with
                                  // timeout and is stopped (as call_options' stops); 0 or
                                  // infinity: none
  double stop_grace_ms = 250;     // a stopped task (cancel, deadline) still running this
                                  // long after its stop has its worker terminated and
                                  // replaced (workerpool terminates at once); infinity: never
  std::size_t max_in_flight = 8;  // tasks sent ahead per thread, for tiny ones; 0 or 1: none
  std::size_t concurrent_tasks_per_worker = 1;  // async tasks (a closure returning task<R>
                                  // or future<R>, exec_js_async) running at once on one
                                  // worker, at most (piscina's and tinypool's
                                  // concurrentTasksPerWorker): while one awaits (a fetch, a
                                  // timer), another runs there. Synchronous tasks and
                                  // streams still take a worker alone (tiny ones pipelined).
                                  // A stop keeps its meaning: one that still runs
                                  // stop_grace_ms after it has its worker replaced, and the
                                  // tasks sharing that worker fail with terminated. 0 or 1: one
  std::size_t max_tasks_per_worker = 0;  // a worker sent this many tasks takes no more, and
                                  // once they settle is ended and, where its slot is still
                                  // needed, replaced by a fresh one (its memory, its
                                  // globals: a wasm heap only grows); 1 runs each task in a
                                  // fresh worker (tinypool's isolateWorkers); 0: no limit
  std::uint64_t max_memory_per_worker = 0;  // bytes: a worker whose wasm memory is past
                                  // this when a task of it settles (grown by the task or
                                  // before it, init included) is recycled as above once
                                  // its tasks settle (tinypool's
                                  // maxMemoryLimitBeforeRecycle; a heap only grows:
                                  // thread::memory_bytes()); 0: no limit
  std::string label = "pool";     // threads are named label-0, label-1, ...
  // Run by every new thread before it takes tasks: the pool's first threads, the ones it
  // adds on demand and every replacement (piscina's and workerpool's per-worker setup;
  // load a model once per worker). Its failure (a throw, a crash, js_exception...) is
  // that thread's spawn failure: pool::create fails with spawn_failed saying why, and a
  // later one is retried as a start that failed.
  thread_closure init;
  double init_timeout_ms = 60000; // a new thread's start with its init, at most (then it
                                  // is a start that failed); infinity: none
  // Run by a worker the pool ends of its own accord while it is idle and alive: retired
  // (idle_timeout_ms), recycled, or at the pool's end (close(), or destroyed: then
  // detached) (tinypool's teardown; workerpool's onTerminate, in the worker). The worker
  // ends once it has run (or failed, or teardown_timeout_ms passed: then its stop is
  // requested as a deadline's and it ends all the same); its failure is logged. close()
  // resolves once every teardown has ended. Not run by a worker that is terminated
  // (crashed, stopped past stop_grace_ms, ended with tasks running by a close's
  // timeout_ms or the pool's destruction) or that was still starting. A recycled
  // worker's replacement starts while it runs its teardown: for up to
  // teardown_timeout_ms a slot has two workers (two wasm memories).
  thread_closure teardown;
  double teardown_timeout_ms = 1000;  // a teardown's time, at most (workerpool's
                                      // workerTerminateTimeout); infinity: none
  wasm_mt::callbacks callbacks;   // what its tasks may run on the caller (callbacks.hpp)
  // Told what happens to the pool's workers and tasks (pool_event.hpp says when it runs
  // and what it may call). Empty: no events are made (they cost nothing).
  std::function<void(const pool_event&)> on_event;
};

// How pool::close() ends a pool.
struct close_options {
  // Queued tasks fail at once with cancelled (not_run()), as pool::cancel_queued(); the
  // running ones finish (piscina's close({force: true}), workerpool's terminate(false)).
  bool cancel_queued = false;
  // Tasks still queued or running this long after the call: the pool is destroyed (what
  // is left fails as destroying does: queued with cancelled, running with terminated)
  // and close() resolves, once the idle workers' teardowns have run (at most
  // pool_options::teardown_timeout_ms) (piscina's closeTimeout, but per call and with no
  // default limit). Infinity: wait for them. NaN or negative: close() fails with
  // std::invalid_argument.
  double timeout_ms = std::numeric_limits<double>::infinity();
};

// How a pool's threads are doing (pool::health()).
struct pool_health {
  std::size_t threads = 0;           // slots: one thread each (starting or retrying included)
  std::size_t running = 0;           // threads ready to take tasks
  std::size_t starting = 0;          // threads starting (their init included)
  std::size_t waiting_to_retry = 0;  // slots whose last start failed, or whose worker died
                                     // young (within 1 s of being ready), waiting to try again
                                     // after 100 ms, 200 ms, ... 30 s (no restart storm)
  std::uint64_t replacements = 0;    // threads started to replace others, since creation
  std::uint64_t young_deaths = 0;    // workers that died within 1 s of being ready, since creation
  std::string last_start_error;      // why the last start that failed failed, or the last worker
                                     // that died young died ("" if none)
};

// A distribution of durations, in milliseconds (piscina's histogram summary: min, max,
// mean, stddev and percentiles). Percentiles come from a histogram with buckets 9% wide
// (each value is within 9% of one that was recorded); min, max, mean and the standard
// deviation (of the population) are exact. All 0 while count is 0.
struct duration_stats {
  std::uint64_t count = 0;
  double min_ms = 0;
  double mean_ms = 0;
  double stddev_ms = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};

// What a pool has done since it was created (pool::stats()).
struct pool_stats {
  // Each task counts once, as what happened to it: a running task that was stopped counts
  // when its worker answers (or is replaced), as completed if the worker finished it anyway
  // (a stream dropped as it ended), else as its stop (cancelled; a timeout as failed).
  std::uint64_t completed = 0;  // tasks settled with a value
  std::uint64_t failed = 0;     // with an error other than cancelled (timeout, queue_full included)
  std::uint64_t cancelled = 0;  // stopped (a stop_token, job::cancel, a dropped stream), or
                                // refused (close(), the pool destroyed before they ran)
  duration_stats run;           // time on a thread: sent (or the task before it done) to settled
  duration_stats wait;          // time queued: submitted to sent to a thread
  // Time threads spent running tasks over the time they were ready to (0 to 1), since
  // creation (as piscina's utilization: run time against capacity).
  double utilization = 0;
};

namespace detail {
// pool_options with its defaults resolved: min_threads set, max_threads non-zero.
// Throws std::invalid_argument for a bad value, naming the option.
pool_options checked_pool_options(pool_options options);
}  // namespace detail

}  // namespace wasm_mt
