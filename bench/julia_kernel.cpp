// The julia kernel alone, as a standalone wasm module without Emscripten's runtime (no
// imports): what the JS pools' workers run in the julia bench (bench/node/pool-tasks.cjs),
// so that they render the very tiles wasm_mt's threads do, with the same code.
#include <cstdint>

#include <emscripten/emscripten.h>

#include "julia.hpp"

namespace {
std::uint8_t pixels[julia::bytes_per_row * julia::height];
}

extern "C" {
// Where julia_render_rows writes: rows from the start of this buffer.
EMSCRIPTEN_KEEPALIVE std::uint8_t* julia_pixels() { return pixels; }
// Renders rows [row_begin, row_end) as RGBA at julia_pixels().
EMSCRIPTEN_KEEPALIVE void julia_render_rows(int row_begin, int row_end) { julia::render_rows(row_begin, row_end, pixels); }
}
