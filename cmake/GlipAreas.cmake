# glip_add_area_subdirs(): adds every sub-folder of the current source folder that has a CMakeLists.txt.
# Areas register themselves this way, so parallel work on different areas never edits the same lines.
macro(glip_add_area_subdirs)
  file(GLOB _glip_areas LIST_DIRECTORIES true RELATIVE ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/*)
  list(SORT _glip_areas)
  foreach(_area ${_glip_areas})
    if(IS_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/${_area} AND EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${_area}/CMakeLists.txt)
      add_subdirectory(${_area})
    endif()
  endforeach()
endmacro()
