/** An environment variable set for one scope of a test and restored (or unset again) when the scope ends. */
#pragma once
#include <cstdlib>
#include <string>

namespace glip::test {

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* old = std::getenv(name);
    had_ = old != nullptr;
    if (had_) saved_ = old;
    set(value);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() {
    if (had_) {
      setenv(name_.c_str(), saved_.c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }
  void set(const char* value) { setenv(name_.c_str(), value, 1); }

 private:
  std::string name_, saved_;
  bool had_ = false;
};

}  // namespace glip::test
