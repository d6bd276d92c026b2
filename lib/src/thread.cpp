#include "wasm_mt/thread.hpp"

#include <algorithm>
#include <charconv>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "failure.hpp"
#include "inbox.hpp"
#include "thread_state.hpp"
#include "wasm_mt/detail/promise.hpp"
#include "wasm_mt/detail/request_id.hpp"

namespace wasm_mt {

struct thread_access {
  static thread make(std::unique_ptr<detail::thread_state> state) { return thread(std::move(state)); }
};

namespace detail {
namespace {

// The threads this instance started, by glue handle (the glue's workers table issues
// the handles: never 0, never one still live). A thread spawned by thread::spawn is
// owned here until it is ready (`starting`, with the spawn's `waiter`), then by its
// wasm_mt::thread; one from thread::start by its wasm_mt::thread from the start.
struct thread_entry {
  thread_state* state = nullptr;
  std::unique_ptr<thread_state> starting;
  promise<wasm_mt::thread> waiter;
};
std::unordered_map<int, thread_entry>& thread_table() {
  static std::unordered_map<int, thread_entry> table;
  return table;
}

// The entry of a thread::spawn still starting, taken out of the table; empty if none.
thread_entry take_starting(int handle) noexcept {
  auto& table = thread_table();
  auto found = table.find(handle);
  if (found == table.end() || !found->second.starting) return {};
  thread_entry entry = std::move(found->second);
  found->second = thread_entry{entry.state, nullptr, {}};  // (the state stays registered until destroyed)
  return entry;
}

std::string describe(const std::string& label) {
  return label.empty() ? std::string("thread") : "thread '" + label + "'";
}

}  // namespace

thread_state* find_thread(int handle) noexcept {
  auto& table = thread_table();
  auto found = table.find(handle);
  return found == table.end() ? nullptr : found->second.state;
}

thread_state::thread_state(int handle, std::string label) : handle_(handle), label_(std::move(label)) {
  thread_table()[handle_].state = this;
}

thread_state::~thread_state() {
  terminate();
  // (Only its own entry: after the glue's ids wrap, a newer thread may hold its handle.)
  auto found = thread_table().find(handle_);
  if (found != thread_table().end() && found->second.state == this) thread_table().erase(found);
}

std::shared_ptr<pending_request> thread_state::take_pending(std::uint32_t request_id) noexcept {
  return pending_.take(request_id);
}

std::shared_ptr<pending_request> thread_state::find_pending(std::uint32_t request_id) noexcept {
  auto* found = pending_.find(request_id);
  return found ? *found : nullptr;
}

thread_state::told thread_state::tell_worker_stopped(pending_request& request) noexcept {
  auto* found = pending_.find(request.request_id);
  if (!found || found->get() != &request || request.stopped) return told::not_pending;
  request.stopped = true;
  if (!wasm_mt_js_post_cancel(handle_, request.request_id)) return told::worker;
  pending_.erase(request.request_id);  // (the caller holds `request`)
  return told::dropped;
}

void thread_state::stop(pending_request& request, const std::exception_ptr& ran,
                        const std::exception_ptr& never_sent) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto keep = find_pending(request.request_id);  // (alive while it settles)
  switch (tell_worker_stopped(request)) {
    case told::not_pending: return;
    case told::worker: return request.fail(ran);  // its continuation runs later (continuations.hpp)
    case told::dropped: return request.fail(never_sent);
  }
}

bool thread_state::accepts_call(std::uint32_t for_request, function_id called) noexcept {
  if (callbacks_.allows(called)) return true;
  auto* request = pending_.find(for_request);
  // (A stopped request offers nothing: its caller has given up on it.)
  return request && !(*request)->stopped && (*request)->controls && (*request)->controls->callbacks.allows(called);
}

wasm_mt::error thread_state::death_error() const {
  if (status_ == status::failed_to_start)
    return wasm_mt::error(error_kind::spawn_failed, describe(label_) + " failed to start: " + death_message_,
                          death_stack_, /*not_run=*/true);
  if (status_ == status::crashed)
    return wasm_mt::error(error_kind::worker_crashed, describe(label_) + " crashed: " + death_message_,
                          death_stack_);
  return wasm_mt::error(error_kind::terminated, describe(label_) + " was terminated");
}

void thread_state::mark_running() WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  if (status_ != status::starting) return;
  status_ = status::running;
  if (watcher_) watcher_(true);
}

void thread_state::terminate() WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  if (!alive()) return;
  status_ = status::terminated;
  wasm_mt_js_terminate(handle_);
  const auto error = exception_or_failure([this] { return death_error(); });
  fail_all_pending([&](std::uint32_t) { return error; });
}

namespace {

// Whether `id` is in `list`, request IDs separated by commas.
bool listed(std::string_view list, std::uint32_t id) noexcept {
  for (std::size_t at = 0; at < list.size();) {
    std::size_t end = std::min(list.find(',', at), list.size());
    std::uint32_t item = 0;
    auto [stop, problem] = std::from_chars(list.data() + at, list.data() + end, item);
    if (problem == std::errc() && stop == list.data() + end && item == id) return true;
    at = end + 1;
  }
  return false;
}

}  // namespace

void thread_state::crashed(std::string message, std::string stack, std::string_view started) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  if (!alive()) return;
  const bool never_started = status_ == status::starting;
  status_ = never_started ? status::failed_to_start : status::crashed;
  death_message_ = std::move(message);
  death_stack_ = std::move(stack);
  wasm_mt_js_terminate(handle_);
  // Both errors are made before any request settles (settling may destroy `this`).
  const bool all_ran = never_started || started == "unknown";
  const auto ran = exception_or_failure([this] { return death_error(); });
  const auto not_run = all_ran ? ran : exception_or_failure([this] {
    return wasm_mt::error(error_kind::worker_crashed,
                          describe(label_) + " crashed before this request started: " + death_message_,
                          death_stack_, /*not_run=*/true);
  });
  auto watcher = std::move(watcher_);
  fail_all_pending([&](std::uint32_t id) { return all_ran || listed(started, id) ? ran : not_run; });
  if (watcher) watcher(false);  // last: it may destroy this thread
}

template <class FailureOf>
void thread_state::fail_all_pending(FailureOf failure_of) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  // Settling resumes callers, which may send, terminate, or destroy this thread: take
  // the requests out first, then settle without touching `this` again.
  auto failing = pending_.take_all();
  for (auto& [id, request] : failing) {
    if (request->stopped) request->settle_stopped(false);
    else request->settle_error(failure_of(id));
  }
}

void on_thread_ready(int handle) {
  auto entry = take_starting(handle);
  if (!entry.starting) {  // a thread from thread::start: its requests are already on their way
    if (auto* state = find_thread(handle)) state->mark_running();
    return;
  }
  entry.starting->mark_running();
  entry.waiter->set_value(thread_access::make(std::move(entry.starting)));
}

void on_thread_failed(int handle) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto entry = take_starting(handle);
  if (entry.starting) {
    entry.waiter->set_error(exception_or_failure([&] {
      return wasm_mt::error(error_kind::spawn_failed,
                            describe(entry.starting->label()) + " failed to start: " +
                                inbox_read_text(inbox_text::error_message),
                            inbox_read_text(inbox_text::error_stack));
    }));
    return;  // `entry` goes out of scope: the state is destroyed (leaving the table), the worker ended
  }
  on_thread_crashed(handle);
}

// With no memory for the worker's texts the crash is still reported, without them (and
// with every request taken to have run: none is retried).
void on_thread_crashed(int handle) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto found = thread_table().find(handle);
  if (found != thread_table().end() && found->second.starting) return on_thread_failed(handle);
  auto* state = find_thread(handle);
  if (!state) return;
  std::string message, stack, started;
  bool texts_read = true;
  try {
    message = inbox_read_text(inbox_text::error_message);
    stack = inbox_read_text(inbox_text::error_stack);
    started = inbox_read_text(inbox_text::running);
  } catch (...) {
    texts_read = false;
  }
  state->crashed(std::move(message), std::move(stack), texts_read ? std::string_view(started) : "unknown");
}

void on_reply(int handle, std::uint32_t request_id, bool ok, std::size_t text_length,
              std::size_t buffer_count) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto* state = find_thread(handle);
  if (!state) return;
  auto request = state->take_pending(request_id);
  if (!request) return;  // not ours, or already settled
  reply_matched();  // (decoding and settling may run the caller's code, which may throw JS)
  if (running_trace) [[unlikely]] trace_replied(*request);
  if (request->stopped) {  // its caller knows already: what it returned is dropped
    request->settle_stopped(ok);
    return;
  }
  try {
    if (ok) {
      auto payload = inbox_read_payload(text_length);
      if (!payload) {
        request->settle_error(std::make_exception_ptr(no_memory_for("the reply", text_length)));
        return;
      }
      request->settle_value({payload.get(), text_length}, buffer_count);
      return;
    }
    auto kind = error_kind_from_name(inbox_read_text(inbox_text::error_kind));
    std::string message = inbox_read_text(inbox_text::error_message);
    if (kind == error_kind::unknown_function) {
      auto name = registry::instance().name_of(request->called());
      if (!name.empty()) message += " (closure '" + std::string(name) + "')";
    }
    request->settle_error(std::make_exception_ptr(
        wasm_mt::error(kind, std::move(message), inbox_read_text(inbox_text::error_stack))));
  } catch (...) {  // no memory for the error's texts: the request still settles
    request->settle_error(std::current_exception());
  }
}

void on_stream_item(int handle, std::uint32_t request_id, std::size_t text_length, std::size_t buffer_count) {
  auto* state = find_thread(handle);
  auto request = state ? state->find_pending(request_id) : nullptr;
  if (!request || request->stopped || !(request->flags() & streams)) return;
  if (running_trace) [[unlikely]] trace_received(*request, true);
  auto payload = inbox_read_payload(text_length);
  if (!payload) {  // the stream ends with this error, and its producer is stopped (the one stop path)
    request->fail(exception_or_failure([&] { return no_memory_for("a stream item", text_length); }));
    request->stop(error_kind::cancelled);
    return;
  }
  request->receive_item({payload.get(), text_length}, buffer_count);
}

void on_request_event(int handle, std::uint32_t request_id, std::size_t text_length,
                      std::size_t buffer_count) {
  auto* state = find_thread(handle);
  auto request = state ? state->find_pending(request_id) : nullptr;
  if (!request || !request->controls || !request->controls->on_event) return;
  // Every event counts as handled, dropped ones too (the worker's emit() waits on these).
  auto& unacknowledged = request->controls->events_unacknowledged;
  if (++unacknowledged >= event_window / 2) acknowledge(*request, std::exchange(unacknowledged, 0), ack_events);
  if (request->stopped || !request->caller_listens()) return;
  if (running_trace) [[unlikely]] trace_received(*request, false);
  try {
    auto payload = inbox_read_payload(text_length);
    if (!payload) throw no_memory_for("an event", text_length);
    request->controls->on_event({payload.get(), text_length}, buffer_count);  // may end the thread: `state` is not used after
  } catch (...) {
    if (!std::current_exception()) throw;  // a JS exception (exit()): not ours
    report_unobserved_error(std::current_exception(), {"call_options::on_event"}, "an event handler failed");
  }
}

}  // namespace detail

namespace {

// Starts a worker and returns its state; with no memory for the state, the worker ends
// at once rather than live on unowned.
std::unique_ptr<detail::thread_state> start_worker(const program& code, std::string label) {
  const int handle = wasm_mt_js_spawn(code.id(), label.data(), label.size());
  try {
    return std::make_unique<detail::thread_state>(handle, std::move(label));
  } catch (...) {
    wasm_mt_js_terminate(handle);
    throw;
  }
}

}  // namespace

thread thread::start(const program& code, std::string label) { return thread(start_worker(code, std::move(label))); }

future<thread> thread::spawn(const program& code, std::string label, detail::call_site site) {
  auto waiter = std::make_shared<detail::shared_state<thread>>();
  waiter->set_origin({"thread::spawn", {}, site});
  auto state = start_worker(code, std::move(label));
  auto& entry = detail::thread_table()[state->handle()];  // (made by the state: no allocation)
  entry.waiter = detail::promise<thread>(waiter);
  entry.starting = std::move(state);
  return future<thread>(std::move(waiter));
}

thread::thread(std::unique_ptr<detail::thread_state> state) noexcept : state_(std::move(state)) {}
thread::thread(thread&&) noexcept = default;
thread& thread::operator=(thread&&) noexcept = default;
thread::~thread() = default;

std::uint32_t thread::admit(const std::shared_ptr<detail::pending_request>& request) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  try {
    if (request->stopped) {  // stopped while its captures were encoded: it failed, not_run()
      request->settle_stopped(false);  // (a pool's job closes its books)
      return 0;
    }
    if (state_ && state_->alive()) return state_->add_pending(request);
    request->settle_error(std::make_exception_ptr(
        state_ ? state_->death_error() : wasm_mt::error(error_kind::terminated, "use of a moved-from wasm_mt::thread")));
  } catch (...) {  // no memory for the pending entry or the error: `request` is still ours to fail
    request->settle_error(std::current_exception());
  }
  return 0;
}

void thread::send_call(function_id called, std::uint32_t signature, const detail::encoded& captures,
                       const std::shared_ptr<detail::pending_request>& request) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  if (std::uint32_t id = admit(request)) {
    const double sent_ms = detail::running_trace ? wasm_mt_js_clock_ms() : 0;
    if (!wasm_mt_js_post_call(state_->handle(), id, called, signature, request->flags(), 0, captures.json.data(),
                              captures.json.size(),
                              captures.buffers.data(), captures.buffers.size()))
      return unsent(id, captures.json.size());
    if (detail::running_trace) [[unlikely]] {
      std::size_t bytes = captures.json.size();
      for (const auto& buffer : captures.buffers) bytes += buffer.size;
      detail::trace_sent(*request, state_->handle(), state_->label(), bytes, sent_ms);
    }
  }
}

void thread::send_exec_js(std::string_view code, std::string_view args, bool is_async, bool raw,
                          const std::shared_ptr<detail::pending_request>& request) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  if (std::uint32_t id = admit(request)) {
    const double sent_ms = detail::running_trace ? wasm_mt_js_clock_ms() : 0;
    if (!wasm_mt_js_post_exec_js(state_->handle(), id, code.data(), code.size(), args.data(), args.size(),
                                 is_async ? 1 : 0, raw ? 1 : 0))
      return unsent(id, code.size() + args.size());
    if (detail::running_trace) [[unlikely]]
      detail::trace_sent(*request, state_->handle(), state_->label(), code.size() + args.size(), sent_ms);
  }
}

void thread::unsent(std::uint32_t id, std::size_t size) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  if (auto request = state_->take_pending(id))
    request->settle_error(detail::exception_or_failure([size] {
      return wasm_mt::error(error_kind::bad_payload,
                            "the request (" + std::to_string(size) + " bytes) could not be posted to the worker: too "
                            "large for a JS string, or no memory to copy it",
                            {}, /*not_run=*/true);
    }));
}

void thread::uncloneable(std::uint32_t id) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  if (auto request = state_->take_pending(id))
    request->settle_error(detail::exception_or_failure([] {
      return wasm_mt::error(error_kind::bad_payload,
                            "exec_js args (an emscripten::val) could not be posted to the worker: they cannot be "
                            "structured-cloned (a function, a DOM node, a Symbol...), or the transfer list holds "
                            "something that cannot be transferred (not an array of ArrayBuffers, MessagePorts..., "
                            "or a buffer already detached)",
                            {}, /*not_run=*/true);
    }));
}

int thread::handle() const noexcept { return state_->handle(); }

void thread::terminate() noexcept {
  if (state_) state_->terminate();
}

bool thread::is_terminated() const noexcept { return !state_ || !state_->alive(); }

std::size_t thread::pending_count() const noexcept { return state_ ? state_->pending_count() : 0; }

std::uint64_t thread::memory_bytes() const noexcept {
  return state_ && state_->alive() ? std::uint64_t(wasm_mt_js_worker_memory(state_->handle())) : 0;
}

const std::string& thread::label() const noexcept {
  static const std::string none;
  return state_ ? state_->label() : none;
}

void thread::set_callbacks(wasm_mt::callbacks offered) noexcept {
  if (state_) state_->set_callbacks(std::move(offered));
}

void thread::set_label(std::string label) {
  if (!state_) return;
  if (state_->alive()) wasm_mt_js_set_label(state_->handle(), label.data(), label.size());
  state_->set_label(std::move(label));
}

}  // namespace wasm_mt
