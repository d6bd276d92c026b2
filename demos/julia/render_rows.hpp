// The julia kernel as a wasm_mt closure: renders rows [row_begin, row_end) and returns
// their RGBA pixels as bytes (shared by the julia demo and the benchmarks). Its progress
// (rows done so far) goes to a caller that handles events; to others, nothing is sent.
#pragma once

#include <wasm_mt/wasm_mt.hpp>

#include "julia.hpp"

namespace julia {

struct RenderRows {
  int row_begin = 0, row_end = height;
  wasm_mt::bytes operator()() const {
    wasm_mt::bytes pixels(std::size_t(row_end - row_begin) * bytes_per_row);
    for (int y = row_begin; y < row_end; ++y) {
      render_rows(y, y + 1, pixels.data() + std::size_t(y - row_begin) * bytes_per_row);
      wasm_mt::this_request::emit(y - row_begin + 1);
    }
    return pixels;
  }
};
WASM_MT_CLOSURE(RenderRows, row_begin, row_end)

// The same antialiased (`samples` x `samples` points a pixel: slow) and cancellable: a
// row at a time, with a checkpoint (where a stop is seen) and a progress event (the rows
// done) after each.
struct RenderRowsSlowly {
  int row_begin = 0, row_end = height;
  int samples = 1;
  wasm_mt::task<wasm_mt::bytes> operator()() const {
    wasm_mt::bytes pixels(std::size_t(row_end - row_begin) * bytes_per_row);
    for (int y = row_begin; y < row_end; ++y) {
      co_await wasm_mt::this_request::checkpoint();  // throws `cancelled` once stopped
      render_rows(y, y + 1, pixels.data() + std::size_t(y - row_begin) * bytes_per_row, samples);
      wasm_mt::this_request::emit(y - row_begin + 1);
    }
    co_return pixels;
  }
};
WASM_MT_CLOSURE(RenderRowsSlowly, row_begin, row_end, samples)

}  // namespace julia
