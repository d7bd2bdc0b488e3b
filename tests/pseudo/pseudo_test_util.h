// Test helpers of the pseudo-labelling tests: a deterministic teacher double and tiny WebDataset shards.
#pragma once
#include <ATen/ATen.h>

#include <map>
#include <string>
#include <vector>

#include "glip/pseudo/labeler.h"

namespace glip::pseudo::test {

/**
 * A deterministic teacher: per phrase two overlapping boxes whose place and score follow from the phrase text
 * and the image's mean pixel (so different images and phrases differ). Refuses (InputError) a query whose text
 * contains "unreadable", as the predictor refuses prompts it cannot encode.
 */
std::vector<Detections> double_teacher(const std::vector<at::Tensor>& images, const std::vector<text::Prompt>& queries);

struct Sample {
  std::string key, caption;
  std::string image;  ///< JPEG bytes (or garbage for a corrupt image)
};

/** A JPEG of w x h whose content depends on `seed`. */
std::string test_jpeg(int seed, int w = 40, int h = 30);

/**
 * Writes `shards` shards of `per_shard` samples under `dir` (web-00000N.tar). Shard 0 also holds one blank
 * caption, one corrupt image, one caption without a noun phrase and one the teacher refuses.
 */
std::vector<std::string> make_shards(const std::string& dir, int shards, int per_shard);

/** Writes a tar of `samples` (KEY.jpg + KEY.txt each). */
void write_shard(const std::string& path, const std::vector<Sample>& samples);

/** Every regular file of `dir` (name -> bytes). */
std::map<std::string, std::string> files_of(const std::string& dir);

/** The shared noun-phrase extractor. */
const text::NounPhraseExtractor& extractor();

}  // namespace glip::pseudo::test
