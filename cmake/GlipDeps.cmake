# Dependencies. Each missing one stops CMake with the Debian package that provides it.
include(FindPkgConfig)

macro(glip_require found what package)
  if(NOT ${found})
    message(FATAL_ERROR "glip: ${what} not found. On Debian: apt-get install ${package} "
                        "(or run scripts/setup.sh).")
  endif()
endmacro()

# LibTorch: Debian's CPU build by default, or any LibTorch given by Torch_DIR / CMAKE_PREFIX_PATH.
find_package(Torch QUIET)
glip_require(Torch_FOUND "LibTorch (TorchConfig.cmake)" "libtorch-dev  (or pass -DTorch_DIR=<libtorch>/share/cmake/Torch)")
message(STATUS "glip: LibTorch ${Torch_VERSION} from ${Torch_DIR}")

# Image codecs: OpenCV's imgcodecs, or (GLIP_IMAGE_IO=minimal) libjpeg + libpng directly, see include/glip/io/image.h.
if(GLIP_IMAGE_IO STREQUAL "minimal")
  set(GLIP_OPENCV_COMPONENTS core imgproc)
  find_package(JPEG QUIET)
  glip_require(JPEG_FOUND "libjpeg" "libjpeg-dev")
  find_package(PNG QUIET)
  glip_require(PNG_FOUND "libpng" "libpng-dev")
elseif(GLIP_IMAGE_IO STREQUAL "opencv")
  set(GLIP_OPENCV_COMPONENTS core imgproc imgcodecs)
else()
  message(FATAL_ERROR "glip: GLIP_IMAGE_IO must be opencv or minimal, got '${GLIP_IMAGE_IO}'")
endif()
find_package(OpenCV QUIET COMPONENTS ${GLIP_OPENCV_COMPONENTS})
glip_require(OpenCV_FOUND "OpenCV (${GLIP_OPENCV_COMPONENTS})" "libopencv-dev")
find_package(yaml-cpp QUIET)
glip_require(yaml-cpp_FOUND "yaml-cpp" "libyaml-cpp-dev")
find_package(spdlog QUIET)
glip_require(spdlog_FOUND "spdlog" "libspdlog-dev")
find_package(nlohmann_json QUIET)
glip_require(nlohmann_json_FOUND "nlohmann_json" "nlohmann-json3-dev")
find_package(CLI11 QUIET)
glip_require(CLI11_FOUND "CLI11" "libcli11-dev")
find_package(Threads REQUIRED)
# OpenMP: LibTorch's at::parallel_for is a header template that runs in parallel only where the including code is
# compiled with OpenMP (ATen/ParallelOpenMP.h tests _OPENMP); without it every at::parallel_for in glip's own kernels
# (the DCN's sampling, the fused softmaxes, the window products, ...) ran on one thread.
find_package(OpenMP QUIET)
glip_require(OpenMP_CXX_FOUND "OpenMP for C++ (the compiler's -fopenmp)" "libgomp1 (with g++)")
find_package(OpenSSL QUIET COMPONENTS Crypto)  # libcrypto: SHA-256 of checkpoints and shards (core/sha256)
glip_require(OpenSSL_FOUND "OpenSSL libcrypto" "libssl-dev")
pkg_check_modules(SENTENCEPIECE QUIET IMPORTED_TARGET sentencepiece)
glip_require(SENTENCEPIECE_FOUND "sentencepiece (pkg-config)" "libsentencepiece-dev")

if(TARGET yaml-cpp::yaml-cpp)
  set(_glip_yaml yaml-cpp::yaml-cpp)
else()
  set(_glip_yaml yaml-cpp)
endif()

# Private dependencies of the library, bundled in one interface target. SentencePiece is NOT among them: it
# lives in the glip_spm module (src/text/CMakeLists.txt), because libsentencepiece exports a bundled
# protobuf-lite that crashes any process also loading LibTorch's libprotobuf.
add_library(glip_deps INTERFACE)
target_link_libraries(glip_deps INTERFACE
  ${OpenCV_LIBS} ${_glip_yaml} spdlog::spdlog nlohmann_json::nlohmann_json
  OpenSSL::Crypto Threads::Threads OpenMP::OpenMP_CXX)
target_include_directories(glip_deps INTERFACE ${OpenCV_INCLUDE_DIRS})
if(GLIP_IMAGE_IO STREQUAL "minimal")
  target_link_libraries(glip_deps INTERFACE JPEG::JPEG PNG::PNG)
  target_compile_definitions(glip_deps INTERFACE GLIP_IMAGE_IO_MINIMAL)
endif()
message(STATUS "glip: image IO through ${GLIP_IMAGE_IO}")

# glip_optional_library(<option> <prefix> <library> <header> <definitions> <on> <off>): where <option> is on, finds
# <library> and <header> (cache variables <prefix>_LIBRARY and <prefix>_INCLUDE_DIR) and adds them and the
# compile <definitions> (a list) to glip_deps, reporting <on>; warns with <off> when either is missing.
function(glip_optional_library option prefix library header definitions on off)
  if(NOT ${option})
    return()
  endif()
  find_library(${prefix}_LIBRARY ${library})
  find_path(${prefix}_INCLUDE_DIR ${header})
  if(${prefix}_LIBRARY AND ${prefix}_INCLUDE_DIR)
    target_compile_definitions(glip_deps INTERFACE ${definitions})
    target_link_libraries(glip_deps INTERFACE ${${prefix}_LIBRARY})
    target_include_directories(glip_deps INTERFACE ${${prefix}_INCLUDE_DIR})
    message(STATUS "glip: ${on} (${${prefix}_LIBRARY})")
  else()
    message(WARNING "glip: ${off}")
  endif()
endfunction()

glip_optional_library(GLIP_WITH_GLOO GLOO gloo gloo/algorithm.h "USE_C10D_GLOO;GLIP_HAVE_GLOO" "c10d Gloo support on"
  "libgloo not found (apt-get install libgloo-dev); CPU distributed training is off")
# oneDNN (libdnnl, which Debian's LibTorch already links for its convolutions): the CPU GEMMs of glip/ops/gemm.h.
# Without it every GEMM goes through ATen (OpenBLAS), as before.
glip_optional_library(GLIP_WITH_ONEDNN ONEDNN dnnl oneapi/dnnl/dnnl.h GLIP_WITH_ONEDNN "CPU GEMMs through oneDNN"
  "oneDNN not found (apt-get install libdnnl-dev); CPU GEMMs go through ATen")
