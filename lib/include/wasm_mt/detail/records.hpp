// Records: described structs (WASM_MT_STRUCT, WASM_MT_CLOSURE) whose fields are all
// numbers (binary_element), trivially copyable. A std::vector or std::array of records
// travels as one binary buffer, the records' memory as it is, with their layout:
//   {"$wasm_mt_bytes": i, "t": "record", "size": bytes per record,
//    "fields": [[name, element tag, offset in bytes], ...]}
// The receiver copies the buffer in one piece when its record has the same layout;
// otherwise it converts field by field, by name, as JSON would (fields it does not have
// are skipped; one it has that was not sent is bad_payload). The layout is checked
// before anything is read or allocated: every field lies inside its record, no two
// overlap or share a name, the buffer holds whole records.
#pragma once

#include <cstddef>
#include <cstdint>
#include <concepts>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "wasm_mt/detail/binary.hpp"
#include "wasm_mt/detail/described.hpp"
#include "wasm_mt/error.hpp"

namespace wasm_mt::detail {

// (An aggregate: its macro checked that every field is listed, so the memory sent holds
// nothing but the fields and padding.)
template <class R>
concept record = described<R> && !std::is_empty_v<R> && std::is_aggregate_v<R> && std::is_trivially_copyable_v<R> &&
                 std::is_default_constructible_v<R> &&
                 requires { requires wasm_mt_fields_are_numbers(static_cast<const R*>(nullptr)); };

// A contiguous container (binary.hpp) of records: sent as one buffer.
template <class T>
concept record_vector = contiguous<T>::value && record<typename T::value_type>;

// A record's layout: its size in bytes and its fields (name, element tag, offset).
struct record_field {
  std::string name;
  std::string_view tag;  // (element_tag's static strings)
  std::size_t offset = 0;
};
struct record_layout {
  std::size_t size = 0;
  std::vector<record_field> fields;
  // How records of this layout end their JSON after "t":"record" (`,"size":n,"fields":[...]}`);
  // layout_of's layouts only (written once, compared by the reader: read_text.hpp).
  std::string text;
  // Whether a receiver's sent_layout takes it (size, field count, name lengths): only then
  // does the reader take the text of a layout_of layout as its own.
  bool within_limits = false;
};

// The text of `layout` as record_layout::text holds it.
std::string layout_text(const record_layout& layout);
// Whether sent_layout takes `layout`'s size, field count and names.
bool within_limits(const record_layout& layout) noexcept;

// R's layout, worked out once from a default-constructed R.
template <record R>
const record_layout& layout_of() {
  static const record_layout layout = [] {
    record_layout made{sizeof(R), {}};
    const R r{};
    const auto* base = reinterpret_cast<const unsigned char*>(&r);
    visit_fields(r, [&](const char* name, const auto& field) {
      using F = std::remove_cvref_t<decltype(field)>;
      made.fields.push_back({name, element_tag<F>(), std::size_t(reinterpret_cast<const unsigned char*>(&field) - base)});
    });
    made.text = layout_text(made);
    made.within_limits = within_limits(made);
    return made;
  }();
  return layout;
}

// `count` records at `data` as a binary buffer of the message being encoded, with their
// layout (one of layout_of's), as JSON text appended to `out`; copied first when `copy`
// (else the memory must live until the message is posted).
void write_records_text(std::string& out, const void* data, std::size_t count, const record_layout& layout, bool copy);
// The layout a sender gave records ({"t": "record", ...}) whose buffer is `length`
// bytes, checked: a positive size dividing `length`, known element tags, every field
// inside the record. Throws bad_payload.
record_layout sent_layout(const nlohmann::json& j, std::size_t length);
// For each field of `own`, the field of `sent` with its name. Throws bad_payload naming
// a field of `own` that `sent` lacks.
std::vector<const record_field*> match_fields(const record_layout& sent, const record_layout& own);
bool same_layout(const record_layout& a, const record_layout& b) noexcept;
// Records ({"t": "record", ...}) as a JSON array of objects: what raw JSON receivers see.
nlohmann::json records_as_array(const nlohmann::json& j);

// A number of type F from the `tag` element at `at` (not aligned), converted as JSON would
// (convert_element).
template <class F>
F read_element(const std::uint8_t* at, std::string_view tag) {
  F out{};
  with_element_type(tag, [&]<class S>(std::type_identity<S>) {
    S sent;
    std::memcpy(&sent, at, sizeof sent);
    out = convert_element<F>(sent);
  });
  return out;
}

// Fills the std::vector or std::array of records `value` from buffer `index` (`length`
// bytes, from incoming_binary) of records laid out as `sent` (checked: sent_layout, or
// layout_of's own). Throws bad_payload.
template <class T>
void read_records(T& value, std::size_t index, std::size_t length, const record_layout& sent) {
  using R = typename T::value_type;
  const record_layout& own = layout_of<R>();
  const bool same = &sent == &own || same_layout(sent, own);
  const std::vector<const record_field*> from = same ? std::vector<const record_field*>() : match_fields(sent, own);
  const std::size_t count = length / sent.size;
  if constexpr (requires { value.resize(count); })
    value.resize(count);
  else if (count != value.size())
    throw error(error_kind::bad_payload, "binary buffer " + std::to_string(index) + " holds " + std::to_string(count) +
                                             " records, not the " + std::to_string(value.size()) + " of the std::array");
  if (same) {
    read_binary(index, value.data(), length);
    return;
  }
  std::vector<std::uint8_t> raw(length);
  read_binary(index, raw.data(), length);
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t* record_at = raw.data() + i * sent.size;
    std::size_t k = 0;
    visit_fields(value[i], [&](const char*, auto& field) {
      const record_field& f = *from[k++];
      field = read_element<std::remove_cvref_t<decltype(field)>>(record_at + f.offset, f.tag);
    });
  }
}

// A std::vector or std::array of records from its JSON: a buffer with its layout, or an
// array of objects (raw JSON captures; a sender that walked another container).
template <class T>
T read_records(const nlohmann::json& j) {
  if (j.is_array()) return j.get<T>();
  const auto [index, length] = incoming_binary(j);
  T value{};
  read_records(value, index, length, sent_layout(j, length));
  return value;
}

}  // namespace wasm_mt::detail
