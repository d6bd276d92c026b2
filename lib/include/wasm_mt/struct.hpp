// WASM_MT_STRUCT: describes a value type to wasm_mt, as WASM_MT_CLOSURE describes a
// closure, so that the numbers it holds travel as binary wherever it appears in a value:
//
//   struct Tile { int y = 0; std::vector<std::uint8_t> pixels; };
//   WASM_MT_STRUCT(Tile, y, pixels)     // in Tile's namespace, after the struct
//
// Inside a wasm_mt message (captures, results, events, stream items):
// - a std::vector or std::array of numbers (not bool) is the vector's memory as it is, a
//   transferred ArrayBuffer, never JSON text (wasm_mt::bytes costs the same);
// - a std::vector or std::array of records, described aggregates whose fields are all
//   numbers (`struct Point { int id; float x, y; }`), is one buffer, the records' memory
//   as it is, with their layout (field names, types and offsets): a receiver whose
//   record has the same layout copies it in one piece; another one (fields reordered,
//   another number type, fields added) converts field by field as JSON would, and a
//   field it needs that was not sent fails with error_kind::bad_payload;
// - where they are: a closure's field, a result, an event, a stream item, a described
//   struct's field, and inside std::vector, std::list, std::deque, std::array (not of
//   std::arrays), std::string-keyed std::map and std::unordered_map and std::optional of
//   them, at any depth (`std::map<std::string, std::vector<Tile>>`). A described struct
//   that nlohmann reaches (inside a std::pair, a std::variant, a type with its own
//   to_json) still sends its vectors as binary, copied first (nlohmann may hand it a
//   temporary); a vector of numbers directly inside those goes as JSON.
// Outside a message (nlohmann::json(tile) in your code) the same type has its plain JSON
// form: {"y": 3, "pixels": [...]}. A receiver asking for raw JSON (nlohmann::json,
// exec_by_name) gets that form too, records as objects.
//
// A type with only its own to_json/from_json (NLOHMANN_DEFINE_TYPE_*, or written by
// hand) still works, as JSON: nlohmann builds a node per number, 600-1,900 ms per MiB
// of numbers against 1-2 ms as binary (docs/benchmarks.md).
//
// Compile errors: placed outside Type's namespace; a field that is a pointer, a reference,
// a view or const; a field listed twice; an aggregate Type with a field left out.
#pragma once

#include "wasm_mt/detail/describe.hpp"

#define WASM_MT_STRUCT(Type, ...) \
  WASM_MT_DETAIL_DESCRIBE("WASM_MT_STRUCT", Type, WASM_MT_DETAIL_STRUCT_FIELD_CAN_CROSS, __VA_ARGS__)

#define WASM_MT_DETAIL_STRUCT_FIELD_CAN_CROSS(i, field) WASM_MT_DETAIL_FIELD_CAN_CROSS_IN("WASM_MT_STRUCT", field)
