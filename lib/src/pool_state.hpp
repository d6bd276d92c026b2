// Internal: a pool's state (pool_state), shared by the files that keep its books:
// pool_placement.cpp, pool_slots.cpp, pool_jobs.cpp, pool_close.cpp and pool.cpp.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "wasm_mt/detail/promise.hpp"
#include "wasm_mt/detail/timer.hpp"
#include "wasm_mt/pool.hpp"

#include "failure.hpp"
#include "pool_stats.hpp"
#include "thread_state.hpp"

namespace wasm_mt {

// The pool's way to its threads' states (a friend of wasm_mt::thread): it watches them.
struct pool_access {
  static detail::thread_state* state_of(thread& th) noexcept { return th.state_.get(); }
};

}  // namespace wasm_mt

namespace wasm_mt::detail {

// A pool's workers running pool_options::teardown before they end, and the close()
// waits that settle once none is left.
struct pool_teardowns {
  std::size_t running = 0;
  std::vector<promise<void>> close_waiters;
};

// The state of a pool, shared with its jobs (which hold it weakly: a job settling after
// the pool is gone finds nothing to update). The one place that keeps the pool's books:
// its slots (one thread each), its queue, its running jobs and its statistics (kept by a
// pool_statistics it feeds). Nothing here runs user code (continuations run later, from a
// microtask), and nothing here throws: with no memory for the books, the job concerned
// fails and the pool goes on.
class pool_state : public std::enable_shared_from_this<pool_state> {
 public:
  // `options`: checked (checked_pool_options).
  pool_state(pool_options options, program code);
  ~pool_state() { shut_down(); }

  // Starts the min_threads first threads.
  void start_threads();
  // Settles once min_threads threads are running (their init done), or fails with the
  // first start that failed.
  future<void> ready();

  std::uint64_t enqueue(std::shared_ptr<pool_job>&& job);
  // Stops job `id` (job::cancel, its stop token, its deadline): a queued one fails as
  // not run; a running one fails now, its worker is told, and replaced if it still runs
  // after stop_grace_ms. False when the job had settled. `reason`: stop_failure's.
  bool stop_job(std::uint64_t id, error_kind kind, double timeout_ms,
                std::string_view reason = {}) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // pool::close: throws std::invalid_argument for a bad options.timeout_ms.
  future<void> close(const close_options& options);
  // Fails the queued jobs with cancelled (not_run(), saying `why`); returns how many.
  std::size_t cancel_queued(const char* why) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  void shut_down() WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // The pool is destroyed (or moved into): no event is delivered from now on.
  void drop_events() noexcept;
  // pool::settled, pool::needs_drain, pool::drained.
  future<std::vector<wasm_mt::error>> settled();
  bool needs_drain() const noexcept;
  future<void> drained();

  std::size_t size() const noexcept { return count(slot_stage::running) + count(slot_stage::starting) + count(slot_stage::waiting_to_retry); }
  std::size_t threads_alive() const noexcept { return count(slot_stage::running); }
  std::size_t threads_busy() const noexcept {
    return std::count_if(slots_.begin(), slots_.end(),
                         [](const slot& s) { return s.stage == slot_stage::running && !s.sent.empty(); });
  }
  // Running, nothing sent, and able to take a task (not about to be recycled).
  std::size_t threads_idle() const noexcept {
    return std::count_if(slots_.begin(), slots_.end(), [this](const slot& s) { return is_free(s); });
  }
  std::size_t queued() const noexcept { return queue_.size(); }
  std::size_t running() const noexcept { return running_.size(); }
  pool_health health() const;
  pool_stats stats() const;

 private:
  // A slot's stages; set_stage allows only these moves:
  //   retired -> starting -> running -> starting (replaced) | waiting_to_retry (died young)
  //   starting -> waiting_to_retry (failed start) -> starting (retry) | retired (not needed)
  //   any -> retired (idle retirement from running, shut_down)
  enum class slot_stage { retired, starting, running, waiting_to_retry };
  struct slot {
    std::optional<wasm_mt::thread> th;  // empty while retired or waiting to retry
    slot_stage stage = slot_stage::retired;
    std::uint64_t generation = 0;       // bumped when the worker is replaced or retired
    std::uint64_t worker = 0;           // its worker's id (pool_event::worker), or its last one's
    std::size_t tasks_sent = 0;         // to this worker, counted when recycles()
    bool over_memory = false;           // a task of this worker settled with its memory past
                                        // max_memory_per_worker (read then, not later: a
                                        // worker's message between tasks cannot strand it)
    // The jobs sent to this generation's worker and not settled, in the order sent (their
    // books: running_). What the slot may take next is decided from this list.
    std::vector<std::uint64_t> sent;
    double last_settled_ms = 0;
    double busy_since_ms = 0;           // when `sent` last became non-empty
    double running_since_ms = 0;        // when it became ready to take tasks
    double idle_since_ms = 0;           // when its last task settled
    unsigned failed_starts = 0;         // in a row (a worker that died young counts as one)
    bool died_young = false;            // waiting to retry because its worker died young
    bool idle_check_armed = false;
    timer retry;     // the next start, after a failed one
    timer starting;  // the start's deadline (init_timeout_ms)
    timer idle;      // the next check whether it has been idle for idle_timeout_ms
    timer recycle;   // its worker's end, once it has run max_tasks_per_worker tasks
  };
  struct running_job {
    std::shared_ptr<pool_job> job;
    std::size_t slot;
    std::uint64_t generation;
    std::uint64_t worker;  // its slot's worker when it was sent
    double sent_ms;
    bool short_when_sent;
    bool alone;       // may be stopped: runs alone on its thread (unless concurrent)
    bool concurrent;  // async, sent to share its thread (concurrent_tasks_per_worker)
    timer deadline;   // its pool_options::task_timeout_ms, from when it was sent
    timer grace;      // once stopped: the end of its stop_grace_ms
    bool grace_extended = false;  // (once, for tasks pipelined behind it)
    // Once stopped: the error its caller got; counted when its worker answers, unless the
    // worker finished it anyway (then it counts as completed).
    std::exception_ptr stop_failure;
  };

  // Moves slot `s` to stage `to` (asserts the move is one the diagram above allows).
  static void set_stage(slot& s, slot_stage to) noexcept;
  // Slot `index` if the callback's `generation` is still its own and the pool lives:
  // the one check every timer and thread callback of a slot makes.
  slot* live_slot(std::size_t index, std::uint64_t generation) noexcept {
    return !shut_down_ && slots_[index].generation == generation ? &slots_[index] : nullptr;
  }
  // Whether any job sent to `s` (still unsettled) satisfies `test(const running_job&)`.
  template <class Test>
  bool any_sent(const slot& s, Test test) const noexcept {
    return std::any_of(s.sent.begin(), s.sent.end(), [&](std::uint64_t id) {
      auto found = running_.find(id);
      return found != running_.end() && test(found->second);
    });
  }
  std::size_t count(slot_stage stage) const noexcept {
    return std::count_if(slots_.begin(), slots_.end(), [stage](const slot& s) { return s.stage == stage; });
  }
  void dispatch() WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  bool has_timeout() const noexcept { return options_.task_timeout_ms > 0 && std::isfinite(options_.task_timeout_ms); }
  bool is_short(std::uint32_t kind) const noexcept;
  std::size_t depth_limit(std::uint32_t kind) const noexcept;
  bool can_take(const slot& s, const pool_job& job) const noexcept;
  // Whether `job` may share a thread with other async tasks (concurrent_tasks_per_worker).
  bool shares(const pool_job& job) const noexcept { return job.awaits && options_.concurrent_tasks_per_worker > 1; }
  // Cancels the task deadlines of the jobs on slot `s` (its worker is taken down: they
  // settle as it ends, with that).
  void cancel_deadlines(const slot& s) noexcept;
  // Slot `s`, with jobs in flight, has none from now on: their time counts as busy.
  void end_busy(const slot& s) noexcept;
  // Whether `job` may be stopped while it runs (it then runs alone on its thread).
  bool may_stop(const pool_job& job) const noexcept;
  // Fails running job `id` with `failure` and tells its worker (see stop_job); with
  // `never_sent` when its thread never sent it to the worker.
  bool stop_running(std::uint64_t id, std::exception_ptr failure, std::exception_ptr never_sent) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  void grace_over(std::uint64_t id) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // Whether the pool may add a thread: below max_threads (failing slots count).
  bool can_grow() const noexcept;
  // Whether slot `index` must have a thread: the others running or starting are fewer
  // than min_threads, or tasks wait.
  bool needed(std::size_t index) const noexcept;
  // Whether a task can still expect a thread: one runs, one is starting, or one may be added.
  bool can_serve() const noexcept;
  // Adds threads (up to max_threads) while queued tasks outnumber the starting threads.
  void grow() WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  void start(std::size_t index, std::shared_ptr<pool_job> job) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  friend bool pool_job_settled(const std::weak_ptr<pool_state>& pool, std::uint64_t id,
                               const std::exception_ptr* failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  friend void pool_stream_waits_for_reader(const std::weak_ptr<pool_state>& pool, std::uint64_t id) noexcept;
  // Stops (cancelled) the running streams that wait for a reader (close()).
  void stop_unread_streams() noexcept;
  friend void pool_job_stopped_settled(const std::weak_ptr<pool_state>& pool, std::uint64_t id,
                                       bool completed) noexcept;
  // Job `id`'s worker answered (failure: its error, or nullptr: a value) or died; for a
  // stopped job, whether it answered with a value decides what it counts as.
  bool settled(std::uint64_t id, const std::exception_ptr* failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  void timed_out(std::uint64_t id) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // Takes job `id` off its slot's books; empty if it is not running.
  std::optional<running_job> finish(std::uint64_t id) noexcept;
  // Records the settled job's time on its thread; `learn`: as its kind's usual duration too.
  void learn_duration(const running_job& done, bool learn) noexcept;
  bool requeue(const std::shared_ptr<pool_job>& job) noexcept;
  // Fails a job that is not running (queued, or refused), counting it.
  void fail(const std::shared_ptr<pool_job>& job, std::exception_ptr failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // The same for a job taken out of the queue: its time there counts as its wait.
  void fail_queued(const std::shared_ptr<pool_job>& job, std::exception_ptr failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // Watches slot `index`'s thread: ready, or dead (crashed or failed to start). Throws
  // std::bad_alloc with no memory for that.
  void watch(std::size_t index);
  void thread_event(std::size_t index, std::uint64_t generation, bool ready) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // Sends the init closure to slot `index`'s starting thread.
  void run_init(std::size_t index);
  void init_done(std::size_t index, std::uint64_t generation, const wasm_mt::error* failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // Slot `index`'s thread is ready and initialised: it takes tasks.
  void became_running(std::size_t index) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // Slot `s` leaves the running stage (its time so far counts as capacity).
  void end_running_time(slot& s) noexcept;
  // Slot `index` has nothing in flight: it may retire once idle for idle_timeout_ms, or
  // its worker is recycled if it ran its max_tasks_per_worker.
  void went_idle(std::size_t index) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // Whether workers are recycled (max_tasks_per_worker, max_memory_per_worker).
  bool recycles() const noexcept { return options_.max_tasks_per_worker || options_.max_memory_per_worker; }
  // Whether slot `s`'s worker is to be recycled rather than given more tasks: it was sent
  // its max_tasks_per_worker, or a task of it settled with its memory past
  // max_memory_per_worker (a fresh worker already past it still takes one task: no start
  // loop).
  bool used_up(const slot& s) const noexcept {
    return s.over_memory || (options_.max_tasks_per_worker && s.tasks_sent >= options_.max_tasks_per_worker);
  }
  bool is_free(const slot& s) const noexcept {
    return s.stage == slot_stage::running && s.sent.empty() && !used_up(s);
  }
  // Ends slot `index`'s used-up worker (generation `generation`, if still its own and
  // idle) and starts a fresh one if the slot is needed (and the pool is not closing with
  // nothing queued), else retires it.
  void recycle(std::size_t index, std::uint64_t generation) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  void idle_check(std::size_t index, std::uint64_t generation) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // Ends the slot's worker (if alive) and starts another in its place.
  void replace(std::size_t index) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // Takes the slot's worker down (its generation ends; tasks still on it settle as it ends).
  // `idle`: the pool ends it of its own accord, nothing on it (end_worker).
  void take_down(slot& s, bool idle = false) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // Ends worker `th`: at once, or, when `idle` and there is a pool_options::teardown,
  // once it has run that (`th` is moved from; close() waits for it: teardowns_).
  void end_worker(wasm_mt::thread& th, bool idle) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // (Shared with the workers running their teardown: they may end after the pool.)
  std::shared_ptr<pool_teardowns> teardowns_ = std::make_shared<pool_teardowns>();
  // Settles close() wait `waiter` now, or once the teardowns running have ended.
  void settle_close(promise<void> waiter) noexcept;
  // Slot `index`'s worker died `lived_ms` after it became ready: a restart storm in the
  // making. The slot waits to retry, with the backoff of a failed start; its tasks wait.
  void died_young(std::size_t index, double lived_ms) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // Slots that will start a thread again on their own (waiting after a young death).
  bool will_restart() const noexcept;
  // Why a slot starts a thread: the pool needs one more; its worker died or failed to
  // start (a replacement, counted in health()); its worker was recycled.
  enum class start_reason { needed, replacing, recycling };
  // Starts a thread in slot `index`.
  void start_thread(std::size_t index, start_reason why) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  void start_failed(std::size_t index, std::string why) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  void retry_start(std::size_t index) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  void start_timed_out(std::size_t index, std::uint64_t generation) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  std::exception_ptr no_thread_error() const noexcept;
  void fail_queue(const std::exception_ptr& error) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // The most tasks the queue holds now (max_queue, plus what starting threads and the
  // threads the pool may add will take).
  std::size_t queue_room() const noexcept;
  // Job `job`'s caller got its outcome (`failure`: its error, or nullptr for a value);
  // `ran`: where, if it left the queue. The settled() waiters list a failure (unless a
  // cancellation), and on_event hears task_settled.
  void caller_settled(const pool_job& job, const std::exception_ptr* failure, const running_job* ran) noexcept;
  // Settles the waits that the queue and the running jobs now allow: drained() once the
  // queue is empty and has room (needs_drain() false); settled() once no job is queued or running either, and then, after
  // close(), ends the threads (from a fresh timer task, never inside a reply's handling).
  // Called wherever a job leaves the queue or the running jobs.
  void check_waits() WASM_MT_DETAIL_NOEXCEPT_JS_EH;

  pool_options options_;
  program code_;
  std::deque<slot> slots_;  // (a deque: growing keeps references to slots valid)
  std::deque<std::shared_ptr<pool_job>> queue_;
  std::unordered_map<std::uint64_t, running_job> running_;  // by job ID (unique in the pool)
  std::uint64_t next_job_id_ = 1;
  std::string last_start_error_;
  bool shut_down_ = false;
  bool closing_ = false;
  bool dispatching_ = false;
  std::uint64_t starting_job_ = 0;  // the job being sent, while start() sends it
  promise<void> ready_waiter_;               // create()'s
  std::vector<promise<void>> close_waiters_;  // close()'s
  timer close_timer_;
  timer close_deadline_;                      // the earliest close_options::timeout_ms
  double close_deadline_ms_ = std::numeric_limits<double>::infinity();
  // settled()'s, each with the failures (not cancellations) since it was made.
  struct settle_waiter {
    promise<std::vector<wasm_mt::error>> done;
    std::vector<std::exception_ptr> failures;
  };
  std::vector<settle_waiter> settle_waiters_;
  // Settles `waiter` with its failures as errors (unless it failed already).
  static void settle(settle_waiter& waiter) noexcept;
  std::vector<promise<void>> drain_waiters_;  // drained()'s
  // Statistics (pool::stats(), health()'s counts), and each kind's usual duration.
  pool_statistics statistics_;

  // Events for options_.on_event (pool_events.cpp). The handler is shared so that a
  // delivery keeps it alive while it runs, even if it destroys the pool.
  using event_handler = std::function<void(const pool_event&)>;
  std::shared_ptr<const event_handler> on_event_;
  std::vector<pool_event> events_;  // made, not delivered yet
  bool delivery_scheduled_ = false;
  // Queues `event` (kind, worker, slot; `task`, `error`, `replaces` when given) for the
  // handler, stamped now, and schedules its delivery. Nothing when there is no handler.
  void emit(pool_event_kind kind, std::uint64_t worker, std::size_t slot, std::uint64_t task = 0,
            std::exception_ptr error = nullptr, std::uint64_t replaces = 0) noexcept;
  // The same for slot `index`'s worker, with the error make_error() returns, if any
  // (made only when there is a handler).
  void emit_worker(pool_event_kind kind, std::size_t index) noexcept { emit(kind, slots_[index].worker, index); }
  template <class MakeError>
  void emit_worker(pool_event_kind kind, std::size_t index, MakeError make_error) noexcept {
    if (on_event_) emit(kind, slots_[index].worker, index, 0, exception_or_failure(make_error));
  }
  void deliver_events() WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // A task whose worker died before it ran goes to another this many times in all, then
  // fails with that death: no task is passed from worker to worker for ever.
  static constexpr unsigned max_attempts = 3;
};

}  // namespace wasm_mt::detail
