// Renders every split of the synthetic world into a temporary folder, then renames it into place.
#include "glip/synth/world.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "files.h"
#include "glip/core/logging.h"
#include "glip/io/image.h"
#include "glip/io/tar.h"
#include "glip/synth/writers.h"
#include "preview.h"
#include "summary.h"

namespace glip::synth {
namespace fs = std::filesystem;
namespace {

enum SplitId : uint64_t { kGoldDet = 1, kGoldGrounding = 2, kWeb = 3, kEvalCoco = 4, kEvalFlickr = 5, kEvalLvis = 6 };

uint64_t image_stream(SplitId split, int64_t i) { return (static_cast<uint64_t>(split) << 32) | uint64_t(i); }
uint64_t caption_stream(SplitId split, int64_t i) { return image_stream(split, i) | (1ULL << 48); }

// Runs fn(i) for i in [0, n) on `threads` threads; rethrows the first exception.
template <typename F>
void parallel_for(int64_t n, int threads, F fn) {
  std::atomic<int64_t> next{0};
  std::exception_ptr error;
  std::atomic<bool> failed{false};
  auto work = [&] {
    for (int64_t i; !failed && (i = next++) < n;) {
      try {
        fn(i);
      } catch (...) {
        if (!failed.exchange(true)) error = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

std::string numbered(int64_t i, const char* ext) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%06lld%s", static_cast<long long>(i), ext);
  return buf;
}

ImageRecord make_record(const Scene& s, int64_t id, const std::string& file) {
  ImageRecord r;
  r.id = id;
  r.file_name = file;
  r.width = s.image.cols;
  r.height = s.image.rows;
  r.objects = s.objects;
  r.background = s.background;
  return r;
}

struct Generator {
  const WorldOptions& o;
  SceneRenderer renderer;
  int threads;
  std::string root;

  // Renders a detection-only split (COCO / LVIS): images written, records returned.
  std::vector<ImageRecord> detection_split(SplitId id, SplitKind kind, int64_t n, const std::string& dir) {
    fs::create_directories(root + "/" + dir + "/images");
    std::vector<ImageRecord> recs(n);
    parallel_for(n, threads, [&](int64_t i) {
      Scene s = renderer.render(kind, image_stream(id, i));
      recs[i] = make_record(s, i + 1, numbered(i, ".jpg"));
      write_bytes(root + "/" + dir + "/images/" + recs[i].file_name, io::encode_jpeg(s.image, int(o.jpeg_quality)));
    });
    return recs;
  }

  // Renders a captioned split; images go to `dir`/images when `dir` is set, else into `jpegs`.
  std::vector<GroundedRecord> grounded_split(SplitId id, SplitKind kind, int64_t n, const std::string& dir,
                                             std::vector<std::string>* jpegs, std::vector<PreviewSample>* preview) {
    if (!dir.empty()) fs::create_directories(root + "/" + dir + "/images");
    std::vector<GroundedRecord> recs(n);
    if (jpegs) jpegs->assign(n, "");
    std::vector<cv::Mat> keep(preview ? std::min<int64_t>(n, o.preview_samples) : 0);
    parallel_for(n, threads, [&](int64_t i) {
      Scene s = renderer.render(kind, image_stream(id, i));
      Rng rng(renderer_seed, caption_stream(id, i));
      GroundedRecord& r = recs[i];
      r.image = make_record(s, i + 1, numbered(i, ".jpg"));
      r.entities = group_entities(s);
      std::vector<int> order(r.entities.size());
      for (size_t k = 0; k < order.size(); ++k) order[k] = static_cast<int>(k);
      rng.shuffle(order);
      r.caption = compose_caption(s, r.entities, order, o, rng);
      std::string jpg = io::encode_jpeg(s.image, int(o.jpeg_quality));
      if (jpegs) (*jpegs)[i] = std::move(jpg);
      else write_bytes(root + "/" + dir + "/images/" + r.image.file_name, jpg);
      if (i < static_cast<int64_t>(keep.size())) keep[i] = s.image;
    });
    for (size_t i = 0; i < keep.size(); ++i) {
      PreviewSample p{keep[i], {}, recs[i].caption.text};
      for (const auto& ph : recs[i].caption.phrases)
        for (int k : recs[i].entities[ph.entity].objects) p.boxes.emplace_back(recs[i].image.objects[k].box, ph.text);
      preview->push_back(p);
    }
    return recs;
  }

  std::vector<FlickrRecord> flickr_split(int64_t n, const std::string& dir) {
    fs::create_directories(root + "/" + dir + "/images");
    std::vector<FlickrRecord> recs(n);
    parallel_for(n, threads, [&](int64_t i) {
      Scene s = renderer.render(SplitKind::kEval, image_stream(kEvalFlickr, i));
      Rng rng(renderer_seed, caption_stream(kEvalFlickr, i));
      FlickrRecord& r = recs[i];
      r.image = make_record(s, 1000000 + i, std::to_string(1000000 + i) + ".jpg");
      r.entities = group_entities(s);
      for (int64_t k = 0; k < o.flickr_sentences; ++k) {
        std::vector<int> order(r.entities.size());
        for (size_t e = 0; e < order.size(); ++e) order[e] = static_cast<int>(e);
        rng.shuffle(order);
        order.resize(static_cast<size_t>(rng.between(1, static_cast<int>(order.size()))));
        ComposeOptions co;
        co.tokenized = true;
        co.scene_phrase = rng.chance(0.5);
        co.notvisual_phrase = rng.chance(0.2);
        Caption c = compose_caption(s, r.entities, order, o, rng, co);
        for (int retry = 0; retry < 4; ++retry) {  // prefer sentences that differ from the earlier ones
          bool seen = false;
          for (const auto& prev : r.sentences) seen |= prev.text == c.text;
          if (!seen) break;
          rng.shuffle(order);
          c = compose_caption(s, r.entities, order, o, rng, co);
        }
        r.sentences.push_back(c);
      }
      write_bytes(root + "/" + dir + "/images/" + r.image.file_name, io::encode_jpeg(s.image, int(o.jpeg_quality)));
    });
    return recs;
  }

  uint64_t renderer_seed;
};

void replace_dir(const std::string& tmp, const std::string& out) {
  std::error_code ec;
  const std::string old = out + ".old-" + std::to_string(::getpid());
  const bool had = fs::exists(out);
  if (had) fs::rename(out, old, ec);
  GLIP_CHECK(!ec, "cannot move the previous '", out, "' aside: ", ec.message());
  fs::rename(tmp, out, ec);
  if (ec && had) fs::rename(old, out);
  GLIP_CHECK(!ec, "cannot rename '", tmp, "' to '", out, "': ", ec.message());
  if (had) fs::remove_all(old, ec);
}

}  // namespace

WorldSummary generate_world(const WorldOptions& options, uint64_t seed, const std::string& out_dir, int threads) {
  const auto t0 = std::chrono::steady_clock::now();
  validate(options);
  GLIP_CHECK_INPUT(!out_dir.empty(), "the output folder must not be empty");
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  fs::path out = fs::absolute(out_dir).lexically_normal();
  if (!out.has_filename()) out = out.parent_path();
  fs::create_directories(out.parent_path());
  const std::string tmp = out.string() + ".tmp-" + std::to_string(::getpid());
  fs::remove_all(tmp);
  fs::create_directories(tmp);

  try {
    Generator g{options, SceneRenderer(options, seed), threads, tmp, seed};
    const WorldOptions& o = options;
    std::vector<PreviewSample> preview;

    auto gold_det = g.detection_split(kGoldDet, SplitKind::kGold, o.gold_det_images, "gold_det");
    write_bytes(tmp + "/gold_det/instances.json", coco_detection_json(gold_det, o));

    auto gold_gr = g.grounded_split(kGoldGrounding, SplitKind::kGold, o.gold_grounding_images, "gold_grounding",
                                    nullptr, &preview);
    write_bytes(tmp + "/gold_grounding/mdetr.json", mdetr_json(gold_gr, o, "synth"));
    write_bytes(tmp + "/gold_grounding/odvg.jsonl", odvg_jsonl(gold_gr));

    std::vector<std::string> jpegs;
    auto web = g.grounded_split(kWeb, SplitKind::kWeb, o.web_images, "", &jpegs, nullptr);
    fs::create_directories(tmp + "/web");
    std::vector<std::string> shards;
    for (int64_t start = 0; start < o.web_images; start += o.web_shard_size) {
      io::TarBuilder tar;
      for (int64_t i = start; i < std::min(o.web_images, start + o.web_shard_size); ++i) {
        const std::string key = numbered(i, "");
        tar.add(key + ".jpg", jpegs[i]);
        tar.add(key + ".txt", web[i].caption.text + "\n");
        tar.add(key + ".json", web_sample_json(web[i], key));
      }
      shards.push_back("web/web-" + numbered(start / o.web_shard_size, ".tar"));
      write_bytes(tmp + "/" + shards.back(), tar.finish());
    }
    // The boxes behind the web captions, which a real web crawl does not have: kept apart from web/ (the loop never
    // reads them) to measure pseudo-labels against (scripts/research/pseudo_label_quality.py).
    fs::create_directories(tmp + "/web_truth");
    write_bytes(tmp + "/web_truth/odvg.jsonl", odvg_jsonl(web));

    auto coco = g.detection_split(kEvalCoco, SplitKind::kEval, o.eval_coco_images, "eval/coco");
    write_bytes(tmp + "/eval/coco/instances.json", coco_detection_json(coco, o));

    auto flickr = g.flickr_split(o.eval_flickr_images, "eval/flickr");
    write_flickr_tree(tmp + "/eval/flickr", flickr);
    write_bytes(tmp + "/eval/flickr/final_flickr_separateGT_test.json", flickr_mdetr_json(flickr, o));

    auto lvis = g.detection_split(kEvalLvis, SplitKind::kEval, o.eval_lvis_images, "eval/lvis");
    CategoryCounts train = category_counts(gold_det, gold_gr, o);
    std::vector<LvisImageLabels> labels;
    for (size_t i = 0; i < lvis.size(); ++i) {
      Rng rng(seed, caption_stream(kEvalLvis, static_cast<int64_t>(i)));
      labels.push_back(lvis_labels(lvis[i], o, rng));
    }
    write_bytes(tmp + "/eval/lvis/lvis_v1_val.json", lvis_json(lvis, labels, train, o));

    if (preview.empty())  // no grounding split: show detection boxes instead
      for (size_t i = 0; i < gold_det.size() && preview.size() < size_t(o.preview_samples); ++i) {
        Scene s = g.renderer.render(SplitKind::kGold, image_stream(kGoldDet, static_cast<int64_t>(i)));
        PreviewSample p{s.image, {}, "gold detection sample"};
        for (const auto& obj : s.objects) p.boxes.emplace_back(obj.box, o.shapes[obj.spec.shape]);
        preview.push_back(p);
      }
    write_bytes(tmp + "/preview.png", render_preview_png(preview));

    WorldSummary sum = summarize(o, seed, g.renderer, gold_det, gold_gr, web, coco, flickr, lvis, train);
    sum.web_shards = shards;
    write_bytes(tmp + "/world.json", manifest_json(sum, o));
    replace_dir(tmp, out.string());
    sum.out_dir = out.string();
    sum.preview_path = out.string() + "/preview.png";
    sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return sum;
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  }
}

}  // namespace glip::synth
