// Builds that cannot work with this wasm_mt stop here, at compile time, saying why
// (the link would otherwise fail with undefined symbols, or the program at run time).
#pragma once

#include "wasm_mt/detail/config.hpp"

#if defined(__EMSCRIPTEN_PTHREADS__)
#error "wasm_mt: -pthread is not supported: wasm_mt threads share no memory, and a pthreads build needs SharedArrayBuffer (cross-origin isolation). Build without -pthread."
#endif

#if defined(__EMSCRIPTEN_WASM_WORKERS__)
#error "wasm_mt: -sWASM_WORKERS is not supported: it needs SharedArrayBuffer (cross-origin isolation). Build without it."
#endif

#if defined(__wasm_exception_handling__) && !WASM_MT_DETAIL_BUILT_WITH_WASM_EXCEPTIONS
#error "wasm_mt was built with WASM_MT_EXCEPTIONS=js, but this code compiles with -fwasm-exceptions: build wasm_mt with -DWASM_MT_EXCEPTIONS=wasm (as a subproject it follows -fwasm-exceptions in CMAKE_CXX_FLAGS), or drop -fwasm-exceptions."
#endif

#if !defined(__wasm_exception_handling__) && WASM_MT_DETAIL_BUILT_WITH_WASM_EXCEPTIONS
#error "wasm_mt was built with WASM_MT_EXCEPTIONS=wasm, but this code compiles without -fwasm-exceptions: compile with -fwasm-exceptions (linking wasm_mt::wasm_mt adds it), or build wasm_mt with -DWASM_MT_EXCEPTIONS=js."
#endif
