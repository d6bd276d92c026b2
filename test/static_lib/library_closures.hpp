// Closures defined in a static library: their registration must survive archive linking.
#pragma once

#include <wasm_mt/closure.hpp>

namespace library_closures {

struct Square {
  long long x = 0;
  long long operator()() const;  // defined in the library's .cpp
};
WASM_MT_CLOSURE(Square, x)

}  // namespace library_closures
