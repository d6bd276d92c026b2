#include <cxxabi.h>

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>

#include "wasm_mt/detail/glue.hpp"
#include "wasm_mt/detail/promise.hpp"
#include "wasm_mt/detail/shared_state.hpp"
#include "wasm_mt/future.hpp"

namespace wasm_mt::detail {

std::string describe_exception(const std::exception_ptr& failure);

void report_unobserved_error(const std::exception_ptr& error, const origin& from, std::string_view what) noexcept {
  try {
    if (to_error(error).kind() == error_kind::cancelled) return;  // asked for: not news
    std::string text = "wasm_mt: ";
    text.append(what);
    if (!from.call.empty()) {
      text.append(" in ").append(from.call);
      if (!from.closure.empty()) text.append("(").append(from.closure).append(")");
    }
    if (from.site.file()) {
      std::string_view file = from.site.file();
      if (const auto slash = file.find_last_of('/'); slash != std::string_view::npos) file.remove_prefix(slash + 1);
      text.append(" called at ").append(file).append(":").append(std::to_string(from.site.line()));
    }
    text.append(": ").append(describe_exception(error));
    wasm_mt_js_log(2, text.data(), text.size());
  } catch (...) {
  }
}

void shared_state_base::run_consumer() WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  const auto context = std::move(context_);
  request_scope scope(context.get());
  try {
    if (auto waiter = std::exchange(waiter_, nullptr)) {
      waiter.resume();  // a coroutine whose promise rethrows its exceptions throws here
    } else if (callback_) {
      auto callback = std::move(callback_);
      callback();
    }
  } catch (...) {
    // With native wasm exceptions catch (...) also catches a JS exception (exit(), a
    // trap's RuntimeError), which has no C++ exception: it is not ours to swallow.
    if (!std::current_exception()) throw;
    report_unobserved_error(std::current_exception(), origin_, "a then() callback threw");
  }
}

void throw_second_consumer() {
  throw std::logic_error(
      "wasm_mt::future: a future has one consumer (one co_await or one then()); it already has one");
}

void shared_state_base::throw_no_value() {
  retrieved_ = true;
  if (has_error()) std::rethrow_exception(*error_);
  throw wasm_mt::error(error_kind::bad_payload, "future's value was already taken");
}

std::exception_ptr broken_promise_error() noexcept {
  try {
    return std::make_exception_ptr(wasm_mt::error(error_kind::broken_promise, "what was to settle this future is gone"));
  } catch (...) {
    return std::current_exception();
  }
}

void throw_empty_future() {
  throw wasm_mt::error(error_kind::bad_payload, "use of an empty (default-constructed or moved-from) wasm_mt::future");
}

wasm_mt::error to_error(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const wasm_mt::error& e) {
    return e;
  } catch (...) {
    return wasm_mt::error(error_kind::remote_exception, describe_exception(failure));
  }
}

// "std::runtime_error: what" for C++ exceptions; the message alone for wasm_mt::error.
std::string describe_exception(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const wasm_mt::error& e) {
    return e.what();
  } catch (const std::exception& e) {
    int status = 0;
    char* name = abi::__cxa_demangle(typeid(e).name(), nullptr, nullptr, &status);
    std::string text = (status == 0 && name) ? name : typeid(e).name();
    std::free(name);
    return text + ": " + e.what();
  } catch (...) {
    return "unknown exception (not derived from std::exception)";
  }
}

}  // namespace wasm_mt::detail
