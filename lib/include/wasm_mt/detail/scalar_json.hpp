// Integers and bools in their JSON text form without building a JSON value: the most
// common results take no DOM, no allocation, and (with JS exceptions) none of the
// trampolines a DOM's construction and destruction cost. The text is what
// nlohmann/json writes; anything not in its canonical form (3.0, 1e3, spaces,
// out-of-range) is left to nlohmann/json, so the results are the same.
#pragma once

#include <charconv>
#include <cstddef>
#include <optional>
#include <string_view>
#include <type_traits>

#include "wasm_mt/detail/json_text.hpp"

namespace wasm_mt::detail {

template <class T>
concept json_scalar = std::is_same_v<T, bool> ||
                      (std::is_integral_v<T> && !std::is_same_v<T, char> && !std::is_same_v<T, wchar_t> &&
                       !std::is_same_v<T, char8_t> && !std::is_same_v<T, char16_t> && !std::is_same_v<T, char32_t>);

// A scalar's JSON text, held in place.
struct scalar_text {
  char data[24];  // enough for any 64-bit integer
  std::size_t size = 0;
  std::string_view view() const noexcept { return {data, size}; }
};

template <json_scalar T>
scalar_text scalar_to_json(T value) noexcept {
  scalar_text text;
  text.size = static_cast<std::size_t>(json_text::write(text.data, json_text::widened(value)) - text.data);
  return text;
}

// The value when `text` is its canonical JSON form; nullopt otherwise.
template <json_scalar T>
std::optional<T> scalar_from_json(std::string_view text) {
  if constexpr (std::is_same_v<T, bool>) {
    if (text == "true") return true;
    if (text == "false") return false;
    return std::nullopt;
  } else {
    // JSON has no leading zeros ("023"), which from_chars would take.
    const std::size_t first_digit = !text.empty() && text[0] == '-' ? 1 : 0;
    if (text.size() > first_digit + 1 && text[first_digit] == '0') return std::nullopt;
    T value{};
    auto [end, failure] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (failure != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
  }
}

}  // namespace wasm_mt::detail
