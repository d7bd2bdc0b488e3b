# `cmake --install`: headers, the static area libraries, the tools and a glipConfig.cmake for find_package(glip).
# The areas are static, so their private dependencies (bundled in glip_deps) are exported too and found again by
# glipConfig.cmake (cmake/glipConfig.cmake.in); consumers link glip::glip (every area but synth) and get
# everything, or single areas (glip::core, glip::modeling, glip::synth, ...).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
set(GLIP_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/glip)

install(TARGETS glip ${GLIP_AREA_TARGETS} glip_deps EXPORT glipTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/glip DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT glipTargets NAMESPACE glip:: DESTINATION ${GLIP_INSTALL_CMAKEDIR})

set(GLIP_CONFIG_WITH_GLOO OFF)
if(GLIP_WITH_GLOO AND GLOO_LIBRARY AND GLOO_INCLUDE_DIR)
  set(GLIP_CONFIG_WITH_GLOO ON)
endif()
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/glipConfig.cmake.in
  ${PROJECT_BINARY_DIR}/glipConfig.cmake INSTALL_DESTINATION ${GLIP_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/glipConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/glipConfig.cmake ${PROJECT_BINARY_DIR}/glipConfigVersion.cmake
  DESTINATION ${GLIP_INSTALL_CMAKEDIR})
