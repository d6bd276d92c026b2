#include "wasm_mt/utils.hpp"

#include <functional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>

#include "wasm_mt/detail/timer.hpp"

#include "failure.hpp"
#include "id_table.hpp"
#include "inbox.hpp"
#include "waiting.hpp"

namespace wasm_mt {
namespace detail {
namespace {
struct armed_timer {
  std::function<void()> fire;
  timer* owner = nullptr;  // null once released
};
id_table<armed_timer> timers;
waiting<bytes> fetches;
}  // namespace

void set_next_id(std::uint32_t id) noexcept { next_id = id; }

void throw_bad_delay(double milliseconds, const char* what) {
  throw std::invalid_argument(std::string("wasm_mt: ") + what + " must be a number of milliseconds >= 0 (or infinity " +
                              "for none), not " + std::to_string(milliseconds));
}

timer::timer(double milliseconds, std::function<void()> fire) {
  check_delay(milliseconds, "a delay");
  token_ = timers.add({std::move(fire), this});
  wasm_mt_js_set_timeout(milliseconds, token_);
}

timer::timer(timer&& other) noexcept : token_(std::exchange(other.token_, 0)) {
  if (auto* entry = timers.find(token_)) entry->owner = this;
}

timer& timer::operator=(timer&& other) noexcept {
  if (this != &other) {
    cancel();
    token_ = std::exchange(other.token_, 0);
    if (auto* entry = timers.find(token_)) entry->owner = this;
  }
  return *this;
}

void timer::cancel() noexcept {
  if (!token_) return;
  if (timers.erase(token_)) wasm_mt_js_clear_timeout(token_);
  token_ = 0;
}

void timer::release() noexcept {
  if (auto* entry = timers.find(token_)) entry->owner = nullptr;
  token_ = 0;
}

void on_timer(std::uint32_t token) {
  auto entry = timers.take(token);
  if (!entry.fire) return;
  if (entry.owner) entry.owner->token_ = 0;
  entry.fire();
}

// With no memory for the contents or the error's text, the fetch fails with the bad_alloc.
void on_fetched(std::uint32_t token, bool ok) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto state = fetches.take(token);
  if (!state) return;
  if (!ok) {
    state->set_error(exception_or_failure(
        [] { return wasm_mt::error(error_kind::load_failed, inbox_read_text(inbox_text::error_message)); }));
    return;
  }
  bytes contents;
  try {
    contents = bytes(wasm_mt_js_inbox_buffer_length(0));
  } catch (...) {
    state->set_error(std::current_exception());
    return;
  }
  if (!contents.empty()) wasm_mt_js_inbox_buffer_copy(0, contents.data(), contents.size());
  state->set_value(std::move(contents));
}
}  // namespace detail

future<void> sleep(double milliseconds) {
  detail::check_delay(milliseconds, "sleep's delay");
  auto state = std::make_shared<detail::shared_state<void>>();
  // The state keeps its timer until it settles: a consumer that abandons it (a when_any
  // another input won) cancels the timer, which then holds neither the state nor the
  // process (Node).
  detail::timer fires(milliseconds, [state] { state->set_value({}); });
  state->on_abandon([fires = std::move(fires)] {});
  return future<void>(std::move(state));
}

std::size_t hardware_concurrency() noexcept {
  int reported = wasm_mt_js_hardware_concurrency();
  return reported > 0 ? static_cast<std::size_t>(reported) : 1;
}

future<bytes> fetch_bytes(std::string url, detail::call_site site) {
  auto [token, result] = detail::fetches.add();
  detail::set_origin(result, {"fetch_bytes", {}, site});
  wasm_mt_js_fetch_bytes(token, url.data(), url.size());
  return std::move(result);
}

void console_log(std::string_view text) { wasm_mt_js_log(0, text.data(), text.size()); }
void console_error(std::string_view text) { wasm_mt_js_log(2, text.data(), text.size()); }

bool in_worker() noexcept { return wasm_mt_js_in_worker() != 0; }

std::string current_thread_label() {
  std::string label(wasm_mt_js_thread_label_length(), '\0');
  if (!label.empty()) label.resize(wasm_mt_js_thread_label_copy(label.data(), label.size()));
  return label;
}

}  // namespace wasm_mt
