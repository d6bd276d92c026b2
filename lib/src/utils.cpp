#include "wasm_mt/utils.hpp"

#include "inbox.hpp"
#include "waiting.hpp"

namespace wasm_mt {
namespace detail {
namespace {
waiting<void> timers;
waiting<bytes> fetches;
}  // namespace

void on_timer(std::uint32_t token) {
  if (auto state = timers.take(token)) state->set_value({});
}

void on_fetched(std::uint32_t token, bool ok) {
  auto state = fetches.take(token);
  if (!state) return;
  if (!ok) {
    state->set_error(std::make_exception_ptr(wasm_mt::error(
        error_kind::load_failed, inbox_read_text(inbox_text::error_message))));
    return;
  }
  bytes contents(wasm_mt_js_inbox_buffer_length(0));
  if (!contents.empty()) wasm_mt_js_inbox_buffer_copy(0, contents.data());
  state->set_value(std::move(contents));
}
}  // namespace detail

future<void> sleep(double milliseconds) {
  auto [token, result] = detail::timers.add();
  wasm_mt_js_set_timeout(milliseconds, token);
  return std::move(result);
}

future<bytes> fetch_bytes(std::string url) {
  auto [token, result] = detail::fetches.add();
  wasm_mt_js_fetch_bytes(token, url.data(), url.size());
  return std::move(result);
}

void console_log(std::string_view text) { wasm_mt_js_log(0, text.data(), text.size()); }
void console_error(std::string_view text) { wasm_mt_js_log(2, text.data(), text.size()); }

bool in_worker() noexcept { return wasm_mt_js_in_worker() != 0; }

}  // namespace wasm_mt
