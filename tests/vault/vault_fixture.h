// Test support for the vault tests: a vault over a temporary store, an authorizer the test
// can switch, and a stand-in audit function that writes the audit fields as JSON.
#ifndef TRAILWATCH_TESTS_VAULT_VAULT_FIXTURE_H_
#define TRAILWATCH_TESTS_VAULT_VAULT_FIXTURE_H_

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/store.h"
#include "testing/files.h"
#include "vault/vault.h"

namespace trailwatch::vault::testing {

using json = nlohmann::json;

// The audit fields of a Response as one JSON object (what the trail component will expand
// into a CloudTrail record).
std::string StandInRecord(const Response& r, const CallContext& ctx);

// `j` with SecretString, SecretBinary and RandomPassword replaced by "***", for failure
// messages: test output never shows a secret value.
std::string Redact(const json& j);

struct Reply {
  int status = 0;
  json body;
  Response raw;
  std::string type() const { return body.is_object() ? body.value("__type", "") : ""; }
};

class VaultFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Opens (or reopens) the store and vault on the same directory and key.
  void Open();
  void Close();

  Reply Call(const std::string& op, const json& request);
  Reply CallRaw(const std::string& op, const std::string& body);
  // Journal records (parsed) appended since the last call to TakeJournal.
  std::vector<json> TakeJournal();

  CallContext Context() const;

  test_support::TempDir dir_;
  std::string db_path_;
  std::string key_bytes_ = std::string(32, '\x42');
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Vault> vault_;
  FakeClock clock_{TimePoint(std::chrono::milliseconds(1700000000000))};
  std::atomic<bool> allow_{true};
  std::atomic<bool> fail_audit_{false};
  std::mutex authz_mu_;
  std::vector<AuthzRequest> authz_log_;
  std::int64_t journal_seq_ = 0;
  // What VaultOptions::recorded was handed, in order.
  std::mutex recorded_mu_;
  std::vector<std::string> recorded_;
};

// Every byte of the database and its -wal and -shm files.
std::string ReadDatabaseFiles(const std::string& db_path);

}  // namespace trailwatch::vault::testing

#endif  // TRAILWATCH_TESTS_VAULT_VAULT_FIXTURE_H_
