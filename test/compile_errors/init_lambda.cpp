// expect: A lambda that captures ([&], [=], [x]) cannot cross to another thread
// one error
// error in a header: clang's diagnose_if does not apply to constructors (thread_closure's)
#include <wasm_mt/wasm_mt.hpp>
wasm_mt::pool_options options(int level) {
  return wasm_mt::pool_options{.init = [level] { return level; }};
}
