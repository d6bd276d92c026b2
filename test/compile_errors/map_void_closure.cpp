// expect: map gathers results: use exec for closures returning void
#include <wasm_mt/wasm_mt.hpp>
namespace app {
struct Log {
  int value;
  void operator()() const {}
};
WASM_MT_CLOSURE(Log, value)
wasm_mt::task<> run(wasm_mt::pool& pool) { co_await pool.map(std::vector<Log>{{1}, {2}}); }
}  // namespace app
