// Where a pool's job goes: which thread takes it (dispatch), how many a thread may hold,
// when the pool grows, and booking a job on its slot to send it (start).
#include <algorithm>
#include <cmath>

#include "wasm_mt/detail/glue.hpp"

#include "pool_state.hpp"

namespace wasm_mt::detail {

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

// A task kind is short once its measured time on a thread is under short_task_ms.
constexpr double short_task_ms = 2.0;

bool pool_state::is_short(std::uint32_t kind) const noexcept {
  const auto usual = statistics_.usual_ms(kind);
  return usual && *usual < short_task_ms;
}

// Tasks of `kind` in flight per thread: enough to keep about short_task_ms of work
// queued in a worker, so tiny tasks never wait a round trip; one for anything else, and
// always one when a timeout is set.
std::size_t pool_state::depth_limit(std::uint32_t kind) const noexcept {
  if (has_timeout() || options_.max_in_flight <= 1 || !is_short(kind)) return 1;
  auto depth = static_cast<std::size_t>(short_task_ms / std::max(*statistics_.usual_ms(kind), 1e-3));
  return std::clamp<std::size_t>(depth, 1, options_.max_in_flight);
}

// An idle running thread takes anything; a busy one an async task that shares it, up to
// concurrent_tasks_per_worker, beside async ones only; else only a short task, and only
// behind short ones. Nothing joins a task that was stopped (its worker may be replaced).
// (A thread that has just died is still `running` until its death is reported, after its
// requests have failed.)
bool pool_state::can_take(const slot& s, const pool_job& job) const noexcept {
  if (s.stage != slot_stage::running || s.th->is_terminated() || used_up(s)) return false;
  if (s.sent.empty()) return true;
  if (shares(job))
    return s.sent.size() < options_.concurrent_tasks_per_worker &&
           !any_sent(s, [](const running_job& r) { return !r.concurrent || r.job->stopped; });
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
  check_waits();
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
    start_thread(index, start_reason::needed);
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
    if (s.sent.empty()) s.busy_since_ms = now;
    running_.emplace(id, running_job{job, index, s.generation, s.worker, now, short_kind, alone, shares(*job),
                                     std::move(deadline), timer()});
    s.sent.push_back(id);  // (reserved: does not throw)
  } catch (...) {
    fail(job, std::current_exception());
    return;
  }
  if (job->attempts == 0) statistics_.record_wait(now - job->queued_ms);  // (a retried task waited once)
  ++job->attempts;
  emit(pool_event_kind::task_started, s.worker, index, id);
  if (running_trace) [[unlikely]] trace_pool_sent(*job, s.worker, index);
  starting_job_ = id;
  const std::uint64_t generation = s.generation;
  job->start(*s.th, job);  // may settle at once (captures that cannot be encoded)
  starting_job_ = 0;
  // (One that failed as it started never reached the worker: it does not count.)
  if (recycles() && s.generation == generation && running_.count(id)) ++s.tasks_sent;
}

}  // namespace wasm_mt::detail
