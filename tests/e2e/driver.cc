#include "e2e/driver.h"

namespace trailwatch::testing {

Output RunE2eDriver(const std::string& source_dir, const std::string& script,
                    const std::string& binary) {
  return RunProcess({"python3", source_dir + "/tests/e2e/" + script, "--binary", binary}, "",
                    /*search_path=*/true);
}

}  // namespace trailwatch::testing
