# The library's precompiled LibTorch header (src/pch.h, GLIP_USE_PCH) and its reuse by the tools and tests.
# Without it every such source parses <torch/torch.h> from scratch (~30 s and 1 GB each). A target that reuses
# it must compile with the library's code-generation flags: -fPIC, not the -fPIE CMake gives executables.
function(glip_reuse_pch target)
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE OFF)
  target_compile_options(${target} PRIVATE -fPIC)
  if(GLIP_USE_PCH)
    target_precompile_headers(${target} REUSE_FROM glip)
  endif()
endfunction()
