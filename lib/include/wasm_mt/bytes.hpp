// wasm_mt::bytes: a binary payload. Inside captures or results it crosses threads as a
// transferred ArrayBuffer beside the JSON, never as JSON text: the cost is one copy out of
// the sender's wasm heap and one copy into the receiver's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string_view>

namespace wasm_mt {

class bytes {
 public:
  bytes() = default;
  // `size` bytes with unspecified contents (no zero-fill: the caller writes them).
  explicit bytes(std::size_t size);
  bytes(const void* data, std::size_t size);
  bytes(std::initializer_list<std::uint8_t> values);
  explicit bytes(std::span<const std::uint8_t> values) : bytes(values.data(), values.size()) {}
  explicit bytes(std::string_view text) : bytes(text.data(), text.size()) {}

  bytes(const bytes& other) : bytes(other.data(), other.size()) {}
  bytes(bytes&& other) noexcept = default;
  bytes& operator=(const bytes& other);
  bytes& operator=(bytes&& other) noexcept = default;

  std::uint8_t* data() noexcept { return data_.get(); }
  const std::uint8_t* data() const noexcept { return data_.get(); }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  std::uint8_t* begin() noexcept { return data(); }
  std::uint8_t* end() noexcept { return data() + size_; }
  const std::uint8_t* begin() const noexcept { return data(); }
  const std::uint8_t* end() const noexcept { return data() + size_; }
  std::uint8_t& operator[](std::size_t i) noexcept { return data_[i]; }
  std::uint8_t operator[](std::size_t i) const noexcept { return data_[i]; }

  operator std::span<const std::uint8_t>() const noexcept { return {data(), size_}; }

  friend bool operator==(const bytes& a, const bytes& b) noexcept;

 private:
  std::unique_ptr<std::uint8_t[]> data_;
  std::size_t size_ = 0;
};

}  // namespace wasm_mt
