// SentencePiece behind a small C interface, built as a separate module (glip_spm.so) and loaded with
// dlopen(RTLD_LOCAL | RTLD_DEEPBIND) by src/text/sentencepiece.cpp.
//
// Why: Debian's libsentencepiece bundles and exports its own copy of protobuf-lite. Linked into a process
// that also loads libprotobuf.so (LibTorch does), the two copies interpose each other's symbols and the
// process crashes in libprotobuf's static initialisers before main(). Loading SentencePiece privately,
// with its own symbols bound first, keeps the two apart. Nothing here links LibTorch.
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

void set_err(char* err, size_t len, const std::string& msg) {
  if (!err || len == 0) return;
  std::strncpy(err, msg.c_str(), len - 1);
  err[len - 1] = '\0';
}

class Iter : public sentencepiece::SentenceIterator {
 public:
  Iter(const char* const* s, const size_t* l, size_t n) : s_(s), l_(l), n_(n) { load(); }
  bool done() const override { return i_ >= n_; }
  void Next() override {
    ++i_;
    load();
  }
  const std::string& value() const override { return cur_; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  void load() {
    if (i_ < n_) cur_.assign(s_[i_], l_[i_]);
  }
  const char* const* s_;
  const size_t* l_;
  size_t n_, i_ = 0;
  std::string cur_;
};

}  // namespace

extern "C" {

typedef void (*glip_spm_piece_cb)(void* ctx, int id, unsigned begin, unsigned end);
typedef void (*glip_spm_bytes_cb)(void* ctx, const char* data, size_t n);

__attribute__((visibility("default"))) void* glip_spm_load(const char* bytes, size_t n, char* err, size_t errlen) {
  try {
    auto sp = std::make_unique<sentencepiece::SentencePieceProcessor>();  // freed if loading throws
    const auto st = sp->LoadFromSerializedProto(std::string(bytes, n));
    if (!st.ok()) {
      set_err(err, errlen, st.ToString());
      return nullptr;
    }
    return sp.release();
  } catch (const std::exception& e) {
    set_err(err, errlen, e.what());
    return nullptr;
  }
}

__attribute__((visibility("default"))) void glip_spm_free(void* h) {
  delete static_cast<sentencepiece::SentencePieceProcessor*>(h);
}

/** info = {pad_id, bos_id, eos_id, unk_id, piece_size}. */
__attribute__((visibility("default"))) void glip_spm_info(void* h, int* info) {
  const auto* sp = static_cast<const sentencepiece::SentencePieceProcessor*>(h);
  info[0] = sp->pad_id(), info[1] = sp->bos_id(), info[2] = sp->eos_id(), info[3] = sp->unk_id();
  info[4] = sp->GetPieceSize();
}

__attribute__((visibility("default"))) const char* glip_spm_id_to_piece(void* h, int id) {
  return static_cast<const sentencepiece::SentencePieceProcessor*>(h)->IdToPiece(id).c_str();
}

__attribute__((visibility("default"))) int glip_spm_encode(void* h, const char* text, size_t n, glip_spm_piece_cb cb,
                                                           void* ctx, char* err, size_t errlen) {
  try {
    const auto* sp = static_cast<const sentencepiece::SentencePieceProcessor*>(h);
    sentencepiece::ImmutableSentencePieceText spt;
    const auto st = sp->Encode(std::string(text, n), spt.mutable_proto());
    if (!st.ok()) {
      set_err(err, errlen, st.ToString());
      return -1;
    }
    for (const auto& p : spt.pieces()) cb(ctx, static_cast<int>(p.id()), p.begin(), p.end());
    return static_cast<int>(spt.pieces_size());
  } catch (const std::exception& e) {
    set_err(err, errlen, e.what());
    return -1;
  }
}

__attribute__((visibility("default"))) int glip_spm_train(const char* const* sentences, const size_t* lens, size_t n,
                                                          const char* const* keys, const char* const* values,
                                                          size_t nkw, glip_spm_bytes_cb cb, void* ctx, char* err,
                                                          size_t errlen) {
  try {
    std::unordered_map<std::string, std::string> kwargs;
    for (size_t i = 0; i < nkw; ++i) kwargs[keys[i]] = values[i];
    Iter it(sentences, lens, n);
    std::string proto;
    const auto st = sentencepiece::SentencePieceTrainer::Train(kwargs, &it, &proto);
    if (!st.ok()) {
      set_err(err, errlen, st.ToString());
      return -1;
    }
    cb(ctx, proto.data(), proto.size());
    return 0;
  } catch (const std::exception& e) {
    set_err(err, errlen, e.what());
    return -1;
  }
}

}  // extern "C"
