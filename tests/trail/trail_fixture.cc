#include "trail/trail_fixture.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "trail/internal.h"

namespace trailwatch::trail::testing {

std::string Record(int call_index, std::int64_t event_ms) {
  ApiCall c;
  c.event_time_ms = event_ms;
  c.request_id = fmt::format("req-{}", call_index);
  c.principal = {PrincipalType::kIamUser,
                 "AIDA4EXAMPLEUSER0001",
                 "arn:aws:iam::111122223333:user/alice",
                 kAccount,
                 "AKIA4EXAMPLELONGKEY2",
                 "alice"};
  c.source_ip = "127.0.0.1";
  c.user_agent = "aws-cli/2.15.30";
  c.event_name = call_index % 2 == 0 ? "GetSecretValue" : "DescribeSecret";
  c.region = kRegion;
  c.recipient_account_id = kAccount;
  c.request_parameters = fmt::format(R"({{"secretId":"app/secret-{}"}})", call_index);
  c.read_only = true;
  auto r = BuildRecord(c);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : "";
}

std::unique_ptr<Trail> BuildTrail(int periods, int files_per_period, bool second_region) {
  auto t = std::make_unique<Trail>();
  t->trail_dir = t->dir.path() + "/trail";
  t->signing_dir = t->dir.path() + "/trail-signing";
  t->clock = std::make_unique<FakeClock>(TimePoint(std::chrono::milliseconds(kT0 + 10 * kMinute)));
  TrailWriterOptions o;
  o.location.root = t->trail_dir;
  o.signing_dir = t->signing_dir;
  auto w = TrailWriter::Open(o, *t->clock);
  EXPECT_TRUE(w.ok()) << w.status().ToString();
  if (!w.ok()) return t;
  int call = 0;
  for (int p = 0; p < periods; ++p) {
    for (int f = 0; f < files_per_period; ++f) {
      t->clock->Advance(std::chrono::minutes(5));
      const std::int64_t now = t->clock->Now().time_since_epoch().count();
      EXPECT_TRUE((*w)->Append(kAccount, kRegion, Record(call++, now - 2 * kMinute)).ok());
      EXPECT_TRUE((*w)->Append(kAccount, kRegion, Record(call++, now - kMinute)).ok());
      if (second_region && p == 0 && f == 0) {
        EXPECT_TRUE((*w)->Append(kAccount, "us-east-1", Record(call++, now - kMinute)).ok());
      }
      auto files = (*w)->Flush();
      EXPECT_TRUE(files.ok()) << files.status().ToString();
      if (files.ok()) t->logs.insert(t->logs.end(), files->begin(), files->end());
    }
    // Past the next full hour: Tick closes the period.
    const std::int64_t now = t->clock->Now().time_since_epoch().count();
    const std::int64_t next_hour = (now / kHour + 1) * kHour;
    t->clock->Advance(std::chrono::milliseconds(next_hour - now + 30 * 1000));
    EXPECT_TRUE((*w)->Tick().ok());
  }
  t->clock->Advance(std::chrono::minutes(3));
  auto closed = (*w)->Close();
  EXPECT_TRUE(closed.ok()) << closed.status().ToString();
  t->digest_keys = DigestKeys(t->trail_dir, kRegion);
  return t;
}

std::vector<std::string> DigestKeys(const std::string& trail_dir, const std::string& region) {
  std::vector<std::string> keys;
  const std::filesystem::path base =
      std::filesystem::path(trail_dir) / "AWSLogs" / kAccount / "CloudTrail-Digest" / region;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(base, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (it->is_regular_file() && name.ends_with(".json.gz")) {
      keys.push_back(it->path().lexically_relative(trail_dir).generic_string());
    }
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

std::string Path(const Trail& t, const std::string& key) { return t.trail_dir + "/" + key; }

std::string Inflate(const std::string& path) {
  auto r = internal::GzipDecompress(test_support::ReadFile(path));
  return r.ok() ? *r : "";
}

void WriteGzip(const std::string& path, const std::string& text) {
  auto gz = internal::GzipCompress(text);
  ASSERT_TRUE(gz.ok());
  ASSERT_TRUE(WriteFileAtomic(path, *gz).ok());
}

}  // namespace trailwatch::trail::testing
