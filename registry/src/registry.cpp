#include "wasm_mt/registry.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace wasm_mt {

struct registry::table {
  std::vector<std::pair<function_id, entry>> items;  // sorted by ID
  std::uint32_t program_identity = detail::fnv1a("");  // the names registered, in order
};

registry& registry::instance() {
  static registry the_registry;
  return the_registry;
}

registry::table& registry::entries() const noexcept {
  static table the_table;
  return the_table;
}

function_id registry::add(std::string_view name, detail::invoker invoke, std::uint32_t shape, bool program_local) {
  auto& table = entries();
  auto& items = table.items;
  for (int attempt = 1;; ++attempt) {
    std::string candidate(name);
    if (attempt > 1) candidate += "#" + std::to_string(attempt);
    const function_id id = stable_id(candidate);
    auto at = std::lower_bound(items.begin(), items.end(), id,
                               [](const auto& item, function_id key) { return item.first < key; });
    if (at == items.end() || at->first != id) {
      table.program_identity = detail::fnv1a(candidate, detail::fnv1a("\n", table.program_identity));
      // A name#n depends on registration order: local to this program.
      items.insert(at, {id, entry{std::move(candidate), invoke, shape, program_local || attempt > 1}});
      return id;
    }
    if (at->second.invoke == invoke) return id;  // registered before
  }
}

const registry::entry* registry::lookup(function_id id) const noexcept {
  const auto& items = entries().items;
  auto at = std::lower_bound(items.begin(), items.end(), id,
                             [](const auto& item, function_id key) { return item.first < key; });
  return (at != items.end() && at->first == id) ? &at->second : nullptr;
}

detail::invoker registry::find(function_id id) const noexcept {
  const entry* found = lookup(id);
  return found ? found->invoke : nullptr;
}

std::string_view registry::name_of(function_id id) const noexcept {
  const entry* found = lookup(id);
  return found ? found->name : std::string_view{};
}

std::uint32_t registry::signature_of(function_id id) const noexcept {
  const entry* found = lookup(id);
  if (!found) return 0;
  std::uint32_t signature = detail::fnv1a(found->name, found->shape);
  if (found->program_local) {
    const std::uint32_t identity = entries().program_identity;
    signature = detail::fnv1a(std::string_view(reinterpret_cast<const char*>(&identity), sizeof identity), signature);
  }
  return signature ? signature : 1;
}

std::size_t registry::size() const { return entries().items.size(); }

}  // namespace wasm_mt
