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
//
// Every call also carries the closure's signature, which the worker checks against the
// closure it has under that ID (a mismatch is unknown_function, naming both):
//  - for a closure whose name is the same in every program (a named type at namespace
//    or class scope, an inline closure), a hash of its name, its capture fields and its
//    result type: another program built from the same sources runs it, and one where
//    that name means different fields or a different result refuses it;
//  - for a closure local to its program (in an anonymous namespace, a class local to a
//    function, a lambda, or one that took a name#n), that hash mixed with the program's
//    own identity (the names it registered, in order): only threads running the same
//    program run it, since another program may give that name to another closure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "wasm_mt/detail/build_checks.hpp"
#include "wasm_mt/detail/noexcept_js_eh.hpp"
#include "wasm_mt/detail/type_name.hpp"

namespace wasm_mt {

using function_id = std::uint32_t;

namespace detail {
struct incoming_call;
// Runs a call and replies to it, errors included (detail::invoke_closure).
using invoker = void (*)(const incoming_call&) WASM_MT_DETAIL_NOEXCEPT_JS_EH;

// FNV-1a, 32 bits, continued from `hash`.
constexpr std::uint32_t fnv1a(std::string_view text, std::uint32_t hash = 2166136261u) noexcept {
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 16777619u;
  }
  return hash;
}

// Whether a closure name may name different closures in different programs (an
// anonymous namespace, a class local to a function, a lambda, an unnamed type).
constexpr bool is_program_local_name(std::string_view name) noexcept {
  return name.find("(anonymous namespace)") != std::string_view::npos ||
         name.find(")::") != std::string_view::npos || name.find("(lambda") != std::string_view::npos ||
         name.find("(unnamed") != std::string_view::npos;
}
}  // namespace detail

// The ID of a closure name: FNV-1a, 32 bits. The same in every program.
constexpr function_id stable_id(std::string_view name) noexcept { return detail::fnv1a(name); }

class registry {
 public:
  // The one registry of this program; safe to use from any static initializer.
  static registry& instance();

  // Registers `invoke` under `name` and returns its ID. Registering the same pair again
  // returns the same ID. `shape` hashes what the closure takes and gives (its fields and
  // result type); `program_local`: the name may mean another closure in another program.
  function_id add(std::string_view name, detail::invoker invoke, std::uint32_t shape = 0, bool program_local = false);

  // The invoker under `id`, or nullptr.
  detail::invoker find(function_id id) const noexcept;
  // The name registered under `id` (with its "#n" if it has one), or empty.
  std::string_view name_of(function_id id) const noexcept;
  // The signature calls to `id` carry (never 0, which means "not checked"), or 0 for an
  // ID with no closure. Call it once static initialization is over.
  std::uint32_t signature_of(function_id id) const noexcept;
  std::size_t size() const;

 private:
  registry() = default;
  struct entry {
    std::string name;
    detail::invoker invoke;
    std::uint32_t shape;
    bool program_local;
  };
  const entry* lookup(function_id id) const noexcept;

  // Sorted by ID. Filled at startup, read-only afterwards.
  struct table;
  table& entries() const noexcept;
};

}  // namespace wasm_mt
