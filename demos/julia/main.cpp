// julia: the Julia set (the original's "parallel" demo), rendered three ways over a pool
// of four threads: serial (4 whole images, one after another), parallel (the same 4
// tasks at once) and tiled (one image split in row tiles across the pool, each tile
// drawn as it arrives). Pixels travel as wasm_mt::bytes (transferred ArrayBuffers),
// never as JSON. Each mode's progress bar is fed by the tasks' progress events
// (this_request::emit). Then a long render (4 images antialiased, 36 points a pixel:
// seconds of work) that the Cancel button stops: the tasks see their stop at their next row, and
// the pool's next task starts at once. (?cancel_after_ms=N presses Cancel after N ms.)
// The whole run is traced (wasm_mt::trace): the page draws its timeline, a lane per
// worker and a bar per task, coloured by outcome.
#include <emscripten/emscripten.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <wasm_mt/wasm_mt.hpp>

#include "render_rows.hpp"
#include "page.hpp"

extern "C" void julia_cancel();

namespace {

using julia::RenderRows;
using julia::RenderRowsSlowly;

constexpr int tasks = 4;
constexpr int tile_rows = 25;
constexpr int long_render_samples = 6;  // 36 points a pixel: seconds of work

// Draws `pixels` (whole rows) on the canvas, from row `row`.
void draw(const std::string& canvas_id, const wasm_mt::bytes& pixels, int row = 0) {
  using emscripten::val;
  val view(emscripten::typed_memory_view(pixels.size(), pixels.data()));
  val copy = val::global("Uint8ClampedArray").new_(view);
  val image = val::global("ImageData").new_(copy, julia::width, int(pixels.size() / julia::bytes_per_row));
  val::global("document").call<val>("getElementById", canvas_id).call<val>("getContext", std::string("2d"))
      .call<void>("putImageData", image, 0, row);
}

// A progress bar over `total` rows, fed by the events of several tasks (each event: the
// rows its task has done so far). The page is touched once per percent.
struct progress_bar {
  std::string id;
  double total;
  double done = 0;
  int shown = -1;
  int events = 0;

  void add(int rows) {
    done += rows;
    ++events;
    const int percent = int(100 * done / total);
    if (percent == shown) return;
    shown = percent;
    demo::progress(id, done / total);
  }
};

// The call_options of one task reporting to `bar`.
wasm_mt::call_options reports_to(const std::shared_ptr<progress_bar>& bar, wasm_mt::stop_token stop = {}) {
  return {.stop = std::move(stop), .on_event = [bar, last = 0](int rows) mutable {
            bar->add(rows - last);
            last = rows;
          }};
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

// The Cancel button's stop source (the page calls julia_cancel).
wasm_mt::stop_source long_render_stop;
double cancelled_at_ms = 0;

// The long render: 4 slow images at once; returns how it ended.
wasm_mt::task<nlohmann::json> long_render(wasm_mt::pool& pool) {
  auto bar = std::make_shared<progress_bar>(progress_bar{"progress-long", double(tasks * julia::height)});
  const double start = demo::now_ms();
  std::vector<wasm_mt::job<wasm_mt::bytes>> jobs;
  for (int i = 0; i < tasks; ++i)
    jobs.push_back(pool.exec(RenderRowsSlowly{0, julia::height, long_render_samples},
                             reports_to(bar, long_render_stop.get_token())));
  int cancelled = 0, finished = 0;
  for (auto& job : jobs) {
    try {
      auto image = co_await std::move(job);
      if (++finished == 1) draw("canvas-long", image);
    } catch (const wasm_mt::error& e) {
      if (e.kind() != wasm_mt::error_kind::cancelled) throw;
      ++cancelled;
    }
  }
  nlohmann::json outcome = {{"finished", finished}, {"cancelled", cancelled}, {"progress_events", bar->events},
                            {"fraction_done", bar->done / bar->total}};
  if (cancelled) {
    // The pool's next task: it starts at once, on a thread that stopped its render.
    const double probe_start = demo::now_ms();
    (void)co_await pool.exec(RenderRows{0, 1});
    outcome["next_task_ms"] = demo::now_ms() - probe_start;
    outcome["stop_to_next_task_ms"] = demo::now_ms() - cancelled_at_ms;
    outcome["replacements"] = pool.health().replacements;
    demo::show("long", "cancelled after " + demo::ms(cancelled_at_ms - start) + " (" +
                           std::to_string(int(100 * bar->done / bar->total)) + "% done); the next task started " +
                           demo::ms(outcome["stop_to_next_task_ms"].get<double>()) + " after Cancel",
               outcome);
  } else {
    demo::show("long", "finished in " + demo::ms(demo::now_ms() - start), outcome);
  }
  co_return outcome;
}

wasm_mt::task<> run() {
  auto pool = co_await wasm_mt::pool::create({.threads = tasks, .label = "julia"});
  // Every task of the run, for its timeline (and the browser's Performance panel).
  auto recording = wasm_mt::trace::start({.user_timing = true});
  demo::show("threads", std::to_string(pool.size()) + " threads (this machine runs " +
                            std::to_string(wasm_mt::hardware_concurrency()) + " at once)",
             pool.size());

  auto bar = std::make_shared<progress_bar>(progress_bar{"progress-serial", double(tasks * julia::height)});
  double start = demo::now_ms();
  std::vector<wasm_mt::bytes> serial;
  for (int i = 0; i < tasks; ++i) serial.push_back(co_await pool.exec(RenderRows{}, reports_to(bar)));
  const double serial_ms = demo::now_ms() - start;
  demo::show("serial", "4 tasks in " + demo::ms(serial_ms), serial_ms);
  draw("canvas-serial", serial[0]);

  bar = std::make_shared<progress_bar>(progress_bar{"progress-parallel", double(tasks * julia::height)});
  start = demo::now_ms();
  std::vector<wasm_mt::job<wasm_mt::bytes>> running;
  for (int i = 0; i < tasks; ++i) running.push_back(pool.exec(RenderRows{}, reports_to(bar)));
  std::vector<wasm_mt::bytes> parallel = co_await wasm_mt::when_all(std::move(running));
  const double parallel_ms = demo::now_ms() - start;
  demo::show("parallel", "4 tasks in " + demo::ms(parallel_ms), parallel_ms);
  draw("canvas-parallel", parallel[0]);

  // Tiles: each drawn as soon as it arrives, in whatever order they finish.
  bar = std::make_shared<progress_bar>(progress_bar{"progress-tiled", double(julia::height)});
  start = demo::now_ms();
  constexpr int tile_count = julia::height / tile_rows;
  wasm_mt::bytes tiled(julia::bytes_per_row * julia::height);
  std::vector<wasm_mt::future<void>> tiles;
  for (int i = 0; i < tile_count; ++i) {
    tiles.push_back(pool.exec(RenderRows{i * tile_rows, (i + 1) * tile_rows}, reports_to(bar))
                        .then([&tiled, i](wasm_mt::bytes tile) {
                          std::copy(tile.begin(), tile.end(), tiled.begin() + std::size_t(i) * tile.size());
                          draw("canvas-tiled", tile, i * tile_rows);
                        }));
  }
  co_await wasm_mt::when_all(std::move(tiles));
  const double tiled_ms = demo::now_ms() - start;
  demo::show("tiled", "1 image in " + std::to_string(tile_count) + " tiles in " + demo::ms(tiled_ms), tiled_ms);

  demo::show("checksum-serial", common_checksum(serial), common_checksum(serial));
  demo::show("checksum-parallel", common_checksum(parallel), common_checksum(parallel));
  demo::show("checksum-tiled", common_checksum({tiled}), common_checksum({tiled}));
  show_stats(pool.stats());
  demo::show("per-image", "", {{"serial", serial_ms / tasks}, {"parallel", parallel_ms / tasks}, {"tiled", tiled_ms}});

  const double cancel_after = std::stod(demo::query("cancel_after_ms", "-1"));
  if (cancel_after >= 0)
    wasm_mt::sleep(cancel_after).then([] { julia_cancel(); }).detach();
  co_await long_render(pool);
  recording.stop();
  const auto rows = demo::timeline_rows(recording);
  demo::show("timeline", std::to_string(rows.size()) + " tasks traced", rows);
  demo::done();
}

}  // namespace

// The Cancel button.
extern "C" EMSCRIPTEN_KEEPALIVE void julia_cancel() {
  if (long_render_stop.request_stop()) cancelled_at_ms = demo::now_ms();
}

int main() {
  wasm_mt::spawn_local(run()).then([] {}, [](const wasm_mt::error& e) { demo::failed(e.what()); }).detach();
}
