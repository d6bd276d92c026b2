#include "wasm_mt/utils.hpp"

#include <unordered_map>

#include "inbox.hpp"

namespace wasm_mt {
namespace detail {
namespace {
std::uint32_t next_timer_token = 1;
std::unordered_map<std::uint32_t, std::shared_ptr<shared_state<void>>>& timers() {
  static std::unordered_map<std::uint32_t, std::shared_ptr<shared_state<void>>> table;
  return table;
}
}  // namespace

void on_timer(std::uint32_t token) {
  auto node = timers().extract(token);
  if (!node.empty()) node.mapped()->set_value({});
}
}  // namespace detail

future<void> sleep(double milliseconds) {
  auto state = std::make_shared<detail::shared_state<void>>();
  std::uint32_t token = detail::next_timer_token++;
  detail::timers().emplace(token, state);
  wasm_mt_js_set_timeout(milliseconds, token);
  return future<void>(std::move(state));
}

void console_log(std::string_view text) { wasm_mt_js_log(0, text.data(), text.size()); }
void console_error(std::string_view text) { wasm_mt_js_log(2, text.data(), text.size()); }

bool in_worker() noexcept { return wasm_mt_js_in_worker() != 0; }

}  // namespace wasm_mt
