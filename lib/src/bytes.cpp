#include "wasm_mt/bytes.hpp"

#include <algorithm>
#include <cstring>

namespace wasm_mt {

bytes::bytes(std::size_t size) : data_(size ? new std::uint8_t[size] : nullptr), size_(size) {}

bytes::bytes(const void* data, std::size_t size) : bytes(size) {
  if (size) std::memcpy(data_.get(), data, size);
}

bytes::bytes(std::initializer_list<std::uint8_t> values) : bytes(values.begin(), values.size()) {}

bytes& bytes::operator=(const bytes& other) {
  if (this != &other) *this = bytes(other);
  return *this;
}

bool operator==(const bytes& a, const bytes& b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace wasm_mt
