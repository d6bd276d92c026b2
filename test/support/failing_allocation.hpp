// Fault injection: makes one chosen C++ allocation fail, so that a test can show that
// running out of memory at that point loses no request. The test program's global
// operator new is replaced (failing_allocation.cpp); unarmed it is malloc, as libc++'s is.
// Each instance counts its own allocations: arming on the main thread leaves workers alone.
#pragma once

#include <cstddef>
#include <vector>

#include <wasm_mt/wasm_mt.hpp>

namespace test {

// Makes the `n`-th operator new from now throw std::bad_alloc (a nothrow one returns
// null); 0 disarms.
void fail_allocation(std::size_t n) noexcept;

// Whether the armed allocation has come (and failed) since fail_allocation().
bool allocation_failed() noexcept;

// Lets the event loop run for `ms` with the `n`-th allocation from now failing, then
// disarms; once that allocation came, the window ends at its next tenth (nothing is left
// to fail). True if it came: a test that sweeps n = 1, 2, ... has made each allocation
// of what ran meanwhile fail once when this first returns false.
inline wasm_mt::task<bool> run_with_failing_allocation(std::size_t n, double ms) {
  constexpr int steps = 10;
  std::vector<wasm_mt::future<void>> ticks;  // allocated before arming
  ticks.reserve(steps);
  for (int i = 1; i <= steps; ++i) ticks.push_back(wasm_mt::sleep(ms * i / steps));
  fail_allocation(n);
  for (auto& tick : ticks) {
    co_await std::move(tick);
    if (allocation_failed()) break;
  }
  const bool failed = allocation_failed();
  fail_allocation(0);
  co_return failed;
}

}  // namespace test
