// Reading a value straight from its JSON text, with no JSON value in between: the
// receiving side of payload.hpp's write_text, for the values wasm_mt walks (walked.hpp:
// described structs, binary vectors, records, bytes, shared pointers, optionals, the
// sequences and maps wasm_mt walks) and the integers, bools, numbers and strings in them.
// It gives exactly what read_json gives for the same text. A value it does not walk (a
// type with its own from_json, an nlohmann::json, an enum), or a leaf in another form
// than write_text's (a fraction for an integer, an array for a binary vector), is parsed
// from its own span of the text and read by read_json. Anything else (an unknown or
// duplicate key, a missing field, a syntax error, nesting past max_nesting_depth or past
// what the stack has room for: stack_has_room) returns false, and the caller reads the
// whole text through nlohmann/json's DOM instead, so that conversions and error messages stay nlohmann's: so no part of the text is parsed
// more than twice. Binary buffers are read from the message being decoded (an
// incoming_buffers_scope must be alive). Throws what read_json throws for the same value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "wasm_mt/bytes.hpp"
#include "wasm_mt/detail/binary.hpp"
#include "wasm_mt/detail/json_text.hpp"
#include "wasm_mt/detail/records.hpp"
#include "wasm_mt/detail/scalar_json.hpp"
#include "wasm_mt/detail/walked.hpp"

namespace wasm_mt::detail {

template <class T>
T read_json(const nlohmann::json& j, std::size_t levels = 0);  // payload.hpp
template <class T>
void check_integer_range(const nlohmann::json& j);  // payload.hpp

template <class T>
bool read_text(json_text::reader& in, T& value, std::size_t levels);

// The next value's span parsed by nlohmann/json and read as read_json or (a described
// struct's field wasm_mt does not walk) read_field reads it: false when it is not one
// whole JSON value, or nests past max_nesting_depth inside `levels` others.
template <class T>
bool read_span(json_text::reader& in, T& value, std::size_t levels) {
  std::string_view span;
  if (!in.skip_value(span) || !json_text::starts_value(span.front()) ||
      levels + json_text::nesting_depth(span) > max_nesting_depth || span.find('\0') != std::string_view::npos)
    return false;  // (a span starting otherwise, say with a byte order mark nlohmann skips, is not a value)
  const auto parsed = nlohmann::json::parse(span.begin(), span.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return false;
  if constexpr (reads_binary<T>() || std::is_same_v<T, nlohmann::json>)
    value = read_json<T>(parsed, levels);
  else
    check_integer_range<T>(parsed), parsed.get_to(value);
  return true;
}

// A binary buffer's reference as write_binary_text writes it, up to its tag:
// {"$wasm_mt_bytes":i then either } (no tag: `tag` empty) or ,"t":"tag" (the object goes
// on). False, having consumed anything, for another form.
bool read_binary_reference(json_text::reader& in, std::uint64_t& index, std::string_view& tag, bool& closed) noexcept;

// An integer, bool, floating-point number or string F as nlohmann's get<F>() gives it,
// from a token of its own kind (an integer for an integer); false for another token.
template <class F>
bool read_leaf(json_text::reader& in, F& value) {
  if constexpr (std::is_same_v<F, bool>) {
    return in.boolean(value);
  } else if constexpr (std::is_same_v<F, std::string>) {
    std::size_t size = 0;
    if (!in.string_size(size)) return false;
    value.resize(size);
    in.read_string(value.data());
    return true;
  } else {
    json_text::number number;
    if (!in.read_number(number)) return false;
    if (number.is_integer) {
      // As nlohmann converts its int64 (negative) or uint64 value.
      if (number.negative)
        value = static_cast<F>(static_cast<std::int64_t>(0 - number.magnitude));
      else
        value = static_cast<F>(number.magnitude);
      return true;
    }
    if constexpr (std::is_floating_point_v<F>) return value = static_cast<F>(number.value), true;
    return false;
  }
}

// A described struct's object: each field once, by name, in any order, and no other key.
template <class T>
bool read_described(json_text::reader& in, T& value, std::size_t levels) {
  std::size_t fields = 0;
  visit_fields(value, [&fields](const char*, auto&) { ++fields; });
  if (fields > 64) return false;  // more than `seen` tracks
  const std::uint64_t all = fields == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << fields) - 1;
  std::uint64_t seen = 0;
  if (!in.consume('}')) {
    do {
      std::string_view key;
      if (!in.simple_string(key) || !in.consume(':')) return false;
      bool read = false;
      std::size_t index = 0;
      visit_fields(value, [&](const char* name, auto& field) {
        const std::uint64_t bit = std::uint64_t{1} << index++;
        if (read || (seen & bit) || key != name) return;
        seen |= bit;
        read = read_text(in, field, levels + 1);
      });
      if (!read) return false;  // an unknown key, a duplicate, or a field that could not be read
    } while (in.consume(','));
    if (!in.consume('}')) return false;
  }
  return seen == all;
}

// A binary vector, bytes or records: the buffer's reference as write_text writes it.
template <class T>
bool read_binary_value(json_text::reader& in, T& value, std::size_t levels) {
  // (Its object, and a record layout's arrays, count toward the depth as in the DOM.)
  if (levels + (record_vector<T> ? 3 : 1) > max_nesting_depth) return false;
  std::uint64_t index = 0;
  std::string_view tag;
  bool closed = false;
  if (!read_binary_reference(in, index, tag, closed)) return false;
  const std::size_t length = incoming_binary(index);
  if constexpr (std::is_same_v<T, bytes>) {
    if (!closed) return false;
    value = bytes(length);
    read_binary(index, value.data(), length);
  } else if constexpr (record_vector<T>) {
    const record_layout& own = layout_of<typename T::value_type>();
    if (closed || tag != "record" || !own.within_limits || !in.literal(own.text) || length % own.size != 0) return false;
    read_records(value, index, length, own);
  } else {
    if (!closed && !in.consume('}')) return false;
    read_binary_vector(value, index, length, tag);
  }
  return true;
}

// Whether an array or object inside `levels` others may be read here: not too deep, and
// the stack has room for its walk (stack_reserve; the DOM then says which).
inline bool may_nest(std::size_t levels) noexcept {
  return levels < max_nesting_depth && stack_has_room(levels);
}

// `value` from the next value in `in`, which has `levels` arrays and objects around it
// (see the top of this file). False: read the whole text through the DOM instead.
template <class T>
bool read_text(json_text::reader& in, T& value, std::size_t levels) {
  const char next = in.peek();
  if constexpr (described<T>) {
    if (next != '{') return read_span(in, value, levels);
    if (!may_nest(levels)) return false;
    in.consume('{');
    return read_described(in, value, levels);
  } else if constexpr (std::is_same_v<T, bytes> || binary_vector<T> || record_vector<T>) {
    if (next != '{') return read_span(in, value, levels);  // (an array: raw JSON's form)
    const json_text::reader start = in;
    if (read_binary_value(in, value, levels)) return true;
    in = start;
    return read_span(in, value, levels);  // (another reference: read_json says what is wrong)
  } else if constexpr (is_shared_ptr<T>) {
    using U = std::remove_cv_t<typename T::element_type>;
    if constexpr (!reads_binary<U>() || !std::is_default_constructible_v<U>) {
      return read_span(in, value, levels);  // (what it points to is nlohmann's to read)
    } else {
      if (in.literal("null")) return value.reset(), true;
      auto made = std::make_shared<U>();
      if (!read_text(in, *made, levels)) return false;
      value = std::move(made);
      return true;
    }
  } else if constexpr (is_optional<T> && reads_binary<T>()) {
    if (in.literal("null")) return value.reset(), true;
    return read_text(in, value.emplace(), levels);
  } else if constexpr (walked_map<T> && reads_binary<T>()) {
    if (next != '{') return read_span(in, value, levels);
    if (!may_nest(levels)) return false;
    in.consume('{');
    value.clear();
    if (in.consume('}')) return true;
    do {
      std::string key;
      std::size_t size = 0;
      if (!in.string_size(size)) return false;
      key.resize(size);
      in.read_string(key.data());
      if (!in.consume(':')) return false;
      typename T::mapped_type item{};
      if (!read_text(in, item, levels + 1)) return false;
      if (!value.emplace(std::move(key), std::move(item)).second) return false;  // a duplicate key: the DOM keeps the last
    } while (in.consume(','));
    return in.consume('}');
  } else if constexpr (binary_receiver<T>) {
    if (next != '{') return read_span(in, value, levels);  // (an array: the type's own JSON form)
    std::vector<typename T::value_type> items;
    if (!read_text(in, items, levels)) return false;
    value = T(items.data(), items.data() + items.size());
    return true;
  } else if constexpr (reads_binary<T>()) {  // (the sequences wasm_mt walks)
    if (next != '[') return read_span(in, value, levels);
    if (!may_nest(levels)) return false;
    in.consume('[');
    std::size_t count = 0;
    if constexpr (!is_std_array<T>) value.clear();
    if (!in.consume(']')) {
      do {
        if constexpr (is_std_array<T>) {
          if (count == value.size() || !read_text(in, value[count], levels + 1)) return false;
        } else {
          typename T::value_type item{};
          if (!read_text(in, item, levels + 1)) return false;
          value.push_back(std::move(item));
        }
        ++count;
      } while (in.consume(','));
      if (!in.consume(']')) return false;
    }
    if constexpr (is_std_array<T>) return count == value.size();
    return true;
  } else if constexpr (json_scalar<T> || std::is_floating_point_v<T> || std::is_same_v<T, std::string>) {
    const json_text::reader start = in;
    if (read_leaf(in, value)) return true;
    in = start;
    return read_span(in, value, levels);
  } else {
    return read_span(in, value, levels);
  }
}

// All of `text` into `value`: read_text, then nothing but whitespace.
template <class T>
bool read_text(std::string_view text, T& value) {
  json_text::reader in(text);
  return read_text(in, value, 0) && in.at_end();
}

}  // namespace wasm_mt::detail
