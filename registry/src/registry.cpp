#include "wasm_mt/registry.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace wasm_mt {

struct registry::table {
  std::vector<std::pair<function_id, entry>> items;  // sorted by ID
};

registry& registry::instance() {
  static registry the_registry;
  return the_registry;
}

registry::table& registry::entries() const {
  static table the_table;
  return the_table;
}

[[noreturn]] static void registration_conflict(const char* what, std::string_view a, std::string_view b) {
  std::fprintf(stderr, "wasm_mt: %s: '%.*s' and '%.*s'. Rename one of them.\n", what,
               static_cast<int>(a.size()), a.data(), static_cast<int>(b.size()), b.data());
  std::abort();
}

function_id registry::add(std::string_view name, detail::invoker invoke) {
  const function_id id = stable_id(name);
  auto& items = entries().items;
  auto at = std::lower_bound(items.begin(), items.end(), id,
                             [](const auto& item, function_id key) { return item.first < key; });
  if (at != items.end() && at->first == id) {
    if (at->second.name != name)
      registration_conflict("two closure names hash to one function ID", at->second.name, name);
    if (at->second.invoke != invoke)
      registration_conflict("two different closures share one name (two inline closures on one line?)",
                            at->second.name, name);
    return id;
  }
  items.insert(at, {id, entry{name, invoke}});
  return id;
}

const registry::entry* registry::lookup(function_id id) const {
  const auto& items = entries().items;
  auto at = std::lower_bound(items.begin(), items.end(), id,
                             [](const auto& item, function_id key) { return item.first < key; });
  return (at != items.end() && at->first == id) ? &at->second : nullptr;
}

detail::invoker registry::find(function_id id) const {
  const entry* found = lookup(id);
  return found ? found->invoke : nullptr;
}

std::string_view registry::name_of(function_id id) const {
  const entry* found = lookup(id);
  return found ? found->name : std::string_view{};
}

std::size_t registry::size() const { return entries().items.size(); }

}  // namespace wasm_mt
