# glip_discover_suites(<target> LABELS <label...>): registers one ctest per GoogleTest suite of the test executable
# <target>, named after the suite and running `<target> --gtest_filter=<suite>.*`.
# Every test process loads LibTorch first (about 0.8 s of CPU before the first test runs), so one process per suite
# rather than per test case saves minutes of the test run (docs/benchmarks.md, The test run). gtest_discover_tests
# (one ctest per case) remains for executables whose cases run for minutes each (glip_add_test PER_CASE).
# The suites are listed after each build of <target> (`--gtest_list_tests`, cmake/glip_list_suites.cmake), as
# gtest_discover_tests does. A suite all of whose cases skipped (the CUDA tests on a CPU build) exits 77
# (tests/common/test_main.cpp), which ctest reports as skipped; any failure stays a failure. (Matching gtest's
# "[  PASSED  ] 0 tests" instead, as before, reported a suite whose only case failed as skipped too.)
function(glip_discover_suites target)
  cmake_parse_arguments(S "" "" "LABELS" ${ARGN})
  set(ctest_file ${CMAKE_CURRENT_BINARY_DIR}/${target}_suites.cmake)
  set(include_file ${CMAKE_CURRENT_BINARY_DIR}/${target}_suites_include.cmake)
  string(REPLACE ";" "," labels "${S_LABELS}")
  set(list_cmd "${CMAKE_COMMAND}" -DEXE=$<TARGET_FILE:${target}> -DOUT=${ctest_file} -DLABELS=${labels}
               -DWORKDIR=${CMAKE_CURRENT_BINARY_DIR} -P ${PROJECT_SOURCE_DIR}/cmake/glip_list_suites.cmake)
  # The include file ctest reads: the suites, or a placeholder test that fails while <target> is not built.
  string(CONCAT include_body
         "if(EXISTS \"${ctest_file}\")\n  include(\"${ctest_file}\")\n"
         "else()\n  add_test(${target}_NOT_BUILT ${target}_NOT_BUILT)\nendif()\n")
  if(CMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE STREQUAL "PRE_TEST")
    # Listed when ctest starts (as gtest_discover_tests in this mode), for slow instrumented builds.
    string(REPLACE ";" " " list_args "${list_cmd}")
    string(CONCAT include_body
           "if(NOT EXISTS \"${ctest_file}\" OR \"$<TARGET_FILE:${target}>\" IS_NEWER_THAN \"${ctest_file}\")\n"
           "  execute_process(COMMAND ${list_args} RESULT_VARIABLE rc)\n"
           "  if(NOT rc EQUAL 0)\n    message(WARNING \"listing the suites of ${target} failed\")\n  endif()\n"
           "endif()\n" "${include_body}")
    file(GENERATE OUTPUT ${include_file} CONTENT "${include_body}")
  else()
    add_custom_command(TARGET ${target} POST_BUILD COMMAND ${list_cmd} BYPRODUCTS ${ctest_file} VERBATIM)
    file(WRITE ${include_file} "${include_body}")
  endif()
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${include_file})
endfunction()
