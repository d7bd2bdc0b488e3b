/** Errors: every failure is a glip::Error with a message that names the file, key or value involved. */
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace glip {

/** Base error type. Tools catch it in main() and exit non-zero with the message. */
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& msg) : std::runtime_error(msg) {}
};

/** A user-facing input problem (config, data file, checkpoint, prompt). Exit code 2 in tools. */
class InputError : public Error {
 public:
  explicit InputError(const std::string& msg) : Error(msg) {}
};

namespace detail {
inline void format_into(std::ostringstream&) {}
template <typename T, typename... Rest>
void format_into(std::ostringstream& os, const T& v, const Rest&... rest) {
  os << v;
  format_into(os, rest...);
}
}  // namespace detail

/** Concatenates all arguments with operator<<. */
template <typename... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream os;
  detail::format_into(os, args...);
  return os.str();
}

}  // namespace glip

/** Throws glip::Error(message) when cond is false. The message is built from the streamed arguments. */
#define GLIP_CHECK(cond, ...)                                       \
  do {                                                              \
    if (!(cond)) throw ::glip::Error(::glip::str_cat(__VA_ARGS__)); \
  } while (0)

/** Throws glip::InputError(message) when cond is false: for bad user input. */
#define GLIP_CHECK_INPUT(cond, ...)                                      \
  do {                                                                   \
    if (!(cond)) throw ::glip::InputError(::glip::str_cat(__VA_ARGS__)); \
  } while (0)
