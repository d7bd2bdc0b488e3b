# ctest install_consumer (cmake -P): `cmake --install` the already built tree into a temporary prefix, then
# configure, build and run tests/install/consumer against that prefix only (find_package(glip)). Nothing of glip
# is rebuilt. Inputs: -DBUILD_DIR -DSOURCE_DIR -DWORK -DTorch_DIR -DCXX -DBUILD_TYPE.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
function(step name)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install test: ${name} failed (${rc}):\n${out}\n${err}")
  endif()
  message(STATUS "install test: ${name} ok")
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

step("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK}/prefix)
foreach(f include/glip/core/fs.h lib/cmake/glip/glipConfig.cmake lib/cmake/glip/glipTargets.cmake
          lib/cmake/glip/glipConfigVersion.cmake lib/glip/glip_spm.so)
  if(NOT EXISTS ${WORK}/prefix/${f})
    message(FATAL_ERROR "install test: ${f} was not installed under ${WORK}/prefix")
  endif()
endforeach()
file(GLOB libs ${WORK}/prefix/lib/libglip_core.* ${WORK}/prefix/lib/*/libglip_core.*)
file(GLOB tools ${WORK}/prefix/bin/glip_*)
if(NOT libs OR NOT tools)
  message(FATAL_ERROR "install test: the library or the tools are missing under ${WORK}/prefix")
endif()

# Only the temp prefix (and LibTorch) may provide glip: the source and build trees are not on any path.
step("configure the consumer" ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/install/consumer -B ${WORK}/build
     -DCMAKE_BUILD_TYPE=${BUILD_TYPE} -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_PREFIX_PATH=${WORK}/prefix
     -DTorch_DIR=${Torch_DIR} -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON)
step("build the consumer" ${CMAKE_COMMAND} --build ${WORK}/build)
step("run the consumer" ${WORK}/build/glip_consumer ${WORK})
message(STATUS "${step_output}")

# An installed tool runs from the prefix too.
file(WRITE ${WORK}/in.jsonl "{\"text\":\"a cat\"}\n")
execute_process(COMMAND ${WORK}/prefix/bin/glip_text tokenize INPUT_FILE ${WORK}/in.jsonl
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "\"ids\":\\[101,1037,4937,102\\]")
  message(FATAL_ERROR "install test: the installed glip_text failed (${rc}): ${out}${err}")
endif()
message(STATUS "install test: installed glip_text ok")
file(REMOVE_RECURSE ${WORK})
