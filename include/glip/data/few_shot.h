/**
 * Few-shot subsets of detection datasets, as the official DATASETS.FEW_SHOT and DATASETS.SHUFFLE_SEED
 * (maskrcnn_benchmark/data/datasets/coco.py COCODataset.__init__, modulated_coco.py CocoGrounding.__init__):
 * `data.train[].few_shot` and `data.train[].shuffle_seed` (docs/training.md).
 */
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "glip/data/record.h"

namespace glip::formats {
struct GroundTruth;
}

namespace glip::data {

/** One image as the official selection sees it. */
struct FewShotImage {
  int64_t image_id = 0;
  std::vector<int64_t> category_ids;  ///< category of every annotation of the image, crowd ones included
  /** has_valid_annotation: at least one annotation, and not every box with width <= 1 or height <= 1. */
  bool valid = false;
};

/**
 * Python 3's random.Random(seed).shuffle(items) bit for bit: CPython's Mersenne Twister seeded by init_by_array
 * with the 32-bit words of `seed`, Fisher-Yates from the back with _randbelow (getrandbits and rejection).
 */
void python_shuffle(std::vector<int64_t>& items, uint64_t seed);

/**
 * The official selection: the valid images in ascending id order, shuffled with random.Random(shuffle_seed) when
 * shuffle_seed != 0 (COCODataset; 0 keeps the id order). Walking them, an image is kept when one of its categories
 * is still in fewer than `k` kept images, and then counts once for each of its categories. So every category ends
 * in at least min(k, its valid images) kept images, hence as many annotated instances, and often more (an image
 * kept for one category brings all its boxes). Returns the kept image ids in walk order. InputError when k < 1.
 * Counters are per category id; the official list indexed by id - 1 lets an id of 0 share the largest id's counter,
 * which is not reproduced.
 */
std::vector<int64_t> select_few_shot(const std::vector<FewShotImage>& images, int64_t k, uint64_t shuffle_seed);

/** The images of an instances file, with crowd annotations (pycocotools getAnnIds(iscrowd=None), as official). */
std::vector<FewShotImage> few_shot_images(const formats::GroundTruth& gt);

/** The images of a detection set read without crowd annotations (ODVG detection lines). */
std::vector<FewShotImage> few_shot_images(const RecordSet& set);

/**
 * Keeps the records of `set` whose image select_few_shot(images, k, shuffle_seed) keeps (file order stays) and logs
 * the count; warns when a category is in fewer than k kept images (the dataset has no more). `what` names the
 * dataset in messages.
 */
void apply_few_shot(RecordSet& set, const std::vector<FewShotImage>& images, int64_t k, uint64_t shuffle_seed,
                    const std::string& what);

}  // namespace glip::data
