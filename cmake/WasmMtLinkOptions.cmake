# What every program that links wasm_mt needs, shared by the build tree
# (lib/CMakeLists.txt) and the installed package (wasm_mtConfig.cmake).

# The compile and link flag of an exception model (WASM_MT_EXCEPTIONS): js or wasm.
function(wasm_mt_exceptions_flag out mode)
  if(mode STREQUAL "js")
    set(${out} -fexceptions PARENT_SCOPE)
  elseif(mode STREQUAL "wasm")
    set(${out} -fwasm-exceptions PARENT_SCOPE)
  else()
    message(FATAL_ERROR "WASM_MT_EXCEPTIONS must be js or wasm, not '${mode}'")
  endif()
endfunction()

# Stops, saying what to do, when this project's own flags use the other exception model
# than `mode`, the one `what` (wasm_mt, built or installed) was built with: the program
# would otherwise fail at link with undefined wasm_mt symbols. (Flags set on a target
# are caught when compiling: wasm_mt/detail/build_checks.hpp.)
function(wasm_mt_check_exceptions mode what)
  string(TOUPPER "${CMAKE_BUILD_TYPE}" build_type)
  set(flags " ${CMAKE_CXX_FLAGS} ${CMAKE_CXX_FLAGS_${build_type}} ${CMAKE_EXE_LINKER_FLAGS} ")
  if(mode STREQUAL "js" AND flags MATCHES "[ ]-fwasm-exceptions[ ]")
    message(FATAL_ERROR "${what} uses WASM_MT_EXCEPTIONS=js (JS-based C++ exceptions), but this project compiles "
                        "with -fwasm-exceptions: use a wasm_mt built with -DWASM_MT_EXCEPTIONS=wasm, or drop -fwasm-exceptions.")
  endif()
  if(mode STREQUAL "wasm" AND NOT flags MATCHES "[ ]-fwasm-exceptions[ ]" AND flags MATCHES "[ ]-fexceptions[ ]")
    message(FATAL_ERROR "${what} uses WASM_MT_EXCEPTIONS=wasm (native wasm exceptions), but this project compiles "
                        "with -fexceptions: use a wasm_mt built with -DWASM_MT_EXCEPTIONS=js, or compile with -fwasm-exceptions.")
  endif()
  if(flags MATCHES "[ ](-pthread|-sUSE_PTHREADS|-sWASM_WORKERS)")
    message(FATAL_ERROR "${what}: this project builds with ${CMAKE_MATCH_1}, which wasm_mt does not support: its threads share "
                        "no memory, and a pthreads or Wasm Workers build needs SharedArrayBuffer (cross-origin isolation).")
  endif()
endfunction()

# The link options of a program that links wasm_mt, its JS glue in `glue_dir`, built with
# the exception flag `exceptions_flag`; `files_out` gets the glue's files.
function(wasm_mt_link_options out files_out glue_dir exceptions_flag)
  set(files "${glue_dir}/boot_pre.js" "${glue_dir}/boot_post.js" "${glue_dir}/pre.js")
  set(options
    ${exceptions_flag}
    # The bootstrap of wasm_mt's workers, around the whole script (MODULARIZE too).
    "--extern-pre-js=${glue_dir}/boot_pre.js"
    "--extern-post-js=${glue_dir}/boot_post.js"
    # wasm_mt's Module hooks, set before the runtime reads them.
    "--pre-js=${glue_dir}/pre.js")
  # The glue's modules: JS libraries, preprocessed with the build's settings.
  foreach(module protocol core programs exec_js parent worker bridge)
    list(APPEND options "--js-library=${glue_dir}/library_wasm_mt_${module}.js")
    list(APPEND files "${glue_dir}/library_wasm_mt_${module}.js")
  endforeach()
  list(APPEND options "--js-library=${glue_dir}/library_wasm_mt.js")
  list(APPEND files "${glue_dir}/library_wasm_mt.js")
  list(APPEND options
    -sALLOW_MEMORY_GROWTH=1
    # No eval in Emscripten's own JS (embind would use new Function): pages with a
    # Content-Security-Policy that forbids 'unsafe-eval' can run wasm_mt programs.
    -sDYNAMIC_EXECUTION=0
    # The glue's entry points live in the static library and are called only from JS.
    "LINKER:--undefined=wasm_mt_on_message"
    "LINKER:--undefined=wasm_mt_delivery"
    "LINKER:--undefined=wasm_mt_closure_name"
    # The stack below static data: a closure that overflows it reaches address 0 and traps
    # (worker_crashed) instead of overwriting the data and going on (docs/README.md).
    "LINKER:--stack-first")
  # Before 3.1.25, Emscripten's runtime took the stack to lie between the static data and
  # the heap, so with the stack first its overflow cookie (STACK_OVERFLOW_CHECK, on with
  # ASSERTIONS: every -O0 build) sat in the heap and a Debug build aborted at startup.
  # The stack first already traps an overflow; those versions do without the cookie.
  if(EMSCRIPTEN_VERSION AND EMSCRIPTEN_VERSION VERSION_LESS 3.1.25)
    list(APPEND options -sSTACK_OVERFLOW_CHECK=0)
  endif()
  set(${out} "${options}" PARENT_SCOPE)
  set(${files_out} "${files}" PARENT_SCOPE)
endfunction()
