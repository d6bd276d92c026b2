#include "wasm_mt/program.hpp"

#include <unordered_map>

#include "inbox.hpp"

namespace wasm_mt {

struct program_access {
  static program make(int id) { return program(id); }
};

namespace detail {
namespace {
std::uint32_t next_load_token = 1;
std::unordered_map<std::uint32_t, std::shared_ptr<shared_state<program>>>& loads() {
  static std::unordered_map<std::uint32_t, std::shared_ptr<shared_state<program>>> table;
  return table;
}
std::pair<std::uint32_t, future<program>> start_load() {
  auto state = std::make_shared<shared_state<program>>();
  std::uint32_t token = next_load_token++;
  loads().emplace(token, state);
  return {token, future<program>(std::move(state))};
}
}  // namespace

void on_program_loaded(std::uint32_t token, int program_id) {
  auto node = loads().extract(token);
  if (node.empty()) return;
  auto& state = node.mapped();
  if (program_id != 0)
    state->set_value(program_access::make(program_id));
  else
    state->set_error(std::make_exception_ptr(wasm_mt::error(
        error_kind::load_failed, inbox_read_text(inbox_text::error_message), inbox_read_text(inbox_text::error_stack))));
}

}  // namespace detail

future<program> program::from_url(std::string js_url, std::string wasm_url) {
  auto [token, result] = detail::start_load();
  wasm_mt_js_load_program_url(token, js_url.data(), js_url.size(), wasm_url.data(), wasm_url.size());
  return std::move(result);
}

future<program> program::from_buffers(const bytes& js, const bytes& wasm) {
  auto [token, result] = detail::start_load();
  wasm_mt_js_load_program_buffers(token, js.data(), js.size(), wasm.data(), wasm.size());
  return std::move(result);
}

}  // namespace wasm_mt
