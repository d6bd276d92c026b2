// A pool's statistics (pool_stats.hpp): what each event recorded counts, and the
// summary pool::stats() returns.
#include "pool_stats.hpp"

#include <algorithm>

#include "failure.hpp"

namespace wasm_mt::detail {

void pool_statistics::count_settled(const std::exception_ptr* failure) noexcept {
  if (!failure) {
    ++completed_;
    return;
  }
  ++(is_cancellation(*failure) ? cancelled_ : failed_);
}

void pool_statistics::record_run(std::uint32_t kind, double ms, bool learn) noexcept {
  run_ms_.record(ms);
  if (!learn) return;
  try {
    auto [average, first] = service_ms_.try_emplace(kind, ms);
    if (!first) average->second = 0.8 * average->second + 0.2 * ms;
  } catch (...) {
  }
}

std::optional<double> pool_statistics::usual_ms(std::uint32_t kind) const noexcept {
  auto found = service_ms_.find(kind);
  if (found == service_ms_.end()) return std::nullopt;
  return found->second;
}

pool_stats pool_statistics::stats(double capacity_ms, double busy_now_ms) const noexcept {
  pool_stats st;
  st.completed = completed_;
  st.failed = failed_;
  st.cancelled = cancelled_;
  st.run = run_ms_.summary();
  st.wait = wait_ms_.summary();
  st.utilization = capacity_ms > 0 ? std::clamp((busy_ms_ + busy_now_ms) / capacity_ms, 0.0, 1.0) : 0.0;
  return st;
}

}  // namespace wasm_mt::detail
