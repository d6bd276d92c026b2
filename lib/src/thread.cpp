#include "wasm_mt/thread.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "failure.hpp"
#include "inbox.hpp"
#include "thread_state.hpp"
#include "wasm_mt/detail/request_id.hpp"

namespace wasm_mt {

struct thread_access {
  static thread make(std::unique_ptr<detail::thread_state> state) { return thread(std::move(state)); }
};

namespace detail {
namespace {

std::unordered_map<int, thread_state*>& thread_table() {
  static std::unordered_map<int, thread_state*> table;
  return table;
}

// Threads still starting: owned here until ready (then by their wasm_mt::thread).
struct starting_thread {
  std::unique_ptr<thread_state> state;
  std::shared_ptr<shared_state<wasm_mt::thread>> waiter;
};
std::unordered_map<int, starting_thread>& starting_threads() {
  static std::unordered_map<int, starting_thread> table;
  return table;
}

std::uint32_t next_request_id = 1;

std::string describe(const std::string& label) {
  return label.empty() ? std::string("thread") : "thread '" + label + "'";
}

}  // namespace

void set_next_request_id(std::uint32_t id) noexcept { next_request_id = id; }

thread_state* find_thread(int handle) noexcept {
  auto& table = thread_table();
  auto found = table.find(handle);
  return found == table.end() ? nullptr : found->second;
}

thread_state::thread_state(int handle, std::string label) : handle_(handle), label_(std::move(label)) {
  thread_table()[handle_] = this;
}

thread_state::~thread_state() {
  terminate();
  thread_table().erase(handle_);
}

std::uint32_t thread_state::add_pending(const std::shared_ptr<pending_request>& request) {
  for (;;) {  // skips 0 and IDs still pending once the count wraps (request_id.hpp)
    std::uint32_t id = next_request_id++;
    if (id != 0 && pending_.try_emplace(id, request).second) return request->request_id = id;
  }
}

std::shared_ptr<pending_request> thread_state::take_pending(std::uint32_t request_id) noexcept {
  auto found = pending_.find(request_id);
  if (found == pending_.end()) return nullptr;
  auto request = std::move(found->second);
  pending_.erase(found);
  if (request->controls && request->controls->armed_by == request_controls::armer::thread) request->controls->disarm();
  return request;
}

std::shared_ptr<pending_request> thread_state::find_pending(std::uint32_t request_id) const noexcept {
  auto found = pending_.find(request_id);
  return found == pending_.end() ? nullptr : found->second;
}

// The callbacks find the thread by handle: they may outlive it (no-op then).
void thread_state::arm(std::uint32_t request_id, request_controls& controls) {
  controls.armed_by = request_controls::armer::thread;
  const int handle = handle_;
  if (std::isfinite(controls.timeout_ms)) {
    const double timeout_ms = controls.timeout_ms;
    controls.deadline = timer(timeout_ms, [handle, request_id, timeout_ms] {
      if (auto* state = find_thread(handle))
        state->stop(request_id, stop_failure(error_kind::timeout, timeout_ms, false));
    });
  }
  if (controls.stop.stop_possible())
    controls.on_stop.emplace(controls.stop, [handle, request_id] {
      if (auto* state = find_thread(handle))
        state->stop(request_id, stop_failure(error_kind::cancelled, 0, false));
    });
}

void thread_state::stop(std::uint32_t request_id, const std::exception_ptr& failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto request = find_pending(request_id);
  if (!request || request->stopped) return;
  request->stopped = true;
  if (request->controls) request->controls->deadline.cancel();
  wasm_mt_js_post_cancel(handle_, request_id);
  request->settle_error(failure);  // last: its continuation runs later, from a microtask
}

std::exception_ptr stop_failure(error_kind kind, double timeout_ms, bool not_run) noexcept {
  return exception_or_failure([&] {
    if (kind == error_kind::timeout) {
      char text[32];
      std::snprintf(text, sizeof text, "%g", timeout_ms);
      return wasm_mt::error(kind, std::string("the request did not finish within its timeout (") + text + " ms)", {},
                            not_run);
    }
    return wasm_mt::error(kind, not_run ? "the request was cancelled before it started"
                                        : "the request was cancelled (its stop was requested)", {}, not_run);
  });
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
  auto failing = std::move(pending_);
  pending_.clear();
  for (auto& [id, request] : failing) {
    if (request->controls && request->controls->armed_by == request_controls::armer::thread)
      request->controls->disarm();
    if (request->stopped) request->settle_stopped();
    else request->settle_error(failure_of(id));
  }
}

void on_thread_ready(int handle) {
  auto node = starting_threads().extract(handle);
  if (node.empty()) {  // a thread from thread::start: its requests are already on their way
    if (auto* state = find_thread(handle)) state->mark_running();
    return;
  }
  auto& starting = node.mapped();
  starting.state->mark_running();
  starting.waiter->set_value(thread_access::make(std::move(starting.state)));
}

void on_thread_failed(int handle) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto node = starting_threads().extract(handle);
  if (!node.empty()) {
    auto& starting = node.mapped();
    starting.waiter->set_error(exception_or_failure([&] {
      return wasm_mt::error(error_kind::spawn_failed,
                            describe(starting.state->label()) + " failed to start: " +
                                inbox_read_text(inbox_text::error_message),
                            inbox_read_text(inbox_text::error_stack));
    }));
    return;  // `node` goes out of scope: the state is destroyed, the worker ended
  }
  on_thread_crashed(handle);
}

// With no memory for the worker's texts the crash is still reported, without them (and
// with every request taken to have run: none is retried).
void on_thread_crashed(int handle) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  if (starting_threads().count(handle)) return on_thread_failed(handle);
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

bool on_reply(int handle, std::uint32_t request_id, bool ok, std::size_t text_length,
              std::size_t buffer_count) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto* state = find_thread(handle);
  if (!state) return false;
  auto request = state->take_pending(request_id);
  if (!request) return false;  // not ours, or already settled
  if (request->stopped) {  // its caller knows already: what it returned is dropped
    request->settle_stopped();
    return true;
  }
  try {
    if (ok) {
      auto payload = inbox_read_payload(text_length);
      if (!payload) {
        request->settle_error(std::make_exception_ptr(no_memory_for("the reply", text_length)));
        return true;
      }
      request->settle_value({payload.get(), text_length}, buffer_count);
      return true;
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
  return true;
}

void ack_stream_items(int handle, std::uint32_t request_id, std::uint32_t count) noexcept {
  if (find_thread(handle)) wasm_mt_js_post_ack(handle, request_id, count);
}

void stop_stream(int handle, std::uint32_t request_id) noexcept {
  if (auto* state = find_thread(handle)) state->stop(request_id, stop_failure(error_kind::cancelled, 0, false));
}

void on_stream_item(int handle, std::uint32_t request_id, std::size_t text_length, std::size_t buffer_count) {
  auto* state = find_thread(handle);
  auto request = state ? state->find_pending(request_id) : nullptr;
  if (!request || request->stopped || !(request->flags() & streams)) return;
  auto payload = inbox_read_payload(text_length);
  if (!payload) {
    state->stop(request_id, exception_or_failure([&] { return no_memory_for("a stream item", text_length); }));
    return;
  }
  request->receive_item({payload.get(), text_length}, buffer_count);
}

void on_request_event(int handle, std::uint32_t request_id, std::size_t text_length,
                      std::size_t buffer_count) {
  auto* state = find_thread(handle);
  auto request = state ? state->find_pending(request_id) : nullptr;
  if (!request || !request->controls || !request->controls->on_event || request->stopped) return;
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
  const int handle = state->handle();
  detail::starting_threads().emplace(handle, detail::starting_thread{std::move(state), waiter});
  return future<thread>(std::move(waiter));
}

thread::thread(std::unique_ptr<detail::thread_state> state) noexcept : state_(std::move(state)) {}
thread::thread(thread&&) noexcept = default;
thread& thread::operator=(thread&&) noexcept = default;
thread::~thread() = default;

std::uint32_t thread::admit(const std::shared_ptr<detail::pending_request>& request) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  try {
    if (state_ && state_->alive()) {
      // (A stop can come while the captures are encoded: then nothing is sent.)
      if (request->controls && request->controls->armed_by == detail::request_controls::armer::none &&
          request->controls->stop.stop_requested()) {
        request->settle_error(detail::stop_failure(error_kind::cancelled, 0, true));
        return 0;
      }
      const std::uint32_t id = state_->add_pending(request);
      if (request->controls && request->controls->armed_by == detail::request_controls::armer::none) {
        try {
          state_->arm(id, *request->controls);
        } catch (...) {
          state_->take_pending(id);
          throw;
        }
      }
      return id;
    }
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
    if (!wasm_mt_js_post_call(state_->handle(), id, called, signature, request->flags(), captures.json.data(),
                              captures.json.size(),
                              captures.buffers.data(), captures.buffers.size()))
      unsent(id, captures.json.size());
  }
}

void thread::send_exec_js(std::string_view code, std::string_view args, bool is_async, bool raw,
                          const std::shared_ptr<detail::pending_request>& request) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  if (std::uint32_t id = admit(request)) {
    if (!wasm_mt_js_post_exec_js(state_->handle(), id, code.data(), code.size(), args.data(), args.size(),
                                 is_async ? 1 : 0, raw ? 1 : 0))
      unsent(id, code.size() + args.size());
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

const std::string& thread::label() const noexcept {
  static const std::string none;
  return state_ ? state_->label() : none;
}

void thread::set_label(std::string label) {
  if (!state_) return;
  if (state_->alive()) wasm_mt_js_set_label(state_->handle(), label.data(), label.size());
  state_->set_label(std::move(label));
}

}  // namespace wasm_mt
