// wasm_mt::trace (trace.hpp): the records of a running trace, fed by the request
// lifecycle's hooks (detail/trace_hooks.hpp), and their Chrome trace-event export.
#include "wasm_mt/trace.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include <emscripten/emscripten.h>
#include <nlohmann/json.hpp>

#include "wasm_mt/detail/glue.hpp"
#include "wasm_mt/detail/pending_request.hpp"
#include "wasm_mt/detail/pool_job.hpp"
#include "wasm_mt/detail/trace_hooks.hpp"
#include "wasm_mt/error.hpp"
#include "wasm_mt/registry.hpp"
#include "wasm_mt/future.hpp"

#include "failure.hpp"
#include "thread_state.hpp"

namespace wasm_mt::detail {

trace_state* running_trace = nullptr;
std::uint32_t running_trace_flags = 0;

class trace_state {
 public:
  // Sent or queued, not settled: each request's at its pending_request::trace_slot - 1,
  // with its owner (a request pending from an earlier trace has a stale slot). A stopped
  // request whose worker was told keeps its slot after it settled, its record already
  // done (done[late_reply_to]), until its late reply brings the worker's times.
  static constexpr std::size_t none = std::size_t(-1);
  struct open_record {
    const pending_request* owner = nullptr;
    trace_record record;
    std::size_t late_reply_to = none;
  };
  std::vector<open_record> open;
  std::vector<std::uint32_t> free_slots;  // of `open`
  std::vector<trace_record> done;         // settled, in that order
  std::uint64_t dropped = 0;              // settled past options.max_records
  double resolution_ms = 0;
  trace_options options;

  // A worker's clock against the caller's: each reply bounds the offset to add to the
  // worker's times (it started after it was sent: offset >= sent - started; it finished
  // before its reply came: offset <= received - finished). Workers' timeOrigins can be
  // some ms apart (Node's worker threads).
  struct clock_fit {
    double low = -std::numeric_limits<double>::infinity();
    double high = std::numeric_limits<double>::infinity();
    // The offset within the bounds nearest 0 (the middle if jitter crossed them).
    double offset() const noexcept {
      if (low > high) return (low + high) / 2;
      return low > 0 ? low : high < 0 ? high : 0;
    }
  };
  std::unordered_map<int, clock_fit> clocks;  // by worker (glue handle)

  // Puts the settled records' worker times on the caller's clock (at stop()).
  void fit_clocks() noexcept {
    for (auto& r : done) {
      auto found = clocks.find(r.worker);
      if (found == clocks.end() || std::isnan(r.started_ms)) continue;
      r.clock_offset_ms = found->second.offset();
      r.started_ms += r.clock_offset_ms;
      r.finished_ms += r.clock_offset_ms;
    }
  }

  // `request`'s record, made now if it has none. Throws std::bad_alloc.
  trace_record& make(pending_request& request) {
    if (auto* r = find(request)) return *r;
    if (free_slots.empty()) {
      open.emplace_back();
      free_slots.reserve(open.capacity());  // (so that settling never allocates)
      request.trace_slot = static_cast<std::uint32_t>(open.size());
    } else {
      request.trace_slot = free_slots.back() + 1;
      free_slots.pop_back();
    }
    open[request.trace_slot - 1].owner = &request;
    open[request.trace_slot - 1].late_reply_to = none;
    auto& r = open[request.trace_slot - 1].record;
    r = trace_record();
    const origin& from = request.origin_of();
    r.call = from.call;
    r.closure = from.closure;
    r.file = from.site.file();
    r.line = from.site.line();
    return r;
  }
  // `request`'s open record, if it has one (settled: a stopped one waiting for its late reply).
  open_record* find_open(const pending_request& request) noexcept {
    const std::uint32_t slot = request.trace_slot;
    if (slot == 0 || slot > open.size() || open[slot - 1].owner != &request) return nullptr;
    return &open[slot - 1];
  }
  // `request`'s record, if it has one and has not settled.
  trace_record* find(const pending_request& request) noexcept {
    auto* o = find_open(request);
    return o && o->late_reply_to == none ? &o->record : nullptr;
  }
  // `request`'s record (from find()) is done: its slot is free again.
  void release(pending_request& request) noexcept {
    open[request.trace_slot - 1].owner = nullptr;
    free_slots.push_back(request.trace_slot - 1);
    request.trace_slot = 0;
  }
};

namespace {

// The smallest step of the trace clock seen over 50 steps, or over 8 steps and at least
// 3 ms (a 1 ms clock: a thread preempted across a few ticks sees 2 ms steps only), or
// within 30 ms at most.
double measure_resolution() noexcept {
  const double start = wasm_mt_js_clock_ms();
  double previous = start, smallest = std::numeric_limits<double>::infinity();
  for (int steps = 0, reads = 0; steps < 50 && reads < 1000000; ++reads) {
    const double now = wasm_mt_js_clock_ms();
    if (now <= previous) continue;
    smallest = std::min(smallest, now - previous);
    previous = now;
    ++steps;
    if ((steps >= 8 && now - start >= 3) || now - start >= 30) break;
  }
  return std::isfinite(smallest) ? smallest : 0;
}

// Whether stopped `request`'s worker was told of its stop and will answer it (it is still
// pending on its thread: its late reply, or its worker's end, takes it off).
bool worker_will_reply(const pending_request& request) noexcept {
  auto* state = request.thread >= 0 ? find_thread(request.thread) : nullptr;
  return state && state->find_pending(request.request_id).get() == &request;
}

// Runs `record` on `request`'s record, made now if it has none and the trace can hold
// it (no memory: left out).
template <class Record>
void on_new_record(pending_request& request, Record record) noexcept {
  try {
    record(running_trace->make(request));
  } catch (...) {
  }
}
// Runs `record` on `request`'s record, if it has one.
template <class Record>
void on_record(pending_request& request, Record record) noexcept {
  if (auto* r = running_trace->find(request)) record(*r);
}

// The caller's User Timing measure of settled record `r` (trace_options::user_timing).
// Throws std::bad_alloc.
void measure_request(const trace_record& r) {
  const std::string name = "wasm_mt " + std::string(r.closure.empty() ? r.call : r.closure) + " request";
  const double begin = !std::isnan(r.queued_ms) ? r.queued_ms : !std::isnan(r.sent_ms) ? r.sent_ms : r.settled_ms;
  wasm_mt_js_measure(name.data(), name.size(), begin, r.settled_ms);
}

}  // namespace

// (Each stage's time is read first, before the bookkeeping.)
void trace_queued(pending_request& request, std::uint64_t task) noexcept {
  const double now = wasm_mt_js_clock_ms();
  on_new_record(request, [&](trace_record& r) {
    r.pool_task = task;
    r.queued_ms = now;
  });
}

void trace_pool_sent(pending_request& request, std::uint64_t pool_worker, std::size_t slot) noexcept {
  on_record(request, [&](trace_record& r) {
    r.pool_worker = pool_worker;
    r.pool_slot = slot;
  });
}

void trace_sent(pending_request& request, int handle, const std::string& label, std::size_t bytes,
                double sent_ms) noexcept {
  on_new_record(request, [&](trace_record& r) {
    r.thread = label;
    r.worker = handle;
    r.sent_ms = sent_ms;
    r.sent_bytes = bytes;
    r.started_ms = r.finished_ms = trace_record::none;  // (a retry's: its last attempt)
    ++r.attempts;
  });
}

void trace_replied(pending_request& request) noexcept {
  const double received = wasm_mt_js_clock_ms();
  auto* trace = running_trace;
  auto* open = trace->find_open(request);
  if (!open) return;
  // (A stopped request's late reply: its record is done already.)
  const bool late = open->late_reply_to != trace_state::none;
  auto& r = late ? trace->done[open->late_reply_to] : open->record;
  double times[2];
  if (wasm_mt_js_inbox_times(times)) {
    r.started_ms = times[0];
    r.finished_ms = times[1];
    try {
      auto& fit = trace->clocks[r.worker];
      if (!std::isnan(r.sent_ms)) fit.low = std::max(fit.low, r.sent_ms - times[0]);
      fit.high = std::min(fit.high, received - times[1]);
    } catch (...) {  // no memory for its worker's clock: its times stay that worker's
    }
  }
  if (late) trace->release(request);
}

void trace_received(pending_request& request, bool item) noexcept {
  on_record(request, [&](trace_record& r) { ++(item ? r.items : r.events); });
}

void trace_settled(pending_request& request, const std::exception_ptr* failure) noexcept {
  const double now = wasm_mt_js_clock_ms();
  auto* trace = running_trace;
  auto* r = trace->find(request);
  if (!r) {
    if (!trace->find_open(request)) request.trace_slot = 0;  // (a stale slot; not one waiting for a late reply)
    return;
  }
  try {
    r->settled_ms = now;
    r->outcome = failure ? error_kind_name(to_error(*failure).kind()) : "value";
    if (trace->options.user_timing) {
      try {
        measure_request(*r);
      } catch (...) {  // no memory for its name: no measure, the record is kept
      }
    }
    if (trace->done.size() < trace->options.max_records) {
      trace->done.push_back(std::move(*r));
      if (request.stopped && worker_will_reply(request)) {  // (its slot waits for that reply)
        trace->find_open(request)->late_reply_to = trace->done.size() - 1;
        return;
      }
    } else {
      ++trace->dropped;
    }
  } catch (...) {  // no memory to keep it: left out
    ++trace->dropped;
  }
  trace->release(request);
}

}  // namespace wasm_mt::detail

// The name of closure `fn` in this instance's registry (NUL-terminated), or null: for
// the worker glue's User Timing measures (library_wasm_mt_worker.js).
extern "C" EMSCRIPTEN_KEEPALIVE const char* wasm_mt_closure_name(wasm_mt::function_id fn) noexcept {
  return wasm_mt::registry::instance().name_of(fn).data();  // (a std::string's: NUL-terminated)
}

namespace wasm_mt {

trace::trace(std::unique_ptr<detail::trace_state> state) noexcept : state_(std::move(state)) {}
trace::trace(trace&&) noexcept = default;
trace& trace::operator=(trace&& other) noexcept {
  if (this != &other) {
    stop();
    state_ = std::move(other.state_);
  }
  return *this;
}
trace::~trace() { stop(); }

trace trace::start(trace_options options) {
  if (detail::running_trace) throw std::logic_error("wasm_mt::trace::start: a trace is running already");
  auto state = std::make_unique<detail::trace_state>();
  state->resolution_ms = detail::measure_resolution();
  state->options = options;
  detail::running_trace = state.get();
  detail::running_trace_flags =
      detail::call_flags::traced | (options.user_timing ? detail::call_flags::measured : 0);
  return trace(std::move(state));
}

void trace::stop() noexcept {
  if (!state_ || detail::running_trace != state_.get()) return;
  detail::running_trace = nullptr;
  detail::running_trace_flags = 0;
  state_->open.clear();
  state_->free_slots.clear();
  state_->fit_clocks();
}

bool trace::running() const noexcept { return state_ && detail::running_trace == state_.get(); }

const std::vector<trace_record>& trace::records() const noexcept {
  static const std::vector<trace_record> none;
  return state_ ? state_->done : none;
}

double trace::clock_resolution_ms() const noexcept { return state_ ? state_->resolution_ms : 0; }

std::uint64_t trace::dropped() const noexcept { return state_ ? state_->dropped : 0; }

namespace {

nlohmann::json time_or_null(double ms) { return std::isnan(ms) ? nlohmann::json() : nlohmann::json(ms); }

nlohmann::json record_args(const trace_record& r) {
  return {{"call", r.call},
          {"closure", r.closure},
          {"site", r.file ? std::string(r.file) + ":" + std::to_string(r.line) : std::string()},
          {"thread", r.thread},
          {"worker", r.worker},
          {"pool_task", r.pool_task},
          {"pool_worker", r.pool_worker},
          {"pool_slot", r.pool_slot},
          {"attempts", r.attempts},
          {"queued_ms", time_or_null(r.queued_ms)},
          {"sent_ms", time_or_null(r.sent_ms)},
          {"started_ms", time_or_null(r.started_ms)},
          {"finished_ms", time_or_null(r.finished_ms)},
          {"settled_ms", time_or_null(r.settled_ms)},
          {"clock_offset_ms", r.clock_offset_ms},
          {"sent_bytes", r.sent_bytes},
          {"events", r.events},
          {"items", r.items},
          {"outcome", r.outcome}};
}

}  // namespace

std::string trace::chrome_json() const {
  using nlohmann::json;
  constexpr int pid = 1, caller_tid = 0;
  json events = json::array();
  events.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", pid}, {"args", {{"name", "wasm_mt"}}}});
  events.push_back(
      {{"ph", "M"}, {"name", "thread_name"}, {"pid", pid}, {"tid", caller_tid}, {"args", {{"name", "caller"}}}});
  std::unordered_map<int, std::string> workers;
  std::uint64_t span = 0;
  for (const auto& r : records()) {
    const std::string name(r.closure.empty() ? r.call : r.closure);
    auto args = record_args(r);
    if (r.worker && !std::isnan(r.started_ms) && !std::isnan(r.finished_ms)) {
      workers.try_emplace(r.worker, r.thread);
      events.push_back({{"ph", "X"}, {"name", name}, {"cat", r.call}, {"pid", pid}, {"tid", r.worker},
                        {"ts", r.started_ms * 1000}, {"dur", std::max(0.0, r.finished_ms - r.started_ms) * 1000},
                        {"args", args}});
    }
    const double begin = !std::isnan(r.queued_ms) ? r.queued_ms : !std::isnan(r.sent_ms) ? r.sent_ms : r.settled_ms;
    const std::string id = std::to_string(++span);
    events.push_back({{"ph", "b"}, {"name", name}, {"cat", "request"}, {"id", id}, {"pid", pid},
                      {"tid", caller_tid}, {"ts", begin * 1000}, {"args", std::move(args)}});
    events.push_back({{"ph", "e"}, {"name", name}, {"cat", "request"}, {"id", id}, {"pid", pid},
                      {"tid", caller_tid}, {"ts", r.settled_ms * 1000}});
  }
  for (const auto& [tid, label] : workers)
    events.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", pid}, {"tid", tid},
                      {"args", {{"name", label + " (worker " + std::to_string(tid) + ")"}}}});
  return json{{"traceEvents", std::move(events)},
              {"displayTimeUnit", "ms"},
              {"otherData",
               {{"clock", "performance.timeOrigin + performance.now(), ms since the Unix epoch (ts: us)"},
                {"clock_resolution_ms", clock_resolution_ms()},
                {"dropped_records", dropped()}}}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace wasm_mt
