// Tests of trail/log_file.cc: names, content and hashes of delivered log files.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "common/crypto.h"
#include "common/encoding.h"
#include "testing/files.h"
#include "trail/internal.h"
#include "trail/trail.h"
#include "trail/trail_fixture.h"

namespace trailwatch::trail {
namespace {

using testing::kAccount;
using testing::kMinute;
using testing::kRegion;
using testing::kT0;

TEST(WriteLogFileTest, NameFollowsTheS3KeyLayout) {
  test_support::TempDir dir;
  const TrailLocation where{dir.path()};
  const std::vector<std::string> records = {testing::Record(1, kT0)};
  std::set<std::string> keys;
  for (int i = 0; i < 5; ++i) {
    // 2025-03-04T09:02:59.5Z: the stamp is the delivery minute.
    auto info = WriteLogFile(where, kAccount, kRegion, records, kT0 + 3 * kMinute - 500);
    ASSERT_TRUE(info.ok()) << info.status().ToString();
    const std::string prefix =
        "AWSLogs/111122223333/CloudTrail/eu-west-1/2025/03/04/"
        "111122223333_CloudTrail_eu-west-1_20250304T0902Z_";
    ASSERT_EQ(info->key.size(), prefix.size() + 16 + 8) << info->key;
    EXPECT_EQ(info->key.substr(0, prefix.size()), prefix);
    EXPECT_EQ(info->key.substr(prefix.size() + 16), ".json.gz");
    const std::string unique = info->key.substr(prefix.size(), 16);
    EXPECT_TRUE(std::all_of(unique.begin(), unique.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0;
    })) << info->key;
    EXPECT_TRUE(std::filesystem::exists(dir.path() + "/" + info->key));
    keys.insert(info->key);
  }
  EXPECT_EQ(keys.size(), 5u) << "the random part keeps same-minute files apart";
  // Nothing but the five files: the temp files were renamed away.
  std::size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir.path())) {
    files += e.is_regular_file() ? 1u : 0u;
  }
  EXPECT_EQ(files, 5u);
}

TEST(WriteLogFileTest, ContentParsesBackAndHashCoversTheUncompressedBytes) {
  test_support::TempDir dir;
  const TrailLocation where{dir.path()};
  const std::vector<std::string> records = {testing::Record(1, kT0 + 5 * kMinute),
                                            testing::Record(2, kT0 + kMinute),
                                            testing::Record(3, kT0 + 3 * kMinute)};
  auto info = WriteLogFile(where, kAccount, kRegion, records, kT0 + 10 * kMinute);
  ASSERT_TRUE(info.ok());
  const std::string gz = test_support::ReadFile(dir.path() + "/" + info->key);
  ASSERT_TRUE(internal::LooksGzip(gz));
  const std::string text = testing::Inflate(dir.path() + "/" + info->key);
  EXPECT_EQ(info->sha256_hex, HexEncode(Sha256(text)));
  EXPECT_EQ(info->oldest_event_ms, kT0 + kMinute);
  EXPECT_EQ(info->newest_event_ms, kT0 + 5 * kMinute);
  EXPECT_EQ(info->record_count, 3u);
  EXPECT_EQ(info->delivered_ms, kT0 + 10 * kMinute);
  const auto j = nlohmann::json::parse(text);
  ASSERT_TRUE(j["Records"].is_array());
  ASSERT_EQ(j["Records"].size(), 3u);
  EXPECT_EQ(j["Records"][0]["requestID"], "req-1");
  EXPECT_EQ(j["Records"][1]["eventTime"], "2025-03-04T09:01:00Z");
}

TEST(WriteLogFileTest, RejectsBadInput) {
  test_support::TempDir dir;
  const TrailLocation where{dir.path()};
  const std::vector<std::string> good = {testing::Record(1, kT0)};
  struct Case {
    std::string account;
    std::string region;
    std::vector<std::string> records;
  };
  const std::vector<Case> cases = {
      {"111122223333", "eu-west-1", {}},
      {"../../etc", "eu-west-1", good},
      {"111122223333", "eu/west", good},
      {"", "eu-west-1", good},
      {"111122223333", "eu-west-1", {"not json"}},
      {"111122223333", "eu-west-1", {R"({"eventName":"x"})"}},
      {"111122223333", "eu-west-1", {R"({"eventTime":"yesterday"})"}},
  };
  for (const Case& c : cases) {
    auto r = WriteLogFile(where, c.account, c.region, c.records, kT0);
    EXPECT_FALSE(r.ok()) << c.account << " " << c.region;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    }
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/AWSLogs"));
}

TEST(NamesTest, StampsRoundTrip) {
  EXPECT_EQ(internal::MinuteStamp(kT0 + 61 * kMinute + 5000), "20250304T1001Z");
  EXPECT_EQ(internal::SecondStamp(kT0 + 61 * kMinute + 5000), "20250304T100105Z");
  EXPECT_EQ(internal::ParseStamp("20250304T100105Z"), kT0 + 61 * kMinute + 5000);
  EXPECT_EQ(internal::ParseStamp("20250304T1001Z"), kT0 + 61 * kMinute);
  EXPECT_EQ(internal::ParseStamp("20250230T1001Z"), std::nullopt);
  EXPECT_EQ(internal::ParseStamp("2025030xT1001Z"), std::nullopt);
  EXPECT_EQ(internal::LogFileStampOf("AWSLogs/1/CloudTrail/r/2015/08/01/"
                                     "111122223333_CloudTrail_us-east-2_20150801T0210Z_"
                                     "Mu0KsOhtH1ar15ZZ.json.gz"),
            internal::ParseStamp("20150801T0210Z"));
  const TrailLocation where{"/x"};
  const std::string key = internal::DigestKey(where, kAccount, kRegion, kT0 + 3723000);
  EXPECT_EQ(
      key,
      "AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2025/03/04/"
      "111122223333_CloudTrail-Digest_eu-west-1_trailwatch_us-east-1_20250304T100203Z.json.gz");
  EXPECT_EQ(internal::DigestStampOf(key), kT0 + 3723000);
  EXPECT_EQ(internal::DigestStampOf("short.json.gz"), std::nullopt);
}

TEST(GzipTest, RoundTripAndDamage) {
  const std::string text(100000, 'x');
  auto gz = internal::GzipCompress(text);
  ASSERT_TRUE(gz.ok());
  auto back = internal::GzipDecompress(*gz);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, text);
  EXPECT_EQ(internal::GzipDecompress(*gz, 1000).status().code(), StatusCode::kResourceExhausted);
  EXPECT_FALSE(internal::GzipDecompress("plain").ok());
  EXPECT_FALSE(internal::GzipDecompress(gz->substr(0, gz->size() - 3)).ok());
  EXPECT_FALSE(internal::GzipDecompress(*gz + *gz).ok()) << "a second member is an edit";
}

}  // namespace
}  // namespace trailwatch::trail
