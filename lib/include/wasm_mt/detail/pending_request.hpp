// A request waiting for its reply. The thread's pending map holds it as a
// pending_request; its future holds the same object as the shared_state it settles
// (request_state: one allocation for both; a pool's jobs are the same kind of object,
// pool_job.hpp). Settled exactly once: by its reply, or by the thread failing all
// pending requests.
#pragma once

#include <cstddef>
#include <exception>
#include <string_view>
#include <type_traits>
#include <utility>

#include <emscripten/val.h>

#include "wasm_mt/detail/glue.hpp"
#include "wasm_mt/detail/payload.hpp"
#include "wasm_mt/detail/shared_state.hpp"
#include "wasm_mt/registry.hpp"

namespace wasm_mt::detail {

class pending_request {
 public:
  explicit pending_request(function_id called) : called_(called) {}
  pending_request(const pending_request&) = delete;
  pending_request& operator=(const pending_request&) = delete;

  // The reply's value is in the inbox: `payload` is its JSON text. A value that cannot
  // be decoded settles the request with that error.
  virtual void settle_value(std::string_view payload, std::size_t buffer_count) WASM_MT_DETAIL_NOEXCEPT_JS_EH = 0;
  virtual void settle_error(std::exception_ptr failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH = 0;

  // The closure called (0 for exec_js), for error messages.
  function_id called() const noexcept { return called_; }

 protected:
  ~pending_request() = default;  // destroyed as the request_state it is part of

 private:
  function_id called_;
};

// The value of a reply as R (its JSON text is `payload`); throws bad_payload.
template <class R>
stored_t<R> decode_reply(std::string_view payload, std::size_t buffer_count) {
  if constexpr (std::is_void_v<R>)
    return {};
  else if constexpr (std::is_same_v<R, emscripten::val>)
    return emscripten::val::take_ownership(reinterpret_cast<emscripten::EM_VAL>(wasm_mt_js_inbox_value_handle()));
  else
    return decode<R>(payload, buffer_count);
}

template <class R>
class request_state final : public shared_state<R>, public pending_request {
 public:
  explicit request_state(function_id called) : pending_request(called) {}

  void settle_value(std::string_view payload, std::size_t buffer_count) WASM_MT_DETAIL_NOEXCEPT_JS_EH override {
    try {
      this->set_value(decode_reply<R>(payload, buffer_count));
    } catch (...) {  // settling itself does not throw: this is the decoding's error
      this->set_error(std::current_exception());
    }
  }

  void settle_error(std::exception_ptr failure) WASM_MT_DETAIL_NOEXCEPT_JS_EH override {
    this->set_error(std::move(failure));
  }
};

}  // namespace wasm_mt::detail
