// The one entry point of the JS glue into C++: every message and event arrives here.
#include "inbox.hpp"

#include <emscripten/emscripten.h>

#include "continuations.hpp"
#include "wasm_mt/detail/shared_state.hpp"
#include "wasm_mt/error.hpp"

namespace wasm_mt::detail {

std::string inbox_read_text(inbox_text which) {
  std::string text(wasm_mt_js_inbox_text_length(static_cast<int>(which)), '\0');
  if (!text.empty()) text.resize(wasm_mt_js_inbox_text_copy(static_cast<int>(which), text.data(), text.size()));
  return text;
}

inbox_payload inbox_read_payload(std::size_t& length) noexcept {
  inbox_payload text(static_cast<char*>(std::malloc(length + 1)));
  if (text) length = wasm_mt_js_inbox_text_copy(static_cast<int>(inbox_text::payload), text.get(), length);
  return text;
}

wasm_mt::error no_memory_for(std::string_view what, std::size_t length) {
  return wasm_mt::error(error_kind::bad_payload,
                        "no memory for " + std::string(what) + ": " + std::to_string(length) + " bytes of JSON");
}

}  // namespace wasm_mt::detail

using wasm_mt::detail::event;

// `arg` is: the function ID (call), 1/0 for value/error (reply, fetched), the program ID or 0
// (program_loaded); `arg2` the closure's signature (call). Returns 1 for a reply that
// matched a pending request, else 0. C++ exceptions never cross back into JS: one that
// escapes is logged.
extern "C" EMSCRIPTEN_KEEPALIVE int wasm_mt_on_message(int type, int handle, std::uint32_t id, std::uint32_t arg,
                                                       std::uint32_t arg2, std::size_t text_length,
                                                       std::size_t buffer_count) {
  namespace d = wasm_mt::detail;
  try {
    switch (static_cast<event>(type)) {
      case event::thread_ready: d::on_thread_ready(handle); break;
      case event::thread_failed: d::on_thread_failed(handle); break;
      case event::thread_crashed: d::on_thread_crashed(handle); break;
      case event::reply: return d::on_reply(handle, id, arg != 0, text_length, buffer_count) ? 1 : 0;
      case event::call: d::on_call({id, 0}, arg, arg2, static_cast<std::uint32_t>(handle), text_length, buffer_count); break;
      case event::child_call: d::on_call({id, handle}, arg, arg2, 0, text_length, buffer_count); break;
      case event::cancel: d::on_cancel(handle, id); break;
      case event::request_event: d::on_request_event(handle, id, text_length, buffer_count); break;
      case event::stream_item: d::on_stream_item(handle, id, text_length, buffer_count); break;
      case event::stream_ack: d::on_stream_ack(id, arg); break;
      case event::timer: d::on_timer(id); break;
      case event::fetched: d::on_fetched(id, arg != 0); break;
      case event::program_loaded: d::on_program_loaded(id, static_cast<int>(arg)); break;
      case event::continuations: d::continuation_queue::run(); break;
    }
  } catch (...) {
    if (!std::current_exception()) throw;  // a JS exception (native wasm exceptions): not ours
    d::report_unobserved_error(std::current_exception());
  }
  return 0;
}
