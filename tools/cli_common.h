/** What every glip tool shares: exception-to-exit-code mapping around main(). */
#pragma once
#include <functional>

namespace glip::cli {

/** Exit codes of the glip tools. */
enum ExitCode : int { kOk = 0, kFailure = 1, kBadInput = 2, kUsage = 64 };

/**
 * Runs `body` and maps exceptions to exit codes with the message on stderr: glip::InputError -> 2,
 * other glip::Error / std::exception -> 1. No abort, no stack dump for user mistakes.
 */
int run_main(const std::function<int()>& body);

}  // namespace glip::cli
