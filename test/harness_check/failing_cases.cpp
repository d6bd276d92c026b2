// Cases that must fail, each in its own way: ctest (test/CMakeLists.txt) runs this
// program and checks that Catch2 reports each failure, so the async test harness
// (support/async_test.hpp) cannot pass what it should fail.
#include <stdexcept>

#include "async_test.hpp"

namespace {

struct Add {
  int a = 0, b = 0;
  int operator()() const { return a + b; }
};
WASM_MT_CLOSURE(Add, a, b)

}  // namespace

ASYNC_TEST_CASE("a failed CHECK after an await is reported, and the body goes on", "[harness]") {
  auto th = co_await test::spawn();
  int three = co_await th.exec(Add{1, 2});
  CHECK(three == 4);
  CHECK(three == 3);
}

ASYNC_TEST_CASE("a failed REQUIRE ends the body", "[harness]") {
  auto th = co_await test::spawn();
  REQUIRE((co_await th.exec(Add{2, 2})) == 5);
  CHECK(false);  // not reached: must not be reported
}

ASYNC_TEST_CASE("an exception thrown after an await fails the case", "[harness]") {
  co_await wasm_mt::sleep(1);
  throw std::runtime_error("thrown by the body");
}

ASYNC_TEST_CASE("a body that never finishes fails the case after its time", "[harness]") {
  co_await wasm_mt::sleep(60000);
}
