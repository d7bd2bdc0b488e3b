#include "glip/data/transforms.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

#include "glip/core/error.h"
#include "glip/data/boxes.h"
#include "glip/io/image.h"
#include "glip/io/tar.h"
#include "glip/text/unicode.h"

namespace glip::data {

std::array<int64_t, 2> resized_size(int64_t h, int64_t w, int64_t size, int64_t max_size) {
  if (max_size > 0) {
    const double mn = static_cast<double>(std::min(w, h)), mx = static_cast<double>(std::max(w, h));
    if (mx / mn * static_cast<double>(size) > static_cast<double>(max_size))
      size = static_cast<int64_t>(std::lround(static_cast<double>(max_size) * mn / mx));
  }
  // An extreme aspect ratio (1 x 5000) would round a side to 0 pixels, which OpenCV cannot resize to: keep >= 1.
  size = std::max<int64_t>(size, 1);
  if ((w <= h && w == size) || (h <= w && h == size)) return {h, w};
  if (w < h) return {std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(size) * h / w)), size};
  return {size, std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(size) * w / h))};
}

at::Tensor decode_image(const ImageSource& source) {
  const std::string what = source.member.empty() ? source.path : source.path + "#" + source.member;
  cv::Mat img;  // decoded through glip/io/image.h so that GLIP_IMAGE_IO=minimal builds need no imgcodecs
  if (source.member.empty()) {
    img = io::read_image(source.path);
  } else if (source.offset > 0) {  // located by the reader that listed the shard: read in place
    img = io::decode_image(io::read_tar_member(source.path, {source.member, source.offset, source.size}), what);
  } else {  // not located (a record built by hand): search the shard
    for (const auto& m : io::list_tar(source.path)) {
      if (m.name != source.member) continue;
      img = io::decode_image(io::read_tar_member(source.path, m), what);
      break;
    }
  }
  GLIP_CHECK_INPUT(!img.empty(), "cannot decode image '", what, "' (missing, truncated or not an image)");
  at::Tensor t = at::empty({img.rows, img.cols, 3}, at::kByte);
  for (int r = 0; r < img.rows; ++r)
    std::memcpy(t.data_ptr<uint8_t>() + static_cast<int64_t>(r) * img.cols * 3, img.ptr(r),
                static_cast<size_t>(img.cols) * 3);
  return t;
}

std::string swap_left_right(const std::string& caption, std::vector<BoxAnnotation>& boxes,
                            std::vector<Span>* more_spans) {
  // Work in code points so spans (code-point offsets) can be remapped exactly.
  std::vector<std::string> cps;
  const std::vector<int64_t> starts = text::utf8_cp_byte_offsets(caption);
  for (size_t k = 0; k + 1 < starts.size(); ++k)
    cps.push_back(caption.substr(static_cast<size_t>(starts[k]), static_cast<size_t>(starts[k + 1] - starts[k])));
  const size_t n = cps.size();
  auto is_word = [&](size_t k) {
    return k < n && cps[k].size() == 1 && std::isalnum(static_cast<unsigned char>(cps[k][0]));
  };
  auto word_at = [&](size_t k, const char* w, size_t len) {
    if (k + len > n || (k > 0 && is_word(k - 1)) || is_word(k + len)) return false;
    for (size_t j = 0; j < len; ++j)
      if (cps[k + j].size() != 1 || std::tolower(static_cast<unsigned char>(cps[k + j][0])) != w[j]) return false;
    return true;
  };
  // Boundary maps: old boundary b (0..n) -> new boundary, rounding boundaries inside a replaced word down
  // (for span starts) or up (for span ends).
  std::vector<int64_t> lo(n + 1), hi(n + 1);
  std::string out;
  int64_t pos = 0;
  for (size_t k = 0; k < n;) {
    size_t len = word_at(k, "left", 4) ? 4 : word_at(k, "right", 5) ? 5 : 0;
    if (len) {
      std::string repl = len == 4 ? "right" : "left";
      if (std::isupper(static_cast<unsigned char>(cps[k][0]))) repl[0] = static_cast<char>(std::toupper(repl[0]));
      const int64_t end = pos + static_cast<int64_t>(repl.size());
      lo[k] = hi[k] = pos;
      for (size_t j = 1; j < len; ++j) lo[k + j] = pos, hi[k + j] = end;
      out += repl;
      pos = end;
      k += len;
      continue;
    }
    lo[k] = hi[k] = pos++;
    out += cps[k++];
  }
  lo[n] = hi[n] = pos;
  auto remap = [&](Span& s) {
    s[0] = lo[static_cast<size_t>(std::clamp<int64_t>(s[0], 0, static_cast<int64_t>(n)))];
    s[1] = hi[static_cast<size_t>(std::clamp<int64_t>(s[1], 0, static_cast<int64_t>(n)))];
  };
  for (auto& b : boxes)
    for (auto& s : b.spans) remap(s);
  if (more_spans)
    for (auto& s : *more_spans) remap(s);
  return out;
}

TransformedSample transform_sample(const Record& record, const at::Tensor& bgr_u8, const TransformOptions& opts,
                                   std::mt19937_64& rng) {
  GLIP_CHECK(!opts.min_size.empty(), "transforms: min_size must not be empty");
  TransformedSample out;
  out.orig_h = bgr_u8.size(0);
  out.orig_w = bgr_u8.size(1);
  std::uniform_int_distribution<size_t> pick(0, opts.min_size.size() - 1);
  const int64_t short_side = opts.min_size[opts.min_size.size() == 1 ? 0 : pick(rng)];
  const auto [oh, ow] = resized_size(out.orig_h, out.orig_w, short_side, opts.max_size);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  out.flipped = opts.flip_prob > 0 && unit(rng) < opts.flip_prob;

  cv::Mat src(static_cast<int>(out.orig_h), static_cast<int>(out.orig_w), CV_8UC3, bgr_u8.data_ptr<uint8_t>());
  cv::Mat resized;
  cv::resize(src, resized, cv::Size(static_cast<int>(ow), static_cast<int>(oh)), 0, 0, cv::INTER_LINEAR);
  if (out.flipped) cv::flip(resized, resized, 1);
  at::Tensor img = at::from_blob(resized.data, {oh, ow, 3}, at::kByte).permute({2, 0, 1}).to(at::kFloat);
  at::Tensor mean =
      at::tensor({opts.pixel_mean[0], opts.pixel_mean[1], opts.pixel_mean[2]}, at::kFloat).view({3, 1, 1});
  at::Tensor stdv = at::tensor({opts.pixel_std[0], opts.pixel_std[1], opts.pixel_std[2]}, at::kFloat).view({3, 1, 1});
  out.image = ((img - mean) / stdv).contiguous();

  const float sx = static_cast<float>(ow) / static_cast<float>(out.orig_w);
  const float sy = static_cast<float>(oh) / static_cast<float>(out.orig_h);
  out.boxes = record.boxes;
  for (auto& b : out.boxes) {
    b.xyxy = resize_box(b.xyxy, sx, sy);                        // BoxList.resize
    if (out.flipped) b.xyxy = flip_box_left_right(b.xyxy, ow);  // BoxList.transpose(FLIP_LEFT_RIGHT), TO_REMOVE = 1
  }
  out.ignored_spans = record.ignored_spans;
  out.caption = out.flipped ? swap_left_right(record.caption, out.boxes, &out.ignored_spans) : record.caption;
  return out;
}

}  // namespace glip::data
