#include "glip/ops/nms.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <set>
#include <vector>

#include "glip/core/error.h"

namespace glip::ops {
namespace {

struct Box {
  double x1, y1, x2, y2;
};

double naive_iou(const Box& a, const Box& b, bool plus_one) {
  const double o = plus_one ? 1 : 0;
  const double w = std::max(0.0, std::min(a.x2, b.x2) - std::max(a.x1, b.x1) + o);
  const double h = std::max(0.0, std::min(a.y2, b.y2) - std::max(a.y1, b.y1) + o);
  const double inter = w * h;
  const double area_a = (a.x2 - a.x1 + o) * (a.y2 - a.y1 + o), area_b = (b.x2 - b.x1 + o) * (b.y2 - b.y1 + o);
  return inter / (area_a + area_b - inter);
}

// Textbook NMS: repeatedly take the best remaining box and drop every same-label box overlapping it too much.
std::vector<int64_t> naive_nms(const std::vector<Box>& boxes, const std::vector<double>& scores,
                               const std::vector<int64_t>& labels, double thr, bool plus_one) {
  std::vector<bool> alive(boxes.size(), true);
  std::vector<int64_t> keep;
  while (true) {
    int64_t best = -1;
    for (size_t i = 0; i < boxes.size(); ++i)
      if (alive[i] && (best < 0 || scores[i] > scores[best])) best = static_cast<int64_t>(i);
    if (best < 0) break;
    keep.push_back(best);
    alive[best] = false;
    for (size_t j = 0; j < boxes.size(); ++j)
      if (alive[j] && labels[j] == labels[best] && naive_iou(boxes[best], boxes[j], plus_one) > thr) alive[j] = false;
  }
  return keep;
}

struct Case {
  at::Tensor boxes, scores, labels;
  std::vector<Box> b;
  std::vector<double> s;
  std::vector<int64_t> l;
};

Case random_case(int n, int num_labels, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> pos(0, 60), size(1, 40), score(0, 1);
  std::uniform_int_distribution<int64_t> lab(1, num_labels);
  Case c;
  std::vector<float> flat;
  std::vector<float> sc;
  for (int i = 0; i < n; ++i) {
    // Round to floats first so the naive (double) and tested (float) paths see the same numbers.
    Box b{static_cast<float>(pos(gen)), static_cast<float>(pos(gen)), 0, 0};
    b.x2 = static_cast<float>(b.x1 + size(gen));
    b.y2 = static_cast<float>(b.y1 + size(gen));
    c.b.push_back(b);
    flat.insert(flat.end(), {float(b.x1), float(b.y1), float(b.x2), float(b.y2)});
    sc.push_back(static_cast<float>(score(gen)));
    c.s.push_back(sc.back());
    c.l.push_back(lab(gen));
  }
  c.boxes = at::tensor(flat).view({n, 4});
  c.scores = at::tensor(sc);
  c.labels = at::tensor(c.l);
  return c;
}

std::vector<int64_t> to_vec(const at::Tensor& t) {
  auto c = t.contiguous();
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

}  // namespace

TEST(Nms, HandCheckedPlusOneAndStrictThreshold) {
  // Box 1 overlaps box 0 with IoU exactly 0.5 under +1 (10x10 boxes shifted so the overlap is 100/200... ):
  // [0,0,9,9] and [0,0,9,4] -> inter 10*5 = 50, union 100 + 50 - 50 = 100 -> IoU 0.5.
  auto boxes = at::tensor({0.f, 0.f, 9.f, 9.f, 0.f, 0.f, 9.f, 4.f, 50.f, 50.f, 60.f, 60.f}).view({3, 4});
  auto scores = at::tensor({0.9f, 0.8f, 0.7f});
  EXPECT_EQ(to_vec(nms(boxes, scores, 0.5)), (std::vector<int64_t>{0, 1, 2}));  // not > 0.5: kept
  EXPECT_EQ(to_vec(nms(boxes, scores, 0.49)), (std::vector<int64_t>{0, 2}));
  // Without +1 the overlap is 9*4 / 81 = 0.444.
  EXPECT_EQ(to_vec(nms(boxes, scores, 0.45, false)), (std::vector<int64_t>{0, 1, 2}));
  // Class-wise: a different label is never suppressed; the output is in decreasing score order.
  auto labels = at::tensor({int64_t{1}, int64_t{2}, int64_t{1}});
  EXPECT_EQ(to_vec(batched_nms(boxes, at::tensor({0.5f, 0.8f, 0.7f}), labels, 0.1)), (std::vector<int64_t>{1, 2, 0}));
}

TEST(Nms, MatchesNaiveOnRandomBoxes) {
  for (unsigned seed = 0; seed < 20; ++seed) {
    auto c = random_case(150, 1, seed);
    for (double thr : {0.3, 0.6}) {
      auto got = to_vec(nms(c.boxes, c.scores, thr));
      EXPECT_EQ(got, naive_nms(c.b, c.s, c.l, thr, true)) << "seed " << seed << " thr " << thr;
      // Double precision input gives the same answer.
      EXPECT_EQ(to_vec(nms(c.boxes.to(at::kDouble), c.scores.to(at::kDouble), thr)), got);
    }
  }
}

TEST(Nms, ClassWiseMatchesNaiveOnRandomBoxes) {
  for (unsigned seed = 0; seed < 20; ++seed) {
    auto c = random_case(200, 4, 100 + seed);
    auto got = to_vec(batched_nms(c.boxes, c.scores, c.labels, 0.6));
    EXPECT_EQ(got, naive_nms(c.b, c.s, c.l, 0.6, true)) << "seed " << seed;
    // Float labels (as the CUDA ml_nms takes them) behave the same.
    EXPECT_EQ(to_vec(batched_nms(c.boxes, c.scores, c.labels.to(at::kFloat), 0.6)), got);
    auto plain = to_vec(nms(c.boxes, c.scores, 0.6));
    EXPECT_LE(plain.size(), got.size());
  }
}

TEST(Nms, EmptyInputAndBadShapes) {
  EXPECT_EQ(nms(at::zeros({0, 4}), at::zeros({0}), 0.5).numel(), 0);
  EXPECT_EQ(batched_nms(at::zeros({0, 4}), at::zeros({0}), at::zeros({0}, at::kLong), 0.5).numel(), 0);
  EXPECT_THROW(nms(at::zeros({3, 4}), at::zeros({2}), 0.5), Error);
  EXPECT_THROW(nms(at::zeros({3, 5}), at::zeros({3}), 0.5), Error);
  EXPECT_THROW(batched_nms(at::zeros({3, 4}), at::zeros({3}), at::zeros({2}), 0.5), Error);
}

}  // namespace glip::ops
