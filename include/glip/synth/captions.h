/**
 * Captions of synthetic scenes with character spans: "a small red star left of a striped blue ring, two
 * green crosses and an orange heart." Objects with the same shape, colour and texture form one entity
 * described by one phrase ("two green crosses") whose span covers the whole phrase, article included. Phrases
 * are simple noun phrases (<DT>?<JJ.*>*<NN.*>+, with a number word for plurals).
 */
#pragma once
#include <string>
#include <vector>

#include "glip/synth/rng.h"
#include "glip/synth/scene.h"

namespace glip::synth {

/** Objects of a scene that share shape, colour and texture. */
struct Entity {
  std::vector<int> objects;  ///< indices into Scene::objects
  int shape = 0, colour = 0, texture = 0;
  int size = -1;  ///< common size class of all its objects, or -1 when they differ
};

/** The kind of a phrase (the Flickr30K Entities type it gets). */
enum class PhraseKind { kObject, kScene, kNotVisual };

/** A phrase of a caption: its text and character span [start, end) in the caption. */
struct Phrase {
  std::string text;
  int start = 0, end = 0;
  int entity = -1;  ///< index into the entity list (kObject only)
  PhraseKind kind = PhraseKind::kObject;
};

struct Caption {
  std::string text;
  std::vector<Phrase> phrases;  ///< in caption order
};

/** Groups the objects of a scene into entities (in order of first appearance). */
std::vector<Entity> group_entities(const Scene& scene);

/** "two small striped red stars" (the size only when `with_size` and the entity has one common size). */
std::string describe(const Entity& e, const WorldOptions& o, bool with_size);

/** Options of one composed caption. */
struct ComposeOptions {
  bool scene_phrase = false;      ///< end with "on a dark background" (a scene phrase)
  bool notvisual_phrase = false;  ///< end with "facing the camera" (a phrase with no box)
  bool tokenized = false;         ///< Flickr30K style: punctuation as separate words ("a , b .")
};

/**
 * Composes a caption mentioning the entities `mention` (indices into `entities`, non-empty) in that order,
 * with a spatial relation between the first two ("left of", "right of", "above", "below") half the time.
 */
Caption compose_caption(const Scene& scene, const std::vector<Entity>& entities, const std::vector<int>& mention,
                        const WorldOptions& o, Rng& rng, const ComposeOptions& co = {});

/** A caption mentioning every entity of the scene, in random order. */
Caption caption_all(const Scene& scene, const WorldOptions& o, Rng& rng);

}  // namespace glip::synth
