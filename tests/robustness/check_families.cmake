# Fails when robustness_tests has a test suite that no robustness.<Family> ctest runs.
execute_process(COMMAND ${EXE} --gtest_list_tests OUTPUT_VARIABLE listing RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} --gtest_list_tests failed")
endif()
string(REPLACE "\n" ";" lines "${listing}")
foreach(line ${lines})
  if(line MATCHES "^[A-Za-z]")  # suite lines start in column 1, test lines are indented
    string(REGEX REPLACE "^.*/|\\.$" "" family "${line}")
    list(FIND FAMILIES "${family}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "test suite '${line}' is in no robustness.<Family> ctest: add '${family}' to FAMILIES "
                          "in tests/robustness/CMakeLists.txt")
    endif()
  endif()
endforeach()
