// Internal: a distribution of durations in fixed memory (pool::stats()).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "wasm_mt/pool_options.hpp"

namespace wasm_mt::detail {

// Buckets 2^(1/8) wide (9%) from 1 µs up to 2^26 ms (~18 hours); a value outside goes
// to the first or last. A percentile is the upper bound of the bucket it falls in
// (capped at the maximum seen), so it is at most 9% above a recorded value.
class duration_histogram {
 public:
  void record(double ms) noexcept {
    if (!(ms >= 0)) ms = 0;
    ++count_;
    // (Welford's running mean and sum of squared deviations: no cancellation.)
    const double delta = ms - mean_;
    mean_ += delta / double(count_);
    squares_ += delta * (ms - mean_);
    if (count_ == 1 || ms < min_) min_ = ms;
    if (ms > max_) max_ = ms;
    ++buckets_[bucket_of(ms)];
  }

  duration_stats summary() const noexcept {
    duration_stats s;
    s.count = count_;
    if (!count_) return s;
    s.min_ms = min_;
    s.mean_ms = mean_;
    s.stddev_ms = std::sqrt(std::max(squares_ / double(count_), 0.0));
    s.max_ms = max_;
    s.p50_ms = percentile(0.50);
    s.p99_ms = percentile(0.99);
    return s;
  }

 private:
  static constexpr int per_octave = 8;
  static constexpr double smallest_ms = 1e-3;
  static constexpr int count = per_octave * 36;  // 2^36 µs ~ 2^26 ms

  static int bucket_of(double ms) noexcept {
    if (ms <= smallest_ms) return 0;
    const int at = int(std::ceil(std::log2(ms / smallest_ms) * per_octave));
    return at < count ? at : count - 1;
  }
  static double upper_bound(int bucket) noexcept { return smallest_ms * std::exp2(double(bucket) / per_octave); }

  double percentile(double fraction) const noexcept {
    const auto rank = std::uint64_t(std::ceil(fraction * double(count_)));
    std::uint64_t seen = 0;
    for (int i = 0; i < count; ++i) {
      seen += buckets_[i];
      if (seen >= rank && buckets_[i]) return std::min(upper_bound(i), max_);
    }
    return max_;
  }

  std::array<std::uint64_t, count> buckets_{};
  std::uint64_t count_ = 0;
  double mean_ = 0;
  double squares_ = 0;  // sum of squared deviations from the mean
  double min_ = 0;
  double max_ = 0;
};

}  // namespace wasm_mt::detail
