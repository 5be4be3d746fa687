// Error types, the authorisation seam, and the audit journal per call.
#include "vault/vault_fixture.h"

namespace trailwatch::vault::testing {
namespace {

constexpr const char* kSecretValue = "s3cr3t-VALUE-never-logged";
constexpr const char* kTok = "44444444-4444-4444-8444-444444444444";

class ErrorsTest : public VaultFixture {
 protected:
  void SetUp() override {
    VaultFixture::SetUp();
    ASSERT_EQ(Call("CreateSecret",
                   {{"Name", "app"}, {"SecretString", kSecretValue}, {"ClientRequestToken", kTok}})
                  .status,
              200);
    ASSERT_EQ(Call("CreateSecret", {{"Name", "gone"}, {"SecretString", "x"}}).status, 200);
    ASSERT_EQ(Call("DeleteSecret", {{"SecretId", "gone"}}).status, 200);
    ASSERT_EQ(Call("CreateSecret", {{"Name", "empty"}}).status, 200);
  }
};

struct ErrorCase {
  const char* op;
  json request;
  const char* type;
  int status = 400;
};

TEST_F(ErrorsTest, EveryErrorType) {
  const std::string long_name(513, 'n');
  std::vector<ErrorCase> cases = {
      {"NoSuchOperation", json::object(), "UnknownOperationException"},
      {"GetSecretValue", json::object(), "ValidationException"},
      {"GetSecretValue", {{"SecretId", ""}}, "ValidationException"},
      {"GetSecretValue", {{"SecretId", 5}}, "SerializationException"},
      {"GetSecretValue", {{"SecretId", "nope"}}, "ResourceNotFoundException"},
      {"GetSecretValue",
       {{"SecretId", "app"}, {"VersionStage", "AWSPENDING"}},
       "ResourceNotFoundException"},
      {"GetSecretValue",
       {{"SecretId", "app"}, {"VersionId", std::string(32, 'z')}},
       "ResourceNotFoundException"},
      {"GetSecretValue", {{"SecretId", "empty"}}, "ResourceNotFoundException"},
      {"GetSecretValue", {{"SecretId", "gone"}}, "InvalidRequestException"},
      {"CreateSecret", {{"Name", long_name}}, "ValidationException"},
      {"CreateSecret", {{"Name", "bad name!"}}, "ValidationException"},
      {"CreateSecret", {{"Name", "app"}}, "ResourceExistsException"},
      {"CreateSecret", {{"Name", "gone"}}, "InvalidRequestException"},
      {"CreateSecret",
       {{"Name", "both"}, {"SecretString", "a"}, {"SecretBinary", "YQ=="}},
       "InvalidParameterException"},
      {"CreateSecret", {{"Name", "tok"}, {"ClientRequestToken", "short"}}, "ValidationException"},
      {"CreateSecret",
       {{"Name", "tags"}, {"Tags", {{{"Value", "v"}}}}},
       "InvalidParameterException"},
      {"PutSecretValue", {{"SecretId", "app"}}, "InvalidRequestException"},
      {"PutSecretValue",
       {{"SecretId", "app"}, {"SecretString", "other"}, {"ClientRequestToken", kTok}},
       "ResourceExistsException"},
      {"UpdateSecret", {{"SecretId", "gone"}, {"Description", "d"}}, "InvalidRequestException"},
      {"DeleteSecret",
       {{"SecretId", "app"}, {"RecoveryWindowInDays", 7}, {"ForceDeleteWithoutRecovery", true}},
       "InvalidParameterException"},
      {"DeleteSecret",
       {{"SecretId", "app"}, {"RecoveryWindowInDays", 6}},
       "InvalidParameterException"},
      {"DeleteSecret",
       {{"SecretId", "app"}, {"RecoveryWindowInDays", 31}},
       "InvalidParameterException"},
      {"DeleteSecret", {{"SecretId", "gone"}}, "InvalidRequestException"},
      {"ListSecrets", {{"MaxResults", 0}}, "ValidationException"},
      {"ListSecrets", {{"MaxResults", 101}}, "ValidationException"},
      {"ListSecrets", {{"NextToken", "garbage"}}, "InvalidNextTokenException"},
      {"ListSecrets", {{"SortOrder", "sideways"}}, "ValidationException"},
      {"ListSecrets",
       {{"Filters", {{{"Key", "colour"}, {"Values", {"x"}}}}}},
       "ValidationException"},
      {"UpdateSecretVersionStage",
       {{"SecretId", "app"},
        {"VersionStage", "AWSCURRENT"},
        {"MoveToVersionId", std::string(32, 'q')}},
       "ResourceNotFoundException"},
      {"UpdateSecretVersionStage",
       {{"SecretId", "app"}, {"VersionStage", "AWSCURRENT"}, {"RemoveFromVersionId", kTok}},
       "InvalidParameterException"},
      {"TagResource", {{"SecretId", "app"}}, "ValidationException"},
      {"UntagResource", {{"SecretId", "app"}}, "ValidationException"},
      {"GetRandomPassword", {{"PasswordLength", 0}}, "ValidationException"},
      {"GetRandomPassword", {{"PasswordLength", 4097}}, "ValidationException"},
      {"GetRandomPassword",
       {{"ExcludeNumbers", true},
        {"ExcludePunctuation", true},
        {"ExcludeUppercase", true},
        {"ExcludeLowercase", true}},
       "InvalidParameterException"},
      {"PutResourcePolicy",
       {{"SecretId", "app"}, {"ResourcePolicy", "{not json"}},
       "MalformedPolicyDocumentException"},
      {"PutResourcePolicy",
       {{"SecretId", "app"},
        {"ResourcePolicy",
         R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]})"}},
       "PublicPolicyException"},
      {"RotateSecret", {{"SecretId", "app"}}, "InvalidRequestException"},
      {"RotateSecret",
       {{"SecretId", "app"}, {"RotationRules", {{"ScheduleExpression", "cron(0 1 * * ? *)"}}}},
       "InvalidParameterException"},
      {"RotateSecret",
       {{"SecretId", "gone"}, {"RotationRules", {{"AutomaticallyAfterDays", 3}}}},
       "InvalidRequestException"},
      {"BatchGetSecretValue", json::object(), "InvalidParameterException"},
  };
  json many_tags = json::array();
  for (int i = 0; i < 51; ++i)
    many_tags.push_back({{"Key", "k" + std::to_string(i)}, {"Value", "v"}});
  cases.push_back(
      {"TagResource", {{"SecretId", "app"}, {"Tags", many_tags}}, "LimitExceededException"});
  cases.push_back({"CreateSecret", {{"Name", "many"}, {"Tags", many_tags}}, "ValidationException"});
  for (const auto& c : cases) {
    auto r = Call(c.op, c.request);
    EXPECT_EQ(r.status, c.status) << c.op << " " << Redact(c.request) << " -> " << Redact(r.body);
    EXPECT_EQ(r.type(), c.type) << c.op << " " << Redact(c.request) << " -> " << Redact(r.body);
    EXPECT_EQ(r.raw.body.find(kSecretValue), std::string::npos);
  }
  // Nothing a failed call did may stay behind.
  EXPECT_EQ(Call("GetSecretValue", {{"SecretId", "app"}}).body["SecretString"], kSecretValue);
  EXPECT_EQ(Call("DescribeSecret", {{"SecretId", "tok"}}).type(), "ResourceNotFoundException");
}

TEST_F(ErrorsTest, MalformedBodies) {
  for (const std::string body : {"{", "[]", "\"x\"", "nul", "{\"SecretId\":\"\xff\"}"}) {
    auto r = CallRaw("GetSecretValue", body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_EQ(r.type(), "SerializationException") << body;
  }
}

TEST_F(ErrorsTest, DenialIsAccessDeniedAndAudited) {
  TakeJournal();
  allow_ = false;
  auto denied = Call("GetSecretValue", {{"SecretId", "app"}});
  EXPECT_EQ(denied.status, 400);
  EXPECT_EQ(denied.type(), "AccessDeniedException");
  EXPECT_EQ(denied.body["message"], "denied by test: secretsmanager:GetSecretValue");
  EXPECT_EQ(denied.raw.error_code, "AccessDenied");
  // A missing secret is denied too (authorised against the ARN pattern), revealing nothing.
  auto missing = Call("DescribeSecret", {{"SecretId", "does/not/exist"}});
  EXPECT_EQ(missing.type(), "AccessDeniedException");
  {
    std::lock_guard lock(authz_mu_);
    const AuthzRequest& last = authz_log_.back();
    EXPECT_EQ(last.resource_arn,
              "arn:aws:secretsmanager:us-east-1:123456789012:secret:does/not/exist");
    EXPECT_FALSE(last.secret_exists);
  }
  // A denied write changes nothing.
  EXPECT_EQ(
      Call("DeleteSecret", {{"SecretId", "app"}, {"ForceDeleteWithoutRecovery", true}}).type(),
      "AccessDeniedException");
  auto journal = TakeJournal();
  ASSERT_EQ(journal.size(), 3u);
  for (const auto& rec : journal) {
    EXPECT_EQ(rec["errorCode"], "AccessDenied") << rec;
    EXPECT_TRUE(rec["responseElements"].is_null());
  }
  EXPECT_EQ(journal[0]["requestParameters"], json({{"secretId", "app"}}));
  allow_ = true;
  EXPECT_EQ(Call("GetSecretValue", {{"SecretId", "app"}}).status, 200);
  {
    std::lock_guard lock(authz_mu_);
    const AuthzRequest& last = authz_log_.back();
    EXPECT_EQ(last.action, "secretsmanager:GetSecretValue");
    EXPECT_TRUE(last.secret_exists);
    EXPECT_EQ(
        last.resource_arn.rfind("arn:aws:secretsmanager:us-east-1:123456789012:secret:app-", 0),
        0u);
  }
}

TEST_F(ErrorsTest, JournalPerCall) {
  TakeJournal();
  struct Expect {
    const char* op;
    json request;
    bool read_only;
    json response_elements;  // "any" object when it is an object
  };
  Call("PutSecretValue", {{"SecretId", "app"}, {"SecretString", kSecretValue + std::string("2")}});
  Call("GetSecretValue", {{"SecretId", "app"}, {"VersionStage", "AWSCURRENT"}});
  Call("DescribeSecret", {{"SecretId", "app"}});
  Call("ListSecrets", {{"MaxResults", 5}, {"Filters", {{{"Key", "name"}, {"Values", {"a"}}}}}});
  Call("CreateSecret", {{"Name", "journal"}, {"SecretString", kSecretValue}, {"Description", "d"}});
  Call("DeleteSecret", {{"SecretId", "journal"}, {"RecoveryWindowInDays", 7}});
  Call("GetSecretValue", {{"SecretId", "nope"}});
  auto journal = TakeJournal();
  ASSERT_EQ(journal.size(), 7u);
  const std::vector<std::pair<std::string, bool>> names = {
      {"PutSecretValue", false}, {"GetSecretValue", true}, {"DescribeSecret", true},
      {"ListSecrets", true},     {"CreateSecret", false},  {"DeleteSecret", false},
      {"GetSecretValue", true}};
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(journal[i]["eventName"], names[i].first);
    EXPECT_EQ(journal[i]["readOnly"], names[i].second);
    EXPECT_EQ(journal[i].dump().find(kSecretValue), std::string::npos) << journal[i];
    EXPECT_EQ(journal[i]["requestID"], "req-1");
  }
  EXPECT_TRUE(journal[0]["responseElements"].contains("arn"));
  EXPECT_TRUE(journal[0]["requestParameters"].contains("secretId"));
  EXPECT_FALSE(journal[0]["requestParameters"].contains("secretString"));
  EXPECT_TRUE(journal[1]["responseElements"].is_null());
  EXPECT_EQ(journal[1]["requestParameters"]["versionStage"], "AWSCURRENT");
  EXPECT_EQ(journal[3]["requestParameters"]["filters"][0]["key"], "name");
  EXPECT_EQ(journal[4]["requestParameters"], json({{"name", "journal"}, {"description", "d"}}));
  EXPECT_TRUE(journal[5]["responseElements"].contains("deletionDate"));
  EXPECT_EQ(journal[5]["resources"].size(), 1u);
  EXPECT_EQ(journal[6]["errorCode"], "ResourceNotFoundException");
}

TEST_F(ErrorsTest, AuditFailureFailsClosed) {
  fail_audit_ = true;
  auto write = Call("PutSecretValue", {{"SecretId", "app"}, {"SecretString", "unaudited"}});
  EXPECT_EQ(write.status, 500);
  EXPECT_EQ(write.type(), "InternalServiceError");
  auto read = Call("GetSecretValue", {{"SecretId", "app"}});
  EXPECT_EQ(read.status, 500);
  EXPECT_EQ(read.raw.body.find(kSecretValue), std::string::npos);
  fail_audit_ = false;
  // The unaudited write did not happen.
  EXPECT_EQ(Call("GetSecretValue", {{"SecretId", "app"}}).body["SecretString"], kSecretValue);
}

}  // namespace
}  // namespace trailwatch::vault::testing
