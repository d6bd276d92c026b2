# cmake -P script: configures test/refusals against the installed package (PACKAGE) and
# builds each of its targets, each of which must fail saying why; then configures it
# with project-wide flags wasm_mt refuses, which must stop at configure time. Prints
# "refusals: all N refused, each saying why", or what went through or said what.
set(refused 0)
set(problems "")

# Runs `command`; it must fail with output matching `expected`.
function(expect_refusal what expected)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
  string(REGEX REPLACE "[ \t\r\n]+" " " output "${output}")  # (CMake wraps its messages)
  if(result EQUAL 0)
    set(problems "${problems}\n  ${what}: went through" PARENT_SCOPE)
  elseif(NOT output MATCHES "${expected}")
    string(REGEX REPLACE "\n" "\n    " output "${output}")
    set(problems "${problems}\n  ${what}: failed without saying '${expected}':\n    ${output}" PARENT_SCOPE)
  else()
    math(EXPR count "${refused} + 1")
    set(refused ${count} PARENT_SCOPE)
  endif()
endfunction()

set(configure ${CMAKE_COMMAND} -S ${SOURCE} -DCMAKE_TOOLCHAIN_FILE=${TOOLCHAIN} -DCMAKE_BUILD_TYPE=Release
              -Dwasm_mt_DIR=${PACKAGE})
file(REMOVE_RECURSE ${BINARY})
execute_process(COMMAND ${configure} -B ${BINARY}/plain RESULT_VARIABLE configured OUTPUT_QUIET)
if(NOT configured EQUAL 0)
  message(FATAL_ERROR "refusals: configuring test/refusals failed")
endif()
set(build ${CMAKE_COMMAND} --build ${BINARY}/plain --target)

expect_refusal("-pthread" "-pthread is not supported" ${build} refuse_pthread)
if(EXCEPTIONS STREQUAL "js")
  expect_refusal("-fwasm-exceptions with a js wasm_mt" "built with WASM_MT_EXCEPTIONS=js, but this code compiles with -fwasm-exceptions"
                 ${build} refuse_other_exceptions)
else()
  expect_refusal("JS exceptions with a wasm wasm_mt" "built with WASM_MT_EXCEPTIONS=wasm, but this code compiles without"
                 ${build} refuse_other_exceptions)
endif()
expect_refusal("-sENVIRONMENT=web" "-sENVIRONMENT=web,worker" ${build} refuse_web_only)
expect_refusal("-sEXPORT_ES6 -sEXPORT_NAME=createApp" "keep the default EXPORT_NAME" ${build} refuse_es6_export_name)
expect_refusal("-sSINGLE_FILE" "SINGLE_FILE is not supported" ${build} refuse_single_file)
expect_refusal("-sMINIMAL_RUNTIME" "MINIMAL_RUNTIME is not supported" ${build} refuse_minimal_runtime)
# (Emscripten before 3.1.7 has no WASM_WORKERS setting, and says so itself.)
expect_refusal("-sWASM_WORKERS" "WASM_WORKERS is not supported|non-existent setting: 'WASM_WORKERS'" ${build} refuse_wasm_workers)

# Project-wide flags: find_package stops.
if(EXCEPTIONS STREQUAL "js")
  expect_refusal("CMAKE_CXX_FLAGS=-fwasm-exceptions" "uses WASM_MT_EXCEPTIONS=js.*-fwasm-exceptions"
                 ${configure} -B ${BINARY}/flags-exceptions -DCMAKE_CXX_FLAGS=-fwasm-exceptions)
  expect_refusal("WASM_MT_EXCEPTIONS=wasm" "asks for WASM_MT_EXCEPTIONS=wasm"
                 ${configure} -B ${BINARY}/option-exceptions -DWASM_MT_EXCEPTIONS=wasm)
else()
  expect_refusal("CMAKE_CXX_FLAGS=-fexceptions" "uses WASM_MT_EXCEPTIONS=wasm.*-fexceptions"
                 ${configure} -B ${BINARY}/flags-exceptions -DCMAKE_CXX_FLAGS=-fexceptions)
  expect_refusal("WASM_MT_EXCEPTIONS=js" "asks for WASM_MT_EXCEPTIONS=js"
                 ${configure} -B ${BINARY}/option-exceptions -DWASM_MT_EXCEPTIONS=js)
endif()
expect_refusal("CMAKE_CXX_FLAGS=-pthread" "builds with -pthread, which wasm_mt does not support"
               ${configure} -B ${BINARY}/flags-pthread -DCMAKE_CXX_FLAGS=-pthread)

if(problems)
  message(FATAL_ERROR "refusals: ${refused} refused; these did not:${problems}")
endif()
message("refusals: all ${refused} refused, each saying why")
