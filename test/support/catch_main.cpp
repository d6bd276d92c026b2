// Catch2's main for wasm_mt test programs. Tests block on futures with wait_for(), which
// lets the JS event loop run (Asyncify), so worker replies arrive meanwhile. Inside a
// worker the same program runs no tests: the glue never calls main() there.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <emscripten/emscripten.h>

int main(int argc, char** argv) {
  int failed = Catch::Session().run(argc, argv);
  emscripten_force_exit(failed == 0 ? 0 : 1);
}
