// Which values wasm_mt walks itself, writing and reading them field by field and item by
// item (payload.hpp's write_text and read_json, read_text.hpp), rather than leaving them
// to nlohmann/json, and how deep they may nest.
#pragma once

#include <array>
#include <cstddef>
#include <deque>
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
#include "wasm_mt/detail/records.hpp"

namespace wasm_mt::detail {

// Captures, results, events and stream items may nest arrays and objects this deep, no
// deeper (a closure's own object counts as a level). wasm_mt never recurses over an
// nlohmann::json (deep_json.hpp; nlohmann's parser and destructor do not either; its walk
// of described structs does: stack_reserve below), but what receives it
// may: nlohmann's own copy, dump(), == and get<T>() take a frame a level, and with JS
// exceptions a copy overflows Node's main thread at about 1,300 levels. Deeper values
// fail with bad_payload naming their depth, on either side, before anything copies them.
inline constexpr std::size_t max_nesting_depth = 2048;

// The walk of the types wasm_mt walks itself (described structs, shared pointers, walked
// containers: write_text, read_text, read_json) takes a few frames a level, on two
// stacks: Emscripten's (STACK_SIZE: 5 MiB in 3.1.6, 64 KiB by default in current
// Emscripten) and the JS engine's, which wasm's frames take too (about 1 MB on V8's main
// thread; at -O0 a level takes over 500 bytes of it). It goes a level deeper only while
// more than stack_reserve bytes of the first are left and, every engine_stack_interval
// levels, while the engine's has room for some 2,000 small JS frames; otherwise it fails
// with bad_payload saying so. So a deep value (a long chain of std::shared_ptr) is
// refused where a stack is small rather than overflow it. Inside a container wasm_mt does
// not walk (std::map<int, T>) the recursion is nlohmann's: each described struct there
// checks Emscripten's stack, and wasm_mt's walk of its fields counts levels afresh.
inline constexpr std::size_t stack_reserve = 16 * 1024;
inline constexpr std::size_t engine_stack_interval = 16;
// Bytes of Emscripten's stack left below the caller's frame.
std::size_t stack_left() noexcept;
// Whether an array or object `levels` deep may be walked (both stacks, as above).
bool stack_has_room(std::size_t levels) noexcept;
// Throws bad_payload ("<what>: a value nested too deep for this thread's stack (at
// <levels> levels): ...") when !stack_has_room(levels). `levels`: 0 when not counted
// (then only Emscripten's stack is checked).
void check_stack(std::string_view what, std::size_t levels);

// The containers wasm_mt walks itself, not through nlohmann, when they hold binary at some
// depth (binary vectors, records, bytes, described structs): std::vector, std::list,
// std::deque and std::array (not of fixed-size arrays: a buffer each would cost more than
// their JSON), std::map and std::unordered_map keyed by std::string, std::optional. Only
// these exact templates: a type of your own, even one derived from them, keeps its own
// JSON form.
template <class T>
constexpr bool is_optional = false;
template <class U>
constexpr bool is_optional<std::optional<U>> = true;
template <class T>
constexpr bool is_std_array = false;
template <class U, std::size_t N>
constexpr bool is_std_array<std::array<U, N>> = true;
template <class T>
constexpr bool walked_sequence = false;
template <class U, class A>
constexpr bool walked_sequence<std::vector<U, A>> = !is_std_array<U>;
template <class U, class A>
constexpr bool walked_sequence<std::list<U, A>> = !is_std_array<U>;
template <class U, class A>
constexpr bool walked_sequence<std::deque<U, A>> = !is_std_array<U>;
template <class U, std::size_t N>
constexpr bool walked_sequence<std::array<U, N>> = !is_std_array<U>;
// A std::shared_ptr<T> (T not an array) is written as what it points to (null: null) and
// read as a new T it alone owns; nlohmann has no form for it, so wasm_mt always walks it.
// It is how a caller sends memory it keeps without copying it first: the request holds
// the pointer (a share, not a copy) until the value is written out of the heap.
template <class T>
constexpr bool is_shared_ptr = false;
template <class U>
constexpr bool is_shared_ptr<std::shared_ptr<U>> = !std::is_array_v<U>;
template <class T>
constexpr bool walked_map = false;
template <class V, class C, class A>
constexpr bool walked_map<std::map<std::string, V, C, A>> = true;
template <class V, class H, class E, class A>
constexpr bool walked_map<std::unordered_map<std::string, V, H, E, A>> = true;

// Another owning container of numbers or records (std::list, std::deque, std::set, ...;
// not a string): not sent as binary, but it reads the binary form too, as it reads an array.
template <class T>
concept binary_receiver = !binary_vector<T> && !record_vector<T> && requires(T& t) {
  typename T::value_type;
  t.clear();
  T(std::declval<const typename T::value_type*>(), std::declval<const typename T::value_type*>());
} && (binary_element<typename T::value_type> || record<typename T::value_type>) &&
                          !requires { typename T::traits_type; };

// Whether wasm_mt writes T itself (carries_binary: binary vectors and records, shared
// pointers, and walked containers holding them), and whether it reads T itself
// (reads_binary: also binary receivers, and walked containers holding them), rather than
// nlohmann.
template <class T, bool reading>
constexpr bool walks_binary() {
  if constexpr (binary_vector<T> || record_vector<T> || std::is_same_v<T, bytes> || described<T> ||
                is_shared_ptr<T> || (reading && binary_receiver<T>))
    return true;
  else if constexpr (is_optional<T> || walked_sequence<T>)
    return walks_binary<typename T::value_type, reading>();
  else if constexpr (walked_map<T>)
    return walks_binary<typename T::mapped_type, reading>();
  else
    return false;
}
template <class T>
constexpr bool carries_binary() {
  return walks_binary<T, false>();
}
template <class T>
constexpr bool reads_binary() {
  return walks_binary<T, true>();
}

}  // namespace wasm_mt::detail
