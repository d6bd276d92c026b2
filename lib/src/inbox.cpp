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

namespace {
wasm_mt::detail::delivery delivered;  // written by the glue before each wasm_mt_on_message
}  // namespace

// Where the glue writes what it delivers (read once, by the glue).
extern "C" EMSCRIPTEN_KEEPALIVE wasm_mt::detail::delivery* wasm_mt_delivery() noexcept { return &delivered; }

// (The glue zeroed `matched`, and puts it back after a nested delivery.)
void wasm_mt::detail::reply_matched() noexcept { delivered.matched = 1; }

// Handles what the glue wrote into `delivered`; a reply that matched a pending request
// sets delivered.matched (reply_matched) before anything of the caller's runs. C++
// exceptions never cross back into JS: one that escapes is logged.
extern "C" EMSCRIPTEN_KEEPALIVE void wasm_mt_on_message() {
  namespace d = wasm_mt::detail;
  const d::delivery m = delivered;  // (a handler may deliver again, into `delivered`)
  const int handle = static_cast<int>(m.handle);
  d::continuation_queue::begin_delivery(m.ends_handler != 0);
  try {
    switch (static_cast<event>(m.type)) {
      case event::thread_ready: d::on_thread_ready(handle); break;
      case event::thread_failed: d::on_thread_failed(handle); break;
      case event::thread_crashed: d::on_thread_crashed(handle); break;
      case event::reply: d::on_reply(handle, m.id, m.ok != 0, m.text_length, m.buffer_count); break;
      case event::call: d::on_call({m.id, 0}, m, m.flags); break;
      case event::child_call: d::on_call({m.id, handle}, m, 0); break;
      case event::cancel: d::on_cancel(handle, m.id); break;
      case event::request_event: d::on_request_event(handle, m.id, m.text_length, m.buffer_count); break;
      case event::stream_item: d::on_stream_item(handle, m.id, m.text_length, m.buffer_count); break;
      case event::ack: d::on_ack(m.id, m.count, m.flags); break;
      case event::timer: d::on_timer(m.id); break;
      case event::fetched: d::on_fetched(m.id, m.ok != 0); break;
      case event::program_loaded: d::on_program_loaded(m.id, static_cast<int>(m.program)); break;
      case event::continuations: d::continuation_queue::run(); break;
    }
  } catch (...) {
    if (!std::current_exception()) throw;  // a JS exception (native wasm exceptions): not ours
    d::report_unobserved_error(std::current_exception());
  }
  if (m.ends_handler) d::continuation_queue::end_delivery();
}
