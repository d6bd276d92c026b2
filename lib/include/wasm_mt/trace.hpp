// wasm_mt::trace: a record of every request this program instance makes while a trace
// runs (threads' and pools' calls alike), each with where it ran and when each of its
// stages happened, on one clock for all workers; exported in the Chrome trace-event
// format (loads in Perfetto, ui.perfetto.dev, and chrome://tracing).
//
//   auto recording = wasm_mt::trace::start();
//   co_await pool.map(...);
//   save("run.json", recording.chrome_json());  // one lane per worker, a bar per task
//
// Off by default: with no trace running a request pays one test of a global pointer at
// each of its stages. Records what this instance sends (a worker's own threads record in
// that worker's instance, if a trace runs there).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace wasm_mt {

namespace detail {
class trace_state;
}

// One request. Times are in milliseconds on one clock: the caller's
// performance.timeOrigin + performance.now() (ms since the Unix epoch, to the clock's
// resolution: trace::clock_resolution_ms()); NaN for a stage the request did not reach.
// A worker reads its own clock (its own timeOrigin: Node's worker threads can be some
// ms off): once the trace stops, each worker's times are moved onto the caller's by
// the offset its replies allow (clock_offset_ms; each request started after it was sent
// and finished before its reply came).
struct trace_record {
  static constexpr double none = std::numeric_limits<double>::quiet_NaN();

  std::string_view call;       // the public function: "exec", "stream", "exec_by_name", "exec_js", ...
  std::string_view closure;    // its closure's name (closure_name), empty for exec_js
  const char* file = nullptr;  // where the call was made (null: not known)
  unsigned line = 0;
  std::string thread;          // the label of the thread it was last sent to ("" if never sent)
  int worker = 0;              // that thread's Worker, numbered by this instance: a replacement
                               // is a new number (0: never sent)
  std::uint64_t pool_task = 0;    // a pool's task: job::id() (0: a thread's request)
  std::uint64_t pool_worker = 0;  // and pool_event::worker, pool_event::slot
  std::size_t pool_slot = 0;
  unsigned attempts = 0;          // times sent (a pool's task goes to another worker when
                                  // its worker died before running it)
  double queued_ms = none;     // a pool's task entered the queue
  double sent_ms = none;       // posted to the worker (last time)
  double started_ms = none;    // the worker started running it (exec, stream, exec_by_name)
  double finished_ms = none;   // the worker had its reply ready
  double settled_ms = none;    // its caller's future settled
  double clock_offset_ms = 0;  // added to the worker's started_ms, finished_ms (at stop())
  std::size_t sent_bytes = 0;  // what was posted: captures' JSON text and buffers, or JS text
  std::uint32_t events = 0;    // events (this_request::emit) and stream items received
  std::uint32_t items = 0;
  std::string_view outcome;    // "value", or the error_kind's name (error_kind_name)
};

// How a trace records (trace::start).
struct trace_options {
  // Also make each request a User Timing measure (performance.measure), so that it shows
  // in the browser's own Performance panel (and Node's perf_hooks): on its worker's
  // track, "wasm_mt <closure>" from started to finished, made by the worker when it
  // replies (not for exec_js); on the caller's, "wasm_mt <closure> request" ("wasm_mt
  // exec_js request") from queued (or sent) to settled, made when it settles. Each costs
  // a few µs on its thread; the engines keep measures until performance.clearMeasures().
  bool user_timing = false;
  // Records kept, at most (about 250 bytes each): once full, later requests are counted
  // (trace::dropped()) but not kept, as Chrome's "record until full" (a long run keeps
  // its beginning).
  std::size_t max_records = 100000;
};

class trace {
 public:
  // Starts recording the requests queued in a pool or sent to a thread from now on
  // (those already sent are not recorded). A record is done when its caller's future
  // settles; a stopped request's (cancelled, timeout) is done then too, and gets its
  // worker's times when its late reply comes (if it comes while the trace runs: its
  // finished_ms may then be after its settled_ms). One trace runs at a time in an
  // instance: throws std::logic_error while another does.
  [[nodiscard]] static trace start(trace_options options = {});

  trace(trace&&) noexcept;
  trace& operator=(trace&&) noexcept;
  ~trace();  // stops it

  // Stops recording (requests still pending are dropped from it); the records stay.
  void stop() noexcept;
  bool running() const noexcept;

  // The requests that settled while it ran, in the order they settled (their worker
  // times on the caller's clock once stopped).
  const std::vector<trace_record>& records() const noexcept;
  // Requests that settled while it ran but were not kept (trace_options::max_records).
  std::uint64_t dropped() const noexcept;
  // The smallest step seen on this thread's clock when the trace started (start() reads it
  // for 3 to 30 ms on a 1 ms clock, microseconds on a fine one) (ms): about
  // 0.005-0.1 where the page is cross-origin isolated and in Node, 1 in Firefox and
  // WebKit pages that are not (Firefox adds jitter): times closer than this are equal.
  double clock_resolution_ms() const noexcept;

  // The records (as records() says) in the Chrome trace-event format (JSON object format, times in µs on
  // the clock above): a track per worker (named by its thread's label) with a complete
  // event ("X") per request from started_ms to finished_ms, named by its closure, its
  // record in `args` (async closures that interleave on a worker overlap there); and an
  // async span ("b"/"e", shown as the process's async tracks) per request from queued
  // (or sent) to settled. Throws std::bad_alloc.
  std::string chrome_json() const;

 private:
  explicit trace(std::unique_ptr<detail::trace_state> state) noexcept;
  std::unique_ptr<detail::trace_state> state_;
};

}  // namespace wasm_mt
