// A pool's jobs: queued (enqueue), stopped (stop_job, timeouts, grace periods), settled
// (its books closed, retried if it never ran), and failed. (The pool's close and end,
// and the waits for it to be idle: pool_close.cpp.)
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "wasm_mt/detail/glue.hpp"

#include "failure.hpp"
#include "pool_state.hpp"

namespace wasm_mt::detail {
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

}  // namespace

std::uint64_t pool_state::enqueue(std::shared_ptr<pool_job>&& job) {
  const std::uint64_t id = job->id = next_job_id_++;
  job->pool = weak_from_this();
  job->queued_ms = wasm_mt_js_now_ms();
  emit(pool_event_kind::task_queued, 0, 0, id);
  if (running_trace) [[unlikely]] trace_queued(*job, id);
  if (shut_down_ || closing_) {
    fail(job, exception_or_failure([this] {
      return wasm_mt::error(error_kind::cancelled,
                            closing_ ? "the pool was closed (close())" : "the pool was destroyed", {}, true);
    }));
  } else if (!can_serve()) {
    fail(job, no_thread_error());
  } else {
    try {
      // After every queued job of its priority or a higher one (the back, unless priorities differ).
      auto at = queue_.end();
      while (at != queue_.begin() && (*std::prev(at))->priority < job->priority) --at;
      queue_.insert(at, job);
    } catch (...) {
      fail(job, std::current_exception());
      return id;
    }
    dispatch();
    // Checked once placed: a task a thread takes at once never counts against the limit.
    if (queue_.size() > queue_room()) {
      if (auto queued = std::find(queue_.begin(), queue_.end(), job); queued != queue_.end()) {
        queue_.erase(queued);
        fail(job, exception_or_failure([this] {
          return wasm_mt::error(error_kind::queue_full,
                                "the pool's queue holds its maximum of " +
                                    std::to_string(options_.max_queue.tasks(options_.max_threads)) +
                                    " tasks (pool_options::max_queue)",
                                {}, true);
        }));
        check_waits();
      }
    }
  }
  return id;
}

void pool_state::fail(const std::shared_ptr<pool_job>& job, std::exception_ptr failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  statistics_.count_settled(&failure);
  caller_settled(*job, &failure, nullptr);
  job->fail(std::move(failure));
}

bool pool_state::stop_job(std::uint64_t id, error_kind kind, double timeout_ms,
                          std::string_view reason) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto found = std::find_if(queue_.begin(), queue_.end(), [id](const auto& job) { return job->id == id; });
  if (found == queue_.end())
    return stop_running(id, stop_failure(kind, timeout_ms, false, reason), stop_failure(kind, timeout_ms, true, reason));
  auto job = std::move(*found);
  queue_.erase(found);
  fail_queued(job, stop_failure(kind, timeout_ms, true, reason));
  check_waits();
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
  bool replace_now = false;
  if (s.generation == running.generation && s.th && !s.th->is_terminated()) {
    if (auto* state = pool_access::state_of(*s.th)) dropped = state->tell_worker_stopped(*job) != thread_state::told::worker;
    running.deadline.cancel();  // (the pool's task timeout: this stop replaces it)
    if (std::isfinite(options_.stop_grace_ms) && !dropped) {
      try {
        running.grace = timer(options_.stop_grace_ms, [weak = weak_from_this(), id] {
          if (auto self = weak.lock()) self->grace_over(id);
        });
      } catch (...) {  // no memory for the timer: the worker is replaced now (below)
        running.grace = timer();
        replace_now = true;
      }
    }
  }
  job->stopped = true;
  if (dropped) failure = std::move(never_sent);
  running.stop_failure = failure;  // (counted when its worker answers: `settled`)
  caller_settled(*job, &failure, &running);  // (its caller has it now)
  job->fail(std::move(failure));  // its continuation runs later
  // (Last: either closes its books, and `running` is gone after it.)
  if (dropped) {
    const auto not_sent = running.stop_failure;
    settled(id, &not_sent);
  } else if (replace_now) {
    grace_over(id);
  }
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
  // (Tasks sharing its worker on purpose, concurrent_tasks_per_worker, all started: no
  // second look for them.)
  if (!running.grace_extended &&
      any_sent(s, [id](const running_job& other) { return other.job->id != id && !other.concurrent; })) {
    running.grace_extended = true;
    try {
      running.grace = timer(options_.stop_grace_ms, [weak = weak_from_this(), id] {
        if (auto self = weak.lock()) self->grace_over(id);
      });
      return;
    } catch (...) {  // no memory for the timer: replaced now
    }
  }
  emit_worker(pool_event_kind::worker_terminated, running.slot, [this] {
    char grace[32];
    std::snprintf(grace, sizeof grace, "%g", options_.stop_grace_ms);
    return wasm_mt::error(error_kind::terminated, std::string("a stopped task still ran pool_options::stop_grace_ms (") +
                                                      grace + " ms) after its stop");
  });
  replace(running.slot);  // its request settles through `settled`, stopped: nothing is counted twice
  dispatch();
}

void pool_state::fail_queued(const std::shared_ptr<pool_job>& job, std::exception_ptr failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  if (job->attempts == 0) statistics_.record_wait(wasm_mt_js_now_ms() - job->queued_ms);  // (a retried task waited once)
  fail(job, std::move(failure));
}

std::exception_ptr pool_state::no_thread_error() const noexcept {
  return exception_or_failure([this] {
    return wasm_mt::error(error_kind::spawn_failed,
                          "no thread of the pool is running and none is starting (replacements are retried, "
                          "see pool::health()): " + last_start_error_,
                          {}, true);
  });
}

std::optional<pool_state::running_job> pool_state::finish(std::uint64_t id) noexcept {
  auto node = running_.extract(id);
  if (node.empty()) return std::nullopt;
  running_job done = std::move(node.mapped());
  auto& s = slots_[done.slot];
  if (s.generation == done.generation) {
    if (s.sent.size() == 1) end_busy(s);
    s.sent.erase(std::find(s.sent.begin(), s.sent.end(), id));
    if (options_.max_memory_per_worker && s.th && s.th->memory_bytes() > options_.max_memory_per_worker)
      s.over_memory = true;
  }
  done.deadline.cancel();
  done.grace.cancel();
  return done;
}

// A running task settled (failure: its error, or nullptr). Returns true when the pool
// takes it back to retry it: it never ran because its worker died first. (A dead worker
// is replaced by thread_event, which its death reports.)
bool pool_state::settled(std::uint64_t id, const std::exception_ptr* failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto done = finish(id);
  if (!done) return false;  // not running (a stopped job's late reply after its worker was replaced)
  const bool stopped = done->job->stopped;  // its caller has its error
  const bool retry = !stopped && !shut_down_ && failure && never_ran(*failure) && done->job->retriable &&
                     done->job->attempts < max_attempts && requeue(done->job);
  // (One that never left, or never ran, knows nothing of durations; a stopped one's time
  // on its worker counts as busy, but says nothing of its kind's usual duration.)
  if (!retry && id != starting_job_) learn_duration(*done, !stopped);
  // (A stopped one counts as what its worker did: finished anyway, or stopped.)
  if (!retry) {
    statistics_.count_settled(stopped ? (failure ? &done->stop_failure : nullptr) : failure);
    if (!stopped) caller_settled(*done->job, failure, &*done);  // (a stopped one's caller heard at its stop)
  }
  if (shut_down_) return false;
  if (slots_[done->slot].generation == done->generation && slots_[done->slot].sent.empty()) went_idle(done->slot);
  dispatch();
  return retry;
}

// Learns how long tasks of the settled job's kind take: its time on the thread, from
// when it was sent or, if later, from when the task before it on the same thread
// settled (it waited behind it); a concurrent task's from when it was sent (it did not
// wait). With no memory for a new kind, the pool learns nothing.
void pool_state::learn_duration(const running_job& done, bool learn) noexcept {
  auto& s = slots_[done.slot];
  const double now = wasm_mt_js_now_ms();
  const double since = done.concurrent ? done.sent_ms
                                       : std::max(done.sent_ms, s.generation == done.generation ? s.last_settled_ms : 0.0);
  if (s.generation == done.generation) s.last_settled_ms = now;
  statistics_.record_run(done.job->kind, now - since, learn);
}

void pool_state::end_busy(const slot& s) noexcept {
  if (!s.sent.empty()) statistics_.add_busy(wasm_mt_js_now_ms() - s.busy_since_ms);
}

void pool_state::cancel_deadlines(const slot& s) noexcept {
  for (const std::uint64_t id : s.sent)
    if (auto found = running_.find(id); found != running_.end()) found->second.deadline.cancel();
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

bool pool_job_settled(const std::weak_ptr<pool_state>& pool, std::uint64_t id,
                      const std::exception_ptr* failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto self = pool.lock();
  return self && self->settled(id, failure);
}

void pool_stream_waits_for_reader(const std::weak_ptr<pool_state>& pool, std::uint64_t id) noexcept {
  auto self = pool.lock();
  if (self && self->closing_ && !self->shut_down_) self->stop_job(id, error_kind::cancelled, 0);
}

void pool_job_stopped_settled(const std::weak_ptr<pool_state>& pool, std::uint64_t id, bool completed) noexcept {
  static const std::exception_ptr not_completed;  // (only its address is used: not a value)
  if (auto self = pool.lock()) self->settled(id, completed ? nullptr : &not_completed);
}

bool stop_pool_job(const std::weak_ptr<pool_state>& pool, std::uint64_t id, error_kind kind,
                   double timeout_ms, std::string_view reason) noexcept {
  auto state = pool.lock();
  return state && state->stop_job(id, kind, timeout_ms, reason);
}

}  // namespace wasm_mt::detail
