# cmake -P script: builds this checkout's test program another way users build it
# (STEP=build), or runs the whole suite of that build under Node (STEP=run):
#   EXCEPTIONS   the exception model (WASM_MT_EXCEPTIONS)
#   BUILD_TYPE   the CMake build type (Debug: -O0, so Emscripten's ASSERTIONS)
#   LINK_FLAGS   more link flags (e.g. -sASSERTIONS=2)
# The run leaves out the cases tagged [huge]: hundreds of MB through a path the main
# suite covers, half a minute of CI at -O0 for no other exception path. (Catch2 runs
# hidden cases when a spec only excludes: "~[.]" keeps the browser-only ones out.)
set(variant "WASM_MT_EXCEPTIONS=${EXCEPTIONS}, ${BUILD_TYPE} ${LINK_FLAGS}")
if(STEP STREQUAL "run")
  execute_process(COMMAND ${NODE} wasm_mt_tests.js --use-colour no "~[.]~[huge]" WORKING_DIRECTORY ${BINARY}/test RESULT_VARIABLE ran)
  if(NOT ran EQUAL 0)
    message(FATAL_ERROR "the suite failed (${variant})")
  endif()
  return()
endif()
execute_process(
  COMMAND ${CMAKE_COMMAND} -S ${WASM_MT_SOURCE_DIR} -B ${BINARY} -DCMAKE_TOOLCHAIN_FILE=${TOOLCHAIN}
          -DCMAKE_BUILD_TYPE=${BUILD_TYPE} -DWASM_MT_EXCEPTIONS=${EXCEPTIONS} "-DCMAKE_EXE_LINKER_FLAGS=${LINK_FLAGS}"
          # (Debug without -g: the same -O0 and ASSERTIONS, without linking 45 MB of DWARF.)
          -DCMAKE_CXX_FLAGS_DEBUG=-O0
          # (The library too in a few translation units: the main build and the consumer
          # test compile it file by file, as users do.)
          -DCMAKE_UNITY_BUILD=ON
          -DWASM_MT_BUILD_DEMOS=OFF -DWASM_MT_BUILD_BENCH=OFF -DWASM_MT_BUILD_EXAMPLES=OFF
  RESULT_VARIABLE configured)
if(NOT configured EQUAL 0)
  message(FATAL_ERROR "configuring (${variant}) failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BINARY} -j 2 --target wasm_mt_tests RESULT_VARIABLE built)
if(NOT built EQUAL 0)
  message(FATAL_ERROR "building the test program (${variant}) failed")
endif()
