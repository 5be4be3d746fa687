// Tests of trail/signing.cc, trail/digest.cc and trail/writer.cc: keys, digest fields, chain.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/time.h"
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
using Json = nlohmann::ordered_json;

FakeClock ClockAt(std::int64_t ms) { return FakeClock(TimePoint(std::chrono::milliseconds(ms))); }

Json DigestJson(const testing::Trail& t, const std::string& key) {
  return Json::parse(testing::Inflate(testing::Path(t, key)));
}

TEST(SigningKeysTest, GeneratedOnFirstUseWithAPrivateKeyOnlyTheOwnerReads) {
  test_support::TempDir dir;
  const std::string signing = dir.path() + "/trail-signing";
  FakeClock clock = ClockAt(kT0);
  auto keys = SigningKeys::Open(signing, clock);
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_EQ(keys->fingerprint().size(), 32u);
  EXPECT_EQ(keys->fingerprint().find_first_not_of("0123456789abcdef"), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat((signing + "/private-key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(signing.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  // Reopening loads the same key instead of making a new one.
  auto again = SigningKeys::Open(signing, clock);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->fingerprint(), keys->fingerprint());
  auto list = internal::LoadPublicKeys(signing);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].fingerprint, keys->fingerprint());
  EXPECT_EQ(internal::Fingerprint((*list)[0].der), keys->fingerprint());
  EXPECT_EQ((*list)[0].validity_start, "2025-03-04T09:00:00Z");
  EXPECT_FALSE((*list)[0].validity_end.has_value());
  // The signature verifies with the published key and fails for other data.
  auto sig = keys->Sign("hello");
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(sig->size(), 256u);
  EXPECT_TRUE(internal::VerifySignature((*list)[0].der, "hello", *sig).ok());
  EXPECT_EQ(internal::VerifySignature((*list)[0].der, "hellO", *sig).code(),
            StatusCode::kCorruption);
  EXPECT_EQ(internal::VerifySignature("junk", "hello", *sig).code(), StatusCode::kInvalidArgument);
}

TEST(SigningKeysTest, RotationKeepsOldPublicKeys) {
  test_support::TempDir dir;
  FakeClock clock = ClockAt(kT0);
  auto keys = SigningKeys::Open(dir.path(), clock);
  ASSERT_TRUE(keys.ok());
  const std::string old_fp = keys->fingerprint();
  clock.Advance(std::chrono::hours(24));
  ASSERT_TRUE(keys->Rotate(clock).ok());
  EXPECT_NE(keys->fingerprint(), old_fp);
  auto list = internal::LoadPublicKeys(dir.path());
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].fingerprint, old_fp);
  EXPECT_EQ((*list)[0].validity_end, "2025-03-05T09:00:00Z");
  EXPECT_EQ((*list)[1].fingerprint, keys->fingerprint());
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/public-keys/" + old_fp + ".pem"));
  auto reopened = SigningKeys::Open(dir.path(), clock);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(reopened->fingerprint(), keys->fingerprint());
}

TEST(DigestTest, FieldsAndChain) {
  auto t = testing::BuildTrail(/*periods=*/3, /*files_per_period=*/2);
  // 09:10 → 10:00, 10:00 → 11:00, 11:00 → 12:00, then Close() at 12:03:30.
  ASSERT_EQ(t->digest_keys.size(), 4u);
  ASSERT_EQ(t->logs.size(), 6u);
  auto keys = internal::LoadPublicKeys(t->signing_dir);
  ASSERT_TRUE(keys.ok());
  const std::vector<std::string> order = {"awsAccountId",
                                          "digestStartTime",
                                          "digestEndTime",
                                          "digestS3Bucket",
                                          "digestS3Object",
                                          "digestPublicKeyFingerprint",
                                          "digestSignatureAlgorithm",
                                          "newestEventTime",
                                          "oldestEventTime",
                                          "previousDigestS3Bucket",
                                          "previousDigestS3Object",
                                          "previousDigestHashValue",
                                          "previousDigestHashAlgorithm",
                                          "previousDigestSignature",
                                          "logFiles"};
  const std::vector<std::string> starts = {"2025-03-04T09:10:00Z", "2025-03-04T10:00:00Z",
                                           "2025-03-04T11:00:00Z", "2025-03-04T12:00:00Z"};
  const std::vector<std::string> ends = {"2025-03-04T10:00:00Z", "2025-03-04T11:00:00Z",
                                         "2025-03-04T12:00:00Z", "2025-03-04T12:03:30Z"};
  std::string previous_key, previous_hash, previous_sig;
  for (std::size_t i = 0; i < t->digest_keys.size(); ++i) {
    const std::string& key = t->digest_keys[i];
    const std::string text = testing::Inflate(testing::Path(*t, key));
    const Json d = Json::parse(text);
    std::vector<std::string> got;
    for (const auto& [k, v] : d.items()) got.push_back(k);
    EXPECT_EQ(got, order);
    EXPECT_EQ(d["awsAccountId"], kAccount);
    EXPECT_EQ(d["digestStartTime"], starts[i]);
    EXPECT_EQ(d["digestEndTime"], ends[i]);
    EXPECT_EQ(d["digestS3Bucket"], "trailwatch");
    EXPECT_EQ(d["digestS3Object"], key);
    EXPECT_EQ(d["digestSignatureAlgorithm"], "SHA256withRSA");
    EXPECT_EQ(d["digestPublicKeyFingerprint"], (*keys)[0].fingerprint);
    if (i == 0) {
      for (const char* k :
           {"previousDigestS3Bucket", "previousDigestS3Object", "previousDigestHashValue",
            "previousDigestHashAlgorithm", "previousDigestSignature"}) {
        EXPECT_TRUE(d[k].is_null()) << k;
      }
    } else {
      EXPECT_EQ(d["previousDigestS3Bucket"], "trailwatch");
      EXPECT_EQ(d["previousDigestS3Object"], previous_key);
      EXPECT_EQ(d["previousDigestHashValue"], previous_hash);
      EXPECT_EQ(d["previousDigestHashAlgorithm"], "SHA-256");
      EXPECT_EQ(d["previousDigestSignature"], previous_sig);
    }
    // The signature in the sidecar verifies over the spec's four-line string.
    auto meta =
        internal::ParseMetadata(test_support::ReadFile(testing::Path(*t, key) + ".metadata.json"));
    ASSERT_TRUE(meta.ok());
    EXPECT_EQ(meta->signature_algorithm, "SHA256withRSA");
    const std::string hash = HexEncode(Sha256(text));
    const std::string to_sign = d["digestEndTime"].get<std::string>() + "\ntrailwatch/" + key +
                                "\n" + hash + "\n" + (i == 0 ? std::string("null") : previous_sig);
    EXPECT_TRUE(
        internal::VerifySignature((*keys)[0].der, to_sign, *HexDecode(meta->signature)).ok());
    previous_key = key;
    previous_hash = hash;
    previous_sig = meta->signature;
  }
  // Period contents: two files each, none in the final (empty) window.
  for (std::size_t i = 0; i < 3; ++i) {
    const Json d = DigestJson(*t, t->digest_keys[i]);
    ASSERT_EQ(d["logFiles"].size(), 2u);
    for (std::size_t f = 0; f < 2; ++f) {
      const LogFileInfo& log = t->logs[i * 2 + f];
      const Json& e = d["logFiles"][f];
      EXPECT_EQ(e["s3Bucket"], "trailwatch");
      EXPECT_EQ(e["s3Object"], log.key);
      EXPECT_EQ(e["hashValue"], log.sha256_hex);
      EXPECT_EQ(e["hashAlgorithm"], "SHA-256");
      EXPECT_EQ(e["oldestEventTime"], internal::IsoSeconds(log.oldest_event_ms));
      EXPECT_EQ(e["newestEventTime"], internal::IsoSeconds(log.newest_event_ms));
    }
    EXPECT_EQ(d["oldestEventTime"], internal::IsoSeconds(t->logs[i * 2].oldest_event_ms));
    EXPECT_EQ(d["newestEventTime"], internal::IsoSeconds(t->logs[i * 2 + 1].newest_event_ms));
  }
  const Json last = DigestJson(*t, t->digest_keys[3]);
  EXPECT_TRUE(last["logFiles"].empty());
  EXPECT_TRUE(last["newestEventTime"].is_null());
  EXPECT_TRUE(last["oldestEventTime"].is_null());
}

TEST(DigestTest, EmptyPeriodsStillGetDigests) {
  auto t = testing::BuildTrail(1, 1);
  FakeClock& clock = *t->clock;
  TrailWriterOptions o;
  o.location.root = t->trail_dir;
  o.signing_dir = t->signing_dir;
  // Restart: the chain continues from the head in chain-state.json.
  auto w = TrailWriter::Open(o, clock);
  ASSERT_TRUE(w.ok());
  clock.Advance(std::chrono::hours(3));
  ASSERT_TRUE((*w)->Tick().ok());
  auto closed = (*w)->Close();
  ASSERT_TRUE(closed.ok());
  const auto keys = testing::DigestKeys(t->trail_dir, kRegion);
  ASSERT_EQ(keys.size(), 2u + 3u + 1u);
  for (std::size_t i = 1; i < keys.size(); ++i) {
    const Json d = DigestJson(*t, keys[i]);
    EXPECT_EQ(d["previousDigestS3Object"], keys[i - 1]) << i;
    if (i >= 2) {
      EXPECT_TRUE(d["logFiles"].empty());
    }
  }
  auto state = internal::LoadChainState(t->signing_dir);
  ASSERT_TRUE(state.ok());
  EXPECT_TRUE(state->stopped_cleanly);
  ASSERT_EQ(state->heads.size(), 1u);
  EXPECT_EQ(state->heads[0].key, keys.back());
}

TEST(DigestTest, WriterRejectsBadRecordsAndUseAfterClose) {
  test_support::TempDir dir;
  FakeClock clock = ClockAt(kT0);
  TrailWriterOptions o;
  o.location.root = dir.path() + "/trail";
  o.signing_dir = dir.path() + "/trail-signing";
  auto w = TrailWriter::Open(o, clock);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->Append(kAccount, kRegion, "not json").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*w)->Append(kAccount, kRegion, "{}").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*w)->Append("../etc", kRegion, testing::Record(1, kT0)).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ((*w)->Append(kAccount, "", testing::Record(1, kT0)).code(),
            StatusCode::kInvalidArgument);
  ASSERT_TRUE((*w)->Close().ok());
  EXPECT_FALSE((*w)->Append(kAccount, kRegion, testing::Record(1, kT0)).ok());
  EXPECT_FALSE((*w)->Tick().ok());
}

TEST(DigestTest, ConcurrentAppendsAllLand) {
  test_support::TempDir dir;
  FakeClock clock = ClockAt(kT0);
  TrailWriterOptions o;
  o.location.root = dir.path() + "/trail";
  o.signing_dir = dir.path() + "/trail-signing";
  auto w = TrailWriter::Open(o, clock);
  ASSERT_TRUE(w.ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        EXPECT_TRUE((*w)->Append(kAccount, t % 2 == 0 ? kRegion : "us-east-1",
                                 testing::Record(t * 100 + i, kT0))
                        .ok());
        if (i % 10 == 0) {
          EXPECT_TRUE((*w)->Tick().ok());
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  auto files = (*w)->Flush();
  ASSERT_TRUE(files.ok());
  std::size_t records = 0;
  for (const LogFileInfo& f : *files) records += f.record_count;
  EXPECT_EQ(records, 200u);
  EXPECT_EQ(files->size(), 2u);
}

struct ParseCase {
  std::string name;
  std::string text;
  bool ok;
};

class ParseDigestTest : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ParseDigestTest, AcceptsOnlyWellFormedDigests) {
  const ParseCase& c = GetParam();
  auto d = ParseDigestFile(c.text);
  EXPECT_EQ(d.ok(), c.ok) << (d.ok() ? "" : d.status().ToString());
  if (!d.ok()) {
    EXPECT_EQ(d.status().code(), StatusCode::kCorruption);
  }
  auto gz = internal::GzipCompress(c.text);
  ASSERT_TRUE(gz.ok());
  EXPECT_EQ(ParseDigestFile(*gz).ok(), c.ok) << "gzip'ed";
}

const char kMinimal[] =
    R"({"digestStartTime":"2025-03-04T09:00:00Z","digestEndTime":"2025-03-04T10:00:00Z",)"
    R"("digestS3Bucket":"b","digestS3Object":"k","digestPublicKeyFingerprint":"ab",)"
    R"("previousDigestSignature":null,"logFiles":[]})";

INSTANTIATE_TEST_SUITE_P(
    Cases, ParseDigestTest,
    ::testing::Values(
        ParseCase{"minimal", kMinimal, true},
        ParseCase{"with_log",
                  std::string(kMinimal, sizeof kMinimal - 4) +
                      R"([{"s3Bucket":"b","s3Object":"o","hashValue":"00"}]})",
                  true},
        ParseCase{"empty", "", false}, ParseCase{"array", "[]", false},
        ParseCase{"truncated", std::string(kMinimal, 40), false},
        ParseCase{"no_prev_sig",
                  R"({"digestStartTime":"a","digestEndTime":"b","digestS3Bucket":"c",)"
                  R"("digestS3Object":"d","digestPublicKeyFingerprint":"e","logFiles":[]})",
                  false},
        ParseCase{"number_bucket",
                  R"({"digestStartTime":"a","digestEndTime":"b","digestS3Bucket":1,)"
                  R"("digestS3Object":"d","digestPublicKeyFingerprint":"e",)"
                  R"("previousDigestSignature":null,"logFiles":[]})",
                  false},
        ParseCase{"logfiles_object", std::string(kMinimal, sizeof kMinimal - 4) + "{}}", false},
        ParseCase{"log_entry_number", std::string(kMinimal, sizeof kMinimal - 4) + "[1]}", false},
        ParseCase{"prev_sig_number",
                  R"({"digestStartTime":"a","digestEndTime":"b","digestS3Bucket":"c",)"
                  R"("digestS3Object":"d","digestPublicKeyFingerprint":"e",)"
                  R"("previousDigestSignature":7,"logFiles":[]})",
                  false}),
    [](const auto& p) { return p.param.name; });

// ---- Differential checks with real tools.

bool HaveTool(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

std::string RunCapture(const std::string& cmd, int* status) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) {
    *status = -1;
    return out;
  }
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int rc = ::pclose(p);
  *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

TEST(DifferentialTest, OpensslVerifiesDigestSignaturesAndFingerprints) {
  if (!HaveTool("openssl")) GTEST_SKIP() << "openssl command-line tool not installed";
  auto t = testing::BuildTrail(2, 1);
  auto keys = internal::LoadPublicKeys(t->signing_dir);
  ASSERT_TRUE(keys.ok());
  const std::string fp = (*keys)[0].fingerprint;
  const std::string pem = t->signing_dir + "/public-keys/" + fp + ".pem";
  // Fingerprint: MD5 of the PKCS#1 DER form of the public key.
  int status = 0;
  const std::string md5 =
      RunCapture("openssl rsa -pubin -in '" + pem +
                     "' -RSAPublicKey_out -outform DER 2>/dev/null | openssl md5 -r",
                 &status);
  ASSERT_EQ(status, 0);
  EXPECT_EQ(md5.substr(0, 32), fp);
  std::string previous_sig = "null";
  for (const std::string& key : t->digest_keys) {
    const std::string text = testing::Inflate(testing::Path(*t, key));
    const Json d = Json::parse(text);
    auto meta =
        internal::ParseMetadata(test_support::ReadFile(testing::Path(*t, key) + ".metadata.json"));
    ASSERT_TRUE(meta.ok());
    const std::string data =
        t->dir.Write("data.txt", d["digestEndTime"].get<std::string>() + "\ntrailwatch/" + key +
                                     "\n" + HexEncode(Sha256(text)) + "\n" + previous_sig);
    const std::string sig = t->dir.Write("sig.bin", *HexDecode(meta->signature));
    const std::string out = RunCapture(
        "openssl dgst -sha256 -verify '" + pem + "' -signature '" + sig + "' '" + data + "' 2>&1",
        &status);
    EXPECT_EQ(status, 0) << out;
    EXPECT_NE(out.find("Verified OK"), std::string::npos) << out;
    // One changed byte must fail.
    t->dir.Write("data.txt", "x" + test_support::ReadFile(data).substr(1));
    RunCapture(
        "openssl dgst -sha256 -verify '" + pem + "' -signature '" + sig + "' '" + data + "' 2>&1",
        &status);
    EXPECT_NE(status, 0);
    previous_sig = meta->signature;
  }
}

TEST(DifferentialTest, Sha256sumAgreesWithLogFileHashes) {
  if (!HaveTool("sha256sum") || !HaveTool("gzip")) GTEST_SKIP() << "sha256sum or gzip missing";
  auto t = testing::BuildTrail(1, 3);
  ASSERT_EQ(t->logs.size(), 3u);
  for (const LogFileInfo& log : t->logs) {
    int status = 0;
    const std::string out =
        RunCapture("gzip -dc '" + testing::Path(*t, log.key) + "' | sha256sum", &status);
    ASSERT_EQ(status, 0);
    EXPECT_EQ(out.substr(0, 64), log.sha256_hex);
  }
}

}  // namespace
}  // namespace trailwatch::trail
