// Encoding of captures and results: JSON text (nlohmann/json) plus a list of binary
// buffers. A wasm_mt::bytes value inside the JSON is written as {"$wasm_mt_bytes": i},
// where i indexes the buffer list; the buffers travel as transferred ArrayBuffers. So do
// std::vector and std::array of numbers (binary_vector) where they are a closure's field
// or a result: their memory as it is, not JSON text.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <exception>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "wasm_mt/bytes.hpp"
#include "wasm_mt/detail/glue.hpp"
#include "wasm_mt/detail/plain_capture.hpp"
#include "wasm_mt/detail/scalar_json.hpp"
#include "wasm_mt/error.hpp"

namespace wasm_mt {
// ADL hooks for nlohmann/json. They only work inside encode()/decode() below, where a
// message's buffer list exists; elsewhere they throw error_kind::bad_payload.
void to_json(nlohmann::json& j, const bytes& value);
void from_json(const nlohmann::json& j, bytes& value);
}  // namespace wasm_mt

namespace wasm_mt::detail {

struct encoded {
  std::string json;
  // Views into the encoded value: valid while that value lives.
  std::vector<buffer_ref> buffers;
};

// While alive, bytes serialize by reference into `buffers`.
class outgoing_buffers_scope {
 public:
  explicit outgoing_buffers_scope(std::vector<buffer_ref>& buffers);
  ~outgoing_buffers_scope();
  outgoing_buffers_scope(const outgoing_buffers_scope&) = delete;
  outgoing_buffers_scope& operator=(const outgoing_buffers_scope&) = delete;

 private:
  std::vector<buffer_ref>* previous_;
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

// A type may define its own JSON form with members
//   void wasm_mt_to_json(nlohmann::json&) const;  void wasm_mt_from_json(const nlohmann::json&);
// (inline closures do); an empty type with no JSON form is written as null; anything else
// goes through nlohmann/json (to_json/from_json found by ADL, or adl_serializer).
template <class T>
concept has_member_json = requires(const T& c, T& m, nlohmann::json& j) {
  c.wasm_mt_to_json(j);
  m.wasm_mt_from_json(std::as_const(j));
};

// A std::vector or std::array of numbers (arithmetic, not bool): sent as binary, its
// memory as it is (the same program, so the same layout, on both sides).
template <class T>
constexpr bool binary_vector = false;
template <class U, class Allocator>
constexpr bool binary_vector<std::vector<U, Allocator>> = std::is_arithmetic_v<U> && !std::is_same_v<U, bool>;
template <class U, std::size_t N>
constexpr bool binary_vector<std::array<U, N>> = std::is_arithmetic_v<U> && !std::is_same_v<U, bool>;

// `size` bytes at `data` as a binary buffer of the message being encoded: j becomes
// {"$wasm_mt_bytes": i}. The memory must live until the message is posted (payload.cpp).
void write_binary(nlohmann::json& j, const void* data, std::size_t size);
// The binary buffer j ({"$wasm_mt_bytes": i}) refers to in the message being decoded:
// its index and length in bytes. Throws bad_payload.
std::pair<std::size_t, std::size_t> incoming_binary(const nlohmann::json& j);
// Copies binary buffer `index` (`length` bytes, from incoming_binary) to `out`.
void read_binary(std::size_t index, void* out, std::size_t length);

template <class T>
void write_json(nlohmann::json& j, const T& value) {
  if constexpr (has_member_json<T>)
    value.wasm_mt_to_json(j);
  else if constexpr (binary_vector<T>)
    write_binary(j, value.data(), value.size() * sizeof(typename T::value_type));
  else if constexpr (std::is_empty_v<T>)
    j = nullptr;
  else
    j = value;
}

template <class T>
T read_json(const nlohmann::json& j) {
  if constexpr (has_member_json<T>) {
    T value{};
    value.wasm_mt_from_json(j);
    return value;
  } else if constexpr (binary_vector<T>) {
    if (j.is_array()) return j.get<T>();  // raw JSON captures (exec_by_name) may send an array
    using element = typename T::value_type;
    const auto [index, length] = incoming_binary(j);
    T value{};
    const std::size_t count = length / sizeof(element);
    if constexpr (requires { value.resize(count); }) {
      if (length % sizeof(element) != 0)
        throw error(error_kind::bad_payload, "binary buffer " + std::to_string(index) + " holds " +
                                                 std::to_string(length) + " bytes, not a whole number of " +
                                                 std::to_string(sizeof(element)) + "-byte elements");
      value.resize(count);
    } else if (length != sizeof(T)) {
      throw error(error_kind::bad_payload, "binary buffer " + std::to_string(index) + " holds " +
                                               std::to_string(length) + " bytes, not the " +
                                               std::to_string(sizeof(T)) + " of a std::array of " +
                                               std::to_string(value.size()));
    }
    read_binary(index, value.data(), length);
    return value;
  } else if constexpr (std::is_empty_v<T> && std::is_default_constructible_v<T>) {
    return T{};
  } else {
    return j.get<T>();
  }
}

// A WASM_MT_CLOSURE field, written into and read from its closure's JSON object:
// binary_vector fields as binary, the others through nlohmann/json.
template <class F>
void write_field(nlohmann::json& j, const char* name, const F& value) {
  if constexpr (binary_vector<F>)
    write_json(j[name], value);
  else
    j.emplace(name, value);
}
template <class F>
void read_field(const nlohmann::json& j, const char* name, F& value) {
  if constexpr (binary_vector<F>)
    value = read_json<F>(j.at(name));
  else
    j.at(name).get_to(value);
}

[[noreturn]] void throw_bad_payload(std::string_view what, const std::exception& cause);

// A request's captures or args that could not be encoded, as its error: the same kind
// and message, with not_run() (nothing was sent).
std::exception_ptr unsent_failure(const std::exception_ptr& failure) noexcept;

// Captures and results may nest arrays and objects this deep, no deeper: nlohmann/json
// copies and writes values recursively, and a value some thousand levels deep overflows
// the engine's stack (Node's main thread: a copy at about 1300 levels). Deeper values
// fail with bad_payload, on either side, before anything recursive touches them.
inline constexpr std::size_t max_nesting_depth = 256;

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
void check_nesting(const nlohmann::json& value, std::string_view what);
void check_nesting(std::string_view json_text, std::string_view what);

// Throws error_kind::bad_payload when `value` cannot be written.
template <class T>
encoded encode(const T& value) {
  encoded out;
  try {
    if constexpr (json_scalar<T>) {
      out.json = scalar_to_json(value).view();
    } else if constexpr (plain_capture<T>) {
      out.json = encode_capture(value);
    } else if constexpr (std::is_same_v<T, nlohmann::json>) {
      check_nesting(value, "cannot encode");  // before anything copies or writes it
      out.json = value.dump();
    } else {
      outgoing_buffers_scope scope(out.buffers);
      nlohmann::json j;
      write_json(j, value);
      check_nesting(j, "cannot encode");
      out.json = j.dump();
    }
  } catch (const std::exception& e) {
    throw_bad_payload("cannot encode", e);
  }
  return out;
}

// decode() through nlohmann/json's DOM.
template <class T>
T decode_parsed(std::string_view json_text, std::size_t buffer_count) {
  try {
    check_nesting(json_text, "cannot decode");
    incoming_buffers_scope scope(buffer_count);
    return read_json<T>(nlohmann::json::parse(json_text));
  } catch (const wasm_mt::error&) {
    throw;
  } catch (const std::exception& e) {
    throw_bad_payload("cannot decode", e);
  }
}

// Decodes text received with `buffer_count` buffers (read from the inbox message).
// Throws error_kind::bad_payload when the text does not parse or does not fit T.
// Scalars and plain captures in their canonical form take a direct path with no DOM
// (and, with JS exceptions, no trampoline).
template <class T>
T decode(std::string_view json_text, std::size_t buffer_count) {
  if constexpr (json_scalar<T>) {
    if (auto value = scalar_from_json<T>(json_text)) return *value;
  } else if constexpr (plain_capture<T>) {
    T value{};
    if (decode_capture(json_text, value)) return value;
  }
  return decode_parsed<T>(json_text, buffer_count);
}

}  // namespace wasm_mt::detail
