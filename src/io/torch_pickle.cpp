// torch.save reader: the zip format (PyTorch >= 1.6: <name>/data.pkl + <name>/data/<key>) through LibTorch's
// PyTorchStreamReader, and the legacy format (magic number, protocol, sys_info, pickle, storage keys, raw
// storages) that old HF pytorch_model.bin files use. Tensors are materialised lazily, only for the chosen entry.
#include "glip/io/torch_pickle.h"

#include <caffe2/serialize/inline_container.h>

#include <cstring>
#include <unordered_map>

#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "io/pickle.h"

namespace glip::io {
namespace {

using pickle::Kind;
using pickle::Value;
using pickle::ValuePtr;

struct StorageRef {
  std::string key;
  at::ScalarType dtype;
  int64_t numel = 0;
  at::Tensor data;  // loaded on first use
};

struct TensorRef {
  std::shared_ptr<StorageRef> storage;
  int64_t offset = 0;
  std::vector<int64_t> sizes, strides;
};

at::ScalarType storage_dtype(const std::string& type, const std::string& what) {
  static const std::unordered_map<std::string, at::ScalarType> kTypes = {
      {"torch.FloatStorage", at::kFloat},       {"torch.DoubleStorage", at::kDouble}, {"torch.HalfStorage", at::kHalf},
      {"torch.BFloat16Storage", at::kBFloat16}, {"torch.LongStorage", at::kLong},     {"torch.IntStorage", at::kInt},
      {"torch.ShortStorage", at::kShort},       {"torch.CharStorage", at::kChar},     {"torch.ByteStorage", at::kByte},
      {"torch.BoolStorage", at::kBool}};
  auto it = kTypes.find(type);
  GLIP_CHECK_INPUT(it != kTypes.end(), what, ": unsupported storage type '", type, "'");
  return it->second;
}

std::vector<int64_t> int_tuple(const ValuePtr& v, const std::string& what) {
  GLIP_CHECK_INPUT(v && (v->kind == Kind::kTuple || v->kind == Kind::kList), what,
                   ": malformed tensor record (expected a tuple of ints)");
  std::vector<int64_t> out;
  for (const auto& x : v->items) {
    GLIP_CHECK_INPUT(x->kind == Kind::kInt, what, ": malformed tensor record (non-integer size or stride)");
    out.push_back(x->i);
  }
  return out;
}

class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  TensorFile load(const std::string& entry) {
    ValuePtr root = parse();
    ValuePtr dict = root;
    if (!entry.empty() && root->kind == Kind::kDict) {
      for (const auto& [k, v] : root->dict)
        if (k->is_string() && k->s == entry && v->kind == Kind::kDict) dict = v;
    }
    GLIP_CHECK_INPUT(dict->kind == Kind::kDict, path_, ": expected a dict of tensors at the root or under '", entry,
                     "'");
    TensorFile out;
    for (const auto& [k, v] : dict->dict) {
      if (!k->is_string() || !v->payload || v->s != "tensor") continue;
      out.tensors[k->s] = materialise(*std::static_pointer_cast<TensorRef>(v->payload), k->s);
    }
    GLIP_CHECK_INPUT(!out.tensors.empty(), path_, ": no tensors found ",
                     entry.empty() ? std::string("at the root") : "under '" + entry + "' or at the root");
    return out;
  }

 private:
  ValuePtr parse() {
    std::string head = read_file_prefix(path_, 4);
    if (head.rfind("PK\x03\x04", 0) == 0) return parse_zip();
    return parse_legacy();
  }

  static std::string read_file_prefix(const std::string& path, size_t n) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    GLIP_CHECK_INPUT(f, "cannot open checkpoint '", path, "'");
    std::string s(n, '\0');
    size_t got = std::fread(s.data(), 1, n, f);
    std::fclose(f);
    s.resize(got);
    return s;
  }

  pickle::ReduceHook reduce_hook() {
    return [this](const std::string& fn, const ValuePtr& args) -> ValuePtr {
      if (fn == "torch._utils._rebuild_tensor_v2" || fn == "torch._utils._rebuild_tensor") {
        GLIP_CHECK_INPUT(args->items.size() >= 4 && args->items[0]->payload && args->items[0]->s == "storage", path_,
                         ": malformed tensor record");
        auto t = std::make_shared<TensorRef>();
        t->storage = std::static_pointer_cast<StorageRef>(args->items[0]->payload);
        GLIP_CHECK_INPUT(args->items[1]->kind == Kind::kInt, path_, ": malformed tensor storage offset");
        t->offset = args->items[1]->i;
        t->sizes = int_tuple(args->items[2], path_);
        t->strides = int_tuple(args->items[3], path_);
        auto v = Value::make(Kind::kObject);
        v->s = "tensor";
        v->payload = t;
        return v;
      }
      if (fn == "torch._utils._rebuild_parameter" || fn == "torch._utils._rebuild_parameter_with_state") {
        GLIP_CHECK_INPUT(!args->items.empty(), path_, ": malformed parameter record");
        return args->items[0];
      }
      return nullptr;
    };
  }

  ValuePtr make_storage(const ValuePtr& pid, bool legacy) {
    GLIP_CHECK_INPUT(pid && pid->kind == Kind::kTuple && pid->items.size() >= 5 && pid->items[0]->is_string() &&
                         pid->items[0]->s == "storage" && pid->items[1]->kind == Kind::kGlobal &&
                         pid->items[2]->is_string() && pid->items[4]->kind == Kind::kInt,
                     path_, ": malformed storage record in the pickle");
    const std::string& key = pid->items[2]->s;
    auto& ref = storages_[key];
    if (!ref) {
      ref = std::make_shared<StorageRef>();
      ref->key = key;
      ref->dtype = storage_dtype(pid->items[1]->s, path_);
      ref->numel = pid->items[4]->i;
      GLIP_CHECK_INPUT(ref->numel >= 0, path_, ": storage '", key, "' has a negative size (", ref->numel, ")");
    }
    GLIP_CHECK_INPUT(!legacy || pid->items.size() < 6 || pid->items[5]->kind == Kind::kNone, path_,
                     ": legacy storage views are not supported (storage '", key, "')");
    auto v = Value::make(Kind::kObject);
    v->s = "storage";
    v->payload = ref;
    return v;
  }

  /** A zip record; a corrupt archive (e.g. a forged size that cannot be allocated) is an input error. */
  std::tuple<at::DataPtr, size_t> record(const std::string& name) {
    try {
      return zip_->getRecord(name);
    } catch (const c10::Error& e) {
      throw InputError(str_cat(path_, ": cannot read record '", name,
                               "' of the PyTorch zip checkpoint: ", e.what_without_backtrace()));
    } catch (const std::bad_alloc&) {
      throw InputError(str_cat(path_, ": record '", name, "' of the PyTorch zip checkpoint is too large to load"));
    }
  }

  ValuePtr parse_zip() {
    try {
      zip_ = std::make_unique<caffe2::serialize::PyTorchStreamReader>(path_);
    } catch (const c10::Error& e) {
      throw InputError(str_cat(
          path_, ": not a readable PyTorch zip checkpoint (truncated or corrupt?): ", e.what_without_backtrace()));
    } catch (const std::exception& e) {  // e.g. std::invalid_argument from its stoull of a 'version' record
      throw InputError(str_cat(path_, ": not a readable PyTorch zip checkpoint (bad version record?): ", e.what()));
    }
    GLIP_CHECK_INPUT(zip_->hasRecord("data.pkl"), path_, ": zip archive has no data.pkl (not a torch.save file)");
    auto [ptr, size] = record("data.pkl");
    std::string pkl(static_cast<const char*>(ptr.get()), size);
    size_t pos = 0;
    return pickle::load(pkl, pos, path_, reduce_hook(),
                        [this](const ValuePtr& pid) { return make_storage(pid, false); });
  }

  ValuePtr parse_legacy() {
    bytes_ = read_file(path_);
    static const char kMagic[] = "\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19\x2e";
    GLIP_CHECK_INPUT(bytes_.size() >= 15 && std::memcmp(bytes_.data(), kMagic, 15) == 0, path_,
                     ": not a torch.save file (neither a PyTorch zip archive nor the legacy format)");
    size_t pos = 15;
    auto none = pickle::ReduceHook();
    pickle::load(bytes_, pos, path_, none, nullptr);  // protocol version
    pickle::load(bytes_, pos, path_, none, nullptr);  // sys_info
    ValuePtr root = pickle::load(bytes_, pos, path_, reduce_hook(),
                                 [this](const ValuePtr& pid) { return make_storage(pid, true); });
    ValuePtr keys = pickle::load(bytes_, pos, path_, none, nullptr);
    GLIP_CHECK_INPUT(keys->kind == Kind::kList, path_, ": legacy checkpoint lacks its storage key list");
    for (const auto& k : keys->items) {
      GLIP_CHECK_INPUT(k->is_string() && storages_.count(k->s), path_,
                       ": legacy storage key list names an unknown storage");
      GLIP_CHECK_INPUT(pos + 8 <= bytes_.size(), path_, ": truncated legacy checkpoint (storage '", k->s, "')");
      int64_t numel = 0;
      std::memcpy(&numel, bytes_.data() + pos, 8);
      const auto& ref = storages_[k->s];
      GLIP_CHECK_INPUT(numel == ref->numel, path_, ": storage '", k->s, "' has ", numel, " elements, expected ",
                       ref->numel);
      legacy_offsets_[k->s] = pos + 8;
      const uint64_t left = (bytes_.size() - pos - 8) / c10::elementSize(ref->dtype);
      GLIP_CHECK_INPUT(static_cast<uint64_t>(numel) <= left, path_, ": truncated legacy checkpoint (storage '", k->s,
                       "' needs ", numel, " elements, ", left, " remain)");
      pos += 8 + static_cast<size_t>(numel) * c10::elementSize(ref->dtype);
    }
    return root;
  }

  const at::Tensor& storage_data(StorageRef& s) {
    if (s.data.defined()) return s.data;
    // The bytes present are checked against the declared size before anything is allocated.
    const size_t elem = c10::elementSize(s.dtype);
    GLIP_CHECK_INPUT(s.numel >= 0 && static_cast<uint64_t>(s.numel) <= UINT64_MAX / elem, path_, ": storage '", s.key,
                     "' declares an impossible size of ", s.numel, " elements");
    const uint64_t nbytes = static_cast<uint64_t>(s.numel) * elem;
    if (zip_) {
      const std::string rec = "data/" + s.key;
      GLIP_CHECK_INPUT(zip_->hasRecord(rec), path_, ": missing storage record '", rec, "'");
      auto [ptr, size] = record(rec);
      GLIP_CHECK_INPUT(size == nbytes, path_, ": storage '", s.key, "' has ", size, " bytes, expected ", nbytes);
      s.data = at::empty({s.numel}, at::TensorOptions().dtype(s.dtype));
      if (nbytes) std::memcpy(s.data.data_ptr(), ptr.get(), nbytes);
    } else {
      auto it = legacy_offsets_.find(s.key);
      GLIP_CHECK_INPUT(it != legacy_offsets_.end(), path_, ": storage '", s.key, "' has no data");
      s.data = at::empty({s.numel}, at::TensorOptions().dtype(s.dtype));
      if (nbytes) std::memcpy(s.data.data_ptr(), bytes_.data() + it->second, nbytes);
    }
    return s.data;
  }

  /** Checks sizes, strides and offset of tensor `name` against its storage before LibTorch sees them. */
  void check_view(const TensorRef& t, const std::string& name) {
    const std::string where = str_cat(path_, ": tensor '", name, "'");
    GLIP_CHECK_INPUT(t.sizes.size() == t.strides.size(), where, " has ", t.sizes.size(), " sizes but ",
                     t.strides.size(), " strides");
    GLIP_CHECK_INPUT(t.sizes.size() <= 64, where, " has ", t.sizes.size(), " dimensions (at most 64)");
    GLIP_CHECK_INPUT(t.offset >= 0, where, " has a negative storage offset (", t.offset, ")");
    bool empty = false;
    for (size_t d = 0; d < t.sizes.size(); ++d) {
      GLIP_CHECK_INPUT(t.sizes[d] >= 0 && t.strides[d] >= 0, where, " has a negative size or stride in dimension ", d,
                       " (", t.sizes[d], ", ", t.strides[d], ")");
      empty = empty || t.sizes[d] == 0;
    }
    if (empty) return;
    // The last element read, in 128 bits so that no size or stride can overflow it.
    __int128 last = t.offset;
    for (size_t d = 0; d < t.sizes.size() && last < t.storage->numel; ++d)
      last += static_cast<__int128>(t.sizes[d] - 1) * t.strides[d];
    GLIP_CHECK_INPUT(last < t.storage->numel, where, " reads past the end of its storage '", t.storage->key, "' (",
                     t.storage->numel, " elements)");
  }

  at::Tensor materialise(const TensorRef& t, const std::string& name) {
    check_view(t, name);
    const at::Tensor& data = storage_data(*t.storage);
    bool empty = false;
    for (auto s : t.sizes) empty = empty || s == 0;
    if (empty) return at::empty(t.sizes, data.options());
    try {  // a stride-0 view may still ask for more memory than there is
      return data.as_strided(t.sizes, t.strides, t.offset).clone(at::MemoryFormat::Contiguous);
    } catch (const c10::Error& e) {
      throw InputError(str_cat(path_, ": tensor '", name, "' cannot be built: ", e.what_without_backtrace()));
    }
  }

  std::string path_;
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> zip_;
  std::string bytes_;
  std::unordered_map<std::string, std::shared_ptr<StorageRef>> storages_;
  std::unordered_map<std::string, size_t> legacy_offsets_;
};

}  // namespace

TensorFile load_torch_tensors(const std::string& path, const std::string& entry) { return Reader(path).load(entry); }

std::map<std::string, at::Tensor> strip_module_prefix(std::map<std::string, at::Tensor> tensors) {
  std::map<std::string, at::Tensor> out;
  for (auto& [k, v] : tensors) out[k.rfind("module.", 0) == 0 ? k.substr(7) : k] = std::move(v);
  return out;
}

}  // namespace glip::io
