#include "failing_allocation.hpp"

#include <cstdlib>
#include <new>

namespace {

std::size_t countdown = 0;  // allocations until the one that fails; 0: none will
bool failed = false;

bool this_one_fails() noexcept {
  if (countdown == 0 || --countdown != 0) return false;
  failed = true;
  return true;
}

}  // namespace

namespace test {

void fail_allocation(std::size_t n) noexcept {
  countdown = n;
  failed = false;
}

bool allocation_failed() noexcept { return failed; }

}  // namespace test

void* operator new(std::size_t size) {
  if (this_one_fails()) throw std::bad_alloc();
  if (void* block = std::malloc(size ? size : 1)) return block;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  return this_one_fails() ? nullptr : std::malloc(size ? size : 1);
}
void* operator new[](std::size_t size, const std::nothrow_t& nothrow) noexcept { return ::operator new(size, nothrow); }
void operator delete(void* block) noexcept { std::free(block); }
void operator delete[](void* block) noexcept { std::free(block); }
void operator delete(void* block, std::size_t) noexcept { std::free(block); }
void operator delete[](void* block, std::size_t) noexcept { std::free(block); }
