#include "glip/data/grounding_batch.h"

#include <cmath>

#include "glip/core/error.h"
#include "glip/core/logging.h"
#include "glip/data/boxes.h"
#include "glip/text/positive_map.h"
#include "glip/text/text_batch.h"

namespace glip::data {
namespace {

std::vector<size_t> sizes_of(const std::vector<RecordSet>& sets) {
  std::vector<size_t> s;
  for (const auto& d : sets) s.push_back(d.records.size());
  return s;
}

// Clips boxes to the image and drops those left empty (or with a non-finite coordinate), as the official
// BoxList.clip_to_image(remove_empty=True) / ConvertCocoPolysToMask keep-filter do: x to [0, w - 1], y to
// [0, h - 1] (glip/data/boxes.h); the rest of the sample trains. Returns a description of each dropped box.
std::vector<std::string> clip_boxes(std::vector<BoxAnnotation>& boxes, int64_t w, int64_t h) {
  std::vector<std::string> dropped;
  std::vector<BoxAnnotation> kept;
  for (auto& b : boxes) {
    const auto x = b.xyxy;
    const bool finite = std::isfinite(x[0]) && std::isfinite(x[1]) && std::isfinite(x[2]) && std::isfinite(x[3]);
    if (finite && clip_box_to_image(b.xyxy, w, h)) {
      kept.push_back(std::move(b));
    } else {
      dropped.push_back(str_cat("box [", x[0], ", ", x[1], ", ", x[2], ", ", x[3], "] ",
                                finite ? "empty after clipping to the " : "non-finite in the ", w, "x", h, " image"));
    }
  }
  boxes = std::move(kept);
  return dropped;
}

}  // namespace

ImageBatch pad_images(const std::vector<at::Tensor>& images, int64_t divisibility) {
  GLIP_CHECK(!images.empty(), "pad_images: empty batch");
  int64_t H = 0, W = 0;
  for (const auto& im : images) H = std::max(H, im.size(1)), W = std::max(W, im.size(2));
  if (divisibility > 0) {
    H = (H + divisibility - 1) / divisibility * divisibility;
    W = (W + divisibility - 1) / divisibility * divisibility;
  }
  ImageBatch out;
  out.images = at::zeros({static_cast<int64_t>(images.size()), 3, H, W}, images[0].options());
  for (size_t k = 0; k < images.size(); ++k) {
    const auto& im = images[k];
    out.images[static_cast<int64_t>(k)].narrow(1, 0, im.size(1)).narrow(2, 0, im.size(2)).copy_(im);
    out.image_sizes.push_back({im.size(1), im.size(2)});
  }
  return out;
}

GroundingBatchBuilder::GroundingBatchBuilder(std::vector<RecordSet> datasets, std::vector<double> weights,
                                             std::shared_ptr<const text::Tokenizer> tokenizer,
                                             BatchBuilderOptions options)
    : datasets_(std::move(datasets)),
      tok_(std::move(tokenizer)),
      opt_(std::move(options)),
      schedule_(sizes_of(datasets_), std::move(weights), opt_.seed),
      bad_(std::make_unique<BadSampleGuard>(opt_.max_bad_fraction)) {
  GLIP_CHECK(tok_, "GroundingBatchBuilder needs a tokenizer");
  for (const auto& d : datasets_) {
    std::map<int64_t, std::string> cls;
    for (const auto& c : d.categories) cls[c.id] = c.name;
    text::ClassPrompts parts;
    for (const auto& [id, affix] : d.prompt_affixes) {
      GLIP_CHECK_INPUT(cls.count(id), "dataset '", d.name, "': prompt prefix/suffix for unknown category id ", id);
      parts[id] = {affix.first, cls.at(id), affix.second};
    }
    class_prompts_.push_back(std::move(parts));
    // Box labels are contiguous and 1-based in the categories' file order, whatever the ids (official
    // json_category_id_to_contiguous_id): 0 is background in the loss, and an id of 0 is a category.
    std::map<int64_t, int64_t> contiguous;
    for (const auto& c : d.categories) contiguous.emplace(c.id, static_cast<int64_t>(contiguous.size()) + 1);
    contiguous_.push_back(std::move(contiguous));
    GLIP_CHECK_INPUT(!d.is_detection || !cls.empty(), "dataset '", d.name,
                     "' is a detection dataset without categories");
    if (d.is_detection && d.disable_shuffle) {
      // The fixed prompt is the same for every sample: say once when the tokenizer will cut classes off it.
      std::mt19937_64 unused;
      text::DetectionPromptOptions popt = opt_.prompt;
      popt.disable_shuffle = true;
      popt.class_prompts = &class_prompts_.back();
      const std::string prompt = text::build_detection_training_prompt({}, cls, *tok_, unused, popt).prompt.text;
      const int64_t tokens = tok_->count_tokens(prompt);
      if (tokens > opt_.max_query_len - 2)
        GLIP_LOG_WARN(
            "[data] dataset '{}': the all-category prompt (disable_shuffle) is {} tokens, more than the "
            "{} a query holds: the categories past the cut get no target (as in the official training)",
            d.name, tokens, opt_.max_query_len - 2);
    }
    classes_.push_back(std::move(cls));
  }
}

GroundingBatchBuilder::Sample GroundingBatchBuilder::try_sample(const RecordSet& set, size_t index,
                                                                uint64_t seed) const {
  const Record& record = set.records[index];
  std::mt19937_64 rng(seed);
  at::Tensor img = decode_image(record.image);
  Record r = record;
  for (const auto& why : clip_boxes(r.boxes, img.size(1), img.size(0))) bad_->dropped_box(r.origin, why);
  Sample s;
  s.origin = r.origin;
  if (set.is_detection) {
    std::vector<int64_t> labels;
    for (const auto& b : r.boxes) labels.push_back(b.category_id);
    const size_t d = static_cast<size_t>(&set - datasets_.data());
    text::DetectionPromptOptions popt = opt_.prompt;
    if (!class_prompts_[d].empty()) popt.class_prompts = &class_prompts_[d];
    popt.disable_shuffle = set.disable_shuffle;
    auto prompt = text::build_detection_training_prompt(labels, classes_[d], *tok_, rng, popt);
    std::vector<BoxAnnotation> kept;
    for (size_t k = 0; k < prompt.kept_boxes.size(); ++k) {
      BoxAnnotation b = r.boxes[static_cast<size_t>(prompt.kept_boxes[k])];
      b.spans = {{prompt.box_spans[k].first, prompt.box_spans[k].second}};
      kept.push_back(b);
      s.labels.push_back(contiguous_[d].at(prompt.box_labels[k]));
    }
    r.boxes = std::move(kept);
    r.caption = prompt.prompt.text;
  } else {
    GLIP_CHECK_INPUT(!r.caption.empty(), r.origin, ": grounding sample without a caption");
    // Official CaptionTSV packing: other captions of the set as negatives, the spans moved with the positive.
    // Its own draw stream, so that the other draws of the sample are the same with packing on or off.
    if (set.pack_captions && opt_.packing.enabled())
      pack_record(r, index, set, *tok_, opt_.packing, splitmix64(seed ^ 0x7061636B696E67ULL));
    for (size_t k = 0; k < r.boxes.size(); ++k) s.labels.push_back(static_cast<int64_t>(k) + 1);
  }
  s.t = transform_sample(r, img, opt_.transforms, rng);
  return s;
}

GroundingBatchBuilder::Sample GroundingBatchBuilder::make_sample(uint64_t position) const {
  uint64_t draw = position;
  for (int attempt = 0;; ++attempt) {
    const auto [d, i] = schedule_.at(draw);
    const auto& rec = datasets_[d].records[i];
    try {
      Sample s = try_sample(datasets_[d], i, splitmix64(opt_.seed ^ splitmix64(draw)));
      s.position = position;
      bad_->good();
      return s;
    } catch (const std::exception& e) {
      // InputError (corrupt image, missing file), or a library's exception on a sample it cannot take (OpenCV,
      // LibTorch): either way this sample's fault; replaced and counted, and too many of them stop the run.
      bad_->bad(rec.origin.empty() ? rec.image.path : rec.origin, e.what());
      GLIP_CHECK_INPUT(attempt + 1 < opt_.max_retries, "data: ", opt_.max_retries,
                       " bad samples in a row while replacing position ", position, "; last: ", e.what());
      draw = splitmix64(draw + 0x9E37 * static_cast<uint64_t>(attempt + 1)) % (schedule_.epoch_length() * 1024);
    }
  }
}

TrainBatch GroundingBatchBuilder::build(int64_t iteration, int rank, int world, int64_t batch) const {
  std::vector<uint64_t> positions;
  for (int64_t j = 0; j < batch; ++j) positions.push_back(SampleSchedule::position(iteration, rank, world, batch, j));
  return build_at(positions);
}

TrainBatch GroundingBatchBuilder::build_at(const std::vector<uint64_t>& positions) const {
  GLIP_CHECK(!positions.empty(), "GroundingBatchBuilder: empty batch");
  std::vector<Sample> samples;
  for (const uint64_t p : positions) samples.push_back(make_sample(p));
  TrainBatch out;
  std::vector<at::Tensor> images;
  for (auto& s : samples) {
    images.push_back(s.t.image);
    out.captions.push_back(s.t.caption);
    out.origins.push_back(s.origin);
    out.positions.push_back(s.position);
  }
  out.images = pad_images(images, opt_.size_divisibility);
  std::vector<text::Encoding> encodings;
  out.text = text::encode_batch(*tok_, out.captions, opt_.max_query_len, &encodings);
  auto offsets = [](const std::vector<Span>& spans) {
    std::vector<text::Offset> sp;
    for (const auto& s : spans) sp.emplace_back(s[0], s[1]);
    return sp;
  };
  for (size_t k = 0; k < samples.size(); ++k) {
    const auto& boxes = samples[k].t.boxes;
    std::vector<std::vector<text::Offset>> spans;
    for (const auto& b : boxes) spans.push_back(offsets(b.spans));
    at::Tensor pmap = text::create_positive_map(encodings[k], spans, /*normalize=*/true, opt_.max_query_len);
    // Boxes whose phrase was truncated away (no token left) carry no target; drop them.
    std::vector<int64_t> keep;
    for (int64_t r = 0; r < pmap.size(0); ++r)
      if (pmap[r].sum().item<float>() > 0) keep.push_back(r);
    at::Tensor idx = at::tensor(keep, at::kLong);
    at::Tensor xyxy = at::empty({static_cast<int64_t>(boxes.size()), 4}, at::kFloat);
    for (size_t b = 0; b < boxes.size(); ++b)
      for (int c = 0; c < 4; ++c) xyxy[static_cast<int64_t>(b)][c] = boxes[b].xyxy[static_cast<size_t>(c)];
    GroundingTarget t;
    t.boxes = xyxy.index_select(0, idx);
    t.positive_map = pmap.index_select(0, idx);
    t.labels = at::tensor(samples[k].labels, at::kLong).index_select(0, idx);
    const auto& ignored = samples[k].t.ignored_spans;
    if (!ignored.empty()) {
      // A token both ignored and a box's positive (spans that overlap) keeps its target.
      t.ignored_tokens =
          (text::create_positive_map(encodings[k], {offsets(ignored)}, /*normalize=*/false, opt_.max_query_len)[0] > 0)
              .logical_and(pmap.sum(0) == 0);
    }
    out.targets.push_back(std::move(t));
  }
  return out;
}

}  // namespace glip::data
