/**
 * A bounded, ordered prefetching loader: worker threads build items for consecutive iterations ahead of the
 * consumer (at most `capacity` in flight), and next() returns them strictly in iteration order. Items must be
 * a pure function of the iteration (the sample schedule and per-sample seeds make them so), which makes the
 * stream independent of the number of workers and trivially resumable.
 */
#pragma once
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace glip::data {

template <typename T>
class PrefetchLoader {
 public:
  using Producer = std::function<T(int64_t iteration)>;

  PrefetchLoader(Producer produce, int64_t first_iteration, int num_workers, int capacity)
      : produce_(std::move(produce)),
        next_to_claim_(first_iteration),
        next_to_return_(first_iteration),
        capacity_(std::max(capacity, 1)) {
    for (int w = 0; w < std::max(num_workers, 1); ++w) workers_.emplace_back([this] { work(); });
  }
  PrefetchLoader(const PrefetchLoader&) = delete;
  PrefetchLoader& operator=(const PrefetchLoader&) = delete;
  ~PrefetchLoader() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }

  /** The item of the next iteration; rethrows a worker's exception for that iteration. */
  T next() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return ready_.count(next_to_return_) || errors_.count(next_to_return_); });
    auto e = errors_.find(next_to_return_);
    if (e != errors_.end()) std::rethrow_exception(e->second);
    T item = std::move(ready_.at(next_to_return_));
    ready_.erase(next_to_return_++);
    cv_.notify_all();
    return item;
  }

 private:
  void work() {
    for (;;) {
      int64_t it;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stop_ || next_to_claim_ < next_to_return_ + capacity_; });
        if (stop_) return;
        it = next_to_claim_++;
      }
      try {
        T item = produce_(it);
        std::lock_guard<std::mutex> lock(mu_);
        ready_.emplace(it, std::move(item));
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu_);
        errors_.emplace(it, std::current_exception());
      }
      cv_.notify_all();
    }
  }

  Producer produce_;
  int64_t next_to_claim_, next_to_return_;
  const int64_t capacity_;
  bool stop_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<int64_t, T> ready_;
  std::map<int64_t, std::exception_ptr> errors_;
  std::vector<std::thread> workers_;
};

}  // namespace glip::data
