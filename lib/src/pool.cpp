#include "wasm_mt/pool.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <optional>
#include <unordered_map>

#include "wasm_mt/detail/glue.hpp"
#include "wasm_mt/detail/timer.hpp"
#include "wasm_mt/utils.hpp"

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

// Replacement starts that failed in a row are retried after 100 ms, 200 ms, ... 30 s.
double retry_delay_ms(unsigned failures) noexcept { return std::min(100.0 * std::ldexp(1.0, int(std::min(failures, 20u)) - 1), 30000.0); }

}  // namespace

// The state of a pool, shared with its jobs (which hold it weakly: a job settling after
// the pool is gone finds nothing to update). The one place that keeps the pool's books:
// its slots (one thread each), its queue and its running jobs. Nothing here runs user
// code (continuations run later, from a microtask), and nothing here throws: with no
// memory for the books, the job concerned fails and the pool goes on.
class pool_state : public std::enable_shared_from_this<pool_state> {
 public:
  pool_state(pool_options options, program code) : options_(std::move(options)), code_(code) {}
  ~pool_state() { shut_down(); }

  // Adds a thread that is ready (pool::create).
  void add_thread(wasm_mt::thread th);

  std::uint64_t enqueue(std::shared_ptr<pool_job>&& job);
  bool cancel(std::uint64_t id) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  void shut_down() WASM_MT_DETAIL_NOEXCEPT_JS_EH;

  std::size_t size() const noexcept { return slots_.size(); }
  std::size_t threads_alive() const noexcept {
    return std::count_if(slots_.begin(), slots_.end(), [](const slot& s) { return s.stage == slot_stage::running; });
  }
  std::size_t queued() const noexcept { return queue_.size(); }
  std::size_t running() const noexcept { return running_.size(); }
  pool_health health() const;

 private:
  enum class slot_stage { running, starting, waiting_to_retry };
  struct slot {
    std::optional<wasm_mt::thread> th;  // empty while waiting to retry a failed start
    slot_stage stage = slot_stage::running;
    std::uint64_t generation = 0;       // bumped when the worker is replaced
    std::size_t in_flight = 0;          // tasks sent to this generation's worker, unsettled
    std::size_t not_short_in_flight = 0;  // of which not known to be short when sent
    double last_settled_ms = 0;
    unsigned failed_starts = 0;         // in a row
    timer deadline;  // the running task's timeout (one task per thread then)
    timer retry;     // the next start, after a failed one
  };
  struct running_job {
    std::shared_ptr<pool_job> job;
    std::size_t slot;
    std::uint64_t generation;
    double sent_ms;
    bool short_when_sent;
  };

  void dispatch() WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  bool has_timeout() const noexcept { return options_.task_timeout_ms > 0 && std::isfinite(options_.task_timeout_ms); }
  bool is_short(std::uint32_t kind) const noexcept;
  std::size_t depth_limit(std::uint32_t kind) const noexcept;
  bool can_take(const slot& s, std::uint32_t kind) const noexcept;
  // Whether a task can still expect a thread: one runs, or one is starting.
  bool can_serve() const noexcept;
  void start(std::size_t index, std::shared_ptr<pool_job> job) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  friend bool pool_job_settled(const std::weak_ptr<pool_state>& pool, std::uint64_t id,
                               const std::exception_ptr* failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  bool settled(std::uint64_t id, const std::exception_ptr* failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  void timed_out(std::uint64_t id) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // Takes job `id` off its slot's books; empty if it is not running.
  std::optional<running_job> finish(std::uint64_t id) noexcept;
  void learn_duration(const running_job& done) noexcept;
  bool requeue(const std::shared_ptr<pool_job>& job) noexcept;
  // Watches slot `index`'s thread: ready, or dead (crashed or failed to start). Throws
  // std::bad_alloc with no memory for that.
  void watch(std::size_t index);
  void thread_event(std::size_t index, std::uint64_t generation, bool ready) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // Ends the slot's worker (if alive) and starts another in its place.
  void replace(std::size_t index) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  void start_thread(std::size_t index) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  void start_failed(std::size_t index, std::string why) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  std::exception_ptr no_thread_error() const noexcept;
  template <class Describe>
  void fail_queue(Describe describe) WASM_MT_DETAIL_NOEXCEPT_JS_EH;

  pool_options options_;
  program code_;
  std::vector<slot> slots_;
  std::deque<std::shared_ptr<pool_job>> queue_;
  std::unordered_map<std::uint64_t, running_job> running_;  // by job ID (unique in the pool)
  std::uint64_t next_job_id_ = 1;
  std::unordered_map<std::uint32_t, double> service_ms_;  // moving average of a kind's time on a thread
  std::uint64_t replacements_ = 0;
  std::string last_start_error_;
  bool shut_down_ = false;
  bool dispatching_ = false;
  std::uint64_t starting_job_ = 0;  // the job being sent, while start() sends it
  // A task whose worker died before it ran goes to another this many times in all, then
  // fails with that death: no task is passed from worker to worker for ever.
  static constexpr unsigned max_attempts = 3;
};

void pool_state::add_thread(wasm_mt::thread th) {
  auto& s = slots_.emplace_back();
  const bool dead = th.is_terminated();  // it died after it was ready, before it joined
  s.th.emplace(std::move(th));
  if (dead) return replace(slots_.size() - 1);
  watch(slots_.size() - 1);
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
  if (shut_down_) {
    job->fail(exception_or_failure(
        [] { return wasm_mt::error(error_kind::cancelled, "the pool was destroyed", {}, true); }));
  } else if (!can_serve()) {
    job->fail(no_thread_error());
  } else if (options_.max_queued && queue_.size() >= options_.max_queued) {
    job->fail(exception_or_failure([this] {
      return wasm_mt::error(error_kind::queue_full,
                            "the pool's queue holds its maximum of " + std::to_string(options_.max_queued) + " tasks",
                            {}, true);
    }));
  } else {
    queue_.push_back(std::move(job));
    dispatch();
  }
  return id;
}

bool pool_state::cancel(std::uint64_t id) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto found = std::find_if(queue_.begin(), queue_.end(), [id](const auto& job) { return job->id == id; });
  if (found == queue_.end()) return false;
  auto job = std::move(*found);
  queue_.erase(found);
  job->fail(exception_or_failure(
      [] { return wasm_mt::error(error_kind::cancelled, "the task was cancelled before it ran", {}, true); }));
  return true;
}

void pool_state::shut_down() WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  if (shut_down_) return;
  shut_down_ = true;
  fail_queue([] { return wasm_mt::error(error_kind::cancelled, "the pool was destroyed before the task ran", {}, true); });
  for (auto& s : slots_) {
    s.deadline.cancel();
    s.retry.cancel();
    if (s.th) s.th->terminate();  // its running tasks fail with `terminated`; a starting one ends
  }
}

template <class Describe>
void pool_state::fail_queue(Describe describe) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  std::deque<std::shared_ptr<pool_job>> failing;
  failing.swap(queue_);
  for (auto& job : failing) job->fail(exception_or_failure(describe));
}

bool pool_state::can_serve() const noexcept {
  return std::any_of(slots_.begin(), slots_.end(), [](const slot& s) { return s.stage != slot_stage::waiting_to_retry; });
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
bool pool_state::can_take(const slot& s, std::uint32_t kind) const noexcept {
  if (s.stage != slot_stage::running || s.th->is_terminated()) return false;
  if (s.in_flight == 0) return true;
  return s.not_short_in_flight == 0 && s.in_flight < depth_limit(kind);
}

// Not reentrant: a job that fails as it starts (captures that cannot be encoded) settles
// at once and asks for a dispatch, which the loop running already does.
void pool_state::dispatch() WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  if (dispatching_) return;
  dispatching_ = true;
  while (!queue_.empty()) {
    const std::uint32_t kind = queue_.front()->kind;
    std::size_t best = slots_.size();
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      if (!can_take(slots_[i], kind)) continue;
      if (best == slots_.size() || slots_[i].in_flight < slots_[best].in_flight) best = i;
    }
    if (best == slots_.size()) break;
    auto job = std::move(queue_.front());
    queue_.pop_front();
    start(best, std::move(job));
  }
  dispatching_ = false;
}

// Books `job` as running on slot `index`, then sends it. What the books need is
// allocated first: without it the job fails and the slot's counts stay as they were.
void pool_state::start(std::size_t index, std::shared_ptr<pool_job> job) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto& s = slots_[index];
  const std::uint64_t id = job->id;
  const bool short_kind = is_short(job->kind);
  try {
    timer deadline;
    if (has_timeout())
      deadline = timer(options_.task_timeout_ms, [weak = weak_from_this(), id] {
        if (auto self = weak.lock()) self->timed_out(id);
      });
    running_.emplace(id, running_job{job, index, s.generation, wasm_mt_js_now_ms(), short_kind});
    s.deadline = std::move(deadline);
  } catch (...) {
    job->fail(std::current_exception());
    return;
  }
  ++s.in_flight;
  if (!short_kind) ++s.not_short_in_flight;
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
    --s.in_flight;
    if (!done.short_when_sent) --s.not_short_in_flight;
    s.deadline.cancel();
  }
  return done;
}

// A running task settled (failure: its error, or nullptr). Returns true when the pool
// takes it back to retry it: it never ran because its worker died first. (A dead worker
// is replaced by thread_event, which its death reports.)
bool pool_state::settled(std::uint64_t id, const std::exception_ptr* failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto done = finish(id);
  if (!done) return false;  // timed out already
  if (id != starting_job_) learn_duration(*done);  // (one that never left knows nothing of durations)
  if (shut_down_) return false;
  const bool retry = failure && never_ran(*failure) && done->job->attempts < max_attempts && requeue(done->job);
  dispatch();
  return retry;
}

// Learns how long tasks of the settled job's kind take: its time on the thread, from
// when it was sent or, if later, from when the task before it on the same thread
// settled (it waited behind it). With no memory for a new kind, the pool learns nothing.
void pool_state::learn_duration(const running_job& done) noexcept {
  auto& s = slots_[done.slot];
  const double now = wasm_mt_js_now_ms();
  const double service = now - std::max(done.sent_ms, s.last_settled_ms);
  s.last_settled_ms = now;
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
  auto done = finish(id);
  if (!done) return;
  done->job->fail(exception_or_failure([this] {
    return wasm_mt::error(error_kind::timeout, "the task ran longer than " + std::to_string(options_.task_timeout_ms) +
                                                   " ms; its worker was terminated and replaced");
  }));
  replace(done->slot);
  dispatch();
}

// The thread of slot `index` (if still that generation's) became ready, or died.
void pool_state::thread_event(std::size_t index, std::uint64_t generation, bool ready) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto& s = slots_[index];
  if (shut_down_ || s.generation != generation) return;
  if (ready) {
    s.stage = slot_stage::running;
    s.failed_starts = 0;
    dispatch();
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
  replace(index);  // it crashed, busy or idle
  dispatch();
}

void pool_state::replace(std::size_t index) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto& s = slots_[index];
  if (shut_down_) return;
  ++s.generation;
  s.in_flight = 0;
  s.not_short_in_flight = 0;
  s.deadline.cancel();
  // Tasks still on the old worker settle through `settled` as it ends.
  if (s.th) s.th->terminate();
  s.th.reset();
  start_thread(index);
}

// Starts a new thread in slot `index`; it takes tasks once ready.
void pool_state::start_thread(std::size_t index) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto& s = slots_[index];
  s.stage = slot_stage::starting;
  ++replacements_;
  try {
    s.th.emplace(wasm_mt::thread::start(code_, options_.label + "-" + std::to_string(index)));
    watch(index);
  } catch (...) {
    s.th.reset();
    start_failed(index, "no memory to start a thread");
  }
}

// Slot `index` could not start a thread: it retries later. With no thread left running
// or starting, the queue fails (and later tasks fail at once) until one starts.
void pool_state::start_failed(std::size_t index, std::string why) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto& s = slots_[index];
  ++s.generation;
  s.th.reset();
  s.stage = slot_stage::waiting_to_retry;
  ++s.failed_starts;
  if (!why.empty()) last_start_error_ = std::move(why);
  try {
    s.retry = timer(retry_delay_ms(s.failed_starts), [weak = weak_from_this(), index] {
      if (auto self = weak.lock(); self && !self->shut_down_) self->start_thread(index);
    });
  } catch (...) {  // no memory for the timer: this slot stays down
  }
  if (!can_serve()) {
    const auto error = no_thread_error();
    std::deque<std::shared_ptr<pool_job>> failing;
    failing.swap(queue_);
    for (auto& job : failing) job->fail(error);
  }
}

pool_health pool_state::health() const {
  pool_health h;
  h.threads = slots_.size();
  for (const auto& s : slots_) {
    if (s.stage == slot_stage::running) ++h.running;
    else if (s.stage == slot_stage::starting) ++h.starting;
    else ++h.waiting_to_retry;
  }
  h.replacements = replacements_;
  h.last_start_error = last_start_error_;
  return h;
}

bool pool_job_settled(const std::weak_ptr<pool_state>& pool, std::uint64_t id,
                      const std::exception_ptr* failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto self = pool.lock();
  return self && self->settled(id, failure);
}

bool cancel_pool_job(const std::weak_ptr<pool_state>& pool, std::uint64_t id) {
  auto state = pool.lock();
  return state && state->cancel(id);
}

}  // namespace detail

future<pool> pool::create(pool_options options, const program& code, detail::call_site site) {
  future<pool> result = start_threads(std::move(options), code);
  detail::set_origin(result, {"pool::create", {}, site});
  return result;
}

future<pool> pool::start_threads(pool_options options, program code) {
  detail::check_delay(options.task_timeout_ms, "pool_options::task_timeout_ms");
  const std::size_t count = options.threads ? options.threads : hardware_concurrency();
  std::vector<future<thread>> starting;
  for (std::size_t i = 0; i < count; ++i) starting.push_back(thread::spawn(code, options.label + "-" + std::to_string(i)));
  auto state = std::make_shared<detail::pool_state>(std::move(options), code);
  for (auto& th : starting) state->add_thread(co_await std::move(th));
  co_return pool(std::move(state));
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

std::uint64_t pool::enqueue(std::shared_ptr<detail::pool_job>&& job) {
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

}  // namespace wasm_mt
