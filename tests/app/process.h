// Runs a program and captures what it prints, for end-to-end tests of the binary.
#ifndef TRAILWATCH_TESTS_APP_PROCESS_H_
#define TRAILWATCH_TESTS_APP_PROCESS_H_

#include <string>
#include <vector>

namespace trailwatch::testing {

struct Output {
  int exit_code = -1;  // 128 + signal when killed by a signal; -1 when it could not start
  std::string out;
  std::string err;
  std::string spawn_error;  // set when the program could not be started
};

// Runs argv[0] (searched in PATH when `search_path`) with stdin from `stdin_path` (or
// /dev/null) and captures stdout, stderr and the exit code separately.
Output RunProcess(const std::vector<std::string>& argv, const std::string& stdin_path = "",
                  bool search_path = false);

}  // namespace trailwatch::testing

#endif  // TRAILWATCH_TESTS_APP_PROCESS_H_
