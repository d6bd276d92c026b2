// Internal: reading the message the glue is delivering (valid only during a
// wasm_mt_on_message call), and the handlers it dispatches to.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

#include "wasm_mt/closure.hpp"
#include "wasm_mt/detail/glue.hpp"
#include "wasm_mt/detail/noexcept_js_eh.hpp"
#include "wasm_mt/error.hpp"

namespace wasm_mt::detail {

std::string inbox_read_text(inbox_text which);
// Text read out of the inbox, freed with std::free.
struct free_text {
  void operator()(char* text) const noexcept { std::free(text); }
};
using inbox_payload = std::unique_ptr<char[], free_text>;

// The payload's JSON text (plus a NUL), `length` bytes at most: the length the glue gave,
// which becomes the length read. Null when there is no memory for it. Allocates with
// malloc and never throws: no JS exception trampoline for it.
inbox_payload inbox_read_payload(std::size_t& length) noexcept;
// The bad_payload error for a payload (`what`: "the reply", ...) there was no memory for.
wasm_mt::error no_memory_for(std::string_view what, std::size_t length);

// Parent side (thread.cpp).
void on_thread_ready(int handle);
void on_thread_failed(int handle) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
void on_thread_crashed(int handle) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
// Settles the request, failures included; first, when a pending request has that ID,
// tells the glue it matched (reply_matched), before anything of the caller's runs.
void on_reply(int handle, std::uint32_t request_id, bool ok, std::size_t text_length,
              std::size_t buffer_count) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
// Marks the reply being delivered as matched (delivery::matched; inbox.cpp).
void reply_matched() noexcept;
// An event of a pending request: its handler (call_options::on_event) runs now.
void on_request_event(int handle, std::uint32_t request_id, std::size_t text_length, std::size_t buffer_count);
// Worker side (dispatch.cpp). Replies to every call, failures included.
// `from`: the caller's request (handle 0: this worker's parent; else a child thread's
// call into its caller).
// `call`: its closure, its for_request and its payload's size; `flags`: call_flags (a
// child's call into its caller has none).
void on_call(reply_address from, const delivery& call, std::uint32_t flags) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
// (this_request.cpp) The caller stopped request `id`.
// Request `request_id` of `handle` (0: this worker's parent; else a child calling into
// its caller) was stopped by its sender.
void on_cancel(int handle, std::uint32_t request_id) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
// The caller took `count` more items of stream `id`, or handled `count` more of its
// events (`channel`: ack_flags, request_context.hpp).
void on_ack(std::uint32_t request_id, std::uint32_t count, std::uint32_t channel) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
// An item of stream `id` (parent side, thread.cpp).
void on_stream_item(int handle, std::uint32_t request_id, std::size_t text_length, std::size_t buffer_count);
// Timers and fetches (utils.cpp) and program loads (program.cpp).
void on_timer(std::uint32_t token);
void on_fetched(std::uint32_t token, bool ok) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
void on_program_loaded(std::uint32_t token, int program_id) WASM_MT_DETAIL_NOEXCEPT_JS_EH;

}  // namespace wasm_mt::detail
