#include "glip/modeling/head/atss_assigner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "common/test_utils.h"
#include "glip/core/error.h"

namespace glip::modeling {
namespace {

using Row = std::array<double, 4>;

double iou1(const Row& a, const Row& b) {
  const double w = std::max(0.0, std::min(a[2], b[2]) - std::max(a[0], b[0]) + 1);
  const double h = std::max(0.0, std::min(a[3], b[3]) - std::max(a[1], b[1]) + 1);
  const double inter = w * h;
  return inter / ((a[2] - a[0] + 1) * (a[3] - a[1] + 1) + (b[2] - b[0] + 1) * (b[3] - b[1] + 1) - inter);
}

// Loop-by-loop ATSS (labels only), written from the paper's description with the official details.
std::vector<int64_t> naive_atss(const std::vector<std::vector<Row>>& levels, const std::vector<Row>& gts,
                                const std::vector<int64_t>& labels, int topk) {
  std::vector<Row> all;
  for (const auto& l : levels) all.insert(all.end(), l.begin(), l.end());
  std::vector<double> best(all.size(), -INFINITY);
  std::vector<int64_t> out(all.size(), 0);
  for (size_t g = 0; g < gts.size(); ++g) {
    const auto& gt = gts[g];
    const double gx = (gt[0] + gt[2]) / 2, gy = (gt[1] + gt[3]) / 2;
    std::vector<size_t> cand;
    size_t start = 0;
    for (const auto& l : levels) {
      std::vector<size_t> idx(l.size());
      std::iota(idx.begin(), idx.end(), start);
      auto dist = [&](size_t i) {
        const double ax = (all[i][0] + all[i][2]) / 2, ay = (all[i][1] + all[i][3]) / 2;
        return std::sqrt((ax - gx) * (ax - gx) + (ay - gy) * (ay - gy));
      };
      std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return dist(a) < dist(b); });
      idx.resize(std::min<size_t>(topk, idx.size()));
      cand.insert(cand.end(), idx.begin(), idx.end());
      start += l.size();
    }
    double mean = 0;
    for (auto i : cand) mean += iou1(all[i], gt);
    mean /= cand.size();
    double var = 0;
    for (auto i : cand) var += std::pow(iou1(all[i], gt) - mean, 2);
    const double thr = mean + std::sqrt(var / (cand.size() - 1));
    for (auto i : cand) {
      const double ax = (all[i][0] + all[i][2]) / 2, ay = (all[i][1] + all[i][3]) / 2;
      const double inside = std::min({ax - gt[0], ay - gt[1], gt[2] - ax, gt[3] - ay});
      const double v = iou1(all[i], gt);
      if (v >= thr && inside > 0.01 && v > best[i]) {
        best[i] = v;
        out[i] = labels[g];
      }
    }
  }
  return out;
}

at::Tensor to_tensor(const std::vector<Row>& rows) {
  std::vector<float> flat;
  for (const auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  return at::tensor(flat).view({static_cast<int64_t>(rows.size()), 4});
}

}  // namespace

TEST(AtssAssigner, HandCheckedSingleLevel) {
  // Three anchors, top-3: IoUs with the GT are 1, 0.375 and 0 -> threshold mean + std = 0.9635, so only
  // anchor 0 is positive.
  std::vector<at::Tensor> anchors{to_tensor({{0, 0, 10, 10}, {5, 0, 15, 10}, {20, 20, 30, 30}})};
  auto gt = to_tensor({{0, 0, 10, 10}});
  auto pmap = at::tensor({0.f, 0.5f, 0.5f, 0.f}).view({1, 4});
  AtssAssignerOptions o;
  o.topk = 3;
  BoxCoder coder;
  auto t = atss_assign(anchors, gt, at::tensor({int64_t{7}}), pmap, 4, coder, o);
  EXPECT_TRUE(at::equal(t.labels, at::tensor({int64_t{7}, int64_t{0}, int64_t{0}})));
  EXPECT_TRUE(at::equal(t.matched_gt, at::tensor({int64_t{0}, int64_t{-1}, int64_t{-1}})));
  EXPECT_TRUE(at::equal(t.token_labels,
                        at::tensor({0.f, 0.5f, 0.5f, 0.f, 0.f, 0.f, 0.f, 1.f, 0.f, 0.f, 0.f, 1.f}).view({3, 4})));
  EXPECT_TRUE(at::allclose(t.reg_targets[0], at::zeros({4}), 0, 1e-6));
  // Centerness of the positive: the anchor centre is the GT centre -> 1.
  EXPECT_NEAR(centerness_targets(t.reg_targets.slice(0, 0, 1), anchors[0].slice(0, 0, 1), coder)[0].item<float>(), 1.f,
              1e-6);
}

TEST(AtssAssigner, MatchesNaiveOnRandomScenes) {
  std::mt19937 gen(3);
  std::uniform_real_distribution<double> u(0, 1);
  BoxCoder coder;
  for (int trial = 0; trial < 30; ++trial) {
    // Two levels of a small grid (strides 8 and 16, sizes 32 and 64), 1..4 GTs.
    std::vector<std::vector<Row>> levels(2);
    for (int l = 0; l < 2; ++l) {
      const double stride = 8 << l, half = (32 << l) / 2.0;
      const int n = l == 0 ? 8 : 4;
      for (int y = 0; y < n; ++y)
        for (int x = 0; x < n; ++x) {
          const double cx = x * stride + stride / 2, cy = y * stride + stride / 2;
          levels[l].push_back({cx - half, cy - half, cx + half, cy + half});
        }
    }
    std::vector<Row> gts;
    std::vector<int64_t> labels;
    const int ng = 1 + trial % 4;
    for (int g = 0; g < ng; ++g) {
      // Continuous coordinates (no distance ties at the top-k cut), exactly representable in fp32.
      auto f = [&](double v) { return static_cast<double>(static_cast<float>(v)); };
      const double x1 = f(u(gen) * 40), y1 = f(u(gen) * 40);
      gts.push_back({x1, y1, f(x1 + 4 + u(gen) * 30), f(y1 + 4 + u(gen) * 30)});
      labels.push_back(g + 1);
    }
    AtssAssignerOptions o;
    o.topk = 5;
    auto t = atss_assign({to_tensor(levels[0]), to_tensor(levels[1])}, to_tensor(gts), at::tensor(labels),
                         at::eye(ng, 6), 6, coder, o);
    auto expected = naive_atss(levels, gts, labels, 5);
    EXPECT_TRUE(at::equal(t.labels, at::tensor(expected))) << "trial " << trial;
    // Token rows follow the matched GT; negatives carry the "no object" column.
    auto pos = t.labels > 0;
    EXPECT_TRUE(at::equal(t.token_labels.argmax(1).masked_select(pos), t.matched_gt.masked_select(pos)));
    EXPECT_TRUE(at::equal(t.token_labels.argmax(1).masked_select(~pos),
                          at::full({(~pos).sum().item<int64_t>()}, 5, at::kLong)));
  }
}

TEST(AtssAssigner, EmptyGroundTruthGivesAllNegatives) {
  std::vector<at::Tensor> anchors{to_tensor({{0, 0, 10, 10}, {5, 0, 15, 10}})};
  auto t = atss_assign(anchors, at::zeros({0, 4}), at::zeros({0}, at::kLong), at::zeros({0, 3}), 3, BoxCoder{});
  EXPECT_TRUE(at::equal(t.labels, at::zeros({2}, at::kLong)));
  EXPECT_TRUE(at::equal(t.matched_gt, at::full({2}, -1, at::kLong)));
  EXPECT_TRUE(at::equal(t.token_labels, at::tensor({0.f, 0.f, 1.f, 0.f, 0.f, 1.f}).view({2, 3})));
  EXPECT_TRUE(at::equal(t.reg_targets, at::zeros({2, 4})));
  // Undefined tensors count as "no boxes" too.
  auto u = atss_assign(anchors, at::Tensor(), at::Tensor(), at::Tensor(), 3, BoxCoder{});
  EXPECT_TRUE(at::equal(u.token_labels, t.token_labels));
}

TEST(AtssAssigner, RejectsMismatchedInputs) {
  std::vector<at::Tensor> anchors{to_tensor({{0, 0, 10, 10}})};
  auto gt = to_tensor({{0, 0, 10, 10}});
  EXPECT_THROW(atss_assign(anchors, gt, at::zeros({2}, at::kLong), at::zeros({1, 3}), 3, BoxCoder{}), Error);
  EXPECT_THROW(atss_assign(anchors, gt, at::zeros({1}, at::kLong), at::zeros({2, 3}), 3, BoxCoder{}), Error);
}

}  // namespace glip::modeling
