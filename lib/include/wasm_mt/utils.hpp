// Small helpers for code running on the main thread or in a worker.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "wasm_mt/bytes.hpp"
#include "wasm_mt/future.hpp"

namespace wasm_mt {

// Resolves after `milliseconds` (a JS timer: the event loop keeps running meanwhile).
// Any length works (past setTimeout's 2^31-1 ms, timers are chained); infinity never
// resolves. Throws std::invalid_argument for NaN or a negative delay.
[[nodiscard]] future<void> sleep(double milliseconds);

// The contents of `url` (fetch() in browsers; a file path or file: URL under Node).
// Fails with error_kind::load_failed.
[[nodiscard]] future<bytes> fetch_bytes(std::string url, detail::call_site site = detail::call_site::here());

// Writes a line to the JS console (console.log; console.error for console_error).
void console_log(std::string_view text);
void console_error(std::string_view text);

// How many threads this machine runs at once (navigator.hardwareConcurrency, or
// os.availableParallelism() under Node); at least 1.
std::size_t hardware_concurrency() noexcept;

// True inside a wasm_mt worker, false on the thread that started the program.
bool in_worker() noexcept;

// The running worker's label: the one it was spawned with, or the last its thread's
// set_label() gave before the request running now ("" outside a worker).
std::string current_thread_label();

}  // namespace wasm_mt
