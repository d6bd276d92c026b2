// The C++ <-> JS boundary. Functions named wasm_mt_js_* are implemented in
// glue/library_wasm_mt.js; the JS glue calls back into wasm_mt_on_message
// (lib/src/inbox.cpp), after writing what it delivers into the `delivery` that
// wasm_mt_delivery() returns. Strings cross as (pointer, length) of UTF-8; nothing here owns
// memory on the other side. Every function that writes into wasm memory takes the
// destination's capacity, writes no more, and returns how much it wrote.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wasm_mt::detail {

// One binary buffer of a message; the glue reads this layout from the wasm heap.
struct buffer_ref {
  const std::uint8_t* data;
  std::uint32_t size;
};

// Message types, shared with glue/protocol.js (WASM_MT_EVENT).
enum class event : int {
  thread_ready = 1,    // a spawned worker finished init
  thread_failed = 2,   // a worker could not start (inbox texts: message)
  thread_crashed = 3,  // a live worker died (inbox texts: message, stack, running)
  reply = 4,           // a reply to request `id` (ok: a value, else an error)
  call = 5,            // (in a worker) run closure `fn` (signature `sig`) for request `id`
  timer = 6,           // a wasm_mt_js_set_timeout fired (`id`: its token)
  program_loaded = 7,  // a program load finished (`id`: its token; `program`)
  fetched = 8,         // a wasm_mt_js_fetch_bytes finished (`id`: its token; ok)
  continuations = 9,   // the run that wasm_mt_js_schedule_continuations asked for
  cancel = 10,         // the sender stopped its request `id` (from `handle`)
  request_event = 11,  // an event of request `id` (this_request::emit)
  stream_item = 12,    // an item of stream `id` (a generator's co_yield)
  ack = 13,            // (in a worker) the caller took `count` more items of stream `id`, or handled
                       // `count` of its events (`flags`: ack_flags)
  child_call = 14,     // a call from child thread `handle` into its caller: as `call`
};

// What the glue delivers (wasmMt.deliver, glue/library_wasm_mt_core.js): the event, the
// thread it comes from, then the fields of the message being delivered in the order of
// the glue's DELIVERY table (each a u32, 0 when the message has none), then the size of
// its payload and buffers. The message itself stays readable as the inbox (below).
struct delivery {
  std::uint32_t type;          // an `event`
  std::uint32_t handle;        // the thread it comes from; 0: none, or this worker's parent
  std::uint32_t id;            // the request's id (timer, fetch, load: its token)
  std::uint32_t fn;            // call: the closure's function ID
  std::uint32_t sig;           // call: its signature
  std::uint32_t flags;         // call: call_flags; ack: ack_flags (request_context.hpp)
  std::uint32_t for_request;   // a child's call into its caller: the caller's request it is made for
  std::uint32_t ok;            // reply, fetched: 1 a value, 0 an error
  std::uint32_t count;         // ack: the items taken, or the events handled
  std::uint32_t program;       // program_loaded: the program's ID, 0 when it failed
  std::uint32_t text_length;   // the payload's UTF-8 bytes
  std::uint32_t buffer_count;  // its binary buffers
  std::uint32_t ends_handler;  // 1: the glue's outermost handler does nothing after it that C++ sees, so
                               // the continuations it queues run before wasm_mt_on_message returns
  std::uint32_t matched;       // written by C++: 1 when a reply matched a pending request, set before any
                               // continuation runs, so the glue reads it even if a JS exception ends the call
};
static_assert(sizeof(delivery) == 14 * sizeof(std::uint32_t), "the glue writes 13 u32s (DELIVERY + 5), C++ one");

}  // namespace wasm_mt::detail

extern "C" {
// noexcept: JS throws no C++ exceptions, so calls to the glue need no exception
// trampoline (with JS exceptions every call that might throw goes through one).
// Spawning and messaging threads (parent side). A post returns 1 when the request is on
// its way, 0 when it could not be made (a text too long for a JS string, no memory for
// a copy): the caller then fails the request.
int wasm_mt_js_spawn(int program_id, const char* label, std::size_t label_len) noexcept;
// Handle 0 in the post functions below is this worker's parent (its calls into its
// caller); other handles are threads this instance spawned.
// flags: call_flags (request_context.hpp).
// `for_request`: for a call into this worker's caller (handle 0), the ID of the request
// it is made for (its caller may accept it for that request: callbacks.hpp); else 0.
int wasm_mt_js_post_call(int handle, std::uint32_t request_id, std::uint32_t function_id,
                         std::uint32_t signature, std::uint32_t flags, std::uint32_t for_request, const char* json,
                         std::size_t json_len, const wasm_mt::detail::buffer_ref* buffers,
                         std::size_t buffer_count) noexcept;
// args: JSON text the body sees as `args` (args_len 0: none). raw != 0: reply with the
// structured-cloned value (for emscripten::val), else JSON.
int wasm_mt_js_post_exec_js(int handle, std::uint32_t request_id, const char* code, std::size_t code_len,
                            const char* args, std::size_t args_len, int is_async, int raw) noexcept;
// The same with args as a JS value: `args` and `transfer` are emscripten::val handles
// (transfer: an array, or undefined for none). Posted at once, by itself: 0 when it cannot
// be cloned or transferred (nothing sent, the worker unharmed). Only exec_js's val
// overloads, header templates, call it: programs that do link embind.
int wasm_mt_js_post_exec_js_value(int handle, std::uint32_t request_id, const char* code, std::size_t code_len,
                                  void* args, void* transfer, int is_async, int raw) noexcept;
void wasm_mt_js_terminate(int handle) noexcept;
// Thread `handle`'s wasm memory in bytes, as its worker said when it became ready and
// before each reply after it grew; 0 before that, and once the thread has ended.
double wasm_mt_js_worker_memory(int handle) noexcept;
// The caller stopped request `id`. Returns 1 when the glue still held it (its worker has
// not said ready): dropped, it never reaches the worker and is no longer in flight.
// Else 0: the worker is told (in order with requests), and the request stays in flight
// until it replies or dies.
int wasm_mt_js_post_cancel(int handle, std::uint32_t request_id) noexcept;
// Tells the worker its new label (current_thread_label() there), in order with requests.
void wasm_mt_js_set_label(int handle, const char* label, std::size_t label_len) noexcept;

// Replying to a call: of this worker's parent (handle 0) or of child thread `handle`.
// ok != 0: json is the value; else json is an error message and `kind` names the error
// kind.
void wasm_mt_js_reply(int handle, std::uint32_t request_id, int ok, const char* json, std::size_t json_len,
                      const char* kind, std::size_t kind_len,
                      const wasm_mt::detail::buffer_ref* buffers, std::size_t buffer_count) noexcept;

// An event of request `id` (worker side), or (is_item != 0) a stream's next item,
// batched with the worker's other messages; 0 when it could not be made.
int wasm_mt_js_emit(int is_item, std::uint32_t request_id, const char* json, std::size_t json_len,
                     const wasm_mt::detail::buffer_ref* buffers, std::size_t buffer_count) noexcept;

// Tells the worker that the caller took `count` more items of stream `id`.
void wasm_mt_js_post_ack(int handle, std::uint32_t request_id, std::uint32_t count, std::uint32_t flags) noexcept;

// The message being handled, while a wasm_mt_on_message call runs. Its texts are valid
// UTF-8 (U+FFFD where the JS string was not well-formed).
std::size_t wasm_mt_js_inbox_text_length(int which) noexcept;
// Writes at most `capacity` UTF-8 bytes of the text, then a NUL (`destination` holds
// capacity + 1 bytes); returns the bytes written.
std::size_t wasm_mt_js_inbox_text_copy(int which, char* destination, std::size_t capacity) noexcept;
std::size_t wasm_mt_js_inbox_buffer_length(std::size_t index) noexcept;
// Copies at most `capacity` bytes of buffer `index`; returns the bytes copied.
std::size_t wasm_mt_js_inbox_buffer_copy(std::size_t index, std::uint8_t* destination, std::size_t capacity) noexcept;
int wasm_mt_js_inbox_value_handle() noexcept;  // an emscripten::val handle of the raw JS value
// 1 when the JS engine's stack has room for some 2,000 more small JS frames, else 0.
int wasm_mt_js_engine_stack_room() noexcept;

// Programs (the JS + compiled wasm a worker runs).
void wasm_mt_js_load_program_url(std::uint32_t token, const char* js_url, std::size_t js_len,
                                 const char* wasm_url, std::size_t wasm_len) noexcept;
void wasm_mt_js_load_program_buffers(std::uint32_t token, const std::uint8_t* js,
                                     std::size_t js_len, const std::uint8_t* wasm,
                                     std::size_t wasm_len) noexcept;
int wasm_mt_js_in_worker() noexcept;
std::size_t wasm_mt_js_thread_label_length() noexcept;
// As wasm_mt_js_inbox_text_copy, for the running worker's label.
std::size_t wasm_mt_js_thread_label_copy(char* destination, std::size_t capacity) noexcept;

// Timers, fetches and logging.
void wasm_mt_js_fetch_bytes(std::uint32_t token, const char* url, std::size_t url_len) noexcept;
// `milliseconds` >= 0 (longer than setTimeout takes is fine); infinity never fires.
void wasm_mt_js_set_timeout(double milliseconds, std::uint32_t token) noexcept;
void wasm_mt_js_clear_timeout(std::uint32_t token) noexcept;
int wasm_mt_js_hardware_concurrency() noexcept;
double wasm_mt_js_now_ms() noexcept;  // performance.now()
// The trace clock: performance.timeOrigin + performance.now() (ms since the Unix epoch,
// the same in every worker).
double wasm_mt_js_clock_ms() noexcept;
// The reply being delivered: when its worker started and finished it (trace clock; a
// traced call's) into out[0], out[1]; true, or false (out untouched) when it has none.
bool wasm_mt_js_inbox_times(double* out) noexcept;
// A User Timing measure on this thread's track: performance.measure(name, {start, end})
// with `start_ms`, `end_ms` on the trace clock. Unsupported or refused: nothing.
void wasm_mt_js_measure(const char* name, std::size_t name_len, double start_ms, double end_ms) noexcept;
// Delivers event::continuations once the glue's handler running now is done, or (none
// runs) from a fresh microtask.
void wasm_mt_js_schedule_continuations() noexcept;
void wasm_mt_js_log(int level, const char* text, std::size_t len) noexcept;
}

namespace wasm_mt::detail {
// Which text of the inbox message wasm_mt_js_inbox_text_* reads.
// running: the request IDs a crashed worker had started, "3,5" ("unknown" if not known).
enum class inbox_text : int { payload = 0, error_kind = 1, error_message = 2, error_stack = 3, running = 4 };
}  // namespace wasm_mt::detail
