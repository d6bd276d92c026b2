#include "wasm_mt/pool.hpp"

#include <algorithm>
#include <deque>
#include <optional>
#include <unordered_map>

#include "wasm_mt/detail/glue.hpp"
#include "wasm_mt/detail/timer.hpp"
#include "wasm_mt/utils.hpp"

#include "failure.hpp"

namespace wasm_mt::detail {
namespace {

// Whether `failure` says that the task's worker crashed before the task started.
bool crashed_before_running(const std::exception_ptr& failure) noexcept {
  try {
    std::rethrow_exception(failure);
  } catch (const wasm_mt::error& e) {
    return e.kind() == error_kind::worker_crashed && e.not_run();
  } catch (...) {
    return false;
  }
}

}  // namespace

// The state of a pool, shared with its jobs (which hold it weakly: a job settling after
// the pool is gone finds nothing to update).
class pool_state : public std::enable_shared_from_this<pool_state> {
 public:
  pool_state(pool_options options, program code) : options_(std::move(options)), code_(code) {}
  ~pool_state() { shut_down(); }

  void add_thread(wasm_mt::thread th) { slots_.emplace_back().th.emplace(std::move(th)); }

  std::uint64_t enqueue(std::shared_ptr<pool_job>&& job);
  bool cancel(std::uint64_t id) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  void shut_down() WASM_MT_DETAIL_NOEXCEPT_JS_EH;

  std::size_t size() const noexcept { return slots_.size(); }
  std::size_t threads_alive() const noexcept {
    return std::count_if(slots_.begin(), slots_.end(), [](const slot& s) { return s.ready(); });
  }
  std::size_t queued() const noexcept { return queue_.size(); }
  std::size_t running() const noexcept { return running_.size(); }

 private:
  struct slot {
    std::optional<wasm_mt::thread> th;  // empty while a replacement starts, or for good once dead
    bool replacing = false;
    std::uint64_t generation = 0;       // bumped when the worker is replaced
    std::size_t in_flight = 0;          // tasks sent to this generation's worker, unsettled
    std::size_t not_short_in_flight = 0;  // of which not known to be short when sent
    double last_settled_ms = 0;
    timer deadline;  // the running task's timeout (one task per thread then)
    bool ready() const { return th && !th->is_terminated() && !replacing; }
  };
  struct running_job {
    std::shared_ptr<pool_job> job;
    std::size_t slot;
    std::uint64_t generation;
    double sent_ms;
    bool short_when_sent;
  };

  // What follows never throws: with no memory for the pool's books, the job concerned
  // fails and the pool goes on; no job is ever left unsettled.
  void dispatch() WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  bool is_short(std::uint32_t kind) const noexcept;
  std::size_t depth_limit(std::uint32_t kind) const noexcept;
  bool can_take(const slot& s, std::uint32_t kind) const noexcept;
  void start(std::size_t index, std::shared_ptr<pool_job> job) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  friend bool pool_job_settled(const std::weak_ptr<pool_state>& pool, std::uint64_t id,
                               const std::exception_ptr* failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  bool settled(std::uint64_t id, const std::exception_ptr* failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  void timed_out(std::uint64_t id) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // Takes job `id` off its slot's books; empty if it is not running.
  std::optional<running_job> finish(std::uint64_t id) noexcept;
  void learn_duration(const running_job& done) noexcept;
  bool requeue(const std::shared_ptr<pool_job>& job) noexcept;
  void replace(std::size_t index) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  void replaced(std::size_t index, wasm_mt::thread th) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  void lost(std::size_t index, const std::string& why) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  template <class Describe>
  void fail_queue(Describe describe) WASM_MT_DETAIL_NOEXCEPT_JS_EH;

  pool_options options_;
  program code_;
  std::vector<slot> slots_;
  std::deque<std::shared_ptr<pool_job>> queue_;
  std::unordered_map<std::uint64_t, running_job> running_;  // by job ID (unique in the pool)
  std::uint64_t next_job_id_ = 1;
  std::unordered_map<std::uint32_t, double> service_ms_;  // moving average of a kind's time on a thread
  bool shut_down_ = false;
};

std::uint64_t pool_state::enqueue(std::shared_ptr<pool_job>&& job) {
  const std::uint64_t id = job->id = next_job_id_++;
  job->pool = weak_from_this();
  if (shut_down_) {
    job->fail(exception_or_failure(
        [] { return wasm_mt::error(error_kind::cancelled, "the pool was destroyed", {}, true); }));
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
    if (s.th) s.th->terminate();  // its running tasks fail with `terminated`
  }
}

template <class Describe>
void pool_state::fail_queue(Describe describe) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  std::deque<std::shared_ptr<pool_job>> failing;
  failing.swap(queue_);
  for (auto& job : failing) job->fail(exception_or_failure(describe));
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
  if (options_.task_timeout_ms > 0 || options_.max_in_flight <= 1 || !is_short(kind)) return 1;
  auto depth = static_cast<std::size_t>(short_task_ms / std::max(service_ms_.at(kind), 1e-3));
  return std::clamp<std::size_t>(depth, 1, options_.max_in_flight);
}

// An idle thread takes anything; a busy one only a short task, and only behind short ones.
bool pool_state::can_take(const slot& s, std::uint32_t kind) const noexcept {
  if (!s.ready()) return false;
  if (s.in_flight == 0) return true;
  return s.not_short_in_flight == 0 && s.in_flight < depth_limit(kind);
}

void pool_state::dispatch() WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  while (!queue_.empty()) {
    const std::uint32_t kind = queue_.front()->kind;
    std::size_t best = slots_.size();
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      if (!can_take(slots_[i], kind)) continue;
      if (best == slots_.size() || slots_[i].in_flight < slots_[best].in_flight) best = i;
    }
    if (best == slots_.size()) return;
    auto job = std::move(queue_.front());
    queue_.pop_front();
    start(best, std::move(job));
  }
}

// Books `job` as running on slot `index`, then sends it. What the books need is
// allocated first: without it the job fails and the slot's counts stay as they were.
void pool_state::start(std::size_t index, std::shared_ptr<pool_job> job) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto& s = slots_[index];
  const std::uint64_t id = job->id;
  const bool short_kind = is_short(job->kind);
  try {
    timer deadline;
    if (options_.task_timeout_ms > 0)
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
  job->start(*s.th, job);  // may settle at once (captures that cannot be encoded)
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
// takes it back to retry it: it never ran because its worker died first.
bool pool_state::settled(std::uint64_t id, const std::exception_ptr* failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto done = finish(id);
  if (!done) return false;  // timed out already
  learn_duration(*done);
  if (shut_down_) return false;
  const bool retry = failure && crashed_before_running(*failure) && requeue(done->job);
  // A dead worker is replaced whatever the error says (with no memory, only bad_alloc).
  auto& s = slots_[done->slot];
  if (s.generation == done->generation && s.th && s.th->is_terminated()) replace(done->slot);
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

// Ends the slot's worker (if still alive) and starts a new one in its place.
void pool_state::replace(std::size_t index) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto& s = slots_[index];
  if (s.replacing || shut_down_) return;
  s.replacing = true;
  ++s.generation;
  s.in_flight = 0;
  s.not_short_in_flight = 0;
  s.deadline.cancel();
  // Tasks still on the old worker settle through `settled` as it ends.
  if (s.th) s.th->terminate();
  s.th.reset();
  std::weak_ptr<pool_state> weak = weak_from_this();
  try {
    wasm_mt::thread::spawn(code_, options_.label + "-" + std::to_string(index))
        .then(
            [weak, index](wasm_mt::thread th) {
              if (auto self = weak.lock()) self->replaced(index, std::move(th));
            },
            [weak, index](const wasm_mt::error& e) {
              if (auto self = weak.lock()) self->lost(index, e.message());
            });
  } catch (...) {
    lost(index, "no memory to start a replacement thread");
  }
}

void pool_state::replaced(std::size_t index, wasm_mt::thread th) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  if (shut_down_) return;
  auto& s = slots_[index];
  s.th.emplace(std::move(th));
  s.replacing = false;
  dispatch();
}

// Slot `index` has no thread for good. With none left at all, the queue fails.
void pool_state::lost(std::size_t index, const std::string& why) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  slots_[index].replacing = false;  // th stays empty
  bool any_left = std::any_of(slots_.begin(), slots_.end(), [](const slot& s) { return s.th || s.replacing; });
  if (!any_left)
    fail_queue([&why] { return wasm_mt::error(error_kind::spawn_failed, "no thread of the pool is left: " + why, {}, true); });
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

}  // namespace wasm_mt::detail

namespace wasm_mt {

future<pool> pool::create(pool_options options, const program& code) {
  const std::size_t count = options.threads ? options.threads : hardware_concurrency();
  std::vector<future<thread>> starting;
  for (std::size_t i = 0; i < count; ++i) starting.push_back(thread::spawn(code, options.label + "-" + std::to_string(i)));
  auto state = std::make_shared<detail::pool_state>(std::move(options), code);
  for (auto& th : starting) state->add_thread(co_await std::move(th));
  co_return pool(std::move(state));
}

pool::pool(std::shared_ptr<detail::pool_state> state) noexcept : state_(std::move(state)) {}
pool::pool(pool&&) noexcept = default;
pool& pool::operator=(pool&&) noexcept = default;
pool::~pool() {
  if (state_) state_->shut_down();
}

std::uint64_t pool::enqueue(std::shared_ptr<detail::pool_job>&& job) { return state_->enqueue(std::move(job)); }

std::size_t pool::size() const noexcept { return state_ ? state_->size() : 0; }
std::size_t pool::threads_alive() const noexcept { return state_ ? state_->threads_alive() : 0; }
std::size_t pool::queued() const noexcept { return state_ ? state_->queued() : 0; }
std::size_t pool::running() const noexcept { return state_ ? state_->running() : 0; }

}  // namespace wasm_mt
