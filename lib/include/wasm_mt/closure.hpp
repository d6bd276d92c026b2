// Closures: what runs on a thread. A closure is a capture struct with an operator()
// returning a result (any nlohmann/json-serializable type, void, wasm_mt::bytes) or, for
// an async closure, a wasm_mt::task<R> / wasm_mt::future<R>.
//
// Named closure (the macro goes in the struct's own namespace, after the struct):
//   struct Add { int a, b; int operator()() const { return a + b; } };
//   WASM_MT_CLOSURE(Add, a, b)        // JSON for the captures + registration
//   int three = co_await th.exec(Add{1, 2});
//
// Inline closure, the counterpart of Rust's exec!(th, move || ...): the captures are
// copied by value, listed explicitly:
//   int three = co_await WASM_MT_EXEC(th, (a, b), { return add(a, b); });
//   int minus1 = co_await WASM_MT_EXEC_ASYNC(th, int, (a, b), {
//     co_await wasm_mt::sleep(1000); co_return a - b; });
//
// Every closure type that is exec'd is registered at static-init time by the exec call
// itself (a template instantiation in the same object file), so a registration cannot be
// dropped by the linker while its call site survives.
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <string_view>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

#include "wasm_mt/detail/closure_checks.hpp"
#include "wasm_mt/detail/describe.hpp"
#include "wasm_mt/detail/for_each.hpp"
#include "wasm_mt/detail/payload.hpp"
#include "wasm_mt/detail/request_context.hpp"
#include "wasm_mt/future.hpp"
#include "wasm_mt/generator.hpp"
#include "wasm_mt/registry.hpp"
#include "wasm_mt/task.hpp"

namespace wasm_mt {

namespace detail {
template <class R>
struct async_result {
  static constexpr bool is_async = false;
  static constexpr bool is_stream = false;
  using type = R;
};
template <class U>
struct async_result<task<U>> {
  static constexpr bool is_async = true;
  static constexpr bool is_stream = false;
  using type = U;
};
template <class U>
struct async_result<future<U>> {
  static constexpr bool is_async = true;
  static constexpr bool is_stream = false;
  using type = U;
};
template <class U>
struct async_result<generator<U>> {  // its items' type
  static constexpr bool is_async = true;
  static constexpr bool is_stream = true;
  using type = U;
};
}  // namespace detail

namespace detail {
// The result of anything callable with no arguments, closure or not: a call with a wrong
// closure gives its one error at the call (closure_checks.hpp), none from the result.
template <class C>
struct closure_result {
  using type = void;  // not callable: the call failed to compile, saying why
};
template <class C>
  requires std::is_invocable_v<C&>
struct closure_result<C> {
  using type = typename async_result<std::invoke_result_t<C&>>::type;
};
}  // namespace detail

// What awaiting a closure of type C gives (task<R> and future<R> give R; for a
// streaming closure, generator<R>, R is its items' type).
template <class C>
using closure_result_t = typename detail::closure_result<C>::type;

// Whether C is a streaming closure (returns a generator<R>): run with thread::stream.
template <class C>
constexpr bool is_streaming_closure = requires { requires detail::async_result<std::invoke_result_t<C&>>::is_stream; };

namespace detail {
// Whether C is an async closure (returns a task<R>, future<R> or generator<R>).
template <class C>
constexpr bool is_async_closure = requires { requires async_result<std::invoke_result_t<C&>>::is_async; };
}  // namespace detail

// The stable name of a closure: C::wasm_mt_name() when it has one (inline closures:
// "file.cpp:line#n", n counting inline closures in that file), else its qualified type
// name.
template <class C>
constexpr std::string_view closure_name() {
  if constexpr (requires { C::wasm_mt_name(); })
    return C::wasm_mt_name();
  else
    return detail::type_name<C>();
}

namespace detail {

// Where a reply goes: request `id` of this worker's parent (handle 0), or of child
// thread `handle` (a call into its caller, this_request::call_caller).
struct reply_address {
  std::uint32_t id;
  int handle = 0;
};

// A call as a worker receives it; payload and buffers are read from the inbox.
struct incoming_call {
  reply_address from;
  std::string_view payload;
  std::size_t buffer_count;
  std::uint32_t flags;  // call_flags (request_context.hpp)
};

// Worker-side replies; each request gets exactly one. They never throw: a value that
// cannot be encoded is replied as its error, and an error that cannot be described (no
// memory) as a short fixed one.
void reply_json(reply_address to, std::string_view json) noexcept;
void reply_encoded(reply_address to, const encoded& value) noexcept;
void reply_error(reply_address to, const std::exception_ptr& failure) noexcept;

template <class T>
void reply_value(reply_address to, const T& value) noexcept {
  if constexpr (std::is_null_pointer_v<T>) {
    reply_json(to, "null");
  } else if constexpr (json_scalar<T>) {
    reply_json(to, scalar_to_json(value).view());
  } else {
    encoded out;
    try {
      out = encode(value);
    } catch (...) {
      reply_error(to, std::current_exception());
      return;
    }
    reply_encoded(to, out);
  }
}

// Runs in the request's `context` (this_request; the caller sets it for the first run,
// continuations restore it: shared_state.hpp), registered for stops until it replies.
template <class C>
future<void> run_async_closure(reply_address to, std::shared_ptr<C> closure,
                               [[maybe_unused]] std::shared_ptr<request_context> context) {
  struct ended {
    reply_address to;
    ~ended() { end_async_request(to.handle, to.id); }
  } registered{to};
  try {
    if constexpr (std::is_void_v<closure_result_t<C>> || is_streaming_closure<C>) {
      co_await (*closure)();  // (a stream's items went out as it yielded them)
      reply_value(to, nullptr);
    } else {
      auto value = co_await (*closure)();
      reply_value(to, value);
    }
  } catch (...) {
    reply_error(to, std::current_exception());
  }
}

// Decodes C from the call, runs it and replies; an exception from decoding or from a
// synchronous closure is the reply. The catch is here, around direct calls, and not in
// the dispatcher, which calls this through a pointer: with native wasm exceptions WebKit
// skips a catch around a call through a pointer (docs/webkit-wasm-exceptions.md).
template <class C>
void invoke_closure(const incoming_call& call) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
  try {
    C closure = decode<C>(call.payload, call.buffer_count);
    using raw_result = std::invoke_result_t<C&>;
    if constexpr (async_result<raw_result>::is_async) {
      // (A child's call into its caller is stopped with the child's request; it has no
      // events or stream.)
      auto context = start_async_request(call.from.handle, call.from.id, call.from.handle == 0 ? call.flags : 0);
      request_scope scope(context.get());
      run_async_closure<C>(call.from, std::make_shared<C>(std::move(closure)), std::move(context));
    } else {
      request_context context(call.from.id, call.from.handle == 0 ? call.flags : 0, false);  // (it cannot be stopped)
      context.sender = call.from.handle;
      request_scope scope(&context);
      if constexpr (std::is_void_v<raw_result>) {
        closure();
        reply_value(call.from, nullptr);
      } else {
        reply_value(call.from, closure());
      }
    }
  } catch (...) {
    reply_error(call.from, std::current_exception());
  }
}

// The names of C's capture fields, as listed where its JSON form is defined
// (WASM_MT_CLOSURE, an inline closure), else empty.
template <class C>
constexpr std::string_view capture_field_names() {
  if constexpr (requires { C::wasm_mt_fields(); })
    return C::wasm_mt_fields();
  else if constexpr (requires { wasm_mt_capture_field_names(static_cast<const C*>(nullptr)); })
    return wasm_mt_capture_field_names(static_cast<const C*>(nullptr));
  else
    return {};
}

// What C takes and gives, hashed: its capture fields and its result type (registry.hpp).
template <class C>
constexpr std::uint32_t closure_shape() {
  return fnv1a(type_name<closure_result_t<C>>(), fnv1a("\n", fnv1a(capture_field_names<C>())));
}

template <class C>
function_id register_closure() {
  if constexpr (check_closure<C>())
    return registry::instance().add(closure_name<C>(), &invoke_closure<C>, closure_shape<C>(),
                                    is_program_local_name(closure_name<C>()));
  else
    return 0;  // not reached: check_closure failed to compile
}

// Registers C at static-init time when instantiated (odr-used), so a worker running
// this program knows C before any call arrives.
template <class C>
inline const function_id registered_id = register_closure<C>();

}  // namespace detail

// The function ID calls to C travel under: stable_id(closure_name<C>()) unless another
// closure took that first (see registry.hpp).
template <class C>
function_id closure_id() {
  [[maybe_unused]] const void* volatile keep_registration = &detail::registered_id<C>;
  static const function_id id = detail::register_closure<C>();
  return id;
}

// The signature calls to C carry, which the worker checks (registry.hpp).
template <class C>
std::uint32_t closure_signature() {
  static const std::uint32_t signature = registry::instance().signature_of(closure_id<C>());
  return signature;
}

}  // namespace wasm_mt

// Defines JSON for the listed capture fields (nlohmann/json to_json/from_json, found by
// ADL: use it in the struct's namespace) and registers the closure. Also lists the
// fields' names, which the closure's signature hashes (closure_shape).
// Compile errors: placed outside Type's namespace; a field that is a pointer, a
// reference, a view or const; a field listed twice; an aggregate Type with a field left
// out of the list (fields of a base class are listed too; empty bases and members need
// not be; give Type a constructor to skip that check).
#define WASM_MT_CLOSURE(Type, ...)                                                            \
  WASM_MT_DETAIL_DESCRIBE("WASM_MT_CLOSURE", Type, WASM_MT_DETAIL_FIELD_CAN_CROSS, __VA_ARGS__) \
  [[maybe_unused]] constexpr ::std::type_identity<Type> wasm_mt_closure_type(const Type*) { return {}; } \
  [[maybe_unused]] constexpr ::std::string_view wasm_mt_capture_field_names(const Type*) {   \
    return #__VA_ARGS__;                                                                      \
  }                                                                                           \
  WASM_MT_REGISTER(Type)

// Registers a closure whose captures already have a JSON form. Only needed for a program
// that runs a closure it never execs itself (a worker-only program). Once per type, in
// the closure's namespace. Keyed by the type (a specialization of a class template that
// each use declares again), not by a line: any number may share a line, a header and
// the .cpp including it, or a unity build's translation unit. ([[gnu::used]]: its
// variable is emitted, and so the registration runs, even where nothing reads it.)
#define WASM_MT_REGISTER(Type)                                                                 \
  template <class>                                                                             \
  struct wasm_mt_registration;                                                                 \
  template <>                                                                                  \
  struct wasm_mt_registration<Type> {                                                          \
    [[gnu::used]] static inline const void* const id = &::wasm_mt::detail::registered_id<Type>; \
  };

#define WASM_MT_DETAIL_FIELD_CAN_CROSS(i, field) WASM_MT_DETAIL_FIELD_CAN_CROSS_IN("WASM_MT_CLOSURE", field)

// Runs an inline closure on `thread` (a wasm_mt::thread or pool); returns its future.
// `captures` is a parenthesized list of local variables, copied into the closure.
// Inside a function template instantiated more than once, use a named closure instead:
// each instantiation would be a different closure under one name (the program stops at
// startup saying so).
#define WASM_MT_EXEC(thread, captures, ...) \
  WASM_MT_DETAIL_INLINE_CLOSURE(thread, auto, captures, __VA_ARGS__)

// As WASM_MT_EXEC, for a body that co_awaits; `result` is what it co_returns.
#define WASM_MT_EXEC_ASYNC(thread, result, captures, ...) \
  WASM_MT_DETAIL_INLINE_CLOSURE(thread, ::wasm_mt::task<result>, captures, __VA_ARGS__)

#if defined(__FILE_NAME__)
#define WASM_MT_DETAIL_FILE __FILE_NAME__
#else
#define WASM_MT_DETAIL_FILE __FILE__
#endif
#define WASM_MT_DETAIL_STR(x) WASM_MT_DETAIL_STR_(x)
#define WASM_MT_DETAIL_STR_(x) #x

#define WASM_MT_DETAIL_INLINE_CLOSURE(thread, return_type, captures, ...)                      \
  ([&]() {                                                                                      \
    WASM_MT_DETAIL_FOR_EACH(WASM_MT_DETAIL_CAPTURE_TYPE, WASM_MT_DETAIL_STRIP_PARENS captures)  \
    struct wasm_mt_inline_closure {                                                             \
      WASM_MT_DETAIL_FOR_EACH(WASM_MT_DETAIL_CAPTURE_MEMBER, WASM_MT_DETAIL_STRIP_PARENS captures) \
      static constexpr ::std::string_view wasm_mt_name() {                                      \
        return WASM_MT_DETAIL_FILE ":" WASM_MT_DETAIL_STR(__LINE__) "#" WASM_MT_DETAIL_STR(__COUNTER__); \
      }                                                                                         \
      static constexpr ::std::string_view wasm_mt_fields() { return #captures; }               \
      auto wasm_mt_tie() { return ::std::tie(WASM_MT_DETAIL_STRIP_PARENS captures); }          \
      auto wasm_mt_tie() const { return ::std::tie(WASM_MT_DETAIL_STRIP_PARENS captures); }    \
      return_type operator()() const __VA_ARGS__                                                \
    };                                                                                          \
    return (thread).exec(wasm_mt_inline_closure{WASM_MT_DETAIL_STRIP_PARENS captures});         \
  }())

#define WASM_MT_DETAIL_CAPTURE_TYPE(i, name)                                                      \
  using wasm_mt_capture_type_##i = ::std::remove_cvref_t<decltype(name)>;                          \
  static_assert(!::wasm_mt::detail::is_pointer_or_reference<wasm_mt_capture_type_##i>,              \
                "WASM_MT_EXEC: capture `" #name "` is a pointer or a view (string_view, span), which cannot " \
                "cross to another thread: " \
                "capture the data itself (a value, std::string, std::vector), or wasm_mt::bytes");
#define WASM_MT_DETAIL_CAPTURE_MEMBER(i, name) wasm_mt_capture_type_##i name;

