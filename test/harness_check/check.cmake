# Runs the failing cases (failing_cases.cpp) and checks that each failure is reported.
#   cmake -DNODE=... -DPROGRAM=... -P check.cmake
execute_process(COMMAND ${NODE} ${PROGRAM} [harness] --use-colour no --case-timeout 1000 OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
set(out "${out}${err}")
message("${out}")
if(rc EQUAL 0)
  message(FATAL_ERROR "the failing cases passed")
endif()
foreach(expected
    "3 == 4"                                       # a failed CHECK, expanded
    "4 == 5"                                       # a failed REQUIRE
    "thrown by the body"                           # an exception after an await
    "did not finish within its time"                # a body that hangs
    "test cases: 4 | 4 failed"
    "assertions: 5 | 1 passed | 4 failed")
  string(FIND "${out}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "not reported: ${expected}")
  endif()
endforeach()
string(FIND "${out}" "CHECK( false )" at)
if(NOT at EQUAL -1)
  message(FATAL_ERROR "an assertion after a failed REQUIRE was reported")
endif()
message("harness check: every failure reported")
