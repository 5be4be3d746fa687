// Tests of trail/validate.cc: a clean trail validates; every kind of tampering is reported.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>

#include "testing/files.h"
#include "trail/internal.h"
#include "trail/trail.h"
#include "trail/trail_fixture.h"

namespace trailwatch::trail {
namespace {

using testing::kAccount;
using testing::kHour;
using testing::kMinute;
using testing::kRegion;
using testing::kT0;
using testing::Trail;

ValidateReport Validate(const Trail& t, bool verbose = false) {
  ValidateOptions o;
  o.trail_dir = t.trail_dir;  // signing dir: the default sibling trail-signing/
  o.verbose = verbose;
  return ValidateLogs(o, *t.clock);
}

std::string S3(const std::string& key) { return "s3://trailwatch/" + key; }

TEST(ValidateLogsTest, CleanTrailIsValid) {
  auto t = testing::BuildTrail(3, 2, /*second_region=*/true);
  const ValidateReport r = Validate(*t, /*verbose=*/true);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.err, "");
  // Two chains: eu-west-1 (4 digests, 6 files) and us-east-1 (4 digests, 1 file).
  EXPECT_EQ(r.digests_valid, 8u);
  EXPECT_EQ(r.logs_valid, 7u);
  EXPECT_NE(r.out.find("Validating log files in " + t->trail_dir +
                       " between 2025-03-04T09:10:00Z and 2025-03-04T12:03:30Z\n\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("Digest file\t" + S3(t->digest_keys.back()) + "\tvalid\n"),
            std::string::npos);
  EXPECT_NE(r.out.find("Log file\t" + S3(t->logs[0].key) + "\tvalid\n"), std::string::npos);
  EXPECT_NE(r.out.find("\nResults requested for 2025-03-04T09:10:00Z to 2025-03-04T12:03:30Z\n"
                       "Results found for 2025-03-04T09:10:00Z to 2025-03-04T12:03:30Z:\n"
                       "\n8/8 digest files valid\n7/7 log files valid\n"),
            std::string::npos)
      << r.out;
  // Without --verbose only the summary.
  const ValidateReport quiet = Validate(*t);
  EXPECT_EQ(quiet.out.find("\tvalid"), std::string::npos);
  EXPECT_EQ(quiet.exit_code, 0);
}

TEST(ValidateLogsTest, TimeRangeLimitsTheWalk) {
  auto t = testing::BuildTrail(3, 2);
  ValidateOptions o;
  o.trail_dir = t->trail_dir;
  o.start_ms = kT0 + 2 * kHour + 30 * kMinute;  // 11:30
  o.end_ms = kT0 + 3 * kHour + 10 * kMinute;    // 12:10
  const ValidateReport r = ValidateLogs(o, *t->clock);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // 12:00-12:03:30 (empty) and 11:00-12:00 (2 files); the walk stops once a digest starts
  // before the requested start.
  EXPECT_EQ(r.digests_valid, 2u);
  EXPECT_EQ(r.logs_valid, 2u);
  EXPECT_NE(r.out.find("Results requested for 2025-03-04T11:30:00Z to 2025-03-04T12:10:00Z\n"
                       "Results found for 2025-03-04T11:30:00Z to 2025-03-04T12:03:30Z:\n"),
            std::string::npos)
      << r.out;
}

TEST(ValidateLogsTest, OldDigestsStillValidateAfterKeyRotation) {
  test_support::TempDir dir;
  FakeClock clock{TimePoint{std::chrono::milliseconds{kT0}}};
  TrailWriterOptions o;
  o.location.root = dir.path() + "/trail";
  o.signing_dir = dir.path() + "/trail-signing";
  auto w = TrailWriter::Open(o, clock);
  ASSERT_TRUE(w.ok());
  for (int i = 0; i < 4; ++i) {
    clock.Advance(std::chrono::minutes(40));
    ASSERT_TRUE(
        (*w)->Append(kAccount, kRegion, testing::Record(i, clock.Now().time_since_epoch().count()))
            .ok());
    ASSERT_TRUE((*w)->Flush().ok());
    ASSERT_TRUE((*w)->Tick().ok());
    if (i == 1) {
      ASSERT_TRUE((*w)->RotateSigningKey().ok());
    }
  }
  ASSERT_TRUE((*w)->Close().ok());
  auto keys = internal::LoadPublicKeys(o.signing_dir);
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->size(), 2u);
  ValidateOptions v;
  v.trail_dir = o.location.root;
  const ValidateReport r = ValidateLogs(v, clock);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.logs_valid, 4u);
  EXPECT_GE(r.digests_valid, 3u);
}

TEST(ValidateLogsTest, EmptyTrailHasNoDigests) {
  test_support::TempDir dir;
  FakeClock clock{TimePoint{std::chrono::milliseconds{kT0}}};
  ValidateOptions o;
  o.trail_dir = dir.path();
  const ValidateReport r = ValidateLogs(o, clock);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("No digests found\n"), std::string::npos) << r.out;
  o.trail_dir.clear();
  EXPECT_EQ(ValidateLogs(o, clock).exit_code, 2);
}

TEST(ValidateLogsTest, WritesToFileStreams) {
  auto t = testing::BuildTrail(1, 1);
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  ValidateOptions o;
  o.trail_dir = t->trail_dir;
  EXPECT_EQ(ValidateLogs(o, *t->clock, out, err), 0);
  std::rewind(out);
  char buf[256] = {};
  EXPECT_GT(std::fread(buf, 1, sizeof buf - 1, out), 0u);
  EXPECT_NE(std::string(buf).find("Validating log files"), std::string::npos);
  std::fclose(out);
  std::fclose(err);
}

// ---- Tampering: each case changes a freshly built trail (3 hourly periods, 2 files each,
// digests d0..d3 oldest first, logs l0..l5) and names the lines validate-logs must print.

struct TamperCase {
  std::string name;
  std::function<void(Trail&)> tamper;
  // Keys are resolved after tampering, so lines are built from the trail.
  std::function<std::vector<std::string>(const Trail&)> expected_lines;
};

void Remove(const std::string& path) { ASSERT_TRUE(std::filesystem::remove(path)) << path; }

void EditGzip(const std::string& path, const std::function<void(std::string*)>& edit) {
  std::string text = testing::Inflate(path);
  ASSERT_FALSE(text.empty());
  edit(&text);
  testing::WriteGzip(path, text);
}

void Swap(const std::string& a, const std::string& b) {
  const std::string tmp = a + ".swap";
  std::filesystem::rename(a, tmp);
  std::filesystem::rename(b, a);
  std::filesystem::rename(tmp, b);
}

std::string LogLine(const Trail& t, std::size_t i, const std::string& msg) {
  return "Log file\t" + S3(t.logs[i].key) + "\tINVALID: " + msg;
}
std::string DigestLine(const Trail& t, std::size_t i, const std::string& msg) {
  return "Digest file\t" + S3(t.digest_keys[i]) + "\tINVALID: " + msg;
}

std::vector<TamperCase> TamperCases() {
  return {
      {"modified_log",
       [](Trail& t) {
         EditGzip(testing::Path(t, t.logs[2].key),
                  [](std::string* s) { s->replace(s->find("app/secret-"), 11, "app/SECRET-"); });
       },
       [](const Trail& t) { return std::vector{LogLine(t, 2, "hash value doesn't match")}; }},
      {"deleted_log", [](Trail& t) { Remove(testing::Path(t, t.logs[5].key)); },
       [](const Trail& t) { return std::vector{LogLine(t, 5, "not found")}; }},
      {"garbage_log", [](Trail& t) { t.dir.Write("trail/" + t.logs[0].key, "not gzip at all"); },
       [](const Trail& t) { return std::vector{LogLine(t, 0, "invalid format")}; }},
      {"swapped_logs",
       [](Trail& t) { Swap(testing::Path(t, t.logs[1].key), testing::Path(t, t.logs[3].key)); },
       [](const Trail& t) {
         return std::vector{LogLine(t, 1, "hash value doesn't match"),
                            LogLine(t, 3, "hash value doesn't match")};
       }},
      {"deleted_middle_digest", [](Trail& t) { Remove(testing::Path(t, t.digest_keys[1])); },
       [](const Trail& t) { return std::vector{DigestLine(t, 1, "not found")}; }},
      {"deleted_newest_digest", [](Trail& t) { Remove(testing::Path(t, t.digest_keys[3])); },
       [](const Trail& t) { return std::vector{DigestLine(t, 3, "not found")}; }},
      {"modified_digest",
       [](Trail& t) {
         EditGzip(testing::Path(t, t.digest_keys[2]), [&](std::string* s) {
           const std::size_t at = s->find(t.logs[4].sha256_hex);
           ASSERT_NE(at, std::string::npos);
           s->replace(at, 64, std::string(64, '0'));
         });
       },
       [](const Trail& t) {
         return std::vector{DigestLine(t, 2, "signature verification failed")};
       }},
      {"swapped_digests",
       [](Trail& t) {
         Swap(testing::Path(t, t.digest_keys[1]), testing::Path(t, t.digest_keys[2]));
       },
       [](const Trail& t) {
         return std::vector{DigestLine(t, 2, "has been moved from its original location"),
                            DigestLine(t, 1, "has been moved from its original location")};
       }},
      {"missing_signature",
       [](Trail& t) { Remove(testing::Path(t, t.digest_keys[0]) + ".metadata.json"); },
       [](const Trail& t) {
         return std::vector{DigestLine(t, 0, "signature verification failed")};
       }},
      {"digest_not_json",
       [](Trail& t) { testing::WriteGzip(testing::Path(t, t.digest_keys[1]), "{\"x\":"); },
       [](const Trail& t) { return std::vector{DigestLine(t, 1, "invalid format")}; }},
      {"foreign_key",
       [](Trail& t) {
         // An attacker re-signs a digest with a key of their own.
         FakeClock clock{TimePoint{std::chrono::milliseconds{kT0}}};
         auto keys = SigningKeys::Open(t.dir.path() + "/attacker", clock);
         ASSERT_TRUE(keys.ok());
         const auto d = ParseDigestFile(test_support::ReadFile(testing::Path(t, t.digest_keys[3])));
         ASSERT_TRUE(d.ok());
         const internal::ChainLink link{
             *d->previous_digest_s3_bucket, *d->previous_digest_s3_object,
             *d->previous_digest_hash_value, *d->previous_digest_signature};
         TrailLocation where{t.trail_dir};
         ASSERT_TRUE(internal::WriteDigest(where, *keys, kAccount, kRegion, kT0 + 3 * kHour,
                                           kT0 + 3 * kHour + 210000, {}, link)
                         .ok());
       },
       [](const Trail& t) {
         return std::vector{DigestLine(t, 3, "public key not found in region eu-west-1")};
       }},
      {"broken_chain",
       [](Trail& t) {
         // A middle digest replaced by one that is validly signed (say, with a stolen key) but
         // lists fewer files: its own signature holds, the link from the next digest does not.
         FakeClock clock{TimePoint{std::chrono::milliseconds{kT0}}};
         auto keys = SigningKeys::Open(t.signing_dir, clock);
         ASSERT_TRUE(keys.ok());
         const auto d = ParseDigestFile(test_support::ReadFile(testing::Path(t, t.digest_keys[1])));
         ASSERT_TRUE(d.ok());
         const internal::ChainLink link{
             *d->previous_digest_s3_bucket, *d->previous_digest_s3_object,
             *d->previous_digest_hash_value, *d->previous_digest_signature};
         TrailLocation where{t.trail_dir};
         ASSERT_TRUE(internal::WriteDigest(where, *keys, kAccount, kRegion, kT0 + kHour,
                                           kT0 + 2 * kHour, {t.logs[2]}, link)
                         .ok());
       },
       [](const Trail& t) {
         return std::vector{DigestLine(t, 1, "does not match the previousDigestHashValue")};
       }},
      {"injected_log",
       [](Trail& t) {
         // A file that no digest lists, inside a window a digest covers.
         TrailLocation where{t.trail_dir};
         const std::vector<std::string> records = {testing::Record(99, kT0 + 70 * kMinute)};
         auto info = WriteLogFile(where, kAccount, kRegion, records, kT0 + 75 * kMinute);
         ASSERT_TRUE(info.ok());
         t.logs.push_back(*info);
       },
       [](const Trail& t) { return std::vector{LogLine(t, 6, "not listed in any digest file")}; }},
      {"log_after_clean_stop",
       [](Trail& t) {
         TrailLocation where{t.trail_dir};
         const std::vector<std::string> records = {testing::Record(99, kT0 + 4 * kHour)};
         auto info = WriteLogFile(where, kAccount, kRegion, records, kT0 + 4 * kHour);
         ASSERT_TRUE(info.ok());
         t.logs.push_back(*info);
         t.clock->Advance(std::chrono::hours(2));
       },
       [](const Trail& t) { return std::vector{LogLine(t, 6, "not listed in any digest file")}; }},
  };
}

class TamperTest : public ::testing::TestWithParam<TamperCase> {};

TEST_P(TamperTest, IsReportedAndFails) {
  const TamperCase& c = GetParam();
  auto t = testing::BuildTrail(3, 2);
  ASSERT_EQ(t->digest_keys.size(), 4u);
  ASSERT_EQ(t->logs.size(), 6u);
  ASSERT_EQ(Validate(*t).exit_code, 0);
  c.tamper(*t);
  const ValidateReport r = Validate(*t);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  for (const std::string& line : c.expected_lines(*t)) {
    EXPECT_NE(r.err.find(line), std::string::npos) << "missing: " << line << "\nerr:\n" << r.err;
  }
  EXPECT_NE(r.out.find(" files INVALID"), std::string::npos) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Cases, TamperTest, ::testing::ValuesIn(TamperCases()),
                         [](const auto& p) { return p.param.name; });

TEST(ValidateLogsTest, UnfinishedPeriodIsNotAnError) {
  // A running writer (no Close): files after the newest digest are simply not digested yet.
  test_support::TempDir dir;
  FakeClock clock{TimePoint{std::chrono::milliseconds{kT0 + 10 * kMinute}}};
  TrailWriterOptions o;
  o.location.root = dir.path() + "/trail";
  o.signing_dir = dir.path() + "/trail-signing";
  auto w = TrailWriter::Open(o, clock);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append(kAccount, kRegion, testing::Record(1, kT0 + 11 * kMinute)).ok());
  clock.Advance(std::chrono::minutes(5));   // 09:15
  ASSERT_TRUE((*w)->Tick().ok());           // delivers the first file
  clock.Advance(std::chrono::minutes(46));  // 10:01
  ASSERT_TRUE((*w)->Tick().ok());           // digest 09:10-10:00 lists it
  ASSERT_TRUE((*w)->Append(kAccount, kRegion, testing::Record(2, kT0 + 61 * kMinute)).ok());
  clock.Advance(std::chrono::minutes(5));  // 10:06
  ASSERT_TRUE((*w)->Tick().ok());          // delivers the second file, not digested yet
  ValidateOptions v;
  v.trail_dir = o.location.root;
  const ValidateReport r = ValidateLogs(v, clock);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.digests_valid, 1u);
  EXPECT_EQ(r.logs_valid, 1u);
  ASSERT_TRUE((*w)->Close().ok());
  const ValidateReport after = ValidateLogs(v, clock);
  EXPECT_EQ(after.exit_code, 0) << after.out << after.err;
  EXPECT_EQ(after.logs_valid, 2u);
}

}  // namespace
}  // namespace trailwatch::trail
