# cmake -DROOT=<source dir> -DCLANG_FORMAT=<clang-format 14> -P check_format.cmake
# Fails when a C++ file of include/, src/, tools/ or tests/ differs from what clang-format makes of it with
# the repository's .clang-format, and names each such file (fix: scripts/format.sh).
set(files "")
foreach(dir include src tools tests)
  file(GLOB_RECURSE found ${ROOT}/${dir}/*.h ${ROOT}/${dir}/*.cpp ${ROOT}/${dir}/*.cu ${ROOT}/${dir}/*.cuh)
  list(APPEND files ${found})
endforeach()
list(FILTER files EXCLUDE REGEX "/tests/fuzz/(corpus|regressions)/")
# One clang-format process for every file (one per file took 44 s of CI); it names each file it would change in its
# -Wclang-format-violations diagnostics.
execute_process(COMMAND ${CLANG_FORMAT} --style=file --dry-run --Werror ${files}
                WORKING_DIRECTORY ${ROOT} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
list(LENGTH files n)
if(NOT rc EQUAL 0)
  string(REGEX MATCHALL "[^\n]+: error: code should be clang-formatted" hits "${err}")
  set(bad "")
  foreach(h IN LISTS hits)
    string(REGEX REPLACE ":[0-9]+:[0-9]+: error: code should be clang-formatted$" "" f "${h}")
    file(RELATIVE_PATH rel ${ROOT} ${f})
    list(APPEND bad "  ${rel}")
  endforeach()
  list(REMOVE_DUPLICATES bad)
  if(NOT bad)
    message(FATAL_ERROR "clang-format failed (${rc}):\n${err}")
  endif()
  list(JOIN bad "\n" bad)
  message(FATAL_ERROR "not formatted with .clang-format (run scripts/format.sh):\n${bad}\n")
endif()
message(STATUS "format: ${n} files as .clang-format wants them")
