// Binary buffers of a wasm_mt message: numbers that travel as their memory, beside the
// JSON text. In the JSON a buffer is {"$wasm_mt_bytes": i} (wasm_mt::bytes), with "t"
// its element type for a vector of numbers ("f32", "i16", ...) or "record" for a vector
// of records (records.hpp). The buffers are transferred ArrayBuffers: one copy out of the
// sender's heap, one into the receiver's.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "wasm_mt/error.hpp"

namespace wasm_mt::detail {

// A number type sent as binary: arithmetic, not bool, at most 8 bytes (not long double).
template <class U>
constexpr bool binary_element = std::is_arithmetic_v<U> && !std::is_same_v<U, bool> && sizeof(U) <= 8;
// A std::vector or a non-empty std::array: its elements' memory is one piece.
template <class T>
struct contiguous : std::false_type {};
template <class U, class Allocator>
struct contiguous<std::vector<U, Allocator>> : std::true_type {};
template <class U, std::size_t N>
struct contiguous<std::array<U, N>> : std::bool_constant<(N > 0)> {};

// A contiguous container of such numbers: sent as binary, its memory as it is, with its
// element type ("t": "f32", "i16", ...), so that a receiver expecting another converts
// each element as JSON would have.
template <class T>
concept binary_vector = contiguous<T>::value && binary_element<typename T::value_type>;

// The tag of element type U: its kind (f, i, u) and bits.
template <class U>
constexpr std::string_view element_tag() {
  constexpr char kind = std::is_floating_point_v<U> ? 'f' : std::is_signed_v<U> ? 'i' : 'u';
  constexpr std::size_t bits = sizeof(U) * 8;
  if constexpr (kind == 'f') return bits == 32 ? "f32" : "f64";
  else if constexpr (kind == 'i') return bits == 8 ? "i8" : bits == 16 ? "i16" : bits == 32 ? "i32" : "i64";
  else return bits == 8 ? "u8" : bits == 16 ? "u16" : bits == 32 ? "u32" : "u64";
}

// Calls f(std::type_identity<S>{}) with the element type S that `tag` names; false for
// an unknown tag.
template <class F>
bool with_element_type(std::string_view tag, F&& f) {
  if (tag == "f32") return f(std::type_identity<float>{}), true;
  if (tag == "f64") return f(std::type_identity<double>{}), true;
  if (tag == "i8") return f(std::type_identity<std::int8_t>{}), true;
  if (tag == "u8") return f(std::type_identity<std::uint8_t>{}), true;
  if (tag == "i16") return f(std::type_identity<std::int16_t>{}), true;
  if (tag == "u16") return f(std::type_identity<std::uint16_t>{}), true;
  if (tag == "i32") return f(std::type_identity<std::int32_t>{}), true;
  if (tag == "u32") return f(std::type_identity<std::uint32_t>{}), true;
  if (tag == "i64") return f(std::type_identity<std::int64_t>{}), true;
  if (tag == "u64") return f(std::type_identity<std::uint64_t>{}), true;
  return false;
}

// `sent` (an element of type S) as a U, as JSON would convert it; a floating-point value
// that is not finite or out of U's range for an integer U fails bad_payload (a C++ cast
// would be undefined).
template <class U, class S>
U convert_element(S sent) {
  if constexpr (std::is_floating_point_v<S> && std::is_integral_v<U>) {
    // (U's limits as doubles: the lowest exactly, the highest + 1 exactly, a power of 2.)
    constexpr double low = static_cast<double>(std::numeric_limits<U>::min());
    constexpr double high = static_cast<double>(std::numeric_limits<U>::max() / 2 + 1) * 2.0;
    if (!(static_cast<double>(sent) >= low && static_cast<double>(sent) < high))
      throw error(error_kind::bad_payload, "a binary " + std::string(element_tag<S>()) + " value (" + std::to_string(sent) +
                                               ") is out of the range of " + std::string(element_tag<U>()));
  }
  return static_cast<U>(sent);
}

// True while a message is being encoded (binary buffers can be written).
bool writing_message() noexcept;

// `size` bytes at `data` as a binary buffer of the message being encoded: j becomes
// {"$wasm_mt_bytes": i}. Copied first when `copy` (the encoded message owns the copy);
// otherwise the memory must live until the message is posted (payload.cpp).
void write_binary(nlohmann::json& j, const void* data, std::size_t size, bool copy = false);
// The same as JSON text appended to `out`: {"$wasm_mt_bytes":i}, with "t":tag unless
// `tag` is empty.
void write_binary_text(std::string& out, const void* data, std::size_t size, std::string_view tag, bool copy);
// The binary buffer j ({"$wasm_mt_bytes": i}) refers to in the message being decoded:
// its index and length in bytes. Throws bad_payload.
std::pair<std::size_t, std::size_t> incoming_binary(const nlohmann::json& j);
// The same for the buffer index read from text: its length in bytes.
std::size_t incoming_binary(std::uint64_t index);
// Copies binary buffer `index` (`length` bytes, from incoming_binary) to `out`.
void read_binary(std::size_t index, void* out, std::size_t length);
// Whether j is the JSON of a binary buffer ({"$wasm_mt_bytes": i, ...}).
bool refers_to_binary(const nlohmann::json& j);
// The element tag ("t") of a binary vector's JSON, or empty (bytes; raw JSON).
std::string_view binary_tag(const nlohmann::json& j);
// `j` with each binary vector it refers to ({"$wasm_mt_bytes": i, "t": ...}) as a JSON
// array of its numbers, and records as an array of objects (records.hpp): what a caller
// asking for raw JSON sees.
nlohmann::json binary_vectors_as_arrays(nlohmann::json j);

// Fills the binary vector `value` from buffer `index` (`length` bytes, from
// incoming_binary) of `tag`'s elements (empty: T's own), converted when they were sent as
// another type. Throws bad_payload.
template <class T>
void read_binary_vector(T& value, std::size_t index, std::size_t length, std::string_view tag) {
  using U = typename T::value_type;
  auto fill = [&]<class S>(std::type_identity<S>) {
    const auto fail = [&](const std::string& why) {
      throw error(error_kind::bad_payload, "binary buffer " + std::to_string(index) + " (" + std::to_string(length) +
                                               " bytes of " + std::string(element_tag<S>()) + "): " + why);
    };
    if (length % sizeof(S) != 0) fail("not a whole number of elements");
    const std::size_t count = length / sizeof(S);
    if constexpr (requires { value.resize(count); })
      value.resize(count);
    else if (count != value.size())
      fail("not the " + std::to_string(value.size()) + " elements of the std::array");
    if constexpr (std::is_same_v<S, U> || (sizeof(S) == sizeof(U) && element_tag<S>() == element_tag<U>())) {
      read_binary(index, value.data(), length);
    } else {
      std::vector<S> sent(count);
      read_binary(index, sent.data(), length);
      std::transform(sent.begin(), sent.end(), value.begin(), [](S s) { return convert_element<U>(s); });
    }
  };
  if (tag.empty()) fill(std::type_identity<U>{});
  else if (!with_element_type(tag, fill))
    throw error(error_kind::bad_payload, "binary buffer " + std::to_string(index) + " has an unknown element type '" +
                                             std::string(tag) + "'");
}

// A binary vector T from its JSON ({"$wasm_mt_bytes": i, "t": ...}, or an array), its
// elements converted when they were sent as another type. Throws bad_payload.
template <class T>
T read_binary_vector(const nlohmann::json& j) {
  if (j.is_array()) return j.get<T>();  // raw JSON captures (exec_by_name) give arrays
  const auto [index, length] = incoming_binary(j);
  T value{};
  read_binary_vector(value, index, length, binary_tag(j));
  return value;
}

}  // namespace wasm_mt::detail
