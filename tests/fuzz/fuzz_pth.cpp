// torch.save files (io::load_torch_tensors): the zip container (LibTorch's reader) and the legacy format, the
// unpickler with the tensor hooks, tensor records and storages.
#include "fuzz_common.h"
#include "glip/io/torch_pickle.h"

GLIP_FUZZ_TARGET(pth) {
  const std::string path = glip::fuzz::as_file(glip::fuzz::bytes(data, size), "model.pth");
  glip::fuzz::expect_input_error_or_success([&] { glip::io::load_torch_tensors(path, ""); });
  return 0;
}

// LibTorch's zip reader leaks when it refuses an archive (tests/sanitizers/lsan.supp). The suppression names a
// function inside libtorch, which only the slow unwinder reaches (libtorch has no frame pointers): the default
// for this program under ASan, kept unless ASAN_OPTIONS sets it. Unused without ASan.
extern "C" const char* __asan_default_options() { return "fast_unwind_on_malloc=0"; }
