// A cancellable one-shot JS timer running a C++ callback on this thread's event loop.
#pragma once

#include <cstdint>
#include <functional>

namespace wasm_mt::detail {

// Throws std::invalid_argument: `milliseconds` (NaN or negative) is not a delay.
[[noreturn]] void throw_bad_delay(double milliseconds, const char* what);

// Throws std::invalid_argument unless `milliseconds` is a delay: a number >= 0 or
// infinity (never). `what` names it in the message ("sleep", "task_timeout_ms").
// (Inline: every call checks its timeout_ms, and the check must cost no call.)
inline void check_delay(double milliseconds, const char* what) {
  if (!(milliseconds >= 0)) throw_bad_delay(milliseconds, what);  // (true for NaN)
}

class timer {
 public:
  timer() = default;
  // Calls `fire` once after `milliseconds` (any length; infinity: never), unless cancelled
  // (or destroyed) first. Throws std::invalid_argument for NaN or a negative delay.
  timer(double milliseconds, std::function<void()> fire);
  timer(timer&& other) noexcept;
  timer& operator=(timer&& other) noexcept;
  timer(const timer&) = delete;
  timer& operator=(const timer&) = delete;
  ~timer() { cancel(); }

  void cancel() noexcept;
  // Lets the timer fire even though this object goes away.
  void release() noexcept;

 private:
  friend void on_timer(std::uint32_t token);
  // Its id while armed (its entry's owner is this object: a fired timer drops its id,
  // so a stale one never cancels a newer timer that drew the same number).
  std::uint32_t token_ = 0;
};

}  // namespace wasm_mt::detail
