// The page-to-C++ bridge: C++ functions bound with embind that a page's JS calls as it
// calls any async API. Opt-in: include this header and link embind (-lembind, or
// --bind); programs that do not include it link none of it.
//
//   wasm_mt::js::promise<int> count_primes(int limit, emscripten::val signal, emscripten::val on_progress) {
//     return wasm_mt::js::to_promise(pool->exec(CountPrimes{limit},
//         {.stop = wasm_mt::js::stop_token_from(signal), .on_event = wasm_mt::js::events_to(on_progress)}));
//   }
//   EMSCRIPTEN_BINDINGS(app) { emscripten::function("countPrimes", &count_primes); }
//
//   // JS: const n = await app.countPrimes(200000, controller.signal, p => bar.value = p.done);
//
// Values cross as their JS form (to_js): what has a JSON form becomes the JSON value,
// wasm_mt::bytes a Uint8Array. A failure rejects with an Error (to_js_error).
#pragma once

#include <emscripten/val.h>

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>

#include "wasm_mt/bytes.hpp"
#include "wasm_mt/call_options.hpp"
#include "wasm_mt/detail/deep_json.hpp"
#include "wasm_mt/detail/payload.hpp"
#include "wasm_mt/error.hpp"
#include "wasm_mt/future.hpp"
#include "wasm_mt/stop_token.hpp"
#include "wasm_mt/stream.hpp"

#if defined(EMSCRIPTEN_DECLARE_VAL_TYPE)
#include <emscripten/bind.h>
#endif

// glue/library_wasm_mt_bridge.js
extern "C" {
emscripten::EM_VAL wasm_mt_js_bridge_deferred() noexcept;
emscripten::EM_VAL wasm_mt_js_bridge_function(void (*call)(void*, int, emscripten::EM_VAL, emscripten::EM_VAL), void* context) noexcept;
emscripten::EM_VAL wasm_mt_js_bridge_async_iterator(emscripten::EM_VAL next, emscripten::EM_VAL finish) noexcept;
void wasm_mt_js_bridge_call_reporting(emscripten::EM_VAL callback, emscripten::EM_VAL value) noexcept;
double wasm_mt_js_bridge_signal_id(emscripten::EM_VAL signal) noexcept;
emscripten::EM_VAL wasm_mt_js_bridge_abort_reason(emscripten::EM_VAL signal) noexcept;
}

namespace wasm_mt::js {

// The JS form of `value`: a boolean or string as such, any other number as a JS number
// (a double: 64-bit integers past 2^53 lose precision, as in JSON), wasm_mt::bytes as a
// new Uint8Array (a copy), nlohmann::json and any type with a JSON form as the JSON
// value (JSON.parse of its text: NaN and infinities become null, as in JSON.stringify).
// Throws what the JSON conversion throws.
template <class T>
emscripten::val to_js(const T& value) {
  if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, std::string>) {
    return emscripten::val(value);
  } else if constexpr (std::is_arithmetic_v<T>) {
    return emscripten::val(static_cast<double>(value));
  } else if constexpr (std::is_same_v<T, wasm_mt::bytes>) {
    return emscripten::val::global("Uint8Array").new_(emscripten::typed_memory_view(value.size(), value.data()));
  } else if constexpr (std::is_same_v<T, nlohmann::json>) {
    return emscripten::val::global("JSON").call<emscripten::val>("parse", wasm_mt::detail::dump_flat(value));
  } else {
    std::string text;  // (outside a message: binary values as arrays)
    wasm_mt::detail::write_text(text, value, wasm_mt::detail::keep::copy, 0);
    return emscripten::val::global("JSON").call<emscripten::val>("parse", text);
  }
}

// A wasm_mt::error as a JS Error: message what() ("kind: message"), name "WasmMtError",
// kind the error_kind's name ("cancelled", "remote_exception"...), notRun its not_run(),
// and cause an Error with the failing side's own message and, where there is one, its
// JS stack (the worker's).
inline emscripten::val to_js_error(const wasm_mt::error& failure) {
  using emscripten::val;
  val cause = val::global("Error").new_(failure.message());
  if (!failure.remote_stack().empty()) cause.set("stack", failure.remote_stack());
  val error = val::global("Error").new_(std::string(failure.what()));
  error.set("name", val("WasmMtError"));
  error.set("kind", val(std::string(error_kind_name(failure.kind()))));
  error.set("notRun", val(failure.not_run()));
  error.set("cause", cause);
  return error;
}

namespace detail {

// The TypeScript name of T's JS form (to_js), for current embind's --emit-tsd.
template <class T>
std::string typescript_name() {
  if constexpr (std::is_void_v<T>) return "void";
  else if constexpr (std::is_same_v<T, bool>) return "boolean";
  else if constexpr (std::is_arithmetic_v<T>) return "number";
  else if constexpr (std::is_same_v<T, std::string>) return "string";
  else if constexpr (std::is_same_v<T, wasm_mt::bytes>) return "Uint8Array";
  else return "any";
}

// A JS function calling `function` (bridge_function): `function` gets the JS call's first
// argument and returns what the JS call returns. C++ exceptions it throws are logged and
// the JS call returns undefined. Released (a no-op) by release() or when the JS function
// is garbage; `function` is destroyed then.
using bridged = std::function<emscripten::val(emscripten::val)>;
inline void call_bridged(void* context, int op, emscripten::EM_VAL argument, emscripten::EM_VAL box) noexcept {
  auto* function = static_cast<bridged*>(context);
  if (op == 1) {
    delete function;
    return;
  }
  emscripten::val argument_value = emscripten::val::take_ownership(argument);
  emscripten::val box_value = emscripten::val::take_ownership(box);
  try {
    box_value.set("value", (*function)(std::move(argument_value)));
  } catch (const std::exception& e) {
    emscripten::val::global("console").call<void>("error", std::string("wasm_mt::js: a bridged call threw: ") + e.what());
  } catch (...) {
    emscripten::val::global("console").call<void>("error", std::string("wasm_mt::js: a bridged call threw"));
  }
}
inline emscripten::val bridge_function(bridged function) {
  return emscripten::val::take_ownership(wasm_mt_js_bridge_function(&call_bridged, new bridged(std::move(function))));
}

// A deferred JS promise, settled once from C++.
struct deferred {
  emscripten::val handle = emscripten::val::take_ownership(wasm_mt_js_bridge_deferred());
  emscripten::val promise() const { return handle["promise"]; }
  void resolve(const emscripten::val& value) const { handle.call<void>("resolve", value); }
  void reject(const emscripten::val& error) const { handle.call<void>("reject", error); }
};

// A JS Error saying `what` went wrong here, on the C++ side of the bridge.
inline emscripten::val bridge_error(const std::string& what) {
  return emscripten::val::global("Error").new_("wasm_mt::js: " + what);
}

// Resolves `target` with what `make()` gives; rejects it with what `make` throws, so the
// promise always settles.
template <class Make>
void resolve_with(const deferred& target, Make&& make) noexcept {
  try {
    target.resolve(make());
  } catch (const wasm_mt::error& failure) {
    target.reject(to_js_error(failure));
  } catch (const std::exception& e) {
    target.reject(bridge_error(e.what()));
  } catch (...) {
    target.reject(bridge_error("an exception that is not a std::exception"));
  }
}

// Settles `target` with `f`'s outcome, its value mapped by `make` (T's value, or nothing
// for void, to a JS value).
template <class T, class Make>
void settle_from(future<T> f, deferred target, Make make) {
  auto on_error = [target](const wasm_mt::error& failure) { target.reject(to_js_error(failure)); };
  if constexpr (std::is_void_v<T>)
    f.then([target, make]() { resolve_with(target, make); }, on_error).detach();
  else
    f.then([target, make](T value) { resolve_with(target, [&] { return make(std::move(value)); }); }, on_error).detach();
}

}  // namespace detail

#if defined(EMSCRIPTEN_DECLARE_VAL_TYPE)
namespace detail {
// An emscripten::val that current embind knows by a TypeScript name, Kind<T's name>
// (Promise<number>...), for --emit-tsd; registered once per type, at static init.
template <class Kind, class T>
struct typed_val : emscripten::val {
  explicit typed_val(const emscripten::val& value) : emscripten::val(value) { (void)registered; }
  static inline const bool registered =
      (emscripten::register_type<typed_val>((Kind::name() + ("<" + typescript_name<T>() + ">")).c_str()), true);
};
struct promise_kind {
  static std::string name() { return "Promise"; }
};
struct async_iterator_kind {
  static std::string name() { return "AsyncIterableIterator"; }
};
}  // namespace detail
// A JS Promise of T's JS form. (On Emscripten before val types, 3.1.x, both are
// emscripten::val itself.)
template <class T>
using promise = detail::typed_val<detail::promise_kind, T>;
// A JS async iterator (for await...of) over the items of a stream of T.
template <class T>
using async_iterator = detail::typed_val<detail::async_iterator_kind, T>;
#else
template <class T>
using promise = emscripten::val;
template <class T>
using async_iterator = emscripten::val;
#endif

// `f` (a future, or a pool's job) as a JS Promise: resolved with the value's JS form
// (to_js; undefined for future<void>), rejected with to_js_error's Error. The work goes on
// whether or not JS awaits the promise (stop it with stop_token_from's signal).
template <class T>
promise<T> to_promise(future<T> f) {
  detail::deferred target;
  if constexpr (std::is_void_v<T>)
    detail::settle_from(std::move(f), target, [] { return emscripten::val::undefined(); });
  else
    detail::settle_from(std::move(f), target, [](T value) { return to_js(value); });
  return promise<T>(target.promise());
}

// `items` as a JS async iterator (for await...of), as JS's own: next() gives a promise
// of {value, done} (value: an item's JS form), rejected with to_js_error's Error when the
// stream fails (after its items); calls are answered in order; after the end, a failure
// or return(), next() gives {done: true}. return() (a loop's break, or a throw in its
// body) cancels the stream, stopping its producer (stream::cancel), and answers a next()
// still pending with done. An iterator dropped unfinished cancels the stream when it is
// garbage collected (never while a next() is pending).
template <class T>
async_iterator<T> to_async_iterator(wasm_mt::stream<T> items) {
  using emscripten::val;
  auto source = std::make_shared<wasm_mt::stream<T>>(std::move(items));
  // (The JS side calls these one at a time: glue/library_wasm_mt_bridge.js.)
  val next = detail::bridge_function([source](val) -> val {
    detail::deferred target;
    const auto make_result = [](std::optional<T> item) {
      val result = val::object();
      result.set("done", val(!item));
      result.set("value", item ? to_js(*item) : val::undefined());
      return result;
    };
    try {
      detail::settle_from(source->next(), target, make_result);
    } catch (...) {  // (no next(): the stream is empty, or another next() waits)
      detail::resolve_with(target, [failure = std::current_exception()]() -> val { std::rethrow_exception(failure); });
    }
    return target.promise();
  });
  val cancel = detail::bridge_function([source](val) -> val {
    source->cancel();
    return val::undefined();
  });
  return async_iterator<T>(
      val::take_ownership(wasm_mt_js_bridge_async_iterator(next.as_handle(), cancel.as_handle())));
}

namespace detail {
// A stop_source per AbortSignal, listening to it once, shared by the requests given that
// signal (by its id: wasm_mt_js_bridge_signal_id). Its listener holds it; the entry goes
// with the listener (the signal aborted, or was garbage collected).
struct signal_link {
  std::uint64_t id = 0;  // (counted in JS up to 2^53: never reused)
  wasm_mt::stop_source source;
  static std::unordered_map<std::uint64_t, std::weak_ptr<signal_link>>& all() {
    static std::unordered_map<std::uint64_t, std::weak_ptr<signal_link>> links;
    return links;
  }
  ~signal_link() {
    auto found = all().find(id);
    if (found != all().end() && found->second.expired()) all().erase(found);
  }
};

// An aborted signal's reason as text: an Error's message, a string as it is, anything
// else as String() makes it; empty when it has none, or reading it throws (in JS: the
// glue catches it). Throws std::bad_alloc.
inline std::string abort_reason(const emscripten::val& signal) {
  return emscripten::val::take_ownership(wasm_mt_js_bridge_abort_reason(signal.as_handle())).as<std::string>();
}
}  // namespace detail

// A stop token that is stopped when `signal`, a JS AbortSignal, aborts (at once if it
// has); undefined or null: one that never stops. The requests given one signal share one
// listener on it, however many there are. Give it as call_options::stop: the
// request then fails with error_kind::cancelled, its promise rejecting with kind
// "cancelled" (as fetch() rejects on abort, with its own AbortError), and with the
// signal's reason as its message (piscina rejects with signal.reason): abort("why")
// gives "why", an Error its message, abort() the engine's own AbortError message.
inline wasm_mt::stop_token stop_token_from(const emscripten::val& signal) {
  using emscripten::val;
  if (signal.isUndefined() || signal.isNull()) return {};
  if (signal["aborted"].as<bool>()) {
    wasm_mt::stop_source stopped;
    std::string reason;
    try {
      reason = detail::abort_reason(signal);
    } catch (...) {  // (no memory for it: none)
    }
    stopped.request_stop(std::move(reason));
    return stopped.get_token();
  }
  const auto id = static_cast<std::uint64_t>(wasm_mt_js_bridge_signal_id(signal.as_handle()));
  auto& links = detail::signal_link::all();
  if (auto found = links.find(id); id != 0 && found != links.end())
    if (auto link = found->second.lock()) return link->source.get_token();
  auto link = std::make_shared<detail::signal_link>();
  link->id = id;
  if (id != 0) links[id] = link;
  val options = val::object();
  options.set("once", val(true));
  signal.call<void>("addEventListener", val("abort"), detail::bridge_function([link](val event) {
                      std::string reason;
                      try {
                        reason = detail::abort_reason(event["target"]);
                      } catch (...) {  // (no memory for it: none)
                      }
                      link->source.request_stop(std::move(reason));
                      return val::undefined();
                    }),
                    options);
  return link->source.get_token();
}

// An event handler (call_options::on_event) calling `callback`, a JS function, with each
// event's JS form (to_js of its JSON); undefined or null: none. What the callback throws
// is reported as the page's error (reportError) and the request goes on.
inline event_handler events_to(const emscripten::val& callback) {
  if (callback.isUndefined() || callback.isNull()) return {};
  // (What the callback throws is the page's: reported there, the request goes on.)
  return event_handler([callback](const nlohmann::json& event) {
    wasm_mt_js_bridge_call_reporting(callback.as_handle(), to_js(event).as_handle());
  });
}

}  // namespace wasm_mt::js
