// wasm_mt::expected<T>: a value of type T or the wasm_mt::error that took its place, for
// code that handles failures without exceptions (co_await f.result()).
//
//   wasm_mt::expected<int> r = co_await th.exec(Add{1, 2}).result();
//   if (r) use(*r); else log(r.error().what());
//
// It is std::expected<T, wasm_mt::error> where the standard library has it (C++23);
// elsewhere (C++20, libc++ before 16) a small class with the same members: has_value(),
// operator bool, operator* and ->, value(), value_or(), error(), ==, a default
// constructor, and one from wasm_mt::unexpected(error) (std::unexpected). One
// difference: value() without a value throws std::bad_expected_access<wasm_mt::error>
// with std::expected, the wasm_mt::error itself with the fallback. Test has_value() first.
#pragma once

#include <type_traits>
#include <utility>
#include <variant>
#include <version>

#include "wasm_mt/error.hpp"

#if defined(__cpp_lib_expected) && __cpp_lib_expected >= 202202L
#include <expected>

namespace wasm_mt {
template <class T>
using expected = std::expected<T, error>;
using std::unexpected;

namespace detail {
template <class T>
expected<T> make_unexpected(error e) {
  return std::unexpected<error>(std::move(e));
}
}  // namespace detail
}  // namespace wasm_mt

#else

#include <optional>

namespace wasm_mt {

namespace detail {
struct unexpected_tag {};
}  // namespace detail

// An error to make an expected from (std::unexpected's counterpart).
template <class E>
class unexpected {
 public:
  explicit unexpected(E e) : error_(std::move(e)) {}
  const E& error() const& noexcept { return error_; }
  E&& error() && noexcept { return std::move(error_); }

 private:
  E error_;
};
template <class E>
unexpected(E) -> unexpected<E>;

template <class T>
class expected {
 public:
  using value_type = T;
  using error_type = wasm_mt::error;

  expected()
    requires std::is_default_constructible_v<T>
      : state_(std::in_place_index<0>) {}
  template <class U = T>
    requires(std::is_constructible_v<T, U &&> && !std::is_same_v<std::remove_cvref_t<U>, expected> &&
             !std::is_same_v<std::remove_cvref_t<U>, unexpected<wasm_mt::error>>)
  explicit(!std::is_convertible_v<U&&, T>) expected(U&& value) : state_(std::in_place_index<0>, std::forward<U>(value)) {}
  expected(unexpected<wasm_mt::error> e) : state_(std::in_place_index<1>, std::move(e).error()) {}

  bool has_value() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  // The value; throws the error when there is none.
  T& value() & { return checked(), std::get<0>(state_); }
  const T& value() const& { return checked(), std::get<0>(state_); }
  T&& value() && { return checked(), std::move(std::get<0>(state_)); }
  template <class U>
  T value_or(U&& fallback) const& {
    return has_value() ? std::get<0>(state_) : static_cast<T>(std::forward<U>(fallback));
  }
  template <class U>
  T value_or(U&& fallback) && {
    return has_value() ? std::move(std::get<0>(state_)) : static_cast<T>(std::forward<U>(fallback));
  }

  friend bool operator==(const expected& a, const expected& b) {
    if (a.has_value() != b.has_value()) return false;
    return a.has_value() ? *a == *b : a.error() == b.error();
  }
  template <class U>
    requires(!std::is_same_v<U, expected>)
  friend bool operator==(const expected& a, const U& value) {
    return a.has_value() && *a == value;
  }

  // Without checking (undefined without a value, as std::expected's).
  T& operator*() & noexcept { return *std::get_if<0>(&state_); }
  const T& operator*() const& noexcept { return *std::get_if<0>(&state_); }
  T&& operator*() && noexcept { return std::move(*std::get_if<0>(&state_)); }
  T* operator->() noexcept { return std::get_if<0>(&state_); }
  const T* operator->() const noexcept { return std::get_if<0>(&state_); }

  // The error (undefined with a value, as std::expected's).
  const wasm_mt::error& error() const& noexcept { return *std::get_if<1>(&state_); }

  // (wasm_mt's own: an expected holding `e`.)
  expected(detail::unexpected_tag, wasm_mt::error e) : state_(std::in_place_index<1>, std::move(e)) {}

 private:
  void checked() const {
    if (!has_value()) throw std::get<1>(state_);
  }

  std::variant<T, wasm_mt::error> state_;
};

template <>
class expected<void> {
 public:
  using value_type = void;
  using error_type = wasm_mt::error;

  expected() = default;
  expected(unexpected<wasm_mt::error> e) : error_(std::move(e).error()) {}

  bool has_value() const noexcept { return !error_; }
  explicit operator bool() const noexcept { return has_value(); }
  // Throws the error when there is one.
  void value() const {
    if (error_) throw *error_;
  }
  void operator*() const noexcept {}
  const wasm_mt::error& error() const& noexcept { return *error_; }

  friend bool operator==(const expected& a, const expected& b) { return a.error_ == b.error_; }

  // (wasm_mt's own: an expected holding `e`.)
  expected(detail::unexpected_tag, wasm_mt::error e) : error_(std::move(e)) {}

 private:
  std::optional<wasm_mt::error> error_;
};

namespace detail {
template <class T>
expected<T> make_unexpected(wasm_mt::error e) {
  return expected<T>(unexpected_tag{}, std::move(e));
}
}  // namespace detail

}  // namespace wasm_mt

#endif
