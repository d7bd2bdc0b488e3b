/** Tiny JSON builders for hand-made evaluation cases. */
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "glip/core/error.h"

namespace glip::test {

/** The message of the glip::InputError that `f` throws, or "" when it throws none. */
inline std::string input_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const glip::InputError& e) {
    return e.what();
  }
  return "";
}

inline std::string num(double v) {
  std::string s = std::to_string(v);
  return s;
}

/** A COCO annotation; area < 0 means w*h. `extra` is appended inside the object (", \"ignore\": 1"). */
inline std::string ann(int id, int img, int cat, double x, double y, double w, double h, int iscrowd = 0,
                       double area = -1, const std::string& extra = "") {
  return "{\"id\": " + std::to_string(id) + ", \"image_id\": " + std::to_string(img) +
         ", \"category_id\": " + std::to_string(cat) + ", \"bbox\": [" + num(x) + ", " + num(y) + ", " + num(w) + ", " +
         num(h) + "], \"area\": " + num(area < 0 ? w * h : area) + ", \"iscrowd\": " + std::to_string(iscrowd) + extra +
         "}";
}

inline std::string det(int img, int cat, double x, double y, double w, double h, double score) {
  return "{\"image_id\": " + std::to_string(img) + ", \"category_id\": " + std::to_string(cat) + ", \"bbox\": [" +
         num(x) + ", " + num(y) + ", " + num(w) + ", " + num(h) + "], \"score\": " + num(score) + "}";
}

inline std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
  return out;
}

/** A COCO file with images 1..n_images and categories 1..n_cats. */
inline std::string coco_gt(const std::vector<std::string>& anns, int n_images = 2, int n_cats = 2) {
  std::vector<std::string> imgs, cats;
  for (int i = 1; i <= n_images; ++i) imgs.push_back("{\"id\": " + std::to_string(i) + "}");
  for (int c = 1; c <= n_cats; ++c) cats.push_back("{\"id\": " + std::to_string(c) + ", \"name\": \"c\"}");
  return "{\"images\": [" + join(imgs) + "], \"categories\": [" + join(cats) + "], \"annotations\": [" + join(anns) +
         "]}";
}

}  // namespace glip::test
