# The library as one CMake target per area (cmake/GlipLayers.cmake lists the areas and their arrows).
#
# glip_add_areas(): for each area, a static library glip::<area> (target glip_area_<area>, file libglip_<area>.a)
# whose target_link_libraries are exactly the area's arrows; an area without a src/ folder (structures, headers
# only) is an INTERFACE target. src/<area>/CMakeLists.txt adds the sources to ${GLIP_AREA}. Then the umbrella
# glip::glip links every area except synth. The LibTorch precompiled header is built once, by core, and reused by
# every other area, tool and test (cmake/GlipPch.cmake), so splitting the library costs no extra header parsing.
include(${CMAKE_CURRENT_LIST_DIR}/GlipLayers.cmake)
glip_layers_parse()
# Areas outside the umbrella glip::glip (users link them by name).
set(GLIP_AREAS_OUTSIDE_UMBRELLA synth)

# glip_add_area_subdirs(): adds every sub-folder of the current source folder that has a CMakeLists.txt (the
# parts of an area, e.g. src/modeling/head); parallel work on different parts never edits the same lines.
macro(glip_add_area_subdirs)
  file(GLOB _glip_parts LIST_DIRECTORIES true RELATIVE ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/*)
  list(SORT _glip_parts)
  foreach(_part ${_glip_parts})
    if(IS_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/${_part} AND EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${_part}/CMakeLists.txt)
      add_subdirectory(${_part})
    endif()
  endforeach()
endmacro()

function(_glip_area_target area)
  set(t glip_area_${area})
  if(EXISTS ${PROJECT_SOURCE_DIR}/src/${area}/CMakeLists.txt)
    add_library(${t} STATIC)
    set(scope PUBLIC)
    target_include_directories(${t} PRIVATE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(${t} PRIVATE glip_deps)
    glip_set_warnings(${t})
    set_target_properties(${t} PROPERTIES OUTPUT_NAME glip_${area})
  else()
    add_library(${t} INTERFACE)
    set(scope INTERFACE)
  endif()
  set_target_properties(${t} PROPERTIES EXPORT_NAME ${area})
  add_library(glip::${area} ALIAS ${t})
  foreach(d IN LISTS GLIP_DIRECT_${area})
    target_link_libraries(${t} ${scope} glip_area_${d})
  endforeach()
  if(area STREQUAL "core")
    target_include_directories(${t} PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
                                           $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/generated>
                                           $<INSTALL_INTERFACE:include>)
    target_link_libraries(${t} PUBLIC ${TORCH_LIBRARIES})
    if(GLIP_USE_PCH)
      target_precompile_headers(${t} PRIVATE ${PROJECT_SOURCE_DIR}/src/pch.h)
    endif()
  elseif(scope STREQUAL "PUBLIC" AND GLIP_USE_PCH)
    target_precompile_headers(${t} REUSE_FROM glip_area_core)
  endif()
endfunction()

# A macro, not a function: the area folders are added at file scope (enable_language(CUDA) in src/ops needs it).
macro(glip_add_areas)
  set(GLIP_AREA_TARGETS "")
  foreach(_glip_a IN LISTS GLIP_AREAS)
    _glip_area_target(${_glip_a})
    list(APPEND GLIP_AREA_TARGETS glip_area_${_glip_a})
  endforeach()
  foreach(_glip_a IN LISTS GLIP_AREAS)
    if(EXISTS ${PROJECT_SOURCE_DIR}/src/${_glip_a}/CMakeLists.txt)
      set(GLIP_AREA glip_area_${_glip_a})  # the target src/<area>/CMakeLists.txt adds its sources to
      add_subdirectory(${PROJECT_SOURCE_DIR}/src/${_glip_a} ${PROJECT_BINARY_DIR}/src/${_glip_a})
    endif()
  endforeach()
  unset(GLIP_AREA)
  add_library(glip INTERFACE)
  add_library(glip::glip ALIAS glip)
  foreach(_glip_a IN LISTS GLIP_AREAS)
    list(FIND GLIP_AREAS_OUTSIDE_UMBRELLA ${_glip_a} _glip_outside)
    if(_glip_outside EQUAL -1)
      target_link_libraries(glip INTERFACE glip_area_${_glip_a})
    endif()
  endforeach()
endmacro()
