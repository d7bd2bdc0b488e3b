#include <cstdio>

#include "glip/data/grounding_batch.h"

namespace glip::data {

std::string describe_batch(const TrainBatch& batch, const text::Tokenizer& tok) {
  std::string out;
  char buf[256];
  for (size_t k = 0; k < batch.captions.size(); ++k) {
    const auto& t = batch.targets[k];
    const auto ids = batch.text.input_ids[static_cast<int64_t>(k)].contiguous();
    const auto mask = batch.text.attention_mask[static_cast<int64_t>(k)].contiguous();
    std::vector<std::string> words;
    const auto enc = tok.encode(batch.captions[k], true);
    for (int64_t i = 0; i < ids.size(0) && mask[i].item<int64_t>() > 0; ++i)
      words.push_back(static_cast<size_t>(i) < enc.tokens.size() ? enc.tokens[static_cast<size_t>(i)] : "?");
    std::snprintf(buf, sizeof buf, "sample %zu (position %llu) %s, image %lldx%lld\n", k,
                  static_cast<unsigned long long>(k < batch.positions.size() ? batch.positions[k] : 0),
                  k < batch.origins.size() ? batch.origins[k].c_str() : "", (long long)batch.images.image_sizes[k][1],
                  (long long)batch.images.image_sizes[k][0]);
    out += buf;
    out += "  caption: " + batch.captions[k] + "\n  tokens:";
    for (size_t i = 0; i < words.size(); ++i) out += " " + std::to_string(i) + ":" + words[i];
    out += "\n";
    const int64_t n = t.boxes.defined() ? t.boxes.size(0) : 0;
    for (int64_t b = 0; b < n; ++b) {
      const auto box = t.boxes[b].contiguous();
      std::snprintf(buf, sizeof buf, "  box %lld label %lld [%.1f %.1f %.1f %.1f] ->", (long long)b,
                    (long long)t.labels[b].item<int64_t>(), box[0].item<float>(), box[1].item<float>(),
                    box[2].item<float>(), box[3].item<float>());
      out += buf;
      const auto row = t.positive_map[b];
      for (int64_t i = 0; i < row.size(0); ++i) {
        const float w = row[i].item<float>();
        if (w <= 0) continue;
        std::snprintf(buf, sizeof buf, " %lld:%s(%.2f)", (long long)i,
                      static_cast<size_t>(i) < words.size() ? words[static_cast<size_t>(i)].c_str() : "?", w);
        out += buf;
      }
      out += "\n";
    }
    if (t.ignored_tokens.defined()) {  // data.pseudo_unboxed = ignore: tokens left out of the token loss
      out += "  ignored tokens:";
      const auto ignored = t.ignored_tokens.to(at::kCPU).contiguous();
      for (int64_t i = 0; i < ignored.size(0); ++i)
        if (ignored[i].item<bool>())
          out += " " + std::to_string(i) + ":" +
                 (static_cast<size_t>(i) < words.size() ? words[static_cast<size_t>(i)] : "?");
      out += "\n";
    }
  }
  return out;
}

}  // namespace glip::data
