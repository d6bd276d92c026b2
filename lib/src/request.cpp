// A request's own part of its lifecycle (pending_request.hpp): made ready with its
// controls armed, and the one stop path.
#include <cmath>
#include <cstdio>
#include <string>

#include "failure.hpp"
#include "thread_state.hpp"
#include "wasm_mt/detail/pending_request.hpp"

namespace wasm_mt::detail {

std::exception_ptr stop_failure(error_kind kind, double timeout_ms, bool not_run, std::string_view reason) noexcept {
  return exception_or_failure([&] {
    if (!reason.empty()) return wasm_mt::error(kind, std::string(reason), {}, not_run);
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

namespace {

// Both lead to request->stop; they hold the request weakly (a request that is gone has
// settled: nothing to stop). Throws std::bad_alloc.
void arm(const std::shared_ptr<pending_request>& request) {
  auto& controls = *request->controls;
  std::weak_ptr<pending_request> weak = request;
  if (std::isfinite(controls.timeout_ms))
    controls.deadline = timer(controls.timeout_ms, [weak] {
      if (auto r = weak.lock()) r->stop(error_kind::timeout);
    });
  if (controls.stop.stop_possible())
    controls.on_stop.emplace(controls.stop, [weak] {
      if (auto r = weak.lock()) r->stop(error_kind::cancelled);
    });
}

}  // namespace

bool prepare(const std::shared_ptr<pending_request>& request, call_options&& options) noexcept {
  try {
    request->controls = controls_for(std::move(options));
    if (!request->controls) return true;
    if (request->controls->stop.stop_requested()) {
      request->stopped = true;
      request->fail(stop_failure(error_kind::cancelled, 0, true, request->controls->stop.stop_reason()));
      return false;
    }
    arm(request);
    return true;
  } catch (...) {  // a bad timeout_ms, or no memory for the controls
    request->fail(std::current_exception());
    return false;
  }
}

// A thread's request (or a call into the caller: thread 0 in a worker).
void pending_request::stop(error_kind kind) noexcept {
  if (stopped) return;
  const double timeout_ms = controls ? controls->timeout_ms : 0;
  const auto reason = stop_reason(kind);
  if (thread < 0) {  // not sent yet (a stop while its captures were encoded): never will be
    stopped = true;
    fail(stop_failure(kind, timeout_ms, true, reason));
    return;
  }
  if (auto* state = find_thread(thread))
    state->stop(*this, stop_failure(kind, timeout_ms, false, reason), stop_failure(kind, timeout_ms, true, reason));
}

void acknowledge(const pending_request& request, std::uint32_t count, ack_flags channel) noexcept {
  if (request.thread >= 0 && find_thread(request.thread))
    wasm_mt_js_post_ack(request.thread, request.request_id, count, channel);
}

}  // namespace wasm_mt::detail
