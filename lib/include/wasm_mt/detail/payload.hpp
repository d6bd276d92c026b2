// Encoding of captures and results: JSON text (nlohmann/json) plus a list of binary
// buffers. A wasm_mt::bytes value inside the JSON is written as {"$wasm_mt_bytes": i},
// where i indexes the buffer list; the buffers travel as transferred ArrayBuffers. So do
// std::vector and std::array of numbers (binary_vector) where they are a closure's field
// or a result: their memory as it is, not JSON text.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "wasm_mt/bytes.hpp"
#include "wasm_mt/detail/deep_json.hpp"
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

// A number type sent as binary: arithmetic, not bool, at most 8 bytes (not long double).
template <class U>
constexpr bool binary_element = std::is_arithmetic_v<U> && !std::is_same_v<U, bool> && sizeof(U) <= 8;
// A std::vector or std::array of such numbers: sent as binary, its memory as it is, with
// its element type ("t": "f32", "i16", ...), so that a receiver expecting another
// converts each element as JSON would have.
template <class T>
constexpr bool binary_vector = false;
template <class U, class Allocator>
constexpr bool binary_vector<std::vector<U, Allocator>> = binary_element<U>;
template <class U, std::size_t N>
constexpr bool binary_vector<std::array<U, N>> = N > 0 && binary_element<U>;

// Another owning container of such numbers (std::list, std::deque, std::set, ...; not a
// string): not sent as binary, but it reads the binary form too, as it reads an array.
template <class T>
concept binary_receiver = !binary_vector<T> && requires(T& t) {
  typename T::value_type;
  t.clear();
  T(std::declval<const typename T::value_type*>(), std::declval<const typename T::value_type*>());
} && binary_element<typename T::value_type> && !requires { typename T::traits_type; };

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

// True while a message is being encoded (binary buffers can be written).
bool writing_message() noexcept;

// `size` bytes at `data` as a binary buffer of the message being encoded: j becomes
// {"$wasm_mt_bytes": i}. The memory must live until the message is posted (payload.cpp).
void write_binary(nlohmann::json& j, const void* data, std::size_t size);
// The binary buffer j ({"$wasm_mt_bytes": i}) refers to in the message being decoded:
// its index and length in bytes. Throws bad_payload.
std::pair<std::size_t, std::size_t> incoming_binary(const nlohmann::json& j);
// Copies binary buffer `index` (`length` bytes, from incoming_binary) to `out`.
void read_binary(std::size_t index, void* out, std::size_t length);
// Whether j is the JSON of a binary buffer ({"$wasm_mt_bytes": i, ...}).
bool refers_to_binary(const nlohmann::json& j);
// The element tag ("t") of a binary vector's JSON, or empty (bytes; raw JSON).
std::string_view binary_tag(const nlohmann::json& j);
// `j` with each binary vector it refers to ({"$wasm_mt_bytes": i, "t": ...}) as a JSON
// array of its numbers: what a caller asking for raw JSON sees.
nlohmann::json binary_vectors_as_arrays(nlohmann::json j);

// A binary vector T from its JSON ({"$wasm_mt_bytes": i, "t": ...}, or an array), its
// elements converted when they were sent as another type. Throws bad_payload.
template <class T>
T read_binary_vector(const nlohmann::json& j) {
  if (j.is_array()) return j.get<T>();  // raw JSON captures (exec_by_name) give arrays
  using U = typename T::value_type;
  const auto [index, length] = incoming_binary(j);
  const std::string_view tag = binary_tag(j);
  T value{};
  auto fill = [&, index = index, length = length]<class S>(std::type_identity<S>) {
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
      std::transform(sent.begin(), sent.end(), value.begin(), [](S s) { return static_cast<U>(s); });
    }
  };
  if (tag.empty()) fill(std::type_identity<U>{});
  else if (!with_element_type(tag, fill))
    throw error(error_kind::bad_payload, "binary buffer " + std::to_string(index) + " has an unknown element type '" +
                                             std::string(tag) + "'");
  return value;
}

template <class T>
void write_json(nlohmann::json& j, const T& value) {
  if constexpr (has_member_json<T>)
    value.wasm_mt_to_json(j);
  else if constexpr (binary_vector<T>) {
    if (!writing_message()) {  // (nlohmann::json(closure) of your own: plain JSON)
      j = value;
      return;
    }
    write_binary(j, value.data(), value.size() * sizeof(typename T::value_type));
    j["t"] = element_tag<typename T::value_type>();
  } else if constexpr (std::is_empty_v<T>)
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
    return read_binary_vector<T>(j);
  } else if constexpr (binary_receiver<T>) {
    if (!refers_to_binary(j)) return j.get<T>();  // (an array; or the type's own JSON form)
    const auto numbers = read_binary_vector<std::vector<typename T::value_type>>(j);
    return T(numbers.data(), numbers.data() + numbers.size());
  } else if constexpr (std::is_same_v<T, nlohmann::json>) {
    return binary_vectors_as_arrays(copy_flat(j));
  } else if constexpr (std::is_empty_v<T> && std::is_default_constructible_v<T>) {
    return T{};
  } else {
    return j.get<T>();
  }
}

// Captures, results, events and stream items may nest arrays and objects this deep, no
// deeper (a closure's own object counts as a level). wasm_mt never recurses over a value
// (deep_json.hpp; nlohmann's parser and destructor do not either), but what receives it
// may: nlohmann's own copy, dump(), == and get<T>() take a frame a level, and with JS
// exceptions a copy overflows Node's main thread at about 1,300 levels. Deeper values
// fail with bad_payload naming their depth, on either side, before anything copies them.
inline constexpr std::size_t max_nesting_depth = 2048;

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

// A WASM_MT_CLOSURE field, written into and read from its closure's JSON object:
// binary_vector fields as binary, the others through nlohmann/json.
// An nlohmann::json field is measured before it is copied, and copied without recursion.
template <class F>
void write_field(nlohmann::json& j, const char* name, const F& value) {
  if constexpr (binary_vector<F>) {
    write_json(j[name], value);
  } else if constexpr (std::is_same_v<F, nlohmann::json>) {
    check_nesting(value, "cannot encode", 1);  // (inside the closure's object)
    j[name] = copy_flat(value);
  } else {
    j.emplace(name, value);
  }
}
template <class F>
void read_field(const nlohmann::json& j, const char* name, F& value) {
  if constexpr (binary_vector<F>)
    value = read_json<F>(j.at(name));
  else if constexpr (std::is_same_v<F, nlohmann::json>)
    value = copy_flat(j.at(name));
  else
    j.at(name).get_to(value);
}

[[noreturn]] void throw_bad_payload(std::string_view what, const std::exception& cause);

// A request's captures or args that could not be encoded, as its error: the same kind
// and message, with not_run() (nothing was sent).
std::exception_ptr unsent_failure(const std::exception_ptr& failure) noexcept;


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
      out.json = dump_flat(value);
    } else {
      outgoing_buffers_scope scope(out.buffers);
      nlohmann::json j;
      write_json(j, value);
      check_nesting(j, "cannot encode");
      out.json = dump_flat(j);
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
