// The registry: stable names and IDs, JSON forms of capture structs.
#include <string>

#include "library_closures.hpp"
#include "shared_closures.hpp"
#include "async_test.hpp"

namespace registry_test {
struct Named {
  int a = 0;
  std::string b;
  int operator()() const { return a; }
};
WASM_MT_CLOSURE(Named, a, b)
}  // namespace registry_test

TEST_CASE("stable IDs are FNV-1a of the closure's name", "[registry]") {
  // Published FNV-1a 32-bit test vectors.
  CHECK(wasm_mt::stable_id("") == 0x811c9dc5u);
  CHECK(wasm_mt::stable_id("a") == 0xe40c292cu);
  CHECK(wasm_mt::stable_id("foobar") == 0xbf9cf968u);
  CHECK(wasm_mt::closure_name<registry_test::Named>() == "registry_test::Named");
  CHECK(wasm_mt::closure_id<registry_test::Named>() == wasm_mt::stable_id("registry_test::Named"));
}

TEST_CASE("every closure this program execs is in its registry, under its name", "[registry]") {
  auto& registry = wasm_mt::registry::instance();
  CHECK(registry.name_of(wasm_mt::closure_id<shared::Multiply>()) == "shared::Multiply");
  CHECK(registry.name_of(wasm_mt::closure_id<library_closures::Square>()) == "library_closures::Square");
  CHECK(registry.find(wasm_mt::stable_id("no::such::closure")) == nullptr);
  CHECK(registry.size() >= 10);
}

ASYNC_TEST_CASE("inline closures on one line are distinct closures", "[registry]") {
  auto th = co_await test::spawn();
  int x = 5;
  // clang-format off
  auto doubled = WASM_MT_EXEC(th, (x), { return x * 2; }); auto tripled = WASM_MT_EXEC(th, (x), { return x * 3; });
  // clang-format on
  CHECK((co_await std::move(doubled)) == 10);
  CHECK((co_await std::move(tripled)) == 15);
}

TEST_CASE("capture structs round-trip through their JSON form", "[registry]") {
  registry_test::Named original{7, "seven"};
  nlohmann::json j = original;
  CHECK(j == nlohmann::json{{"a", 7}, {"b", "seven"}});
  auto back = j.get<registry_test::Named>();
  CHECK(back.a == 7);
  CHECK(back.b == "seven");
  nlohmann::json incomplete = {{"a", 7}};
  CHECK_THROWS_AS(incomplete.get<registry_test::Named>(), nlohmann::json::exception);
}

namespace {
wasm_mt::task<int> first_local() {
  struct Task {
    int operator()() const { return 1; }
  };
  auto th = co_await test::spawn();
  co_return co_await th.exec(Task{});
}
wasm_mt::task<int> second_local() {
  struct Task {
    int operator()() const { return 2; }
  };
  auto th = co_await test::spawn();
  co_return co_await th.exec(Task{});
}
}  // namespace

ASYNC_TEST_CASE("two local classes with one name are distinct closures", "[registry]") {
  CHECK((co_await first_local()) == 1);
  CHECK((co_await second_local()) == 2);
}
