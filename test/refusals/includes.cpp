// Includes wasm_mt, compiled with flags it refuses (CMakeLists.txt).
#include <wasm_mt/registry.hpp>

int main() {}
