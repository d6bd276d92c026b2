# cmake -P script: builds this checkout's test program with the other exception model
# (WASM_MT_EXCEPTIONS=${EXCEPTIONS}) and runs the whole suite under Node.
execute_process(
  COMMAND ${CMAKE_COMMAND} -S ${WASM_MT_SOURCE_DIR} -B ${BINARY} -DCMAKE_TOOLCHAIN_FILE=${TOOLCHAIN}
          -DCMAKE_BUILD_TYPE=Release -DWASM_MT_EXCEPTIONS=${EXCEPTIONS}
          -DWASM_MT_BUILD_DEMOS=OFF -DWASM_MT_BUILD_BENCH=OFF
  RESULT_VARIABLE configured)
if(NOT configured EQUAL 0)
  message(FATAL_ERROR "configuring with WASM_MT_EXCEPTIONS=${EXCEPTIONS} failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BINARY} -j 2 --target wasm_mt_tests RESULT_VARIABLE built)
if(NOT built EQUAL 0)
  message(FATAL_ERROR "building the test program with WASM_MT_EXCEPTIONS=${EXCEPTIONS} failed")
endif()
execute_process(COMMAND ${NODE} wasm_mt_tests.js --use-colour no WORKING_DIRECTORY ${BINARY}/test RESULT_VARIABLE ran)
if(NOT ran EQUAL 0)
  message(FATAL_ERROR "the suite failed with WASM_MT_EXCEPTIONS=${EXCEPTIONS}")
endif()
