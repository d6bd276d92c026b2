// wasm_mt's side of the benchmarks. The page's orchestrator (page/bench.js) asks for one
// measurement at a time, so wasm_mt and the JS baselines interleave in one run:
//   Module._bench_start(kind, a, b, token)  ->  window.benchDone(token, JSON result)
#include <emscripten/emscripten.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include <wasm_mt/wasm_mt.hpp>

#include "render_rows.hpp"

namespace {

struct Tiny {
  int a = 0, b = 0;
  int operator()() const { return a + b; }
};
WASM_MT_CLOSURE(Tiny, a, b)

// Echoes are non-const: they hand their captures back without another copy.
struct EchoBytes {
  wasm_mt::bytes data;
  wasm_mt::bytes operator()() { return std::move(data); }
};
WASM_MT_CLOSURE(EchoBytes, data)

struct EchoFloats {
  std::vector<float> values;
  std::vector<float> operator()() { return std::move(values); }
};
WASM_MT_CLOSURE(EchoFloats, values)

// The same floats as a JSON array (what a std::vector<float> cost before it went binary).
struct EchoFloatsJson {
  nlohmann::json values;
  nlohmann::json operator()() { return std::move(values); }
};
WASM_MT_CLOSURE(EchoFloatsJson, values)

// Structs holding numbers (docs/benchmarks.md, "Structs"): tiles of pixels, small records
// of numbers, a map of float vectors, described with WASM_MT_STRUCT; and the same tiles
// with only nlohmann's JSON form.
struct BenchTile {
  int y = 0;
  std::vector<std::uint8_t> pixels;
};
WASM_MT_STRUCT(BenchTile, y, pixels)

struct EchoTiles {
  std::vector<BenchTile> tiles;
  std::vector<BenchTile> operator()() { return std::move(tiles); }
};
WASM_MT_CLOSURE(EchoTiles, tiles)

struct JsonTile {
  int y = 0;
  std::vector<std::uint8_t> pixels;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(JsonTile, y, pixels)

struct EchoJsonTiles {
  std::vector<JsonTile> tiles;
  std::vector<JsonTile> operator()() { return std::move(tiles); }
};
WASM_MT_CLOSURE(EchoJsonTiles, tiles)

struct BenchPoint {
  std::int32_t id = 0;
  float x = 0, y = 0;
};
WASM_MT_STRUCT(BenchPoint, id, x, y)

struct EchoPoints {
  std::vector<BenchPoint> points;
  std::vector<BenchPoint> operator()() { return std::move(points); }
};
WASM_MT_CLOSURE(EchoPoints, points)

struct EchoFloatMap {
  std::map<std::string, std::vector<float>> channels;
  std::map<std::string, std::vector<float>> operator()() { return std::move(channels); }
};
WASM_MT_CLOSURE(EchoFloatMap, channels)

// `count` tiles of `size` bytes, as T.
template <class T>
std::vector<T> make_tiles(std::size_t count, std::size_t size) {
  std::vector<T> tiles(count);
  for (std::size_t i = 0; i < count; ++i) tiles[i] = {int(i), std::vector<std::uint8_t>(size, std::uint8_t(i))};
  return tiles;
}

// The sum of an image the caller keeps: shared (no copy first), or copied into the
// capture (what a std::vector field costs a caller that keeps its image).
struct SumShared {
  std::shared_ptr<const std::vector<float>> image;
  double operator()() const { return image ? std::accumulate(image->begin(), image->end(), 0.0) : -1; }
};
WASM_MT_CLOSURE(SumShared, image)

struct SumCopied {
  std::vector<float> image;
  double operator()() const { return std::accumulate(image.begin(), image.end(), 0.0); }
};
WASM_MT_CLOSURE(SumCopied, image)

struct EchoText {
  std::string text;
  std::string operator()() { return std::move(text); }
};
WASM_MT_CLOSURE(EchoText, text)

using julia::RenderRows;

// Emits `count` events (this_request::emit), then returns.
struct EmitMany {
  int count = 0;
  int operator()() const {
    for (int i = 0; i < count; ++i) wasm_mt::this_request::emit(i);
    return count;
  }
};
WASM_MT_CLOSURE(EmitMany, count)

// Streams `count` ints.
struct StreamMany {
  int count = 0;
  wasm_mt::generator<int> operator()() const {
    for (int i = 0; i < count; ++i) co_yield i;
  }
};
WASM_MT_CLOSURE(StreamMany, count)

struct HeapBytes {
  double operator()() const { return __builtin_wasm_memory_size(0) * 65536.0; }
};
WASM_MT_CLOSURE(HeapBytes)

enum kind : int {
  latency = 1,         // a: calls, one after another -> microseconds per call
  thread_start = 2,    // a: threads asked for at once, each until its first exec -> ms for all;
                       // b: 0 thread::start (exec at once), 1 thread::spawn (exec once ready)
  throughput = 3,      // a: tasks, b: pool threads -> tasks per second
  julia_one_task = 4,  // the whole image as one task on one thread -> ms
  julia_tiled = 5,     // a: pool threads, b: tiles -> ms
  payload_bytes = 6,   // a: MiB of bytes, round trip -> ms
  payload_json = 7,    // a: MiB of JSON string capture, round trip -> ms
  heap_per_thread = 9, // -> bytes of wasm memory of a fresh worker
  latency_exec_js = 10,  // a: exec_js calls, one after another -> microseconds per call
  hold_threads = 11,     // a: threads started and kept (0: let them go) -> a
  same_thread_echo = 12, // the latency thread's worker also echoes the message 0 -> 1
  payload_floats = 13,       // a: MiB of std::vector<float>, round trip -> ms
  payload_floats_json = 14,  // a: MiB of floats as a JSON array capture, round trip -> ms
  events = 15,          // a: events from one closure to a handler -> microseconds per event
  events_unhandled = 16,  // a: the same events with no handler (dropped in the worker) -> µs per event
  stream_items = 17,    // a: ints streamed from a generator, read one by one -> µs per item
  payload_tiles = 18,       // a: MiB as b WASM_MT_STRUCT tiles (int + vector<uint8_t>; 0: 16 a MiB), round trip -> ms
  payload_tiles_json = 19,  // a: MiB as the same tiles with only nlohmann's JSON form, round trip -> ms
  payload_points = 20,      // a: records {int32 id; float x, y} (WASM_MT_STRUCT), round trip -> ms
  payload_float_map = 21,   // a: MiB as a std::map of 16 std::vector<float> a MiB, round trip -> ms
  payload_bytes_exact = 22, // a: bytes, round trip -> ms
  send_cost = 23,  // a: MiB of floats the caller keeps, sent to be summed; b: 1 as a std::shared_ptr,
                   // 0 copied into a std::vector capture -> ms exec() took on the calling thread
  latency_traced = 24,  // as latency, with a wasm_mt::trace recording every call -> µs per call
};

std::vector<wasm_mt::thread>& held_threads() {
  static std::vector<wasm_mt::thread> held;
  return held;
}

EM_JS(void, report, (int token, const char* json), { benchDone(token, UTF8ToString(json)); });

// The raw echo on the very threads wasm_mt's calls use: which cores two threads land on
// decides their round trip on this kind of machine (about 25 or 70-100 µs), so a raw
// echo in a worker of its own is no fair floor. The latency thread's worker echoes the
// message 0; the page reaches that worker as globalThis.benchSameThreadWorker.
const char* const same_thread_echo_js = R"(
  const port = typeof WorkerGlobalScope !== 'undefined' ? self : process.getBuiltinModule('worker_threads').parentPort;
  const answer = (data) => { if (data === 0) port.postMessage(0); };
  if (port.on) port.on('message', answer); else port.addEventListener('message', (e) => answer(e.data));
  return 1;)";
EM_JS(void, expose_latency_worker, (), {
  // The latency thread is the first bench.cpp spawns and outlives the rest: the smallest handle.
  var handle = Math.min.apply(null, Array.from(wasmMtParent.workers.keys()));
  globalThis.benchSameThreadWorker = wasmMtParent.workers.get(handle).worker;
});

std::map<std::size_t, wasm_mt::pool>& pools() {
  static std::map<std::size_t, wasm_mt::pool> by_size;
  return by_size;
}

wasm_mt::task<wasm_mt::pool*> pool_of(std::size_t threads) {
  auto found = pools().find(threads);
  if (found == pools().end())
    found = pools().emplace(threads, co_await wasm_mt::pool::create({.threads = threads, .label = "bench"})).first;
  co_return &found->second;
}

wasm_mt::thread* the_thread = nullptr;

wasm_mt::task<nlohmann::json> measure(int what, int a, int b) {
  if (!the_thread) the_thread = new wasm_mt::thread(co_await wasm_mt::thread::spawn("bench"));
  wasm_mt::thread& th = *the_thread;
  double start = emscripten_get_now();
  switch (what) {
    case latency: {
      for (int i = 0; i < a; ++i) co_await th.exec(Tiny{i, 1});
      co_return (emscripten_get_now() - start) * 1000.0 / a;
    }
    case latency_traced: {
      auto recording = wasm_mt::trace::start();
      start = emscripten_get_now();  // (the trace's start, which measures the clock's step, apart)
      for (int i = 0; i < a; ++i) co_await th.exec(Tiny{i, 1});
      const double per_call = (emscripten_get_now() - start) * 1000.0 / a;
      recording.stop();
      if (recording.records().size() != std::size_t(a))
        throw wasm_mt::error(wasm_mt::error_kind::bad_payload, "records lost: " + std::to_string(recording.records().size()));
      co_return per_call;
    }
    case latency_exec_js: {
      for (int i = 0; i < a; ++i) co_await th.exec_js("return 1;");
      co_return (emscripten_get_now() - start) * 1000.0 / a;
    }
    case thread_start: {
      std::vector<wasm_mt::thread> threads;
      if (b == 0) {
        for (int i = 0; i < a; ++i) threads.push_back(wasm_mt::thread::start());
      } else {
        std::vector<wasm_mt::future<wasm_mt::thread>> starting;
        for (int i = 0; i < a; ++i) starting.push_back(wasm_mt::thread::spawn());
        for (auto& s : starting) threads.push_back(co_await std::move(s));
      }
      std::vector<wasm_mt::future<int>> first_calls;
      for (auto& t : threads) first_calls.push_back(t.exec(Tiny{1, 2}));
      for (auto& f : first_calls) co_await std::move(f);
      co_return emscripten_get_now() - start;
    }
    case throughput: {
      wasm_mt::pool* pool = co_await pool_of(b);
      start = emscripten_get_now();
      std::vector<wasm_mt::job<int>> jobs;
      jobs.reserve(a);
      for (int i = 0; i < a; ++i) jobs.push_back(pool->exec(Tiny{i, 1}));
      for (auto& j : jobs) co_await j;
      co_return a / ((emscripten_get_now() - start) / 1000.0);
    }
    case julia_one_task: {
      co_await th.exec(RenderRows{});
      co_return emscripten_get_now() - start;
    }
    case julia_tiled: {
      wasm_mt::pool* pool = co_await pool_of(a);
      start = emscripten_get_now();
      const int rows = julia::height / b;
      auto tiles = co_await pool->map(b, [rows](std::size_t i) { return RenderRows{int(i) * rows, int(i + 1) * rows}; });
      co_return emscripten_get_now() - start;
    }
    case payload_bytes: {
      wasm_mt::bytes data(std::size_t(a) << 20);
      std::memset(data.data(), 7, data.size());
      start = emscripten_get_now();
      auto back = co_await th.exec(EchoBytes{std::move(data)});
      co_return emscripten_get_now() - start;
    }
    case payload_floats: {
      std::vector<float> values((std::size_t(a) << 20) / sizeof(float), 0.7f);
      start = emscripten_get_now();
      auto back = co_await th.exec(EchoFloats{std::move(values)});
      co_return emscripten_get_now() - start;
    }
    case payload_floats_json: {
      nlohmann::json values = std::vector<float>((std::size_t(a) << 20) / sizeof(float), 0.7f);
      start = emscripten_get_now();
      auto back = co_await th.exec(EchoFloatsJson{std::move(values)});
      co_return emscripten_get_now() - start;
    }
    case payload_tiles: {
      const std::size_t count = b > 0 ? std::size_t(b) : std::size_t(a) * 16;
      auto tiles = make_tiles<BenchTile>(count, (std::size_t(a) << 20) / count);
      start = emscripten_get_now();
      auto back = co_await th.exec(EchoTiles{std::move(tiles)});
      co_return emscripten_get_now() - start;
    }
    case payload_tiles_json: {
      auto tiles = make_tiles<JsonTile>(std::size_t(a) * 16, 65536);
      start = emscripten_get_now();
      auto back = co_await th.exec(EchoJsonTiles{std::move(tiles)});
      co_return emscripten_get_now() - start;
    }
    case payload_points: {
      std::vector<BenchPoint> points(a);
      for (int i = 0; i < a; ++i) points[i] = {i, i * 0.5f, i * 0.25f};
      start = emscripten_get_now();
      auto back = co_await th.exec(EchoPoints{std::move(points)});
      co_return emscripten_get_now() - start;
    }
    case payload_float_map: {
      std::map<std::string, std::vector<float>> channels;
      for (int i = 0; i < a * 16; ++i) channels["c" + std::to_string(i)] = std::vector<float>(65536 / sizeof(float), 0.5f);
      start = emscripten_get_now();
      auto back = co_await th.exec(EchoFloatMap{std::move(channels)});
      co_return emscripten_get_now() - start;
    }
    case payload_bytes_exact: {
      wasm_mt::bytes data(static_cast<std::size_t>(a));
      std::memset(data.data(), 7, data.size());
      start = emscripten_get_now();
      auto back = co_await th.exec(EchoBytes{std::move(data)});
      co_return emscripten_get_now() - start;
    }
    case send_cost: {
      static std::map<int, std::shared_ptr<const std::vector<float>>> kept;  // the caller's images
      auto& image = kept[a];
      if (!image) image = std::make_shared<const std::vector<float>>((std::size_t(a) << 20) / sizeof(float), 0.25f);
      const double expected = double(image->size()) * 0.25;
      double sent_ms = 0, sum = 0;
      start = emscripten_get_now();
      if (b == 1) {
        auto summed = th.exec(SumShared{image});
        sent_ms = emscripten_get_now() - start;
        sum = co_await std::move(summed);
      } else {
        auto summed = th.exec(SumCopied{*image});
        sent_ms = emscripten_get_now() - start;
        sum = co_await std::move(summed);
      }
      if (sum != expected) throw wasm_mt::error(wasm_mt::error_kind::bad_payload, "summed " + std::to_string(sum));
      co_return sent_ms;
    }
    case payload_json: {
      std::string text(std::size_t(a) << 20, 'x');
      start = emscripten_get_now();
      auto back = co_await th.exec(EchoText{std::move(text)});
      co_return emscripten_get_now() - start;
    }
    case hold_threads: {
      held_threads().clear();
      std::vector<wasm_mt::future<wasm_mt::thread>> starting;
      for (int i = 0; i < a; ++i) starting.push_back(wasm_mt::thread::spawn("held"));
      for (auto& s : starting) held_threads().push_back(co_await std::move(s));
      for (auto& t : held_threads()) co_await t.exec(Tiny{1, 2});
      co_return a;
    }
    case same_thread_echo: {
      co_await th.exec_js(same_thread_echo_js);
      expose_latency_worker();
      co_return 1;
    }
    case events:
    case events_unhandled: {
      int received = 0;
      wasm_mt::call_options options;
      if (what == events) options.on_event = [&received](int) { ++received; };
      co_await th.exec(EmitMany{a}, std::move(options));
      if (what == events && received != a)
        throw wasm_mt::error(wasm_mt::error_kind::bad_payload, "events lost: " + std::to_string(received) + " of " + std::to_string(a));
      co_return (emscripten_get_now() - start) * 1000.0 / a;
    }
    case stream_items: {
      auto items = th.stream(StreamMany{a}, {.stream_window = std::size_t(b ? b : 64)});
      int received = 0;
      while (co_await items.next()) ++received;
      if (received != a) throw wasm_mt::error(wasm_mt::error_kind::bad_payload, "items lost: " + std::to_string(received));
      co_return (emscripten_get_now() - start) * 1000.0 / a;
    }
    case heap_per_thread: {
      auto fresh = co_await wasm_mt::thread::spawn();
      co_return co_await fresh.exec(HeapBytes{});
    }
  }
  throw wasm_mt::error(wasm_mt::error_kind::bad_payload, "unknown benchmark " + std::to_string(what));
}

}  // namespace

extern "C" EMSCRIPTEN_KEEPALIVE void bench_start(int what, int a, int b, int token) {
  wasm_mt::spawn_local(measure(what, a, b))
      .then([token](nlohmann::json value) { report(token, nlohmann::json{{"value", value}}.dump().c_str()); },
            [token](const wasm_mt::error& e) { report(token, nlohmann::json{{"error", e.what()}}.dump().c_str()); })
      .detach();
}

int main() { EM_ASM({ if (typeof benchReady === 'function') benchReady(); }); }
