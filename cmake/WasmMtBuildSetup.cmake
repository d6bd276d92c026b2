# The build setup of a project that uses wasm_mt, checked (and where it is safe, fixed)
# once at configure time. Shared by the build tree (CMakeLists.txt, also as a
# subproject) and the installed package (wasm_mtConfig.cmake).

# Warns when the project has no build type: Emscripten then compiles and links at -O0,
# which for a wasm_mt program means a wasm about 3x larger and closures up to 100x slower
# (docs/README.md, "Build type"), enough for a parallel job to lose to a serial one.
# Multi-config generators choose per build and are left alone.
function(wasm_mt_check_build_type)
  get_property(multi_config GLOBAL PROPERTY GENERATOR_IS_MULTI_CONFIG)
  if(NOT multi_config AND NOT CMAKE_BUILD_TYPE)
    message(WARNING "wasm_mt: CMAKE_BUILD_TYPE is not set, so this project builds at -O0: a wasm about 3x larger "
                    "and closures up to 100x slower than in a Release build. Configure with "
                    "-DCMAKE_BUILD_TYPE=Release (or RelWithDebInfo, MinSizeRel; Debug for debugging).")
  endif()
endfunction()

# Debian's emscripten package runs its JS optimizer (acorn-optimizer.js, in every
# optimized link) with the Node.js of its config, which finds the acorn parser only in
# Debian's /usr/share/nodejs: with another Node (NodeSource's, nvm's) every Release link
# fails with "Cannot find module 'acorn'" unless NODE_PATH says where it is. When acorn
# is not found without NODE_PATH (whatever the configuring shell has), links get
# NODE_PATH=/usr/share/nodejs through CMAKE_CXX_LINKER_LAUNCHER, unless the project set
# a launcher of its own (then it is told what to add). Checked at every configure.
function(wasm_mt_check_js_optimizer)
  if(NOT EMSCRIPTEN_ROOT_PATH OR NOT EXISTS "${EMSCRIPTEN_ROOT_PATH}/tools/acorn-optimizer.js")
    return()  # (current Emscripten ships acorn-optimizer.mjs with acorn beside it)
  endif()
  # The Node emcc runs: em-config prints it as a path or a Python list of one.
  get_filename_component(compiler_dir "${CMAKE_CXX_COMPILER}" DIRECTORY)
  set(node node)
  foreach(em_config "${compiler_dir}/em-config" "${EMSCRIPTEN_ROOT_PATH}/em-config")
    if(EXISTS "${em_config}")
      execute_process(COMMAND "${em_config}" NODE_JS OUTPUT_VARIABLE configured
                      OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE failed)
      foreach(char "[" "]" "'" "\"")
        string(REPLACE "${char}" "" configured "${configured}")
      endforeach()
      string(REGEX REPLACE ",.*" "" configured "${configured}")
      if(NOT failed AND configured)
        set(node "${configured}")
      endif()
      break()
    endif()
  endforeach()
  set(probe "require.resolve('acorn', {paths: [process.argv[1]]})")
  execute_process(COMMAND "${CMAKE_COMMAND}" -E env --unset=NODE_PATH "${node}" -e "${probe}" "${EMSCRIPTEN_ROOT_PATH}/tools"
                  RESULT_VARIABLE missing OUTPUT_QUIET ERROR_QUIET)
  if(NOT missing)
    return()
  endif()
  if(NOT EXISTS /usr/share/nodejs/acorn)
    message(WARNING "wasm_mt: Emscripten's JS optimizer cannot find the acorn parser with ${node}, so optimized "
                    "links will fail with \"Cannot find module 'acorn'\" unless NODE_PATH names a node_modules "
                    "directory that has it.")
    return()
  endif()
  set(launcher "${CMAKE_COMMAND};-E;env;NODE_PATH=/usr/share/nodejs")
  if(CMAKE_VERSION VERSION_LESS 3.21 OR (DEFINED CMAKE_CXX_LINKER_LAUNCHER AND NOT CMAKE_CXX_LINKER_LAUNCHER STREQUAL launcher))
    message(WARNING "wasm_mt: Emscripten's JS optimizer finds acorn only with NODE_PATH=/usr/share/nodejs (Debian's "
                    "emscripten with another Node), and this project sets its own CMAKE_CXX_LINKER_LAUNCHER: "
                    "export NODE_PATH=/usr/share/nodejs before building, or optimized links fail with "
                    "\"Cannot find module 'acorn'\".")
    return()
  endif()
  if(NOT DEFINED CMAKE_CXX_LINKER_LAUNCHER)
    message(STATUS "wasm_mt: links run with NODE_PATH=/usr/share/nodejs (Debian's emcc finds acorn only there)")
  endif()
  set(CMAKE_CXX_LINKER_LAUNCHER "${launcher}" CACHE STRING
      "Set by wasm_mt: Debian's emcc finds acorn only with NODE_PATH=/usr/share/nodejs")
endfunction()
