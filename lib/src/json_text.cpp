#include "wasm_mt/detail/json_text.hpp"

#include <cmath>
#include <cstdlib>
#include <cstring>

namespace wasm_mt::detail::json_text {
namespace {

// The length of the well-formed UTF-8 sequence at `p` (RFC 3629: no overlong forms, no
// surrogates, at most U+10FFFF, as nlohmann/json checks), or 0.
std::size_t utf8_sequence(const char* p, const char* end) noexcept {
  auto byte = [p](int i) { return static_cast<unsigned char>(p[i]); };
  unsigned lead = byte(0);
  if (lead < 0x80) return 1;
  std::size_t length = lead < 0xC2 ? 0 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : lead < 0xF5 ? 4 : 0;
  if (length == 0 || static_cast<std::size_t>(end - p) < length) return 0;
  for (std::size_t i = 1; i < length; ++i)
    if ((byte(i) & 0xC0) != 0x80) return 0;
  if ((lead == 0xE0 && byte(1) < 0xA0) || (lead == 0xED && byte(1) >= 0xA0) ||
      (lead == 0xF0 && byte(1) < 0x90) || (lead == 0xF4 && byte(1) >= 0x90))
    return 0;
  return length;
}

bool hex4(const char* p, const char* end, std::uint32_t& value) noexcept {
  if (end - p < 4) return false;
  value = 0;
  for (int i = 0; i < 4; ++i) {
    char c = p[i];
    int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (digit < 0) return false;
    value = value * 16 + static_cast<std::uint32_t>(digit);
  }
  return true;
}

// The code point of the \u escape (one or a surrogate pair) after the backslash at `p`;
// `length` is the escape's length in the text. False for a lone surrogate.
bool unicode_escape(const char* p, const char* end, std::uint32_t& code_point, std::size_t& length) noexcept {
  if (!hex4(p + 2, end, code_point)) return false;
  length = 6;
  if (code_point >= 0xDC00 && code_point <= 0xDFFF) return false;
  if (code_point < 0xD800 || code_point > 0xDBFF) return true;
  std::uint32_t low = 0;
  if (end - p < 12 || p[6] != '\\' || p[7] != 'u' || !hex4(p + 8, end, low) || low < 0xDC00 || low > 0xDFFF)
    return false;
  code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
  length = 12;
  return true;
}

std::size_t utf8_length(std::uint32_t code_point) noexcept {
  return code_point < 0x80 ? 1 : code_point < 0x800 ? 2 : code_point < 0x10000 ? 3 : 4;
}

char* write_utf8(char* out, std::uint32_t code_point) noexcept {
  auto put = [&out](std::uint32_t byte) { *out++ = static_cast<char>(byte); };
  if (code_point < 0x80) {
    put(code_point);
  } else if (code_point < 0x800) {
    put(0xC0 | (code_point >> 6));
    put(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    put(0xE0 | (code_point >> 12));
    put(0x80 | ((code_point >> 6) & 0x3F));
    put(0x80 | (code_point & 0x3F));
  } else {
    put(0xF0 | (code_point >> 18));
    put(0x80 | ((code_point >> 12) & 0x3F));
    put(0x80 | ((code_point >> 6) & 0x3F));
    put(0x80 | (code_point & 0x3F));
  }
  return out;
}

// The character a one-letter escape (\n ...) stands for, or 0.
char unescaped(char letter) noexcept {
  switch (letter) {
    case '"': return '"';
    case '\\': return '\\';
    case '/': return '/';
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    default: return 0;
  }
}

// The letter nlohmann/json escapes a character with (\n ...), or 0.
char escape_letter(unsigned char c) noexcept {
  switch (c) {
    case '"': return '"';
    case '\\': return '\\';
    case '\b': return 'b';
    case '\f': return 'f';
    case '\n': return 'n';
    case '\r': return 'r';
    case '\t': return 't';
    default: return 0;
  }
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

}  // namespace

void reader::skip_space() noexcept {
  while (at_ != end_ && (*at_ == ' ' || *at_ == '\t' || *at_ == '\n' || *at_ == '\r')) ++at_;
}

bool reader::consume(char c) noexcept {
  skip_space();
  if (at_ == end_ || *at_ != c) return false;
  ++at_;
  return true;
}

bool reader::literal(std::string_view text) noexcept {
  skip_space();
  if (static_cast<std::size_t>(end_ - at_) < text.size() || std::string_view(at_, text.size()) != text) return false;
  at_ += text.size();
  return true;
}

char reader::peek() noexcept {
  skip_space();
  return at_ == end_ ? '\0' : *at_;
}

bool reader::skip_value(std::string_view& span) noexcept {
  skip_space();
  const char* p = at_;
  std::size_t open = 0;  // brackets entered and not yet closed
  while (p != end_) {
    const char c = *p;
    if (c == '"') {
      for (++p; p != end_ && *p != '"'; ++p)
        if (*p == '\\' && ++p == end_) return false;
      if (p == end_) return false;
      ++p;
    } else if (c == '[' || c == '{') {
      ++open;
      ++p;
    } else if (c == ']' || c == '}') {
      if (open == 0) break;  // the end of what holds the value
      --open;
      ++p;
    } else if (open == 0 && (c == ',' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
      break;
    } else {
      ++p;
    }
    if (open == 0 && (c == '"' || c == ']' || c == '}')) break;  // a whole string, array or object
  }
  if (open != 0 || p == at_) return false;
  span = std::string_view(at_, static_cast<std::size_t>(p - at_));
  at_ = p;
  return true;
}

bool reader::at_end() noexcept {
  skip_space();
  return at_ == end_;
}

bool reader::simple_string(std::string_view& name) noexcept {
  skip_space();
  if (at_ == end_ || *at_ != '"') return false;
  const char* p = at_ + 1;
  while (p != end_ && *p != '"') {
    if (*p == '\\' || static_cast<unsigned char>(*p) < 0x20) return false;
    ++p;
  }
  if (p == end_) return false;
  name = std::string_view(at_ + 1, static_cast<std::size_t>(p - at_ - 1));
  at_ = p + 1;
  return true;
}

bool reader::boolean(bool& value) noexcept {
  skip_space();
  std::string_view rest(at_, static_cast<std::size_t>(end_ - at_));
  if (rest.substr(0, 4) == "true") {
    value = true;
    at_ += 4;
    return true;
  }
  if (rest.substr(0, 5) == "false") {
    value = false;
    at_ += 5;
    return true;
  }
  return false;
}

bool reader::read_number(number& value) noexcept {
  skip_space();
  const char* p = at_;
  bool negative = p != end_ && *p == '-';
  if (negative) ++p;
  const char* digits = p;
  if (p == end_ || !is_digit(*p)) return false;
  if (*p == '0') {
    ++p;
  } else {
    while (p != end_ && is_digit(*p)) ++p;
  }
  const char* integer_end = p;
  if (p != end_ && *p == '.') {
    ++p;
    if (p == end_ || !is_digit(*p)) return false;
    while (p != end_ && is_digit(*p)) ++p;
  }
  if (p != end_ && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p != end_ && (*p == '+' || *p == '-')) ++p;
    if (p == end_ || !is_digit(*p)) return false;
    while (p != end_ && is_digit(*p)) ++p;
  }

  value = number{};
  value.negative = negative;
  if (p == integer_end) {
    // An integer token: exact when it fits (std::int64_t for negatives), else a double.
    std::uint64_t magnitude = 0;
    bool fits = true;
    for (const char* d = digits; d != integer_end && fits; ++d) {
      std::uint64_t digit = static_cast<std::uint64_t>(*d - '0');
      fits = magnitude <= (UINT64_MAX - digit) / 10;
      magnitude = magnitude * 10 + digit;
    }
    if (fits && negative) fits = magnitude <= std::uint64_t{1} << 63;
    if (fits) {
      value.is_integer = true;
      value.magnitude = magnitude;
      at_ = p;
      return true;
    }
  }
  char token[64];
  std::size_t length = static_cast<std::size_t>(p - at_);
  if (length >= sizeof token) return false;
  std::memcpy(token, at_, length);
  token[length] = '\0';
  value.value = std::strtod(token, nullptr);
  if (!std::isfinite(value.value)) return false;  // nlohmann/json: "number overflow"
  at_ = p;
  return true;
}

bool reader::string_size(std::size_t& size) noexcept {
  skip_space();
  if (at_ == end_ || *at_ != '"') return false;
  size = 0;
  for (const char* p = at_ + 1; p != end_;) {
    unsigned char c = static_cast<unsigned char>(*p);
    if (c == '"') return true;
    if (c < 0x20) return false;
    if (c == '\\') {
      if (end_ - p < 2) return false;
      if (p[1] == 'u') {
        std::uint32_t code_point = 0;
        std::size_t length = 0;
        if (!unicode_escape(p, end_, code_point, length)) return false;
        size += utf8_length(code_point);
        p += length;
      } else {
        if (!unescaped(p[1])) return false;
        size += 1;
        p += 2;
      }
      continue;
    }
    std::size_t length = utf8_sequence(p, end_);
    if (length == 0) return false;
    size += length;
    p += length;
  }
  return false;
}

void reader::read_string(char* out) noexcept {
  const char* p = at_ + 1;  // string_size skipped the space before the quote
  while (*p != '"') {
    if (*p != '\\') {
      *out++ = *p++;
    } else if (p[1] == 'u') {
      std::uint32_t code_point = 0;
      std::size_t length = 0;
      unicode_escape(p, end_, code_point, length);
      out = write_utf8(out, code_point);
      p += length;
    } else {
      *out++ = unescaped(p[1]);
      p += 2;
    }
  }
  at_ = p + 1;
}

std::size_t nesting_depth(std::string_view text) noexcept {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;  // the escaped character cannot end the string
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest) deepest = depth;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

std::size_t size_of(bool value) noexcept { return value ? 4 : 5; }

char* write(char* out, bool value) noexcept {
  std::size_t size = size_of(value);
  std::memcpy(out, value ? "true" : "false", size);
  return out + size;
}

std::size_t size_of(std::uint64_t value) noexcept {
  std::size_t digits = 1;
  while (value >= 10) {
    value /= 10;
    ++digits;
  }
  return digits;
}

std::size_t size_of(std::int64_t value) noexcept {
  return value < 0 ? 1 + size_of(0 - static_cast<std::uint64_t>(value)) : size_of(static_cast<std::uint64_t>(value));
}

char* write(char* out, std::uint64_t value) noexcept {
  char* end = out + size_of(value);
  char* at = end;
  do {
    *--at = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value);
  return end;
}

char* write(char* out, std::int64_t value) noexcept {
  if (value >= 0) return write(out, static_cast<std::uint64_t>(value));
  *out++ = '-';
  return write(out, 0 - static_cast<std::uint64_t>(value));
}

std::size_t size_of(std::string_view text) noexcept {
  std::size_t size = 2;
  const char* end = text.data() + text.size();
  for (const char* p = text.data(); p != end;) {
    unsigned char c = static_cast<unsigned char>(*p);
    if (c < 0x80) {
      size += escape_letter(c) ? 2 : c < 0x20 ? 6 : 1;
      ++p;
      continue;
    }
    std::size_t length = utf8_sequence(p, end);
    if (length == 0) return npos;
    size += length;
    p += length;
  }
  return size;
}

char* write(char* out, std::string_view text) noexcept {
  static constexpr char hex[] = "0123456789abcdef";
  *out++ = '"';
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (char letter = escape_letter(c)) {
      *out++ = '\\';
      *out++ = letter;
    } else if (c < 0x20) {
      std::memcpy(out, "\\u00", 4);
      out[4] = hex[c >> 4];
      out[5] = hex[c & 0xF];
      out += 6;
    } else {
      *out++ = ch;
    }
  }
  *out++ = '"';
  return out;
}

}  // namespace wasm_mt::detail::json_text
