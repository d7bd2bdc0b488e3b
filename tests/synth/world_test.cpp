// The rendered world: determinism and a parse-back of every format it writes.
#include "glip/synth/world.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "common/test_utils.h"
#include "glip/core/fs.h"
#include "glip/io/tar.h"

namespace glip::synth {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

WorldOptions tiny() {
  WorldOptions o;
  o.image_size = 64;
  o.gold_det_images = 30;
  o.gold_grounding_images = 30;
  o.web_images = 23;
  o.web_shard_size = 10;
  o.eval_coco_images = 10;
  o.eval_flickr_images = 12;
  o.eval_lvis_images = 40;
  o.lvis_not_exhaustive_prob = 0.5;
  o.min_object_frac = 0.2;
  o.max_object_frac = 0.45;
  o.preview_samples = 4;
  return o;
}

std::map<std::string, std::string> read_tree(const std::string& root) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) files[fs::relative(e.path(), root).string()] = read_file(e.path().string());
  return files;
}

// One world shared by the format tests (rendering it takes well under a second).
class SynthWorld : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = test::temp_dir("synth_world") + "/world";
    summary_ = generate_world(tiny(), 11, dir_, 2);
  }
  static json load(const std::string& rel) { return json::parse(read_file(dir_ + "/" + rel)); }
  static inline std::string dir_;
  static inline WorldSummary summary_;
};

TEST_F(SynthWorld, SameSeedByteIdenticalOtherSeedDifferent) {
  const std::string other = test::temp_dir("synth_world2");
  generate_world(tiny(), 11, other + "/a", 1);  // one thread: the output must not depend on threading
  generate_world(tiny(), 12, other + "/b", 2);
  auto base = read_tree(dir_), same = read_tree(other + "/a"), diff = read_tree(other + "/b");
  ASSERT_EQ(base.size(), same.size());
  for (const auto& [name, bytes] : base) {
    ASSERT_TRUE(same.count(name)) << name;
    EXPECT_TRUE(same[name] == bytes) << name << " differs between two runs with the same seed";
  }
  EXPECT_NE(base["world.json"], diff["world.json"]);
  EXPECT_NE(base["gold_det/images/000000.jpg"], diff["gold_det/images/000000.jpg"]);
  EXPECT_NE(base["gold_grounding/mdetr.json"], diff["gold_grounding/mdetr.json"]);
  // Regenerating over an existing folder replaces it and leaves no temporary folder behind.
  generate_world(tiny(), 12, other + "/a", 2);
  EXPECT_EQ(read_tree(other + "/a")["world.json"], diff["world.json"]);
  int entries = 0;
  for (const auto& e : fs::directory_iterator(other)) (void)e, ++entries;
  EXPECT_EQ(entries, 2);
}

void expect_box_inside(const json& bbox, const json& img) {
  const double x = bbox[0], y = bbox[1], w = bbox[2], h = bbox[3];
  EXPECT_GE(x, 0);
  EXPECT_GE(y, 0);
  EXPECT_GT(w, 0);
  EXPECT_GT(h, 0);
  EXPECT_LE(x + w, img["width"].get<double>());
  EXPECT_LE(y + h, img["height"].get<double>());
}

TEST_F(SynthWorld, CocoDetectionSplits) {
  for (std::string rel : {"gold_det", "eval/coco"}) {
    json d = load(rel + "/instances.json");
    ASSERT_EQ(d["categories"].size(), 8u);
    EXPECT_EQ(d["categories"][0]["name"], "circle");
    EXPECT_EQ(d["categories"][0]["id"], 1);
    std::map<int64_t, json> imgs;
    for (const auto& im : d["images"]) {
      imgs[im["id"]] = im;
      EXPECT_TRUE(fs::exists(dir_ + "/" + rel + "/images/" + im["file_name"].get<std::string>()));
    }
    EXPECT_EQ(imgs.size(), rel == "gold_det" ? 30u : 10u);
    std::set<int64_t> ids;
    for (const auto& a : d["annotations"]) {
      ASSERT_TRUE(imgs.count(a["image_id"]));
      EXPECT_TRUE(ids.insert(a["id"].get<int64_t>()).second);
      expect_box_inside(a["bbox"], imgs[a["image_id"]]);
      EXPECT_EQ(a["iscrowd"], 0);
      EXPECT_LE(a["area"].get<double>(), a["bbox"][2].get<double>() * a["bbox"][3].get<double>());
      EXPECT_GE(a["category_id"].get<int>(), 1);
      EXPECT_LE(a["category_id"].get<int>(), 8);
    }
  }
}

TEST_F(SynthWorld, MdetrAndOdvgSpansSelectPhrasesWithoutHeldOutConcepts) {
  json d = load("gold_grounding/mdetr.json");
  std::map<int64_t, json> imgs;
  for (const auto& im : d["images"]) {
    imgs[im["id"]] = im;
    EXPECT_EQ(im["dataset_name"], "synth");
    EXPECT_EQ(im["sentence_id"], 0);
    EXPECT_EQ(im["original_img_id"], im["id"]);
    const std::string cap = im["caption"];
    for (const std::string& h : tiny().heldout)  // held-out concepts are never named (so never boxed) in gold
      EXPECT_EQ(cap.find(h), std::string::npos) << cap;
    for (const auto& spans : im["tokens_positive_eval"]) ASSERT_EQ(spans.size(), 1u);
  }
  ASSERT_EQ(imgs.size(), 30u);
  size_t anns = 0;
  for (const auto& a : d["annotations"]) {
    const json& im = imgs.at(a["image_id"]);
    expect_box_inside(a["bbox"], im);
    const std::string cap = im["caption"];
    const int s = a["tokens_positive"][0][0], e = a["tokens_positive"][0][1];
    ASSERT_LT(s, e);
    ASSERT_LE(e, static_cast<int>(cap.size()));
    const std::string phrase = cap.substr(s, e - s);
    EXPECT_TRUE(std::regex_match(phrase, std::regex("(a|an|two|three|four|five|six|seven|eight) [a-z ]+"))) << phrase;
    bool listed = false;
    for (const auto& spans : im["tokens_positive_eval"]) listed |= spans[0][0] == s && spans[0][1] == e;
    EXPECT_TRUE(listed);
    ++anns;
  }
  // ODVG: the same boxes, as x1y1x2y2, with the phrase text.
  std::istringstream lines(read_file(dir_ + "/gold_grounding/odvg.jsonl"));
  std::string line;
  size_t regions = 0, n = 0;
  while (std::getline(lines, line)) {
    json j = json::parse(line);
    ++n;
    const std::string cap = j["grounding"]["caption"];
    EXPECT_TRUE(fs::exists(dir_ + "/gold_grounding/images/" + j["filename"].get<std::string>()));
    for (const auto& r : j["grounding"]["regions"]) {
      const int s = r["tokens_positive"][0][0], e = r["tokens_positive"][0][1];
      EXPECT_EQ(cap.substr(s, e - s), r["phrase"].get<std::string>());
      EXPECT_LT(r["bbox"][0].get<int>(), r["bbox"][2].get<int>());
      EXPECT_LE(r["bbox"][2].get<int>(), j["width"].get<int>());
      EXPECT_LE(r["bbox"][3].get<int>(), j["height"].get<int>());
      ++regions;
    }
  }
  EXPECT_EQ(n, 30u);
  EXPECT_EQ(regions, anns);
}

TEST_F(SynthWorld, WebShardsAreTarsOfCaptionedImagesNamingHeldOutConcepts) {
  ASSERT_EQ(summary_.web_shards.size(), 3u);  // 23 samples, 10 per shard
  int samples = 0, heldout_named = 0;
  for (const auto& shard : summary_.web_shards) {
    const std::string path = dir_ + "/" + shard;
    ASSERT_EQ(std::system(("tar -tf " + path + " > /dev/null").c_str()), 0) << path;
    auto entries = io::read_tar(read_file(path), path);
    ASSERT_EQ(entries.size() % 3, 0u);
    for (size_t i = 0; i < entries.size(); i += 3) {
      const std::string key = entries[i].first.substr(0, 6);
      EXPECT_EQ(entries[i].first, key + ".jpg");
      EXPECT_EQ(entries[i + 1].first, key + ".txt");
      EXPECT_EQ(entries[i + 2].first, key + ".json");
      EXPECT_EQ(entries[i].second.substr(0, 2), "\xff\xd8");  // JPEG magic
      json meta = json::parse(entries[i + 2].second);
      EXPECT_EQ(meta["caption"].get<std::string>() + "\n", entries[i + 1].second);
      EXPECT_FALSE(meta.contains("bbox"));
      for (const std::string& h : tiny().heldout)
        if (entries[i + 1].second.find(h) != std::string::npos) {
          ++heldout_named;
          break;
        }
      ++samples;
    }
  }
  EXPECT_EQ(samples, 23);
  EXPECT_GE(heldout_named, 8);  // most web captions name a held-out concept
}

TEST_F(SynthWorld, WebTruthHoldsTheBoxesBehindEachWebCaptionOutsideTheShards) {
  // web_truth/odvg.jsonl: line i is web sample i (key i), its caption and the box of each object phrase.
  std::vector<std::string> captions;
  for (const auto& shard : summary_.web_shards) {
    auto entries = io::read_tar(read_file(dir_ + "/" + shard), shard);
    for (size_t i = 1; i < entries.size(); i += 3) captions.push_back(entries[i].second);
  }
  std::istringstream lines(read_file(dir_ + "/web_truth/odvg.jsonl"));
  size_t n = 0, regions = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    ASSERT_LT(n, captions.size());
    const json j = json::parse(line);
    const std::string caption = j["grounding"]["caption"].get<std::string>();
    EXPECT_EQ(caption + "\n", captions[n]) << "line " << n;
    for (const auto& r : j["grounding"]["regions"]) {
      const auto span = r["tokens_positive"][0];
      EXPECT_EQ(caption.substr(span[0].get<size_t>(), span[1].get<size_t>() - span[0].get<size_t>()),
                r["phrase"].get<std::string>());
      EXPECT_LT(r["bbox"][0].get<double>(), r["bbox"][2].get<double>());
      ++regions;
    }
  }
  EXPECT_EQ(n, captions.size());
  EXPECT_GE(regions, n);  // every web caption names at least one object
}

TEST_F(SynthWorld, FlickrTreeParsesLikeTheReferenceReader) {
  const std::string root = dir_ + "/eval/flickr";
  std::istringstream ids(read_file(root + "/test.txt"));
  std::string id;
  int images = 0, scene_or_nobox = 0;
  const std::regex object(R"(<object>\s*<name>(\d+)</name>\s*(<bndbox>\s*<xmin>(\d+)</xmin>\s*<ymin>(\d+)</ymin>\s*)"
                          R"(<xmax>(\d+)</xmax>\s*<ymax>(\d+)</ymax>\s*</bndbox>|<nobndbox>([01])</nobndbox>\s*)"
                          R"(<scene>([01])</scene>)\s*</object>)");
  json mdetr = load("eval/flickr/final_flickr_separateGT_test.json");
  while (std::getline(ids, id)) {
    ++images;
    const std::string xml = read_file(root + "/Annotations/" + id + ".xml");
    EXPECT_NE(xml.find("<filename>" + id + ".jpg</filename>"), std::string::npos);
    EXPECT_NE(xml.find("<width>64</width>"), std::string::npos);
    EXPECT_TRUE(fs::exists(root + "/images/" + id + ".jpg"));
    std::map<std::string, int> boxes;
    std::set<std::string> nobox;
    for (std::sregex_iterator it(xml.begin(), xml.end(), object), end; it != end; ++it) {
      if ((*it)[3].matched) {
        ++boxes[(*it)[1]];
        EXPECT_LT(std::stoi((*it)[3]), std::stoi((*it)[5]));
        EXPECT_LE(std::stoi((*it)[6]), 64);
      } else {
        nobox.insert((*it)[1]);
        ++scene_or_nobox;
      }
    }
    // Sentences: the reference reader's tokenisation ("[/EN#id/type" starts, "word]" ends a phrase).
    std::istringstream sents(read_file(root + "/Sentences/" + id + ".txt"));
    std::string sent;
    int sid = 0;
    while (std::getline(sents, sent)) {
      std::istringstream toks(sent);
      std::string tok, current_id, plain;
      bool in_phrase = false;
      std::vector<std::string> with_boxes;
      while (toks >> tok) {
        if (in_phrase) {
          if (tok.back() == ']') in_phrase = false, tok.pop_back();
          plain += (plain.empty() ? "" : " ") + tok;
        } else if (tok[0] == '[') {
          in_phrase = true;
          current_id = tok.substr(5, tok.find('/', 2) - 5);
          EXPECT_TRUE(boxes.count(current_id) || nobox.count(current_id)) << current_id;
          if (boxes.count(current_id)) with_boxes.push_back(current_id);
        } else {
          plain += (plain.empty() ? "" : " ") + tok;
        }
      }
      EXPECT_FALSE(in_phrase) << sent;
      // The MDETR entry of this sentence: same text, one eval span per phrase with boxes.
      bool found = false;
      for (const auto& im : mdetr["images"])
        if (std::to_string(im["original_img_id"].get<int64_t>()) == id && im["sentence_id"] == sid) {
          found = true;
          EXPECT_EQ(im["caption"], plain);
          EXPECT_EQ(im["tokens_positive_eval"].size(), with_boxes.size());
        }
      EXPECT_TRUE(found) << id << " sentence " << sid;
      ++sid;
    }
    EXPECT_EQ(sid, 3);
  }
  EXPECT_EQ(images, 12);
  EXPECT_GT(scene_or_nobox, 0);
}

TEST_F(SynthWorld, LvisSplitIsConsistent) {
  json d = load("eval/lvis/lvis_v1_val.json");
  ASSERT_EQ(d["categories"].size(), 64u);
  std::map<int, json> cats;
  for (const auto& c : d["categories"]) {
    cats[c["id"]] = c;
    for (const char* key : {"name", "synset", "synonyms", "def", "frequency", "image_count", "instance_count"})
      EXPECT_TRUE(c.contains(key)) << key;
    const int64_t n = c["image_count"];
    EXPECT_EQ(c["frequency"], n <= 10 ? "r" : n <= 100 ? "c" : "f") << c["name"];
    EXPECT_LE(n, c["instance_count"].get<int64_t>());
  }
  // Held-out colour-shape combos are never in the gold splits: zero training images, rare.
  for (const char* name : {"green_heart", "blue_star", "orange_ring", "purple_cross"})
    for (const auto& [id, c] : cats)
      if (c["name"] == name) {
        EXPECT_EQ(c["image_count"], 0) << name;
      }
  // Counts agree with the gold splits: the instance total equals the number of gold boxes.
  int64_t instances = 0;
  for (const auto& [id, c] : cats) instances += c["instance_count"].get<int64_t>();
  EXPECT_EQ(instances, load("gold_det/instances.json")["annotations"].size() +
                           load("gold_grounding/mdetr.json")["annotations"].size());
  std::map<int64_t, std::set<int>> present;
  for (const auto& a : d["annotations"]) {
    present[a["image_id"]].insert(a["category_id"].get<int>());
    EXPECT_EQ(a["segmentation"][0].size(), 8u);
  }
  int not_exhaustive = 0;
  for (const auto& im : d["images"]) {
    EXPECT_EQ(im["coco_url"].get<std::string>(), "synth://lvis/images/" + im["file_name"].get<std::string>());
    for (int c : im["neg_category_ids"]) EXPECT_FALSE(present[im["id"]].count(c));
    for (int c : im["not_exhaustive_category_ids"]) {
      EXPECT_TRUE(present[im["id"]].count(c));
      ++not_exhaustive;
    }
  }
  EXPECT_GT(not_exhaustive, 0);
}

TEST_F(SynthWorld, ManifestAndPreview) {
  json w = load("world.json");
  EXPECT_EQ(w["seed"], 11);
  EXPECT_EQ(w["config_hash"].get<std::string>().size(), 16u);
  EXPECT_EQ(w["heldout_concepts"], json(tiny().heldout));
  EXPECT_EQ(w["splits"]["gold_det"]["images"], 30);
  EXPECT_EQ(w["splits"]["web"]["boxes"], 0);
  for (const char* split : {"gold_det", "gold_grounding"})
    for (const auto& [k, v] : w["splits"][split]["concepts"].items()) EXPECT_NE(k.rfind("heldout:", 0), 0u) << k;
  EXPECT_GT(w["splits"]["web"]["concepts"].size(), 0u);
  const std::string png = read_file(dir_ + "/preview.png");
  EXPECT_EQ(png.substr(1, 3), "PNG");
  const std::string text = format_summary(summary_);
  EXPECT_NE(text.find("gold_grounding"), std::string::npos);
  EXPECT_NE(text.find("green heart:"), std::string::npos);
}

}  // namespace
}  // namespace glip::synth
