// Files for tests: a temporary directory that cleans up after itself, gzip, reading a file,
// a CloudTrail log file.
// Shared by every test folder (tests/CMakeLists.txt links it into all of them).
#ifndef TRAILWATCH_TESTS_TESTING_FILES_H_
#define TRAILWATCH_TESTS_TESTING_FILES_H_

#include <string>
#include <string_view>
#include <vector>

namespace trailwatch::test_support {

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it when destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  bool ok() const { return !path_.empty(); }
  const std::string& path() const { return path_; }
  // Writes `contents` to path()/relative, creating directories; returns the full path.
  std::string Write(const std::string& relative, std::string_view contents) const;

 private:
  std::string path_;
};

// One gzip member holding `data` (zlib, real gzip framing). Fails the current test on error.
std::string Gzip(std::string_view data, int level = 6);

// The whole file, or "" when it cannot be read.
std::string ReadFile(const std::string& path);

// A CloudTrail log file, {"Records":[...]}, holding `records` (each a JSON object's text).
std::string CloudTrailFile(const std::vector<std::string>& records);

}  // namespace trailwatch::test_support

#endif  // TRAILWATCH_TESTS_TESTING_FILES_H_
