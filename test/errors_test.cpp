// Every way a request can fail: each settles exactly once with a wasm_mt::error of the
// right kind, nothing hangs, and a dead thread fails its pending and later requests.
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <emscripten/emscripten.h>

#include "shared_closures.hpp"
#include "async_test.hpp"
#include "failing_allocation.hpp"
#include "logged_errors.hpp"

namespace {

struct Throws {
  std::string what;
  int operator()() const { throw std::runtime_error(what); }
};
WASM_MT_CLOSURE(Throws, what)

struct ThrowsLater {
  wasm_mt::task<int> operator()() const {
    co_await wasm_mt::sleep(5);
    throw std::invalid_argument("async failure");
  }
};
WASM_MT_CLOSURE(ThrowsLater)

struct Aborts {
  int operator()() const { std::abort(); }
};
WASM_MT_CLOSURE(Aborts)

struct Traps {
  int operator()() const { __builtin_trap(); }
};
WASM_MT_CLOSURE(Traps)

int recurse(int depth) {
  volatile int frame[8] = {depth};
  return frame[0] <= 0 ? 0 : 1 + recurse(frame[0] + 1) + recurse(frame[0] - 1);
}

struct OverflowsStack {
  int operator()() const { return recurse(1); }
};
WASM_MT_CLOSURE(OverflowsStack)

struct TrapsLater {
  int delay_ms = 0;
  wasm_mt::task<int> operator()() const {
    co_await wasm_mt::sleep(delay_ms);
    __builtin_trap();
  }
};
WASM_MT_CLOSURE(TrapsLater, delay_ms)

struct AllocatesTooMuch {
  std::size_t size = 0;
  std::size_t operator()() const {
    auto block = std::make_unique<char[]>(size);  // zero-filled: the memory is really used
    volatile char* end = block.get() + size - 1;
    *end = 1;
    return size - 1 + *end;
  }
};
WASM_MT_CLOSURE(AllocatesTooMuch, size)

struct LongText {
  std::size_t size = 0;
  std::string operator()() const { return std::string(size, 'x'); }
};
WASM_MT_CLOSURE(LongText, size)

// Takes the caller's heap until about `left_bytes` are left; gives it back when destroyed.
class HeapFiller {
 public:
  explicit HeapFiller(std::size_t left_bytes) {
    for (std::size_t block = std::size_t(256) << 20; block >= left_bytes; block /= 2)
      while (void* taken = std::malloc(block)) blocks_.push_back(taken);
  }
  ~HeapFiller() {
    for (void* taken : blocks_) std::free(taken);
  }
  HeapFiller(const HeapFiller&) = delete;
  HeapFiller& operator=(const HeapFiller&) = delete;

 private:
  std::vector<void*> blocks_;
};

struct TextSize {
  std::string text;
  std::size_t operator()() const { return text.size(); }
};
WASM_MT_CLOSURE(TextSize, text)

// In a worker: arms test::fail_allocation(n) there, and tells whether it has come.
struct FailAllocation {
  std::size_t n = 0;
  bool operator()() const {
    test::fail_allocation(n);
    return true;
  }
};
WASM_MT_CLOSURE(FailAllocation, n)

struct AllocationFailed {
  bool operator()() const { return test::allocation_failed(); }
};
WASM_MT_CLOSURE(AllocationFailed)

// Fills the worker's heap (FillHeap) or gives it back (left_bytes 0).
struct FillHeap {
  std::size_t left_bytes = 0;
  bool operator()() const {
    static std::optional<HeapFiller> filler;
    filler.reset();
    if (left_bytes) filler.emplace(left_bytes);
    return true;
  }
};
WASM_MT_CLOSURE(FillHeap, left_bytes)

// Throws an error with a `size`-byte message, after leaving the worker too little memory
// to copy that message into a reply. FillHeap{0} gives the memory back.
struct ThrowsUndescribable {
  std::size_t size = 0;
  int operator()() const {
    std::runtime_error error(std::string(size, 'e'));
    FillHeap{size / 4}();
    throw error;
  }
};
WASM_MT_CLOSURE(ThrowsUndescribable, size)

struct BadUtf8 {
  std::string operator()() const { return std::string("\xff\xfe", 2); }
};
WASM_MT_CLOSURE(BadUtf8)

struct ExitsWorker {
  int operator()() const { std::exit(3); }
};
WASM_MT_CLOSURE(ExitsWorker)

}  // namespace

ASYNC_TEST_CASE("an exception thrown by a closure arrives as remote_exception with its message", "[errors]") {
  auto th = co_await test::spawn();
  auto e = co_await test::error_of(th.exec(Throws{"boom"}));
  CHECK(e.kind() == wasm_mt::error_kind::remote_exception);
  CHECK(e.message() == "std::runtime_error: boom");
  CHECK(std::string(e.what()) == "remote_exception: std::runtime_error: boom");

  auto later = co_await test::error_of(th.exec(ThrowsLater{}));
  CHECK(later.kind() == wasm_mt::error_kind::remote_exception);
  CHECK(later.message() == "std::invalid_argument: async failure");

  CHECK((co_await th.exec(shared::Multiply{6, 7})) == 42);  // still alive
}

ASYNC_TEST_CASE("a crashing worker fails its requests with worker_crashed and reports itself dead", "[errors]") {
  struct crash_case {
    const char* name;
    std::function<wasm_mt::future<int>(wasm_mt::thread&)> crash;
    const char* expected;  // in the message, whatever the engine
    bool during_the_call;  // it crashes before the worker can take another message
  };
  std::vector<crash_case> cases = {
      {"abort", [](wasm_mt::thread& t) { return t.exec(Aborts{}); }, "Aborted", true},
      {"wasm trap", [](wasm_mt::thread& t) { return t.exec(Traps{}); }, "nreachable", true},
      {"stack overflow", [](wasm_mt::thread& t) { return t.exec(OverflowsStack{}); }, "", true},
      {"trap in an async continuation", [](wasm_mt::thread& t) { return t.exec(TrapsLater{10}); }, "nreachable", false},
      {"exit()", [](wasm_mt::thread& t) { return t.exec(ExitsWorker{}); }, "exit(3)", true},
  };
  for (auto& c : cases) {
    {
      INFO("case: " << c.name);
      auto th = co_await test::spawn(c.name);
      auto bystander = th.exec(shared::Sleeps{5000});  // started, suspended in the same worker
      auto crash = c.crash(th);
      auto queued_behind = th.exec(shared::Multiply{2, 2});  // never starts
      auto e = co_await test::error_of(std::move(crash));
      CHECK(e.kind() == wasm_mt::error_kind::worker_crashed);
      CHECK_FALSE(e.not_run());
      INFO(e.message());
      CHECK_THAT(e.message(), Catch::Contains(c.expected));
      CHECK_THAT(e.message(), Catch::StartsWith("thread '" + std::string(c.name) + "' crashed: "));
      // The pending request fails at once, not after its 5 s.
      auto bystander_error = co_await test::error_of(std::move(bystander), 2000);
      CHECK(bystander_error.kind() == wasm_mt::error_kind::worker_crashed);
      CHECK_FALSE(bystander_error.not_run());
      if (c.during_the_call) {
        // The request the worker never got to is marked safe to retry.
        auto queued_error = co_await test::error_of(std::move(queued_behind), 2000);
        CHECK(queued_error.kind() == wasm_mt::error_kind::worker_crashed);
        CHECK(queued_error.not_run());
        CHECK_THAT(queued_error.message(), Catch::Contains("crashed before this request started"));
      } else {
        CHECK((co_await std::move(queued_behind)) == 4);  // ran while the other was suspended
      }
      CHECK(th.is_terminated());
      CHECK(th.pending_count() == 0);
      // Later requests fail immediately.
      auto after = th.exec(shared::Multiply{1, 1});
      CHECK(after.ready());
      CHECK((co_await test::error_of(std::move(after))).kind() == wasm_mt::error_kind::worker_crashed);
    }
  }
}

ASYNC_TEST_CASE("running out of memory in a closure is an error, and the thread survives", "[errors]") {
  auto th = co_await test::spawn();
  auto e = co_await test::error_of(th.exec(AllocatesTooMuch{std::size_t(3) << 30}));
  CHECK(e.kind() == wasm_mt::error_kind::remote_exception);
  CHECK_THAT(e.message(), Catch::Contains("bad_alloc"));
  CHECK((co_await th.exec(AllocatesTooMuch{1 << 20})) == (1u << 20));
}

ASYNC_TEST_CASE("a reply too large for the caller's memory fails its request, not the thread", "[errors]") {
  auto th = co_await test::spawn();
  auto too_large = th.exec(LongText{std::size_t(96) << 20});
  {
    HeapFiller filler(std::size_t(16) << 20);  // less than the reply's 96 MiB
    auto e = co_await test::error_of(std::move(too_large));
    CHECK(e.kind() == wasm_mt::error_kind::bad_payload);
    CHECK_THAT(e.message(), Catch::Contains("no memory for the reply"));
  }
  CHECK((co_await th.exec(LongText{3})) == "xxx");
}

ASYNC_TEST_CASE("captures too large for the worker's memory fail their request, not the thread", "[errors]") {
  auto th = co_await test::spawn();
  CHECK(co_await th.exec(FillHeap{std::size_t(16) << 20}));
  auto e = co_await test::error_of(th.exec(TextSize{std::string(std::size_t(96) << 20, 'x')}));
  CHECK(e.kind() == wasm_mt::error_kind::bad_payload);
  CHECK_THAT(e.message(), Catch::Contains("no memory for the captures"));
  CHECK(co_await th.exec(FillHeap{0}));
  CHECK((co_await th.exec(TextSize{"abc"})) == 3);
}

ASYNC_TEST_CASE("an error the worker has no memory to describe still fails its request", "[errors]") {
  auto th = co_await test::spawn();
  auto e = co_await test::error_of(th.exec(ThrowsUndescribable{std::size_t(32) << 20}));
  CHECK(e.kind() == wasm_mt::error_kind::remote_exception);
  CHECK_THAT(e.message(), Catch::Contains("ran out of memory while reporting an error"));
  CHECK(co_await th.exec(FillHeap{0}));
  CHECK((co_await th.exec(TextSize{"abc"})) == 3);
}

ASYNC_TEST_CASE("what a dropped then() chain's callback throws is logged, and other requests still settle", "[errors]") {
  auto th = co_await test::spawn();
  test::logged_errors logged;
  const int line = __LINE__ + 1;
  th.exec(shared::Multiply{2, 3}).then([](int) { throw std::runtime_error("thrown on a value"); }).detach();
  CHECK((co_await th.exec(shared::Multiply{1, 1})) == 1);  // replies come in order
  // Terminating fails both pending requests; the first callback's throw must not stop the second.
  th.exec(shared::Multiply{2, 3}).then([](int) {}, [](const wasm_mt::error&) { throw std::runtime_error("thrown on an error"); }).detach();
  auto second = th.exec(shared::Multiply{4, 5});
  th.terminate();
  auto e = co_await test::error_of(std::move(second));
  CHECK(e.kind() == wasm_mt::error_kind::terminated);
  // (Continuations run in the order their requests were failed, which is not the order
  // they were sent in: the callback may run after this coroutine goes on.)
  CHECK(co_await test::until([&] { return logged.count("thrown on an error") == 1; }));
  CHECK(logged.count("thrown on a value") == 1);
  // (It fails the future then() gave, which was dropped: logged as that request's.)
  const std::string named = "unhandled error in exec(shared::Multiply) called at errors_test.cpp:" +
                            std::to_string(line) + ": ";
  CHECK(logged.count(named.c_str()) == 1);
}

ASYNC_TEST_CASE("an unknown function ID gives unknown_function", "[errors]") {
  auto th = co_await test::spawn();
  auto e = co_await test::error_of(th.exec_by_name("no::such::closure", nlohmann::json::object()));
  CHECK(e.kind() == wasm_mt::error_kind::unknown_function);
  CHECK_THAT(e.message(), Catch::Contains("no closure with ID 0x"));
  // A registered name works the same way.
  CHECK((co_await th.exec_by_name<int>("shared::Multiply", {{"a", 3}, {"b", 5}})) == 15);
}

ASYNC_TEST_CASE("captures or results that do not (de)serialize give bad_payload", "[errors]") {
  auto th = co_await test::spawn();
  auto wrong_captures = co_await test::error_of(th.exec_by_name<int>("shared::Multiply", {{"a", "three"}}));
  CHECK(wrong_captures.kind() == wasm_mt::error_kind::bad_payload);
  CHECK_THAT(wrong_captures.message(), Catch::Contains("cannot decode"));

  auto wrong_result = co_await test::error_of(th.exec_by_name<std::vector<int>>("shared::Multiply", {{"a", 3}, {"b", 5}}));
  CHECK(wrong_result.kind() == wasm_mt::error_kind::bad_payload);

  auto unencodable_result = co_await test::error_of(th.exec(BadUtf8{}));
  CHECK(unencodable_result.kind() == wasm_mt::error_kind::bad_payload);
  CHECK_THAT(unencodable_result.message(), Catch::Contains("cannot encode"));

  const std::string not_utf8("\xff", 1);
  auto unencodable_captures = co_await test::error_of(WASM_MT_EXEC(th, (not_utf8), { return int(not_utf8.size()); }));
  CHECK(unencodable_captures.kind() == wasm_mt::error_kind::bad_payload);
  CHECK(unencodable_captures.not_run());  // nothing was sent
}

ASYNC_TEST_CASE("terminate fails pending requests with terminated, and later ones at once", "[errors]") {
  auto th = co_await test::spawn("doomed");
  auto pending = th.exec(shared::Sleeps{10000});
  auto pending_js = th.exec_js_async("await new Promise(r => setTimeout(r, 10000));");
  th.terminate();
  CHECK(pending.ready());
  CHECK(pending_js.ready());
  auto e = co_await test::error_of(std::move(pending));
  CHECK(e.kind() == wasm_mt::error_kind::terminated);
  CHECK(e.message() == "thread 'doomed' was terminated");
  CHECK((co_await test::error_of(std::move(pending_js))).kind() == wasm_mt::error_kind::terminated);
  CHECK((co_await test::error_of(th.exec(shared::Sleeps{1}))).kind() == wasm_mt::error_kind::terminated);
}

ASYNC_TEST_CASE("destroying a thread fails its pending requests", "[errors]") {
  wasm_mt::future<int> pending;
  {
    auto th = co_await test::spawn();
    pending = th.exec(shared::Sleeps{10000});
  }
  CHECK((co_await test::error_of(std::move(pending), 1000)).kind() == wasm_mt::error_kind::terminated);
}

ASYNC_TEST_CASE("spawning a program that cannot start gives spawn_failed", "[errors][programs]") {
  wasm_mt::bytes not_javascript("this is ) not JavaScript");
  auto wasm = co_await wasm_mt::fetch_bytes(WASM_MT_TEST_OTHER_PROGRAM_WASM);
  auto broken = co_await wasm_mt::program::from_buffers(not_javascript, wasm);
  auto e = co_await test::error_of(wasm_mt::thread::spawn(broken, "broken"));
  CHECK(e.kind() == wasm_mt::error_kind::spawn_failed);
  CHECK_THAT(e.message(), Catch::Contains("thread 'broken' failed to start"));

  // A JS file that is not a wasm_mt program never says ready: the start timeout fails it.
  auto silent = co_await wasm_mt::program::from_buffers(wasm_mt::bytes("setInterval(() => {}, 1000);"), wasm);
  EM_ASM({ wasmMtParent.startTimeoutMs = 300; });
  auto silent_error = co_await test::error_of(wasm_mt::thread::spawn(silent));
  EM_ASM({ wasmMtParent.startTimeoutMs = 60000; });
  CHECK(silent_error.kind() == wasm_mt::error_kind::spawn_failed);
  CHECK_THAT(silent_error.message(), Catch::Contains("did not start"));
}

ASYNC_TEST_CASE("requests to a started thread that cannot start fail with spawn_failed", "[errors][programs]") {
  auto wasm = co_await wasm_mt::fetch_bytes(WASM_MT_TEST_OTHER_PROGRAM_WASM);
  auto broken = co_await wasm_mt::program::from_buffers(wasm_mt::bytes("this is ) not JavaScript"), wasm);
  auto th = wasm_mt::thread::start(broken, "broken");
  auto e = co_await test::error_of(th.exec(shared::Multiply{2, 3}));
  CHECK(e.kind() == wasm_mt::error_kind::spawn_failed);
  CHECK(e.not_run());
  CHECK_THAT(e.message(), Catch::Contains("thread 'broken' failed to start"));
  CHECK(th.is_terminated());
  auto later = co_await test::error_of(th.exec(shared::Multiply{2, 3}));  // fails at once
  CHECK(later.kind() == wasm_mt::error_kind::spawn_failed);
}

ASYNC_TEST_CASE("terminating a started thread before it is ready fails its requests", "[errors]") {
  auto th = wasm_mt::thread::start();
  auto pending = th.exec(shared::Multiply{2, 3});
  th.terminate();
  CHECK((co_await test::error_of(std::move(pending), 1000)).kind() == wasm_mt::error_kind::terminated);
}

ASYNC_TEST_CASE("messages that are not wasm_mt's are ignored, not misrouted", "[errors]") {
  auto th = co_await test::spawn();
  auto slow = th.exec(shared::Sleeps{200});
  // The worker posts look-alike messages to its parent (no protocol tag) while the real
  // request is pending; and the parent posts foreign messages to the worker.
  (co_await th.exec_js(R"(
    const port = typeof self !== 'undefined' ? self : process.getBuiltinModule('worker_threads').parentPort;
    port.postMessage({type: 'reply', id: 1, ok: true});
    port.postMessage('hello');
    port.postMessage('wasm_mt/1:reply');
    port.postMessage('wasm_mt/1:reply:1');
    port.postMessage('wasm_mt/1:bogus:1:2');
    port.postMessage(null);
    return 0;)"));
  EM_ASM({
    for (const entry of wasmMtParent.workers.values()) {
      entry.worker.postMessage({type: 'call', id: 1, fn: 1});
      entry.worker.postMessage({wasm_mt: 'someone-else', type: 'call'});
      entry.worker.postMessage(42);
      entry.worker.postMessage('wasm_mt/1:call:');
      entry.worker.postMessage('wasm_mt/1:call:5');
    }
  });
  CHECK((co_await std::move(slow)) == 200);
  CHECK((co_await th.exec(shared::Multiply{2, 21})) == 42);
}

ASYNC_TEST_CASE("an error nobody awaits is logged, not lost, naming its call", "[errors]") {
  auto th = co_await test::spawn();
  test::logged_errors logged;
  const int line = __LINE__ + 1;
  (void)th.exec(Throws{"fire and forget"});  // dropped at once
  auto marker = th.exec(shared::Multiply{1, 1});
  co_await std::move(marker);
  CHECK(logged.count("fire and forget") == 1);
  // The line names the closure and the call that made it.
  const std::string named = "unhandled error in exec(" + std::string(wasm_mt::closure_name<Throws>()) +
                            ") called at errors_test.cpp:" + std::to_string(line) + ": ";
  CHECK(logged.count(named.c_str()) == 1);
}

ASYNC_TEST_CASE("whichever allocation fails while replies come back, every request settles", "[errors]") {
  auto th = co_await test::spawn();
  test::logged_errors logged;  // the failed iterations' unobserved errors
  for (std::size_t n = 1;; ++n) {
    REQUIRE(n < 500);
    INFO("failing allocation number " << n);
    auto number = th.exec(shared::Sleeps{10});
    auto text = th.exec(LongText{40});  // longer than a short string
    const bool failed = co_await test::run_with_failing_allocation(n, 50);
    co_await test::settled(number, 5000);
    co_await test::settled(text, 5000);
    if (failed) continue;
    INFO("every one of the " << n - 1 << " allocations failed once");
    CHECK(number.get() == 10);
    CHECK(text.get() == std::string(40, 'x'));
    break;
  }
  CHECK((co_await th.exec(TextSize{"abc"})) == 3);
  CHECK(th.pending_count() == 0);
}

ASYNC_TEST_CASE("whichever allocation fails while fetches and program loads complete, each settles", "[errors][programs]") {
  co_await wasm_mt::sleep(0);  // out of the harness's first turn, whose allocations are not ours to fail
  test::logged_errors logged;  // the failed iterations' unobserved errors
  for (std::size_t n = 1;; ++n) {
    REQUIRE(n < 500);
    INFO("failing allocation number " << n);
    auto fetched = wasm_mt::fetch_bytes(WASM_MT_TEST_OTHER_PROGRAM_WASM);
    auto missing = wasm_mt::fetch_bytes("no/such/file.wasm");
    auto loaded = wasm_mt::program::from_url(WASM_MT_TEST_OTHER_PROGRAM_JS);
    auto not_loaded = wasm_mt::program::from_url("no/such/program.js");
    const bool failed = co_await test::run_with_failing_allocation(n, 200);
    co_await test::settled(fetched, 5000);
    co_await test::settled(missing, 5000);
    co_await test::settled(loaded, 5000);
    co_await test::settled(not_loaded, 5000);
    if (failed) continue;
    INFO("every one of the " << n - 1 << " allocations failed once");
    CHECK(fetched.get().size() > 8);
    CHECK((co_await test::error_of(std::move(missing))).kind() == wasm_mt::error_kind::load_failed);
    CHECK((co_await wasm_mt::thread::spawn(loaded.get())).pending_count() == 0);
    CHECK((co_await test::error_of(std::move(not_loaded))).kind() == wasm_mt::error_kind::load_failed);
    break;
  }
}

ASYNC_TEST_CASE("whichever allocation fails in a worker running calls, every call is answered", "[errors]") {
  auto th = co_await test::spawn();
  test::logged_errors logged;  // the failed iterations' unobserved errors
  for (std::size_t n = 1;; ++n) {
    REQUIRE(n < 500);
    INFO("failing allocation number " << n << " in the worker");
    CHECK(co_await th.exec(FailAllocation{n}));
    auto text = th.exec(TextSize{std::string(40, 't')});
    auto long_text = th.exec(LongText{40});
    auto thrown = th.exec(Throws{"an error longer than a short string"});
    co_await test::settled(text, 5000);
    co_await test::settled(long_text, 5000);
    co_await test::settled(thrown, 5000);
    bool failed = true;  // the question itself may be what fails
    try {
      failed = co_await th.exec(AllocationFailed{});
    } catch (const wasm_mt::error&) {
    }
    if (failed) continue;
    INFO("every one of the " << n - 1 << " allocations failed once");
    CHECK(text.get() == 40);
    CHECK(long_text.get() == std::string(40, 'x'));
    CHECK((co_await test::error_of(std::move(thrown))).kind() == wasm_mt::error_kind::remote_exception);
    break;
  }
}
