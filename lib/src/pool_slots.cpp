// A pool's slots, one thread each: their stages (starting, running, waiting to retry,
// retired), and the lifecycle of their workers: start, init, death, replacement, retirement.
#include <algorithm>
#include <cassert>
#include <cmath>
#include <string>
#include <utility>

#include "wasm_mt/detail/glue.hpp"

#include "failure.hpp"
#include "pool_state.hpp"

namespace wasm_mt::detail {
namespace {

// A worker that dies this soon after it became ready died young: its restart backs off.
constexpr double young_death_ms = 1000;

// Replacement starts that failed in a row are retried after 100 ms, 200 ms, ... 30 s.
double retry_delay_ms(unsigned failures) noexcept { return std::min(100.0 * std::ldexp(1.0, int(std::min(failures, 20u)) - 1), 30000.0); }

// A new worker's id (pool_event::worker): never reused in this program instance.
std::uint64_t next_worker_id() noexcept {
  static std::uint64_t last = 0;
  return ++last;
}

}  // namespace

void pool_state::start_threads() {
  const std::size_t first = *options_.min_threads;
  slots_.resize(first);
  for (std::size_t i = 0; i < first; ++i) start_thread(i, start_reason::needed);
}

future<void> pool_state::ready() {
  auto waiter = std::make_shared<shared_state<void>>();
  if (count(slot_stage::running) >= *options_.min_threads) waiter->set_value({});
  else if (!last_start_error_.empty()) waiter->set_error(no_thread_error());
  else ready_waiter_ = promise<void>(waiter);
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
  emit_worker(pool_event_kind::worker_died, index, [&] {
    auto* state = pool_access::state_of(*s.th);
    return state ? state->death_error() : wasm_mt::error(error_kind::worker_crashed, "the worker died");
  });
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
  statistics_.count_young_death();
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
      if (auto self = weak.lock(); self && !self->shut_down_) self->start_thread(index, start_reason::replacing);
    });
  } catch (...) {  // no memory for the timer: restarted now
    start_thread(index, start_reason::replacing);
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
  emit_worker(pool_event_kind::worker_ready, index);
  if (ready_waiter_ && count(slot_stage::running) >= *options_.min_threads)
    std::exchange(ready_waiter_, {})->set_value({});
  dispatch();
  if (s.stage == slot_stage::running && s.sent.empty()) went_idle(index);
}

void pool_state::end_running_time(slot& s) noexcept {
  if (s.stage == slot_stage::running) statistics_.add_capacity(wasm_mt_js_now_ms() - s.running_since_ms);
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
  auto& s = slots_[index];
  if (used_up(s)) {
    s.idle.cancel();  // (it is recycled, not retired)
    s.idle_check_armed = false;
    // (From a fresh timer task: never inside the reply's handling that made it idle.)
    try {
      s.recycle = timer(0, [weak = weak_from_this(), index, generation = s.generation] {
        if (auto self = weak.lock()) self->recycle(index, generation);
      });
    } catch (...) {  // no memory for the timer: now (nothing is left on that worker to lose)
      recycle(index, s.generation);
    }
    return;
  }
  if (*options_.min_threads == options_.max_threads) return;  // a fixed size: nothing retires
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
  emit_worker(pool_event_kind::worker_retired, index);
  take_down(s, true);
  set_stage(s, slot_stage::retired);
}

void pool_state::recycle(std::size_t index, std::uint64_t generation) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto* live = live_slot(index, generation);
  if (!live || live->stage != slot_stage::running || !live->sent.empty()) return;
  emit_worker(pool_event_kind::worker_recycled, index);
  take_down(*live, true);
  if (!(closing_ && queue_.empty()) && needed(index)) {
    start_thread(index, start_reason::recycling);
  } else {
    set_stage(*live, slot_stage::retired);
    check_waits();
  }
}

void pool_state::replace(std::size_t index) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  if (shut_down_) return;
  take_down(slots_[index]);
  start_thread(index, start_reason::replacing);
}

void pool_state::take_down(slot& s, bool idle) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  // (A worker that lived past young_death_ms ends a run of failed starts.)
  if (s.stage == slot_stage::running && wasm_mt_js_now_ms() - s.running_since_ms >= young_death_ms) s.failed_starts = 0;
  end_running_time(s);
  ++s.generation;
  end_busy(s);
  cancel_deadlines(s);
  s.sent.clear();
  s.idle.cancel();
  s.recycle.cancel();
  s.idle_check_armed = false;
  // Tasks still on the old worker settle through `settled` as it ends.
  if (s.th) end_worker(*s.th, idle);
  s.th.reset();
}

namespace {
// A worker running its teardown: ended once, when the teardown settles (end()), or at the
// latest when the last callback that could end it is gone (a chain that settled without
// calling either, for want of memory), so that close() never waits for ever.
struct ending_worker {
  wasm_mt::thread th;
  std::shared_ptr<pool_teardowns> books;
  bool ended = false;
  ending_worker(wasm_mt::thread worker, std::shared_ptr<pool_teardowns> counted) noexcept
      : th(std::move(worker)), books(std::move(counted)) {
    ++books->running;
  }
  ending_worker(const ending_worker&) = delete;
  ending_worker& operator=(const ending_worker&) = delete;
  ~ending_worker() { end(); }
  void end() noexcept {
    if (std::exchange(ended, true)) return;
    th.terminate();
    if (--books->running == 0)
      for (auto& waiter : std::exchange(books->close_waiters, {})) waiter->set_value({});
  }
};
}  // namespace

void pool_state::end_worker(wasm_mt::thread& th, bool idle) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  if (!idle || !options_.teardown || th.is_terminated()) return th.terminate();
  std::shared_ptr<ending_worker> ending;
  try {
    ending = std::make_shared<ending_worker>(std::move(th), teardowns_);
    call_options limit;
    limit.timeout_ms = options_.teardown_timeout_ms;
    auto ran = options_.teardown(ending->th, std::move(limit))
                   .then([ending] { ending->end(); },
                         [ending](const wasm_mt::error& failure) {
                           ending->end();
                           throw failure;  // (logged: the chain is detached)
                         });
    set_origin(ran, {"pool_options::teardown", options_.teardown.name(), call_site()});
    ran.detach();
  } catch (...) {  // no memory to run it: the worker ends now
    if (ending) ending->end(); else th.terminate();
  }
}

void pool_state::settle_close(promise<void> waiter) noexcept {
  if (teardowns_->running) {
    try {
      teardowns_->close_waiters.push_back(std::move(waiter));
      return;
    } catch (...) {  // no memory to wait: settled now
    }
  }
  if (waiter) waiter->set_value({});
}

void pool_state::start_thread(std::size_t index, start_reason why) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  if (shut_down_) return;  // (ended meanwhile: by a task that settled as its worker was taken down)
  auto& s = slots_[index];
  set_stage(s, slot_stage::starting);
  s.died_young = false;
  s.sent.clear();
  s.tasks_sent = 0;
  s.over_memory = false;
  s.last_settled_ms = 0;
  if (why == start_reason::replacing) statistics_.count_replacement();
  const std::uint64_t replaced = why == start_reason::needed ? 0 : s.worker;
  s.worker = next_worker_id();
  emit(pool_event_kind::worker_starting, s.worker, index, 0, nullptr, replaced);
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
  emit_worker(pool_event_kind::worker_start_failed, index, [this] {
    return wasm_mt::error(error_kind::spawn_failed, "the worker could not start: " + last_start_error_, {}, true);
  });
  if (ready_waiter_)
    std::exchange(ready_waiter_, {})->set_error(exception_or_failure([this] {
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
  check_waits();
}

// A failed start's retry is due: tries again if the slot is needed, else retires it (an
// elastic pool with no demand stops trying until a task asks for a thread).
void pool_state::retry_start(std::size_t index) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  if (needed(index)) return start_thread(index, start_reason::replacing);
  auto& s = slots_[index];
  ++s.generation;
  set_stage(s, slot_stage::retired);
}

}  // namespace wasm_mt::detail
