#include "wasm_mt/detail/payload.hpp"
#include "wasm_mt/detail/read_text.hpp"
#include "wasm_mt/detail/glue.hpp"

#include <algorithm>
#include <cstdint>
#include <cstddef>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#ifdef __EMSCRIPTEN__
#include <emscripten/stack.h>
#endif

namespace wasm_mt::detail {
namespace {
// wasm_mt runs one JS thread per wasm instance: plain statics are per thread.
encoded* current_outgoing = nullptr;
constexpr std::size_t no_incoming = std::numeric_limits<std::size_t>::max();
std::size_t current_incoming_count = no_incoming;
constexpr const char* bytes_key = "$wasm_mt_bytes";
}  // namespace

outgoing_buffers_scope::outgoing_buffers_scope(encoded& out) : previous_(current_outgoing) { current_outgoing = &out; }
outgoing_buffers_scope::~outgoing_buffers_scope() { current_outgoing = previous_; }

incoming_buffers_scope::incoming_buffers_scope(std::size_t buffer_count)
    : previous_(current_incoming_count) {
  current_incoming_count = buffer_count;
}
incoming_buffers_scope::~incoming_buffers_scope() { current_incoming_count = previous_; }

void throw_bad_payload(std::string_view what, const std::exception& cause) {
  if (auto* own = dynamic_cast<const wasm_mt::error*>(&cause)) throw *own;
  throw wasm_mt::error(error_kind::bad_payload, std::string(what) + ": " + cause.what());
}

void throw_wrong_json_type(const char* wanted, const nlohmann::json& j) {
  // nlohmann's own type_error (302), from a conversion it makes of any JSON value.
  if (std::string_view(wanted) == "object") (void)j.get<std::map<std::string, int>>();
  else (void)j.get<std::vector<int>>();
  throw error(error_kind::bad_payload, std::string("type must be ") + wanted + ", but is " + j.type_name());
}

namespace {
[[noreturn]] void throw_too_deep(std::string_view what, std::size_t depth) {
  throw error(error_kind::bad_payload, std::string(what) + ": a value nested " + std::to_string(depth) +
                                           " levels deep (arrays and objects); wasm_mt's limit is " +
                                           std::to_string(max_nesting_depth));
}
}  // namespace

void check_nesting(std::string_view json_text, std::string_view what) {
  const std::size_t depth = json_text::nesting_depth(json_text);
  if (depth > max_nesting_depth) throw_too_deep(what, depth);
  // nlohmann/json would end the text there and read what came before.
  if (json_text.find('\0') != std::string_view::npos)
    throw error(error_kind::bad_payload, std::string(what) + ": JSON text holds a NUL byte");
}

void check_nesting(const nlohmann::json& value, std::string_view what, std::size_t outer_levels) {
  const std::size_t depth = outer_levels + nesting_depth(value);
  if (depth > max_nesting_depth) throw_too_deep(what, depth);
}

}  // namespace wasm_mt::detail

namespace wasm_mt {

// (Reached through nlohmann: `value` may be a temporary of a to_json of your own, so it is
// copied. wasm_mt's own walk sends a message's bytes by reference: write_json.)
void to_json(nlohmann::json& j, const bytes& value) { detail::write_binary(j, value.data(), value.size(), true); }

void from_json(const nlohmann::json& j, bytes& value) {
  const auto [index, length] = detail::incoming_binary(j);
  value = bytes(length);
  detail::read_binary(index, value.data(), length);
}

namespace detail {

wasm_mt::error to_error(const std::exception_ptr& failure);  // future.cpp

std::exception_ptr unsent_failure(const std::exception_ptr& failure) noexcept {
  try {
    const wasm_mt::error e = to_error(failure);
    return std::make_exception_ptr(wasm_mt::error(e.kind(), e.message(), e.remote_stack(), /*not_run=*/true));
  } catch (...) {  // no memory for the copy: the failure as it is
    return failure;
  }
}

bool writing_message() noexcept { return current_outgoing != nullptr; }

namespace {
std::uint64_t dom_decode_count = 0;  // (per thread: see current_outgoing)
}  // namespace
std::uint64_t dom_decodes() noexcept { return dom_decode_count; }
void count_dom_decode() noexcept { ++dom_decode_count; }

bool refers_to_binary(const nlohmann::json& j) { return j.is_object() && j.contains(bytes_key); }

std::string_view binary_tag(const nlohmann::json& j) {
  const auto tag = j.find("t");
  return tag != j.end() && tag->is_string() ? std::string_view(tag->get_ref<const std::string&>()) : std::string_view();
}

nlohmann::json binary_vectors_as_arrays(nlohmann::json j) {
  if (current_incoming_count == no_incoming || current_incoming_count == 0) return j;
  std::vector<nlohmann::json*> pending{&j};
  while (!pending.empty()) {
    nlohmann::json* at = pending.back();
    pending.pop_back();
    if (refers_to_binary(*at) && binary_tag(*at) == "record") {
      *at = records_as_array(*at);
      continue;
    }
    if (at->is_object() && at->size() == 2 && at->contains(bytes_key) && !binary_tag(*at).empty()) {
      const auto [index, length] = incoming_binary(*at);
      nlohmann::json array = nlohmann::json::array();
      const bool known = with_element_type(binary_tag(*at), [&, index = index, length = length]<class S>(std::type_identity<S>) {
        std::vector<S> values(length / sizeof(S));
        read_binary(index, values.data(), values.size() * sizeof(S));
        array = std::move(values);
      });
      if (known) *at = std::move(array);
      continue;
    }
    if (at->is_structured())
      for (auto& item : *at) pending.push_back(&item);
  }
  return j;
}

namespace {
// `size` bytes at `data` as the next buffer of the message being encoded (copied first
// when `copy`); returns its index.
std::size_t add_outgoing_buffer(const void* data, std::size_t size, bool copy) {
  if (!current_outgoing)
    throw error(error_kind::bad_payload, "wasm_mt::bytes (or a vector sent as binary) is only serializable inside a wasm_mt message");
  if (size > std::numeric_limits<std::uint32_t>::max())
    throw error(error_kind::bad_payload, "a binary payload is limited to 4 GiB");
  if (copy) {
    const auto* from = static_cast<const std::uint8_t*>(data);
    data = current_outgoing->copies.emplace_back(from, from + size).data();  // (its heap block never moves)
  }
  current_outgoing->buffers.push_back({static_cast<const std::uint8_t*>(data), static_cast<std::uint32_t>(size)});
  return current_outgoing->buffers.size() - 1;
}
}  // namespace

void write_binary(nlohmann::json& j, const void* data, std::size_t size, bool copy) {
  const std::size_t index = add_outgoing_buffer(data, size, copy);
  j = nlohmann::json::object();
  j.emplace(bytes_key, index);  // (an initializer list would build an array first)
}

void write_binary_text(std::string& out, const void* data, std::size_t size, std::string_view tag, bool copy) {
  const std::size_t index = add_outgoing_buffer(data, size, copy);
  out += "{\"";
  out += bytes_key;
  out += "\":";
  out += scalar_to_json(static_cast<std::uint64_t>(index)).view();
  if (!tag.empty()) {
    out += ",\"t\":\"";
    out += tag;  // (element_tag's names: nothing to escape)
    out += '"';
  }
  out += '}';
}

bool read_binary_reference(json_text::reader& in, std::uint64_t& index, std::string_view& tag, bool& closed) noexcept {
  json_text::number number;
  if (!in.literal("{\"$wasm_mt_bytes\":") || !in.read_number(number) || !number.is_integer || number.negative)
    return false;
  index = number.magnitude;
  tag = {};
  closed = in.consume('}');
  return closed || (in.literal(",\"t\":") && in.simple_string(tag));
}

void write_json_text(std::string& out, const nlohmann::json& value, std::size_t levels) {
  check_nesting(value, "cannot encode", levels);
  append_flat(out, value);
}

void write_string_text(std::string& out, std::string_view text) {
  const std::size_t size = json_text::size_of(text);
  if (size == json_text::npos) {  // not UTF-8: nlohmann's error, as its dump() gives it
    append_flat(out, nlohmann::json(std::string(text)));
    return;
  }
  const std::size_t at = out.size();
  out.resize(at + size);
  json_text::write(out.data() + at, text);
}

namespace {
std::vector<const void*> shared_path;  // (per thread: see current_outgoing)
}  // namespace

shared_path_entry::shared_path_entry(const void* pointee) {
  if (std::find(shared_path.begin(), shared_path.end(), pointee) != shared_path.end())
    throw error(error_kind::bad_payload, "cannot encode: a std::shared_ptr points to a value it is inside of (a cycle)");
  shared_path.push_back(pointee);
}
shared_path_entry::~shared_path_entry() { shared_path.pop_back(); }

void check_level(std::size_t levels) {
  if (levels >= max_nesting_depth)
    throw error(error_kind::bad_payload, "cannot encode: a value nested more than " + std::to_string(max_nesting_depth) +
                                             " levels deep (arrays and objects); wasm_mt's limit is " +
                                             std::to_string(max_nesting_depth));
  check_stack("cannot encode", levels);
}

std::size_t stack_left() noexcept {
#ifdef __EMSCRIPTEN__
  const std::uintptr_t at = emscripten_stack_get_current();
  const std::uintptr_t end = emscripten_stack_get_end();
  // (Older Emscripten, 3.1.6 among them, takes the end of static data for the stack's end,
  // wrong with --stack-first, which wasm_mt links with: there the stack ends at address 0.)
  return end <= at ? at - end : at;
#else
  return std::numeric_limits<std::size_t>::max();  // (natively: the fuzz target)
#endif
}

bool stack_has_room(std::size_t levels) noexcept {
  if (stack_left() < stack_reserve) return false;
  // (Every time: the stack a level takes depends on the path to it, so a level probed on
  // one branch says nothing of another. A wide tree pays a probe, some microseconds, at
  // each node 16, 32, ... levels deep.)
  return levels == 0 || levels % engine_stack_interval != 0 || wasm_mt_js_engine_stack_room() != 0;
}

void check_stack(std::string_view what, std::size_t levels) {
  if (stack_has_room(levels)) return;
  throw error(error_kind::bad_payload,
              std::string(what) + ": a value nested too deep for this thread's stack" +
                  (levels ? " (at " + std::to_string(levels) + " levels)" : std::string()) +
                  ": Emscripten's STACK_SIZE, of which wasm_mt keeps " +
                  std::to_string(stack_reserve / 1024) +
                  " KiB free, or the JS engine's; link with a larger -sSTACK_SIZE (-sTOTAL_STACK before 3.1.25), "
                  "or send a flatter value");
}

std::size_t incoming_binary(std::uint64_t index) {
  if (current_incoming_count == no_incoming)
    throw error(error_kind::bad_payload, "wasm_mt::bytes (or a vector sent as binary) is only deserializable inside a wasm_mt message");
  if (index >= current_incoming_count)
    throw error(error_kind::bad_payload, "message refers to binary buffer " + std::to_string(index) +
                                             " but carries " + std::to_string(current_incoming_count));
  return wasm_mt_js_inbox_buffer_length(index);
}

std::pair<std::size_t, std::size_t> incoming_binary(const nlohmann::json& j) {
  if (current_incoming_count == no_incoming)
    throw error(error_kind::bad_payload, "wasm_mt::bytes (or a vector sent as binary) is only deserializable inside a wasm_mt message");
  const auto& at = j.at(bytes_key);
  if (!at.is_number_unsigned() && !(at.is_number_integer() && at.get<std::int64_t>() >= 0))
    throw error(error_kind::bad_payload, "a binary buffer's index is not an index: " + at.dump());
  const std::uint64_t index = at.get<std::uint64_t>();
  return {static_cast<std::size_t>(index), incoming_binary(index)};
}

void read_binary(std::size_t index, void* out, std::size_t length) {
  if (length && wasm_mt_js_inbox_buffer_copy(index, static_cast<std::uint8_t*>(out), length) != length)
    throw error(error_kind::bad_payload, "binary buffer " + std::to_string(index) + " changed size while read");
}

}  // namespace detail

}  // namespace wasm_mt
