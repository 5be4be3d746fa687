#include "common/files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "testing/files.h"

namespace trailwatch {
namespace {

TEST(WriteFileAtomic, ModeIsExactlyWhatWasAskedAndNoTempFileStays) {
  test_support::TempDir dir;
  const struct {
    unsigned mode;
    const char* text;
  } cases[] = {{0600, "secret"}, {0644, "public"}, {0600, "replaced"}};
  const std::string path = dir.path() + "/a/b/key.pem";  // parents are created
  for (const auto& c : cases) {
    ASSERT_TRUE(WriteFileAtomic(path, c.text, c.mode).ok());
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, c.mode);
    auto back = ReadFile(path);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, c.text);
  }
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path() + "/a/b")) {
    ++entries;
  }
  EXPECT_EQ(entries, 1u);
}

TEST(ReadFile, MissingIsNotFoundAndNamesThePath) {
  test_support::TempDir dir;
  const auto missing = ReadFile(dir.path() + "/nope.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("nope.json"), std::string::npos);
  const auto directory = ReadFile(dir.path());
  EXPECT_FALSE(directory.ok());
  // A parent that is a file cannot become a directory.
  const std::string file = dir.Write("plain", "x");
  EXPECT_FALSE(WriteFileAtomic(file + "/child", "y").ok());
}

}  // namespace
}  // namespace trailwatch
