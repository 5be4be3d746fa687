// Users, access keys and authorisation of vault calls (app/identity.h, app/vault_endpoint.h)
// over a real store in a temporary directory.
#include "app/identity.h"

#include <gtest/gtest.h>

#include <functional>
#include <utility>

#include "app/vault_endpoint.h"
#include "testing/files.h"

namespace trailwatch::app {
namespace {

// `prefix` followed by exactly `n` characters of `alphabet`.
bool Shaped(const std::string& s, std::string_view prefix, std::size_t n,
            std::string_view alphabet) {
  if (s.size() != prefix.size() + n || !s.starts_with(prefix)) return false;
  return s.find_first_not_of(alphabet, prefix.size()) == std::string::npos;
}

constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

class IdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = vault::MasterKey::FromBytes(std::string(32, '\x07'));
    ASSERT_TRUE(key.ok());
    key_.emplace(std::move(*key));
    store::StoreOptions o;
    o.path = dir_.path() + "/trailwatch.db";
    auto s = store::Store::Open(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    identity_.emplace(store_.get(), &*key_, "111122223333", clock_);
  }

  test_support::TempDir dir_;
  FakeClock clock_{TimePoint(std::chrono::milliseconds(1'795'000'000'000))};
  std::optional<vault::MasterKey> key_;
  std::unique_ptr<store::Store> store_;
  std::optional<Identity> identity_;
};

TEST_F(IdentityTest, UsersAndKeysLookLikeIam) {
  auto user = identity_->CreateUser("alice");
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  EXPECT_EQ(user->arn, "arn:aws:iam::111122223333:user/alice");
  EXPECT_TRUE(Shaped(user->user_id, "AIDA", 17, kBase32)) << user->user_id;
  auto key = identity_->CreateAccessKey("alice");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_TRUE(Shaped(key->access_key_id, "AKIA", 16, kBase32));
  EXPECT_TRUE(Shaped(key->secret_access_key, "", 40,
                     "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"));
  const std::string json = key->ToJson();
  EXPECT_EQ(json.rfind(R"({"AccessKey":{"UserName":"alice","AccessKeyId":"AKIA)", 0), 0u) << json;
  EXPECT_NE(json.find(R"("CreateDate":"2026-11-18T)"), std::string::npos) << json;
  EXPECT_NE(json.find("+00:00\"}}"), std::string::npos) << json;

  auto secret = identity_->SecretFor(key->access_key_id);
  ASSERT_TRUE(secret.ok());
  EXPECT_EQ(*secret, key->secret_access_key);
  auto caller = identity_->CallerFor(key->access_key_id);
  ASSERT_TRUE(caller.ok());
  EXPECT_EQ((*caller)->principal.user_name, "alice");
  EXPECT_EQ((*caller)->principal.principal_id, user->user_id);
  EXPECT_EQ((*caller)->principal.access_key_id, key->access_key_id);
  EXPECT_EQ(identity_->SecretFor("AKIANOTAKEYATALL0000").status().code(), StatusCode::kNotFound);
  auto count = identity_->UserCount();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 1u);
}

TEST_F(IdentityTest, ErrorsAreIams) {
  ASSERT_TRUE(identity_->CreateUser("bob").ok());
  const struct {
    Status status;
    const char* text;
  } cases[] = {
      {identity_->CreateUser("bob").status(), "EntityAlreadyExists: User with name bob"},
      {identity_->CreateUser("bad name").status(), "ValidationError: user name 'bad name'"},
      {identity_->CreateUser(std::string(65, 'a')).status(), "ValidationError"},
      {identity_->CreateAccessKey("nobody").status(), "NoSuchEntity: The user with name nobody"},
      {identity_->PutUserPolicy("bob", "p", "{not json"), "MalformedPolicyDocument: "},
      {identity_->PutUserPolicy("nobody", "p",
                                R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)"
                                R"("Action":"secretsmanager:ListSecrets","Resource":"*"}]})"),
       "NoSuchEntity: The user with name nobody cannot be found."},
      {identity_->PutUserPolicy("bob", "p", R"({"Version":"2012-10-17","Statement":[]})"),
       "MalformedPolicyDocument"},
  };
  for (const auto& c : cases) {
    EXPECT_FALSE(c.status.ok()) << c.text;
    EXPECT_NE(c.status.ToString().find(c.text), std::string::npos) << c.status.ToString();
  }
}

TEST_F(IdentityTest, SecretKeysAreSealedOnDisk) {
  ASSERT_TRUE(identity_->CreateUser("carol").ok());
  auto key = identity_->CreateAccessKey("carol");
  ASSERT_TRUE(key.ok());
  store_.reset();  // close: checkpoint the WAL into the file
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::string bytes = test_support::ReadFile(dir_.path() + "/trailwatch.db" + suffix);
    EXPECT_EQ(bytes.find(key->secret_access_key), std::string::npos) << suffix;
  }
}

// Authorisation of a vault call: identity policies, the resource policy and the context keys
// the daemon supplies.
TEST_F(IdentityTest, AuthorizeUsesPoliciesAndContextKeys) {
  ASSERT_TRUE(identity_->CreateUser("dave").ok());
  auto key = identity_->CreateAccessKey("dave");
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(identity_
                  ->PutUserPolicy("dave", "reads", R"({"Version":"2012-10-17","Statement":[
      {"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*",
       "Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},
                    "StringEquals":{"secretsmanager:ResourceTag/team":"payments"}}},
      {"Effect":"Deny","Action":"secretsmanager:*","Resource":"*",
       "Condition":{"Bool":{"aws:SecureTransport":"false"}}}]})")
                  .ok());
  auto caller = identity_->CallerFor(key->access_key_id);
  ASSERT_TRUE(caller.ok());
  vault::AuthzRequest req;
  req.action = "secretsmanager:GetSecretValue";
  req.resource_arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf";
  req.secret_exists = true;
  req.tags = {{"team", "payments"}};
  vault::CallContext ctx;
  ctx.principal = (*caller)->principal;
  ctx.time = clock_.Now();
  const struct {
    const char* name;
    std::string ip;
    bool tls;
    std::string team;
    bool allowed;
    const char* message;
  } cases[] = {
      {"all conditions hold", "10.1.2.3", true, "payments", true, ""},
      {"outside the network", "192.0.2.1", true, "payments", false,
       "because no identity-based policy allows"},
      {"another team's secret", "10.1.2.3", true, "search", false, "no identity-based policy"},
      {"plain HTTP", "10.1.2.3", false, "payments", false,
       "with an explicit deny in an identity-based policy"},
  };
  for (const auto& c : cases) {
    ctx.source_ip = c.ip;
    ctx.tls = c.tls;
    req.tags = {{"team", c.team}};
    const vault::AuthzDecision d = Authorize(**caller, req, ctx, std::nullopt);
    EXPECT_EQ(d.allowed, c.allowed) << c.name;
    EXPECT_NE(d.message.find(c.message), std::string::npos) << c.name << ": " << d.message;
    if (!c.allowed) {
      EXPECT_EQ(d.message.rfind("User: arn:aws:iam::111122223333:user/dave is not authorized to "
                                "perform: secretsmanager:GetSecretValue on resource: ",
                                0),
                0u)
          << d.message;
    }
  }
  // A resource policy can grant what identity policies do not (same account).
  auto rp = iam::Policy::Parse(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
      "Principal":{"AWS":"arn:aws:iam::111122223333:user/dave"},
      "Action":"secretsmanager:DescribeSecret","Resource":"*"}]})",
                               {iam::PolicyKind::kResource, iam::kSecretResourcePolicyLimit});
  ASSERT_TRUE(rp.ok()) << rp.status().ToString();
  req.action = "secretsmanager:DescribeSecret";
  ctx.tls = true;
  EXPECT_FALSE(Authorize(**caller, req, ctx, std::nullopt).allowed);
  EXPECT_TRUE(Authorize(**caller, req, ctx, *rp).allowed);
}

// The store, except that `after_read` runs once, after the next read transaction: a change
// that lands while what that read found is on its way into a cache.
class RacingStore final : public store::Store {
 public:
  explicit RacingStore(store::Store* inner) : inner_(inner) {}
  std::function<void()> after_read;

  Status Write(WriteJob job) override { return inner_->Write(std::move(job)); }
  Status Read(const ReadFn& fn) override {
    Status st = inner_->Read(fn);
    if (auto hook = std::exchange(after_read, nullptr)) hook();
    return st;
  }
  Result<std::vector<store::JournalEntry>> ReadUndelivered(std::size_t limit) override {
    return inner_->ReadUndelivered(limit);
  }
  Status MarkDelivered(std::int64_t upto) override { return inner_->MarkDelivered(upto); }
  Result<std::int64_t> MonitorResumePoint(std::int64_t since_ms, std::size_t max_rows) override {
    return inner_->MonitorResumePoint(since_ms, max_rows);
  }
  Result<std::vector<store::JournalEntry>> ReadJournalFrom(std::int64_t from_seq,
                                                           std::size_t limit) override {
    return inner_->ReadJournalFrom(from_seq, limit);
  }
  Status MarkMonitored(const std::vector<std::int64_t>& seqs, std::int64_t watermark_ms) override {
    return inner_->MarkMonitored(seqs, watermark_ms);
  }
  Result<std::int64_t> PruneJournal(std::int64_t before_ms, std::int64_t replay_window_ms,
                                    std::size_t max_rows) override {
    return inner_->PruneJournal(before_ms, replay_window_ms, max_rows);
  }
  store::StoreStats Stats() const override { return inner_->Stats(); }

 private:
  store::Store* inner_;
};

TEST_F(IdentityTest, APolicyChangeDuringALoadIsNotCached) {
  RacingStore racing(store_.get());
  Identity identity(&racing, &*key_, "111122223333", clock_);
  ASSERT_TRUE(identity.CreateUser("erin").ok());
  auto key = identity.CreateAccessKey("erin");
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(identity
                  .PutUserPolicy("erin", "reads", R"({"Version":"2012-10-17","Statement":[
      {"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}]})")
                  .ok());
  Status revoked = Status::Internal("not run");
  racing.after_read = [&] {
    revoked = identity.PutUserPolicy("erin", "reads", R"({"Version":"2012-10-17","Statement":[
      {"Effect":"Deny","Action":"secretsmanager:*","Resource":"*"}]})");
  };
  vault::AuthzRequest req;
  req.action = "secretsmanager:GetSecretValue";
  req.resource_arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf";
  vault::CallContext ctx;
  ctx.time = clock_.Now();
  // The load read the store before the revocation: that request may still use what it read.
  auto before = identity.CallerFor(key->access_key_id);
  ASSERT_TRUE(before.ok());
  ASSERT_TRUE(revoked.ok()) << revoked.ToString();
  EXPECT_TRUE(Authorize(**before, req, ctx, std::nullopt).allowed);
  // The next one, in the same second, must not be served the old policy from the cache.
  auto after = identity.CallerFor(key->access_key_id);
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(Authorize(**after, req, ctx, std::nullopt).allowed);
}

TEST(AuditRecordTest, CarriesWhoWhatWhereAndTls) {
  vault::Response r;
  r.event_name = "GetSecretValue";
  r.read_only = true;
  r.request_parameters = R"({"secretId":"prod/db"})";
  r.error_code = "AccessDenied";
  r.error_message = "User: arn:aws:iam::111122223333:user/bob is not authorized";
  r.resources = {"arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf"};
  vault::CallContext ctx;
  ctx.principal = {"IAMUser",
                   "arn:aws:iam::111122223333:user/bob",
                   "111122223333",
                   "AIDAEXAMPLEEXAMPLE123",
                   "AKIAEXAMPLEEXAMPLE12",
                   "bob"};
  ctx.source_ip = "198.51.100.7";
  ctx.user_agent = "aws-cli/2.15";
  ctx.request_id = "0b1c2d3e-0000-4000-8000-000000000001";
  ctx.tls = true;
  ctx.tls_version = "TLSv1.3";
  ctx.cipher_suite = "TLS_AES_128_GCM_SHA256";
  ctx.host_header = "vault.example.com:4580";
  ctx.time = TimePoint(std::chrono::milliseconds(1'795'000'000'123));
  auto rec = AuditRecord(r, ctx, "us-east-1", "111122223333");
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  for (const char* fragment :
       {R"("userName":"bob")", R"("accessKeyId":"AKIAEXAMPLEEXAMPLE12")",
        R"("eventName":"GetSecretValue")", R"("sourceIPAddress":"198.51.100.7")",
        R"("errorCode":"AccessDenied")", R"("requestParameters":{"secretId":"prod/db"})",
        R"("responseElements":null)", R"("readOnly":true)", R"("tlsVersion":"TLSv1.3")",
        R"("clientProvidedHostHeader":"vault.example.com:4580")",
        R"("requestID":"0b1c2d3e-0000-4000-8000-000000000001")",
        R"("recipientAccountId":"111122223333")"}) {
    EXPECT_NE(rec->find(fragment), std::string::npos) << fragment << "\n" << *rec;
  }
}

}  // namespace
}  // namespace trailwatch::app
