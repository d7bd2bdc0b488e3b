#include "glip/text/sentencepiece.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/core/sanitizers.h"
#include "glip/text/unicode.h"

namespace glip::text {

namespace {

using PieceCb = void (*)(void*, int, unsigned, unsigned);
using BytesCb = void (*)(void*, const char*, size_t);

struct SpmApi {
  void* (*load)(const char*, size_t, char*, size_t) = nullptr;
  void (*free)(void*) = nullptr;
  void (*info)(void*, int*) = nullptr;
  const char* (*id_to_piece)(void*, int) = nullptr;
  int (*encode)(void*, const char*, size_t, PieceCb, void*, char*, size_t) = nullptr;
  int (*train)(const char* const*, const size_t*, size_t, const char* const*, const char* const*, size_t, BytesCb,
               void*, char*, size_t) = nullptr;
};

// RTLD_DEEPBIND keeps the plugin's protobuf-lite apart from LibTorch's libprotobuf (src/text/spm_plugin; loaded
// without it, the two copies mix and protobuf aborts on a version mismatch). AddressSanitizer refuses dlopen with
// RTLD_DEEPBIND, so an ASan build cannot load the plugin and says so instead of dying in dlopen.
constexpr bool kPluginLoadable = !kAddressSanitizer;

bool exists(const std::string& p) { return !p.empty() && std::ifstream(p).good(); }

// An installed tool <prefix>/bin/glip_x finds <prefix>/lib/glip/glip_spm.so whatever prefix `cmake --install`
// was given (the configured install path below only holds for the configure-time prefix).
std::string beside_executable() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  return (exe.parent_path().parent_path() / "lib" / "glip" / "glip_spm.so").string();
}

const SpmApi& api() {
  static std::once_flag once;
  static SpmApi a;
  static std::string error;
  std::call_once(once, [] {
    if (!kPluginLoadable) {
      error =
          "not available in an AddressSanitizer build: the glip_spm module must be loaded with RTLD_DEEPBIND, "
          "which ASan refuses (src/text/spm_plugin/glip_spm_plugin.cpp)";
      return;
    }
    std::vector<std::string> tried;
    const char* env = std::getenv("GLIP_SPM_PLUGIN");
    for (std::string p : {std::string(env ? env : ""), beside_executable(), std::string(GLIP_SPM_PLUGIN_BUILD),
                          std::string(GLIP_SPM_PLUGIN_INSTALL)}) {
      if (p.empty()) continue;
      tried.push_back(p);
      if (!exists(p)) continue;
      void* h = dlopen(p.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
      if (!h) {
        error = str_cat("cannot load '", p, "': ", dlerror());
        return;
      }
      auto sym = [&](auto& fn, const char* name) {
        fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(h, name));
        if (!fn && error.empty()) error = str_cat("'", p, "' has no symbol ", name);
      };
      sym(a.load, "glip_spm_load"), sym(a.free, "glip_spm_free"), sym(a.info, "glip_spm_info");
      sym(a.id_to_piece, "glip_spm_id_to_piece"), sym(a.encode, "glip_spm_encode"), sym(a.train, "glip_spm_train");
      return;
    }
    std::string list;
    for (const auto& t : tried) list += " '" + t + "'";
    error = str_cat("SentencePiece module glip_spm not found (tried", list, "); set GLIP_SPM_PLUGIN");
  });
  GLIP_CHECK(error.empty(), "SentencePiece: ", error);
  return a;
}

}  // namespace

bool sentencepiece_available() { return kPluginLoadable; }

SentencePieceTokenizer::SentencePieceTokenizer(const std::string& model_path) : path_(model_path) {
  const std::string bytes = read_file(model_path);
  char err[512] = {0};
  handle_ = api().load(bytes.data(), bytes.size(), err, sizeof(err));
  GLIP_CHECK_INPUT(handle_ != nullptr, "SentencePiece model '", model_path, "': cannot be parsed: ", err);
  int info[5];
  api().info(handle_, info);
  pad_ = info[0] >= 0 ? info[0] : 0, bos_ = info[1], eos_ = info[2], size_ = info[4];
}

SentencePieceTokenizer::~SentencePieceTokenizer() {
  if (handle_) api().free(handle_);
}

void SentencePieceTokenizer::train(const std::vector<std::string>& sentences, const std::string& model_path,
                                   const SentencePieceTrainOptions& opts) {
  GLIP_CHECK_INPUT(!sentences.empty(), "SentencePiece training for '", model_path, "': no sentences");
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  for (size_t i = 0; i < sentences.size(); ++i) {
    GLIP_CHECK_INPUT(utf8_valid(sentences[i]), "SentencePiece training: sentence ", i + 1, " is not valid UTF-8");
    ptrs.push_back(sentences[i].data());
    lens.push_back(sentences[i].size());
  }
  const std::vector<std::pair<std::string, std::string>> kw = {
      {"vocab_size", std::to_string(opts.vocab_size)},
      {"model_type", opts.model_type},
      {"character_coverage", std::to_string(opts.character_coverage)},
      {"normalization_rule_name", opts.lowercase ? "nmt_nfkc_cf" : "nmt_nfkc"},
      {"pad_id", "0"},
      {"unk_id", "1"},
      {"bos_id", "2"},
      {"eos_id", "3"},
      {"minloglevel", "2"}};
  std::vector<const char*> keys, values;
  for (const auto& [k, v] : kw) keys.push_back(k.c_str()), values.push_back(v.c_str());
  std::string proto;
  char err[512] = {0};
  const int rc = api().train(
      ptrs.data(), lens.data(), ptrs.size(), keys.data(), values.data(), keys.size(),
      [](void* ctx, const char* d, size_t n) { static_cast<std::string*>(ctx)->assign(d, n); }, &proto, err,
      sizeof(err));
  GLIP_CHECK_INPUT(rc == 0, "SentencePiece training for '", model_path, "' failed: ", err);
  write_file_atomic(model_path, proto);
}

Encoding SentencePieceTokenizer::encode(const std::string& utf8, bool add_special_tokens) const {
  const std::u32string text = utf8_decode(utf8);
  const std::vector<int64_t> byte_of_cp = utf8_cp_byte_offsets(utf8);
  auto cp_of_byte = [&](int64_t b) {  // first code point starting at or after byte b
    return static_cast<int64_t>(std::lower_bound(byte_of_cp.begin(), byte_of_cp.end(), b) - byte_of_cp.begin());
  };
  struct Raw {
    int id;
    unsigned b, e;
  };
  std::vector<Raw> raw;
  char err[512] = {0};
  const int n = api().encode(
      handle_, utf8.data(), utf8.size(),
      [](void* ctx, int id, unsigned b, unsigned e) {
        static_cast<std::vector<Raw>*>(ctx)->push_back({id, b, e});
      },
      &raw, err, sizeof(err));
  GLIP_CHECK(n >= 0, "SentencePiece '", path_, "': encoding failed: ", err);
  Encoding enc;
  auto push = [&](int64_t id, Offset off, uint8_t special) {
    enc.ids.push_back(id);
    enc.tokens.push_back(api().id_to_piece(handle_, static_cast<int>(id)));
    enc.offsets.push_back(off);
    enc.special.push_back(special);
  };
  if (add_special_tokens && bos_ >= 0) push(bos_, {0, 0}, 1);
  for (const Raw& p : raw) {
    int64_t b = cp_of_byte(p.b);
    const int64_t e = cp_of_byte(p.e);
    // A piece's span includes the whitespace its "▁" stands for; the word itself starts after it.
    while (b < e && is_whitespace(text[static_cast<size_t>(b)])) ++b;
    push(p.id, b < e ? Offset{b, e} : Offset{0, 0}, 0);
  }
  if (add_special_tokens && eos_ >= 0) push(eos_, {0, 0}, 1);
  return enc;
}

int64_t SentencePieceTokenizer::pad_id() const { return pad_; }
int64_t SentencePieceTokenizer::cls_id() const { return bos_; }
int64_t SentencePieceTokenizer::sep_id() const { return eos_; }
int64_t SentencePieceTokenizer::vocab_size() const { return size_; }
std::string SentencePieceTokenizer::pad_token() const { return api().id_to_piece(handle_, static_cast<int>(pad_)); }

}  // namespace glip::text
