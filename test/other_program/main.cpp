// A second program, linked separately from the test program. It registers the shared
// closures, and runs nothing itself: tests start it as a thread via program::from_url
// and program::from_buffers.
#include "shared_closures.hpp"

std::string shared::WhichProgram::operator()() const { return "other_program"; }

namespace shared {
// The test program has a Versioned too, with one field: another closure under one name.
struct Versioned {
  int a = 0, b = 0;
  int operator()() const { return a + b; }
};
WASM_MT_CLOSURE(Versioned, a, b)
}  // namespace shared

int main() {}
