// The qualified name of a type as the compiler spells it ("myapp::Add"), at compile time.
// It is the same in every program built from the same sources, which is what makes
// closure IDs stable across separately linked programs.
#pragma once

#include <string_view>

namespace wasm_mt::detail {

template <class T>
constexpr std::string_view type_name() {
#if defined(__clang__) || defined(__GNUC__)
  constexpr std::string_view pretty = __PRETTY_FUNCTION__;  // "... type_name() [T = X]"
  constexpr std::string_view marker = "T = ";
  constexpr auto start = pretty.find(marker) + marker.size();
  constexpr auto end = pretty.find_first_of("];", start);
  return pretty.substr(start, end - start);
#else
#error "wasm_mt needs clang or gcc to name closure types"
#endif
}

}  // namespace wasm_mt::detail
