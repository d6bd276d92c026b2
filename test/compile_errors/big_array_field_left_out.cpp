// expect: WASM_MT_CLOSURE(Block, data) does not list every field of Block
// Counted past a big C array (whose elements count one by one), and quickly.
#include <cstdint>
#include <wasm_mt/wasm_mt.hpp>
namespace app {
struct Block {
  std::uint8_t data[1024];
  int key;
  int operator()() const { return data[0] + key; }
};
WASM_MT_CLOSURE(Block, data)
}  // namespace app
