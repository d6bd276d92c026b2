// Internal: the one table kind for what this instance waits on by a u32 id that crosses
// to JS and back (a thread's pending requests, timers, fetches, program loads).
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <utility>

#include "wasm_mt/detail/request_id.hpp"

namespace wasm_mt::detail {

// The count every table draws its ids from; wraps after 2^32 (set_next_id moves it).
inline std::uint32_t next_id = 1;

// Values by id. An id is never 0 (it means "none") and never one still in the table:
// after the count wraps, live ids are skipped. A holder that may outlive its entry
// (a timer object) must drop its id when the entry goes (timer does), so that a stale
// id can never reach a newer entry that drew the same number.
template <class T>
class id_table {
 public:
  // Adds `value` under a new id and returns the id. Throws std::bad_alloc.
  std::uint32_t add(T value) {
    for (;;) {
      const std::uint32_t id = next_id++;
      if (id != 0 && entries_.try_emplace(id, std::move(value)).second) return id;
    }
  }
  // The value of `id`, or null.
  T* find(std::uint32_t id) noexcept {
    auto found = entries_.find(id);
    return found == entries_.end() ? nullptr : &found->second;
  }
  // Takes `id`'s value out; `none` when there is none.
  T take(std::uint32_t id, T none = T()) noexcept {
    auto node = entries_.extract(id);
    return node.empty() ? std::move(none) : std::move(node.mapped());
  }
  bool erase(std::uint32_t id) noexcept { return entries_.erase(id) != 0; }
  std::size_t size() const noexcept { return entries_.size(); }
  // Empties the table, handing its entries to the caller.
  std::unordered_map<std::uint32_t, T> take_all() noexcept { return std::exchange(entries_, {}); }

 private:
  std::unordered_map<std::uint32_t, T> entries_;
};

}  // namespace wasm_mt::detail
