#include "wasm_mt/program.hpp"

#include "failure.hpp"
#include "inbox.hpp"
#include "waiting.hpp"

namespace wasm_mt {

struct program_access {
  static program make(int id) { return program(id); }
};

namespace detail {
namespace {
waiting<program> loads;
}  // namespace

void on_program_loaded(std::uint32_t token, int program_id) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  auto state = loads.take(token);
  if (!state) return;
  if (program_id != 0)
    state->set_value(program_access::make(program_id));
  else
    state->set_error(exception_or_failure([] {
      return wasm_mt::error(error_kind::load_failed, inbox_read_text(inbox_text::error_message),
                            inbox_read_text(inbox_text::error_stack));
    }));
}

}  // namespace detail

future<program> program::from_url(std::string js_url, std::string wasm_url, detail::call_site site) {
  auto [token, result] = detail::loads.add();
  detail::set_origin(result, {"program::from_url", {}, site});
  wasm_mt_js_load_program_url(token, js_url.data(), js_url.size(), wasm_url.data(), wasm_url.size());
  return std::move(result);
}

future<program> program::from_buffers(const bytes& js, const bytes& wasm, detail::call_site site) {
  auto [token, result] = detail::loads.add();
  detail::set_origin(result, {"program::from_buffers", {}, site});
  wasm_mt_js_load_program_buffers(token, js.data(), js.size(), wasm.data(), wasm.size());
  return std::move(result);
}

}  // namespace wasm_mt
