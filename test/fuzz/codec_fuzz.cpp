// Coverage-guided fuzzing (libFuzzer) of the codec that reads and writes JSON text without
// nlohmann/json (detail/json_text.hpp, read_text.hpp, payload.hpp's write_text,
// scalar_json.hpp), differential
// against nlohmann/json, under AddressSanitizer and UndefinedBehaviorSanitizer. Built
// natively: the codec is plain C++ (scripts/fuzz.sh).
//
// Every input is, in turn: JSON text a worker might receive (whatever the codec accepts,
// nlohmann/json must read to the same value, and dump_flat writes nlohmann's own text of
// it; nothing may read or write out of bounds), the bytes of a capture to send (the writer
// must write nlohmann/json's own text, which reads back to the same capture), and records
// (detail/records.hpp) as a worker might send them: the text as their JSON, with a
// binary buffer made of the input's bytes, read as two record types and as raw JSON (a
// bad layout fails bad_payload, nothing is read outside the buffer), and records made
// of the input's bytes written and read back.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include <nlohmann/json.hpp>

#include <wasm_mt/detail/deep_json.hpp>
#include <wasm_mt/detail/payload.hpp>
#include <wasm_mt/detail/read_text.hpp>
#include <wasm_mt/detail/scalar_json.hpp>
#include <wasm_mt/error.hpp>
#include <wasm_mt/struct.hpp>

// The glue's inbox, natively: the message being read carries `fuzz_buffers`.
namespace {
std::vector<std::vector<std::uint8_t>> fuzz_buffers;
}
extern "C" std::size_t wasm_mt_js_inbox_buffer_length(std::size_t index) noexcept {
  return index < fuzz_buffers.size() ? fuzz_buffers[index].size() : 0;
}
extern "C" std::size_t wasm_mt_js_inbox_buffer_copy(std::size_t index, std::uint8_t* destination, std::size_t capacity) noexcept {
  if (index >= fuzz_buffers.size()) return 0;
  const std::size_t size = std::min(capacity, fuzz_buffers[index].size());
  if (size) std::memcpy(destination, fuzz_buffers[index].data(), size);
  return size;
}
extern "C" int wasm_mt_js_engine_stack_room() noexcept { return 1; }
namespace wasm_mt::detail {
wasm_mt::error to_error(const std::exception_ptr&) { return wasm_mt::error(error_kind::bad_payload, "unused"); }
}  // namespace wasm_mt::detail

namespace fuzz {

// A plain capture of every field kind. (What WASM_MT_CLOSURE defines for it, written out:
// closure.hpp needs Emscripten.)
struct Capture {
  std::int64_t n = 0;
  std::string s;
  bool b = false;
  double d = 0;
  std::uint64_t u = 0;
  short h = 0;
  std::string t;
};
template <class C, class Visit>
  requires std::is_same_v<std::remove_const_t<C>, Capture>
void wasm_mt_visit_fields(C& c, Visit&& visit) {
  visit("n", c.n);
  visit("s", c.s);
  visit("b", c.b);
  visit("d", c.d);
  visit("u", c.u);
  visit("h", c.h);
  visit("t", c.t);
}
constexpr std::type_identity<Capture> wasm_mt_described_type(const Capture*) { return {}; }
void to_json(nlohmann::json& j, const Capture& c) {
  j = nlohmann::json::object();
  wasm_mt_visit_fields(c, [&j](const char* name, const auto& field) { j.emplace(name, field); });
}
void from_json(const nlohmann::json& j, Capture& c) {
  wasm_mt_visit_fields(c, [&j](const char* name, auto& field) { j.at(name).get_to(field); });
}

// Records, and another program's idea of them (fields reordered and wider).
struct Point {
  std::int32_t id = 0;
  float x = 0;
  std::uint8_t tag = 0;
  double y = 0;
};
WASM_MT_STRUCT(Point, id, x, tag, y)
struct Wide {
  double y = 0;
  std::int64_t id = 0;
  double x = 0;
};
WASM_MT_STRUCT(Wide, y, id, x)

[[noreturn]] void disagree(const char* what) {
  std::fprintf(stderr, "codec and nlohmann/json disagree: %s\n", what);
  std::abort();
}

bool same(const Capture& a, const Capture& b) {
  return a.n == b.n && a.s == b.s && a.b == b.b && std::memcmp(&a.d, &b.d, sizeof a.d) == 0 && a.u == b.u &&
         a.h == b.h && a.t == b.t;
}

template <class T>
void check_scalar(std::string_view text, const nlohmann::json& parsed) {
  auto direct = wasm_mt::detail::scalar_from_json<T>(text);
  if (!direct) return;
  if (parsed.is_discarded()) disagree("a scalar the codec read does not parse");
  try {
    if (parsed.get<T>() != *direct) disagree("a scalar reads as another value");
  } catch (const nlohmann::json::exception&) {
    disagree("a scalar the codec read does not convert");
  }
}

// Reading: `text` as a worker (or a caller) receives it.
void read(std::string_view text) {
  // (Never deeper than wasm_mt's limit past this point: deeper text is refused first.)
  if (wasm_mt::detail::json_text::nesting_depth(text) > wasm_mt::detail::max_nesting_depth) return;
  const auto parsed = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  // (nlohmann/json ends its input at a NUL byte; wasm_mt refuses text that holds one.)
  const bool has_nul = text.find('\0') != std::string_view::npos;
  if (!parsed.is_discarded() && !has_nul && wasm_mt::detail::nesting_depth(parsed) != wasm_mt::detail::json_text::nesting_depth(text))
    disagree("nesting depth");

  Capture direct;
  bool read_directly = false;
  try {
    read_directly = wasm_mt::detail::read_text(text, direct);
  } catch (const std::exception&) {  // (decode then reads through the DOM, which says why)
  }
  if (read_directly) {
    if (parsed.is_discarded()) disagree("a capture the codec read does not parse");
    Capture through;
    try {
      through = parsed.get<Capture>();
    } catch (const nlohmann::json::exception&) {
      disagree("a capture the codec read does not convert");
    }
    if (!same(direct, through)) disagree("a capture reads as another value");
  }

  if (!parsed.is_discarded() && !has_nul) {
    std::string theirs;
    bool they_write = true;
    try {
      theirs = parsed.dump();
    } catch (const nlohmann::json::exception&) {
      they_write = false;
    }
    std::string ours;
    bool we_write = true;
    try {
      ours = wasm_mt::detail::dump_flat(parsed);
    } catch (const nlohmann::json::exception&) {
      we_write = false;
    }
    if (we_write != they_write || ours != theirs) disagree("dump_flat writes other text than dump()");
  }

  check_scalar<int>(text, parsed);
  check_scalar<std::int64_t>(text, parsed);
  check_scalar<std::uint64_t>(text, parsed);
  check_scalar<short>(text, parsed);
  check_scalar<unsigned char>(text, parsed);
  check_scalar<bool>(text, parsed);

  // A string token on its own.
  wasm_mt::detail::json_text::reader in(text);
  std::size_t size = 0;
  if (in.string_size(size)) {
    std::string value(size, '\0');
    in.read_string(value.data());
    const bool whole = in.at_end();
    if (whole) {
      if (parsed.is_discarded() || !parsed.is_string()) disagree("a string the codec read does not parse");
      if (parsed.get<std::string>() != value) disagree("a string reads as another value");
    }
  }
}

// Writing: a capture made of the input's bytes.
void write(const std::uint8_t* data, std::size_t size) {
  Capture c;
  auto take = [&](void* into, std::size_t n) {
    std::size_t k = std::min(n, size);
    std::memset(into, 0, n);
    std::memcpy(into, data, k);
    data += k;
    size -= k;
  };
  take(&c.n, sizeof c.n);
  take(&c.b, 1);
  c.b = (reinterpret_cast<unsigned char&>(c.b) & 1) != 0;
  take(&c.d, sizeof c.d);
  if (!std::isfinite(c.d)) c.d = 0;  // nlohmann writes null for these: not a plain value
  take(&c.u, sizeof c.u);
  take(&c.h, sizeof c.h);
  std::size_t half = size / 2;
  c.s.assign(reinterpret_cast<const char*>(data), half);
  c.t.assign(reinterpret_cast<const char*>(data) + half, size - half);

  std::string theirs;
  bool they_write = true;
  try {
    theirs = nlohmann::json(c).dump();
  } catch (const nlohmann::json::exception&) {
    they_write = false;  // a string that is not UTF-8
  }
  std::string ours;
  bool we_write = true;
  try {
    wasm_mt::detail::write_text(ours, c, wasm_mt::detail::keep::reference, 0);
  } catch (const nlohmann::json::exception&) {
    we_write = false;
  }
  if (we_write != they_write) disagree("one writes a capture the other refuses");
  if (!we_write) return;
  // (The same members in the struct's order: nlohmann/json's object sorts its keys.)
  const auto read_back = nlohmann::json::parse(ours, nullptr, false);
  if (read_back.is_discarded() || read_back != nlohmann::json::parse(theirs)) disagree("a capture is written as another value");
  Capture back;
  if (!wasm_mt::detail::read_text(ours, back) || !same(back, c)) disagree("a written capture does not read back");
}

// Records received: the first byte says how many of the input's bytes make the buffer,
// the rest is their JSON (the buffer is message buffer 0).
void read_records(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return;
  const std::size_t length = std::min<std::size_t>(data[0], size - 1);
  fuzz_buffers.assign(1, std::vector<std::uint8_t>(data + 1, data + 1 + length));
  const std::string_view text(reinterpret_cast<const char*>(data) + 1 + length, size - 1 - length);
  if (wasm_mt::detail::json_text::nesting_depth(text) > wasm_mt::detail::max_nesting_depth) return;
  const auto parsed = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (parsed.is_discarded()) return;
  wasm_mt::detail::incoming_buffers_scope scope(fuzz_buffers.size());
  auto attempt = [&](auto read) {
    try {
      read();
    } catch (const wasm_mt::error& e) {
      if (e.kind() != wasm_mt::error_kind::bad_payload) disagree("records fail other than bad_payload");
    } catch (const nlohmann::json::exception&) {
    }
  };
  attempt([&] {
    auto points = wasm_mt::detail::read_json<std::vector<Point>>(parsed);
    if (wasm_mt::detail::refers_to_binary(parsed) && points.size() * wasm_mt::detail::sent_layout(parsed, length).size != length)
      disagree("records read are not the buffer's");
  });
  attempt([&] { (void)wasm_mt::detail::read_json<std::vector<Wide>>(parsed); });
  // Read straight from the text, the same records as through the DOM, or left to it.
  std::vector<Point> direct;
  bool read_directly = false;
  try {
    read_directly = wasm_mt::detail::read_text(text, direct);
  } catch (const std::exception&) {
  }
  if (read_directly) {
    std::vector<Point> through;
    try {
      through = wasm_mt::detail::read_json<std::vector<Point>>(parsed);
    } catch (const std::exception&) {
      disagree("records read from the text fail through the DOM");
    }
    auto same_bits = [](const auto& a, const auto& b) { return std::memcmp(&a, &b, sizeof a) == 0; };
    if (through.size() != direct.size()) disagree("records read from the text are another count than the DOM's");
    for (std::size_t i = 0; i < direct.size(); ++i)
      if (!same_bits(direct[i].id, through[i].id) || !same_bits(direct[i].x, through[i].x) ||
          !same_bits(direct[i].tag, through[i].tag) || !same_bits(direct[i].y, through[i].y))
        disagree("records read from the text differ from the DOM's");
  }
  attempt([&] { (void)wasm_mt::detail::read_json<std::array<Wide, 2>>(parsed); });
  attempt([&] { (void)wasm_mt::detail::read_json<nlohmann::json>(parsed); });
}

// Records made of the input's bytes, written and read back as the same records, and as
// the other type by name.
void write_records(const std::uint8_t* data, std::size_t size) {
  std::vector<Point> points(std::min<std::size_t>(size / 8, 64));
  for (std::size_t i = 0; i < points.size(); ++i) {
    const std::uint8_t* at = data + 8 * i;
    points[i].id = static_cast<std::int32_t>(at[0] | at[1] << 8);
    points[i].x = static_cast<float>(static_cast<std::int8_t>(at[2])) / 4;
    points[i].tag = at[3];
    points[i].y = static_cast<double>(static_cast<std::int32_t>(at[4] | at[5] << 8 | at[6] << 16 | at[7] << 24)) / 8;
  }
  wasm_mt::detail::encoded sent;
  nlohmann::json j;
  {
    wasm_mt::detail::outgoing_buffers_scope scope(sent);
    wasm_mt::detail::write_json(j, points);
  }
  const auto& refs = sent.buffers;
  if (refs.size() != 1) disagree("records are not one buffer");
  fuzz_buffers.assign(1, std::vector<std::uint8_t>(refs[0].data, refs[0].data + refs[0].size));
  const auto text = wasm_mt::detail::dump_flat(j);
  wasm_mt::detail::incoming_buffers_scope scope(1);
  const auto back = wasm_mt::detail::read_json<std::vector<Point>>(nlohmann::json::parse(text));
  const auto wide = wasm_mt::detail::read_json<std::vector<Wide>>(nlohmann::json::parse(text));
  if (back.size() != points.size() || wide.size() != points.size()) disagree("records read back as another count");
  for (std::size_t i = 0; i < points.size(); ++i)
    if (back[i].id != points[i].id || back[i].x != points[i].x || back[i].tag != points[i].tag || back[i].y != points[i].y ||
        wide[i].id != points[i].id || wide[i].x != points[i].x || wide[i].y != points[i].y)
      disagree("records read back as other values");
}

}  // namespace fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::read(std::string_view(reinterpret_cast<const char*>(data), size));
  fuzz::write(data, size);
  fuzz::read_records(data, size);
  fuzz::write_records(data, size);
  return 0;
}
