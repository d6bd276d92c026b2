// Payloads: binary buffers cross as transferred ArrayBuffers beside the JSON; large JSON
// captures too.
#include <array>
#include <cstdint>
#include <cstring>
#include <deque>
#include <iterator>
#include <limits>
#include <list>
#include <set>
#include <string>
#include <vector>

#include "async_test.hpp"

namespace payloads_test {

// Captures that go straight to and from JSON text (detail/read_text.hpp, payload.hpp's write_text).
struct Plain {
  int i = 0;
  double d = 0;
  bool b = false;
  std::string s;
  std::uint64_t u = 0;
  std::string operator()() const {
    return nlohmann::json{{"i", i}, {"d", d}, {"b", b}, {"s", s}, {"u", u}}.dump();
  }
};
WASM_MT_CLOSURE(Plain, i, d, b, s, u)

// A capture without floating point fields: written by json_text, not nlohmann.
struct Text {
  std::int64_t n = 0;
  bool b = false;
  std::string s;
  std::uint64_t u = 0;
  short h = 0;
  bool operator==(const Text&) const = default;
  Text operator()() const { return *this; }
};
WASM_MT_CLOSURE(Text, n, b, s, u, h)

}  // namespace payloads_test

namespace {

wasm_mt::bytes pattern(std::size_t size, std::uint32_t seed) {
  wasm_mt::bytes out(size);
  std::uint32_t x = seed;
  for (std::size_t i = 0; i < size; ++i) {
    x = x * 1664525u + 1013904223u;
    out[i] = static_cast<std::uint8_t>(x >> 24);
  }
  return out;
}

#define SAME_VALUE(Name, Type)                  \
  struct Name {                                 \
    Type value{};                               \
    Type operator()() const { return value; }   \
  };                                            \
  WASM_MT_CLOSURE(Name, value)
SAME_VALUE(SameInt64, std::int64_t)
SAME_VALUE(SameUint64, std::uint64_t)
SAME_VALUE(SameInt8, std::int8_t)
SAME_VALUE(SameBool, bool)

struct Reverse {
  wasm_mt::bytes data;
  wasm_mt::bytes operator()() const {
    wasm_mt::bytes out(data.size());
    for (std::size_t i = 0; i < data.size(); ++i) out[i] = data[data.size() - 1 - i];
    return out;
  }
};
WASM_MT_CLOSURE(Reverse, data)

struct Joined {
  wasm_mt::bytes both;
  std::string name;
  std::size_t first_size = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Joined, both, name, first_size)

struct Join {
  wasm_mt::bytes first;
  std::string name;
  wasm_mt::bytes second;
  Joined operator()() const {
    Joined out{wasm_mt::bytes(first.size() + second.size()), name + "!", first.size()};
    std::copy(first.begin(), first.end(), out.both.begin());
    std::copy(second.begin(), second.end(), out.both.begin() + first.size());
    return out;
  }
};
WASM_MT_CLOSURE(Join, first, name, second)

struct Length {
  std::string text;
  std::size_t operator()() const { return text.size(); }
};
WASM_MT_CLOSURE(Length, text)

}  // namespace

namespace {

// Vectors and arrays of numbers travel as binary (their memory, not JSON text).
struct Numbers {
  std::vector<float> floats;
  std::vector<double> doubles;
  std::vector<std::int64_t> wide;
  std::array<std::int16_t, 5> small{};
  std::vector<std::uint8_t> raw;
  std::vector<std::vector<float>> nested;  // inside a vector: binary too (walked by wasm_mt)
  std::vector<float> operator()() const {
    std::vector<float> out;
    for (float f : floats) out.push_back(f * 2);
    for (double d : doubles) out.push_back(static_cast<float>(d));
    for (auto w : wide) out.push_back(static_cast<float>(w % 1000));
    for (auto s : small) out.push_back(s);
    out.push_back(static_cast<float>(raw.size()));
    for (auto& row : nested) out.push_back(static_cast<float>(row.size()));
    return out;
  }
};
WASM_MT_CLOSURE(Numbers, floats, doubles, wide, small, raw, nested)

struct EchoFloats {
  std::vector<float> values;
  std::vector<float> operator()() { return std::move(values); }
};
WASM_MT_CLOSURE(EchoFloats, values)

// A container of numbers of the user's own whose JSON form is an object, not an array.
struct Samples {
  using value_type = double;
  std::vector<double> values;
  double rate = 0;
  Samples() = default;
  Samples(const double* begin, const double* end) : values(begin, end) {}
  void clear() { values.clear(); }
  bool operator==(const Samples&) const = default;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Samples, values, rate)

struct MakeSamples {
  Samples operator()() const {
    Samples out;
    out.values = {1.5, 2.5};
    out.rate = 48000;
    return out;
  }
};
WASM_MT_CLOSURE(MakeSamples)

// Emits its floats as an event (binary), then returns how many.
struct EmitFloats {
  std::vector<float> values;
  wasm_mt::task<int> operator()() const {
    co_await wasm_mt::this_request::emit(values);
    co_return static_cast<int>(values.size());
  }
};
WASM_MT_CLOSURE(EmitFloats, values)

struct FloatsOf {
  int count = 0;
  std::vector<float> operator()() const {
    std::vector<float> out(count);
    for (int i = 0; i < count; ++i) out[i] = i * 0.5f;
    return out;
  }
};
WASM_MT_CLOSURE(FloatsOf, count)

}  // namespace

ASYNC_TEST_CASE("vectors and arrays of numbers travel as binary, in captures and results", "[payloads]") {
  auto th = co_await test::spawn();
  Numbers numbers;
  numbers.floats = {1.5f, -2.25f};
  numbers.doubles = {3.125};
  numbers.wide = {std::numeric_limits<std::int64_t>::max(), -7};
  numbers.small = {-1, 2, -3, 4, std::numeric_limits<std::int16_t>::min()};
  numbers.raw = std::vector<std::uint8_t>(1000, 9);
  numbers.nested = {{1, 2}, {}, {3}};
  const std::vector<float> expected = {3, -4.5f, 3.125f, 807, -7, -1, 2, -3, 4, -32768, 1000, 2, 0, 1};
  CHECK((co_await th.exec(numbers)) == expected);

  // 16 MiB of floats, there and back, every value intact.
  std::vector<float> big(4 << 20);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<float>(i) * 0.25f;
  auto back = co_await th.exec(EchoFloats{big});
  CHECK(back == big);
  CHECK((co_await th.exec(EchoFloats{})).empty());

  // On the wire a result is a binary buffer (taken as bytes: the floats' memory), not JSON.
  const auto floats_of = wasm_mt::closure_name<FloatsOf>();
  wasm_mt::bytes wire = co_await th.exec_by_name<wasm_mt::bytes>(floats_of, {{"count", 3}});
  REQUIRE(wire.size() == 3 * sizeof(float));
  float sent[3];
  std::memcpy(sent, wire.data(), sizeof sent);
  CHECK((sent[0] == 0.0f && sent[1] == 0.5f && sent[2] == 1.0f));
  // A receiver expecting other numbers converts them, as JSON would; raw JSON sees an array.
  CHECK((co_await th.exec_by_name<std::vector<double>>(floats_of, {{"count", 3}})) == std::vector<double>{0, 0.5, 1});
  CHECK((co_await th.exec_by_name<std::vector<int>>(floats_of, {{"count", 3}})) == std::vector<int>{0, 0, 1});
  // So does a receiver of another container of numbers.
  CHECK((co_await th.exec_by_name<std::list<float>>(floats_of, {{"count", 3}})) == std::list<float>{0, 0.5f, 1});
  CHECK((co_await th.exec_by_name<std::deque<double>>(floats_of, {{"count", 3}})) == std::deque<double>{0, 0.5, 1});
  CHECK((co_await th.exec_by_name<std::set<int>>(floats_of, {{"count", 4}})) == std::set<int>{0, 1});
  CHECK((co_await th.exec_by_name<std::multiset<std::int64_t>>(floats_of, {{"count", 4}})) ==
        std::multiset<std::int64_t>{0, 0, 1, 1});
  // One of the user's own whose JSON form is an object still reads that form.
  Samples samples = co_await th.exec(MakeSamples{});
  CHECK((samples.values == std::vector<double>{1.5, 2.5} && samples.rate == 48000));
  CHECK((co_await th.exec_by_name(floats_of, {{"count", 3}})) == nlohmann::json({0.0, 0.5, 1.0}));
  auto wrong_size = co_await test::error_of(th.exec_by_name<std::array<float, 2>>(floats_of, {{"count", 3}}));
  CHECK(wrong_size.kind() == wasm_mt::error_kind::bad_payload);
  // Raw JSON captures may give such a field as an array (exec_by_name).
  std::vector<float> from_array =
      co_await th.exec_by_name<std::vector<float>>(wasm_mt::closure_name<EchoFloats>(), {{"values", {1, 2, 3}}});
  CHECK(from_array == std::vector<float>{1, 2, 3});
  // Outside a message (your own nlohmann::json of a closure) such fields are JSON arrays.
  nlohmann::json own = EchoFloats{{1.5f, 2.5f}};
  CHECK(own == nlohmann::json({{"values", {1.5, 2.5}}}));
}

ASYNC_TEST_CASE("an event handler taking another container of numbers reads a binary event", "[payloads]") {
  auto th = co_await test::spawn();
  std::deque<double> seen;
  CHECK((co_await th.exec(EmitFloats{{1.5f, -2}}, {.on_event = [&](const std::deque<double>& e) { seen = e; }})) == 2);
  CHECK(seen == std::deque<double>{1.5, -2});
}

ASYNC_TEST_CASE("a 16 MB binary payload makes the round trip intact", "[payloads]") {
  auto th = co_await test::spawn();
  const std::size_t size = 16u << 20;
  auto sent = pattern(size, 7);
  auto back = co_await th.exec(Reverse{sent});
  REQUIRE(back.size() == size);
  wasm_mt::bytes expected(size);
  for (std::size_t i = 0; i < size; ++i) expected[i] = sent[size - 1 - i];
  CHECK(back == expected);
}

ASYNC_TEST_CASE("several binary buffers and JSON fields in one message keep their places", "[payloads]") {
  auto th = co_await test::spawn();
  auto first = pattern(1000, 1);
  auto second = pattern(3, 2);
  auto joined = co_await th.exec(Join{first, "name", second});
  CHECK(joined.name == "name!");
  REQUIRE(joined.first_size == 1000);
  REQUIRE(joined.both.size() == 1003);
  CHECK(std::equal(first.begin(), first.end(), joined.both.begin()));
  CHECK(std::equal(second.begin(), second.end(), joined.both.begin() + 1000));

  auto empty = co_await th.exec(Reverse{wasm_mt::bytes{}});
  CHECK(empty.empty());
}

ASYNC_TEST_CASE("a 1 MB JSON capture makes the trip", "[payloads]") {
  auto th = co_await test::spawn();
  std::string text(1 << 20, 'x');
  for (std::size_t i = 0; i < text.size(); i += 1000) text[i] = '"';
  CHECK((co_await th.exec(Length{text})) == text.size());
}

TEST_CASE("bytes outside a wasm_mt message are refused with a clear error", "[payloads][errors]") {
  nlohmann::json j;
  try {
    j = wasm_mt::bytes{1, 2, 3};
    FAIL("serialized bytes outside a message");
  } catch (const wasm_mt::error& e) {
    CHECK(e.kind() == wasm_mt::error_kind::bad_payload);
  }
}

// Integers and bools travel without a JSON value being built (detail/scalar_json.hpp):
// every value must come back, and a form that is not canonical gives what nlohmann/json
// gives.
ASYNC_TEST_CASE("integers and bools keep every value at both ends of their range", "[payloads]") {
  auto th = co_await test::spawn();
  using i64 = std::numeric_limits<std::int64_t>;
  CHECK((co_await th.exec(SameInt64{i64::min()})) == i64::min());
  CHECK((co_await th.exec(SameInt64{i64::max()})) == i64::max());
  CHECK((co_await th.exec(SameInt64{-1})) == -1);
  CHECK((co_await th.exec(SameUint64{std::numeric_limits<std::uint64_t>::max()})) ==
        std::numeric_limits<std::uint64_t>::max());
  CHECK((co_await th.exec(SameInt8{-128})) == -128);
  CHECK((co_await th.exec(SameBool{true})) == true);
  CHECK((co_await th.exec(SameBool{false})) == false);

  CHECK((co_await th.exec_js<int>("return 3.75;")) == nlohmann::json::parse("3.75").get<int>());
  CHECK((co_await th.exec_js<std::int64_t>("return 1e3;")) == 1000);
  auto e = co_await test::error_of(th.exec_js<int>("return 'three';"));
  CHECK(e.kind() == wasm_mt::error_kind::bad_payload);
  auto not_bool = co_await test::error_of(th.exec_js<bool>("return 1;"));
  CHECK(not_bool.kind() == wasm_mt::error_kind::bad_payload);
}

ASYNC_TEST_CASE("plain captures decode as they would through a JSON value", "[payloads]") {
  using payloads_test::Plain;
  auto th = co_await test::spawn();
  auto echoed = [](const Plain& p) { return nlohmann::json{{"i", p.i}, {"d", p.d}, {"b", p.b}, {"s", p.s}, {"u", p.u}}.dump(); };
  Plain sent{-7, 0.1, true, "quote\" \\ \n \u00fcnic\u00f6de \U0001F600", std::numeric_limits<std::uint64_t>::max()};
  CHECK((co_await th.exec(sent)) == echoed(sent));
  CHECK((co_await th.exec(Plain{})) == echoed(Plain{}));

  // Not the plain case: each goes through the JSON value, with its conversions and errors.
  nlohmann::json extra = {{"i", 1}, {"d", 2}, {"b", false}, {"s", ""}, {"u", 3}, {"unknown", {1, 2}}};
  CHECK((co_await th.exec_by_name<std::string>("payloads_test::Plain", extra)) == echoed(Plain{1, 2, false, "", 3}));
  nlohmann::json fractional = {{"i", 2.75}, {"d", 1}, {"b", true}, {"s", "x"}, {"u", 4}};
  CHECK((co_await th.exec_by_name<std::string>("payloads_test::Plain", fractional)) == echoed(Plain{2, 1, true, "x", 4}));
  auto missing = co_await test::error_of(th.exec_by_name<std::string>("payloads_test::Plain", {{"i", 1}}));
  CHECK(missing.kind() == wasm_mt::error_kind::bad_payload);
  auto wrong = co_await test::error_of(
      th.exec_by_name<std::string>("payloads_test::Plain", {{"i", "one"}, {"d", 1}, {"b", true}, {"s", ""}, {"u", 1}}));
  CHECK(wrong.kind() == wasm_mt::error_kind::bad_payload);
  CHECK_THAT(wrong.message(), Catch::Contains("type must be number"));

  // A capture that cannot be written fails like any other, before it is sent.
  auto unwritable = co_await test::error_of(th.exec(Plain{1, 2, true, std::string("\xff\xfe", 2), 3}));
  CHECK(unwritable.kind() == wasm_mt::error_kind::bad_payload);
  CHECK_THAT(unwritable.message(), Catch::Contains("cannot encode"));
}

// What the codec's fuzz target found (scripts/fuzz.sh): each once read as a value.
TEST_CASE("text that is not JSON is never read as a value: leading zeros, a NUL byte", "[payloads]") {
  CHECK_FALSE(wasm_mt::detail::scalar_from_json<int>("023"));
  CHECK_FALSE(wasm_mt::detail::scalar_from_json<int>("-01"));
  CHECK(wasm_mt::detail::scalar_from_json<int>("0") == 0);
  CHECK(wasm_mt::detail::scalar_from_json<int>("-0") == 0);
  for (std::string text : {std::string("023"), std::string("5\0[[[", 5), std::string("{\"a\":1}\0", 8)}) {
    INFO(text);
    try {
      (void)wasm_mt::detail::decode<nlohmann::json>(text, 0);
      FAIL("decoded");
    } catch (const wasm_mt::error& e) {
      CHECK(e.kind() == wasm_mt::error_kind::bad_payload);
    }
  }
}

// The direct way (detail/json_text.hpp) against nlohmann/json itself, on random values and
// on random damage to their text: every text the direct way writes must be nlohmann's
// value, and every text it reads must read as nlohmann reads it.
TEST_CASE("captures' text agrees with nlohmann/json, written and read directly", "[payloads]") {
  using payloads_test::Text;
  std::uint32_t state = 12345;
  auto next = [&state](std::uint32_t below) {
    state = state * 1664525u + 1013904223u;
    return (state >> 8) % below;
  };
  const std::string pieces[] = {"a", "Z", " ", "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t", std::string(1, '\0'),
                                "\x01", "\x1f", "\x7f", "\u00e9", "\u20ac", "\U0001F600", "\xff", "\x80", "\xc0\x80",
                                "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82"};
  auto random_text = [&] {
    Text t;
    t.n = static_cast<std::int64_t>((std::uint64_t{next(1u << 31)} << 33) ^ next(1u << 31));
    if (next(8) == 0) t.n = next(2) ? std::numeric_limits<std::int64_t>::min() : std::numeric_limits<std::int64_t>::max();
    t.b = next(2);
    for (std::uint32_t k = next(6); k > 0; --k) t.s += pieces[next(std::size(pieces))];
    t.u = next(4) == 0 ? std::numeric_limits<std::uint64_t>::max() : next(1000000);
    t.h = static_cast<short>(next(65536));
    return t;
  };

  int written = 0, refused = 0, read_directly = 0;
  std::vector<std::string> disagreements;  // the first few, for the report
  auto disagree = [&](const std::string& what, const std::string& text) {
    if (disagreements.size() < 5) disagreements.push_back(what + ": " + nlohmann::json(text).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace));
  };
  for (int round = 0; round < 3000; ++round) {
    Text value = random_text();
    std::string direct;
    bool direct_ok = true;
    try {
      direct = wasm_mt::detail::encode(value).json;
    } catch (const wasm_mt::error& e) {
      direct_ok = e.kind() != wasm_mt::error_kind::bad_payload;
    }
    std::string reference;
    bool reference_ok = true;
    try {
      reference = nlohmann::json(value).dump();
    } catch (const nlohmann::json::exception&) {
      reference_ok = false;
    }
    if (direct_ok != reference_ok) {
      disagree(direct_ok ? "written, nlohmann refuses" : "refused, nlohmann writes", value.s);
      continue;
    }
    if (!direct_ok) {
      ++refused;
      continue;
    }
    ++written;
    if (nlohmann::json::parse(direct) != nlohmann::json::parse(reference)) disagree("written differently", direct);

    // Read back, as written and after damage (a byte dropped, changed or doubled).
    for (int variant = 0; variant < 4; ++variant) {
      std::string text = direct;
      std::size_t at = next(static_cast<std::uint32_t>(text.size()));
      if (variant == 1) text.erase(at, 1);
      if (variant == 2) text[at] = "{}[],:\"\\0-+.eEtfu \x80"[next(19)];
      if (variant == 3) text.insert(at, 1, text[at]);
      Text read;
      bool direct_read = false;
      try {
        direct_read = wasm_mt::detail::read_text(text, read);
      } catch (const std::exception&) {  // (decode then reads through the DOM, which says why)
      }
      if (!direct_read) {
        if (variant == 0) disagree("cannot read what it wrote", text);
        continue;
      }
      ++read_directly;
      try {
        if (read != nlohmann::json::parse(text).get<Text>()) disagree("read differently", text);
      } catch (const nlohmann::json::exception&) {
        disagree("read, nlohmann refuses", text);
      }
    }
  }
  INFO("written " << written << ", refused " << refused << ", read directly " << read_directly);
  CHECK(disagreements == std::vector<std::string>{});
  CHECK(written > 1000);
  CHECK(refused > 100);
  CHECK(read_directly > written);

  // Forms nlohmann writes differently, which the direct way reads all the same.
  Text read;
  REQUIRE(wasm_mt::detail::read_text(
      " {\n \"s\" : \"\\u00e9\\ud83d\\ude00\\/\" ,\"h\":-0,\"u\":1,\"b\":true ,\"n\":-9223372036854775808}\t", read));
  CHECK(read == Text{std::numeric_limits<std::int64_t>::min(), true, "\u00e9\U0001F600/", 1, 0});
  // A leaf in another form than wasm_mt writes: parsed alone, converted as nlohmann does.
  for (const char* text : {R"({"n":1.5,"b":true,"s":"","u":1,"h":1})", R"({"n":1e2,"b":true,"s":"","u":1,"h":1})"}) {
    INFO(text);
    REQUIRE(wasm_mt::detail::read_text(text, read));
    CHECK(read == nlohmann::json::parse(text).get<Text>());
  }
  // Forms left to nlohmann's DOM: a lone surrogate, an unknown key, a duplicate, 1e400,
  // a missing field, a syntax error after the value, a byte order mark inside (nlohmann
  // skips one at the start of what it parses: not in the middle of a value).
  for (const char* text : {"{\"n\":\xEF\xBB\xBF" "1,\"b\":true,\"s\":\"\",\"u\":1,\"h\":1}",R"({"n":1,"b":true,"s":"\ud83d","u":1,"h":1})", R"({"n":1,"b":true,"s":"","u":1,"h":1,"x":0})",
                           R"({"n":1,"n":2,"b":true,"s":"","u":1,"h":1})", R"({"n":1,"b":true,"s":"","u":1e400,"h":1})",
                           R"({"n":1,"b":true,"s":"","u":1})", R"({"n":1,"b":true,"s":"","u":1,"h":1}])"})
    CHECK_FALSE(wasm_mt::detail::read_text(text, read));
}
