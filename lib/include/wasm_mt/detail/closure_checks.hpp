// Compile-time checks of closure types, so that a mistake is a compile error in plain
// words at the code the user wrote (exec, WASM_MT_CLOSURE), not a screen of nlohmann/json
// template errors or a closure that silently computes with a default-initialised field.
#pragma once

#include <concepts>
#include <cstddef>
#include <functional>
#include <span>
#include <string_view>
#include <tuple>
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

// Converts to any type but an empty class: where T has an empty base or member,
// initializing T with it there fails.
struct any_nonempty_field {
  template <class U>
    requires(!std::is_empty_v<U>)
  operator U&() const noexcept;
};

// How many initializers aggregate T takes (its elements, a C array member's counted
// element by element), probing upward from `known`, which it takes at least.
template <class T, std::size_t known>
constexpr std::size_t aggregate_elements() {
  if constexpr (aggregate_takes<T, known + 1>)
    return aggregate_elements<T, known + 1>();
  else
    return known;
}

// How many of aggregate T's `I...` elements are empty classes (tag bases, empty
// [[no_unique_address]] members): they carry nothing, so need not be listed.
template <class T, std::size_t at, std::size_t... I>
constexpr bool empty_element(std::index_sequence<I...>) {
  return !requires { T{std::conditional_t<I == at, any_nonempty_field, any_field>{}...}; };
}
template <class T, std::size_t... I>
constexpr std::size_t empty_elements(std::index_sequence<I...> all) {
  if constexpr (requires { T{(static_cast<void>(I), any_nonempty_field{})...}; }) {
    return 0;  // none (one probe; counting them one by one costs elements^2)
  } else {
    const bool empty[] = {empty_element<T, I>(all)...};  // (not a fold: C arrays make thousands)
    std::size_t count = 0;
    for (bool e : empty) count += e;
    return count;
  }
}

// How many initializers a field of type F takes by brace elision: a C array's element
// count, none for an empty class, else 1.
template <class F>
constexpr std::size_t initializers_of() {
  if constexpr (std::is_array_v<F>)
    return std::extent_v<F> * initializers_of<std::remove_extent_t<F>>();
  else if constexpr (std::is_empty_v<F>)
    return 0;
  else
    return 1;
}

// A field listed in WASM_MT_CLOSURE: the class that declares it (the closure type, or
// one of its base classes) and how many initializers it takes.
template <class Owner, std::size_t initializers>
struct listed_field {
  using owner = Owner;
  static constexpr std::size_t count = initializers;
};
template <class M, class Owner>
Owner member_owner(M Owner::*);  // (declared only: decltype gives the declaring class)

template <class B, class... Listed>
constexpr bool lists_every_field_of_base();

// True unless Owner, the class declaring a listed field of aggregate T (`elements`
// elements), stands for one of T's bases and that base is not one of T's elements or
// lacks a field. (Instantiated per listed field: the probes only for bases.)
template <class T, class Owner, std::size_t elements, class... Listed>
constexpr bool base_complete();

// True when Owner, the class declaring a listed field of T, stands for one of T's
// elements: a base of T that is not a base of another listed field's class.
template <class T, class Owner, class... Listed>
constexpr bool outermost_owner =
    !std::is_same_v<Owner, T> &&
    (true && ... &&
     (std::is_same_v<typename Listed::owner, Owner> || std::is_same_v<typename Listed::owner, T> ||
      !std::is_base_of_v<Owner, typename Listed::owner>));

// True when element `at` of Tuple is its first of that type.
template <class Tuple, std::size_t at>
constexpr bool first_of_its_type() {
  return []<std::size_t... J>(std::index_sequence<J...>) {
    return (true && ... && !std::is_same_v<std::tuple_element_t<J, Tuple>, std::tuple_element_t<at, Tuple>>);
  }(std::make_index_sequence<at>{});
}

// How many of T's elements (base classes) the listed fields come through.
template <class T, class... Listed>
constexpr std::size_t listed_bases() {
  using owners = std::tuple<typename Listed::owner...>;
  return []<std::size_t... I>(std::index_sequence<I...>) {
    return (std::size_t{0} + ... +
            std::size_t{outermost_owner<T, std::tuple_element_t<I, owners>, Listed...> && first_of_its_type<owners, I>()});
  }(std::index_sequence_for<Listed...>{});
}

// Converts to O& only.
template <class O>
struct exactly {
  template <class U>
    requires std::is_same_v<U, O>
  operator U&() const noexcept;
};
template <class T, class O, std::size_t at, std::size_t... I>
constexpr bool takes_exactly_at(std::index_sequence<I...>) {
  return requires { T{std::conditional_t<I == at, exactly<O>, any_field>{}...}; };
}
// True when base O is one of aggregate T's `elements` elements: a direct base, or one
// between that holds nothing else. (Where a base between holds more, brace elision lets
// one more initializer in.)
template <class T, class O, std::size_t elements>
constexpr bool is_element() {
  return []<std::size_t... P>(std::index_sequence<P...>) {
    const bool here[] = {(takes_exactly_at<T, O, P>(std::make_index_sequence<elements>{}) &&
                          !takes_exactly_at<T, O, P>(std::make_index_sequence<elements + 1>{}))...};
    for (bool h : here)
      if (h) return true;
    return false;
  }(std::make_index_sequence<elements>{});
}

// True when the fields listed (listed_field...) cover every element of aggregate T that
// holds data: T's own fields, and, for each base class whose fields are listed, all of
// that base's (checked the same way, so bases of bases too). A base with no field listed
// counts as one element left out; empty bases and members need no listing. Types that
// are not aggregates cannot be counted and pass.
template <class T, class... Listed>
constexpr bool lists_every_field() {
  constexpr std::size_t own = (std::size_t{0} + ... + (std::is_same_v<typename Listed::owner, T> ? Listed::count : 0));
  constexpr bool all_own = (true && ... && std::is_same_v<typename Listed::owner, T>);
  if constexpr (!std::is_aggregate_v<T>) {
    return true;
  } else if constexpr (all_own && !aggregate_takes<T, own + 1>) {
    return true;  // the common case, counted at once
  } else {
    constexpr std::size_t elements = aggregate_elements<T, own>();
    constexpr std::size_t bases = listed_bases<T, Listed...>();
    if constexpr (own + bases > elements) {
      return false;  // (a listed base that is not one of T's elements)
    } else {
      constexpr bool covered = [] {
        if constexpr (own + bases == elements)
          return true;
        else  // (the rest must be empty: counted only then, as it costs elements^2)
          return own + bases + empty_elements<T>(std::make_index_sequence<elements>{}) >= elements;
      }();
      if constexpr (!covered)
        return false;
      else
        return (true && ... && base_complete<T, typename Listed::owner, elements, Listed...>());
    }
  }
}

template <class T, class Owner, std::size_t elements, class... Listed>
constexpr bool base_complete() {
  if constexpr (!outermost_owner<T, Owner, Listed...>)
    return true;
  else
    return is_element<T, Owner, elements>() && lists_every_field_of_base<Owner, Listed...>();
}

// lists_every_field for base B of a closure, with the fields listed that B holds (B's
// own, and its bases').
template <class B, class... Listed>
constexpr bool lists_every_field_of_base() {
  return []<class... Kept>(std::tuple<Kept...>) { return lists_every_field<B, Kept...>(); }(
      std::tuple_cat(std::conditional_t<std::is_same_v<typename Listed::owner, B> || std::is_base_of_v<typename Listed::owner, B>,
                                        std::tuple<Listed>, std::tuple<>>{}...));
}

// The first name of `names` ("a, b, c", as WASM_MT_CLOSURE lists them), taken off it.
constexpr std::string_view take_name(std::string_view& names) {
  const auto comma = names.find(',');
  std::string_view name = names.substr(0, comma);
  names = comma == std::string_view::npos ? std::string_view{} : names.substr(comma + 1);
  while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
  while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
  return name;
}

// True when `names` has a name twice.
constexpr bool lists_a_name_twice(std::string_view names) {
  while (!names.empty()) {
    const std::string_view name = take_name(names);
    for (std::string_view others = names; !others.empty();)
      if (take_name(others) == name) return true;
  }
  return false;
}

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

// C has a JSON form each way: its fields listed (inline closures: described.hpp), empty, or
// nlohmann/json's to_json/from_json (found by ADL or an adl_serializer specialization).
template <class C>
concept writable_capture = tied<C> || std::is_empty_v<C> ||
                           requires(nlohmann::json& j, const C& c) { nlohmann::adl_serializer<C>::to_json(j, c); };
template <class C>
concept readable_capture = tied<C> || std::is_empty_v<C> ||
                           requires(const nlohmann::json& j, C& c) { nlohmann::adl_serializer<C>::from_json(j, c); } ||
                           requires(const nlohmann::json& j) { nlohmann::adl_serializer<C>::from_json(j); };

// What is wrong with C as a closure: the first fault that applies (one mistake gives one
// message), or none. Its shape first (an object, callable with no arguments, that a
// worker can make), then its JSON form each way. Needs only C's definition for the shape;
// the JSON form is looked at where exec's body is instantiated, once the translation unit
// is complete, so a closure may exec itself before its WASM_MT_CLOSURE (fib).
enum class closure_fault { none, pointer, not_callable, not_constructible, derives_from_closure, no_json_form };

// The message of each fault (string literals: diagnose_if and static_assert take no other).
#define WASM_MT_DETAIL_FAULT_POINTER \
  "wasm_mt: exec takes a closure object, not a pointer: a pointer cannot cross to another thread"
#define WASM_MT_DETAIL_FAULT_NOT_CALLABLE \
  "wasm_mt: a closure needs an operator()() taking no arguments (its inputs are its fields)"
#define WASM_MT_DETAIL_FAULT_NOT_CONSTRUCTIBLE                                                        \
  "wasm_mt: a closure must be default-constructible (the worker makes one and fills in its fields). " \
  "A lambda that captures ([&], [=], [x]) cannot cross to another thread: use a struct with "         \
  "WASM_MT_CLOSURE(Type, fields...), or WASM_MT_EXEC(thread, (locals...), { body }) to copy locals"
#define WASM_MT_DETAIL_FAULT_DERIVES                                                                   \
  "wasm_mt: this closure derives from a type with WASM_MT_CLOSURE, which would encode it (its own " \
  "fields would not be sent): give it its own WASM_MT_CLOSURE(Type, fields...), listing the base's fields too"
#define WASM_MT_DETAIL_FAULT_NO_JSON_FORM                                                              \
  "wasm_mt: this closure's fields have no JSON form: add WASM_MT_CLOSURE(Type, fields...) after the " \
  "struct, in its namespace, or use WASM_MT_EXEC for an inline closure"

template <class C>
constexpr closure_fault closure_shape_fault() {
  if constexpr (std::is_pointer_v<C> || std::is_member_pointer_v<C>)
    return closure_fault::pointer;
  else if constexpr (!std::is_invocable_v<C&>)
    return closure_fault::not_callable;
  else if constexpr (!std::is_default_constructible_v<C> && !tied<C> &&
                     !requires(const nlohmann::json& j) {
                       { nlohmann::adl_serializer<C>::from_json(j) } -> std::same_as<C>;
                     })
    return closure_fault::not_constructible;
  else
    return closure_fault::none;
}

// WASM_MT_CLOSURE(Type, ...) defines wasm_mt_closure_type(const Type*), found by ADL,
// for Type and the types derived from it. (This one is never viable: it makes the name
// known here.)
void wasm_mt_closure_type() = delete;

// The type whose WASM_MT_CLOSURE gives C its JSON form: C, or a base of C (then C's own
// fields would not be sent). C when it has no WASM_MT_CLOSURE.
template <class C>
struct closure_macro_type {
  using type = C;
};
template <class C>
  requires requires { wasm_mt_closure_type(static_cast<const C*>(nullptr)); }
struct closure_macro_type<C> {
  using type = typename decltype(wasm_mt_closure_type(static_cast<const C*>(nullptr)))::type;
};

template <class C>
constexpr closure_fault closure_fault_of() {
  if constexpr (closure_shape_fault<C>() != closure_fault::none)
    return closure_shape_fault<C>();
  else if constexpr (!std::is_same_v<typename closure_macro_type<C>::type, C>)
    return closure_fault::derives_from_closure;
  else if constexpr (!writable_capture<C> || !readable_capture<C>)
    return closure_fault::no_json_form;
  else
    return closure_fault::none;
}

// True when C can be a closure; else fails a static_assert saying what to do. For code
// reached without a public entry point's call-site check (below): registration.
template <class C>
constexpr bool check_closure() {
  constexpr closure_fault fault = closure_fault_of<C>();
  static_assert(fault != closure_fault::pointer, WASM_MT_DETAIL_FAULT_POINTER);
  static_assert(fault != closure_fault::not_callable, WASM_MT_DETAIL_FAULT_NOT_CALLABLE);
  static_assert(fault != closure_fault::not_constructible, WASM_MT_DETAIL_FAULT_NOT_CONSTRUCTIBLE);
  static_assert(fault != closure_fault::derives_from_closure, WASM_MT_DETAIL_FAULT_DERIVES);
  static_assert(fault != closure_fault::no_json_form, WASM_MT_DETAIL_FAULT_NO_JSON_FORM);
  return fault == closure_fault::none;
}

// A mistake in a call is reported at the user's call, not in a library header: each
// public function taking a closure carries WASM_MT_DETAIL_CHECK_CLOSURE(C) after its
// declarator, a clang diagnose_if error per fault of C's shape (clang is Emscripten's
// compiler, 14 and later), and its body runs only `if constexpr (closure_accepted<C>())`,
// so the call gives that one error and no other. C's JSON form is checked in the body
// (static_assert), once the translation unit is complete: looking at it at the call
// would be too early for a closure that execs itself before its WASM_MT_CLOSURE, and the
// compiler would remember that answer. Without diagnose_if, the body checks all.
#if defined(__has_attribute)
#if __has_attribute(diagnose_if)
#define WASM_MT_DETAIL_DIAGNOSED_AT_CALL 1
#endif
#endif
#ifdef WASM_MT_DETAIL_DIAGNOSED_AT_CALL
#define WASM_MT_DETAIL_DIAGNOSE(condition, message) __attribute__((diagnose_if(condition, message, "error")))
#else
#define WASM_MT_DETAIL_DIAGNOSE(condition, message)
#endif

#define WASM_MT_DETAIL_IF_FAULT(C, fault, message) \
  WASM_MT_DETAIL_DIAGNOSE(::wasm_mt::detail::closure_shape_fault<C>() == ::wasm_mt::detail::closure_fault::fault, message)
#define WASM_MT_DETAIL_CHECK_CLOSURE(C)                                 \
  WASM_MT_DETAIL_IF_FAULT(C, pointer, WASM_MT_DETAIL_FAULT_POINTER)     \
  WASM_MT_DETAIL_IF_FAULT(C, not_callable, WASM_MT_DETAIL_FAULT_NOT_CALLABLE) \
  WASM_MT_DETAIL_IF_FAULT(C, not_constructible, WASM_MT_DETAIL_FAULT_NOT_CONSTRUCTIBLE)

#define WASM_MT_DETAIL_USE_STREAM "this closure returns a wasm_mt::generator: run it with stream(), not exec()"
#define WASM_MT_DETAIL_USE_EXEC "stream() runs a closure returning wasm_mt::generator<T>: use exec() for this one"

// A closure of the right shape given to the wrong entry point (`condition` true), told
// at the call: e.g. a generator closure to exec().
#define WASM_MT_DETAIL_CHECK_USE(C, condition, message)                                                         \
  WASM_MT_DETAIL_DIAGNOSE(::wasm_mt::detail::closure_shape_fault<C>() == ::wasm_mt::detail::closure_fault::none && \
                              (condition),                                                                        \
                          message)

// True when C can be a closure; the body of an entry point that checked C at its call.
template <class C>
constexpr bool closure_accepted() {
#ifdef WASM_MT_DETAIL_DIAGNOSED_AT_CALL
  if constexpr (closure_shape_fault<C>() != closure_fault::none)
    return false;
  else
#endif
    return check_closure<C>();
}

// `fits`, in the body of an entry point that checked its use with WASM_MT_DETAIL_CHECK_USE.
template <bool fits>
constexpr bool use_accepted() {
#ifndef WASM_MT_DETAIL_DIAGNOSED_AT_CALL
  static_assert(fits, "wasm_mt: this closure does not fit this call (a generator closure runs with stream(), "
                      "others with exec(); map and call_caller take closures returning a value)");
#endif
  return fits;
}

}  // namespace wasm_mt::detail
