// Writes small torch.save files in the legacy format (the one glip reads without LibTorch's zip reader), with
// every field of the tensor records under the test's control, and raw pickle programs for the unpickler.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace glip::test {

/** Appends pickle opcodes (protocol 2) to `bytes`. */
struct PickleWriter {
  std::string bytes;
  PickleWriter& op(char c);
  PickleWriter& str(const std::string& s);  ///< BINUNICODE
  PickleWriter& num(int64_t v);             ///< LONG1 with 8 bytes: any int64
  PickleWriter& global(const std::string& module, const std::string& name);
  PickleWriter& put(uint32_t memo);  ///< LONG_BINPUT
  PickleWriter& get(uint32_t memo);  ///< LONG_BINGET
};

/** One tensor of a legacy .pth: a view (offset, sizes, strides) of a storage of `numel` elements. */
struct PthTensor {
  std::string name = "w";
  std::string storage_type = "FloatStorage";
  int64_t numel = 6;  ///< declared in the pickle and in the storage's data header
  int64_t offset = 0;
  std::vector<int64_t> sizes = {2, 3}, strides = {3, 1};
  std::vector<float> data = {0, 1, 2, 3, 4, 5};  ///< the bytes present
};

/** The whole file: magic, protocol, sys_info, {name: tensor} pickle, storage keys, storages. */
std::string legacy_pth(const std::vector<PthTensor>& tensors);
/** A legacy .pth whose main pickle is `program` (which must end with STOP). */
std::string legacy_pth_with_pickle(const std::string& program);

}  // namespace glip::test
