#include "wasm_mt/detail/deep_json.hpp"

#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "wasm_mt/detail/json_text.hpp"

namespace wasm_mt::detail {

std::string dump_flat(const nlohmann::json& value) {
  std::string out;
  append_flat(out, value);
  return out;
}

void append_flat(std::string& out, const nlohmann::json& value) {
  using json = nlohmann::json;
  // Floating-point numbers, and strings that are not valid UTF-8 (its error), go through
  // nlohmann's serializer; keys, strings, integers and bools through json_text, which
  // writes the same text without a virtual call a character (twice as fast a message of
  // many small objects).
  nlohmann::detail::serializer<json> scalars(std::make_shared<nlohmann::detail::output_string_adapter<char, std::string>>(out), ' ');
  struct level {
    const json* container;
    json::const_iterator next;
  };
  std::vector<level> open;
  auto append = [&](std::size_t size, auto value) {
    const std::size_t at = out.size();
    out.resize(at + size);
    json_text::write(out.data() + at, value);
  };
  auto write_string = [&](const std::string& text) {
    const std::size_t size = json_text::size_of(std::string_view(text));
    if (size != json_text::npos) append(size, std::string_view(text));
    else scalars.dump(json(text), false, false, 0);  // (throws type_error 316, as dump() would)
  };
  // Writes `v`, or opens it: its items follow.
  auto write = [&](const json& v) {
    switch (v.type()) {
      case json::value_t::object:
      case json::value_t::array:
        if (v.empty()) {
          out += v.is_object() ? "{}" : "[]";
        } else {
          out += v.is_object() ? '{' : '[';
          open.push_back({&v, v.cbegin()});
        }
        break;
      case json::value_t::string:
        write_string(v.get_ref<const std::string&>());
        break;
      case json::value_t::boolean:
        out += v.get<bool>() ? "true" : "false";
        break;
      case json::value_t::number_integer:
        append(json_text::size_of(v.get<std::int64_t>()), v.get<std::int64_t>());
        break;
      case json::value_t::number_unsigned:
        append(json_text::size_of(v.get<std::uint64_t>()), v.get<std::uint64_t>());
        break;
      case json::value_t::null:
        out += "null";
        break;
      default:  // floating point, binary, discarded
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
      write_string(item.key());
      out += ':';
    }
    write(*item);  // (may open a level: `top` is not used after it)
  }
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
