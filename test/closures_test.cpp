// Closures on a real worker: named, inline, async; typed results; many requests in flight.
#include <array>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <wasm_mt/detail/request_id.hpp>

#include "library_closures.hpp"
#include "shared_closures.hpp"
#include "async_test.hpp"

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

struct PlainPoint {
  double x = 0, y = 0;
  bool operator==(const PlainPoint&) const = default;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PlainPoint, x, y)

// Returns its captures: whatever went in must come back equal.
struct Echo {
  PlainPoint point;
  std::vector<std::string> names;
  std::map<std::string, int> counts;
  std::vector<double> values;
  std::string text;
  Echo operator()() const { return *this; }
  bool operator==(const Echo&) const = default;
};
WASM_MT_CLOSURE(Echo, point, names, counts, values, text)

struct Nothing {
  void operator()() const {}
};
WASM_MT_CLOSURE(Nothing)

// Field shapes WASM_MT_CLOSURE's every-field check must count right: a C array takes
// as many initializers as it has elements; a nested struct, std::array and containers one.
struct Point2 {
  int x = 0, y = 0;
  bool operator==(const Point2&) const = default;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Point2, x, y)
struct Shapes {
  int grid[3] = {};
  std::array<int, 2> pair{};
  Point2 at;
  std::map<std::string, int> counts;
  nlohmann::json extra;
  int operator()() const {
    return grid[0] + grid[1] + grid[2] + pair[0] + pair[1] + at.x + at.y + counts.at("k") + extra.at("n").get<int>();
  }
};
WASM_MT_CLOSURE(Shapes, grid, pair, at, counts, extra)

// A type with a constructor is not an aggregate: its fields cannot be counted, so the
// list is taken as written.
struct Built {
  Built() = default;
  explicit Built(int v) : value(v) {}
  int value = 0;
  int operator()() const { return value * 3; }
};
WASM_MT_CLOSURE(Built, value)

// Base classes: an empty tag base and an empty member need no listing; a base's fields
// are listed with the closure's own, however deep the base.
struct Tag {};
struct Origin {
  int x = 0;
};
struct Offset : Origin {
  int dx = 0;
};
struct Moved : Tag, Offset {
  [[no_unique_address]] Tag marker;
  int scale = 0;
  int operator()() const { return (x + dx) * scale; }
};
WASM_MT_CLOSURE(Moved, x, dx, scale)

// A closure derived from another closure, with its own WASM_MT_CLOSURE.
struct Base {
  int value = 0;
  int operator()() const { return value; }
};
WASM_MT_CLOSURE(Base, value)
struct Derived : Base {
  int factor = 0;
  int operator()() const { return value * factor; }
};
WASM_MT_CLOSURE(Derived, value, factor)

}  // namespace

// A closure that is not default-constructible but has nlohmann/json's non-default
// from_json (an adl_serializer specialization): the worker builds it from the JSON.
namespace test_types {
struct Tripled {
  explicit Tripled(int v) : value(v) {}
  int value;
  int operator()() const { return 3 * value; }
};
// An empty type with a JSON form of its own, which it must keep when captured.
struct Tag {};
void to_json(nlohmann::json& j, const Tag&) { j = "tag"; }
void from_json(const nlohmann::json& j, Tag&) {
  if (j != "tag") throw std::runtime_error("not a tag: " + j.dump());
}
}  // namespace test_types
template <>
struct nlohmann::adl_serializer<test_types::Tripled> {
  static test_types::Tripled from_json(const json& j) { return test_types::Tripled{j.at("value").get<int>()}; }
  static void to_json(json& j, const test_types::Tripled& t) { j = {{"value", t.value}}; }
};

namespace {

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

struct LabelHere {
  std::string operator()() const { return wasm_mt::current_thread_label(); }
};
WASM_MT_CLOSURE(LabelHere)

struct InWorker {
  bool operator()() const { return wasm_mt::in_worker(); }
};
WASM_MT_CLOSURE(InWorker)

}  // namespace

std::string shared::WhichProgram::operator()() const { return "test_program"; }

ASYNC_TEST_CASE("a closure runs in a worker, not on the caller's thread", "[closures]") {
  auto th = co_await test::spawn();
  CHECK_FALSE(wasm_mt::in_worker());
  CHECK((co_await th.exec(InWorker{})) == true);
}

ASYNC_TEST_CASE("a thread from start() takes requests before it is ready", "[closures]") {
  auto th = wasm_mt::thread::start("eager");
  auto sum = th.exec(Add{1, 2});  // sent at once: the worker runs it once it is ready
  auto answer = th.exec(Answer{});
  CHECK(th.pending_count() == 2);
  CHECK((co_await std::move(sum)) == 3);
  CHECK((co_await std::move(answer)) == 42);
  CHECK((co_await th.exec(InWorker{})) == true);
  CHECK(th.label() == "eager");
}

ASYNC_TEST_CASE("sync closures return typed results", "[closures]") {
  auto th = co_await test::spawn();
  CHECK((co_await th.exec(Answer{})) == 42);
  CHECK((co_await th.exec(Letter{})) == "m");
  CHECK((co_await th.exec(Add{1, 2})) == 3);
  CHECK((co_await th.exec(Add{-40, 2})) == -38);
  co_await th.exec(Nothing{});  // void: settles with no value
}

ASYNC_TEST_CASE("closure fields of every shape travel, bases' too; a lambda without captures is a closure", "[closures]") {
  auto th = co_await test::spawn();
  CHECK((co_await th.exec(Shapes{{1, 2, 3}, {4, 5}, {6, 7}, {{"k", 8}}, {{"n", 9}}})) == 45);
  CHECK((co_await th.exec(Built{14})) == 42);
  CHECK((co_await th.exec(test_types::Tripled{5})) == 15);
  // A shared_ptr to a type only nlohmann's adl_serializer makes (no default constructor).
  const int seven = 7;
  auto tripled = co_await WASM_MT_EXEC(th, (seven), { return std::make_shared<const test_types::Tripled>(seven); });
  CHECK((tripled && tripled->value == 7));
  const test_types::Tag tag;
  CHECK((co_await WASM_MT_EXEC(th, (tag, seven), { return seven; })) == 7);
  Moved moved;
  moved.x = 1;
  moved.dx = 2;
  moved.scale = 7;
  CHECK((co_await th.exec(moved)) == 21);
  CHECK((co_await th.exec(Base{6})) == 6);
  CHECK((co_await th.exec(Derived{{6}, 7})) == 42);
  // It has no fields to send, and every worker runs the same program: it is registered
  // under its compiler-given type name, like any closure.
  CHECK((co_await th.exec([] { return wasm_mt::in_worker(); })) == true);
}

ASYNC_TEST_CASE("captured values travel by value and come back intact", "[closures]") {
  auto th = co_await test::spawn();
  Echo sent{{1.5, -2.25}, {"a", "b c", "ünïcödé"}, {{"x", 1}, {"y", 2}}, {0.5, -1e300}, std::string("quote\" \\ and \n newline")};
  CHECK((co_await th.exec(sent)) == sent);
  Echo empty{};
  CHECK((co_await th.exec(empty)) == empty);
}

ASYNC_TEST_CASE("inline closures capture the listed locals", "[closures]") {
  auto th = co_await test::spawn();
  int a = 1, b = 2;
  CHECK((co_await WASM_MT_EXEC(th, (a, b), { return add(a, b); })) == 3);

  std::string name = "world";
  const std::vector<int> numbers{1, 2, 3, 4};
  auto greeting = WASM_MT_EXEC(th, (name, numbers), {
    int sum = 0;
    for (int n : numbers) sum += n;
    return "hello " + name + " " + std::to_string(sum);
  });
  CHECK((co_await std::move(greeting)) == "hello world 10");

  CHECK((co_await WASM_MT_EXEC(th, (), { return wasm_mt::in_worker(); })) == true);
}

ASYNC_TEST_CASE("async closures await inside the worker", "[closures]") {
  auto th = co_await test::spawn();
  CHECK((co_await th.exec(SlowSub{1, 2, 50})) == -1);

  int a = 1, b = 2;
  auto inline_async = WASM_MT_EXEC_ASYNC(th, int, (a, b), {
    co_await wasm_mt::sleep(20);
    co_return a - b;
  });
  CHECK((co_await std::move(inline_async)) == -1);
}

ASYNC_TEST_CASE("many requests in flight each settle with their own reply", "[closures]") {
  auto th = co_await test::spawn();
  std::vector<wasm_mt::future<int>> results;
  // Later requests finish first: replies come back out of order and must still match.
  for (int i = 0; i < 20; ++i) results.push_back(th.exec(SlowSub{i, 0, (20 - i) * 5}));
  for (int i = 0; i < 20; ++i) CHECK((co_await std::move(results[i])) == i);
  CHECK(th.pending_count() == 0);
}

ASYNC_TEST_CASE("request IDs wrap around without losing a request", "[closures]") {
  auto th = co_await test::spawn();
  wasm_mt::detail::set_next_id(0xFFFFFFFE);
  auto held = th.exec(SlowSub{1, 0, 50});  // takes 0xFFFFFFFE and keeps it while the count comes round
  wasm_mt::detail::set_next_id(0xFFFFFFFE);
  std::vector<wasm_mt::future<int>> results;  // each needs an ID other than 0 and 0xFFFFFFFE
  for (int i = 0; i < 3; ++i) results.push_back(th.exec(SlowSub{i, 0, 0}));
  CHECK(th.pending_count() == 4);
  for (int i = 0; i < 3; ++i) CHECK((co_await std::move(results[i])) == i);
  CHECK((co_await std::move(held)) == 1);
  CHECK(th.pending_count() == 0);
}

ASYNC_TEST_CASE("threads run side by side", "[closures]") {
  auto first = co_await test::spawn("first");
  auto second = co_await test::spawn("second");
  auto a = first.exec(SlowSub{10, 1, 100});
  auto b = second.exec(SlowSub{20, 2, 100});
  CHECK((co_await std::move(a)) == 9);
  CHECK((co_await std::move(b)) == 18);
}

ASYNC_TEST_CASE("spawn resolves to a thread with a label; set_label reaches the worker; terminate ends it",
                "[closures]") {
  auto th = co_await test::spawn("worker-a");
  CHECK(th.label() == "worker-a");
  auto before = th.exec(LabelHere{});
  th.set_label("foo");
  auto after = th.exec(LabelHere{});
  CHECK(th.label() == "foo");
  // In order with the requests around it.
  CHECK((co_await std::move(before)) == "worker-a");
  CHECK((co_await std::move(after)) == "foo");
  // Set before the worker is ready, too.
  auto early = wasm_mt::thread::start("early");
  early.set_label("renamed early");
  CHECK((co_await early.exec(LabelHere{})) == "renamed early");
  CHECK_FALSE(th.is_terminated());
  th.terminate();
  CHECK(th.is_terminated());

  wasm_mt::thread moved = co_await test::spawn();
  wasm_mt::thread target = std::move(moved);
  CHECK((co_await target.exec(Answer{})) == 42);
}

ASYNC_TEST_CASE("futures can be used with callbacks instead of co_await", "[closures]") {
  auto th = co_await test::spawn();
  std::optional<int> value;
  std::string failure;
  th.exec(Add{20, 22}).then([&](int v) { value = v; }, [&](const wasm_mt::error& e) { failure = e.what(); }).detach();
  th.exec(Fails{}).then([&](int) {}, [&](const wasm_mt::error& e) { failure = e.what(); }).detach();
  co_await test::until([&] { return value && !failure.empty(); });
  CHECK(value == 42);
  CHECK(failure == "remote_exception: std::runtime_error: nope");
}

ASYNC_TEST_CASE("spawn_local runs a task to completion on the event loop", "[closures]") {
  auto th = co_await test::spawn();
  auto work = [](wasm_mt::thread& t) -> wasm_mt::task<int> {
    int x = co_await t.exec(Add{1, 2});
    int y = co_await t.exec(SlowSub{10, 3, 5});
    co_return x * y;
  };
  CHECK((co_await wasm_mt::spawn_local(work(th))) == 21);
}

ASYNC_TEST_CASE("closures compiled into a static library are registered", "[closures][registry]") {
  auto th = co_await test::spawn();
  CHECK((co_await th.exec(library_closures::Square{12})) == 144);
  CHECK(wasm_mt::registry::instance().find(wasm_mt::closure_id<library_closures::Square>()) != nullptr);
}
