// julia: the Julia set (the original's "parallel" demo), rendered three ways over a pool
// of four threads: serial (4 whole images, one after another), parallel (the same 4
// tasks at once) and tiled (one image split in row tiles across the pool with map()).
// Pixels travel as wasm_mt::bytes (transferred ArrayBuffers), never as JSON.
#include <cstdio>
#include <string>
#include <vector>

#include <wasm_mt/wasm_mt.hpp>

#include "render_rows.hpp"
#include "page.hpp"

namespace {

using julia::RenderRows;

constexpr int tasks = 4;
constexpr int tile_rows = 25;

void draw(const std::string& canvas_id, const wasm_mt::bytes& pixels) {
  using emscripten::val;
  val view(emscripten::typed_memory_view(pixels.size(), pixels.data()));
  val copy = val::global("Uint8ClampedArray").new_(view);
  val image = val::global("ImageData").new_(copy, julia::width, julia::height);
  val::global("document").call<val>("getElementById", canvas_id).call<val>("getContext", std::string("2d"))
      .call<void>("putImageData", image, 0, 0);
}

// All images alike? Returns their checksum, or "differ: ..." naming each.
std::string common_checksum(const std::vector<wasm_mt::bytes>& images) {
  std::string first = julia::checksum(images[0].data(), images[0].size());
  for (const auto& image : images)
    if (julia::checksum(image.data(), image.size()) != first) return "differ";
  return first;
}

// The pool's statistics over the three modes (pool::stats()).
void show_stats(const wasm_mt::pool_stats& st) {
  char text[256];
  std::snprintf(text, sizeof text,
                "%llu tasks completed, %llu failed, %llu cancelled; run time p50 %.1f ms, p99 %.1f ms; "
                "wait p50 %.1f ms, p99 %.1f ms; utilization %.0f%%",
                (unsigned long long)st.completed, (unsigned long long)st.failed, (unsigned long long)st.cancelled,
                st.run.p50_ms, st.run.p99_ms, st.wait.p50_ms, st.wait.p99_ms, 100 * st.utilization);
  demo::show("stats", text,
             {{"completed", st.completed}, {"failed", st.failed}, {"cancelled", st.cancelled},
              {"run_p50_ms", st.run.p50_ms}, {"run_p99_ms", st.run.p99_ms}, {"wait_p50_ms", st.wait.p50_ms},
              {"wait_p99_ms", st.wait.p99_ms}, {"utilization", st.utilization}});
}

wasm_mt::task<> run() {
  auto pool = co_await wasm_mt::pool::create({.threads = tasks, .label = "julia"});
  demo::show("threads", std::to_string(pool.size()) + " threads (this machine runs " +
                            std::to_string(wasm_mt::hardware_concurrency()) + " at once)",
             pool.size());

  double start = demo::now_ms();
  std::vector<wasm_mt::bytes> serial;
  for (int i = 0; i < tasks; ++i) serial.push_back(co_await pool.exec(RenderRows{}));
  const double serial_ms = demo::now_ms() - start;
  demo::show("serial", "4 tasks in " + demo::ms(serial_ms), serial_ms);

  start = demo::now_ms();
  std::vector<wasm_mt::bytes> parallel = co_await pool.map(tasks, [](std::size_t) { return RenderRows{}; });
  const double parallel_ms = demo::now_ms() - start;
  demo::show("parallel", "4 tasks in " + demo::ms(parallel_ms), parallel_ms);

  start = demo::now_ms();
  auto tiles = co_await pool.map(julia::height / tile_rows, [](std::size_t i) {
    return RenderRows{int(i) * tile_rows, int(i + 1) * tile_rows};
  });
  wasm_mt::bytes tiled(julia::bytes_per_row * julia::height);
  std::size_t at = 0;
  for (const auto& tile : tiles) {
    std::copy(tile.begin(), tile.end(), tiled.begin() + at);
    at += tile.size();
  }
  const double tiled_ms = demo::now_ms() - start;
  demo::show("tiled", "1 image in " + std::to_string(tiles.size()) + " tiles in " + demo::ms(tiled_ms), tiled_ms);

  draw("canvas-serial", serial[0]);
  draw("canvas-parallel", parallel[0]);
  draw("canvas-tiled", tiled);
  demo::show("checksum-serial", common_checksum(serial), common_checksum(serial));
  demo::show("checksum-parallel", common_checksum(parallel), common_checksum(parallel));
  demo::show("checksum-tiled", common_checksum({tiled}), common_checksum({tiled}));
  show_stats(pool.stats());
  demo::show("per-image", "", {{"serial", serial_ms / tasks}, {"parallel", parallel_ms / tasks}, {"tiled", tiled_ms}});
  demo::done();
}

}  // namespace

int main() {
  wasm_mt::spawn_local(run()).then([] {}, [](const wasm_mt::error& e) { demo::failed(e.what()); }).detach();
}
