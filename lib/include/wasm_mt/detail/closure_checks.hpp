// Compile-time checks of closure types, so that a mistake is a compile error in plain
// words at the code the user wrote (exec, WASM_MT_CLOSURE), not a screen of nlohmann/json
// template errors or a closure that silently computes with a default-initialised field.
#pragma once

#include <concepts>
#include <cstddef>
#include <functional>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

#include "wasm_mt/detail/payload.hpp"

namespace wasm_mt::detail {

// Converts to any field type: stands for one initializer of an aggregate (declared only).
struct any_field {
  template <class T>
  operator T&() const noexcept;
};

template <class T, std::size_t... I>
constexpr bool brace_initializable_from(std::index_sequence<I...>) {
  return requires { T{(static_cast<void>(I), any_field{})...}; };
}

// True when aggregate T takes `count` initializers: it has at least that many elements
// (a base class counts as one element; a C array member as its element count).
template <class T, std::size_t count>
constexpr bool aggregate_takes = brace_initializable_from<T>(std::make_index_sequence<count>{});

// How many initializers a field of type F takes by brace elision: a C array's element
// count, else 1.
template <class F>
constexpr std::size_t initializers_of() {
  if constexpr (std::is_array_v<F>)
    return std::extent_v<F> * initializers_of<std::remove_extent_t<F>>();
  else
    return 1;
}

// True when the fields listed for T (taking `listed` initializers) are all of T's
// elements. Only aggregates can be counted; other types pass.
template <class T, std::size_t listed>
constexpr bool lists_every_field = !std::is_aggregate_v<T> || !aggregate_takes<T, listed + 1>;

// A view of memory the caller owns: decoded in the worker, it would point into a
// temporary.
template <class F>
constexpr bool is_view = false;
template <class Char, class Traits>
constexpr bool is_view<std::basic_string_view<Char, Traits>> = true;
template <class T, std::size_t extent>
constexpr bool is_view<std::span<T, extent>> = true;
template <class T>
constexpr bool is_view<std::reference_wrapper<T>> = true;

// A field that cannot cross to another thread: a pointer, a reference or a view.
template <class F>
constexpr bool is_pointer_or_reference =
    std::is_pointer_v<std::remove_all_extents_t<F>> || std::is_reference_v<F> ||
    std::is_member_pointer_v<std::remove_all_extents_t<F>> || is_view<std::remove_cv_t<std::remove_all_extents_t<F>>>;

// nlohmann/json finds T's to_json by ADL: WASM_MT_CLOSURE is in T's own namespace.
template <class T>
concept json_found_by_adl = requires(nlohmann::json& j, const T& c) { to_json(j, c); };

// C has a JSON form each way: its own members (inline closures), empty, or nlohmann/json's
// to_json/from_json (found by ADL or an adl_serializer specialization).
template <class C>
concept writable_capture = has_member_json<C> || std::is_empty_v<C> ||
                           requires(nlohmann::json& j, const C& c) { nlohmann::adl_serializer<C>::to_json(j, c); };
template <class C>
concept readable_capture = has_member_json<C> || std::is_empty_v<C> ||
                           requires(const nlohmann::json& j, C& c) { nlohmann::adl_serializer<C>::from_json(j, c); } ||
                           requires(const nlohmann::json& j) { nlohmann::adl_serializer<C>::from_json(j); };

// True when C has a closure's shape (an object, callable with no arguments, that a
// worker can make); else fails a static_assert that says what to do (the first that
// applies only, so one mistake gives one message). Checked where the result type is
// formed, so it is the first error; it needs only C's definition.
template <class C>
constexpr bool check_closure_shape() {
  if constexpr (std::is_pointer_v<C> || std::is_member_pointer_v<C>) {
    static_assert(!sizeof(C*), "wasm_mt: exec takes a closure object, not a pointer: a pointer cannot cross to another thread");
    return false;
  } else if constexpr (!std::is_invocable_v<C&>) {
    static_assert(!sizeof(C*), "wasm_mt: a closure needs an operator()() taking no arguments (its inputs are its fields)");
    return false;
  } else if constexpr (!std::is_default_constructible_v<C> && !has_member_json<C> &&
                       !requires(const nlohmann::json& j) {
                         { nlohmann::adl_serializer<C>::from_json(j) } -> std::same_as<C>;
                       }) {
    static_assert(!sizeof(C*),
                  "wasm_mt: a closure must be default-constructible (the worker makes one and fills in its fields). "
                  "A lambda that captures ([&], [=], [x]) cannot cross to another thread: use a struct with "
                  "WASM_MT_CLOSURE(Type, fields...), or WASM_MT_EXEC(thread, (locals...), { body }) to copy locals");
    return false;
  } else {
    return true;
  }
}

// True when C can be a closure: its shape, and a JSON form each way. Checked in the
// bodies of exec and of the registration, which are instantiated once the translation
// unit is complete, so a closure may exec itself before its WASM_MT_CLOSURE (fib).
template <class C>
constexpr bool check_closure() {
  if constexpr (!check_closure_shape<C>()) {
    return false;
  } else if constexpr (!writable_capture<C> || !readable_capture<C>) {
    static_assert(!sizeof(C*),
                  "wasm_mt: this closure's fields have no JSON form: add WASM_MT_CLOSURE(Type, fields...) after the "
                  "struct, in its namespace, or use WASM_MT_EXEC for an inline closure");
    return false;
  } else {
    return true;
  }
}

}  // namespace wasm_mt::detail
