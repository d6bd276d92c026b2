// Deep values on a small stack: built with -sSTACK_SIZE=65536, current Emscripten's
// default (test/setups/CMakeLists.txt). Values nested 2,000 levels deep as JSON make the
// trip both ways (wasm_mt does not recurse over them); a chain of 2,000 std::shared_ptr,
// which wasm_mt walks a few frames a level, is refused with bad_payload on either side,
// written or read, before it could overflow the stack; nothing crashes, and the thread and the caller go
// on. main() prints one line: "small stack: " and a JSON object of what it saw
// (run.cjs checks it).
#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <wasm_mt/detail/payload.hpp>
#include <wasm_mt/wasm_mt.hpp>

namespace small_stack {

// A singly linked list; freed link by link (its default destructor would recurse).
struct Link {
  int value = 0;
  std::shared_ptr<Link> next;
  ~Link() {
    for (auto at = std::move(next); at && at.use_count() == 1;) at = std::move(at->next);
  }
};
WASM_MT_STRUCT(Link, value, next)

std::shared_ptr<Link> chain(int length) {
  std::shared_ptr<Link> head;
  for (int i = length; i >= 1; --i) head = std::make_shared<Link>(Link{i, std::move(head)});
  return head;
}

long long sum(const std::shared_ptr<Link>& head) {
  long long total = 0;
  for (const Link* at = head.get(); at; at = at->next.get()) total += at->value;
  return total;
}

struct Sum {
  std::shared_ptr<Link> head;
  long long operator()() const { return sum(head); }
};
WASM_MT_CLOSURE(Sum, head)

struct MakeChain {
  int length = 0;
  std::shared_ptr<Link> operator()() const { return chain(length); }
};
WASM_MT_CLOSURE(MakeChain, length)

nlohmann::json nested(int depth) {
  nlohmann::json value = nlohmann::json::array();
  for (int i = 1; i < depth; ++i) value = nlohmann::json::array({std::move(value)});
  return value;
}

int depth_of(const nlohmann::json& value) {
  int depth = 0;
  for (const nlohmann::json* at = &value; at->is_array(); at = at->empty() ? nullptr : &(*at)[0]) {
    ++depth;
    if (at->empty()) break;
  }
  return depth;
}

struct Depth {
  nlohmann::json value;
  int operator()() const { return depth_of(value); }
};
WASM_MT_CLOSURE(Depth, value)

struct Deep {
  int depth = 0;
  nlohmann::json operator()() const { return nested(depth); }
};
WASM_MT_CLOSURE(Deep, depth)

struct Add {
  int a = 0, b = 0;
  int operator()() const { return a + b; }
};
WASM_MT_CLOSURE(Add, a, b)

// "value <v>", or the error's kind, whether it ran, and whether it names the stack.
template <class T, class F>
std::string outcome(wasm_mt::expected<T>& result, F&& value) {
  if (result) return "value " + std::to_string(value(*result));
  const auto& e = result.error();
  return std::string(wasm_mt::error_kind_name(e.kind())) + (e.not_run() ? ", not run" : ", maybe run") +
         (std::string(e.what()).find("STACK_SIZE") != std::string::npos ? ", names STACK_SIZE" : "");
}

wasm_mt::task<> run() {
  nlohmann::json seen;
  try {
    auto th = co_await wasm_mt::thread::spawn("small stack");
    seen["json_capture"] = co_await th.exec(Depth{nested(2000)});
    seen["json_result"] = depth_of(co_await th.exec(Deep{2000}));
    seen["chain_200"] = co_await th.exec(Sum{chain(200)});
    seen["chain_200_result"] = sum(co_await th.exec(MakeChain{200}));
    // Refused by the caller's writer (its stack), then by the worker's (a result).
    auto sent = co_await th.exec(Sum{chain(2000)}).result();
    seen["chain_2000"] = outcome(sent, [](long long v) { return v; });
    auto made = co_await th.exec(MakeChain{2000}).result();
    seen["chain_2000_result"] = outcome(made, [](const std::shared_ptr<Link>& head) { return sum(head); });
    // The reader, then the DOM it leaves the text to, refuse it as text too.
    std::string text;
    for (int i = 1; i <= 2000; ++i) text += "{\"value\":1,\"next\":";
    text += "null" + std::string(2000, '}');
    try {
      seen["chain_2000_text"] = sum(wasm_mt::detail::decode<std::shared_ptr<Link>>(text, 0));
    } catch (const wasm_mt::error& e) {
      seen["chain_2000_text"] = std::string(wasm_mt::error_kind_name(e.kind())) +
                                (std::string(e.what()).find("cannot decode: a value nested too deep for this "
                                                            "thread's stack") != std::string::npos
                                     ? ", too deep for the stack"
                                     : std::string(": ") + e.what());
    }
    seen["after"] = co_await th.exec(Add{2, 3});
    // How long a chain this stack takes (the caller's writer; informative, checked loosely).
    int fits = 0;
    for (int length = 100; length <= 2000; length += 100) {
      if (!co_await th.exec(Sum{chain(length)}).result()) break;
      fits = length;
    }
    seen["longest_chain_sent"] = fits;
  } catch (const std::exception& e) {
    seen["error"] = e.what();
  }
  std::printf("small stack: %s\n", seen.dump().c_str());
}

}  // namespace small_stack

int main() { wasm_mt::spawn_local(small_stack::run()); }
