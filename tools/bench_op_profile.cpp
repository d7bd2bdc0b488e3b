#include "bench_op_profile.h"

#include <ATen/record_function.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "glip/core/error.h"

namespace glip::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Frame {
  Clock::time_point t0;
  double child = 0;  // seconds spent in the scopes this one opened
};

thread_local std::vector<Frame> t_stack;
thread_local std::map<std::string, OpProfile::Row>* t_rows = nullptr;

std::unique_ptr<at::ObserverContext> on_start(const at::RecordFunction&) {
  if (t_rows != nullptr) t_stack.push_back({Clock::now(), 0.0});
  return nullptr;
}

void on_end(const at::RecordFunction& fn, at::ObserverContext*) {
  if (t_rows == nullptr || t_stack.empty()) return;
  const Frame f = t_stack.back();
  t_stack.pop_back();
  const double s = std::chrono::duration<double>(Clock::now() - f.t0).count();
  auto& r = (*t_rows)[fn.name()];
  r.total += s;
  r.self += s - f.child;
  ++r.calls;
  if (!t_stack.empty()) t_stack.back().child += s;
}

}  // namespace

OpProfile::OpProfile() {
  GLIP_CHECK(t_rows == nullptr, "OpProfile: one profile at a time per thread");
  t_rows = &rows_;
  t_stack.clear();
  handle_ = at::addThreadLocalCallback(at::RecordFunctionCallback(on_start, on_end));
}

OpProfile::~OpProfile() { stop(); }

const std::map<std::string, OpProfile::Row>& OpProfile::stop() {
  if (!stopped_) {
    at::removeCallback(handle_);
    t_rows = nullptr;
    t_stack.clear();
    stopped_ = true;
  }
  return rows_;
}

void OpProfile::print(int64_t top, double seconds) {
  const auto& rows = stop();
  std::vector<std::pair<std::string, Row>> sorted(rows.begin(), rows.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second.self > b.second.self; });
  double self_sum = 0;
  for (const auto& [name, r] : sorted) self_sum += r.self;
  std::printf("profile of one run (%.3f s; %.3f s inside recorded scopes), by self time:\n", seconds, self_sum);
  std::printf("  %-40s %9s %9s %7s %8s\n", "scope", "self s", "total s", "self %", "calls");
  auto line = [&](const std::string& name, const Row& r) {
    std::printf("  %-40s %9.3f %9.3f %6.1f%% %8lld\n", name.c_str(), r.self, r.total, 100.0 * r.self / seconds,
                static_cast<long long>(r.calls));
  };
  for (int64_t i = 0; i < top && i < static_cast<int64_t>(sorted.size()); ++i) line(sorted[i].first, sorted[i].second);
  std::printf("glip's scopes (total includes what they call):\n");
  for (const auto& [name, r] : rows) {
    if (name.rfind("glip::", 0) == 0) line(name, r);
  }
}

}  // namespace glip::bench
