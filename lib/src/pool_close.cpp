// A pool's end and the waits on its queue: close() and its options, cancel_queued(), the
// end itself (shut_down: destruction, or a close's time limit), and the waits for the
// pool to be idle (settled) or its queue to have room (drained). All settle in check_waits.
#include <algorithm>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "wasm_mt/detail/glue.hpp"

#include "failure.hpp"
#include "pool_state.hpp"

namespace wasm_mt::detail {

future<void> pool_state::close(const close_options& options) {
  check_delay(options.timeout_ms, "close_options::timeout_ms");
  auto waiter = std::make_shared<shared_state<void>>();
  if (shut_down_) {
    settle_close(promise<void>(waiter));
    return future<void>(std::move(waiter));
  }
  close_waiters_.emplace_back(waiter);
  closing_ = true;
  if (options.cancel_queued) cancel_queued("the pool was closed with close_options::cancel_queued before the task ran");
  const double deadline = wasm_mt_js_now_ms() + options.timeout_ms;
  if (deadline < close_deadline_ms_) {
    close_deadline_ms_ = deadline;
    try {
      close_deadline_ = timer(options.timeout_ms, [weak = weak_from_this()] {
        if (auto self = weak.lock()) self->shut_down();
      });
    } catch (...) {  // no memory for the timer: the limit is reached now
      shut_down();
    }
  }
  stop_unread_streams();
  check_waits();
  return future<void>(std::move(waiter));
}

std::size_t pool_state::cancel_queued(const char* why) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  const std::size_t count = queue_.size();
  fail_queue(exception_or_failure([why] { return wasm_mt::error(error_kind::cancelled, why, {}, true); }));
  check_waits();
  return count;
}

// A closing pool stops the streams whose producer waits for a reader that is not
// reading (no next() pending): close() would otherwise wait for ever for them.
void pool_state::stop_unread_streams() noexcept {
  std::vector<std::uint64_t> unread;
  try {
    for (const auto& [id, running] : running_)
      if (running.job->waits_for_reader()) unread.push_back(id);
  } catch (...) {  // no memory for the list: they are stopped as their next item comes
  }
  for (auto id : unread) stop_job(id, error_kind::cancelled, 0);
}

void pool_state::caller_settled(const pool_job& job, const std::exception_ptr* failure,
                                const running_job* ran) noexcept {
  if (on_event_)
    emit(pool_event_kind::task_settled, ran ? ran->worker : 0, ran ? ran->slot : 0, job.id,
         failure ? *failure : nullptr);
  if (!failure || settle_waiters_.empty() || is_cancellation(*failure)) return;
  for (auto& waiter : settle_waiters_) {
    try {
      waiter.failures.push_back(*failure);
    } catch (...) {  // no memory to list it: the waiter fails with that instead
      waiter.done->set_error(std::current_exception());
    }
  }
}

void pool_state::check_waits() WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  if (shut_down_ || !queue_.empty()) return;
  if (!needs_drain())
    for (auto& waiter : std::exchange(drain_waiters_, {})) waiter->set_value({});
  if (!running_.empty()) return;
  for (auto& waiter : std::exchange(settle_waiters_, {})) settle(waiter);
  if (!closing_) return;
  try {
    close_timer_ = timer(0, [weak = weak_from_this()] {
      if (auto self = weak.lock(); self && self->queue_.empty() && self->running_.empty()) self->shut_down();
    });
  } catch (...) {  // no memory for the timer: end now
    shut_down();
  }
}

void pool_state::settle(settle_waiter& waiter) noexcept {
  if (waiter.done->ready()) return;  // (failed: no memory to list a failure)
  try {
    std::vector<wasm_mt::error> errors;
    errors.reserve(waiter.failures.size());
    for (const auto& failure : waiter.failures) errors.push_back(to_error(failure));
    waiter.done->set_value(std::move(errors));
  } catch (...) {
    waiter.done->set_error(std::current_exception());
  }
}

future<std::vector<wasm_mt::error>> pool_state::settled() {
  auto waiter = std::make_shared<shared_state<std::vector<wasm_mt::error>>>();
  future<std::vector<wasm_mt::error>> result(waiter);
  settle_waiters_.push_back({promise<std::vector<wasm_mt::error>>(std::move(waiter)), {}});
  if (shut_down_) {  // (nothing is left to wait for)
    settle(settle_waiters_.back());
    settle_waiters_.pop_back();
  }
  check_waits();
  return result;
}

// At the limit, unless a running thread is idle (it takes the next task at once: with
// at_most(0), the queue is empty and "full" whenever every thread is busy).
bool pool_state::needs_drain() const noexcept {
  if (options_.max_queue.is_unbounded() || queue_.size() < queue_room()) return false;
  return std::none_of(slots_.begin(), slots_.end(), [this](const slot& s) { return is_free(s); });
}

future<void> pool_state::drained() {
  auto waiter = std::make_shared<shared_state<void>>();
  future<void> result(waiter);
  if (shut_down_ || (queue_.empty() && !needs_drain())) {
    waiter->set_value({});
  } else {
    drain_waiters_.emplace_back(std::move(waiter));
  }
  return result;
}

std::size_t pool_state::queue_room() const noexcept {
  if (options_.max_queue.is_unbounded()) return std::numeric_limits<std::size_t>::max();
  // (A used-up worker about to be recycled: as a starting one.)
  const auto recycling = std::count_if(slots_.begin(), slots_.end(), [this](const slot& s) {
    return s.stage == slot_stage::running && s.sent.empty() && used_up(s);
  });
  return options_.max_queue.tasks(options_.max_threads) + count(slot_stage::starting) + recycling +
         (options_.max_threads - size());
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
  for (std::size_t index = 0; index < slots_.size(); ++index) {
    auto& s = slots_[index];
    if (s.stage == slot_stage::starting)
      emit_worker(pool_event_kind::worker_start_failed, index, [] {
        return wasm_mt::error(error_kind::terminated, "the pool ended while the worker started", {}, true);
      });
    else if (s.stage == slot_stage::running && s.sent.empty())
      emit_worker(pool_event_kind::worker_retired, index);
    else if (s.stage == slot_stage::running)
      emit_worker(pool_event_kind::worker_terminated, index, [] {
        return wasm_mt::error(error_kind::terminated, "the pool ended with tasks running (close_options::timeout_ms)");
      });
    const bool idle = s.stage == slot_stage::running && s.sent.empty();
    end_running_time(s);
    end_busy(s);
    cancel_deadlines(s);
    s.sent.clear();
    ++s.generation;  // (before its worker ends: its tasks then settle off these books)
    s.retry.cancel();
    s.idle.cancel();
    s.recycle.cancel();
    s.starting.cancel();
    // (Its running tasks fail with `terminated`; a starting one ends; an idle one runs
    // its teardown first.)
    if (s.th) end_worker(*s.th, idle);
    set_stage(s, slot_stage::retired);
  }
  close_timer_.cancel();
  close_deadline_.cancel();
  if (ready_waiter_)
    std::exchange(ready_waiter_, {})->set_error(exception_or_failure([] {
      return wasm_mt::error(error_kind::terminated, "the pool was destroyed while starting", {}, true);
    }));
  for (auto& waiter : std::exchange(drain_waiters_, {})) waiter->set_value({});
  for (auto& waiter : std::exchange(settle_waiters_, {})) settle(waiter);
  for (auto& waiter : std::exchange(close_waiters_, {})) settle_close(std::move(waiter));
}

void pool_state::fail_queue(const std::exception_ptr& error) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  std::deque<std::shared_ptr<pool_job>> failing;
  failing.swap(queue_);
  for (auto& job : failing) fail_queued(job, error);
}

}  // namespace wasm_mt::detail
