// Integers and bools in their JSON text form without building a JSON value: the most
// common results take no DOM, no allocation but the text, and (with JS exceptions) none
// of the trampolines a DOM's construction and destruction cost. The text is what
// nlohmann/json writes; anything not in its canonical form (3.0, 1e3, spaces,
// out-of-range) is left to nlohmann/json, so the results are the same.
#pragma once

#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace wasm_mt::detail {

template <class T>
concept json_scalar = std::is_same_v<T, bool> ||
                      (std::is_integral_v<T> && !std::is_same_v<T, char> && !std::is_same_v<T, wchar_t> &&
                       !std::is_same_v<T, char8_t> && !std::is_same_v<T, char16_t> && !std::is_same_v<T, char32_t>);

template <json_scalar T>
std::string scalar_to_json(T value) {
  if constexpr (std::is_same_v<T, bool>) {
    return value ? "true" : "false";
  } else {
    char text[24];
    auto end = std::to_chars(text, text + sizeof text, value).ptr;
    return std::string(text, end);
  }
}

// The value when `text` is its canonical JSON form; nullopt otherwise.
template <json_scalar T>
std::optional<T> scalar_from_json(std::string_view text) {
  if constexpr (std::is_same_v<T, bool>) {
    if (text == "true") return true;
    if (text == "false") return false;
    return std::nullopt;
  } else {
    T value{};
    auto [end, failure] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (failure != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
  }
}

}  // namespace wasm_mt::detail
