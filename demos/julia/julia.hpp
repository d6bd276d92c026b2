// The Julia set kernel, shared by the wasm demo and a native build (same pixels, same
// checksum). The original's parameters: 800x800, c = -0.15 + 0.65i, scale 0.00375,
// z0 = (y*scale - 1.5) + (x*scale - 1.5)i, at most 900 iterations, escape when |z|^2 > 2.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace julia {

constexpr int width = 800;
constexpr int height = 800;
constexpr double c_re = -0.15;
constexpr double c_im = 0.65;
constexpr double scale = 0.00375;
constexpr int max_iterations = 900;
constexpr std::size_t bytes_per_row = std::size_t(width) * 4;  // RGBA

// Iterations before z escapes (max_iterations if it never does), from pixel (x, y)
// (fractions: a point inside the pixel).
inline int escape_time(double x, double y) {
  double re = y * scale - 1.5;
  double im = x * scale - 1.5;
  int it = 0;
  while (it < max_iterations && re * re + im * im <= 2.0) {
    const double next_re = re * re - im * im + c_re;
    im = 2.0 * re * im + c_im;
    re = next_re;
    ++it;
  }
  return it;
}

// Renders rows [row_begin, row_end) as RGBA into `out` (bytes_per_row per row). The
// colour is a fixed function of the iteration count: (it/4, it/2, it) shifted by a
// constant, black inside the set. With `samples` > 1, each pixel is the mean of
// samples x samples points inside it (antialiased, samples^2 times the work).
inline int shade_of(int it) {
  constexpr int colour_offset = 32;
  return it == max_iterations ? 0 : it + colour_offset;
}
inline void render_rows(int row_begin, int row_end, std::uint8_t* out, int samples = 1) {
  for (int y = row_begin; y < row_end; ++y) {
    for (int x = 0; x < width; ++x, out += 4) {
      int shade = 0;
      if (samples <= 1) {
        shade = shade_of(escape_time(x, y));
      } else {
        for (int i = 0; i < samples * samples; ++i)
          shade += shade_of(escape_time(x + double(i % samples) / samples, y + double(i / samples) / samples));
        shade /= samples * samples;
      }
      out[0] = static_cast<std::uint8_t>(shade / 4);
      out[1] = static_cast<std::uint8_t>(shade / 2);
      out[2] = static_cast<std::uint8_t>(shade);
      out[3] = 255;
    }
  }
}

// FNV-1a 64 of the pixels, as 16 hex digits.
inline std::string checksum(const std::uint8_t* data, std::size_t size) {
  std::uint64_t hash = 14695981039346656037ull;
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= data[i];
    hash *= 1099511628211ull;
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

}  // namespace julia
