// Memory the caller keeps, sent without a copy first: a std::shared_ptr capture shares
// the value with the request until it is written out of the heap (one copy, then a
// transfer); the worker gets a value of its own.
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include <emscripten.h>

#include "async_test.hpp"
#include "shared_closures.hpp"

namespace shared_values_test {

using image_ptr = std::shared_ptr<const std::vector<float>>;

// The sum of an image the caller keeps, and its size; -1 for a null pointer.
struct SumImage {
  image_ptr image;
  double operator()() const {
    if (!image) return -1;
    return std::accumulate(image->begin(), image->end(), 0.0) + double(image->size()) * 1e6;
  }
};
WASM_MT_CLOSURE(SumImage, image)

struct Frame {
  int index = 0;
  std::shared_ptr<std::vector<std::uint16_t>> samples;
  std::shared_ptr<const std::string> caption;
};
WASM_MT_STRUCT(Frame, index, samples, caption)

// Frames back with their samples doubled, in a map of shared frames.
struct DoubleFrames {
  std::vector<Frame> frames;
  std::map<std::string, std::shared_ptr<const Frame>> operator()() const {
    std::map<std::string, std::shared_ptr<const Frame>> out;
    for (const auto& f : frames) {
      auto copy = std::make_shared<Frame>(f);
      if (f.samples) {
        copy->samples = std::make_shared<std::vector<std::uint16_t>>(*f.samples);
        for (auto& s : *copy->samples) s = std::uint16_t(s * 2);
      }
      out["f" + std::to_string(f.index)] = std::move(copy);
    }
    return out;
  }
};
WASM_MT_CLOSURE(DoubleFrames, frames)

// Returns `count` floats 0.5 apart as a shared vector.
struct MakeShared {
  int count = 0;
  std::shared_ptr<const std::vector<float>> operator()() const {
    auto v = std::make_shared<std::vector<float>>(count);
    for (int i = 0; i < count; ++i) (*v)[i] = float(i) * 0.5f;
    return v;
  }
};
WASM_MT_CLOSURE(MakeShared, count)

// A list of shared nodes; Walk sums their values in the worker.
struct Node {
  int v = 0;
  std::shared_ptr<Node> next;
  ~Node() {  // link by link: the default destructor recurses, a frame or more a link
    for (auto at = std::move(next); at && at.use_count() == 1;) at = std::move(at->next);
  }
};
WASM_MT_STRUCT(Node, v, next)

struct Walk {
  std::shared_ptr<Node> head;
  int operator()() const {
    int sum = 0;
    for (const Node* at = head.get(); at; at = at->next.get()) sum += at->v;
    return sum;
  }
};
WASM_MT_CLOSURE(Walk, head)


std::shared_ptr<std::vector<float>> make_image(std::size_t count) {
  auto image = std::make_shared<std::vector<float>>(count);
  for (std::size_t i = 0; i < count; ++i) (*image)[i] = float(i % 1000) * 0.25f;
  return image;
}

double expected_sum(const std::vector<float>& image) {
  return std::accumulate(image.begin(), image.end(), 0.0) + double(image.size()) * 1e6;
}

// A record, for the depth of its layout.
struct DepthPoint {
  std::int32_t id = 0;
  float x = 0;
};
WASM_MT_STRUCT(DepthPoint, id, x)

// A chain of `links` Nodes, encoded as a Walk's capture: 1 when it was, 2 when it was
// refused as too deep for the stack, 3 for another error.
int encode_chain(int links) {
  auto chain = std::make_shared<Node>();
  auto end = chain;
  for (int i = 1; i < links; ++i) end = end->next = std::make_shared<Node>(Node{1, nullptr});
  try {
    (void)wasm_mt::detail::encode(Walk{chain});
    return 1;
  } catch (const wasm_mt::error& e) {
    return std::string(e.what()).find("too deep for this thread's stack") != std::string::npos ? 2 : 3;
  }
}

// encode_chain(links) called from JS recursion that leaves about `frames` small JS frames
// of the engine's stack (found by recursing until the engine refuses).
EM_JS(int, encode_chain_from_deep_js, (int links, int frames), {
  // (Frames shaped like the glue's probe: one argument, no try of their own.)
  var deepest = 0;
  function room(n) { deepest = n; return room(n + 1) + 1; }
  try { room(0); } catch (e) {}
  function down(n) { return n > 0 ? down(n - 1) | 0 : _shared_values_encode_chain(links); }
  return down(Math.max(0, deepest - frames));
});

}  // namespace shared_values_test

extern "C" EMSCRIPTEN_KEEPALIVE int shared_values_encode_chain(int links) {
  return shared_values_test::encode_chain(links);
}

using namespace shared_values_test;

ASYNC_TEST_CASE("shared_ptr captures: sent without a copy first, held by the request until sent", "[payloads]") {
  auto data = make_image(1 << 20);  // 4 MiB the caller keeps (and may change)
  const double sum = expected_sum(*data);
  const image_ptr image = data;

  // A thread copies the captures out of the heap in exec() itself, even while its worker
  // is still starting: what the caller does to the image afterwards is not sent.
  auto th = wasm_mt::thread::start();
  auto first = th.exec(SumImage{image});
  std::fill(data->begin(), data->end(), 1.0f);
  CHECK(image.use_count() == 2);  // the caller's two pointers: the request kept no share
  CHECK((co_await std::move(first)) == sum);
  CHECK((co_await th.exec(SumImage{nullptr})) == -1);

  // A pool's job holds its closure, so a share of the image, not a copy, for as long as
  // the job lives (it may send the task again to a replacement worker): the image
  // outlives the caller's own pointer, and is freed with the job.
  auto pool = co_await wasm_mt::pool::create({.threads = 1});
  std::weak_ptr<const std::vector<float>> watched;
  {
    auto busy = pool.exec(shared::Sleeps{100});
    image_ptr caller_copy = make_image(1 << 20);
    const double copy_sum = expected_sum(*caller_copy);
    watched = caller_copy;
    auto queued = pool.exec(SumImage{caller_copy});
    CHECK(caller_copy.use_count() == 2);
    caller_copy.reset();
    CHECK_FALSE(watched.expired());
    CHECK((co_await busy) == 100);
    CHECK((co_await queued) == copy_sum);
  }
  co_await wasm_mt::sleep(1);  // (a settled state lives until the continuation it runs returns)
  CHECK(watched.expired());
}

ASYNC_TEST_CASE("shared_ptr values at any depth, in described structs, maps and results, travel as binary", "[payloads]") {
  auto th = co_await test::spawn();
  std::vector<Frame> frames;
  frames.push_back({1, std::make_shared<std::vector<std::uint16_t>>(std::vector<std::uint16_t>{1, 2, 30000}),
                    std::make_shared<const std::string>("first")});
  frames.push_back({2, nullptr, nullptr});
  auto back = co_await th.exec(DoubleFrames{frames});
  REQUIRE(back.size() == 2);
  REQUIRE(back["f1"]);
  CHECK(back["f1"]->index == 1);
  REQUIRE(back["f1"]->samples);
  CHECK(*back["f1"]->samples == std::vector<std::uint16_t>{2, 4, 60000});
  REQUIRE(back["f1"]->caption);
  CHECK(*back["f1"]->caption == "first");
  REQUIRE(back["f2"]);
  CHECK_FALSE(back["f2"]->samples);
  CHECK_FALSE(back["f2"]->caption);
  // The caller's values are untouched (the worker's are its own).
  CHECK(*frames[0].samples == std::vector<std::uint16_t>{1, 2, 30000});

  // A shared result: a vector of its own at the caller; binary on the wire (wasm_mt::bytes
  // reads only the binary form, never a JSON array).
  auto shared = co_await th.exec(MakeShared{5});
  REQUIRE(shared);
  CHECK(*shared == std::vector<float>{0, 0.5f, 1, 1.5f, 2});
  auto raw = co_await th.exec_by_name<wasm_mt::bytes>(wasm_mt::closure_name<MakeShared>(), {{"count", 3}});
  CHECK(raw.size() == 3 * sizeof(float));
  auto as_json = co_await th.exec_by_name<nlohmann::json>(wasm_mt::closure_name<MakeShared>(), {{"count", 2}});
  CHECK(as_json == nlohmann::json::array({0.0, 0.5}));
  auto none = co_await th.exec_by_name<std::shared_ptr<std::vector<float>>>(wasm_mt::closure_name<MakeShared>(),
                                                                           {{"count", 0}});
  REQUIRE(none);
  CHECK(none->empty());
}

ASYNC_TEST_CASE("shared_ptr chains make the trip; a cycle fails bad_payload before anything is sent", "[payloads][faults]") {
  auto th = co_await test::spawn();
  auto head = std::make_shared<Node>();
  auto at = head;
  for (int i = 1; i <= 100; ++i) at = at->next = std::make_shared<Node>(Node{i, nullptr});
  CHECK((co_await th.exec(Walk{head})) == 5050);
  // Long chains: the walk takes a few frames a link on both of a thread's stacks. 200
  // links go in a release build with 3.1.6's 5 MiB stack (64 KiB: small_stack.cpp); 2,040
  // may be refused where the JS engine's stack is short (Chromium's workers refuse some
  // 370 levels; main threads have about 1 MB, less room at -O0), by the caller's writer
  // or the worker's reader, but only with bad_payload saying so, never a crash.
  const bool big_stack = wasm_mt::detail::stack_left() > (1u << 20);
  for (int links : {200, 2040}) {
    auto chain = std::make_shared<Node>();
    auto end = chain;
    for (int i = 1; i < links; ++i) end = end->next = std::make_shared<Node>(Node{1, nullptr});
    auto outcome = co_await th.exec(Walk{chain}).result();
    if (outcome) {
      CHECK(*outcome == links - 1);
    } else {
      CHECK(outcome.error().kind() == wasm_mt::error_kind::bad_payload);
      CHECK_THAT(outcome.error().message(), Catch::Contains("too deep for this thread's stack"));
    }
#ifdef NDEBUG
    if (links == 200 && big_stack) CHECK((outcome ? std::string("sent") : outcome.error().message()) == "sent");
#endif
  }
  CHECK((co_await th.exec(Walk{head})) == 5050);  // (the thread goes on)

  at->next = head;  // the last node points back to the first
  auto cycle = co_await test::error_of(th.exec(Walk{head}));
  CHECK(cycle.kind() == wasm_mt::error_kind::bad_payload);
  CHECK_THAT(cycle.message(), Catch::Contains("cycle"));
  CHECK(cycle.not_run());
  at->next = nullptr;  // (the list can be freed)

  // One node reached twice is sent twice (a copy each).
  auto shared = std::make_shared<Node>(Node{7, nullptr});
  auto two = std::make_shared<Node>(Node{1, std::make_shared<Node>(Node{2, shared})});
  two->next->next->next = nullptr;
  CHECK((co_await th.exec(Walk{two})) == 10);
  CHECK((co_await th.exec(Walk{std::make_shared<Node>(Node{100, shared})})) == 107);
}

// ([node]: finding the end of the engine's stack by recursion takes minutes in Firefox and
// WebKit; in the browsers the chains above show the probe at work.)
TEST_CASE("the walk of a deep value checks the JS engine's stack: refused, never a RangeError", "[payloads][faults][node]") {
  using shared_values_test::encode_chain_from_deep_js;
  // With 2,500 small JS frames of the engine's stack left (a little more than the probe
  // asks for), 10 links go, and 1,500 (over 1,500 frames of wasm) are refused where the
  // walk runs short, at a probe every 16 levels; without the probe the engine throws a
  // RangeError through wasm and this test dies.
  CHECK(encode_chain_from_deep_js(10, 2500) == 1);
  CHECK(encode_chain_from_deep_js(1500, 2500) == 2);
  // From the top of the stack it goes in a release build with 3.1.6's 5 MiB linear stack,
  // so the refusal above was the engine's stack (64 KiB: Emscripten's refuses it too).
#ifdef NDEBUG
  if (wasm_mt::detail::stack_left() > (1u << 20)) CHECK(encode_chain_from_deep_js(1500, 1 << 30) == 1);
#endif
}

TEST_CASE("a binary value's reference counts toward the depth limit, as in the DOM", "[payloads][faults]") {
  // (At the limit's level directly: a value that deep would recurse through the walk.)
  using wasm_mt::detail::max_nesting_depth;
  const std::vector<float> floats{1.5f};
  const std::vector<shared_values_test::DepthPoint> points{{1, 2.5f}};
  auto write = [](const auto& value, std::size_t levels) {
    wasm_mt::detail::encoded message;
    wasm_mt::detail::outgoing_buffers_scope scope(message);
    wasm_mt::detail::write_text(message.json, value, wasm_mt::detail::keep::reference, levels);
    return message.json;
  };
  // A reference is an object: inside 2,047 levels it is the 2,048th, inside 2,048 too deep.
  CHECK(write(floats, max_nesting_depth - 1) == R"({"$wasm_mt_bytes":0,"t":"f32"})");
  CHECK_THROWS_AS(write(floats, max_nesting_depth), wasm_mt::error);
  CHECK_THROWS_AS(write(wasm_mt::bytes{1}, max_nesting_depth), wasm_mt::error);
  // Records' layout adds two levels of arrays.
  CHECK_NOTHROW(write(points, max_nesting_depth - 3));
  CHECK_THROWS_AS(write(points, max_nesting_depth - 2), wasm_mt::error);
  // The reader leaves a reference past the limit to the DOM, which refuses it.
  std::vector<float> read;
  wasm_mt::detail::json_text::reader in(R"({"$wasm_mt_bytes":0,"t":"f32"})");
  CHECK_FALSE(wasm_mt::detail::read_text(in, read, max_nesting_depth));
}
