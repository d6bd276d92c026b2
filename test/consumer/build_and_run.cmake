# cmake -P script: configure and build test/consumer against this checkout, then run it.
# With INSTALL_FROM (a build tree of this checkout): install that build first, into
# BINARY/prefix, and use the installed package instead.
set(source_options -DWASM_MT_SOURCE_DIR=${WASM_MT_SOURCE_DIR} -DWASM_MT_EXCEPTIONS=${EXCEPTIONS})
if(INSTALL_FROM)
  file(REMOVE_RECURSE ${BINARY})
  execute_process(COMMAND ${CMAKE_COMMAND} --install ${INSTALL_FROM} --prefix ${BINARY}/prefix RESULT_VARIABLE installed)
  if(NOT installed EQUAL 0)
    message(FATAL_ERROR "installing wasm_mt from ${INSTALL_FROM} failed")
  endif()
  set(source_options -DWASM_MT_INSTALLED=ON -Dwasm_mt_DIR=${BINARY}/prefix/lib/cmake/wasm_mt)
endif()
execute_process(
  COMMAND ${CMAKE_COMMAND} -S ${SOURCE} -B ${BINARY}/build -DCMAKE_TOOLCHAIN_FILE=${TOOLCHAIN}
          -DCMAKE_BUILD_TYPE=Release ${source_options}
  RESULT_VARIABLE configured)
if(NOT configured EQUAL 0)
  message(FATAL_ERROR "configuring the consumer failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BINARY}/build -j 2 RESULT_VARIABLE built)
if(NOT built EQUAL 0)
  message(FATAL_ERROR "building the consumer failed")
endif()
execute_process(COMMAND ${NODE} ${BINARY}/build/consumer.js RESULT_VARIABLE ran)
if(NOT ran EQUAL 0)
  message(FATAL_ERROR "the consumer exited with ${ran}")
endif()
