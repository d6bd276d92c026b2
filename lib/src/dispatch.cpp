// Worker side: runs the closure a call names and replies.
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

#include "failure.hpp"
#include "inbox.hpp"
#include "thread_state.hpp"
#include "wasm_mt/closure.hpp"
#include "wasm_mt/registry.hpp"

namespace wasm_mt::detail {

std::string describe_exception(const std::exception_ptr& failure);

void reply_json(reply_address to, std::string_view json) noexcept {
  wasm_mt_js_reply(to.handle, to.id, 1, json.data(), json.size(), nullptr, 0, nullptr, 0);
}

void reply_encoded(reply_address to, const encoded& value) noexcept {
  wasm_mt_js_reply(to.handle, to.id, 1, value.json.data(), value.json.size(), nullptr, 0, value.buffers.data(),
                   value.buffers.size());
}

namespace {

void reply_error_text(reply_address to, error_kind kind, std::string_view message) noexcept {
  auto kind_name = error_kind_name(kind);
  wasm_mt_js_reply(to.handle, to.id, 0, message.data(), message.size(), kind_name.data(), kind_name.size(), nullptr, 0);
}

std::string id_text(std::uint32_t function) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", static_cast<unsigned>(function));
  return text;
}

wasm_mt::error unknown_function(std::uint32_t function) {
  return wasm_mt::error(error_kind::unknown_function,
                        "no closure with ID " + id_text(function) + " is registered in the worker's program");
}

wasm_mt::error not_offered(std::uint32_t function) {
  auto name = registry::instance().name_of(function);
  return wasm_mt::error(error_kind::unknown_function,
                        "this thread does not accept calls of " +
                            (name.empty() ? "closure " + id_text(function) : "'" + std::string(name) + "'") +
                            " from its worker: offer it with call_options::callbacks, thread::set_callbacks or "
                            "pool_options::callbacks (wasm_mt/callbacks.hpp)");
}

wasm_mt::error mismatched_function(std::uint32_t function) {
  return wasm_mt::error(
      error_kind::unknown_function,
      "the worker's closure with ID " + id_text(function) + " is '" +
          std::string(registry::instance().name_of(function)) +
          "', which is not the caller's: a closure local to its program (anonymous namespace, class local to a "
          "function, name#n) runs only on threads of the same program, and a closure whose captures or result "
          "differ is another closure");
}

}  // namespace

void reply_error(reply_address to, const std::exception_ptr& failure) noexcept {
  try {
    try {
      std::rethrow_exception(failure);
    } catch (const wasm_mt::error& e) {
      return reply_error_text(to, e.kind(), e.message());  // a nested request's error keeps its kind
    } catch (...) {
      return reply_error_text(to, error_kind::remote_exception, describe_exception(failure));
    }
  } catch (...) {  // no memory to describe it: the request still fails
    reply_error_text(to, error_kind::remote_exception,
                     "the worker ran out of memory while reporting an error");
  }
}

void on_call(reply_address from, const delivery& call, std::uint32_t flags) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  const std::uint32_t function = call.fn;
  const std::uint32_t signature = call.sig;
  std::size_t text_length = call.text_length;
  // A child's call into its caller: only what the caller offered (callbacks.hpp).
  if (from.handle != 0) {
    auto* child = find_thread(from.handle);
    if (!child || !child->accepts_call(call.for_request, function))
      return reply_error(from, exception_or_failure([function] { return not_offered(function); }));
  }
  invoker invoke = registry::instance().find(function);
  if (!invoke) return reply_error(from, exception_or_failure([function] { return unknown_function(function); }));
  // A child's call into its caller is always checked: it names a closure of this program.
  if ((signature != 0 || from.handle != 0) && signature != registry::instance().signature_of(function))
    return reply_error(from, exception_or_failure([function] { return mismatched_function(function); }));
  auto payload = inbox_read_payload(text_length);
  if (!payload)
    return reply_error(from, exception_or_failure([&] { return no_memory_for("the captures", text_length); }));
  invoke(incoming_call{from, {payload.get(), text_length}, call.buffer_count, flags});  // replies, errors included
}

}  // namespace wasm_mt::detail
