// The julia kernel built natively (g++ -O2): prints the image's checksum and how long
// one single-threaded render took, as JSON. The browser tests compare the checksum with
// the wasm demo's; the benchmarks compare the time.
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <vector>

#include "julia.hpp"

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 1;
  std::vector<std::uint8_t> image(julia::bytes_per_row * julia::height);
  double best_ms = 1e300;
  for (int i = 0; i < repeats; ++i) {
    auto start = std::chrono::steady_clock::now();
    julia::render_rows(0, julia::height, image.data());
    std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    if (took.count() < best_ms) best_ms = took.count();
  }
  std::printf("{\"checksum\": \"%s\", \"ms\": %.3f}\n", julia::checksum(image.data(), image.size()).c_str(), best_ms);
}
