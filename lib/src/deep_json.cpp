#include "wasm_mt/detail/deep_json.hpp"

#include <memory>
#include <utility>
#include <vector>

namespace wasm_mt::detail {

std::string dump_flat(const nlohmann::json& value) {
  using json = nlohmann::json;
  std::string out;
  // (nlohmann's serializer writes the scalars and escapes the keys: the same text.)
  nlohmann::detail::serializer<json> scalars(std::make_shared<nlohmann::detail::output_string_adapter<char, std::string>>(out), ' ');
  struct level {
    const json* container;
    json::const_iterator next;
  };
  std::vector<level> open;
  json key = "";  // an object's key, written as a string is
  // Writes `v`, or opens it: its items follow.
  auto write = [&](const json& v) {
    if (v.is_structured() && !v.empty()) {
      out += v.is_object() ? '{' : '[';
      open.push_back({&v, v.cbegin()});
    } else if (v.is_object()) {
      out += "{}";
    } else if (v.is_array()) {
      out += "[]";
    } else {
      scalars.dump(v, false, false, 0);
    }
  };
  write(value);
  while (!open.empty()) {
    level& top = open.back();
    if (top.next == top.container->cend()) {
      out += top.container->is_object() ? '}' : ']';
      open.pop_back();
      continue;
    }
    if (top.next != top.container->cbegin()) out += ',';
    const auto item = top.next++;
    if (top.container->is_object()) {
      key.get_ref<std::string&>() = item.key();  // (its buffer is reused)
      scalars.dump(key, false, false, 0);
      out += ':';
    }
    write(*item);  // (may open a level: `top` is not used after it)
  }
  return out;
}

nlohmann::json copy_flat(const nlohmann::json& value) {
  using json = nlohmann::json;
  json out;
  // Each pending pair: a value to copy and the place it goes, which no later insertion
  // moves (an object's node, an array's item after it reserved room for all).
  std::vector<std::pair<const json*, json*>> pending{{&value, &out}};
  while (!pending.empty()) {
    auto [from, to] = pending.back();
    pending.pop_back();
    if (from->is_object()) {
      *to = json::object();
      for (auto item = from->cbegin(); item != from->cend(); ++item) pending.emplace_back(&*item, &(*to)[item.key()]);
    } else if (from->is_array()) {
      *to = json::array();
      to->get_ref<json::array_t&>().reserve(from->size());  // (so that no item moves)
      for (const auto& item : *from) pending.emplace_back(&item, &to->emplace_back());
    } else {
      *to = *from;  // (a scalar, a string or a binary: no recursion)
    }
  }
  return out;
}

}  // namespace wasm_mt::detail
