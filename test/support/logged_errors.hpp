// Collects the error lines wasm_mt logs (wasmMt.log, level >= 2) while alive, in place
// of printing them, so a test can check that an error was reported and not lost.
#pragma once

#include <emscripten/emscripten.h>

namespace test {

class logged_errors {
 public:
  logged_errors() {
    EM_ASM({
      globalThis.testLoggedErrors = [];
      globalThis.testOriginalLog = wasmMt.log;
      wasmMt.log = (level, line) => { if (level >= 2) testLoggedErrors.push(line); else testOriginalLog(level, line); };
    });
  }
  ~logged_errors() {
    EM_ASM({ wasmMt.log = testOriginalLog; });
  }
  logged_errors(const logged_errors&) = delete;
  logged_errors& operator=(const logged_errors&) = delete;

  // Lines logged so far that contain `text`.
  int count(const char* text) const {
    return EM_ASM_INT({ return testLoggedErrors.filter(line => line.includes(UTF8ToString($0))).length; }, text);
  }
};

}  // namespace test
