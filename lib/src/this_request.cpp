// The worker's side of a request's control: its context (request_context.hpp), stops
// from the caller, and this_request.
#include "wasm_mt/this_request.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>

#include "failure.hpp"
#include "inbox.hpp"
#include "thread_state.hpp"
#include "wasm_mt/generator.hpp"
#include "wasm_mt/detail/glue.hpp"
#include "wasm_mt/detail/promise.hpp"
#include "wasm_mt/utils.hpp"

namespace wasm_mt::detail {
namespace {

// Async requests running here, by sender (request_context.hpp) and ID.
std::uint64_t key(int handle, std::uint32_t id) noexcept {
  return (std::uint64_t(std::uint32_t(handle)) << 32) | id;
}
std::unordered_map<std::uint64_t, std::weak_ptr<request_context>>& async_requests() {
  static std::unordered_map<std::uint64_t, std::weak_ptr<request_context>> running;
  return running;
}

// How long checkpoint() lets work run between yields.
constexpr double checkpoint_interval_ms = 2.0;

}  // namespace

std::shared_ptr<request_context> current_request_owner() noexcept {
  return current_request ? current_request->weak_from_this().lock() : nullptr;
}

std::shared_ptr<request_context> start_async_request(int handle, std::uint32_t id, std::uint32_t flags) {
  auto context = std::make_shared<request_context>(id, flags, true);
  context->sender = handle;
  context->last_yield_ms = wasm_mt_js_now_ms();
  async_requests()[key(handle, id)] = context;
  return context;
}

// The request ended: what waits on its stop will never see one (stopped() never
// settles, as for a request that cannot be stopped: those states are let go, and they
// hold the context); a co_yield still waiting for credit is told (broken_promise).
void end_async_request(int handle, std::uint32_t id) noexcept {
  auto found = async_requests().find(key(handle, id));
  if (found == async_requests().end()) return;
  if (auto context = found->second.lock()) {
    context->ended = true;
    context->stop_waiters.clear();
    for (auto* flow : {&context->items, &context->events})
      for (auto& waiter : std::exchange(flow->waiting, {})) break_promise(std::move(waiter));
  }
  async_requests().erase(found);
}

// The caller stopped request `id`: an async closure running it is told (its stop
// callbacks run, stopped() settles). Others have replied already, or never will run.
namespace {
std::shared_ptr<request_context> running_async(int handle, std::uint32_t id) noexcept {
  auto found = async_requests().find(key(handle, id));
  return found == async_requests().end() ? nullptr : found->second.lock();
}
std::exception_ptr stopped_error() noexcept {
  return exception_or_failure([] { return wasm_mt::error(error_kind::cancelled, "the request was stopped by its caller"); });
}
}  // namespace

void on_cancel(int handle, std::uint32_t id) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto context = running_async(handle, id);
  if (!context) return;
  request_scope scope(context.get());
  context->stop.request_stop();
  for (auto& waiter : std::exchange(context->stop_waiters, {})) waiter->set_value({});
  for (auto* flow : {&context->items, &context->events})
    for (auto& waiter : std::exchange(flow->waiting, {})) waiter->set_error(stopped_error());
}

// The caller took `count` more items of stream `id`, or handled `count` more of its
// events (`channel`: ack_flags): a co_yield or co_await emit() waiting for room goes on.
void on_ack(std::uint32_t id, std::uint32_t count, std::uint32_t channel) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto context = running_async(0, id);
  if (!context) return;
  auto& flow = context->flow_of(channel);
  flow.taken += std::min(count, flow.sent - flow.taken);  // (never past what was sent)
  if (flow.has_room(context->window_of(channel)))
    for (auto& waiter : std::exchange(flow.waiting, {})) waiter->set_value({});
}

namespace {
// A future that settles once `flow` has room (at once when it has).
future<void> room_in(flow& flow, std::uint32_t window) {
  auto state = std::make_shared<shared_state<void>>();
  if (flow.has_room(window)) state->set_value({});
  else flow.waiting.push_back(state);
  return future<void>(std::move(state));
}
}  // namespace

future<void> send_stream_item(const encoded& item) {
  auto* context = current_request;
  if (!context || !(context->flags & streams))
    throw wasm_mt::error(error_kind::bad_payload,
                         "a wasm_mt::generator runs only as a streaming closure (thread::stream), in its worker");
  if (context->stop.stop_requested()) return future<void>::ready_error(stopped_error());
  if (!wasm_mt_js_emit(1, context->id, item.json.data(), item.json.size(), item.buffers.data(), item.buffers.size()))
    throw wasm_mt::error(error_kind::bad_payload, "a stream item (" + std::to_string(item.json.size()) +
                                                      " bytes) could not be posted: too large for a JS string, "
                                                      "or no memory to copy it");
  ++context->items.sent;
  return room_in(context->items, context->window_of(ack_items));
}

}  // namespace wasm_mt::detail

namespace wasm_mt::this_request {

bool stop_requested() noexcept {
  return wasm_mt::detail::current_request && wasm_mt::detail::current_request->stop.stop_requested();
}

stop_token get_stop_token() noexcept {
  return wasm_mt::detail::current_request ? wasm_mt::detail::current_request->stop.get_token() : stop_token();
}

void throw_if_stop_requested() {
  if (stop_requested())
    throw wasm_mt::error(error_kind::cancelled, "the request was stopped by its caller");
}

future<void> stopped() {
  auto state = std::make_shared<wasm_mt::detail::shared_state<void>>();
  auto* context = wasm_mt::detail::current_request;
  if (context && context->stop.stop_requested()) state->set_value({});
  else if (context && !context->ended && context->stop.stop_possible()) {
    // (Those nobody can see settle any more go first: abandoned, dropped unconsumed. A
    // loop of when_any(work(), stopped()) keeps one, not one an iteration.)
    std::erase_if(context->stop_waiters, [](const auto& waiter) { return !waiter->caller_listens(); });
    context->stop_waiters.push_back(state);
  }
  return future<void>(std::move(state));
}

namespace {
future<void> yield_then_check() {
  co_await wasm_mt::sleep(0);  // a macrotask (library_wasm_mt_core.js: a delay of 0 is a yield)
  if (auto* context = wasm_mt::detail::current_request) context->last_yield_ms = wasm_mt_js_now_ms();
  throw_if_stop_requested();
}
}  // namespace

future<void> checkpoint() {
  auto* context = wasm_mt::detail::current_request;
  if (context && context->stop.stop_possible()) {
    throw_if_stop_requested();
    if (wasm_mt_js_now_ms() - context->last_yield_ms < wasm_mt::detail::checkpoint_interval_ms) {
      auto done = std::make_shared<wasm_mt::detail::shared_state<void>>();
      done->set_value({});
      return future<void>(std::move(done));
    }
  }
  return yield_then_check();
}

namespace detail {

namespace {
// In a worker: its parent, as a thread (handle 0) to which calls into the caller go and
// from which their replies come. Lives as long as the worker.
wasm_mt::detail::thread_state& caller_link() {
  static auto* link = [] {
    auto* state = new wasm_mt::detail::thread_state(0, "caller");
    state->mark_running();
    return state;
  }();
  return *link;
}
}  // namespace

void send_to_caller(function_id called, std::uint32_t signature, const wasm_mt::detail::encoded& captures,
                    const std::shared_ptr<wasm_mt::detail::pending_request>& request) {
  if (!in_worker()) throw std::logic_error("wasm_mt::this_request::call_caller: not in a wasm_mt worker, there is no caller");
  if (request->stopped) return;  // stopped while its captures were encoded: it failed, not_run()
  auto& link = caller_link();
  std::uint32_t id = 0;
  try {
    id = link.add_pending(request);
  } catch (...) {
    request->settle_error(std::current_exception());
    return;
  }
  // (The request it is made for, if the caller sent it: the caller accepts the call if
  // that request offers it. A closure running a child's call has no such request.)
  auto* current = wasm_mt::detail::current_request;
  const std::uint32_t for_request = current && current->sender == 0 ? current->id : 0;
  if (!wasm_mt_js_post_call(0, id, called, signature, 0, for_request, captures.json.data(), captures.json.size(),
                            captures.buffers.data(), captures.buffers.size())) {
    if (auto unsent = link.take_pending(id))
      unsent->settle_error(wasm_mt::detail::exception_or_failure([&] {
        return wasm_mt::error(error_kind::bad_payload, "the call into the caller (" +
                                                           std::to_string(captures.json.size()) +
                                                           " bytes) could not be posted", {}, true);
      }));
  }
}

bool wants_events() noexcept {
  auto* context = wasm_mt::detail::current_request;
  return context && (context->flags & wasm_mt::detail::wants_events) && !context->stop.stop_requested() &&
         !context->ended;
}

// (Only an async request's context hears acknowledgements: a synchronous closure's, or
// one that has ended, never waits.)
bool event_room() noexcept {
  auto* context = wasm_mt::detail::current_request;
  if (context && context->stop.stop_requested()) return false;  // (await_event_room throws cancelled)
  return !context || context->ended || !context->stop.stop_possible() ||
         context->events.has_room(wasm_mt::detail::event_window);
}

future<void> await_event_room() {
  auto* context = wasm_mt::detail::current_request;
  if (context && context->stop.stop_requested()) return future<void>::ready_error(wasm_mt::detail::stopped_error());
  wasm_mt::detail::flow none;  // (no room to wait for: event_room() was true meanwhile)
  return wasm_mt::detail::room_in(event_room() ? none : context->events, wasm_mt::detail::event_window);
}

void emit_encoded(const wasm_mt::detail::encoded& event) {
  if (!wasm_mt_js_emit(0, wasm_mt::detail::current_request->id, event.json.data(), event.json.size(),
                       event.buffers.data(), event.buffers.size()))
    throw wasm_mt::error(error_kind::bad_payload, "the event (" + std::to_string(event.json.size()) +
                                                      " bytes) could not be posted: too large for a JS string, "
                                                      "or no memory to copy it");
  ++wasm_mt::detail::current_request->events.sent;
}

}  // namespace detail
}  // namespace wasm_mt::this_request
