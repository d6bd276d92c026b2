// Closures on a real worker: named, inline, async; typed results; many requests in flight.
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "library_closures.hpp"
#include "shared_closures.hpp"
#include "wait.hpp"

namespace {

int add(int a, int b) { return a + b; }

struct Answer {
  int operator()() const { return 42; }
};
WASM_MT_CLOSURE(Answer)

struct Letter {
  std::string operator()() const { return "m"; }
};
WASM_MT_CLOSURE(Letter)

struct Add {
  int a = 0, b = 0;
  int operator()() const { return add(a, b); }
};
WASM_MT_CLOSURE(Add, a, b)

struct Point {
  double x = 0, y = 0;
  bool operator==(const Point&) const = default;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Point, x, y)

// Returns its captures: whatever went in must come back equal.
struct Echo {
  Point point;
  std::vector<std::string> names;
  std::map<std::string, int> counts;
  std::vector<double> values;
  std::string text;
  Echo operator()() const { return *this; }
  bool operator==(const Echo&) const = default;
};
WASM_MT_CLOSURE(Echo, point, names, counts, values, text)

struct Nothing {
  int* unused = nullptr;
  void operator()() const {}
};
WASM_MT_CLOSURE(Nothing)

struct SlowSub {
  int a = 0, b = 0, delay_ms = 0;
  wasm_mt::task<int> operator()() const {
    co_await wasm_mt::sleep(delay_ms);
    co_return a - b;
  }
};
WASM_MT_CLOSURE(SlowSub, a, b, delay_ms)

struct Fails {
  int operator()() const { throw std::runtime_error("nope"); }
};
WASM_MT_CLOSURE(Fails)

struct InWorker {
  bool operator()() const { return wasm_mt::in_worker(); }
};
WASM_MT_CLOSURE(InWorker)

}  // namespace

std::string shared::WhichProgram::operator()() const { return "test_program"; }

TEST_CASE("a closure runs in a worker, not on the caller's thread", "[closures]") {
  auto th = test::spawn();
  CHECK_FALSE(wasm_mt::in_worker());
  CHECK(test::wait_for(th.exec(InWorker{})) == true);
}

TEST_CASE("sync closures return typed results", "[closures]") {
  auto th = test::spawn();
  CHECK(test::wait_for(th.exec(Answer{})) == 42);
  CHECK(test::wait_for(th.exec(Letter{})) == "m");
  CHECK(test::wait_for(th.exec(Add{1, 2})) == 3);
  CHECK(test::wait_for(th.exec(Add{-40, 2})) == -38);
  test::wait_for(th.exec(Nothing{}));  // void: settles with no value
}

TEST_CASE("captured values travel by value and come back intact", "[closures]") {
  auto th = test::spawn();
  Echo sent{{1.5, -2.25}, {"a", "b c", "ünïcödé"}, {{"x", 1}, {"y", 2}}, {0.5, -1e300}, std::string("quote\" \\ and \n newline")};
  CHECK(test::wait_for(th.exec(sent)) == sent);
  Echo empty{};
  CHECK(test::wait_for(th.exec(empty)) == empty);
}

TEST_CASE("inline closures capture the listed locals", "[closures]") {
  auto th = test::spawn();
  int a = 1, b = 2;
  CHECK(test::wait_for(WASM_MT_EXEC(th, (a, b), { return add(a, b); })) == 3);

  std::string name = "world";
  const std::vector<int> numbers{1, 2, 3, 4};
  auto greeting = WASM_MT_EXEC(th, (name, numbers), {
    int sum = 0;
    for (int n : numbers) sum += n;
    return "hello " + name + " " + std::to_string(sum);
  });
  CHECK(test::wait_for(std::move(greeting)) == "hello world 10");

  CHECK(test::wait_for(WASM_MT_EXEC(th, (), { return wasm_mt::in_worker(); })) == true);
}

TEST_CASE("async closures await inside the worker", "[closures]") {
  auto th = test::spawn();
  CHECK(test::wait_for(th.exec(SlowSub{1, 2, 50})) == -1);

  int a = 1, b = 2;
  auto inline_async = WASM_MT_EXEC_ASYNC(th, int, (a, b), {
    co_await wasm_mt::sleep(20);
    co_return a - b;
  });
  CHECK(test::wait_for(std::move(inline_async)) == -1);
}

TEST_CASE("many requests in flight each settle with their own reply", "[closures]") {
  auto th = test::spawn();
  std::vector<wasm_mt::future<int>> results;
  // Later requests finish first: replies come back out of order and must still match.
  for (int i = 0; i < 20; ++i) results.push_back(th.exec(SlowSub{i, 0, (20 - i) * 5}));
  for (int i = 0; i < 20; ++i) CHECK(test::wait_for(std::move(results[i])) == i);
  CHECK(th.pending_count() == 0);
}

TEST_CASE("threads run side by side", "[closures]") {
  auto first = test::spawn("first");
  auto second = test::spawn("second");
  auto a = first.exec(SlowSub{10, 1, 100});
  auto b = second.exec(SlowSub{20, 2, 100});
  CHECK(test::wait_for(std::move(a)) == 9);
  CHECK(test::wait_for(std::move(b)) == 18);
}

TEST_CASE("spawn resolves to a thread with a label; terminate ends it", "[closures]") {
  auto th = test::spawn("worker-a");
  CHECK(th.label() == "worker-a");
  th.set_label("foo");
  CHECK(th.label() == "foo");
  CHECK_FALSE(th.is_terminated());
  th.terminate();
  CHECK(th.is_terminated());

  wasm_mt::thread moved = test::spawn();
  wasm_mt::thread target = std::move(moved);
  CHECK(test::wait_for(target.exec(Answer{})) == 42);
}

TEST_CASE("futures can be used with callbacks instead of co_await", "[closures]") {
  auto th = test::spawn();
  std::optional<int> value;
  std::string failure;
  th.exec(Add{20, 22}).then([&](int v) { value = v; }, [&](const wasm_mt::error& e) { failure = e.what(); });
  th.exec(Fails{}).then([&](int) {}, [&](const wasm_mt::error& e) { failure = e.what(); });
  const double start = emscripten_get_now();
  while ((!value || failure.empty()) && emscripten_get_now() - start < test::default_timeout_ms) emscripten_sleep(1);
  CHECK(value == 42);
  CHECK(failure == "remote_exception: std::runtime_error: nope");
}

TEST_CASE("spawn_local runs a task to completion on the event loop", "[closures]") {
  auto th = test::spawn();
  auto work = [](wasm_mt::thread& t) -> wasm_mt::task<int> {
    int x = co_await t.exec(Add{1, 2});
    int y = co_await t.exec(SlowSub{10, 3, 5});
    co_return x * y;
  };
  CHECK(test::wait_for(wasm_mt::spawn_local(work(th))) == 21);
}

TEST_CASE("closures compiled into a static library are registered", "[closures][registry]") {
  auto th = test::spawn();
  CHECK(test::wait_for(th.exec(library_closures::Square{12})) == 144);
  CHECK(wasm_mt::registry::instance().find(wasm_mt::closure_id<library_closures::Square>()) != nullptr);
}
