#include "glip/evaluation/cocoeval_core.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <numeric>
#include <thread>

namespace glip::eval {
namespace {

constexpr double kEps = 2.220446049250313e-16;  // np.spacing(1)

// numpy argsort(-score, kind='mergesort') order: descending score, NaN last; used with stable sorts.
inline bool score_before(double a, double b) {
  if (std::isnan(b)) return !std::isnan(a);
  if (std::isnan(a)) return false;
  return -a < -b;
}

// Flags per kept detection, area range and IoU threshold.
constexpr uint8_t kMatched = 1;  // dtMatches != 0
constexpr uint8_t kIgnored = 2;  // dtIgnore

struct KeptDt {
  double score;
  int64_t rank;  // position in its image's score order
};

struct CategoryWork {
  std::vector<KeptDt> kept;    // image order, then score order
  std::vector<uint8_t> flags;  // [a][t][kept]
  std::vector<int64_t> npig;   // [a]
};

// evaluateImg for one category over all its images.
void match_category(const std::vector<EvalGt>& G, const std::vector<EvalDt>& D, const EvalParams& p, CategoryWork& w) {
  const int64_t T = static_cast<int64_t>(p.iou_thrs.size());
  const int64_t A = static_cast<int64_t>(p.area_rngs.size());
  std::vector<int32_t> gi(G.size()), di(D.size());
  std::iota(gi.begin(), gi.end(), 0);
  std::iota(di.begin(), di.end(), 0);
  std::stable_sort(gi.begin(), gi.end(), [&](int32_t a, int32_t b) { return G[a].image < G[b].image; });
  std::stable_sort(di.begin(), di.end(), [&](int32_t a, int32_t b) { return D[a].image < D[b].image; });

  const size_t cap_total = D.size();
  w.kept.clear();
  w.kept.reserve(cap_total);
  w.flags.assign(static_cast<size_t>(A * T) * cap_total, 0);
  w.npig.assign(A, 0);

  std::vector<int32_t> g_img, d_img, g_order;
  std::vector<double> ious;
  std::vector<uint8_t> g_ig, gtm;
  size_t gpos = 0, dpos = 0;
  while (gpos < gi.size() || dpos < di.size()) {
    int32_t img = INT32_MAX;
    if (gpos < gi.size()) img = G[gi[gpos]].image;
    if (dpos < di.size()) img = std::min(img, D[di[dpos]].image);
    g_img.clear();
    d_img.clear();
    while (gpos < gi.size() && G[gi[gpos]].image == img) g_img.push_back(gi[gpos++]);
    while (dpos < di.size() && D[di[dpos]].image == img) d_img.push_back(di[dpos++]);

    std::stable_sort(d_img.begin(), d_img.end(),
                     [&](int32_t a, int32_t b) { return score_before(D[a].score, D[b].score); });
    if (p.per_image_cap >= 0 && static_cast<int64_t>(d_img.size()) > p.per_image_cap) {
      d_img.resize(p.per_image_cap);
    }
    const size_t nd = d_img.size(), ng = g_img.size();
    ious.resize(nd * ng);
    for (size_t d = 0; d < nd; ++d) {
      for (size_t g = 0; g < ng; ++g) {
        const EvalGt& gt = G[g_img[g]];
        ious[d * ng + g] = box_iou_coco(D[d_img[d]].box, gt.box, gt.crowd);
      }
    }
    const size_t base = w.kept.size();
    for (size_t d = 0; d < nd; ++d) w.kept.push_back({D[d_img[d]].score, static_cast<int64_t>(d)});

    for (int64_t a = 0; a < A; ++a) {
      const double lo = p.area_rngs[a].first, hi = p.area_rngs[a].second;
      g_ig.resize(ng);
      for (size_t g = 0; g < ng; ++g) {
        const EvalGt& gt = G[g_img[g]];
        g_ig[g] = gt.ignore || gt.area < lo || gt.area > hi;
      }
      // gts sorted with ignored last (stable)
      g_order.clear();
      for (size_t g = 0; g < ng; ++g) {
        if (!g_ig[g]) g_order.push_back(static_cast<int32_t>(g));
      }
      w.npig[a] += static_cast<int64_t>(g_order.size());
      for (size_t g = 0; g < ng; ++g) {
        if (g_ig[g]) g_order.push_back(static_cast<int32_t>(g));
      }
      for (int64_t t = 0; t < T; ++t) {
        uint8_t* flags = w.flags.data() + static_cast<size_t>(a * T + t) * cap_total + base;
        gtm.assign(ng, 0);
        for (size_t d = 0; d < nd; ++d) {
          const EvalDt& dt = D[d_img[d]];
          double best = std::min(p.iou_thrs[t], 1 - 1e-10);
          int64_t m = -1;
          if (ng > 0 && nd > 0) {
            for (size_t s = 0; s < ng; ++s) {
              const int32_t g = g_order[s];
              if (gtm[s] && !G[g_img[g]].crowd) continue;
              if (m > -1 && !g_ig[g_order[m]] && g_ig[g]) break;
              const double v = ious[d * ng + g];
              if (v < best) continue;
              best = v;
              m = static_cast<int64_t>(s);
            }
          }
          uint8_t f = 0;
          bool matched_nonzero = false;
          if (m != -1) {
            const int32_t g = g_order[m];
            if (g_ig[g]) f |= kIgnored;
            matched_nonzero = G[g_img[g]].id != 0;
            if (matched_nonzero) f |= kMatched;
            gtm[m] = 1;
          }
          if (!matched_nonzero && (dt.area < lo || dt.area > hi || dt.ignore_unmatched)) f |= kIgnored;
          flags[d] = f;
        }
      }
    }
  }
}

// accumulate for one category: fills precision[:, :, k, :, :] and recall[:, k, :, :].
void accumulate_category(int64_t k, const CategoryWork& w, const EvalParams& p, EvalAccumulation& acc) {
  const int64_t T = acc.T, R = acc.R, A = acc.A, M = acc.M;
  const size_t n = w.kept.size();
  const size_t stride = w.flags.size() / static_cast<size_t>(std::max<int64_t>(A * T, 1));
  std::vector<int32_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int32_t a, int32_t b) { return score_before(w.kept[a].score, w.kept[b].score); });
  // Detections within each maxDet, in score order (the same for every area range).
  std::vector<std::vector<int32_t>> sels(M);
  for (int64_t m = 0; m < M; ++m) {
    const int64_t max_det = p.max_dets[m];
    for (int32_t i : order) {
      if (max_det < 0 || w.kept[i].rank < max_det) sels[m].push_back(i);
    }
  }
  std::vector<double> rc, pr;
  for (int64_t a = 0; a < A; ++a) {
    if (w.npig[a] == 0) continue;
    const double npig = static_cast<double>(w.npig[a]);
    for (int64_t m = 0; m < M; ++m) {
      const std::vector<int32_t>& sel = sels[m];
      const size_t nd = sel.size();
      rc.resize(nd);
      pr.resize(nd);
      for (int64_t t = 0; t < T; ++t) {
        const uint8_t* flags = w.flags.data() + static_cast<size_t>(a * T + t) * stride;
        double tp = 0, fp = 0;
        for (size_t j = 0; j < nd; ++j) {
          const uint8_t f = flags[sel[j]];
          if (!(f & kIgnored)) {
            if (f & kMatched) {
              tp += 1;
            } else {
              fp += 1;
            }
          }
          rc[j] = tp / npig;
          pr[j] = tp / (fp + tp + kEps);
        }
        acc.rec(t, k, a, m) = nd ? rc[nd - 1] : 0.0;
        for (size_t i = nd; i-- > 1;) {
          if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
        }
        for (int64_t r = 0; r < R; ++r) {
          const size_t pi = static_cast<size_t>(std::lower_bound(rc.begin(), rc.end(), p.rec_thrs[r]) - rc.begin());
          if (pi >= nd) {
            for (int64_t rr = r; rr < R; ++rr) acc.prec(t, rr, k, a, m) = 0.0;
            break;
          }
          acc.prec(t, r, k, a, m) = pr[pi];
        }
      }
    }
  }
}

double pairwise_sum(const double* a, size_t n) {
  if (n < 8) {
    double res = 0.;
    for (size_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    size_t i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    }
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  size_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
}

}  // namespace

std::vector<double> np_linspace(double start, double stop, int num) {
  std::vector<double> y(num);
  const int div = num - 1;
  const double step = (stop - start) / div;
  for (int i = 0; i < num; ++i) y[i] = static_cast<double>(i) * step + start;
  if (num > 1) y[num - 1] = stop;
  return y;
}

EvalParams EvalParams::coco() {
  EvalParams p;
  p.iou_thrs = np_linspace(0.5, 0.95, 10);
  p.rec_thrs = np_linspace(0.0, 1.0, 101);
  p.area_rngs = {{0.0, 1e10}, {0.0, 1024.0}, {1024.0, 9216.0}, {9216.0, 1e10}};
  p.max_dets = {1, 10, 100};
  p.per_image_cap = 100;
  return p;
}

EvalParams EvalParams::lvis() {
  EvalParams p = coco();
  p.max_dets = {-1};
  p.per_image_cap = -1;
  return p;
}

double box_iou_coco(const formats::BoxXYWH& d, const formats::BoxXYWH& g, bool crowd) {
  const double ga = g.w * g.h, da = d.w * d.h;
  const double w = std::fmin(d.w + d.x, g.w + g.x) - std::fmax(d.x, g.x);
  if (w <= 0) return 0;
  const double h = std::fmin(d.h + d.y, g.h + g.y) - std::fmax(d.y, g.y);
  if (h <= 0) return 0;
  const double i = w * h;
  const double u = crowd ? da : da + ga - i;
  return i / u;
}

EvalAccumulation evaluate_accumulate(const EvalInput& input, const EvalParams& params) {
  EvalAccumulation acc;
  acc.T = static_cast<int64_t>(params.iou_thrs.size());
  acc.R = static_cast<int64_t>(params.rec_thrs.size());
  acc.K = static_cast<int64_t>(input.gts.size());
  acc.A = static_cast<int64_t>(params.area_rngs.size());
  acc.M = static_cast<int64_t>(params.max_dets.size());
  acc.precision.assign(static_cast<size_t>(acc.T * acc.R * acc.K * acc.A * acc.M), -1.0);
  acc.recall.assign(static_cast<size_t>(acc.T * acc.K * acc.A * acc.M), -1.0);

  // Largest categories first; threads take the next category from a shared counter.
  std::vector<int64_t> cats(acc.K);
  std::iota(cats.begin(), cats.end(), 0);
  std::stable_sort(cats.begin(), cats.end(), [&](int64_t a, int64_t b) {
    return input.gts[a].size() + input.dts[a].size() > input.gts[b].size() + input.dts[b].size();
  });
  std::atomic<size_t> next{0};
  auto worker = [&]() {
    CategoryWork w;
    for (size_t i = next++; i < cats.size(); i = next++) {
      const int64_t k = cats[i];
      match_category(input.gts[k], input.dts[k], params, w);
      accumulate_category(k, w, params, acc);
    }
  };
  const int n_threads = std::max(1, std::min<int>(at::get_num_threads(), static_cast<int>(cats.size())));
  std::vector<std::thread> pool;
  for (int i = 1; i < n_threads; ++i) pool.emplace_back(worker);
  worker();
  for (auto& th : pool) th.join();
  return acc;
}

double mean_defined(const std::vector<double>& values) {
  std::vector<double> kept;
  kept.reserve(values.size());
  for (double v : values) {
    if (v > -1) kept.push_back(v);
  }
  if (kept.empty()) return -1;
  return pairwise_sum(kept.data(), kept.size()) / static_cast<double>(kept.size());
}

}  // namespace glip::eval
