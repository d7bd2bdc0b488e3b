/**
 * Training batches for grounding: mixes datasets by weight (SampleSchedule), decodes and transforms each
 * sample, turns detection records into grounding with the Objects365-style prompt (sampled negatives) or, for a
 * set with disable_shuffle, the evaluation prompt (every category in id order), tokenises the captions and builds
 * the positive maps. A batch is a pure function of (seed, iteration, rank), so loading is resumable and identical
 * for any number of worker threads. Bad samples (corrupt image, missing file, invalid box) are replaced by other
 * positions and counted (BadSampleGuard).
 */
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "glip/data/bad_samples.h"
#include "glip/data/caption_packing.h"
#include "glip/data/record.h"
#include "glip/data/schedule.h"
#include "glip/data/transforms.h"
#include "glip/structures/batch.h"
#include "glip/text/detection_prompt.h"
#include "glip/text/tokenizer.h"

namespace glip::data {

struct BatchBuilderOptions {
  TransformOptions transforms;
  text::DetectionPromptOptions prompt;  ///< detection-as-grounding prompt sampling
  CaptionPackingOptions packing;        ///< grounding sets with pack_captions: other captions as negatives
  int64_t max_query_len = 256;
  int64_t size_divisibility = 32;  ///< images are zero-padded to a multiple of this
  uint64_t seed = 0;
  double max_bad_fraction = 0.01;
  int max_retries = 20;  ///< replacement draws for one bad sample before giving up
};

/** One collated training batch (one rank's share of a global batch). */
struct TrainBatch {
  ImageBatch images;
  TextBatch text;
  std::vector<GroundingTarget> targets;  ///< boxes in the padded-image pixel frame, positive maps [N, T]
  std::vector<std::string> captions;
  std::vector<std::string> origins;  ///< where each sample came from (file:line / file#id), for errors
  std::vector<uint64_t> positions;   ///< global stream positions of the samples
};

class GroundingBatchBuilder {
 public:
  GroundingBatchBuilder(std::vector<RecordSet> datasets, std::vector<double> weights,
                        std::shared_ptr<const text::Tokenizer> tokenizer, BatchBuilderOptions options);

  /** The batch of `rank` (of `world`) at `iteration`, `batch` images per rank. Thread-safe. */
  TrainBatch build(int64_t iteration, int rank, int world, int64_t batch) const;
  /** The batch of these global stream positions (SampleSchedule order). Thread-safe. */
  TrainBatch build_at(const std::vector<uint64_t>& positions) const;

  const SampleSchedule& schedule() const { return schedule_; }
  const BadSampleGuard& bad_samples() const { return *bad_; }
  const std::vector<RecordSet>& datasets() const { return datasets_; }

 private:
  struct Sample {
    TransformedSample t;
    std::vector<int64_t> labels;
    std::string origin;
    uint64_t position = 0;
  };
  Sample make_sample(uint64_t position) const;
  Sample try_sample(const RecordSet& set, size_t index, uint64_t seed) const;

  std::vector<RecordSet> datasets_;
  std::vector<std::map<int64_t, std::string>> classes_;  // per detection dataset: id -> name
  std::vector<text::ClassPrompts> class_prompts_;        // per dataset: categories with a prefix/suffix
  std::vector<std::map<int64_t, int64_t>> contiguous_;   // per dataset: category id -> 1-based label
  std::shared_ptr<const text::Tokenizer> tok_;
  BatchBuilderOptions opt_;
  SampleSchedule schedule_;
  std::unique_ptr<BadSampleGuard> bad_;
};

/**
 * The batch as text, for looking at what the model is taught: per sample its origin, image size, caption, the
 * tokens (index:token) and, per box, its label, xyxy and the tokens its positive-map row covers with their
 * weights. `tok` decodes the ids.
 */
std::string describe_batch(const TrainBatch& batch, const text::Tokenizer& tok);

/** Zero-pads [3, h, w] images to one [B, 3, H, W] tensor with H, W multiples of `divisibility`. */
ImageBatch pad_images(const std::vector<at::Tensor>& images, int64_t divisibility);

}  // namespace glip::data
