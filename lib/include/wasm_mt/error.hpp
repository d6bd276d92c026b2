// The one exception type every failed wasm_mt request settles with.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace wasm_mt {

// Why a request failed. Stable names: error_kind_name() gives them, and they travel
// between threads by name.
enum class error_kind {
  remote_exception,  // the closure threw a C++ exception in the worker
  js_exception,      // exec_js code threw, or the worker's JS glue failed
  worker_crashed,    // the worker died (wasm trap, abort, stack overflow, exit)
  unknown_function,  // the worker's program has no closure under that ID
  bad_payload,       // captures or result could not be (de)serialized
  terminated,        // the thread was terminated (or was already) before a reply
  spawn_failed,      // a worker could not be created or its program failed to start
  load_failed,       // a program could not be fetched or compiled
  cancelled,         // the request was stopped (a stop_token, job::cancel); not_run() if before it ran
  timeout,           // the request ran past its deadline
  queue_full,        // a bounded queue refused the request
  broken_promise,    // what was to settle the future is gone (std::future_errc::broken_promise)
};

std::string_view error_kind_name(error_kind kind) noexcept;
// Inverse of error_kind_name; unknown names map to remote_exception.
error_kind error_kind_from_name(std::string_view name) noexcept;

class error : public std::runtime_error {
 public:
  error(error_kind kind, std::string message, std::string remote_stack = {}, bool not_run = false);

  error_kind kind() const noexcept { return kind_; }
  // The message as the failing side reported it, without the "kind: " prefix of what().
  const std::string& message() const noexcept { return message_; }
  // The JS stack of the failing side, where there is one (else empty).
  const std::string& remote_stack() const noexcept { return remote_stack_; }
  // True when the request certainly never started running (its worker died with the
  // request still waiting in its queue, or it was cancelled): safe to retry.
  bool not_run() const noexcept { return not_run_; }

  // The same kind, message, stack and not_run() (so expected<T> compares, as
  // std::expected needs of its error type).
  friend bool operator==(const error& a, const error& b) noexcept {
    return a.kind_ == b.kind_ && a.not_run_ == b.not_run_ && a.message_ == b.message_ &&
           a.remote_stack_ == b.remote_stack_;
  }

 private:
  error_kind kind_;
  std::string message_;
  std::string remote_stack_;
  bool not_run_;
};

}  // namespace wasm_mt
