# Finding nlohmann/json (and Catch2 for the tests) for an Emscripten build.
#
# First a CMake package (a user's emsdk sysroot may have one), else a host header such as
# Debian's /usr/include/nlohmann. /usr/include itself must never be on em++'s include
# path (it would pull glibc headers into the wasm build), so the host header directory
# is exposed through a directory in the build tree that links to it alone.

set(WASM_MT_HOST_INCLUDE_DIRS "/usr/include;/usr/local/include" CACHE STRING
    "Host directories searched for nlohmann/json.hpp and catch2/catch.hpp when no CMake package is found")

function(_wasm_mt_header_shim target header_dir)
  set(shim "${CMAKE_BINARY_DIR}/wasm_mt_third_party/${target}")
  file(MAKE_DIRECTORY "${shim}")
  get_filename_component(name "${header_dir}" NAME)
  if(NOT EXISTS "${shim}/${name}")
    file(CREATE_LINK "${header_dir}" "${shim}/${name}" SYMBOLIC)
  endif()
  add_library(${target} INTERFACE)
  target_include_directories(${target} SYSTEM INTERFACE "${shim}")
endfunction()

function(_wasm_mt_find_host_header out header)
  find_file(${out} ${header} PATHS ${WASM_MT_HOST_INCLUDE_DIRS} NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH)
endfunction()

# Makes `target` expose the host directory holding `header` (e.g. nlohmann/json.hpp),
# or fails with `advice`.
function(_wasm_mt_host_header_target target header advice)
  _wasm_mt_find_host_header(_wasm_mt_found_${target} ${header})
  if(NOT _wasm_mt_found_${target})
    message(FATAL_ERROR "${advice}")
  endif()
  get_filename_component(dir "${_wasm_mt_found_${target}}" DIRECTORY)
  _wasm_mt_header_shim(${target} "${dir}")
endfunction()

macro(wasm_mt_require_nlohmann_json)
  if(NOT TARGET nlohmann_json::nlohmann_json)
    find_package(nlohmann_json 3.9 CONFIG QUIET)
  endif()
  if(NOT TARGET nlohmann_json::nlohmann_json)
    _wasm_mt_host_header_target(wasm_mt_nlohmann_json nlohmann/json.hpp
      "wasm_mt needs nlohmann/json: install it (Debian: apt-get install nlohmann-json3-dev) or set WASM_MT_HOST_INCLUDE_DIRS to a directory holding nlohmann/json.hpp.")
    add_library(nlohmann_json::nlohmann_json ALIAS wasm_mt_nlohmann_json)
  endif()
endmacro()

macro(wasm_mt_require_catch2)
  if(NOT TARGET wasm_mt_catch2)
    _wasm_mt_host_header_target(wasm_mt_catch2 catch2/catch.hpp
      "wasm_mt's tests need Catch2 v2 (catch2/catch.hpp): apt-get install catch2, or set WASM_MT_HOST_INCLUDE_DIRS.")
  endif()
endmacro()
