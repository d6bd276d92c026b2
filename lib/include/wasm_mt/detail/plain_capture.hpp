// Plain captures: a WASM_MT_CLOSURE struct whose fields are all integers, bools, numbers
// or strings goes to and from its JSON text without a JSON value being built (decoding
// the capture was the largest single step of a call in the worker: docs/benchmarks.md).
// encode_capture writes each field as nlohmann/json writes it. decode_capture reads with
// nlohmann's SAX parser and takes only the plain case: one object whose keys name the
// fields, each at most once, holding values of the fields' kinds. Anything else (another
// value type, a missing field, a duplicate key, a syntax error) returns false, and the
// caller decodes through the JSON value as before, so conversions and error messages
// stay nlohmann's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

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

template <class C>
class capture_reader final : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit capture_reader(C& capture) : capture_(capture) {
    wasm_mt_visit_fields(capture_, [this](const char*, auto&) { ++field_count_; });
  }
  // True once one whole object was read and it set every field.
  bool complete() const { return finished_ && set_count_ == field_count_; }

  bool null() override { return false; }
  bool boolean(bool value) override { return assign(value); }
  bool number_integer(number_integer_t value) override { return assign(value); }
  bool number_unsigned(number_unsigned_t value) override { return assign(value); }
  bool number_float(number_float_t value, const string_t&) override { return assign(value); }
  bool string(string_t& value) override { return assign(value); }
  bool binary(binary_t&) override { return false; }
  bool start_object(std::size_t) override { return !in_object_ && !finished_ && (in_object_ = true); }
  bool key(string_t& name) override {
    key_ = std::move(name);
    return true;
  }
  bool end_object() override {
    if (!in_object_) return false;
    in_object_ = false;
    finished_ = true;
    return true;
  }
  bool start_array(std::size_t) override { return false; }
  bool end_array() override { return false; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

 private:
  // Sets the field named by the current key. A key that names no field is ignored, as
  // from_json ignores it.
  template <class V>
  bool assign(V& value) {
    if (!in_object_) return false;
    bool ok = true;
    std::size_t index = 0;
    wasm_mt_visit_fields(capture_, [&](const char* name, auto& field) {
      if (key_ == name) {
        if (seen_ & (std::uint64_t{1} << index)) {
          ok = false;  // a duplicate key: the JSON value decides which one counts
        } else {
          seen_ |= std::uint64_t{1} << index;
          ++set_count_;
          ok = set(field, value);
        }
      }
      ++index;
    });
    return ok;
  }

  // Only the conversions nlohmann's get<F>() makes without a question.
  template <class F, class V>
  static bool set(F& field, V& value) {
    if constexpr (std::is_same_v<F, bool>) {
      if constexpr (std::is_same_v<V, bool>) return field = value, true;
    } else if constexpr (std::is_integral_v<F>) {
      if constexpr (std::is_same_v<V, number_integer_t> || std::is_same_v<V, number_unsigned_t>)
        return field = static_cast<F>(value), true;
    } else if constexpr (std::is_floating_point_v<F>) {
      if constexpr (std::is_arithmetic_v<V> && !std::is_same_v<V, bool>) return field = static_cast<F>(value), true;
    } else if constexpr (std::is_same_v<F, std::string>) {
      if constexpr (std::is_same_v<V, string_t>) return field = std::move(value), true;
    }
    return false;
  }

  C& capture_;
  std::string key_;
  std::uint64_t seen_ = 0;
  std::size_t field_count_ = 0;
  std::size_t set_count_ = 0;
  bool in_object_ = false;
  bool finished_ = false;
};

// The capture's JSON text: an object of its fields, in their order.
template <plain_capture C>
std::string encode_capture(const C& capture) {
  std::string text = "{";
  wasm_mt_visit_fields(capture, [&text](const char* name, const auto& field) {
    if (text.size() > 1) text += ',';
    text += '"';
    text += name;  // a C++ identifier: nothing to escape
    text += "\":";
    if constexpr (json_scalar<std::remove_cvref_t<decltype(field)>>)
      text += scalar_to_json(field);
    else
      text += nlohmann::json(field).dump();  // numbers and strings exactly as nlohmann writes them
  });
  text += '}';
  return text;
}

// Fills `capture` from `text` when it is the plain case; false otherwise.
template <plain_capture C>
bool decode_capture(std::string_view text, C& capture) {
  capture_reader<C> reader(capture);
  return nlohmann::json::sax_parse(text, &reader) && reader.complete();
}

}  // namespace wasm_mt::detail
