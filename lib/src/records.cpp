#include "wasm_mt/detail/records.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "wasm_mt/detail/scalar_json.hpp"

namespace wasm_mt::detail {
namespace {
// Bounds on a sent layout, so that a hostile one cannot make the receiver work for long.
constexpr std::size_t max_record_size = 1 << 16;
constexpr std::size_t max_record_fields = 1024;
constexpr std::size_t max_field_name = 255;

[[noreturn]] void bad_layout(const std::string& why) {
  throw error(error_kind::bad_payload, "records sent with a bad layout: " + why);
}

// The size of the element `tag` names (0: unknown) and element_tag's static string for it.
std::pair<std::size_t, std::string_view> element_of(std::string_view tag) {
  std::pair<std::size_t, std::string_view> found{0, {}};
  with_element_type(tag, [&]<class S>(std::type_identity<S>) { found = {sizeof(S), element_tag<S>()}; });
  return found;
}
}  // namespace

std::string layout_text(const record_layout& layout) {
  std::string out = ",\"size\":";
  out += scalar_to_json(static_cast<std::uint64_t>(layout.size)).view();
  out += ",\"fields\":[";
  for (const record_field& f : layout.fields) {
    if (&f != &layout.fields.front()) out += ',';
    out += "[\"";
    out += f.name;  // (C++ identifiers and element_tag's names: nothing to escape)
    out += "\",\"";
    out += f.tag;
    out += "\",";
    out += scalar_to_json(static_cast<std::uint64_t>(f.offset)).view();
    out += ']';
  }
  out += "]}";
  return out;
}

bool within_limits(const record_layout& layout) noexcept {
  if (layout.size == 0 || layout.size > max_record_size || layout.fields.size() > max_record_fields) return false;
  for (const record_field& f : layout.fields)
    if (f.name.size() > max_field_name) return false;
  return true;
}

void write_records_text(std::string& out, const void* data, std::size_t count, const record_layout& layout, bool copy) {
  write_binary_text(out, data, count * layout.size, "record", copy);
  out.pop_back();  // (the object goes on)
  out += layout.text;
}

record_layout sent_layout(const nlohmann::json& j, std::size_t length) {
  if (binary_tag(j) != "record") bad_layout("not records");
  const auto size = j.find("size");
  const auto fields = j.find("fields");
  if (size == j.end() || !size->is_number_unsigned() || size->get<std::uint64_t>() == 0 ||
      size->get<std::uint64_t>() > max_record_size)
    bad_layout("\"size\" is not a number of bytes from 1 to " + std::to_string(max_record_size));
  record_layout layout{size->get<std::size_t>(), {}};
  if (length % layout.size != 0)
    bad_layout(std::to_string(length) + " bytes are not whole records of " + std::to_string(layout.size));
  if (fields == j.end() || !fields->is_array() || fields->size() > max_record_fields)
    bad_layout("\"fields\" is not an array of at most " + std::to_string(max_record_fields) + " fields");
  for (const nlohmann::json& f : *fields) {
    if (!f.is_array() || f.size() != 3 || !f[0].is_string() || !f[1].is_string() || !f[2].is_number_unsigned())
      bad_layout("a field is not [name, element type, offset]");
    const std::string& tag = f[1].get_ref<const std::string&>();
    const auto [bytes, known] = element_of(tag);
    if (bytes == 0) bad_layout("field '" + f[0].get<std::string>() + "' has an unknown element type '" + tag + "'");
    const std::uint64_t offset = f[2].get<std::uint64_t>();
    if (offset > layout.size || layout.size - offset < bytes)
      bad_layout("field '" + f[0].get<std::string>() + "' (" + tag + " at offset " + std::to_string(offset) +
                 ") lies outside its record of " + std::to_string(layout.size) + " bytes");
    if (f[0].get_ref<const std::string&>().size() > max_field_name)
      bad_layout("a field name is longer than " + std::to_string(max_field_name) + " bytes");
    layout.fields.push_back({f[0].get<std::string>(), known, static_cast<std::size_t>(offset)});
  }
  // Fields neither overlap nor share a name, as a struct's do: so a record holds at most
  // `size` fields, and reading them all is linear in the buffer's length.
  std::vector<const record_field*> by_offset;
  for (const record_field& f : layout.fields) by_offset.push_back(&f);
  std::sort(by_offset.begin(), by_offset.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
  for (std::size_t i = 1; i < by_offset.size(); ++i)
    if (by_offset[i - 1]->offset + element_of(by_offset[i - 1]->tag).first > by_offset[i]->offset)
      bad_layout("fields '" + by_offset[i - 1]->name + "' and '" + by_offset[i]->name + "' overlap");
  std::vector<std::string_view> names;
  for (const record_field& f : layout.fields) names.push_back(f.name);
  std::sort(names.begin(), names.end());
  if (std::adjacent_find(names.begin(), names.end()) != names.end()) bad_layout("two fields share a name");
  return layout;
}

std::vector<const record_field*> match_fields(const record_layout& sent, const record_layout& own) {
  std::vector<const record_field*> matched;
  matched.reserve(own.fields.size());
  for (const record_field& field : own.fields) {
    const record_field* found = nullptr;
    for (const record_field& s : sent.fields)
      if (s.name == field.name) {
        found = &s;
        break;
      }
    if (!found)
      throw error(error_kind::bad_payload,
                  "records were sent without field '" + field.name + "', which the receiving struct has");
    matched.push_back(found);
  }
  return matched;
}

bool same_layout(const record_layout& a, const record_layout& b) noexcept {
  if (a.size != b.size || a.fields.size() != b.fields.size()) return false;
  for (std::size_t i = 0; i < a.fields.size(); ++i)
    if (a.fields[i].name != b.fields[i].name || a.fields[i].tag != b.fields[i].tag ||
        a.fields[i].offset != b.fields[i].offset)
      return false;
  return true;
}

nlohmann::json records_as_array(const nlohmann::json& j) {
  const auto [index, length] = incoming_binary(j);
  const record_layout layout = sent_layout(j, length);
  std::vector<std::uint8_t> raw(length);
  read_binary(index, raw.data(), length);
  nlohmann::json array = nlohmann::json::array();
  for (std::size_t at = 0; at < length; at += layout.size) {
    nlohmann::json& object = array.emplace_back(nlohmann::json::object());
    for (const record_field& f : layout.fields)
      with_element_type(f.tag, [&]<class S>(std::type_identity<S>) {
        object[f.name] = read_element<S>(raw.data() + at + f.offset, f.tag);
      });
  }
  return array;
}

}  // namespace wasm_mt::detail
