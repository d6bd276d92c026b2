// WASM_MT_DETAIL_NOEXCEPT_JS_EH: noexcept for the functions that run a closure and turn
// all it throws into a reply, but only with JS exceptions (-fexceptions). There, every
// call that might throw goes through a JS trampoline, and noexcept spares it. With
// native wasm exceptions calls cost nothing, and a noexcept frame would turn a JS
// exception passing through it (exit() in a closure, a throwing JS call) into abort(),
// losing its message.
#pragma once

#if defined(__wasm_exception_handling__)
#define WASM_MT_DETAIL_NOEXCEPT_JS_EH
#else
#define WASM_MT_DETAIL_NOEXCEPT_JS_EH noexcept
#endif
