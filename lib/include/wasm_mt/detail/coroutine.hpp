// Coroutine support across toolchains: C++20 <coroutine> where the standard library has it
// (current emsdk), else <experimental/coroutine> (libc++ 13, Debian's Emscripten 3.1.6).
// Everything in wasm_mt names coroutine types through this header only, so the two
// namespaces are never mixed.
#pragma once

#if __has_include(<coroutine>)
#include <coroutine>
namespace wasm_mt::detail::coro {
using std::coroutine_handle;
using std::suspend_always;
using std::suspend_never;
}  // namespace wasm_mt::detail::coro
#else
#include <experimental/coroutine>
namespace wasm_mt::detail::coro {
using std::experimental::coroutine_handle;
using std::experimental::suspend_always;
using std::experimental::suspend_never;
}  // namespace wasm_mt::detail::coro
#endif
