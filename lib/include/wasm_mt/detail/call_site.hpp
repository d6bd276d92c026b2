// Where a request was made, for the log lines about it: the call and closure, and the
// caller's file and line. Public functions that make a request
// take a call_site as their last parameter, defaulted to call_site::here(), which the
// compiler evaluates at the caller's line (as std::source_location::current() would;
// libc++ 14 has no <source_location>).
#pragma once

#include <string_view>

namespace wasm_mt::detail {

struct call_site {
  const char* file = nullptr;  // as the compiler was given it; null when unknown
  unsigned line = 0;

  static constexpr call_site here(const char* file = __builtin_FILE(), unsigned line = __builtin_LINE()) noexcept {
    return {file, line};
  }
};

// What a request runs and where it was made, shown as "exec(app::Scale) called at
// main.cpp:42". Both texts have static storage.
struct origin {
  std::string_view call;     // the public function: "exec", "exec_js", "map", ...
  std::string_view closure;  // the closure's name (closure_name), when it runs one
  call_site site;
};

}  // namespace wasm_mt::detail
