/**
 * Parameters of the synthetic grounding world (`world.*` in configs/synthetic_world.yaml) and its closed
 * vocabulary: shape names, colour names, textures, size words, and the held-out concepts that the gold
 * splits never box.
 */
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "glip/config/sections.h"
#include "glip/config/visitor.h"

namespace glip::synth {

/**
 * Every parameter of the world (`world.*`); defaults give the main job's world (renders in a few seconds).
 * Each option's doc line and range live in visit() (options.cpp), the one place it is declared.
 */
struct WorldOptions {
  int64_t image_size = 160;
  int64_t gold_det_images = 750;
  int64_t gold_grounding_images = 750;
  int64_t web_images = 1000;
  int64_t web_shard_size = 250;
  int64_t eval_coco_images = 200;
  int64_t eval_flickr_images = 200;
  int64_t eval_lvis_images = 200;
  int64_t min_objects = 1;
  int64_t max_objects = 8;
  std::vector<std::string> shapes = {"circle", "square", "triangle", "star", "cross", "ring", "heart", "diamond"};
  std::vector<std::string> colours = {"red", "green", "blue", "yellow", "orange", "purple", "pink", "cyan"};
  std::vector<std::string> textures = {"solid", "striped", "dotted"};
  std::vector<std::string> heldout = {"green heart", "blue star", "orange ring", "purple cross", "dotted square"};
  double min_object_frac = 0.14;
  double max_object_frac = 0.42;
  double small_max_frac = 0.21;
  double large_min_frac = 0.32;
  double occlusion = 0.35;
  double min_visible = 0.55;
  double noise = 14.0;
  double size_word_prob = 0.5;
  double combo_min_weight = 0.01;
  double web_heldout_prob = 0.8;
  std::vector<std::string> rare = {};
  double rare_gold_prob = 0.05;
  int64_t flickr_sentences = 3;
  int64_t lvis_neg_per_image = 4;
  double lvis_not_exhaustive_prob = 0.1;
  int64_t lvis_rare_max = 10;
  int64_t lvis_common_max = 100;
  int64_t jpeg_quality = 92;
  int64_t preview_samples = 16;

  /** Declares every option for the config system (YAML `world:`, --set world.KEY=VALUE, --dump-config). */
  void visit(config::Visitor& v);
};

/**
 * Checks values (the same ranges as visit()) and cross-field rules (known shape/colour/texture names, no
 * duplicates, min <= max, held-out words known, ...); throws ONE glip::InputError listing every problem with its
 * key `world.<name>`.
 */
void validate(const WorldOptions& o);

/** The `world` section of docs/configs.md (tool glip_config_docs puts it after app::documented_sections()). */
config::SectionDoc world_section();

/** Canonical text of all options (used for the config hash in world.json). */
std::string canonical_text(const WorldOptions& o);

/** Names every renderer knows (the configured lists pick from these). */
const std::vector<std::string>& known_shapes();
const std::vector<std::string>& known_colours();
const std::vector<std::string>& known_textures();
const std::vector<std::string>& size_words();  ///< small, medium, large
/** BGR colour of a known colour name. */
void colour_bgr(const std::string& name, int bgr[3]);
/** Plural of a shape name ("cross" -> "crosses"). */
std::string plural(const std::string& shape);

/** A held-out concept resolved to indices into the configured lists (-1: any). */
struct Concept {
  std::string text;
  int shape = -1, colour = -1, texture = -1, size = -1;
};
/** Parses the held-out strings; throws InputError on unknown words (validate() reports them first). */
std::vector<Concept> parse_concepts(const WorldOptions& o);
/** The concepts of world.rare (same syntax as world.heldout). */
std::vector<Concept> parse_rare_concepts(const WorldOptions& o);

}  // namespace glip::synth
