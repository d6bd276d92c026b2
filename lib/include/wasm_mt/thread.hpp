// wasm_mt::thread: one Web Worker (a worker_threads Worker under Node) running a
// program, to which closures are sent by function ID.
//
//   wasm_mt::thread th = co_await wasm_mt::thread::spawn();   // spawned and initialised
//   int three = co_await th.exec(Add{1, 2});
//   nlohmann::json v = co_await th.exec_js("return 1 + 2;");
//
//   wasm_mt::thread fresh = wasm_mt::thread::start();         // usable at once
//   auto first = fresh.exec(Add{1, 2});                        // runs once it is ready
//
// Move-only; destroying it terminates the worker. Every request settles exactly once:
// with its value, or with a wasm_mt::error (see error.hpp for the kinds). When the
// worker dies (crash or terminate) its pending requests fail at once, and later requests
// fail immediately.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

#include "wasm_mt/call_options.hpp"
#include "wasm_mt/closure.hpp"
#include "wasm_mt/detail/call_site.hpp"
#include "wasm_mt/detail/glue.hpp"
#include "wasm_mt/detail/payload.hpp"
#include "wasm_mt/detail/pending_request.hpp"
#include "wasm_mt/future.hpp"
#include "wasm_mt/program.hpp"
#include "wasm_mt/stream.hpp"

namespace wasm_mt {

namespace detail {
class thread_state;
}
class pool;

class thread {
 public:
  // Starts a worker running `code` and resolves once it is initialised (its program
  // compiled, instantiated and its static initializers run). Fails with
  // error_kind::spawn_failed, also when the worker does not answer within 60 s. `label`
  // names the thread in errors and dev tools.
  [[nodiscard]] static future<thread> spawn(const program& code, std::string label = {}, detail::call_site site = detail::call_site::here());
  [[nodiscard]] static future<thread> spawn(std::string label = {}, detail::call_site site = detail::call_site::here()) {
    return spawn(program::self(), std::move(label), site);
  }

  // Starts a worker and returns it at once, before it is initialised: requests can be
  // sent right away and run as soon as it is ready, which saves the round trip of
  // waiting for it. If it cannot start, every request fails with spawn_failed.
  static thread start(const program& code, std::string label = {});
  static thread start(std::string label = {}) { return start(program::self(), std::move(label)); }

  thread(thread&&) noexcept;
  thread& operator=(thread&&) noexcept;
  ~thread();

  // Runs `closure` in the worker. Its captures are encoded now (by value). `options`: a
  // stop token, a deadline, an event handler (call_options.hpp); on a thread a stopped
  // request's worker is told, never terminated (a pool terminates one that does not
  // stop). (`site`, here and below: where the call is, for log lines about the request;
  // leave it defaulted.)
  template <class Closure>
  [[nodiscard]] future<closure_result_t<std::decay_t<Closure>>> exec(
      Closure&& closure, call_options options = {}, detail::call_site site = detail::call_site::here())
      WASM_MT_DETAIL_CHECK_CLOSURE(std::decay_t<Closure>)
      WASM_MT_DETAIL_CHECK_USE(std::decay_t<Closure>, is_streaming_closure<std::decay_t<Closure>>, WASM_MT_DETAIL_USE_STREAM);

  // Runs a streaming closure (one returning generator<T>: generator.hpp) in the worker and
  // returns its items as they come (stream.hpp). `options` as exec's, with
  // stream_window: how far the worker may run ahead of the items taken.
  template <class Closure>
  [[nodiscard]] wasm_mt::stream<closure_result_t<std::decay_t<Closure>>> stream(
      Closure&& closure, call_options options = {}, detail::call_site site = detail::call_site::here())
      WASM_MT_DETAIL_CHECK_CLOSURE(std::decay_t<Closure>)
      WASM_MT_DETAIL_CHECK_USE(std::decay_t<Closure>, !is_streaming_closure<std::decay_t<Closure>>, WASM_MT_DETAIL_USE_EXEC);

  // Runs the closure registered under `name` with raw JSON captures: function-ID
  // dispatch without the closure's type (for a program you do not link). `name` is
  // closure_name<C>(): the qualified type name, or "file.cpp:line#n" for an inline
  // closure. Its signature is not checked; an unknown name gives unknown_function, and
  // captures or a result that do not fit, bad_payload.
  template <class R = nlohmann::json>
  [[nodiscard]] future<R> exec_by_name(std::string_view name, const nlohmann::json& captures, call_options options = {},
                         detail::call_site site = detail::call_site::here());

  // Runs JS text as a function body (`return` gives the result) in the worker; the
  // result comes back as JSON (R = nlohmann::json or any type it converts to) or as the
  // raw structured-cloned value (R = emscripten::val; the program links embind, -lembind).
  // With `args`, the body sees them as `args` (JSON, parsed in the worker; without,
  // `args` is undefined). The worker compiles each code text once and reuses it whatever
  // the args. A throw gives js_exception; args that cannot be written as JSON,
  // bad_payload. `options`: a stop token and a deadline (call_options.hpp; a body emits
  // no events).
  template <class R = nlohmann::json>
  [[nodiscard]] future<R> exec_js(std::string_view code, detail::call_site site = detail::call_site::here()) {
    return send_js<R>(code, nullptr, false, {}, {"exec_js", {}, site});
  }
  template <class R = nlohmann::json>
  [[nodiscard]] future<R> exec_js(std::string_view code, call_options options,
                                  detail::call_site site = detail::call_site::here()) {
    return send_js<R>(code, nullptr, false, std::move(options), {"exec_js", {}, site});
  }
  template <class R = nlohmann::json>
  [[nodiscard]] future<R> exec_js(std::string_view code, const nlohmann::json& args, call_options options = {},
                                  detail::call_site site = detail::call_site::here()) {
    return send_js<R>(code, &args, false, std::move(options), {"exec_js", {}, site});
  }
  // With args as a JS value (emscripten::val; the program links embind): the body gets a
  // structured clone of `args`, and what `transfer` lists (a JS array of ArrayBuffers,
  // MessagePorts...) is moved, not copied, as postMessage's transfer list does (detached
  // here once sent). Args that cannot be cloned (a function, a DOM node) or transferred
  // (a detached buffer) fail this request with bad_payload, not_run(); the worker lives on.
  template <class R = nlohmann::json>
  [[nodiscard]] future<R> exec_js(std::string_view code, const emscripten::val& args,
                                  const emscripten::val& transfer = emscripten::val::undefined(),
                                  call_options options = {}, detail::call_site site = detail::call_site::here()) {
    return send_js_value<R>(code, args, transfer, false, std::move(options), {"exec_js", {}, site});
  }
  // As exec_js, as the body of an async function: it may `await`.
  template <class R = nlohmann::json>
  [[nodiscard]] future<R> exec_js_async(std::string_view code, detail::call_site site = detail::call_site::here()) {
    return send_js<R>(code, nullptr, true, {}, {"exec_js_async", {}, site});
  }
  template <class R = nlohmann::json>
  [[nodiscard]] future<R> exec_js_async(std::string_view code, call_options options,
                                        detail::call_site site = detail::call_site::here()) {
    return send_js<R>(code, nullptr, true, std::move(options), {"exec_js_async", {}, site});
  }
  template <class R = nlohmann::json>
  [[nodiscard]] future<R> exec_js_async(std::string_view code, const nlohmann::json& args, call_options options = {},
                                        detail::call_site site = detail::call_site::here()) {
    return send_js<R>(code, &args, true, std::move(options), {"exec_js_async", {}, site});
  }
  template <class R = nlohmann::json>
  [[nodiscard]] future<R> exec_js_async(std::string_view code, const emscripten::val& args,
                                        const emscripten::val& transfer = emscripten::val::undefined(),
                                        call_options options = {}, detail::call_site site = detail::call_site::here()) {
    return send_js_value<R>(code, args, transfer, true, std::move(options), {"exec_js_async", {}, site});
  }

  // Terminates the worker now; pending requests fail with error_kind::terminated.
  void terminate() noexcept;
  // True once terminated or crashed.
  bool is_terminated() const noexcept;
  // Requests sent that the worker has not answered yet (a stopped request counts until
  // its worker replies: it is still running there).
  std::size_t pending_count() const noexcept;
  // The worker's wasm memory in bytes (a wasm heap only grows: its high-water mark), as
  // the worker said when it became ready and before each reply after it grew: up to date
  // once a request's result is here. 0 before the worker is ready and once it has ended.
  std::uint64_t memory_bytes() const noexcept;

  // The thread's label: in wasm_mt's errors, and in the worker (current_thread_label()
  // there), for set_label() in order with the requests sent before and after it. The
  // dev tools name stays the one the worker started with (a Worker cannot be renamed).
  const std::string& label() const noexcept;
  void set_label(std::string label);

  // The closures its worker may run on this thread, for any of its requests, through
  // this_request::call_caller (callbacks.hpp); none by default. Replaces the last set.
  void set_callbacks(wasm_mt::callbacks offered) noexcept;

 private:
  explicit thread(std::unique_ptr<detail::thread_state> state) noexcept;
  friend struct thread_access;
  friend class pool;  // sends its jobs as their own pending requests
  friend struct pool_access;  // watches its threads

  // Sending `request`: each records it as pending and posts it, or settles it with why
  // it cannot go (the thread is dead, its captures cannot be encoded, no memory).
  std::uint32_t admit(const std::shared_ptr<detail::pending_request>& request) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // `signature`: the closure's (registry.hpp); 0 for exec_by_name, which is not checked.
  void send_call(function_id called, std::uint32_t signature, const detail::encoded& captures,
                 const std::shared_ptr<detail::pending_request>& request) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // `args`: JSON text, or empty for none.
  void send_exec_js(std::string_view code, std::string_view args, bool is_async, bool raw,
                    const std::shared_ptr<detail::pending_request>& request) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  template <class Captures>
  void send_encoded(function_id called, std::uint32_t signature, const Captures& captures,
                    const std::shared_ptr<detail::pending_request>& request) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // Request `id` was admitted but could not be posted (`size` bytes): it fails.
  void unsent(std::uint32_t id, std::size_t size) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // Request `id`'s JS value args could not be cloned or transferred: it fails.
  void uncloneable(std::uint32_t id) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
  // exec_js with JS value args (a header template: only programs using it need embind).
  template <class R>
  void send_js_value(std::string_view code, const emscripten::val& args, const emscripten::val& transfer,
                     bool is_async, const std::shared_ptr<detail::pending_request>& request) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
    if (std::uint32_t id = admit(request)) {
      const double sent_ms = detail::running_trace ? wasm_mt_js_clock_ms() : 0;
      if (!wasm_mt_js_post_exec_js_value(handle(), id, code.data(), code.size(), args.as_handle(),
                                                 transfer.as_handle(), is_async ? 1 : 0,
                                                 std::is_same_v<R, emscripten::val> ? 1 : 0))
        uncloneable(id);
      else if (detail::running_trace) [[unlikely]]
        detail::trace_sent(*request, handle(), label(), code.size(), sent_ms);
    }
  }
  template <class R>
  future<R> send_js_value(std::string_view code, const emscripten::val& args, const emscripten::val& transfer,
                          bool is_async, call_options&& options, detail::origin from) {
    auto state = detail::new_request<R>(0, std::move(options), from);
    if (!state->ready()) send_js_value<R>(code, args, transfer, is_async, state);
    return future<R>(std::move(state));
  }
  int handle() const noexcept;  // the glue's handle of an admitted (live) thread
  template <class R>
  void send_js(std::string_view code, std::string_view args, bool is_async,
               const std::shared_ptr<detail::pending_request>& request) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
    send_exec_js(code, args, is_async, std::is_same_v<R, emscripten::val>, request);
  }

  // The same, for a new request whose future is returned. (`options` by reference: a
  // temporary here would put each call's allocation behind a JS exception trampoline.)
  template <class R, class Captures>
  future<R> send_encoded(function_id called, std::uint32_t signature, const Captures& captures, call_options&& options,
                         detail::origin from) {
    auto state = detail::new_request<R>(called, std::move(options), from);
    if (!state->ready()) send_encoded(called, signature, captures, state);
    return future<R>(std::move(state));
  }
  template <class R>
  future<R> send_js(std::string_view code, const nlohmann::json* args, bool is_async, call_options&& options,
                    detail::origin from) {
    auto state = detail::new_request<R>(0, std::move(options), from);
    if (state->ready()) return future<R>(std::move(state));
    std::string args_text;
    try {
      if (args) args_text = detail::encode(*args).json;
    } catch (...) {
      state->settle_error(detail::unsent_failure(std::current_exception()));
      return future<R>(std::move(state));
    }
    send_js<R>(code, args_text, is_async, state);
    return future<R>(std::move(state));
  }

  std::unique_ptr<detail::thread_state> state_;
};

template <class Closure>
future<closure_result_t<std::decay_t<Closure>>> thread::exec(Closure&& closure, call_options options,
                                                             detail::call_site site) {
  using C = std::decay_t<Closure>;
  if constexpr (detail::closure_accepted<C>() && detail::use_accepted<!is_streaming_closure<C>>())
    return send_encoded<closure_result_t<C>>(closure_id<C>(), closure_signature<C>(), closure, std::move(options),
                                             {"exec", closure_name<C>(), site});
  else
    return {};  // not reached: the call failed to compile, saying why
}

template <class Closure>
wasm_mt::stream<closure_result_t<std::decay_t<Closure>>> thread::stream(Closure&& closure, call_options options,
                                                                         detail::call_site site) {
  using C = std::decay_t<Closure>;
  using T = closure_result_t<C>;
  if constexpr (detail::closure_accepted<C>() && detail::use_accepted<is_streaming_closure<C>>()) {
    const std::size_t window = options.stream_window;
    auto state = std::make_shared<detail::stream_state<T>>(
        window >= 1 && window <= detail::max_stream_window ? std::uint32_t(window) : 1,
        detail::origin{"stream", closure_name<C>(), site}, closure_id<C>());
    if (window < 1 || window > detail::max_stream_window)
      state->fail(std::make_exception_ptr(std::invalid_argument(
          "wasm_mt: call_options::stream_window must be 1 to 16777215, not " + std::to_string(window))));
    else if (detail::prepare(state, std::move(options)))
      send_encoded(closure_id<C>(), closure_signature<C>(), closure, state);
    return wasm_mt::stream<T>(std::move(state));
  } else {
    return {};  // not reached: the call failed to compile, saying why
  }
}

template <class R>
future<R> thread::exec_by_name(std::string_view name, const nlohmann::json& captures, call_options options,
                               detail::call_site site) {
  const auto called = stable_id(name);
  return send_encoded<R>(called, 0, captures, std::move(options),
                         {"exec_by_name", registry::instance().name_of(called), site});
}

template <class Captures>
void thread::send_encoded(function_id called, std::uint32_t signature, const Captures& captures,
                          const std::shared_ptr<detail::pending_request>& request) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  detail::encoded encoded_captures;
  try {
    encoded_captures = detail::encode(captures);
  } catch (...) {
    request->settle_error(detail::unsent_failure(std::current_exception()));
    return;
  }
  send_call(called, signature, encoded_captures, request);
}

}  // namespace wasm_mt
