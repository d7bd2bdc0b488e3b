# The library's precompiled LibTorch header (src/pch.h, GLIP_USE_PCH): built once by the core area and reused by
# the other areas (cmake/GlipAreas.cmake), the tools and the tests.
# Without it every such source parses <torch/torch.h> from scratch (~30 s and 1 GB each). A target that reuses
# it must compile with the library's code-generation flags: -fPIC, not the -fPIE CMake gives executables.
function(glip_reuse_pch target)
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE OFF)
  target_compile_options(${target} PRIVATE -fPIC)
  if(GLIP_USE_PCH)
    target_precompile_headers(${target} REUSE_FROM glip_area_core)
  endif()
endfunction()

# glip_add_exact_sources(<file>...): library sources in plain C++ (at most small ATen headers) whose floating point
# reproduces a reference bit for bit (the evaluators and the file formats they read). They skip the precompiled
# header, which makes each file ~10x cheaper to compile, and never contract a * b + c into an FMA.
# They go to the area being added (${GLIP_AREA}).
function(glip_add_exact_sources)
  target_sources(${GLIP_AREA} PRIVATE ${ARGN})
  set_source_files_properties(${ARGN} TARGET_DIRECTORY ${GLIP_AREA} PROPERTIES
    SKIP_PRECOMPILE_HEADERS ON COMPILE_OPTIONS "-ffp-contract=off")
endfunction()
