# Build options. Tests and tools are on only for a top-level build.
set(_glip_top OFF)
if(CMAKE_SOURCE_DIR STREQUAL PROJECT_SOURCE_DIR)
  set(_glip_top ON)
endif()
option(GLIP_BUILD_TESTS "Build the GoogleTest suite" ${_glip_top})
option(GLIP_BUILD_TOOLS "Build the command-line tools" ${_glip_top})
option(GLIP_USE_PCH "Precompile the LibTorch headers" ON)
option(GLIP_WITH_CUDA "Build the CUDA kernels (needs a CUDA LibTorch and nvcc)" OFF)
option(GLIP_WITH_GLOO "Build c10d Gloo support (USE_C10D_GLOO, libgloo)" ON)
option(GLIP_WITH_ONEDNN "Run float32 CPU GEMMs through oneDNN's sgemm (libdnnl; include/glip/ops/gemm.h)" ON)
set(GLIP_IMAGE_IO "opencv" CACHE STRING
    "JPEG/PNG codec: opencv (imgcodecs) or minimal (libjpeg + libpng; no imgcodecs, hence no GDAL)")
set_property(CACHE GLIP_IMAGE_IO PROPERTY STRINGS opencv minimal)
option(GLIP_WARNINGS_AS_ERRORS "Treat warnings as errors" OFF)

# Unity build: sources compiled in batches. Every source file pays ~8 s here just to load the ~500 MB precompiled
# LibTorch header and instantiates the same ATen/torch::nn templates again; batching pays that once per batch,
# which roughly halves a fresh build (scripts/build.sh turns it on). An incremental rebuild recompiles the whole
# batch of a changed file, so development build folders usually keep it OFF.
option(GLIP_UNITY_BUILD "Compile the sources of each target in batches (faster fresh builds)" OFF)
set(GLIP_UNITY_BATCH_SIZE 16 CACHE STRING "Source files per batch when GLIP_UNITY_BUILD is ON")
if(GLIP_UNITY_BUILD)
  set(CMAKE_UNITY_BUILD ON)
  set(CMAKE_UNITY_BUILD_BATCH_SIZE ${GLIP_UNITY_BATCH_SIZE})
endif()

# ccache: default OFF when the precompiled header is on. ccache hashes the ~500 MB .gch into every
# translation unit's key (and the .gch's path differs per build folder), so with PCH it mostly misses and only
# adds hashing time. -DGLIP_USE_CCACHE=ON still works (e.g. with -DGLIP_USE_PCH=OFF, or to share a cache
# between identical build folders); the sloppiness it needs for PCH is passed to every compile.
if(GLIP_USE_PCH)
  set(_glip_ccache_default OFF)
else()
  set(_glip_ccache_default ON)
endif()
option(GLIP_USE_CCACHE "Compile through ccache when it is installed (default: ON without PCH, OFF with PCH)"
       ${_glip_ccache_default})
if(GLIP_USE_CCACHE)
  find_program(GLIP_CCACHE ccache)
  if(GLIP_CCACHE)
    # The launcher carries the settings: set(ENV{...}) here would only reach the configure step, not make.
    set(_glip_ccache_launcher ${CMAKE_COMMAND} -E env
        "CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime" ${GLIP_CCACHE})
    set(CMAKE_CXX_COMPILER_LAUNCHER ${_glip_ccache_launcher})
    set(CMAKE_CUDA_COMPILER_LAUNCHER ${_glip_ccache_launcher})
    message(STATUS "glip: compiling through ccache (${GLIP_CCACHE})")
  else()
    message(STATUS "glip: GLIP_USE_CCACHE is ON but ccache is not installed (apt-get install ccache)")
  endif()
endif()
