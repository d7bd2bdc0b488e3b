#include "cli_common.h"

#include <c10/util/Exception.h>

#include <iostream>

#include "glip/core/error.h"

namespace glip::cli {

int run_main(const std::function<int()>& body) {
  try {
    return body();
  } catch (const InputError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kBadInput;
  } catch (const c10::Error& e) {
    std::cerr << "error: " << e.what_without_backtrace() << "\n";
    return kFailure;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kFailure;
  }
}

}  // namespace glip::cli
