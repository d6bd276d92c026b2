// Programs and nesting: threads running another, separately linked program (found by
// stable closure IDs), programs built from in-memory buffers, threads spawned from
// inside workers.
#include <emscripten/emscripten.h>

#include <string>

#include "local_jobs.hpp"
#include "shared_closures.hpp"
#include "async_test.hpp"

namespace shared {
// other_program has a Versioned with two fields: another closure under the same name.
struct Versioned {
  int a = 0;
  int operator()() const { return a; }
};
WASM_MT_CLOSURE(Versioned, a)
}  // namespace shared

namespace {

struct MainOnly {
  int operator()() const { return 1; }
};
WASM_MT_CLOSURE(MainOnly)

struct InWorkerToo {
  bool operator()() const { return wasm_mt::in_worker(); }
};
WASM_MT_CLOSURE(InWorkerToo)

// Spawns a thread from inside the worker it runs in.
struct SpawnsNested {
  wasm_mt::task<int> operator()() const {
    wasm_mt::thread inner = co_await wasm_mt::thread::spawn("inner");
    bool inner_in_worker = co_await inner.exec(InWorkerToo{});
    int product = co_await inner.exec(shared::Multiply{6, 7});
    co_return inner_in_worker ? product : -1;
  }
};
WASM_MT_CLOSURE(SpawnsNested)

// The fib demo's recursion: each level runs its two halves on a thread it creates.
struct Fib {
  int n = 0;
  wasm_mt::task<int> operator()() const {
    if (n <= 1) co_return n;
    wasm_mt::thread th = co_await wasm_mt::thread::spawn();
    int a = co_await th.exec(Fib{n - 2});
    int b = co_await th.exec(Fib{n - 1});
    co_return a + b;
  }
};
WASM_MT_CLOSURE(Fib, n)

int compile_calls() { return EM_ASM_INT({ return globalThis.compileCalls || 0; }); }

void count_compile_calls() {
  EM_ASM({
    if (globalThis.compileCalls !== undefined) return;
    globalThis.compileCalls = 0;
    const compile = WebAssembly.compile;
    WebAssembly.compile = function () { globalThis.compileCalls++; return compile.apply(this, arguments); };
  });
}

}  // namespace

ASYNC_TEST_CASE("a thread runs another program, whose closures have the same stable IDs", "[programs]") {
  auto other = co_await wasm_mt::program::from_url(WASM_MT_TEST_OTHER_PROGRAM_JS);
  auto th = co_await wasm_mt::thread::spawn(other, "other");
  CHECK((co_await th.exec(shared::WhichProgram{})) == "other_program");
  CHECK((co_await th.exec(shared::Multiply{6, 7})) == 42);

  // A closure only this program has: a clear error naming it.
  auto e = co_await test::error_of(th.exec(MainOnly{}));
  CHECK(e.kind() == wasm_mt::error_kind::unknown_function);
  CHECK_THAT(e.message(), Catch::Contains("MainOnly"));

  auto self = co_await test::spawn();
  CHECK((co_await self.exec(shared::WhichProgram{})) == "test_program");
}

ASYNC_TEST_CASE("a closure another program has under another meaning fails with unknown_function, never runs", "[programs]") {
  auto other = co_await wasm_mt::program::from_url(WASM_MT_TEST_OTHER_PROGRAM_JS);
  auto th = co_await wasm_mt::thread::spawn(other, "other");
  auto self = co_await test::spawn();

  // Two (anonymous namespace)::Job closures here, one there: local to their programs.
  CHECK((co_await local_jobs::run_job_a(self)) == 'a');
  CHECK((co_await local_jobs::run_job_b(self)) == 'b');
  // (The one that took Job#2 here is unknown there; the other has Job's ID there, where
  // it is the other file's closure: it once ran it.)
  int mismatched = 0;
  for (auto* run : {&local_jobs::run_job_a, &local_jobs::run_job_b}) {
    auto e = co_await test::error_of(run(th));
    CHECK(e.kind() == wasm_mt::error_kind::unknown_function);
    CHECK_THAT(e.message(), Catch::Contains("(anonymous namespace)::Job"));
    if (e.message().find("local to its program") != std::string::npos) ++mismatched;
  }
  CHECK(mismatched == 1);

  // One name, other fields: another closure.
  CHECK((co_await self.exec(shared::Versioned{5})) == 5);
  auto e = co_await test::error_of(th.exec(shared::Versioned{5}));
  CHECK(e.kind() == wasm_mt::error_kind::unknown_function);
  CHECK_THAT(e.message(), Catch::Contains("is 'shared::Versioned', which is not the caller's"));
  CHECK_THAT(e.message(), Catch::Contains("(closure 'shared::Versioned')"));

  // exec_by_name is not checked: the name is the caller's promise.
  CHECK((co_await th.exec_by_name<int>("shared::Versioned", {{"a", 2}, {"b", 3}})) == 5);
  CHECK((co_await th.exec(shared::Multiply{6, 7})) == 42);  // same name, same shape: runs
}

ASYNC_TEST_CASE("a program built from in-memory JS and wasm buffers", "[programs]") {
  count_compile_calls();
  auto js = co_await wasm_mt::fetch_bytes(WASM_MT_TEST_OTHER_PROGRAM_JS);
  auto wasm = co_await wasm_mt::fetch_bytes(WASM_MT_TEST_OTHER_PROGRAM_WASM);
  const int before = compile_calls();
  auto other = co_await wasm_mt::program::from_buffers(js, wasm);
  auto first = co_await wasm_mt::thread::spawn(other, "foo");
  auto second = co_await wasm_mt::thread::spawn(other);
  CHECK(first.label() == "foo");
  CHECK((co_await first.exec(shared::WhichProgram{})) == "other_program");
  CHECK((co_await second.exec(shared::Multiply{-3, 3})) == -9);
  // The wasm was compiled once, for both threads (they receive the compiled module).
  CHECK(compile_calls() - before == 1);
}

ASYNC_TEST_CASE("spawning threads of the running program compiles nothing again", "[programs]") {
  count_compile_calls();
  const int before = compile_calls();
  auto a = co_await test::spawn();
  auto b = co_await test::spawn();
  CHECK((co_await a.exec(shared::Multiply{2, 3})) == 6);
  CHECK((co_await b.exec(shared::Multiply{4, 3})) == 12);
  CHECK(compile_calls() == before);
}

ASYNC_TEST_CASE("threads start from the wasm bytes where an engine cannot clone a compiled module", "[programs]") {
  // The program's wasm was compiled streaming, and its bytes not kept: they are read
  // again (once) only for an engine that cannot send the compiled module.
  auto bytes_kept = [] { return EM_ASM_INT({ return wasmMtPrograms.all.get(0).bytes ? 1 : 0; }) != 0; };
  CHECK_FALSE(bytes_kept());
  EM_ASM({ wasmMtParent.cloneModules = false; });
  auto th = co_await test::spawn("from bytes");
  auto nested = th.exec(Fib{3});
  EM_ASM({ wasmMtParent.cloneModules = true; });
  CHECK((co_await th.exec(shared::Multiply{7, 6})) == 42);
  CHECK((co_await std::move(nested)) == 2);
  CHECK(bytes_kept());
}

ASYNC_TEST_CASE("a program that cannot be loaded gives load_failed", "[programs][errors]") {
  auto e = co_await test::error_of(wasm_mt::program::from_url("does/not/exist.js"));
  CHECK(e.kind() == wasm_mt::error_kind::load_failed);
  CHECK_THAT(e.message(), Catch::Contains("exist.wasm"));

  auto not_wasm = co_await test::error_of(wasm_mt::program::from_buffers(wasm_mt::bytes("x"), wasm_mt::bytes("not wasm")));
  CHECK(not_wasm.kind() == wasm_mt::error_kind::load_failed);

  auto missing = co_await test::error_of(wasm_mt::fetch_bytes("does/not/exist.bin"));
  CHECK(missing.kind() == wasm_mt::error_kind::load_failed);
}

ASYNC_TEST_CASE("threads can be spawned from inside a worker", "[programs]") {
  auto th = co_await test::spawn("outer");
  CHECK((co_await th.exec(SpawnsNested{})) == 42);
}

ASYNC_TEST_CASE("fib with nested threads, as the original's demo", "[programs]") {
  auto th = co_await test::spawn("fib");
  CHECK((co_await th.exec(Fib{1})) == 1);
  CHECK((co_await th.exec(Fib{4})) == 3);
}
