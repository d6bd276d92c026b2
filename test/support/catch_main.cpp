// Catch2's main for wasm_mt test programs, in two phases (see async_test.hpp): the async
// bodies of the selected test cases run first, on the event loop, then Catch2 runs and
// reports the test cases. Inside a worker the same program runs no tests: the glue never
// calls main() there.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <emscripten/emscripten.h>

#include <memory>
#include <string>
#include <vector>

#include "async_cases.hpp"

namespace {

Catch::Session& session() {
  static Catch::Session the_session;
  return the_session;
}

void run_catch_and_exit() {
  const int code = session().run() == 0 ? 0 : 1;
  // Under Node the process ends now, even with timers still pending (a test leaves a
  // month-long sleep): current Emscripten's exit() only sets Node's exit code there.
  EM_ASM({ if (typeof process == 'object' && process.versions && process.versions.node) process.exit($0); }, code);
  emscripten_force_exit(code);
}

bool only_lists(const Catch::ConfigData& data) {
  return data.showHelp || data.libIdentify || data.listTests || data.listTestNamesOnly || data.listTags ||
         data.listReporters;
}

}  // namespace

int main(int argc, char** argv) {
  double case_timeout_ms = 60000;
  session().cli(session().cli() | Catch::clara::Opt(case_timeout_ms, "ms")["--case-timeout"](
                                      "fail an async test case not finished after this long (default 60000)"));
  if (int bad_arguments = session().applyCommandLine(argc, argv)) emscripten_force_exit(bad_arguments);
  if (only_lists(session().configData())) run_catch_and_exit();

  // The assertion macros of the async bodies read the configuration, as in a Catch2 run.
  auto config = std::make_shared<Catch::Config>(session().configData());
  Catch::getCurrentMutableContext().setConfig(config);
  std::vector<std::string> selected;
  for (auto& test_case : Catch::filterTests(Catch::getAllTestCasesSorted(*config), config->testSpec(), *config))
    selected.push_back(test_case.name);
  test::run_async_bodies(selected, case_timeout_ms, run_catch_and_exit);
}
