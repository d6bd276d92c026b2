// Internal: a pool's statistics (pool::stats(), pool::health()'s counts), in one owner
// that pool_state feeds as jobs wait, run and settle and as its slots run and restart.
#pragma once

#include <cstdint>
#include <exception>
#include <optional>
#include <unordered_map>

#include "wasm_mt/pool_options.hpp"

#include "duration_histogram.hpp"

namespace wasm_mt::detail {

// What a pool has measured since it was created: its counts and durations, and how long
// each kind of task takes (which placement reads: usual_ms). Nothing here throws.
class pool_statistics {
 public:
  // A job settled (failure: its error, or nullptr): completed, cancelled or failed.
  void count_settled(const std::exception_ptr* failure) noexcept;
  // A job's time in the queue (at most once a job: when first sent, or failed from the queue).
  void record_wait(double ms) noexcept { wait_ms_.record(ms); }
  // A settled job's time on its thread; `learn`: as its kind's usual duration too. With no
  // memory for a new kind, nothing is learned.
  void record_run(std::uint32_t kind, double ms, bool learn) noexcept;
  // A slot had jobs in flight for `ms` (busy time: utilization).
  void add_busy(double ms) noexcept { busy_ms_ += ms; }
  // A slot left the running stage after `ms` in it: capacity.
  void add_capacity(double ms) noexcept { capacity_ms_ += ms; }
  // A thread started to replace another (pool_health::replacements).
  void count_replacement() noexcept { ++replacements_; }
  // A worker died young (pool_health::young_deaths).
  void count_young_death() noexcept { ++young_deaths_; }

  // The usual time on a thread of tasks of `kind` (a moving average); none before one settled.
  std::optional<double> usual_ms(std::uint32_t kind) const noexcept;
  // The slots' running time up to their last stop (pool_state::stats adds the time of
  // the slots running now).
  double capacity_ms() const noexcept { return capacity_ms_; }
  // pool::stats(), `capacity_ms` being the time slots were ready to take tasks, and
  // `busy_now_ms` the time slots holding jobs now have held them (add_busy comes when
  // they hold none).
  pool_stats stats(double capacity_ms, double busy_now_ms) const noexcept;
  std::uint64_t replacements() const noexcept { return replacements_; }
  std::uint64_t young_deaths() const noexcept { return young_deaths_; }

 private:
  std::uint64_t completed_ = 0, failed_ = 0, cancelled_ = 0;
  duration_histogram run_ms_, wait_ms_;
  double busy_ms_ = 0;      // time slots had jobs in flight
  double capacity_ms_ = 0;  // time slots spent running, up to their last stop
  std::unordered_map<std::uint32_t, double> service_ms_;  // moving average of a kind's time on a thread
  std::uint64_t replacements_ = 0;
  std::uint64_t young_deaths_ = 0;
};

}  // namespace wasm_mt::detail
