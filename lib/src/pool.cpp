// wasm_mt::pool's public side: its options checked, its member functions, and what
// health() and stats() report. (The pool's state: pool_state.hpp.)
#include "wasm_mt/pool.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "wasm_mt/detail/glue.hpp"
#include "wasm_mt/detail/timer.hpp"
#include "wasm_mt/utils.hpp"

#include "pool_state.hpp"

namespace wasm_mt {
namespace detail {
namespace {

// Throws std::invalid_argument unless `value` (of option `name`) is at most `limit`.
void check_count(std::size_t value, const char* name, std::size_t limit) {
  if (value <= limit) return;
  throw std::invalid_argument(std::string("wasm_mt: pool_options::") + name + " is " + std::to_string(value) +
                              (value > std::size_t(-1) / 2 ? " (a negative number converted?)" : "") +
                              "; at most " + std::to_string(limit));
}

}  // namespace

pool_options checked_pool_options(pool_options options) {
  constexpr std::size_t most_threads = 1024, most_tasks = std::size_t(1) << 31;
  check_count(options.threads, "threads", most_threads);
  check_count(options.max_threads, "max_threads", most_threads);
  if (options.min_threads) check_count(*options.min_threads, "min_threads", most_threads);
  if (!options.max_queue.is_unbounded()) check_count(options.max_queue.tasks(0), "max_queue", most_tasks);
  check_count(options.max_in_flight, "max_in_flight", most_tasks);
  check_count(options.concurrent_tasks_per_worker, "concurrent_tasks_per_worker", most_tasks);
  check_count(options.max_tasks_per_worker, "max_tasks_per_worker", most_tasks);
  check_delay(options.task_timeout_ms, "pool_options::task_timeout_ms");
  check_delay(options.idle_timeout_ms, "pool_options::idle_timeout_ms");
  check_delay(options.init_timeout_ms, "pool_options::init_timeout_ms");
  check_delay(options.teardown_timeout_ms, "pool_options::teardown_timeout_ms");
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

pool_health pool_state::health() const {
  pool_health h;
  h.threads = size();
  h.running = count(slot_stage::running);
  h.starting = count(slot_stage::starting);
  h.waiting_to_retry = count(slot_stage::waiting_to_retry);
  h.replacements = statistics_.replacements();
  h.young_deaths = statistics_.young_deaths();
  h.last_start_error = last_start_error_;
  return h;
}

pool_stats pool_state::stats() const {
  // The capacity: the slots' running time up to their last stop, and that of the ones
  // running now; the busy time so far of the slots holding jobs now.
  double capacity = statistics_.capacity_ms(), busy = 0;
  const double now = wasm_mt_js_now_ms();
  for (const auto& s : slots_) {
    if (s.stage == slot_stage::running) capacity += now - s.running_since_ms;
    if (!s.sent.empty()) busy += now - s.busy_since_ms;
  }
  return statistics_.stats(capacity, busy);
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
    if (state_) {
      state_->drop_events();
      state_->shut_down();
    }
    state_ = std::move(other.state_);
  }
  return *this;
}
pool::~pool() {
  if (state_) {
    state_->drop_events();
    state_->shut_down();
  }
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
std::size_t pool::threads_busy() const noexcept { return state_ ? state_->threads_busy() : 0; }
std::size_t pool::threads_idle() const noexcept { return state_ ? state_->threads_idle() : 0; }
std::size_t pool::queued() const noexcept { return state_ ? state_->queued() : 0; }
std::size_t pool::running() const noexcept { return state_ ? state_->running() : 0; }
pool_health pool::health() const { return state_ ? state_->health() : pool_health{}; }
pool_stats pool::stats() const { return state_ ? state_->stats() : pool_stats{}; }

namespace {

// A future settled with `value` (what a moved-from pool's waits give).
template <class T>
future<T> ready_future(T value) {
  auto state = std::make_shared<detail::shared_state<T>>();
  state->set_value(std::move(value));
  return future<T>(std::move(state));
}
future<void> ready_future() {
  auto state = std::make_shared<detail::shared_state<void>>();
  state->set_value({});
  return future<void>(std::move(state));
}

// completed()'s work: settled()'s errors, the first one thrown.
future<void> first_failure(future<std::vector<error>> settled) {
  auto errors = co_await std::move(settled);
  if (!errors.empty()) throw std::move(errors.front());
}

}  // namespace

future<void> pool::close(close_options options, detail::call_site site) {
  future<void> result = [&] {
    if (!state_) return ready_future();  // a moved-from pool has nothing to close
    try {
      return state_->close(options);
    } catch (...) {  // a bad timeout_ms
      return future<void>::ready_error(std::current_exception());
    }
  }();
  detail::set_origin(result, {"pool::close", {}, site});
  return result;
}

std::size_t pool::cancel_queued() {
  return state_ ? state_->cancel_queued("the task was cancelled while queued (pool::cancel_queued())") : 0;
}

future<std::vector<error>> pool::settled(detail::call_site site) {
  auto result = state_ ? state_->settled() : ready_future(std::vector<error>{});
  detail::set_origin(result, {"pool::settled", {}, site});
  return result;
}

future<void> pool::completed(detail::call_site site) {
  auto result = first_failure(settled(site));
  detail::set_origin(result, {"pool::completed", {}, site});
  return result;
}

bool pool::needs_drain() const noexcept { return state_ && state_->needs_drain(); }

future<void> pool::drained(detail::call_site site) {
  auto result = state_ ? state_->drained() : ready_future();
  detail::set_origin(result, {"pool::drained", {}, site});
  return result;
}

}  // namespace wasm_mt
