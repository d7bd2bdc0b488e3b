# cmake -DROOT=<source dir> -DCLANG_FORMAT=<clang-format 14> -P check_format.cmake
# Fails when a C++ file of include/, src/, tools/ or tests/ differs from what clang-format makes of it with
# the repository's .clang-format, and names each such file (fix: scripts/format.sh).
set(files "")
foreach(dir include src tools tests)
  file(GLOB_RECURSE found ${ROOT}/${dir}/*.h ${ROOT}/${dir}/*.cpp ${ROOT}/${dir}/*.cu ${ROOT}/${dir}/*.cuh)
  list(APPEND files ${found})
endforeach()
list(FILTER files EXCLUDE REGEX "/tests/fuzz/(corpus|regressions)/")
set(bad "")
foreach(f IN LISTS files)
  execute_process(COMMAND ${CLANG_FORMAT} --style=file --dry-run --Werror ${f}
                  WORKING_DIRECTORY ${ROOT} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(NOT rc EQUAL 0)
    file(RELATIVE_PATH rel ${ROOT} ${f})
    string(APPEND bad "  ${rel}\n")
  endif()
endforeach()
list(LENGTH files n)
if(bad)
  message(FATAL_ERROR "not formatted with .clang-format (run scripts/format.sh):\n${bad}")
endif()
message(STATUS "format: ${n} files as .clang-format wants them")
