# Sanitizers and fuzzing (docs/robustness.md). Both instrument glip's own code only: LibTorch, OpenCV and the
# other dependencies are prebuilt and stay uninstrumented.
#
# GLIP_SANITIZE: a -fsanitize= list, e.g. "address,undefined" (scripts/test_sanitizers.sh builds build-asan so).
# GLIP_FUZZ: clang + libFuzzer; the library is built with -fsanitize=fuzzer-no-link (coverage for the fuzzer) and
#   tests/fuzz builds one libFuzzer executable per fuzz target (scripts/fuzz.sh). Without it, the same targets
#   are linked with a small main that replays the committed inputs (ctest -L robustness).
set(GLIP_SANITIZE "" CACHE STRING "Sanitizers for glip's own targets, as in -fsanitize= (e.g. address,undefined)")
option(GLIP_FUZZ "Build the libFuzzer targets of tests/fuzz (clang only)" OFF)

if(GLIP_SANITIZE)
  add_compile_options(-fsanitize=${GLIP_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${GLIP_SANITIZE})
  message(STATUS "glip: sanitizers ${GLIP_SANITIZE}")
endif()
if(GLIP_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "glip: GLIP_FUZZ needs clang (libFuzzer): -DCMAKE_CXX_COMPILER=clang++ in a fresh build folder")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link -g)
  message(STATUS "glip: libFuzzer targets on")
endif()
