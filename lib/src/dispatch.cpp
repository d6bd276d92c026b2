// Worker side: runs the closure a call names and replies.
#include <cstdio>
#include <string>

#include "inbox.hpp"
#include "wasm_mt/closure.hpp"
#include "wasm_mt/registry.hpp"

namespace wasm_mt::detail {

std::string describe_exception(const std::exception_ptr& failure);

void reply_encoded(std::uint32_t request_id, const encoded& value) {
  wasm_mt_js_reply(request_id, 1, value.json.data(), value.json.size(), nullptr, 0, value.buffers.data(),
                   value.buffers.size());
}

void reply_error(std::uint32_t request_id, const std::exception_ptr& failure) {
  error_kind kind = error_kind::remote_exception;
  std::string message;
  try {
    std::rethrow_exception(failure);
  } catch (const wasm_mt::error& e) {
    kind = e.kind();  // an error from a nested request travels on with its kind
    message = e.message();
  } catch (...) {
    message = describe_exception(failure);
  }
  auto kind_name = error_kind_name(kind);
  wasm_mt_js_reply(request_id, 0, message.data(), message.size(), kind_name.data(), kind_name.size(), nullptr, 0);
}

void on_call(std::uint32_t request_id, std::uint32_t function, std::size_t text_length, std::size_t buffer_count) {
  invoker invoke = registry::instance().find(function);
  if (!invoke) {
    char id_text[16];
    std::snprintf(id_text, sizeof id_text, "0x%08x", static_cast<unsigned>(function));
    reply_error(request_id, std::make_exception_ptr(wasm_mt::error(
                                error_kind::unknown_function,
                                std::string("no closure with ID ") + id_text + " is registered in the worker's program")));
    return;
  }
  auto payload = inbox_read_payload(text_length);
  if (!payload) return reply_error(request_id, no_memory_for("the captures", text_length));
  invoke(incoming_call{request_id, {payload.get(), text_length}, buffer_count});  // replies, errors included
}

}  // namespace wasm_mt::detail
