// Encoding of captures and results: JSON text (nlohmann/json) plus a list of binary
// buffers (binary.hpp). wasm_mt::bytes, std::vector and std::array of numbers
// (binary_vector) and of records (records.hpp) travel as buffers, their memory as it is,
// wherever they are in a value (captures, results, events, stream items): as a closure's
// or a WASM_MT_STRUCT's field, inside containers wasm_mt walks (carries_binary).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <concepts>
#include <deque>
#include <exception>
#include <limits>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "wasm_mt/bytes.hpp"
#include "wasm_mt/detail/binary.hpp"
#include "wasm_mt/detail/deep_json.hpp"
#include "wasm_mt/detail/glue.hpp"
#include "wasm_mt/detail/read_text.hpp"
#include "wasm_mt/detail/records.hpp"
#include "wasm_mt/detail/scalar_json.hpp"
#include "wasm_mt/detail/walked.hpp"
#include "wasm_mt/error.hpp"

namespace wasm_mt {
// ADL hooks for nlohmann/json. They only work inside encode()/decode() below, where a
// message's buffer list exists; elsewhere they throw error_kind::bad_payload. to_json
// copies the bytes (nlohmann may hand it a temporary); a closure's field, a result, an
// event, an item, a described struct's field go by reference (write_json).
void to_json(nlohmann::json& j, const bytes& value);
void from_json(const nlohmann::json& j, bytes& value);
}  // namespace wasm_mt

namespace wasm_mt::detail {

struct encoded {
  std::string json;
  // Views into the encoded value, or into `copies`: valid while that value lives.
  std::vector<buffer_ref> buffers;
  // Buffers copied while encoding (keep::copy): owned here, so they live as long. (Moved,
  // never copied: a copy's `buffers` would point into this one's `copies`.)
  std::vector<std::vector<std::uint8_t>> copies;

  encoded() = default;
  encoded(encoded&&) = default;
  encoded& operator=(encoded&&) = default;
  encoded(const encoded&) = delete;
  encoded& operator=(const encoded&) = delete;
};

// While alive, bytes and binary vectors serialize into `out`'s buffers.
class outgoing_buffers_scope {
 public:
  explicit outgoing_buffers_scope(encoded& out);
  ~outgoing_buffers_scope();
  outgoing_buffers_scope(const outgoing_buffers_scope&) = delete;
  outgoing_buffers_scope& operator=(const outgoing_buffers_scope&) = delete;

 private:
  encoded* previous_;
};

// While alive, bytes deserialize from the buffers of the message being handled.
class incoming_buffers_scope {
 public:
  explicit incoming_buffers_scope(std::size_t buffer_count);
  ~incoming_buffers_scope();
  incoming_buffers_scope(const incoming_buffers_scope&) = delete;
  incoming_buffers_scope& operator=(const incoming_buffers_scope&) = delete;

 private:
  std::size_t previous_;
};

// How a binary value reached through nlohmann is written: a described struct's to_json
// may run on a temporary (a to_json of your own that makes one), so it copies what it
// sends; wasm_mt's own walk sends the encoded value's memory, which lives until posted.
enum class keep { reference, copy };

// Throws nlohmann's type_error "type must be <wanted> ("array", "object"), but is <j's
// type>", as its get<T>() would (wasm_mt reads containers nlohmann cannot: of shared_ptrs).
[[noreturn]] void throw_wrong_json_type(const char* wanted, const nlohmann::json& j);

// Pieces of JSON text for write_text (beside write_binary_text and write_records_text).
// Each appends to `out`.
// A value nlohmann/json converts (or an nlohmann::json), checked to nest no deeper than
// max_nesting_depth with `levels` arrays and objects around it, then written without
// recursion.
void write_json_text(std::string& out, const nlohmann::json& value, std::size_t levels);
// A key or string as JSON text (nlohmann's type_error 316 for one that is not UTF-8).
void write_string_text(std::string& out, std::string_view text);
// Throws bad_payload when an array or object inside `levels` others is nested too deep.
void check_level(std::size_t levels);
// While alive, `pointee` is a value the writer is inside of, reached through a
// std::shared_ptr; made for one it is already inside of (a cycle), throws bad_payload.
class shared_path_entry {
 public:
  explicit shared_path_entry(const void* pointee);
  ~shared_path_entry();
  shared_path_entry(const shared_path_entry&) = delete;
  shared_path_entry& operator=(const shared_path_entry&) = delete;
};

template <class T>
void write_text(std::string& out, const T& value, keep how, std::size_t levels);

// `items` as a JSON array of write_text's items.
template <class Items>
void write_items_text(std::string& out, const Items& items, keep how, std::size_t levels) {
  check_level(levels);
  out += '[';
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += ',';
    first = false;
    write_text(out, item, how, levels + 1);
  }
  out += ']';
}

// `value`'s JSON text, appended to `out`, with `levels` arrays and objects around it.
// wasm_mt's one walk of a value: described structs field by field, binary vectors,
// records and bytes as buffers of the message being encoded (nlohmann::json(value)
// outside one), the containers wasm_mt walks (carries_binary) and shared pointers item
// by item, integers, bools and strings by json_text; anything else nlohmann converts
// (a type's own to_json, which may reach described structs: write_json below).
template <class T>
void write_text(std::string& out, const T& value, keep how, std::size_t levels) {
  if constexpr (described<T>) {
    check_level(levels);
    out += '{';
    bool first = true;
    visit_fields(value, [&](const char* name, const auto& field) {
      out += first ? "\"" : ",\"";
      first = false;
      out += name;  // (a C++ identifier: nothing to escape)
      out += "\":";
      write_text(out, field, how, levels + 1);
    });
    out += '}';
  } else if constexpr (std::is_same_v<T, bytes>) {
    check_level(levels);  // (its reference is an object)
    write_binary_text(out, value.data(), value.size(), {}, how == keep::copy);
  } else if constexpr (binary_vector<T>) {
    using U = typename T::value_type;
    if (writing_message()) {
      check_level(levels);  // (its reference is an object)
      write_binary_text(out, value.data(), value.size() * sizeof(U), element_tag<U>(), how == keep::copy);
    } else {
      write_json_text(out, nlohmann::json(value), levels);  // (nlohmann::json(value) of your own: plain JSON)
    }
  } else if constexpr (record_vector<T>) {
    if (writing_message()) {
      check_level(levels + 2);  // (its layout's fields are arrays in an array in the object)
      write_records_text(out, value.data(), value.size(), layout_of<typename T::value_type>(), how == keep::copy);
    } else {
      write_items_text(out, value, how, levels);  // (objects, as nlohmann::json(value) gives)
    }
  } else if constexpr (is_shared_ptr<T>) {
    if (!value) {
      out += "null";
    } else {
      const shared_path_entry on_path(value.get());
      write_text(out, *value, how, levels);
    }
  } else if constexpr (is_optional<T> && carries_binary<T>()) {
    if (value) write_text(out, *value, how, levels);
    else out += "null";
  } else if constexpr (walked_map<T> && carries_binary<T>()) {
    check_level(levels);
    out += '{';
    bool first = true;
    for (const auto& [key, item] : value) {
      if (!first) out += ',';
      first = false;
      write_string_text(out, key);
      out += ':';
      write_text(out, item, how, levels + 1);
    }
    out += '}';
  } else if constexpr (carries_binary<T>()) {  // (the sequences wasm_mt walks)
    write_items_text(out, value, how, levels);
  } else if constexpr (std::is_same_v<T, nlohmann::json>) {
    write_json_text(out, value, levels);
  } else if constexpr (std::is_empty_v<T> &&
                       !requires(nlohmann::json& j, const T& v) { nlohmann::adl_serializer<T>::to_json(j, v); }) {
    out += "null";
  } else if constexpr (std::is_same_v<T, std::string>) {
    write_string_text(out, value);
  } else if constexpr (json_scalar<T>) {
    out += scalar_to_json(value).view();
  } else {
    write_json_text(out, nlohmann::json(value), levels);
  }
}

// `value` into j (write_text's text, parsed): what nlohmann's to_json of a described
// struct, and of a field carrying binary in a type of its own JSON form, use.
template <class T>
void write_json(nlohmann::json& j, const T& value, keep how = keep::reference) {
  std::string text;
  write_text(text, value, how, 0);
  j = nlohmann::json::parse(text);
}

template <class F>
void read_field(const nlohmann::json& j, const char* name, F& value, std::size_t levels = 0);

// nlohmann's get<I>() casts a fraction to an integer I with no range check (undefined
// behaviour out of range): such a number fails bad_payload first. Others pass.
template <class T>
void check_integer_range(const nlohmann::json& j) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    if (!j.is_number_float()) return;
    const double d = j.get<double>();
    if (!(d > static_cast<double>(std::numeric_limits<T>::min()) - 1.0 &&
          d < static_cast<double>(std::numeric_limits<T>::max()) + 1.0))
      throw error(error_kind::bad_payload, "a number out of an integer's range: " + j.dump());
  }
}

// A T from j: the inverse of write_json, which also takes the plain JSON form of each
// binary value (an array of numbers, of objects). Throws bad_payload or nlohmann's errors.
// `levels`: the arrays and objects around j (for check_stack), 0 when not counted.
template <class T>
T read_json(const nlohmann::json& j, std::size_t levels) {
  if constexpr (described<T>) {
    check_stack("cannot decode", levels);
    T value{};
    visit_fields(value, [&](const char* name, auto& field) { read_field(j, name, field, levels + 1); });
    return value;
  } else if constexpr (std::is_same_v<T, bytes>) {
    return j.get<T>();
  } else if constexpr (binary_vector<T>) {
    return read_binary_vector<T>(j);
  } else if constexpr (record_vector<T>) {
    return read_records<T>(j);
  } else if constexpr (binary_receiver<T>) {
    if (!refers_to_binary(j)) return j.get<T>();  // (an array; or the type's own JSON form)
    const auto items = read_json<std::vector<typename T::value_type>>(j, levels);
    return T(items.data(), items.data() + items.size());
  } else if constexpr (reads_binary<T>() && is_optional<T>) {
    if (j.is_null()) return T{};
    return read_json<typename T::value_type>(j, levels);
  } else if constexpr (is_shared_ptr<T>) {
    using U = std::remove_cv_t<typename T::element_type>;
    if (j.is_null()) return T{};
    return std::make_shared<U>(read_json<U>(j, levels));
  } else if constexpr (reads_binary<T>() && walked_map<T>) {
    if (!j.is_object()) throw_wrong_json_type("object", j);
    check_stack("cannot decode", levels);
    T value{};
    for (const auto& [key, item] : j.items()) value.emplace(key, read_json<typename T::mapped_type>(item, levels + 1));
    return value;
  } else if constexpr (reads_binary<T>()) {
    if (!j.is_array()) throw_wrong_json_type("array", j);
    check_stack("cannot decode", levels);
    T value{};
    if constexpr (is_std_array<T>) {
      if (j.size() != value.size())
        throw error(error_kind::bad_payload, "an array of " + std::to_string(j.size()) + " for a std::array of " +
                                                 std::to_string(value.size()));
      std::size_t i = 0;
      for (const auto& item : j) value[i++] = read_json<typename T::value_type>(item, levels + 1);
    } else {
      for (const auto& item : j) value.push_back(read_json<typename T::value_type>(item, levels + 1));
    }
    return value;
  } else if constexpr (std::is_same_v<T, nlohmann::json>) {
    return binary_vectors_as_arrays(copy_flat(j));
  } else if constexpr (std::is_empty_v<T> && std::is_default_constructible_v<T>) {
    return T{};
  } else {
    check_integer_range<T>(j);
    return j.get<T>();
  }
}

// How deeply `value` nests arrays and objects (1 for []), walked without recursion.
inline std::size_t nesting_depth(const nlohmann::json& value) {
  std::size_t deepest = 0;
  std::vector<std::pair<const nlohmann::json*, std::size_t>> pending{{&value, 0}};
  while (!pending.empty()) {
    auto [at, depth] = pending.back();
    pending.pop_back();
    if (!at->is_structured()) continue;
    deepest = std::max(deepest, depth + 1);
    for (const auto& item : *at)
      if (item.is_structured()) pending.emplace_back(&item, depth + 1);
  }
  return deepest;
}

// Throws bad_payload when `value` (text: nesting_depth) is nested deeper than
// max_nesting_depth, or when text holds a NUL byte (which nlohmann/json takes for its
// end). Walks the value without recursion.
void check_nesting(const nlohmann::json& value, std::string_view what, std::size_t outer_levels = 0);
void check_nesting(std::string_view json_text, std::string_view what);

// A field of a WASM_MT_CLOSURE or WASM_MT_STRUCT, written into and read from its JSON
// object: fields that carry binary through write_json / read_json, the others through
// nlohmann/json.
// An nlohmann::json field is measured before it is copied, and copied without recursion.
template <class F>
void write_field(nlohmann::json& j, const char* name, const F& value, keep how) {
  if constexpr (carries_binary<F>()) {
    write_json(j[name], value, how);
  } else if constexpr (std::is_same_v<F, nlohmann::json>) {
    check_nesting(value, "cannot encode", 1);  // (inside the closure's object)
    j[name] = copy_flat(value);
  } else {
    j.emplace(name, value);
  }
}
template <class F>
void read_field(const nlohmann::json& j, const char* name, F& value, std::size_t levels) {
  if constexpr (reads_binary<F>() || std::is_same_v<F, nlohmann::json>)
    value = read_json<F>(j.at(name), levels);  // (raw JSON: binary values as arrays, as at the top)
  else
    check_integer_range<F>(j.at(name)), j.at(name).get_to(value);
}

[[noreturn]] void throw_bad_payload(std::string_view what, const std::exception& cause);

// A request's captures or args that could not be encoded, as its error: the same kind
// and message, with not_run() (nothing was sent).
std::exception_ptr unsent_failure(const std::exception_ptr& failure) noexcept;


// encode()'s walk, out of line. Inlined into encode's try, every string append of the
// walk (out of line, and it may throw bad_alloc) is called through a JS trampoline
// (invoke_*) under Emscripten's JS exceptions: 11 a call of a two-int closure, where
// this call is the only one.
template <class T>
[[gnu::noinline]] void write_message_text(std::string& out, const T& value) {
  write_text(out, value, keep::reference, 0);
}

// Throws error_kind::bad_payload when `value` cannot be written.
template <class T>
encoded encode(const T& value) {
  encoded out;
  try {
    outgoing_buffers_scope scope(out);
    write_message_text(out.json, value);
  } catch (const std::exception& e) {
    throw_bad_payload("cannot encode", e);
  }
  return out;
}

// How many values this thread has decoded through nlohmann/json's DOM (decode_parsed):
// what tests read to see that the values wasm_mt walks were read straight from the text.
std::uint64_t dom_decodes() noexcept;
void count_dom_decode() noexcept;

// decode() through nlohmann/json's DOM.
template <class T>
T decode_parsed(std::string_view json_text, std::size_t buffer_count) {
  count_dom_decode();
  try {
    check_nesting(json_text, "cannot decode");
    incoming_buffers_scope scope(buffer_count);
    if constexpr (std::is_same_v<T, nlohmann::json>)
      return binary_vectors_as_arrays(nlohmann::json::parse(json_text));  // (moved, not copied)
    else
      return read_json<T>(nlohmann::json::parse(json_text));
  } catch (const wasm_mt::error&) {
    throw;
  } catch (const std::exception& e) {
    throw_bad_payload("cannot decode", e);
  }
}

// Decodes text received with `buffer_count` buffers (read from the inbox message).
// Throws error_kind::bad_payload when the text does not parse or does not fit T.
// Scalars in their canonical form, and the values wasm_mt walks (read_text.hpp), are read
// straight from the text; the rest, and text read_text leaves or fails on, through
// nlohmann's DOM, so that what decodes and every error are the DOM's.
template <class T>
T decode(std::string_view json_text, std::size_t buffer_count) {
  if constexpr (json_scalar<T>) {
    if (auto value = scalar_from_json<T>(json_text)) return *value;
  } else if constexpr (reads_binary<T>() && std::is_default_constructible_v<T>) {
    try {
      incoming_buffers_scope scope(buffer_count);
      T value{};
      if (read_text(json_text, value)) return value;
    } catch (const std::exception&) {
      // The DOM reads it again and says what is wrong (or, where a key comes twice and
      // the DOM keeps the later one, reads it).
    }
  }
  return decode_parsed<T>(json_text, buffer_count);
}

}  // namespace wasm_mt::detail
