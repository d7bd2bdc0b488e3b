#!/usr/bin/env bash
# Packs glip's non-LibTorch dependencies (headers, shared libraries and the libraries they need, CMake/pkg-config
# files) from this Debian 12 machine into one relocatable folder, for building on an offline GPU node against
# that node's PyTorch LibTorch. See docs/offline_gpu_build.md.
#   bash scripts/pack_offline_deps.sh [OUT_DIR]        (default: glip-offline-deps)
# OpenCV: core + imgproc only (imgcodecs drags in GDAL); images are decoded with libjpeg + libpng
# (build with -DGLIP_IMAGE_IO=minimal). BLAS/LAPACK for opencv_core: the reference libraries (36 MB smaller
# than OpenBLAS; OpenCV uses LAPACK only in a few linear-algebra calls).
set -euo pipefail
OUT=${1:-glip-offline-deps}
ARCH=$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
SYS=/usr/lib/$ARCH
LIB=$OUT/lib/$ARCH
rm -rf "$OUT"
mkdir -p "$LIB" "$OUT/include" "$OUT/share/cmake"

# --- shared libraries and their needs (glibc, libstdc++ and libgcc_s come from the node) ---
ROOTS=(libopencv_core.so.406 libopencv_imgproc.so.406 libyaml-cpp.so.0.7 libspdlog.so.1.10 libfmt.so.9
  libsentencepiece.so.0 libsentencepiece_train.so.0 libjpeg.so.62 libpng16.so.16 libz.so.1 libcrypto.so.3)
SKIP='^(libc|libm|libdl|librt|libpthread|ld-linux-x86-64|libstdc\+\+|libgcc_s|linux-vdso)\.so'
declare -A seen=()
# Reference BLAS/LAPACK instead of OpenBLAS (same sonames libblas.so.3 / liblapack.so.3).
resolve() {
  case $1 in
    libblas.so.3) [ -e "$SYS/blas/libblas.so.3" ] && { echo "$SYS/blas/libblas.so.3"; return; } ;;
    liblapack.so.3) [ -e "$SYS/lapack/liblapack.so.3" ] && { echo "$SYS/lapack/liblapack.so.3"; return; } ;;
  esac
  for d in "$SYS" "/lib/$ARCH"; do [ -e "$d/$1" ] && { echo "$d/$1"; return; }; done
  echo "pack: cannot find $1" >&2
  exit 1
}
add_lib() {
  local name=$1
  [[ -n ${seen[$name]:-} || $name =~ $SKIP ]] && return
  seen[$name]=1
  local path real
  path=$(resolve "$name")
  real=$(readlink -f "$path")
  cp -n "$real" "$LIB/"
  [ "$(basename "$real")" != "$name" ] && ln -sf "$(basename "$real")" "$LIB/$name"
  for dep in $(objdump -p "$real" | awk '/NEEDED/ {print $2}'); do add_lib "$dep"; done
}
for r in "${ROOTS[@]}"; do add_lib "$r"; done
# Development symlinks (libfoo.so) for the linker.
for so in opencv_core:libopencv_core.so.406 opencv_imgproc:libopencv_imgproc.so.406 yaml-cpp:libyaml-cpp.so.0.7 \
  spdlog:libspdlog.so.1.10 fmt:libfmt.so.9 sentencepiece:libsentencepiece.so.0 \
  sentencepiece_train:libsentencepiece_train.so.0 jpeg:libjpeg.so.62 png16:libpng16.so.16 z:libz.so.1 \
  crypto:libcrypto.so.3; do
  ln -sf "${so#*:}" "$LIB/lib${so%%:*}.so"
done
ln -sf libpng16.so "$LIB/libpng.so"
cp "$SYS"/libgtest.a "$SYS"/libgtest_main.a "$SYS"/libgmock.a "$SYS"/libgmock_main.a "$LIB/"

# --- headers ---
inc=/usr/include
mkdir -p "$OUT/include/opencv4/opencv2" "$OUT/include/$ARCH"
cp -r $inc/opencv4/opencv2/core $inc/opencv4/opencv2/core.hpp $inc/opencv4/opencv2/imgproc \
  $inc/opencv4/opencv2/imgproc.hpp $inc/opencv4/opencv2/opencv_modules.hpp "$OUT/include/opencv4/opencv2/"
cp -r $inc/yaml-cpp $inc/spdlog $inc/fmt $inc/nlohmann $inc/CLI $inc/gtest $inc/gmock "$OUT/include/"
cp $inc/sentencepiece_processor.h $inc/sentencepiece_trainer.h $inc/jpeglib.h $inc/jmorecfg.h $inc/jerror.h \
  $inc/png.h $inc/pngconf.h $inc/pnglibconf.h $inc/zlib.h $inc/zconf.h "$OUT/include/"
cp $inc/$ARCH/jconfig.h "$OUT/include/$ARCH/"
cp $inc/$ARCH/jconfig.h "$OUT/include/"  # for nodes whose compiler does not search include/<arch>
# OpenSSL (libcrypto: SHA-256); its two arch-specific headers go next to the others for the same reason.
cp -r $inc/openssl "$OUT/include/"
cp $inc/$ARCH/openssl/*.h "$OUT/include/openssl/"

# --- CMake packages (Debian's exported targets locate themselves relative to their folder) ---
mkdir -p "$LIB/cmake" "$LIB/pkgconfig"
cp -r "$SYS"/cmake/{yaml-cpp,spdlog,fmt,GTest} "$LIB/cmake/"
cp -r /usr/share/cmake/{nlohmann_json,CLI11} "$OUT/share/cmake/"
mkdir -p "$LIB/cmake/opencv4"
cat >"$LIB/cmake/opencv4/OpenCVConfig.cmake" <<'CV'
# OpenCV core + imgproc from glip's offline pack (no imgcodecs, no GDAL).
get_filename_component(_cv_prefix "${CMAKE_CURRENT_LIST_DIR}/../../../.." ABSOLUTE)
set(_cv_lib "${CMAKE_CURRENT_LIST_DIR}/../..")
set(OpenCV_VERSION 4.6.0)
set(OpenCV_INCLUDE_DIRS "${_cv_prefix}/include/opencv4")
foreach(m core imgproc)
  if(NOT TARGET opencv_${m})
    add_library(opencv_${m} SHARED IMPORTED)
    set_target_properties(opencv_${m} PROPERTIES IMPORTED_LOCATION "${_cv_lib}/libopencv_${m}.so.406"
      INTERFACE_INCLUDE_DIRECTORIES "${OpenCV_INCLUDE_DIRS}")
  endif()
endforeach()
set_property(TARGET opencv_imgproc PROPERTY INTERFACE_LINK_LIBRARIES opencv_core)
set(OpenCV_LIBS opencv_core opencv_imgproc)
foreach(c ${OpenCV_FIND_COMPONENTS})
  if(NOT c MATCHES "^(core|imgproc)$")
    set(OpenCV_FOUND FALSE)
    set(OpenCV_NOT_FOUND_MESSAGE "the offline pack has OpenCV core and imgproc only (asked for ${c}); use -DGLIP_IMAGE_IO=minimal")
    return()
  endif()
endforeach()
set(OpenCV_FOUND TRUE)
CV
printf 'set(PACKAGE_VERSION 4.6.0)\nset(PACKAGE_VERSION_COMPATIBLE TRUE)\n' >"$LIB/cmake/opencv4/OpenCVConfigVersion.cmake"
sed -e 's|^prefix=.*|prefix=${pcfiledir}/../../..|' "$SYS/pkgconfig/sentencepiece.pc" >"$LIB/pkgconfig/sentencepiece.pc"

cat >"$OUT/env.sh" <<ENV
# source this file before configuring glip against the pack
_p=\$(cd "\$(dirname "\${BASH_SOURCE[0]}")" && pwd)
export CMAKE_PREFIX_PATH="\$_p:\$_p/lib/$ARCH/cmake:\$_p/share/cmake\${CMAKE_PREFIX_PATH:+:\$CMAKE_PREFIX_PATH}"
export CMAKE_LIBRARY_PATH="\$_p/lib/$ARCH\${CMAKE_LIBRARY_PATH:+:\$CMAKE_LIBRARY_PATH}"
export CMAKE_INCLUDE_PATH="\$_p/include\${CMAKE_INCLUDE_PATH:+:\$CMAKE_INCLUDE_PATH}"
export PKG_CONFIG_PATH="\$_p/lib/$ARCH/pkgconfig\${PKG_CONFIG_PATH:+:\$PKG_CONFIG_PATH}"
export LD_LIBRARY_PATH="\$_p/lib/$ARCH\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
export OpenCV_DIR="\$_p/lib/$ARCH/cmake/opencv4"
ENV
(cd "$OUT" && find . -type f | sort >MANIFEST.txt)
size=$(du -sb "$OUT" | cut -f1)
printf "pack: %s: %d files, %s MiB\n" "$OUT" "$(wc -l <"$OUT/MANIFEST.txt")" "$(awk -v s="$size" "BEGIN {printf \"%.1f\", s / 1048576}")"
if [ "$size" -gt $((60 * 1048576)) ]; then
  echo "pack: larger than 60 MiB" >&2
  exit 1
fi
