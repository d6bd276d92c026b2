// The JSON text of plain values (integers, bools, numbers, strings, object punctuation),
// read and written without a JSON value, for the values wasm_mt walks (read_text.hpp,
// payload.hpp's write_text) and scalar results (scalar_json.hpp).
// Reads take only text whose value they give exactly as nlohmann/json would, and return
// false for anything else (the caller then goes through nlohmann/json). Writes give
// nlohmann/json's own text. Nothing here throws or allocates: code built on it needs no
// exception trampolines (with JS exceptions, each call that may throw goes through one).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace wasm_mt::detail::json_text {

// A number token. Integers in the range of std::int64_t (negative) or std::uint64_t
// (otherwise) are exact; any other number is the double strtod makes of it, as
// nlohmann/json reads it.
struct number {
  bool is_integer = false;
  bool negative = false;
  std::uint64_t magnitude = 0;  // when is_integer
  double value = 0;             // when !is_integer
};

// Reads JSON text from `at` to `end`. Each read skips the whitespace before its token
// and advances past the token only when it returns true.
class reader {
 public:
  explicit reader(std::string_view text) noexcept : at_(text.data()), end_(text.data() + text.size()) {}

  // Consumes `c` if it comes next.
  bool consume(char c) noexcept;
  // Consumes `text` if it comes next, character for character ("null", a fixed tail).
  bool literal(std::string_view text) noexcept;
  // The next character after whitespace, not consumed ('\0' at the end).
  char peek() noexcept;
  // The text of the next value, `span`, found lexically (strings and brackets matched,
  // anything else up to a delimiter), consumed. Not a validator: parse `span` to know.
  bool skip_value(std::string_view& span) noexcept;
  // True when only whitespace is left.
  bool at_end() noexcept;
  // A string without escapes or control characters (an object key); `name` views the text.
  bool simple_string(std::string_view& name) noexcept;
  bool boolean(bool& value) noexcept;
  bool read_number(number& value) noexcept;
  // A string's value takes two steps, so that the caller can allocate between them:
  // string_size gives its length in UTF-8 bytes (false: not valid JSON, or not valid
  // UTF-8), then read_string writes that many bytes to `out`.
  bool string_size(std::size_t& size) noexcept;
  void read_string(char* out) noexcept;

 private:
  void skip_space() noexcept;
  const char* at_;
  const char* end_;
};

// Whether `c` can begin a JSON value ({ [ " - a digit t f n).
constexpr bool starts_value(char c) noexcept {
  return c == '{' || c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n';
}

// The deepest nesting of arrays and objects in `text`, strings skipped (1 for "[]").
// Not a validator: any text gives a number, which the parse that follows checks.
std::size_t nesting_depth(std::string_view text) noexcept;

// Lengths and writers of values as nlohmann/json's dump() writes them; each writer
// returns the end of what it wrote. A string is written quoted and escaped; its size is
// npos when it is not valid UTF-8 (nlohmann/json refuses to write it).
inline constexpr std::size_t npos = static_cast<std::size_t>(-1);
std::size_t size_of(bool value) noexcept;
std::size_t size_of(std::int64_t value) noexcept;
std::size_t size_of(std::uint64_t value) noexcept;
std::size_t size_of(std::string_view text) noexcept;
char* write(char* out, bool value) noexcept;
char* write(char* out, std::int64_t value) noexcept;
char* write(char* out, std::uint64_t value) noexcept;
char* write(char* out, std::string_view text) noexcept;

// A bool, integer or string as size_of and write take it: integers widened to 64 bits,
// strings as views.
template <class F>
auto widened(const F& value) noexcept {
  if constexpr (std::is_same_v<F, bool>)
    return value;
  else if constexpr (std::is_same_v<F, std::string>)
    return std::string_view(value);
  else if constexpr (std::is_signed_v<F>)
    return static_cast<std::int64_t>(value);
  else
    return static_cast<std::uint64_t>(value);
}

}  // namespace wasm_mt::detail::json_text
