// The closure registry: every program that links wasm_mt holds the same table of
// (stable function ID -> invoker), built at static-init time, so a call can travel as
// (function ID, captures) and the worker looks the ID up (function-ID dispatch).
//
// A closure's ID is the 32-bit FNV-1a hash of its stable name (its qualified type name,
// or file:line#n for an inline closure), so the same closure has the same ID in every
// program built from the same sources. When that ID is already taken by a different
// closure (two local classes both named "Task", an inline closure cloned by a macro or
// a template), the newcomer takes the first free ID of "name#2", "name#3", ... That
// is decided in registration order, which is the same in every instance of one program,
// so callers and workers still agree.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "wasm_mt/detail/noexcept_js_eh.hpp"
#include "wasm_mt/detail/type_name.hpp"

namespace wasm_mt {

using function_id = std::uint32_t;

// The ID of a closure name: FNV-1a, 32 bits. The same in every program.
constexpr function_id stable_id(std::string_view name) noexcept {
  std::uint32_t hash = 2166136261u;
  for (char c : name) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 16777619u;
  }
  return hash;
}

namespace detail {
struct incoming_call;
// Runs a call and replies to it, errors included (detail::invoke_closure).
using invoker = void (*)(const incoming_call&) WASM_MT_DETAIL_NOEXCEPT_JS_EH;
}  // namespace detail

class registry {
 public:
  // The one registry of this program; safe to use from any static initializer.
  static registry& instance();

  // Registers `invoke` under `name` and returns its ID. Registering the same pair again
  // returns the same ID.
  function_id add(std::string_view name, detail::invoker invoke);

  // The invoker under `id`, or nullptr.
  detail::invoker find(function_id id) const noexcept;
  // The name registered under `id` (with its "#n" if it has one), or empty.
  std::string_view name_of(function_id id) const noexcept;
  std::size_t size() const;

 private:
  registry() = default;
  struct entry {
    std::string name;
    detail::invoker invoke;
  };
  const entry* lookup(function_id id) const noexcept;

  // Sorted by ID. Filled at startup, read-only afterwards.
  struct table;
  table& entries() const noexcept;
};

}  // namespace wasm_mt
