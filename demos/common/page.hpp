// What a demo shows on its page. Each result goes to an element of the page, to the
// console, and to window.demo.results (where page scripts draw charts from it and the
// browser tests read it).
#pragma once

#include <emscripten/emscripten.h>
#include <emscripten/val.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>
#include <wasm_mt/trace.hpp>

namespace demo {

inline emscripten::val state() { return emscripten::val::global("demo"); }

inline emscripten::val to_js(const nlohmann::json& value) {
  return emscripten::val::global("JSON").call<emscripten::val>("parse", value.dump());
}

// Shows `text` in element #id (and the console); records `value` as results[id].
inline void show(const std::string& id, const std::string& text, const nlohmann::json& value = nullptr) {
  std::printf("%s: %s\n", id.c_str(), text.c_str());
  state().call<void>("show", id, text, to_js(value));
}

// Sets <progress id=...> to `fraction` (0 to 1).
inline void progress(const std::string& id, double fraction) { state().call<void>("progress", id, fraction); }

// A line in the page's log and the console.
inline void log(const std::string& line) {
  std::printf("%s\n", line.c_str());
  state().call<void>("log", line);
}

// The demo finished (results complete), or failed with `what`.
inline void done() { state().call<void>("finish", emscripten::val::null()); }
inline void failed(const std::string& what) {
  std::printf("failed: %s\n", what.c_str());
  state().call<void>("finish", what);
}

// The query parameter `name` of the page's URL, or `fallback`.
inline std::string query(const std::string& name, const std::string& fallback) {
  auto params = emscripten::val::global("URLSearchParams").new_(emscripten::val::global("location")["search"]);
  auto value = params.call<emscripten::val>("get", name);
  return value.isNull() ? fallback : value.as<std::string>();
}

inline double now_ms() { return emscripten_get_now(); }

// A stopped trace's records as a timeline's rows (demo.timeline draws them): one per
// request, [{worker, thread, closure, outcome, sent, started, finished, settled}], times
// in ms from the first request's queued or sent time (null: a stage it did not reach,
// e.g. the worker times of a stopped request whose late reply came after the trace).
inline nlohmann::json timeline_rows(const wasm_mt::trace& trace) {
  auto first = [](const wasm_mt::trace_record& r) { return std::isnan(r.queued_ms) ? r.sent_ms : r.queued_ms; };
  double t0 = std::numeric_limits<double>::infinity();
  for (const auto& r : trace.records())
    if (!std::isnan(first(r))) t0 = std::min(t0, first(r));
  auto at = [t0](double ms) { return std::isnan(ms) ? nlohmann::json() : nlohmann::json(ms - t0); };
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : trace.records())
    rows.push_back({{"worker", r.worker}, {"thread", r.thread}, {"closure", r.closure}, {"outcome", r.outcome},
                    {"sent", at(r.sent_ms)}, {"started", at(r.started_ms)}, {"finished", at(r.finished_ms)},
                    {"settled", at(r.settled_ms)}});
  return rows;
}

inline std::string ms(double milliseconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f ms", milliseconds);
  return text;
}

}  // namespace demo
