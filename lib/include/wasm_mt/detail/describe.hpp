// What WASM_MT_CLOSURE and WASM_MT_STRUCT share: a type described by its field list.
// WASM_MT_DETAIL_DESCRIBE(macro, Type, can_cross, fields...) defines, in Type's namespace:
//   wasm_mt_described_type   Type's identity (payload.hpp's `described`): wasm_mt walks
//                            its fields itself, sending binary fields by reference;
//   to_json / from_json      nlohmann/json's ADL hooks, each field through write_field /
//                            read_field (payload.hpp: numbers travel as binary inside a
//                            wasm_mt message, copied, since nlohmann may reach Type in a
//                            temporary; plain JSON elsewhere);
//   wasm_mt_visit_fields     calls visit(name, field) for each field, in the listed order;
//   wasm_mt_fields_are_numbers  whether every field is a binary_element (records.hpp).
// Compile errors (naming `macro`): a field that is a pointer, a reference, a view or
// const (`can_cross`); a field listed twice; an aggregate Type with a field left out;
// placed outside Type's namespace.
#pragma once

#include <string_view>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "wasm_mt/detail/closure_checks.hpp"
#include "wasm_mt/detail/for_each.hpp"
#include "wasm_mt/detail/payload.hpp"

#define WASM_MT_DETAIL_DESCRIBE(macro, Type, can_cross, ...)                                   \
  [[maybe_unused]] constexpr bool wasm_mt_lists_every_field([[maybe_unused]] const Type* wasm_mt_c) { \
    WASM_MT_DETAIL_FOR_EACH(can_cross, __VA_ARGS__)                                            \
    static_assert(!::wasm_mt::detail::lists_a_name_twice(#__VA_ARGS__),                       \
                  macro "(" #Type ", " #__VA_ARGS__ ") lists a field twice");                  \
    return ::wasm_mt::detail::lists_every_field<Type WASM_MT_DETAIL_FOR_EACH(WASM_MT_DETAIL_FIELD_LISTED, __VA_ARGS__)>(); \
  }                                                                                           \
  static_assert(wasm_mt_lists_every_field(static_cast<const Type*>(nullptr)),                 \
                macro "(" #Type ", " #__VA_ARGS__ ") does not list every field of " #Type     \
                ": a field left out is not sent, and the receiver has it default-initialised. List " \
                "them all, a base class's too (empty ones need not be; give " #Type " a constructor to skip this check)"); \
  [[maybe_unused]] constexpr ::std::type_identity<Type> wasm_mt_described_type(const Type*) { return {}; } \
  [[maybe_unused]] inline void to_json(::nlohmann::json& wasm_mt_j, const Type& wasm_mt_c) { \
    ::wasm_mt::detail::check_stack("cannot encode", 0);                                       \
    wasm_mt_j = ::nlohmann::json::object();                                                   \
    WASM_MT_DETAIL_FOR_EACH(WASM_MT_DETAIL_FIELD_TO_JSON, __VA_ARGS__)                        \
  }                                                                                           \
  [[maybe_unused]] inline void from_json(const ::nlohmann::json& wasm_mt_j, Type& wasm_mt_c) { \
    ::wasm_mt::detail::check_stack("cannot decode", 0);                                       \
    WASM_MT_DETAIL_FOR_EACH(WASM_MT_DETAIL_FIELD_FROM_JSON, __VA_ARGS__)                      \
  }                                                                                           \
  template <class Capture, class Visit>                                                        \
    requires std::is_same_v<std::remove_const_t<Capture>, Type>                               \
  [[maybe_unused]] inline void wasm_mt_visit_fields([[maybe_unused]] Capture& wasm_mt_c,      \
                                                    [[maybe_unused]] Visit&& wasm_mt_visit) { \
    WASM_MT_DETAIL_FOR_EACH(WASM_MT_DETAIL_FIELD_VISIT, __VA_ARGS__)                          \
  }                                                                                           \
  [[maybe_unused]] constexpr bool wasm_mt_fields_are_numbers([[maybe_unused]] const Type* wasm_mt_c) { \
    return WASM_MT_DETAIL_FOR_EACH(WASM_MT_DETAIL_FIELD_IS_NUMBER, __VA_ARGS__) true;         \
  }                                                                                           \
  static_assert(::wasm_mt::detail::json_found_by_adl<Type>,                                   \
                macro "(" #Type ", ...) must be in the namespace that declares " #Type        \
                " (nlohmann/json looks for to_json and from_json there): move it there, after the struct");

#define WASM_MT_DETAIL_FIELD_TO_JSON(i, field) \
  ::wasm_mt::detail::write_field(wasm_mt_j, #field, wasm_mt_c.field, ::wasm_mt::detail::keep::copy);
#define WASM_MT_DETAIL_FIELD_FROM_JSON(i, field) ::wasm_mt::detail::read_field(wasm_mt_j, #field, wasm_mt_c.field);
#define WASM_MT_DETAIL_FIELD_VISIT(i, field) wasm_mt_visit(#field, wasm_mt_c.field);
#define WASM_MT_DETAIL_FIELD_IS_NUMBER(i, field) ::wasm_mt::detail::binary_element<decltype(wasm_mt_c->field)>&&
#define WASM_MT_DETAIL_FIELD_LISTED(i, field)                                                       \
  , ::wasm_mt::detail::listed_field<decltype(::wasm_mt::detail::member_owner(&::std::remove_cvref_t<decltype(*wasm_mt_c)>::field)), \
                                    ::wasm_mt::detail::initializers_of<decltype(wasm_mt_c->field)>()>
#define WASM_MT_DETAIL_FIELD_CAN_CROSS_IN(macro, field)                                             \
  static_assert(!::wasm_mt::detail::is_pointer_or_reference<decltype(wasm_mt_c->field)>,            \
                macro ": field `" #field "` is a pointer, a reference or a view (string_view, span), which " \
                "cannot cross to another thread: copy the data in (a value, std::string, std::vector), or use " \
                "wasm_mt::bytes");                                                                  \
  static_assert(!::std::is_const_v<decltype(wasm_mt_c->field)>,                                     \
                macro ": field `" #field "` is const, but the receiving thread fills in the fields after "   \
                "making the value: make the field non-const (operator() can be const)");
