# The areas of glip and the arrows between them: an area may use the areas it names here and, through them,
# everything those may use (the arrows are followed transitively). Nothing else.
# This one list drives both the build and its checks:
# - cmake/GlipAreas.cmake makes each area a library target glip::<area> whose target_link_libraries are these arrows;
# - ctest `layers` (tests/layout/check_layers.cmake): every #include "glip/<area>/..." follows them;
# - ctest `area_links` (tests/layout/check_area_links.sh): no area's objects use a symbol that only an area it may
#   not reach defines.
# docs/architecture.md draws this graph. An area names only areas listed before it.
set(GLIP_LAYERS
  "core:"
  "structures: core"
  "config: core"
  "io: core"
  "formats: core"
  "ops: core"
  "text: structures"
  "modeling: config io ops structures"
  "data: config io formats text"
  "evaluation: formats"
  "engine: config io"
  "inference: data evaluation modeling"
  "pseudo: data ops"
  "app: engine inference pseudo"
  # synth: the synthetic-world renderer. Outside the umbrella glip::glip: glip_synth, the tools that document its
  # options and the tests link it.
  "synth: config io")

# glip_layers_parse(): sets GLIP_AREAS (in list order), GLIP_DIRECT_<area> (the arrows) and GLIP_REACH_<area> (their
# transitive closure) in the caller's scope; a FATAL_ERROR names an arrow to an unknown or later area.
macro(glip_layers_parse)
  set(GLIP_AREAS "")
  foreach(_line IN LISTS GLIP_LAYERS)
    string(REGEX MATCH "^([a-z_]+):(.*)$" _ "${_line}")
    set(_area ${CMAKE_MATCH_1})
    string(STRIP "${CMAKE_MATCH_2}" _deps)
    separate_arguments(_deps)
    set(GLIP_DIRECT_${_area} ${_deps})
    set(GLIP_REACH_${_area} "")
    foreach(_d IN LISTS _deps)
      list(FIND GLIP_AREAS ${_d} _known)
      if(_known EQUAL -1)
        message(FATAL_ERROR "cmake/GlipLayers.cmake: area '${_area}' names '${_d}', which is not an earlier area")
      endif()
      list(APPEND GLIP_REACH_${_area} ${_d} ${GLIP_REACH_${_d}})
    endforeach()
    list(REMOVE_DUPLICATES GLIP_REACH_${_area})
    list(APPEND GLIP_AREAS ${_area})
  endforeach()
endmacro()
