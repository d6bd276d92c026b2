// A cancellable one-shot JS timer running a C++ callback on this thread's event loop.
#pragma once

#include <cstdint>
#include <functional>

namespace wasm_mt::detail {

class timer {
 public:
  timer() = default;
  // Calls `fire` once after `milliseconds`, unless cancelled (or destroyed) first.
  timer(double milliseconds, std::function<void()> fire);
  timer(timer&& other) noexcept;
  timer& operator=(timer&& other) noexcept;
  timer(const timer&) = delete;
  timer& operator=(const timer&) = delete;
  ~timer() { cancel(); }

  void cancel() noexcept;
  // Lets the timer fire even though this object goes away.
  void release() noexcept { token_ = 0; }

 private:
  std::uint32_t token_ = 0;
};

}  // namespace wasm_mt::detail
