# Script mode (cmake -P): writes glip_build_info.h with the current git SHA, touching it only when it changed,
# so a new commit recompiles one file. Inputs: SRC_DIR, OUT, TEMPLATE, GLIP_VERSION, GLIP_BUILD_TYPE, GLIP_COMPILER.
set(GLIP_GIT_SHA "unknown")
find_program(_git git)
if(_git)
  execute_process(COMMAND ${_git} -C ${SRC_DIR} rev-parse --short=12 HEAD
                  OUTPUT_VARIABLE _sha OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _rc ERROR_QUIET)
  if(_rc EQUAL 0 AND _sha)
    set(GLIP_GIT_SHA ${_sha})
    execute_process(COMMAND ${_git} -C ${SRC_DIR} status --porcelain --untracked-files=no
                    OUTPUT_VARIABLE _dirty OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(_dirty)
      set(GLIP_GIT_SHA "${GLIP_GIT_SHA}-dirty")
    endif()
  endif()
endif()
configure_file(${TEMPLATE} ${OUT}.tmp @ONLY)
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.tmp ${OUT})
file(REMOVE ${OUT}.tmp)
