// The julia kernel as a wasm_mt closure: renders rows [row_begin, row_end) and returns
// their RGBA pixels as bytes (shared by the julia demo and the benchmarks).
#pragma once

#include <wasm_mt/wasm_mt.hpp>

#include "julia.hpp"

namespace julia {

struct RenderRows {
  int row_begin = 0, row_end = height;
  wasm_mt::bytes operator()() const {
    wasm_mt::bytes pixels(std::size_t(row_end - row_begin) * bytes_per_row);
    render_rows(row_begin, row_end, pixels.data());
    return pixels;
  }
};
WASM_MT_CLOSURE(RenderRows, row_begin, row_end)

}  // namespace julia
