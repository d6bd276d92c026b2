// Described types: types whose fields wasm_mt knows by name, and so writes and reads
// itself, field by field (payload.hpp's write_text, read_json; read_text.hpp).
#pragma once

#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace wasm_mt::detail {

// An inline closure (WASM_MT_EXEC): a local class, which cannot have member templates or
// friends defined in it, so it lists its fields as members: wasm_mt_tie() (std::tie of
// them, const and not) and wasm_mt_fields() (their names as written: "(a, b)").
template <class T>
concept tied = requires(T& m, const T& c) {
  m.wasm_mt_tie();
  c.wasm_mt_tie();
  { T::wasm_mt_fields() } -> std::convertible_to<std::string_view>;
};

// WASM_MT_STRUCT and WASM_MT_CLOSURE types (describe.hpp), exactly (not a type derived
// from one), and inline closures.
template <class T>
concept described = tied<T> || requires {
  { wasm_mt_described_type(static_cast<const T*>(nullptr)) } -> std::same_as<std::type_identity<T>>;
};

// The field names of a tied T, from wasm_mt_fields(): split at commas, spaces and
// parentheses dropped. (Worked out once per type.)
template <tied T>
const std::vector<std::string>& tied_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    std::string name;
    for (char c : std::string_view(T::wasm_mt_fields())) {
      if (c == ',') out.push_back(std::exchange(name, {}));
      else if (c != ' ' && c != '(' && c != ')' && c != '\t' && c != '\n') name += c;
    }
    if (!name.empty()) out.push_back(name);
    return out;
  }();
  return names;
}

// Calls visit(name, field) for each field of the described `value` (const or not), in
// the order listed; `name` is a NUL-terminated C++ identifier (nothing to escape).
template <class T, class Visit>
void visit_fields(T& value, Visit&& visit) {
  if constexpr (tied<std::remove_const_t<T>>) {
    const auto& names = tied_names<std::remove_const_t<T>>();
    std::apply(
        [&](auto&... field) {
          std::size_t i = 0;
          (visit(names[i++].c_str(), field), ...);
        },
        value.wasm_mt_tie());
  } else {
    wasm_mt_visit_fields(value, visit);
  }
}

}  // namespace wasm_mt::detail
