// Where a request was made, for the log lines about it: the call and closure, and the
// caller's file and line. Public functions that make a request
// take a call_site as their last parameter, defaulted to call_site::here(), which the
// compiler evaluates at the caller's line (as std::source_location::current() would;
// libc++ 14 has no <source_location>).
#pragma once

#include <string_view>

namespace wasm_mt::detail {

// Made only by here() (or unknown: call_site()), never from a braced list, so that a
// trailing `{...}` argument (exec_js's args) never means a call site.
class call_site {
 public:
  static constexpr call_site here(const char* file = __builtin_FILE(), unsigned line = __builtin_LINE()) noexcept {
    return call_site(file, line);
  }
  explicit constexpr call_site() noexcept = default;  // unknown

  const char* file() const noexcept { return file_; }  // as the compiler was given it; null when unknown
  unsigned line() const noexcept { return line_; }

 private:
  constexpr call_site(const char* file, unsigned line) noexcept : file_(file), line_(line) {}
  const char* file_ = nullptr;
  unsigned line_ = 0;
};

// What a request runs and where it was made, shown as "exec(app::Scale) called at
// main.cpp:42". Both texts have static storage.
struct origin {
  std::string_view call;     // the public function: "exec", "exec_js", "map", ...
  std::string_view closure;  // the closure's name (closure_name; exec_by_name: the registry's,
                             // where this program has that closure), when it runs one
  call_site site = call_site();
};

}  // namespace wasm_mt::detail
