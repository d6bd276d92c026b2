// Internal: reading the message the glue is delivering (valid only during a
// wasm_mt_on_message call), and the handlers it dispatches to.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "wasm_mt/detail/glue.hpp"

namespace wasm_mt::detail {

std::string inbox_read_text(inbox_text which);
std::string inbox_read_payload(std::size_t length);

// Parent side (thread.cpp).
void on_thread_ready(int handle);
void on_thread_failed(int handle);
void on_thread_crashed(int handle);
void on_reply(int handle, std::uint32_t request_id, bool ok, std::size_t text_length, std::size_t buffer_count);
// Worker side (dispatch.cpp).
void on_call(std::uint32_t request_id, std::uint32_t function, std::size_t text_length, std::size_t buffer_count);
// Timers and fetches (utils.cpp) and program loads (program.cpp).
void on_timer(std::uint32_t token);
void on_fetched(std::uint32_t token, bool ok);
void on_program_loaded(std::uint32_t token, int program_id);

}  // namespace wasm_mt::detail
