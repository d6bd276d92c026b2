// A move-only void() callable (std::move_only_function<void()>, which libc++ 14 lacks),
// so that then() takes callbacks that own a thread, a job or a unique_ptr.
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

namespace wasm_mt::detail {

class unique_function {
 public:
  unique_function() = default;
  template <class F>
    requires(!std::is_same_v<std::decay_t<F>, unique_function>)
  unique_function(F&& f) : callable_(std::make_unique<holder<std::decay_t<F>>>(std::forward<F>(f))) {}

  explicit operator bool() const noexcept { return callable_ != nullptr; }
  void operator()() { callable_->call(); }

 private:
  struct base {
    virtual ~base() = default;
    virtual void call() = 0;
  };
  template <class F>
  struct holder final : base {
    explicit holder(F&& f) : f(std::move(f)) {}
    explicit holder(const F& f) : f(f) {}
    void call() override { f(); }
    F f;
  };

  std::unique_ptr<base> callable_;
};

}  // namespace wasm_mt::detail
