/**
 * SentencePiece backend of glip::text::Tokenizer. libsentencepiece runs inside the glip_spm module, loaded
 * privately at first use (see src/text/spm_plugin/glip_spm_plugin.cpp for why); it is found at
 * $GLIP_SPM_PLUGIN, else at <exe>/../lib/glip/ (an installed tool, whatever the install prefix), else in the
 * build tree, else in the configured install folder.
 */
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "glip/text/tokenizer.h"

namespace glip::text {

/**
 * Whether this build can use SentencePiece: false in AddressSanitizer builds, where the glip_spm module cannot be
 * loaded (it needs RTLD_DEEPBIND, which ASan refuses); there every use is a glip::Error that says so.
 */
bool sentencepiece_available();

/** Options for training a SentencePiece model from captions. */
struct SentencePieceTrainOptions {
  int vocab_size = 8000;
  std::string model_type = "unigram";  ///< unigram | bpe | char | word
  double character_coverage = 0.9995;
  bool lowercase = true;  ///< nmt_nfkc_cf normalisation (case folding) instead of nmt_nfkc
};

/**
 * Token ids are the model's; the sequence is [bos] pieces [eos] with the model's bos/eos ids when they are
 * defined (>= 0), padding uses the model's pad id (or 0 when it has none). Offsets come from the piece
 * spans in the original text, converted to code points; the "▁" word-boundary piece alone covers no
 * character when it stands for a space.
 */
class SentencePieceTokenizer : public Tokenizer {
 public:
  /** Loads a .model file; glip::InputError naming the file when it cannot be read or parsed. */
  explicit SentencePieceTokenizer(const std::string& model_path);
  ~SentencePieceTokenizer() override;

  /**
   * Trains a model on `sentences` and writes it atomically to `model_path` (a .model file).
   * glip::InputError when training fails (e.g. a vocab_size too large for the text).
   */
  static void train(const std::vector<std::string>& sentences, const std::string& model_path,
                    const SentencePieceTrainOptions& opts = {});

  Encoding encode(const std::string& utf8, bool add_special_tokens = true) const override;
  int64_t pad_id() const override;
  int64_t cls_id() const override;
  int64_t sep_id() const override;
  int64_t vocab_size() const override;
  std::string pad_token() const override;

 private:
  void* handle_ = nullptr;  ///< the module's processor
  std::string path_;
  int64_t pad_ = 0, bos_ = -1, eos_ = -1, size_ = 0;
};

}  // namespace glip::text
