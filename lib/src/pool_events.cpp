// A pool's events (pool_event.hpp): made where the books change, delivered to
// pool_options::on_event later, from the continuation queue, in order.
#include <memory>
#include <utility>

#include "wasm_mt/detail/glue.hpp"
#include "wasm_mt/detail/shared_state.hpp"
#include "wasm_mt/future.hpp"

#include "pool_state.hpp"

namespace wasm_mt {

const char* pool_event_kind_name(pool_event_kind kind) noexcept {
  switch (kind) {
    case pool_event_kind::worker_starting: return "worker_starting";
    case pool_event_kind::worker_ready: return "worker_ready";
    case pool_event_kind::worker_start_failed: return "worker_start_failed";
    case pool_event_kind::worker_died: return "worker_died";
    case pool_event_kind::worker_terminated: return "worker_terminated";
    case pool_event_kind::worker_retired: return "worker_retired";
    case pool_event_kind::worker_recycled: return "worker_recycled";
    case pool_event_kind::task_queued: return "task_queued";
    case pool_event_kind::task_started: return "task_started";
    case pool_event_kind::task_settled: return "task_settled";
  }
  return "unknown";
}

namespace detail {

pool_state::pool_state(pool_options options, program code) : options_(std::move(options)), code_(code) {
  if (options_.on_event) on_event_ = std::make_shared<const event_handler>(std::move(options_.on_event));
}

void pool_state::drop_events() noexcept {
  on_event_.reset();
  events_.clear();
}

void pool_state::emit(pool_event_kind kind, std::uint64_t worker, std::size_t slot, std::uint64_t task,
                      std::exception_ptr error, std::uint64_t replaces) noexcept {
  if (!on_event_) return;
  try {
    events_.push_back({kind, worker, slot, task, replaces, std::move(error), wasm_mt_js_now_ms()});
    if (delivery_scheduled_) return;
    // A settled future whose consumer delivers: it runs once what made the events returned.
    auto ready = std::make_shared<shared_state<void>>();
    future<void>(ready)
        .then([weak = weak_from_this()] {
          if (auto self = weak.lock()) self->deliver_events();
        }, [](const wasm_mt::error&) {})
        .detach();
    ready->set_value({});
    delivery_scheduled_ = true;
  } catch (...) {  // no memory: this event is lost (the next one schedules the delivery)
  }
}

void pool_state::deliver_events() WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  delivery_scheduled_ = false;
  auto handler = on_event_;  // (alive while it runs, even if it destroys the pool)
  auto keep = shared_from_this();
  auto batch = std::exchange(events_, {});
  for (const auto& event : batch) {
    if (!on_event_) return;  // the pool was destroyed (by the handler, too)
    try {
      (*handler)(event);
    } catch (...) {
      // (With native wasm exceptions this also catches a JS exception, exit() or a trap:
      // not ours to swallow.)
      if (!std::current_exception()) throw;
      report_unobserved_error(std::current_exception(), {}, "an exception from pool_options::on_event");
    }
  }
}

}  // namespace detail
}  // namespace wasm_mt
