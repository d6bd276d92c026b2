#include "wasm_mt/error.hpp"

#include <array>
#include <utility>

namespace wasm_mt {
namespace {
constexpr std::array<std::string_view, 12> kind_names = {
    "remote_exception", "js_exception", "worker_crashed", "unknown_function",
    "bad_payload",      "terminated",   "spawn_failed",   "load_failed",
    "cancelled",        "timeout",      "queue_full",     "broken_promise",
};
}  // namespace

std::string_view error_kind_name(error_kind kind) noexcept {
  auto index = static_cast<std::size_t>(kind);
  return index < kind_names.size() ? kind_names[index] : "unknown";
}

error_kind error_kind_from_name(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kind_names.size(); ++i)
    if (kind_names[i] == name) return static_cast<error_kind>(i);
  return error_kind::remote_exception;
}

error::error(error_kind kind, std::string message, std::string remote_stack, bool not_run)
    : std::runtime_error(std::string(error_kind_name(kind)) + ": " + message),
      kind_(kind),
      message_(std::move(message)),
      remote_stack_(std::move(remote_stack)),
      not_run_(not_run) {}

}  // namespace wasm_mt
