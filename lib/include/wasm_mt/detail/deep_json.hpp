// Internal: JSON values of any depth, walked with an explicit stack. nlohmann/json's own
// dump() and copy recurse once per level; with JS exceptions each level also crosses an
// invoke_ trampoline, and a value some thousand levels deep overflows the engine's stack
// (or, unchecked, the wasm stack). wasm_mt writes and copies values through these.
// (nlohmann's parser and destructor already use their own stacks.)
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace wasm_mt::detail {

// `value` as compact JSON text: what value.dump() gives, without recursion. Throws
// nlohmann's type_error (316) for a string that is not UTF-8, as dump() does.
std::string dump_flat(const nlohmann::json& value);
// The same text, appended to `out`.
void append_flat(std::string& out, const nlohmann::json& value);

// A copy of `value`, made without recursion.
nlohmann::json copy_flat(const nlohmann::json& value);

}  // namespace wasm_mt::detail
