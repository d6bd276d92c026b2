// wasm_mt::callbacks: the closures a caller lets its workers run on it, through
// this_request::call_caller. None by default: a worker's call_caller of any other closure
// fails with error_kind::unknown_function, so a worker (or JS code it runs, exec_js
// included) cannot make its caller run what the caller did not offer.
//
//   th.exec(Work{}, {.callbacks = wasm_mt::callbacks::of<AskUser>()});     // this request
//   th.set_callbacks(wasm_mt::callbacks::of<AskUser, SaveFile>());         // every request of th
//   wasm_mt::pool_options{.callbacks = wasm_mt::callbacks::of<AskUser>()}  // every task of a pool
//
// A call is accepted when the request it is made for (the one its closure runs for, while
// it is pending and not stopped) offers it, or the thread it runs on does. (Comlink's
// counterpart: the caller exposes an object to the worker, and only what it exposes can
// be called.) The boundary is the worker: code in a worker (exec_js included) can name
// any pending request of its thread, so a per-request offer limits cooperating code, and
// what a thread or pool offers, any code in its workers may call.
#pragma once

#include <algorithm>
#include <vector>

#include "wasm_mt/registry.hpp"

namespace wasm_mt {

template <class C>
function_id closure_id();  // closure.hpp

class callbacks {
 public:
  // None.
  callbacks() = default;

  // The closure types Closure... (each a closure: WASM_MT_CLOSURE or an inline one).
  template <class... Closure>
  static callbacks of() {
    callbacks set;
    set.ids_ = {closure_id<Closure>()...};
    std::sort(set.ids_.begin(), set.ids_.end());
    return set;
  }

  // Whether the closure with function ID `id` is one of them.
  bool allows(function_id id) const noexcept { return std::binary_search(ids_.begin(), ids_.end(), id); }
  bool empty() const noexcept { return ids_.empty(); }

 private:
  std::vector<function_id> ids_;  // sorted
};

}  // namespace wasm_mt
