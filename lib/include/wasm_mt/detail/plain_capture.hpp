// Plain captures: a WASM_MT_CLOSURE struct whose fields are all integers, bools, numbers
// or strings goes to and from its JSON text without a JSON value being built (decoding
// the capture was the largest single step of a call in the worker: docs/benchmarks.md).
// encode_capture writes each field as nlohmann/json writes it. decode_capture takes only
// the plain case: one object whose keys name the fields, each at most once, holding
// values of the fields' kinds. Anything else (another value type, a missing field, a
// duplicate or unknown key, a syntax error) returns false, and the caller decodes
// through the JSON value, so conversions and error messages stay nlohmann's.
// The text is read and written by json_text, which neither throws nor allocates: with
// JS exceptions a call here costs no exception trampolines but the strings' allocations.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

#include "wasm_mt/detail/json_text.hpp"
#include "wasm_mt/detail/scalar_json.hpp"

namespace wasm_mt::detail {

// A field type a plain capture may have.
template <class F>
concept plain_field = !std::is_const_v<F> && (json_scalar<F> || std::is_floating_point_v<F> || std::is_same_v<F, std::string>);

// A WASM_MT_CLOSURE struct (it has wasm_mt_visit_fields) whose fields are all plain_field.
// (A closure without fields keeps its JSON form, null.)
template <class C>
concept plain_capture = std::is_default_constructible_v<C> && !std::is_empty_v<C> && requires {
  requires wasm_mt_capture_fields_are_plain(static_cast<const C*>(nullptr));
};

// A field's value from JSON text; false unless nlohmann's get<F>() takes it without a
// question (an integer for an integer, any number for a floating point, ...).
template <class F>
bool read_field(json_text::reader& in, F& field) {
  if constexpr (std::is_same_v<F, bool>) {
    return in.boolean(field);
  } else if constexpr (std::is_same_v<F, std::string>) {
    std::size_t size = 0;
    if (!in.string_size(size)) return false;
    field.resize(size);
    in.read_string(field.data());
    return true;
  } else {
    json_text::number number;
    if (!in.read_number(number)) return false;
    if (number.is_integer) {
      // As nlohmann converts its int64 (negative) or uint64 value.
      if (number.negative)
        field = static_cast<F>(static_cast<std::int64_t>(0 - number.magnitude));
      else
        field = static_cast<F>(number.magnitude);
      return true;
    }
    if constexpr (std::is_floating_point_v<F>) return field = static_cast<F>(number.value), true;
    return false;
  }
}

// The capture's JSON text with each field written by nlohmann (floating point numbers,
// and strings that are not UTF-8, which nlohmann refuses with its own error).
template <plain_capture C>
std::string encode_capture_per_field(const C& capture) {
  std::string text = "{";
  wasm_mt_visit_fields(capture, [&text](const char* name, const auto& field) {
    if (text.size() > 1) text += ',';
    text += '"';
    text += name;  // a C++ identifier: nothing to escape
    text += "\":";
    text += nlohmann::json(field).dump();
  });
  text += '}';
  return text;
}

// The capture's JSON text: an object of its fields, in their order, as nlohmann writes
// it. Integers, bools and strings are measured, then written into one allocation.
template <plain_capture C>
std::string encode_capture(const C& capture) {
  std::size_t size = 2;  // the braces
  bool measured = true;
  wasm_mt_visit_fields(capture, [&](const char* name, const auto& field) {
    size += (size > 2 ? 1 : 0) + std::char_traits<char>::length(name) + 3;  // ,"name":
    if constexpr (std::is_floating_point_v<std::remove_cvref_t<decltype(field)>>) {
      measured = false;  // nlohmann's own formatting
    } else {
      std::size_t value_size = json_text::size_of(json_text::widened(field));
      if (value_size == json_text::npos) measured = false;  // not UTF-8: nlohmann says why
      size += value_size;
    }
  });
  if (!measured) return encode_capture_per_field(capture);

  std::string text(size, '\0');
  char* out = text.data();
  *out++ = '{';
  wasm_mt_visit_fields(capture, [&out, &text](const char* name, const auto& field) {
    if (out != text.data() + 1) *out++ = ',';
    *out++ = '"';
    std::size_t length = std::char_traits<char>::length(name);  // a C++ identifier: nothing to escape
    std::char_traits<char>::copy(out, name, length);
    out += length;
    *out++ = '"';
    *out++ = ':';
    if constexpr (!std::is_floating_point_v<std::remove_cvref_t<decltype(field)>>)
      out = json_text::write(out, json_text::widened(field));
  });
  *out = '}';
  return text;
}

// Fills `capture` from `text` when it is the plain case: one object whose keys name the
// fields, each once, with values of the fields' kinds. False otherwise (then the
// caller decodes through the JSON value).
template <plain_capture C>
bool decode_capture(std::string_view text, C& capture) {
  std::size_t fields = 0;
  wasm_mt_visit_fields(capture, [&fields](const char*, auto&) { ++fields; });
  if (fields > 64) return false;  // more than `seen` tracks: left to the JSON value
  const std::uint64_t all = fields == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << fields) - 1;
  json_text::reader in(text);
  if (!in.consume('{')) return false;
  std::uint64_t seen = 0;
  do {
    std::string_view key;
    if (!in.simple_string(key) || !in.consume(':')) return false;
    bool read = false;
    std::size_t index = 0;
    wasm_mt_visit_fields(capture, [&](const char* name, auto& field) {
      std::uint64_t bit = std::uint64_t{1} << index++;
      if (read || key != name || (seen & bit)) return;  // a duplicate: the JSON value decides
      seen |= bit;
      read = read_field(in, field);
    });
    if (!read) return false;  // an unknown key, a duplicate or another kind of value
  } while (in.consume(','));
  return in.consume('}') && in.at_end() && seen == all;
}

}  // namespace wasm_mt::detail
