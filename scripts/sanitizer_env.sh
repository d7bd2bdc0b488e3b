# Sourced by scripts/test_sanitizers.sh and scripts/fuzz.sh: the runtime options of the sanitizers, with the
# suppressions of tests/sanitizers/ (reports inside LibTorch and the other uninstrumented libraries, each one
# explained in its file). Halt on the first report so that a finding fails the test.
_glip_san="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/sanitizers"
# allocator_may_return_null: an allocation too large to serve fails as it does without ASan (LibTorch's allocator
# then throws, which glip turns into an InputError; the PthTensorRecords cases test exactly that) instead of
# ASan aborting with allocation-size-too-big.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1:\
suppressions=$_glip_san/asan.supp}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$_glip_san/lsan.supp:print_suppressions=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:suppressions=$_glip_san/ubsan.supp}"
# Tensors of 2 MiB and more come from glip's own mappings (include/glip/core/host_allocator.h), which ASan does not
# watch: the sanitizer runs give every tensor to LibTorch's allocator, that is malloc, which it does.
export GLIP_HOST_ALLOCATOR="${GLIP_HOST_ALLOCATOR:-system}"
# ASan + UBSan run glip's own code several times slower, and more under nice on a loaded machine: the robustness
# suite's time limit per refused input (20 s, tests/robustness/malformed.h) is scaled by this factor.
export GLIP_TEST_TIME_SCALE="${GLIP_TEST_TIME_SCALE:-10}"
unset _glip_san
