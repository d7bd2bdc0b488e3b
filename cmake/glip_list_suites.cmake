# cmake -DEXE=<test executable> -DOUT=<ctest file> -DLABELS=<a,b> -DWORKDIR=<dir> -P glip_list_suites.cmake
# Writes <ctest file>: one add_test per GoogleTest suite of <test executable> (cmake/GlipTestSuites.cmake).
execute_process(COMMAND ${EXE} --gtest_list_tests WORKING_DIRECTORY ${WORKDIR} OUTPUT_VARIABLE out
                ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 60)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} --gtest_list_tests failed (${rc}):\n${out}${err}")
endif()
string(REPLACE "," ";" labels "${LABELS}")
string(REPLACE "\n" ";" lines "${out}")
set(content "# Generated from `${EXE} --gtest_list_tests` by cmake/glip_list_suites.cmake.\n")
set(n 0)
foreach(line IN LISTS lines)
  # A suite line is "Suite." or "Prefix/Suite/0.  # TypeParam = ..."; its cases follow, indented.
  if(line MATCHES "^([^ #]+)\\.( .*)?$")
    set(suite ${CMAKE_MATCH_1})
    if(suite MATCHES "^DISABLED_")
      continue()
    endif()
    string(APPEND content
      "add_test([=[${suite}]=] [=[${EXE}]=] [=[--gtest_filter=${suite}.*]=])\n"
      "set_tests_properties([=[${suite}]=] PROPERTIES WORKING_DIRECTORY [=[${WORKDIR}]=] LABELS [=[${labels}]=]\n"
      "  SKIP_RETURN_CODE 77)\n")
    math(EXPR n "${n} + 1")
  endif()
endforeach()
if(n EQUAL 0)
  message(FATAL_ERROR "${EXE} lists no GoogleTest suite:\n${out}")
endif()
file(WRITE ${OUT}.tmp "${content}")
file(RENAME ${OUT}.tmp ${OUT})
