// What only a browser shows. Hidden cases ([.]), run only when a spec names them:
// [browser] on the plain test page, [csp] on the page served with a
// Content-Security-Policy that forbids 'unsafe-eval' (test/browser/run.mjs).
#include <emscripten/emscripten.h>

#include "shared_closures.hpp"
#include "async_test.hpp"

namespace {
// Whether this runs on a page. A spec that selects these cases under Node (one that only
// excludes, such as "~[pool]", selects hidden cases too) fails them here, clearly.
bool on_a_page() { return EM_ASM_INT({ return typeof window !== 'undefined' ? 1 : 0; }) == 1; }
}  // namespace

ASYNC_TEST_CASE("threads run on a page without cross-origin isolation (no SharedArrayBuffer)", "[.][browser]") {
  REQUIRE(on_a_page());
  CHECK(EM_ASM_INT({ return self.crossOriginIsolated === true ? 1 : 0; }) == 0);
  auto th = co_await test::spawn();
  CHECK((co_await th.exec_js<bool>("return self.crossOriginIsolated === true;")) == false);
  CHECK((co_await th.exec(shared::Multiply{6, 7})) == 42);
}

ASYNC_TEST_CASE("browser workers are named after their thread's label", "[.][browser]") {
  REQUIRE(on_a_page());
  auto th = co_await test::spawn("labelled");
  CHECK((co_await th.exec_js<std::string>("return self.name;")) == "wasm_mt:labelled");
}

ASYNC_TEST_CASE("under a CSP without unsafe-eval, closures run and exec_js fails clearly", "[.][csp]") {
  REQUIRE(on_a_page());
  auto th = co_await test::spawn();
  CHECK((co_await th.exec(shared::Multiply{6, 7})) == 42);
  auto e = co_await test::error_of(th.exec_js("return 1;"));
  CHECK(e.kind() == wasm_mt::error_kind::js_exception);
  CHECK_THAT(e.message(), Catch::Contains("Content-Security-Policy"));

  auto js = co_await wasm_mt::fetch_bytes(WASM_MT_TEST_OTHER_PROGRAM_JS);
  auto wasm = co_await wasm_mt::fetch_bytes(WASM_MT_TEST_OTHER_PROGRAM_WASM);
  auto other = co_await wasm_mt::program::from_buffers(js, wasm);
  auto blob_thread = co_await wasm_mt::thread::spawn(other);
  CHECK((co_await blob_thread.exec(shared::WhichProgram{})) == "other_program");
}
