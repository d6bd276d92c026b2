// wasm_mt::program: the code a thread runs, i.e. an Emscripten-built JS file and its
// compiled WebAssembly.Module (the Rust original's WasmMt). The wasm is compiled once per
// program; every thread is handed the compiled module (or its bytes where an engine
// refuses to clone a module), never a fresh download.
#pragma once

#include <string>

#include "wasm_mt/bytes.hpp"
#include "wasm_mt/future.hpp"

namespace wasm_mt {

class program {
 public:
  // The running program: its own script and module. What most users want: a thread
  // running the same binary sees the same closure registry. Inside a worker, the program
  // that worker runs (so threads can be nested).
  static program self() noexcept { return program(0); }

  // Another program by URL (a file path under Node). Fetches and compiles its wasm once;
  // `wasm_url` defaults to `js_url` with ".js" replaced by ".wasm".
  // Fails with error_kind::load_failed.
  [[nodiscard]] static future<program> from_url(std::string js_url, std::string wasm_url = {}, detail::call_site site = detail::call_site::here());

  // A program from in-memory JS text and wasm bytes (the original's
  // new_with_arraybuffers). Compiles the wasm once. Fails with error_kind::load_failed.
  [[nodiscard]] static future<program> from_buffers(const bytes& js, const bytes& wasm, detail::call_site site = detail::call_site::here());

  // The glue's handle for this program; 0 is self().
  int id() const noexcept { return id_; }

 private:
  explicit program(int id) noexcept : id_(id) {}
  friend struct program_access;
  int id_;
};

}  // namespace wasm_mt
