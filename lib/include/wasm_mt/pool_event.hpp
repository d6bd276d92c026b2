// What happens in a pool, told to pool_options::on_event: its workers start, become
// ready, fail to start, die, are terminated and retire; its tasks are queued, start and
// settle (threads.js's pool events; piscina's 'workerCreate', 'workerDestroy' and
// 'error'). A worker that crashes while nobody awaits a task on it is still seen.
//
//   options.on_event = [](const wasm_mt::pool_event& e) {
//     if (e.kind == wasm_mt::pool_event_kind::worker_died) log(e.worker, e.error);
//   };
//
// When the handler runs (its re-entrancy): after the pool's bookkeeping that made the
// events is done, from the queue that runs futures' continuations (future.hpp): never
// inside a call into the pool (exec(), close(), job::cancel()...), a reply's handling or
// a pool timer. Events come in the order they happened, several per run when they came
// together. The handler may call the pool (exec, stats, close; the events that makes
// come in a later run, never inside the handler) and may destroy it: nothing is
// delivered once the pool is destroyed (or assigned over), those not delivered yet
// included. Its first events (worker_starting...) can come before pool::create()
// resolves: there is no pool to call yet. An exception from the handler is logged (as
// an unhandled error) and delivery goes on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>

namespace wasm_mt {

enum class pool_event_kind {
  // A worker's life (`worker`, `slot`): worker_starting, then worker_ready or
  // worker_start_failed; once ready, it ends with worker_died, worker_terminated,
  // worker_retired or worker_recycled. A slot whose worker failed or died starts another (a new id) at
  // once, or after a backoff (pool::health()).
  worker_starting,      // a worker starts in `slot`; `replaces`: the worker it replaces (0: none)
  worker_ready,         // it is ready, its init done: it takes tasks
  worker_start_failed,  // its start (its init included) failed; `error`: why (spawn_failed;
                        // terminated when the pool ended meanwhile)
  worker_died,          // it died by itself, busy or idle (a trap, abort, exit); `error`: how
                        // (worker_crashed); its unfinished tasks fail or are retried
  worker_terminated,    // the pool ended it: a stopped task still ran stop_grace_ms later
  worker_retired,       // the pool ended it, idle: past idle_timeout_ms, or close() ended
                        // (its pool_options::teardown, if any, runs after this event)
  worker_recycled,      // the pool ended it, idle, after pool_options::max_tasks_per_worker
                        // tasks or past max_memory_per_worker (its teardown runs after)
  // A task's life (`task`: job::id()): task_queued once, task_started each time it is sent
  // to a worker (again after a worker died before running it), task_settled once, when
  // its caller's future settles (`error`: what it failed with, nullptr for a value).
  task_queued,
  task_started,  // sent to `worker`, in `slot`
  task_settled,  // `worker`, `slot`: where it ran (0 and 0 if it never left the queue)
};

struct pool_event {
  pool_event_kind kind = pool_event_kind::task_queued;
  // The worker's id: unique in this program instance, never reused (a replacement gets a
  // new one); 0 for a task that has none.
  std::uint64_t worker = 0;
  std::size_t slot = 0;        // the worker's slot, 0 to max_threads - 1
  std::uint64_t task = 0;      // the task's id (job::id()), 0 for a worker's event
  std::uint64_t replaces = 0;  // worker_starting: the worker it replaces, 0 if none
  // Why (a wasm_mt::error, or std::bad_alloc): a failed start, a death, a termination, a
  // task's failure. nullptr otherwise.
  std::exception_ptr error;
  double time_ms = 0;  // when, in ms of this thread's clock (performance.now())
};

// "worker_starting", "task_settled", ...
const char* pool_event_kind_name(pool_event_kind kind) noexcept;

}  // namespace wasm_mt
