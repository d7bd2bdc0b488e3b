#include "pseudo/pseudo_test_util.h"

#include <cmath>
#include <filesystem>
#include <opencv2/core.hpp>

#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/io/image.h"
#include "glip/io/tar.h"
#include "glip/pseudo/labels.h"

namespace glip::pseudo::test {

std::vector<Detections> double_teacher(const std::vector<at::Tensor>& images,
                                       const std::vector<text::Prompt>& queries) {
  GLIP_CHECK(queries.size() == images.size() || queries.size() == 1, "double_teacher: query count");
  std::vector<Detections> out;
  for (size_t i = 0; i < images.size(); ++i) {
    const text::Prompt& q = queries.size() == 1 ? queries[0] : queries[i];
    GLIP_CHECK_INPUT(q.text.find("unreadable") == std::string::npos, "query '", q.text, "' cannot be encoded");
    const double mean = images[i].to(at::kDouble).mean().item<double>();
    const double h = static_cast<double>(images[i].size(0)), w = static_cast<double>(images[i].size(1));
    std::vector<float> boxes, scores;
    std::vector<int64_t> labels;
    for (size_t j = 0; j < q.spans.size(); ++j) {
      const std::string phrase = substr_code_points(q.text, q.spans[j].first, q.spans[j].second);
      uint64_t hash = 1469598103934665603ull;
      for (unsigned char c : phrase) hash = (hash ^ c) * 1099511628211ull;
      const double u = static_cast<double>(hash % 1000) / 1000.0,
                   v = static_cast<double>((hash / 1000) % 1000) / 1000.0;
      const float score = static_cast<float>(std::fmod(u + mean / 97.0, 1.0));
      const float x1 = static_cast<float>(v * w * 0.5), y1 = static_cast<float>(u * h * 0.5);
      const float x2 = x1 + static_cast<float>(w * 0.4), y2 = y1 + static_cast<float>(h * 0.4);
      for (int k = 0; k < 2; ++k) {  // the second box overlaps the first (IoU ~0.8), lower score
        boxes.insert(boxes.end(), {x1 + k, y1 + k, x2 + k, y2 + k + (k ? 50.f : 0.f)});  // and pokes out of the image
        scores.push_back(k ? score * 0.95f : score);
        labels.push_back(static_cast<int64_t>(j) + 1);
      }
    }
    const int64_t n = static_cast<int64_t>(scores.size());
    out.push_back({at::tensor(boxes).view({n, 4}), at::tensor(scores), at::tensor(labels)});
  }
  return out;
}

std::string test_jpeg(int seed, int w, int h) {
  cv::Mat img(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      img.at<cv::Vec3b>(y, x) =
          cv::Vec3b(static_cast<uint8_t>((x * 7 + seed * 31) % 256), static_cast<uint8_t>((y * 5 + seed * 17) % 256),
                    static_cast<uint8_t>((seed * 53) % 256));
  return io::encode_jpeg(img, 90);
}

void write_shard(const std::string& path, const std::vector<Sample>& samples) {
  io::TarBuilder tar;
  for (const auto& s : samples) {
    tar.add(s.key + ".jpg", s.image);
    tar.add(s.key + ".txt", s.caption + "\n");
  }
  write_file_atomic(path, tar.finish());
}

std::vector<std::string> make_shards(const std::string& dir, int shards, int per_shard) {
  static const char* kCaptions[] = {
      "a small red star left of a striped blue ring.", "two green crosses and an orange heart.",
      "a dotted yellow square above a purple circle.", "a large pink diamond, a cyan triangle and a red ring."};
  std::vector<std::string> paths;
  int key = 0;
  for (int s = 0; s < shards; ++s) {
    std::vector<Sample> samples;
    for (int i = 0; i < per_shard; ++i, ++key) {
      char name[16];
      std::snprintf(name, sizeof name, "%06d", key);
      samples.push_back({name, kCaptions[key % 4], test_jpeg(key)});
    }
    if (s == 0 && per_shard >= 4) {
      samples[0].caption = "  ";
      samples[1].image = "this is not a jpeg";
      samples[2].caption = "!!!";
      samples[3].caption = "an unreadable red star.";
    }
    char name[32];
    std::snprintf(name, sizeof name, "web-%06d.tar", s);
    paths.push_back((std::filesystem::path(dir) / name).string());
    write_shard(paths.back(), samples);
  }
  return paths;
}

std::map<std::string, std::string> files_of(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.is_regular_file()) files[e.path().filename().string()] = read_file(e.path().string());
  return files;
}

const text::NounPhraseExtractor& extractor() {
  static const text::NounPhraseExtractor x;
  return x;
}

}  // namespace glip::pseudo::test
