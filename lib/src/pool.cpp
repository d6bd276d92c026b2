#include "wasm_mt/pool.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <deque>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "wasm_mt/detail/glue.hpp"
#include "wasm_mt/detail/timer.hpp"
#include "wasm_mt/utils.hpp"

#include "duration_histogram.hpp"
#include "failure.hpp"
#include "thread_state.hpp"

namespace wasm_mt {

struct pool_access {
  static detail::thread_state* state_of(thread& th) noexcept { return th.state_.get(); }
};

namespace detail {
namespace {

// Whether `failure` says that the task certainly never ran (its worker died first).
bool never_ran(const std::exception_ptr& failure) noexcept {
  try {
    std::rethrow_exception(failure);
  } catch (const wasm_mt::error& e) {
    return e.not_run() && (e.kind() == error_kind::worker_crashed || e.kind() == error_kind::spawn_failed);
  } catch (...) {
    return false;
  }
}

// Throws std::invalid_argument unless `value` (of option `name`) is at most `limit`.
void check_count(std::size_t value, const char* name, std::size_t limit) {
  if (value <= limit) return;
  throw std::invalid_argument(std::string("wasm_mt: pool_options::") + name + " is " + std::to_string(value) +
                              (value > std::size_t(-1) / 2 ? " (a negative number converted?)" : "") +
                              "; at most " + std::to_string(limit));
}

// A worker that dies this soon after it became ready died young: its restart backs off.
constexpr double young_death_ms = 1000;

// Replacement starts that failed in a row are retried after 100 ms, 200 ms, ... 30 s.
double retry_delay_ms(unsigned failures) noexcept { return std::min(100.0 * std::ldexp(1.0, int(std::min(failures, 20u)) - 1), 30000.0); }

}  // namespace

pool_options checked_pool_options(pool_options options) {
  constexpr std::size_t most_threads = 1024, most_tasks = std::size_t(1) << 31;
  check_count(options.threads, "threads", most_threads);
  check_count(options.max_threads, "max_threads", most_threads);
  if (options.min_threads) check_count(*options.min_threads, "min_threads", most_threads);
  check_count(options.max_queued, "max_queued", most_tasks);
  check_count(options.max_in_flight, "max_in_flight", most_tasks);
  check_delay(options.task_timeout_ms, "pool_options::task_timeout_ms");
  check_delay(options.idle_timeout_ms, "pool_options::idle_timeout_ms");
  check_delay(options.init_timeout_ms, "pool_options::init_timeout_ms");
  check_delay(options.stop_grace_ms, "pool_options::stop_grace_ms");
  if (options.threads) {
    if (options.min_threads || options.max_threads)
      throw std::invalid_argument(
          "wasm_mt: pool_options::threads (a fixed size) cannot be given with min_threads or max_threads");
    options.min_threads = options.max_threads = options.threads;
    return options;
  }
  if (options.min_threads && options.max_threads && *options.min_threads > options.max_threads)
    throw std::invalid_argument("wasm_mt: pool_options::min_threads (" + std::to_string(*options.min_threads) +
                                ") is more than max_threads (" + std::to_string(options.max_threads) + ")");
  if (!options.max_threads) options.max_threads = std::max(hardware_concurrency(), options.min_threads.value_or(0));
  if (!options.min_threads) options.min_threads = options.max_threads;
  return options;
}

// The state of a pool, shared with its jobs (which hold it weakly: a job settling after
// the pool is gone finds nothing to update). The one place that keeps the pool's books:
// its slots (one thread each), its queue, its running jobs and its statistics. Nothing
// here runs user code (continuations run later, from a microtask), and nothing here
// throws: with no memory for the books, the job concerned fails and the pool goes on.
class pool_state : public std::enable_shared_from_this<pool_state> {
 public:
  // `options`: checked (checked_pool_options).
  pool_state(pool_options options, program code) : options_(std::move(options)), code_(code) {}
  ~pool_state() { shut_down(); }

  // Starts the min_threads first threads.
  void start_threads();
  // Settles once min_threads threads are running (their init done), or fails with the
  // first start that failed.
  future<void> ready();

  std::uint64_t enqueue(std::shared_ptr<pool_job>&& job);
  // Stops job `id` (job::cancel, its stop token, its deadline): a queued one fails as
  // not run; a running one fails now, its worker is told, and replaced if it still runs
  // after stop_grace_ms. False when the job had settled.
  bool stop_job(std::uint64_t id, error_kind kind, double timeout_ms) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  future<void> close();
  void shut_down() WASM_MT_DETAIL_NOEXCEPT_JS_EH;

  std::size_t size() const noexcept { return count(slot_stage::running) + count(slot_stage::starting) + count(slot_stage::waiting_to_retry); }
  std::size_t threads_alive() const noexcept { return count(slot_stage::running); }
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
    // The jobs sent to this generation's worker and not settled, in the order sent (their
    // books: running_). What the slot may take next is decided from this list.
    std::vector<std::uint64_t> sent;
    double last_settled_ms = 0;
    double running_since_ms = 0;        // when it became ready to take tasks
    double idle_since_ms = 0;           // when its last task settled
    unsigned failed_starts = 0;         // in a row (a worker that died young counts as one)
    bool died_young = false;            // waiting to retry because its worker died young
    bool idle_check_armed = false;
    timer deadline;  // the running task's timeout (one task per thread then)
    timer retry;     // the next start, after a failed one
    timer starting;  // the start's deadline (init_timeout_ms)
    timer idle;      // the next check whether it has been idle for idle_timeout_ms
  };
  struct running_job {
    std::shared_ptr<pool_job> job;
    std::size_t slot;
    std::uint64_t generation;
    double sent_ms;
    bool short_when_sent;
    bool alone;   // may be stopped: runs alone on its thread
    timer grace;  // once stopped: the end of its stop_grace_ms
    bool grace_extended = false;  // (once, for tasks pipelined behind it)
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
  void count_settled(const std::exception_ptr* failure) noexcept;
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
  // Slot `index` has nothing in flight: it may retire once idle for idle_timeout_ms.
  void went_idle(std::size_t index) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  void idle_check(std::size_t index, std::uint64_t generation) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // Ends the slot's worker (if alive) and starts another in its place.
  void replace(std::size_t index) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // Takes the slot's worker down (its generation ends; tasks still on it settle as it ends).
  void take_down(slot& s) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // Slot `index`'s worker died `lived_ms` after it became ready: a restart storm in the
  // making. The slot waits to retry, with the backoff of a failed start; its tasks wait.
  void died_young(std::size_t index, double lived_ms) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // Slots that will start a thread again on their own (waiting after a young death).
  bool will_restart() const noexcept;
  // Starts a thread in slot `index` (`replacing`: one that died or failed to start).
  void start_thread(std::size_t index, bool replacing) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  void start_failed(std::size_t index, std::string why) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  void retry_start(std::size_t index) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  void start_timed_out(std::size_t index, std::uint64_t generation) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  std::exception_ptr no_thread_error() const noexcept;
  void fail_queue(const std::exception_ptr& error) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // Once close() was called and no task is left: ends the threads (from a fresh timer
  // task, never inside a reply's handling).
  void close_if_done() WASM_MT_DETAIL_NOEXCEPT_JS_EH;

  pool_options options_;
  program code_;
  std::deque<slot> slots_;  // (a deque: growing keeps references to slots valid)
  std::deque<std::shared_ptr<pool_job>> queue_;
  std::unordered_map<std::uint64_t, running_job> running_;  // by job ID (unique in the pool)
  std::uint64_t next_job_id_ = 1;
  std::unordered_map<std::uint32_t, double> service_ms_;  // moving average of a kind's time on a thread
  std::uint64_t replacements_ = 0;
  std::uint64_t young_deaths_ = 0;
  std::string last_start_error_;
  bool shut_down_ = false;
  bool closing_ = false;
  bool dispatching_ = false;
  std::uint64_t starting_job_ = 0;  // the job being sent, while start() sends it
  std::shared_ptr<shared_state<void>> ready_waiter_;               // create()'s
  std::vector<std::shared_ptr<shared_state<void>>> close_waiters_;  // close()'s
  timer close_timer_;
  // Statistics (pool::stats()).
  std::uint64_t completed_ = 0, failed_ = 0, cancelled_ = 0;
  duration_histogram run_ms_, wait_ms_;
  double busy_ms_ = 0;      // sum of run times
  double capacity_ms_ = 0;  // time slots spent running, up to their last stop
  // A task whose worker died before it ran goes to another this many times in all, then
  // fails with that death: no task is passed from worker to worker for ever.
  static constexpr unsigned max_attempts = 3;
};

void pool_state::start_threads() {
  const std::size_t first = *options_.min_threads;
  slots_.resize(first);
  for (std::size_t i = 0; i < first; ++i) start_thread(i, false);
}

future<void> pool_state::ready() {
  auto waiter = std::make_shared<shared_state<void>>();
  if (count(slot_stage::running) >= *options_.min_threads) waiter->set_value({});
  else if (!last_start_error_.empty()) waiter->set_error(no_thread_error());
  else ready_waiter_ = waiter;
  return future<void>(std::move(waiter));
}

void pool_state::watch(std::size_t index) {
  auto& s = slots_[index];
  auto* state = pool_access::state_of(*s.th);
  if (!state) return;
  state->set_watcher([weak = weak_from_this(), index, generation = s.generation](bool ready) {
    if (auto self = weak.lock()) self->thread_event(index, generation, ready);
  });
}

std::uint64_t pool_state::enqueue(std::shared_ptr<pool_job>&& job) {
  const std::uint64_t id = job->id = next_job_id_++;
  job->pool = weak_from_this();
  job->queued_ms = wasm_mt_js_now_ms();
  if (shut_down_ || closing_) {
    fail(job, exception_or_failure([this] {
      return wasm_mt::error(error_kind::cancelled,
                            closing_ ? "the pool was closed (close())" : "the pool was destroyed", {}, true);
    }));
  } else if (!can_serve()) {
    fail(job, no_thread_error());
  } else if (options_.max_queued &&
             queue_.size() >= options_.max_queued + count(slot_stage::starting) + (options_.max_threads - size())) {
    fail(job, exception_or_failure([this] {
      return wasm_mt::error(error_kind::queue_full,
                            "the pool's queue holds its maximum of " + std::to_string(options_.max_queued) + " tasks",
                            {}, true);
    }));
  } else {
    try {
      queue_.push_back(job);
    } catch (...) {
      fail(job, std::current_exception());
      return id;
    }
    dispatch();
  }
  return id;
}

void pool_state::fail(const std::shared_ptr<pool_job>& job, std::exception_ptr failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  count_settled(&failure);
  job->fail(std::move(failure));
}

void pool_state::count_settled(const std::exception_ptr* failure) noexcept {
  if (!failure) {
    ++completed_;
    return;
  }
  try {
    std::rethrow_exception(*failure);
  } catch (const wasm_mt::error& e) {
    ++(e.kind() == error_kind::cancelled ? cancelled_ : failed_);
  } catch (...) {
    ++failed_;
  }
}

bool pool_state::stop_job(std::uint64_t id, error_kind kind, double timeout_ms) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto found = std::find_if(queue_.begin(), queue_.end(), [id](const auto& job) { return job->id == id; });
  if (found == queue_.end())
    return stop_running(id, stop_failure(kind, timeout_ms, false), stop_failure(kind, timeout_ms, true));
  auto job = std::move(*found);
  queue_.erase(found);
  fail_queued(job, stop_failure(kind, timeout_ms, true));
  close_if_done();
  return true;
}

// The job stays on its slot's books (busy) until its worker replies or is replaced.
bool pool_state::stop_running(std::uint64_t id, std::exception_ptr failure,
                              std::exception_ptr never_sent) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto found = running_.find(id);
  if (found == running_.end() || found->second.job->stopped) return false;
  auto& running = found->second;
  auto job = running.job;
  auto& s = slots_[running.slot];
  // (Its worker stays busy with it until it answers or is replaced: `settled` counts that.)
  bool dropped = false;  // the thread never sent it to its worker: no answer will come
  if (s.generation == running.generation && s.th && !s.th->is_terminated()) {
    if (auto* state = pool_access::state_of(*s.th)) dropped = state->tell_worker_stopped(*job) != thread_state::told::worker;
    if (running.alone) s.deadline.cancel();  // (the pool's task timeout: this stop replaces it)
    if (std::isfinite(options_.stop_grace_ms) && !dropped) {
      try {
        running.grace = timer(options_.stop_grace_ms, [weak = weak_from_this(), id] {
          if (auto self = weak.lock()) self->grace_over(id);
        });
      } catch (...) {  // no memory for the timer: the worker is replaced now
        running.grace = timer();
        grace_over(id);
      }
    }
  }
  job->stopped = true;
  if (dropped) failure = std::move(never_sent);
  count_settled(&failure);
  job->fail(std::move(failure));  // its continuation runs later, from a microtask
  if (dropped) settled(id, nullptr);  // (its books close now: `running` is gone after this)
  return true;
}

// A stopped job still runs stop_grace_ms after its stop: its worker is replaced. When
// other tasks share its worker (pipelined before or after it: a job::cancel of a task
// that was not alone), it looks once more a grace period later (a task ahead of it may
// still be running and the stopped one not started; short tasks behind it may finish);
// then the worker is replaced whatever it holds, and the tasks still on it fail with
// `terminated`: a stop holds a worker at most two periods. (The pool cannot tell a task
// ahead that still runs from one whose reply waits behind a stuck one: a bound, not a
// wait for ever.)
void pool_state::grace_over(std::uint64_t id) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto found = running_.find(id);
  if (found == running_.end()) return;
  auto& running = found->second;
  auto& s = slots_[running.slot];
  if (shut_down_ || s.generation != running.generation) return;
  if (s.sent.size() > 1 && !running.grace_extended) {
    running.grace_extended = true;
    try {
      running.grace = timer(options_.stop_grace_ms, [weak = weak_from_this(), id] {
        if (auto self = weak.lock()) self->grace_over(id);
      });
      return;
    } catch (...) {  // no memory for the timer: replaced now
    }
  }
  replace(running.slot);  // its request settles through `settled`, stopped: nothing is counted twice
  dispatch();
}

future<void> pool_state::close() {
  auto waiter = std::make_shared<shared_state<void>>();
  if (shut_down_) {
    waiter->set_value({});
  } else {
    close_waiters_.push_back(waiter);
    closing_ = true;
    close_if_done();
  }
  return future<void>(std::move(waiter));
}

void pool_state::close_if_done() WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  if (!closing_ || shut_down_ || !queue_.empty() || !running_.empty()) return;
  try {
    close_timer_ = timer(0, [weak = weak_from_this()] {
      if (auto self = weak.lock(); self && self->queue_.empty() && self->running_.empty()) self->shut_down();
    });
  } catch (...) {  // no memory for the timer: end now
    shut_down();
  }
}

void pool_state::shut_down() WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  if (shut_down_) return;
  shut_down_ = true;
  fail_queue(exception_or_failure([this] {
    return wasm_mt::error(error_kind::cancelled,
                          closing_ ? "the pool was destroyed while closing, before the task ran"
                                   : "the pool was destroyed before the task ran",
                          {}, true);
  }));
  for (auto& s : slots_) {
    end_running_time(s);
    s.deadline.cancel();
    s.retry.cancel();
    s.idle.cancel();
    s.starting.cancel();
    if (s.th) s.th->terminate();  // its running tasks fail with `terminated`; a starting one ends
    ++s.generation;
    set_stage(s, slot_stage::retired);
  }
  close_timer_.cancel();
  if (ready_waiter_)
    std::exchange(ready_waiter_, nullptr)->set_error(exception_or_failure([] {
      return wasm_mt::error(error_kind::terminated, "the pool was destroyed while starting", {}, true);
    }));
  for (auto& waiter : std::exchange(close_waiters_, {})) waiter->set_value({});
}

void pool_state::fail_queue(const std::exception_ptr& error) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  std::deque<std::shared_ptr<pool_job>> failing;
  failing.swap(queue_);
  for (auto& job : failing) fail_queued(job, error);
}

void pool_state::fail_queued(const std::shared_ptr<pool_job>& job, std::exception_ptr failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  if (job->attempts == 0) wait_ms_.record(wasm_mt_js_now_ms() - job->queued_ms);  // (a retried task waited once)
  fail(job, std::move(failure));
}

bool pool_state::can_grow() const noexcept { return size() < options_.max_threads; }

bool pool_state::needed(std::size_t index) const noexcept {
  std::size_t others = 0;
  for (std::size_t i = 0; i < slots_.size(); ++i)
    if (i != index && (slots_[i].stage == slot_stage::running || slots_[i].stage == slot_stage::starting)) ++others;
  return others < *options_.min_threads || !queue_.empty();
}

bool pool_state::can_serve() const noexcept {
  return count(slot_stage::running) || count(slot_stage::starting) || can_grow() || will_restart();
}

std::exception_ptr pool_state::no_thread_error() const noexcept {
  return exception_or_failure([this] {
    return wasm_mt::error(error_kind::spawn_failed,
                          "no thread of the pool is running and none is starting (replacements are retried, "
                          "see pool::health()): " + last_start_error_,
                          {}, true);
  });
}

// A task kind is short once its measured time on a thread is under short_task_ms.
constexpr double short_task_ms = 2.0;

bool pool_state::is_short(std::uint32_t kind) const noexcept {
  auto found = service_ms_.find(kind);
  return found != service_ms_.end() && found->second < short_task_ms;
}

// Tasks of `kind` in flight per thread: enough to keep about short_task_ms of work
// queued in a worker, so tiny tasks never wait a round trip; one for anything else, and
// always one when a timeout is set.
std::size_t pool_state::depth_limit(std::uint32_t kind) const noexcept {
  if (has_timeout() || options_.max_in_flight <= 1 || !is_short(kind)) return 1;
  auto depth = static_cast<std::size_t>(short_task_ms / std::max(service_ms_.at(kind), 1e-3));
  return std::clamp<std::size_t>(depth, 1, options_.max_in_flight);
}

// An idle running thread takes anything; a busy one only a short task, and only behind
// short ones. (A thread that has just died is still `running` until its death is
// reported, after its requests have failed.)
bool pool_state::can_take(const slot& s, const pool_job& job) const noexcept {
  if (s.stage != slot_stage::running || s.th->is_terminated()) return false;
  if (s.sent.empty()) return true;
  if (may_stop(job) || s.sent.size() >= depth_limit(job.kind)) return false;
  return !any_sent(s, [](const running_job& r) { return r.alone || r.job->stopped || !r.short_when_sent; });
}

bool pool_state::may_stop(const pool_job& job) const noexcept {
  return has_timeout() || (job.flags() & streams) ||
         (job.controls && (job.controls->stop.stop_possible() || std::isfinite(job.controls->timeout_ms)));
}

// Not reentrant: a job that fails as it starts (captures that cannot be encoded) settles
// at once and asks for a dispatch, which the loop running already does.
void pool_state::dispatch() WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  if (dispatching_) return;
  dispatching_ = true;
  while (!queue_.empty()) {
    const pool_job& next = *queue_.front();
    std::size_t best = slots_.size();
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      if (!can_take(slots_[i], next)) continue;
      if (best == slots_.size() || slots_[i].sent.size() < slots_[best].sent.size()) best = i;
    }
    if (best == slots_.size()) break;
    auto job = std::move(queue_.front());
    queue_.pop_front();
    start(best, std::move(job));
  }
  grow();
  dispatching_ = false;
  close_if_done();
}

void pool_state::grow() WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  while (!shut_down_ && !queue_.empty() && can_grow() && count(slot_stage::starting) < queue_.size()) {
    auto free = std::find_if(slots_.begin(), slots_.end(), [](const slot& s) { return s.stage == slot_stage::retired; });
    const auto index = std::size_t(free - slots_.begin());
    try {
      if (free == slots_.end()) slots_.emplace_back();
    } catch (...) {
      return;  // no memory for another slot: the threads there are serve the queue
    }
    start_thread(index, false);
  }
}

// Books `job` as running on slot `index`, then sends it. What the books need is
// allocated first: without it the job fails and the slot's books stay as they were.
void pool_state::start(std::size_t index, std::shared_ptr<pool_job> job) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto& s = slots_[index];
  const std::uint64_t id = job->id;
  const bool short_kind = is_short(job->kind);
  const bool alone = may_stop(*job);
  const double now = wasm_mt_js_now_ms();
  try {
    timer deadline;
    if (has_timeout())
      deadline = timer(options_.task_timeout_ms, [weak = weak_from_this(), id] {
        if (auto self = weak.lock()) self->timed_out(id);
      });
    s.sent.reserve(s.sent.size() + 1);
    running_.emplace(id, running_job{job, index, s.generation, now, short_kind, alone, timer()});
    s.sent.push_back(id);  // (reserved: does not throw)
    s.deadline = std::move(deadline);
  } catch (...) {
    fail(job, std::current_exception());
    return;
  }
  if (job->attempts == 0) wait_ms_.record(now - job->queued_ms);  // (a retried task waited once)
  ++job->attempts;
  starting_job_ = id;
  job->start(*s.th, job);  // may settle at once (captures that cannot be encoded)
  starting_job_ = 0;
}

std::optional<pool_state::running_job> pool_state::finish(std::uint64_t id) noexcept {
  auto node = running_.extract(id);
  if (node.empty()) return std::nullopt;
  running_job done = std::move(node.mapped());
  auto& s = slots_[done.slot];
  if (s.generation == done.generation) {
    s.sent.erase(std::find(s.sent.begin(), s.sent.end(), id));
    s.deadline.cancel();
  }
  done.grace.cancel();
  return done;
}

// A running task settled (failure: its error, or nullptr). Returns true when the pool
// takes it back to retry it: it never ran because its worker died first. (A dead worker
// is replaced by thread_event, which its death reports.)
bool pool_state::settled(std::uint64_t id, const std::exception_ptr* failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto done = finish(id);
  if (!done) return false;  // not running (a stopped job's late reply after its worker was replaced)
  const bool stopped = done->job->stopped;  // its caller has its error, and it was counted
  const bool retry = !stopped && !shut_down_ && failure && never_ran(*failure) && done->job->retriable &&
                     done->job->attempts < max_attempts && requeue(done->job);
  // (One that never left, or never ran, knows nothing of durations; a stopped one's time
  // on its worker counts as busy, but says nothing of its kind's usual duration.)
  if (!retry && id != starting_job_) learn_duration(*done, !stopped);
  if (!retry && !stopped) count_settled(failure);
  if (shut_down_) return false;
  if (slots_[done->slot].generation == done->generation && slots_[done->slot].sent.empty()) went_idle(done->slot);
  dispatch();
  return retry;
}

// Learns how long tasks of the settled job's kind take: its time on the thread, from
// when it was sent or, if later, from when the task before it on the same thread
// settled (it waited behind it). With no memory for a new kind, the pool learns nothing.
void pool_state::learn_duration(const running_job& done, bool learn) noexcept {
  auto& s = slots_[done.slot];
  const double now = wasm_mt_js_now_ms();
  const double service = now - std::max(done.sent_ms, s.generation == done.generation ? s.last_settled_ms : 0.0);
  if (s.generation == done.generation) s.last_settled_ms = now;
  run_ms_.record(service);
  busy_ms_ += service;
  if (!learn) return;
  try {
    auto [average, first] = service_ms_.try_emplace(done.job->kind, service);
    if (!first) average->second = 0.8 * average->second + 0.2 * service;
  } catch (...) {
  }
}

// Puts a job that never ran back at the head of the queue. False with no memory for
// that: the job then settles with its worker's crash.
bool pool_state::requeue(const std::shared_ptr<pool_job>& job) noexcept {
  try {
    queue_.push_front(job);
    return true;
  } catch (...) {
    return false;
  }
}

void pool_state::timed_out(std::uint64_t id) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto failure = exception_or_failure([this] {
    char limit[32];
    std::snprintf(limit, sizeof limit, "%g", options_.task_timeout_ms);
    return wasm_mt::error(error_kind::timeout, std::string("the task ran longer than pool_options::task_timeout_ms (") +
                                                   limit + " ms): it was stopped");
  });
  stop_running(id, failure, failure);
}

// The thread of slot `index` (if still that generation's) became ready, or died.
void pool_state::thread_event(std::size_t index, std::uint64_t generation, bool ready) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto* live = live_slot(index, generation);
  if (!live) return;
  auto& s = *live;
  if (ready) {
    if (!options_.init) became_running(index);  // else once its init is done
    return;
  }
  if (s.stage == slot_stage::starting) {
    std::string why;
    try {
      if (auto* state = pool_access::state_of(*s.th)) why = state->death_error().what();
    } catch (...) {  // no memory for the text: the last one stays
    }
    return start_failed(index, std::move(why));
  }
  const double lived_ms = wasm_mt_js_now_ms() - s.running_since_ms;
  if (lived_ms < young_death_ms) {
    died_young(index, lived_ms);
  } else {
    replace(index);  // it crashed, busy or idle
  }
  dispatch();
}

void pool_state::died_young(std::size_t index, double lived_ms) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto& s = slots_[index];
  ++young_deaths_;
  try {
    auto* state = s.th ? pool_access::state_of(*s.th) : nullptr;
    std::string why = state ? state->death_error().what() : std::string("it died");
    last_start_error_ = "a worker died " + std::to_string(static_cast<long long>(lived_ms)) +
                        " ms after it became ready (restarts back off): " + why;
  } catch (...) {  // no memory for the text: the last one stays
  }
  take_down(s);
  set_stage(s, slot_stage::waiting_to_retry);
  s.died_young = true;
  ++s.failed_starts;
  try {
    // (Restarted as a crashed worker is, needed or not: only later.)
    s.retry = timer(retry_delay_ms(s.failed_starts), [weak = weak_from_this(), index] {
      if (auto self = weak.lock(); self && !self->shut_down_) self->start_thread(index, true);
    });
  } catch (...) {  // no memory for the timer: restarted now
    start_thread(index, true);
  }
}

bool pool_state::will_restart() const noexcept {
  return std::any_of(slots_.begin(), slots_.end(),
                     [](const slot& s) { return s.stage == slot_stage::waiting_to_retry && s.died_young; });
}

void pool_state::run_init(std::size_t index) {
  auto& s = slots_[index];
  options_.init(*s.th)
      .then(
          [weak = weak_from_this(), index, generation = s.generation] {
            if (auto self = weak.lock()) self->init_done(index, generation, nullptr);
          },
          [weak = weak_from_this(), index, generation = s.generation](const wasm_mt::error& e) {
            if (auto self = weak.lock()) self->init_done(index, generation, &e);
          })
      .detach();
}

void pool_state::start_timed_out(std::size_t index, std::uint64_t generation) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto* live = live_slot(index, generation);
  if (!live || live->stage != slot_stage::starting) return;
  auto& s = *live;
  std::string why;
  try {
    why = "its init closure did not finish within pool_options::init_timeout_ms (" +
          std::to_string(options_.init_timeout_ms) + " ms)";
  } catch (...) {
  }
  if (s.th) s.th->terminate();
  start_failed(index, std::move(why));
}

void pool_state::init_done(std::size_t index, std::uint64_t generation,
                           const wasm_mt::error* failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto* live = live_slot(index, generation);
  if (!live || live->stage != slot_stage::starting) return;
  auto& s = *live;
  if (!failure) return became_running(index);
  std::string why;
  try {
    why = std::string("its init closure failed: ") + failure->what();
  } catch (...) {
  }
  if (s.th) s.th->terminate();
  start_failed(index, std::move(why));
}

void pool_state::became_running(std::size_t index) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto& s = slots_[index];
  s.starting.cancel();
  set_stage(s, slot_stage::running);  // (failed_starts is reset once a worker lives past young_death_ms)
  s.running_since_ms = wasm_mt_js_now_ms();
  if (ready_waiter_ && count(slot_stage::running) >= *options_.min_threads)
    std::exchange(ready_waiter_, nullptr)->set_value({});
  dispatch();
  if (s.stage == slot_stage::running && s.sent.empty()) went_idle(index);
}

void pool_state::end_running_time(slot& s) noexcept {
  if (s.stage == slot_stage::running) capacity_ms_ += wasm_mt_js_now_ms() - s.running_since_ms;
}

void pool_state::set_stage(slot& s, slot_stage to) noexcept {
  using stage = slot_stage;
  const stage from = s.stage;
  [[maybe_unused]] const bool allowed =
      to == stage::retired || (from == stage::retired && to == stage::starting) ||
      (from == stage::starting && (to == stage::running || to == stage::waiting_to_retry)) ||
      (from == stage::running && (to == stage::starting || to == stage::waiting_to_retry)) ||
      (from == stage::waiting_to_retry && to == stage::starting);
  assert(allowed && "wasm_mt: a pool slot moved between stages it cannot");
  s.stage = to;
}

void pool_state::went_idle(std::size_t index) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  if (*options_.min_threads == options_.max_threads) return;  // a fixed size: nothing retires
  auto& s = slots_[index];
  s.idle_since_ms = wasm_mt_js_now_ms();
  if (s.idle_check_armed || threads_alive() <= *options_.min_threads || !std::isfinite(options_.idle_timeout_ms)) return;
  try {
    s.idle = timer(options_.idle_timeout_ms, [weak = weak_from_this(), index, generation = s.generation] {
      if (auto self = weak.lock()) self->idle_check(index, generation);
    });
    s.idle_check_armed = true;
  } catch (...) {  // no memory for the timer: it stays until the next time it is idle
  }
}

// Retires the slot's thread if it is still idle and has been for idle_timeout_ms (else
// looks again when it will have been).
void pool_state::idle_check(std::size_t index, std::uint64_t generation) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  slots_[index].idle_check_armed = false;
  auto* live = live_slot(index, generation);
  if (!live || live->stage != slot_stage::running || !live->sent.empty()) return;
  auto& s = *live;
  if (threads_alive() <= *options_.min_threads) return;  // (starting or failing ones do not count)
  const double idle_for = wasm_mt_js_now_ms() - s.idle_since_ms;
  if (idle_for < options_.idle_timeout_ms) {
    try {
      s.idle = timer(options_.idle_timeout_ms - idle_for, [weak = weak_from_this(), index, generation] {
        if (auto self = weak.lock()) self->idle_check(index, generation);
      });
      s.idle_check_armed = true;
    } catch (...) {
    }
    return;
  }
  take_down(s);
  set_stage(s, slot_stage::retired);
}

void pool_state::replace(std::size_t index) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  if (shut_down_) return;
  take_down(slots_[index]);
  start_thread(index, true);
}

void pool_state::take_down(slot& s) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  // (A worker that lived past young_death_ms ends a run of failed starts.)
  if (s.stage == slot_stage::running && wasm_mt_js_now_ms() - s.running_since_ms >= young_death_ms) s.failed_starts = 0;
  end_running_time(s);
  ++s.generation;
  s.sent.clear();
  s.deadline.cancel();
  s.idle.cancel();
  s.idle_check_armed = false;
  // Tasks still on the old worker settle through `settled` as it ends.
  if (s.th) s.th->terminate();
  s.th.reset();
}

void pool_state::start_thread(std::size_t index, bool replacing) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto& s = slots_[index];
  set_stage(s, slot_stage::starting);
  s.died_young = false;
  s.sent.clear();
  s.last_settled_ms = 0;
  if (replacing) ++replacements_;
  try {
    s.th.emplace(wasm_mt::thread::start(code_, options_.label + "-" + std::to_string(index)));
    s.th->set_callbacks(options_.callbacks);
    watch(index);
    if (options_.init) {
      run_init(index);
      if (std::isfinite(options_.init_timeout_ms))
        s.starting = timer(options_.init_timeout_ms, [weak = weak_from_this(), index, generation = s.generation] {
          if (auto self = weak.lock()) self->start_timed_out(index, generation);
        });
    }
  } catch (...) {
    if (s.th) s.th->terminate();
    s.th.reset();
    start_failed(index, "no memory to start a thread");
  }
}

// Slot `index` could not start a thread: it retries later (retry_start). With no thread
// left running or starting, the queue fails; later tasks fail at once while the pool
// cannot add a thread either, else each tries a new start.
void pool_state::start_failed(std::size_t index, std::string why) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto& s = slots_[index];
  ++s.generation;
  s.starting.cancel();
  s.th.reset();
  set_stage(s, slot_stage::waiting_to_retry);
  ++s.failed_starts;
  if (!why.empty()) last_start_error_ = std::move(why);
  if (ready_waiter_)
    std::exchange(ready_waiter_, nullptr)->set_error(exception_or_failure([this] {
      return wasm_mt::error(error_kind::spawn_failed, "the pool could not start its threads: " + last_start_error_,
                            {}, true);
    }));
  try {
    s.retry = timer(retry_delay_ms(s.failed_starts), [weak = weak_from_this(), index] {
      if (auto self = weak.lock(); self && !self->shut_down_) self->retry_start(index);
    });
  } catch (...) {  // no memory for the timer: this slot stays down
  }
  // Nothing runs or starts for the queue: it fails now rather than wait for retries.
  if (!count(slot_stage::running) && !count(slot_stage::starting) && !will_restart()) fail_queue(no_thread_error());
  close_if_done();
}

// A failed start's retry is due: tries again if the slot is needed, else retires it (an
// elastic pool with no demand stops trying until a task asks for a thread).
void pool_state::retry_start(std::size_t index) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  if (needed(index)) return start_thread(index, true);
  auto& s = slots_[index];
  ++s.generation;
  set_stage(s, slot_stage::retired);
}

pool_health pool_state::health() const {
  pool_health h;
  h.threads = size();
  h.running = count(slot_stage::running);
  h.starting = count(slot_stage::starting);
  h.waiting_to_retry = count(slot_stage::waiting_to_retry);
  h.replacements = replacements_;
  h.young_deaths = young_deaths_;
  h.last_start_error = last_start_error_;
  return h;
}

pool_stats pool_state::stats() const {
  pool_stats st;
  st.completed = completed_;
  st.failed = failed_;
  st.cancelled = cancelled_;
  st.run = run_ms_.summary();
  st.wait = wait_ms_.summary();
  double capacity = capacity_ms_;
  const double now = wasm_mt_js_now_ms();
  for (const auto& s : slots_)
    if (s.stage == slot_stage::running) capacity += now - s.running_since_ms;
  st.utilization = capacity > 0 ? std::clamp(busy_ms_ / capacity, 0.0, 1.0) : 0.0;
  return st;
}

bool pool_job_settled(const std::weak_ptr<pool_state>& pool, std::uint64_t id,
                      const std::exception_ptr* failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto self = pool.lock();
  return self && self->settled(id, failure);
}

bool stop_pool_job(const std::weak_ptr<pool_state>& pool, std::uint64_t id, error_kind kind,
                   double timeout_ms) noexcept {
  auto state = pool.lock();
  return state && state->stop_job(id, kind, timeout_ms);
}

}  // namespace detail

future<pool> pool::create(pool_options options, const program& code, detail::call_site site) {
  future<pool> result = [&] {
    try {
      return wait_until_ready(start(std::move(options), code));
    } catch (...) {  // a bad option
      return future<pool>::ready_error(std::current_exception());
    }
  }();
  detail::set_origin(result, {"pool::create", {}, site});
  return result;
}

pool pool::start(pool_options options, const program& code) {
  auto state = std::make_shared<detail::pool_state>(detail::checked_pool_options(std::move(options)), code);
  state->start_threads();
  return pool(std::move(state));
}

future<pool> pool::wait_until_ready(pool started) {
  co_await started.state_->ready();
  co_return started;
}

pool::pool(std::shared_ptr<detail::pool_state> state) noexcept : state_(std::move(state)) {}
pool::pool(pool&&) noexcept = default;
pool& pool::operator=(pool&& other) noexcept {
  if (this != &other) {
    if (state_) state_->shut_down();
    state_ = std::move(other.state_);
  }
  return *this;
}
pool::~pool() {
  if (state_) state_->shut_down();
}

std::uint64_t pool::enqueue(std::shared_ptr<detail::pool_job> job) {
  if (!state_) {
    job->fail(std::make_exception_ptr(error(error_kind::terminated, "use of a moved-from wasm_mt::pool", {}, true)));
    return 0;
  }
  return state_->enqueue(std::move(job));
}

std::size_t pool::size() const noexcept { return state_ ? state_->size() : 0; }
std::size_t pool::threads_alive() const noexcept { return state_ ? state_->threads_alive() : 0; }
std::size_t pool::queued() const noexcept { return state_ ? state_->queued() : 0; }
std::size_t pool::running() const noexcept { return state_ ? state_->running() : 0; }
pool_health pool::health() const { return state_ ? state_->health() : pool_health{}; }
pool_stats pool::stats() const { return state_ ? state_->stats() : pool_stats{}; }

future<void> pool::close(detail::call_site site) {
  auto closed = [] {
    auto done = std::make_shared<detail::shared_state<void>>();
    done->set_value({});
    return future<void>(std::move(done));
  };
  future<void> result = state_ ? state_->close() : closed();  // a moved-from pool has nothing to close
  detail::set_origin(result, {"pool::close", {}, site});
  return result;
}

}  // namespace wasm_mt
