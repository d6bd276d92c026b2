// wasm_mt: run your C++ closures on Web Worker threads and await the results, without
// SharedArrayBuffer. One include for the whole public API.
#pragma once

#include "wasm_mt/as_completed.hpp"
#include "wasm_mt/bytes.hpp"
#include "wasm_mt/call_options.hpp"
#include "wasm_mt/callbacks.hpp"
#include "wasm_mt/closure.hpp"
#include "wasm_mt/error.hpp"
#include "wasm_mt/expected.hpp"
#include "wasm_mt/future.hpp"
#include "wasm_mt/generator.hpp"
#include "wasm_mt/merge.hpp"
#include "wasm_mt/pool.hpp"
#include "wasm_mt/program.hpp"
#include "wasm_mt/stop_token.hpp"
#include "wasm_mt/stream.hpp"
#include "wasm_mt/task.hpp"
#include "wasm_mt/this_request.hpp"
#include "wasm_mt/thread.hpp"
#include "wasm_mt/utils.hpp"
#include "wasm_mt/when_all.hpp"
#include "wasm_mt/when_any.hpp"
