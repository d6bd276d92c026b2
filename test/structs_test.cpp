// Described structs (WASM_MT_STRUCT): the numbers they hold travel as binary at any depth
// (in structs, vectors of structs, maps' values, events, stream items); vectors of
// all-number structs (records) as one buffer with their layout.
#include <array>
#include <cstdint>
#include <limits>
#include <list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "async_test.hpp"

namespace structs_test {

struct Tile {
  int y = 0;
  std::vector<std::uint8_t> pixels;
  bool operator==(const Tile&) const = default;
};
WASM_MT_STRUCT(Tile, y, pixels)

// The same JSON form, with the pixels read as raw bytes: reading it succeeds only if the
// pixels came as a binary buffer (wasm_mt::bytes does not read a JSON array).
struct TileWire {
  int y = 0;
  wasm_mt::bytes pixels;
};
WASM_MT_STRUCT(TileWire, y, pixels)

struct Point {
  std::int32_t id = 0;
  float x = 0, y = 0;
  bool operator==(const Point&) const = default;
};
WASM_MT_STRUCT(Point, id, x, y)

// Another program's idea of a point: its fields reordered and wider.
struct PointWide {
  double y = 0;
  std::int64_t id = 0;
  double x = 0;
};
WASM_MT_STRUCT(PointWide, y, id, x)

struct PointZ {
  std::int32_t id = 0;
  float z = 0;
};
WASM_MT_STRUCT(PointZ, id, z)

struct Cloud {
  std::string name;
  std::vector<Point> points;
  std::map<std::string, std::vector<float>> channels;
  std::optional<std::vector<double>> weights;
  std::vector<Tile> tiles;
  std::optional<Tile> cover;
  std::map<std::string, Tile> named;
  bool operator==(const Cloud&) const = default;
};
WASM_MT_STRUCT(Cloud, name, points, channels, weights, tiles, cover, named)

// Each of these reads a binary value only: a JSON array would fail.
struct CloudWire {
  std::string name;
  wasm_mt::bytes points;
  std::map<std::string, wasm_mt::bytes> channels;
  wasm_mt::bytes weights;
  std::vector<TileWire> tiles;
  TileWire cover;
  std::map<std::string, TileWire> named;
};
WASM_MT_STRUCT(CloudWire, name, points, channels, weights, tiles, cover, named)

// Tile's form with its pixels as raw JSON: the plain form (an array), as at the top level.
struct TileAny {
  int y = 0;
  nlohmann::json pixels;
};
WASM_MT_STRUCT(TileAny, y, pixels)

Cloud make_cloud(int n) {
  Cloud c;
  c.name = "cloud";
  for (int i = 0; i < n; ++i) c.points.push_back({i, i * 0.5f, -i * 0.25f});
  c.channels["red"] = {1.5f, 2.5f};
  c.channels["empty"] = {};
  c.weights = std::vector<double>{0.125, 8};
  c.tiles = {{3, {1, 2, 3}}, {4, {}}};
  c.cover = Tile{5, {9, 8}};
  c.named["n"] = Tile{6, {7}};
  return c;
}

struct EchoCloud {
  Cloud cloud;
  Cloud operator()() { return std::move(cloud); }
};
WASM_MT_CLOSURE(EchoCloud, cloud)

// The DOM decodes of the worker's thread so far, after its captures were decoded.
struct DomDecodes {
  Cloud cloud;
  std::uint64_t operator()() const { return wasm_mt::detail::dom_decodes(); }
};
WASM_MT_CLOSURE(DomDecodes, cloud)

struct MakeTiles {
  int count = 0;
  int size = 0;
  std::vector<Tile> operator()() const {
    std::vector<Tile> out;
    for (int i = 0; i < count; ++i) out.push_back({i, std::vector<std::uint8_t>(size, std::uint8_t(i))});
    return out;
  }
};
WASM_MT_CLOSURE(MakeTiles, count, size)

struct MakePoints {
  int count = 0;
  std::vector<Point> operator()() const {
    std::vector<Point> out;
    for (int i = 0; i < count; ++i) out.push_back({i, i * 1.5f, float(-i)});
    return out;
  }
};
WASM_MT_CLOSURE(MakePoints, count)

struct SumPoints {
  std::array<Point, 3> three{};
  std::map<std::string, std::vector<std::vector<int>>> grid;
  double operator()() const {
    double sum = 0;
    for (const Point& p : three) sum += p.id + p.x + p.y;
    for (const auto& [key, rows] : grid)
      for (const auto& row : rows)
        for (int v : row) sum += v;
    return sum;
  }
};
WASM_MT_CLOSURE(SumPoints, three, grid)

struct EmitTiles {
  int count = 0;
  wasm_mt::task<int> operator()() const {
    for (int i = 0; i < count; ++i) co_await wasm_mt::this_request::emit(Tile{i, {std::uint8_t(i), 7}});
    co_return count;
  }
};
WASM_MT_CLOSURE(EmitTiles, count)

struct StreamPoints {
  int batches = 0;
  wasm_mt::generator<std::vector<Point>> operator()() const {
    for (int b = 0; b < batches; ++b) co_yield std::vector<Point>{{b, 1, 2}, {b, 3, 4}};
  }
};
WASM_MT_CLOSURE(StreamPoints, batches)

// A type of the user's own whose to_json makes described structs as temporaries: what
// they send must be copied before the temporaries go.
struct TwoPlanes {
  std::vector<std::uint8_t> a, b;
};
inline void to_json(nlohmann::json& j, const TwoPlanes& p) {
  j["a"] = Tile{0, p.a};  // (a temporary Tile, destroyed at the end of the statement)
  j["b"] = Tile{1, p.b};
}
inline void from_json(const nlohmann::json& j, TwoPlanes& p) {
  p.a = j.at("a").get<Tile>().pixels;
  p.b = j.at("b").get<Tile>().pixels;
}
struct MakePlanes {
  int size = 0;
  TwoPlanes operator()() const {
    return {std::vector<std::uint8_t>(size, 1), std::vector<std::uint8_t>(size, 2)};
  }
};
WASM_MT_CLOSURE(MakePlanes, size)

// The same with wasm_mt::bytes as the temporaries.
struct TwoBlobs {
  std::vector<std::uint8_t> a, b;
};
inline void to_json(nlohmann::json& j, const TwoBlobs& p) {
  j["a"] = wasm_mt::bytes(p.a.data(), p.a.size());
  j["b"] = wasm_mt::bytes(p.b.data(), p.b.size());
}
inline void from_json(const nlohmann::json& j, TwoBlobs& p) {
  const auto a = j.at("a").get<wasm_mt::bytes>();
  const auto b = j.at("b").get<wasm_mt::bytes>();
  p.a.assign(a.begin(), a.end());
  p.b.assign(b.begin(), b.end());
}
struct MakeBlobs {
  int size = 0;
  TwoBlobs operator()() const { return {std::vector<std::uint8_t>(size, 3), std::vector<std::uint8_t>(size, 4)}; }
};
WASM_MT_CLOSURE(MakeBlobs, size)

// A container of the user's own, with its own JSON form: kept, not walked.
struct Series : std::vector<std::vector<float>> {
  std::string unit;
};
inline void to_json(nlohmann::json& j, const Series& s) {
  j = {{"unit", s.unit}, {"rows", static_cast<const std::vector<std::vector<float>>&>(s)}};
}
inline void from_json(const nlohmann::json& j, Series& s) {
  s.unit = j.at("unit").get<std::string>();
  static_cast<std::vector<std::vector<float>>&>(s) = j.at("rows").get<std::vector<std::vector<float>>>();
}
struct MakeSeries {
  Series operator()() const {
    Series s;
    s.unit = "mV";
    s.push_back({1, 2});
    return s;
  }
};
WASM_MT_CLOSURE(MakeSeries)
static_assert(!wasm_mt::detail::carries_binary<Series>() && !wasm_mt::detail::carries_binary<nlohmann::ordered_json>());

// A described struct derived from another: a record of its own.
struct Point3 : Point {
  float z = 0;
  bool operator==(const Point3&) const = default;
};
WASM_MT_STRUCT(Point3, id, x, y, z)
static_assert(wasm_mt::detail::record<Point3> && wasm_mt::detail::record<Point>);

struct EchoPoints3 {
  std::vector<Point3> points;
  std::vector<Point3> operator()() { return std::move(points); }
};
WASM_MT_CLOSURE(EchoPoints3, points)

// Tile's JSON form read into other containers: binary read at any depth.
struct TileList {
  int y = 0;
  std::list<int> pixels;
};
WASM_MT_STRUCT(TileList, y, pixels)

struct Channels {
  std::map<std::string, std::vector<float>> operator()() const { return {{"a", {1.5f, 2.5f}}, {"b", {}}}; }
};
WASM_MT_CLOSURE(Channels)

// Records whose layout is whatever the test says: a hostile or broken sender.
struct ForgedRecords {
  wasm_mt::bytes data;
  nlohmann::json size;
  nlohmann::json fields;
};
inline void to_json(nlohmann::json& j, const ForgedRecords& f) {
  wasm_mt::to_json(j, f.data);
  j["t"] = "record";
  j["size"] = f.size;
  j["fields"] = f.fields;
}
inline void from_json(const nlohmann::json&, ForgedRecords&) {}

struct Forge {
  std::uint32_t length = 0;
  nlohmann::json size;
  nlohmann::json fields;
  std::uint8_t fill = 0xAB;
  ForgedRecords operator()() const { return {wasm_mt::bytes(std::vector<std::uint8_t>(length, fill).data(), length), size, fields}; }
};
WASM_MT_CLOSURE(Forge, length, size, fields, fill)

// 1.5 and another float: 0 1e20, 1 -3e9, 2 NaN, 3 infinity, 4 -2^31, 5 1e20 again.
struct Huge {
  int which = 0;
  std::vector<float> operator()() const {
    const float values[] = {1e20f, -3e9f, std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                            -2147483648.0f, 1e20f};
    return {1.5f, values[which]};
  }
};
WASM_MT_CLOSURE(Huge, which)

}  // namespace structs_test

using namespace structs_test;

ASYNC_TEST_CASE("structs: numbers in described structs travel as binary at any depth, there and back", "[payloads]") {
  auto th = co_await test::spawn();
  const Cloud sent = make_cloud(1000);
  CHECK((co_await th.exec(EchoCloud{sent})) == sent);
  // On the wire every vector of numbers and of records, in a map, an optional or a
  // vector of structs, was a binary buffer.
  CloudWire wire = co_await th.exec_by_name<CloudWire>(wasm_mt::closure_name<EchoCloud>(), [&] {
    nlohmann::json captures;
    captures["cloud"] = sent;  // (raw JSON captures: arrays, read by the worker as they are)
    return captures;
  }());
  CHECK(wire.points.size() == 1000 * sizeof(Point));
  CHECK(wire.channels.at("red").size() == 2 * sizeof(float));
  CHECK(wire.channels.at("empty").size() == 0);
  CHECK(wire.weights.size() == 2 * sizeof(double));
  REQUIRE(wire.tiles.size() == 2);
  CHECK((wire.tiles[0].y == 3 && wire.tiles[0].pixels == wasm_mt::bytes{1, 2, 3}));
  CHECK((wire.cover.y == 5 && wire.cover.pixels == wasm_mt::bytes{9, 8}));
  CHECK(wire.named.at("n").pixels == wasm_mt::bytes{7});
  auto any = co_await th.exec_by_name<std::vector<TileAny>>(wasm_mt::closure_name<MakeTiles>(), {{"count", 2}, {"size", 2}});
  REQUIRE(any.size() == 2);
  CHECK(any[1].pixels == nlohmann::json({1, 1}));
  // Raw JSON sees the plain form, records as objects.
  nlohmann::json raw = co_await th.exec_by_name(wasm_mt::closure_name<EchoCloud>(), {{"cloud", make_cloud(2)}});
  CHECK(raw == nlohmann::json(make_cloud(2)));
  CHECK(raw["points"][1] == nlohmann::json({{"id", 1}, {"x", 0.5}, {"y", -0.25}}));
  // An empty optional, and nlohmann's plain JSON of the struct outside a message.
  Cloud none = make_cloud(0);
  none.weights.reset();
  CHECK((co_await th.exec(EchoCloud{none})) == none);
  CHECK(nlohmann::json(make_cloud(1))["channels"]["red"] == nlohmann::json({1.5, 2.5}));

  CHECK((co_await th.exec(SumPoints{{Point{1, 2, 3}, Point{4, 5, 6}, Point{7, 8, 9}}, {{"a", {{1, 2}, {}, {3}}}}})) == 51);
}

ASYNC_TEST_CASE("structs: what wasm_mt writes is read straight from the text, with no JSON value", "[payloads]") {
  auto th = co_await test::spawn();
  const Cloud sent = make_cloud(100);
  // The caller's side: results of described structs, vectors of them, maps, records.
  const std::uint64_t before = wasm_mt::detail::dom_decodes();
  CHECK((co_await th.exec(EchoCloud{sent})) == sent);
  CHECK((co_await th.exec(MakeTiles{4, 3})).size() == 4);
  CHECK((co_await th.exec(MakePoints{5})).size() == 5);
  CHECK(wasm_mt::detail::dom_decodes() == before);
  // The worker's side: a capture holding all of it, twice (the first call may be the
  // worker's first decode of anything).
  const std::uint64_t first = co_await th.exec(DomDecodes{sent});
  CHECK((co_await th.exec(DomDecodes{sent})) == first);
  // Text in another form is read through the DOM, as it was: raw JSON captures with a key
  // the closure does not have.
  nlohmann::json captures = {{"cloud", sent}, {"unknown", 1}};
  CHECK((co_await th.exec_by_name<std::uint64_t>(wasm_mt::closure_name<DomDecodes>(), captures)) == first + 1);
  // Inline closures' captures are read straight from the text too.
  const std::uint64_t inline_read = co_await WASM_MT_EXEC(th, (sent), {
    return sent.points.size() == 100 ? wasm_mt::detail::dom_decodes() : 0;
  });
  CHECK(inline_read == first + 1);
}

ASYNC_TEST_CASE("structs: vectors of structs with vectors, and of records, in results", "[payloads]") {
  auto th = co_await test::spawn();
  auto tiles = co_await th.exec(MakeTiles{16, 65536});
  REQUIRE(tiles.size() == 16);
  for (int i = 0; i < 16; ++i) CHECK((tiles[i].y == i && tiles[i].pixels == std::vector<std::uint8_t>(65536, i)));
  auto tiles_wire = co_await th.exec_by_name<std::vector<TileWire>>(wasm_mt::closure_name<MakeTiles>(), {{"count", 2}, {"size", 5}});
  CHECK((tiles_wire.size() == 2 && tiles_wire[1].pixels.size() == 5));

  auto points = co_await th.exec(MakePoints{10000});
  REQUIRE(points.size() == 10000);
  CHECK((points[9999] == Point{9999, 9999 * 1.5f, -9999}));
  // One buffer of the records' memory.
  auto one_buffer = co_await th.exec_by_name<wasm_mt::bytes>(wasm_mt::closure_name<MakePoints>(), {{"count", 10}});
  CHECK(one_buffer.size() == 10 * sizeof(Point));
  // Another layout converts by name, as JSON would; another container reads them too.
  auto wide = co_await th.exec_by_name<std::vector<PointWide>>(wasm_mt::closure_name<MakePoints>(), {{"count", 3}});
  REQUIRE(wide.size() == 3);
  CHECK((wide[2].id == 2 && wide[2].x == 3.0 && wide[2].y == -2.0));
  auto listed = co_await th.exec_by_name<std::list<Point>>(wasm_mt::closure_name<MakePoints>(), {{"count", 2}});
  CHECK(listed == std::list<Point>{{0, 0, 0}, {1, 1.5f, -1}});
  auto fixed = co_await th.exec_by_name<std::array<Point, 2>>(wasm_mt::closure_name<MakePoints>(), {{"count", 2}});
  CHECK((fixed[1] == Point{1, 1.5f, -1}));
  auto wrong_count = co_await test::error_of(th.exec_by_name<std::array<Point, 3>>(wasm_mt::closure_name<MakePoints>(), {{"count", 2}}));
  CHECK(wrong_count.kind() == wasm_mt::error_kind::bad_payload);
  // A field the receiver needs that was not sent: bad_payload naming it.
  auto missing = co_await test::error_of(th.exec_by_name<std::vector<PointZ>>(wasm_mt::closure_name<MakePoints>(), {{"count", 2}}));
  CHECK(missing.kind() == wasm_mt::error_kind::bad_payload);
  CHECK_THAT(missing.message(), Catch::Contains("without field 'z'"));
  // Raw JSON: objects.
  CHECK((co_await th.exec_by_name(wasm_mt::closure_name<MakePoints>(), {{"count", 1}})) ==
        nlohmann::json::parse(R"([{"id":0,"x":0.0,"y":0.0}])"));
}

ASYNC_TEST_CASE("structs: what nlohmann reaches is copied, own JSON forms kept, other receivers read binary", "[payloads]") {
  auto th = co_await test::spawn();
  // Temporaries made by a to_json of the user's own: each plane keeps its bytes.
  TwoPlanes planes = co_await th.exec(MakePlanes{65536});
  CHECK((planes.a == std::vector<std::uint8_t>(65536, 1) && planes.b == std::vector<std::uint8_t>(65536, 2)));
  TwoBlobs blobs = co_await th.exec(MakeBlobs{65536});
  CHECK((blobs.a == std::vector<std::uint8_t>(65536, 3) && blobs.b == std::vector<std::uint8_t>(65536, 4)));
  Series series = co_await th.exec(MakeSeries{});
  CHECK((series.unit == "mV" && series.size() == 1 && series[0] == std::vector<float>{1, 2}));
  std::vector<Point3> points3 = {{{1, 2, 3}, 4}, {{5, 6, 7}, 8}};
  CHECK((co_await th.exec(EchoPoints3{points3})) == points3);
  auto as_list = co_await th.exec_by_name<std::vector<TileList>>(wasm_mt::closure_name<MakeTiles>(), {{"count", 2}, {"size", 3}});
  REQUIRE(as_list.size() == 2);
  CHECK((as_list[1].y == 1 && as_list[1].pixels == std::list<int>{1, 1, 1}));
  auto as_sets = co_await th.exec_by_name<std::map<std::string, std::set<double>>>(wasm_mt::closure_name<Channels>(), nullptr);
  CHECK(as_sets == std::map<std::string, std::set<double>>{{"a", {1.5, 2.5}}, {"b", {}}});
}

ASYNC_TEST_CASE("structs: events and stream items holding binary", "[payloads][streams]") {
  auto th = co_await test::spawn();
  std::vector<Tile> seen;
  std::vector<TileWire> seen_wire;
  CHECK((co_await th.exec(EmitTiles{3}, {.on_event = [&](const Tile& t) { seen.push_back(t); }})) == 3);
  CHECK(seen == std::vector<Tile>{{0, {0, 7}}, {1, {1, 7}}, {2, {2, 7}}});
  CHECK((co_await th.exec(EmitTiles{2}, {.on_event = [&](const TileWire& t) { seen_wire.push_back(t); }})) == 2);
  REQUIRE(seen_wire.size() == 2);
  CHECK(seen_wire[1].pixels == wasm_mt::bytes{1, 7});

  auto items = th.stream(StreamPoints{5});
  int batches = 0;
  while (auto batch = co_await items.next()) {
    CHECK((batch->size() == 2 && (*batch)[1] == Point{batches, 3, 4}));
    ++batches;
  }
  CHECK(batches == 5);
}

ASYNC_TEST_CASE("structs: records with a broken layout fail bad_payload, nothing read outside the buffer", "[payloads][faults]") {
  auto th = co_await test::spawn();
  const auto forge = wasm_mt::closure_name<Forge>();
  const nlohmann::json good_fields = nlohmann::json::parse(R"([["id","i32",0],["x","f32",4],["y","f32",8]])");
  // The forged form itself reads, when it is sound.
  auto fine = co_await th.exec_by_name<std::vector<Point>>(forge, {{"length", 24}, {"size", 12}, {"fields", good_fields}, {"fill", 0xAB}});
  CHECK(fine.size() == 2);
  std::vector<std::pair<nlohmann::json, std::string>> broken = {
      {{{"length", 24}, {"size", 0}, {"fields", good_fields}}, "\"size\""},
      {{{"length", 24}, {"size", -12}, {"fields", good_fields}}, "\"size\""},
      {{{"length", 24}, {"size", 1 << 20}, {"fields", good_fields}}, "\"size\""},
      {{{"length", 25}, {"size", 12}, {"fields", good_fields}}, "not whole records"},
      {{{"length", 24}, {"size", 8}, {"fields", good_fields}}, "lies outside its record"},
      {{{"length", 24}, {"size", 12}, {"fields", nlohmann::json::parse(R"([["id","i32",4294967295]])")}}, "lies outside"},
      {{{"length", 24}, {"size", 12}, {"fields", nlohmann::json::parse(R"([["id","i32",10]])")}}, "lies outside"},
      {{{"length", 24}, {"size", 12}, {"fields", nlohmann::json::parse(R"([["id","c128",0]])")}}, "unknown element type"},
      {{{"length", 24}, {"size", 12}, {"fields", nlohmann::json::parse(R"([["id"]])")}}, "[name, element type, offset]"},
      {{{"length", 24}, {"size", 12}, {"fields", "x"}}, "\"fields\""},
      {{{"length", 24}, {"size", 12}, {"fields", nlohmann::json::parse(R"([["id","i32",0],["x","f32",2],["y","f32",8]])")}}, "overlap"},
      {{{"length", 24}, {"size", 12}, {"fields", nlohmann::json::parse(R"([["id","i32",0],["id","f32",4],["y","f32",8]])")}}, "share a name"},
  };
  // A float out of an integer's range (or NaN) is refused, not cast (undefined in C++).
  const nlohmann::json floats_as_ids = {{"length", 24}, {"size", 12}, {"fill", 0x7F},
                                        {"fields", nlohmann::json::parse(R"([["id","f32",0],["x","f32",4],["y","f32",8]])")}};
  broken.push_back({floats_as_ids, "out of the range of i32"});
  for (int bad = 0; bad < 4; ++bad) {
    auto e = co_await test::error_of(th.exec_by_name<std::vector<int>>(wasm_mt::closure_name<Huge>(), {{"which", bad}}));
    CHECK(e.kind() == wasm_mt::error_kind::bad_payload);
    CHECK_THAT(e.message(), Catch::Contains("out of the range of i32"));
  }
  CHECK((co_await th.exec_by_name<std::vector<int>>(wasm_mt::closure_name<Huge>(), {{"which", 4}})) ==
        std::vector<int>{1, -2147483647 - 1});
  CHECK((co_await th.exec_by_name<std::vector<double>>(wasm_mt::closure_name<Huge>(), {{"which", 5}}))[1] == double(1e20f));
  for (auto [captures, why] : broken) {
    if (!captures.contains("fill")) captures["fill"] = 0xAB;
    INFO(captures.dump());
    auto e = co_await test::error_of(th.exec_by_name<std::vector<Point>>(forge, captures));
    CHECK(e.kind() == wasm_mt::error_kind::bad_payload);
    CHECK_THAT(e.message(), Catch::Contains(why));
    // Raw JSON readers check the layout as well (and take any number as it was sent).
    if (captures == floats_as_ids) continue;
    auto raw = co_await test::error_of(th.exec_by_name(forge, captures));
    CHECK(raw.kind() == wasm_mt::error_kind::bad_payload);
  }
}
