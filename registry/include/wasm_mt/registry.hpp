// The closure registry: every program that links wasm_mt holds the same table of
// (stable function ID -> invoker), built at static-init time, so a call can travel as
// (function ID, captures) and the worker looks the ID up (function-ID dispatch).
//
// IDs are 32-bit FNV-1a hashes of a closure's stable name (its qualified type name, or
// file:line for an inline closure). Two names with one ID, or two closures with one name,
// stop the program at startup with a message naming both: never a misrouted call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

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
using invoker = void (*)(const incoming_call&);
}  // namespace detail

class registry {
 public:
  // The one registry of this program; safe to use from any static initializer.
  static registry& instance();

  // Registers `invoke` under `name` (which must outlive the program: a literal or a
  // compiler-made type name). Registering the same pair again is a no-op.
  function_id add(std::string_view name, detail::invoker invoke);

  // The invoker under `id`, or nullptr.
  detail::invoker find(function_id id) const;
  // The name registered under `id`, or empty.
  std::string_view name_of(function_id id) const;
  std::size_t size() const;

 private:
  registry() = default;
  struct entry {
    std::string_view name;
    detail::invoker invoke;
  };
  const entry* lookup(function_id id) const;

  // Sorted by ID. Filled at startup, read-only afterwards.
  struct table;
  table& entries() const;
};

}  // namespace wasm_mt
