/**
 * Pseudo-labelling of WebDataset shards with a teacher, exactly once and resumable (glip_pseudolabel).
 *
 * The teacher is a function object (images + one query per image -> detections), so the shard machinery is
 * independent of the model: glip_pseudolabel wraps inference::Predictor, tests use a deterministic double.
 *
 * Output folder, per input shard `S.tar`: `S.jsonl` (one record per written image, docs/formats.md) and
 * `S.done.json` (input/teacher/config hashes, output hash, statistics), both written to a temp file and
 * renamed, the .done.json last: a shard is finished exactly when its .done.json exists. A rerun skips finished
 * shards and relabels the others from their start, so an interrupted and restarted run leaves the same files
 * as an uninterrupted one. Every rank writes `manifest.json` and `report.txt` over all finished shards when
 * it ends (under a lock); the last rank to end writes the complete one.
 */
#pragma once
#include <ATen/ATen.h>

#include <functional>
#include <string>
#include <vector>

#include "glip/pseudo/pseudo_config.h"
#include "glip/pseudo/stats.h"
#include "glip/structures/batch.h"
#include "glip/text/noun_phrases.h"
#include "glip/text/prompt.h"

namespace glip::pseudo {

/**
 * The teacher: BGR uint8 [H, W, 3] images and one query per image -> detections per image in original pixels,
 * labels = the query's labels. May throw glip::InputError for a query it cannot take (counted, skipped).
 */
using Teacher = std::function<std::vector<Detections>(const std::vector<at::Tensor>& bgr_images,
                                                      const std::vector<text::Prompt>& queries)>;

/** The labels of one shard, before anything is written. */
struct ShardLabels {
  std::string jsonl;  ///< the output shard's bytes
  ShardStats stats;
};

/**
 * Labels every sample of one WebDataset shard in archive order, `cfg.batch_size` images per teacher call.
 * `tar_ref` is how records name the tar (relative to the output folder). `on_samples(n)` is called as samples
 * are consumed (for progress). Corrupt images, blank or invalid captions and captions without a noun phrase
 * are skipped and counted; a corrupt tar is an InputError.
 */
ShardLabels label_shard(const std::string& tar_path, const std::string& tar_ref, const Teacher& teacher,
                        const text::NounPhraseExtractor& extractor, const PseudoConfig& cfg,
                        const std::function<void(int64_t)>& on_samples = {});

struct LabelRunOptions {
  std::vector<std::string> inputs;  ///< every input shard of the job (all ranks); split by rank here
  std::string out_dir;
  std::string teacher_path;    ///< recorded in the manifest
  std::string teacher_sha256;  ///< identifies the teacher; a rerun with another one is refused
  std::string config_hash;     ///< identifies the settings; likewise
  int rank = 0, world_size = 1;
  PseudoConfig cfg;
};

struct ShardOutcome {
  std::string input, output;
  enum State { kLabelled, kResumed, kFailed } state = kLabelled;
  ShardStats stats;
  std::string error;  ///< kFailed: why
};

struct LabelRunResult {
  std::vector<ShardOutcome> shards;  ///< this rank's shards, in order
  ShardStats totals;                 ///< this rank's shards (labelled now or finished before)
  int labelled = 0, resumed = 0, failed = 0;
  double seconds = 0, images_per_second = 0;
  bool complete = false;  ///< every shard of every rank is finished (manifest.json says so too)
  std::string report;     ///< report.txt: over every finished shard of the job
};

/** Sorted, de-duplicated inputs (the order every rank agrees on); InputError on a missing file or clashing names. */
std::vector<std::string> plan_inputs(const std::vector<std::string>& inputs);
/** Indices of the shards of `rank`: i with i % world_size == rank. */
std::vector<size_t> shards_of_rank(size_t num_shards, int rank, int world_size);
/** Output stem of an input shard: its file name without the .tar extension. */
std::string output_stem(const std::string& input);

/** Runs this rank's part of the job (see the file comment). */
LabelRunResult run_pseudo_labelling(const LabelRunOptions& opts, const Teacher& teacher,
                                    const text::NounPhraseExtractor& extractor);

}  // namespace glip::pseudo
