// Tests of trail/record.cc: CloudTrail record text for vault API calls.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "trail/trail.h"

namespace trailwatch::trail {
namespace {

// 8-4-4-4-12 lower-case hex, version nibble 4, RFC 4122 variant.
bool IsUuidV4(const std::string& s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (s[i] == '-')) return false;
    if (!dash && std::string_view("0123456789abcdef").find(s[i]) == std::string_view::npos) {
      return false;
    }
  }
  return s[14] == '4' && std::string_view("89ab").find(s[19]) != std::string_view::npos;
}

constexpr std::int64_t kT = 1741079557123;  // 2025-03-04T09:12:37.123Z

Principal User() {
  return {
      PrincipalType::kIamUser, "AIDA4EXAMPLEUSER0001", "arn:aws:iam::111122223333:user/ci-deployer",
      "111122223333",          "AKIA4EXAMPLELONGKEY2", "ci-deployer"};
}

ApiCall GetSecretValue() {
  ApiCall c;
  c.event_time_ms = kT;
  c.request_id = "6c0e4b53-2f8a-4d0e-9a61-3b7f2f1d9c11";
  c.event_id = "f2d9a0c4-8a55-4b1e-b6a3-0e2e9c7b5d44";
  c.principal = User();
  c.source_ip = "203.0.113.25";
  c.user_agent = "aws-cli/2.15.30";
  c.event_name = "GetSecretValue";
  c.region = "eu-west-1";
  c.recipient_account_id = "111122223333";
  c.request_parameters = R"({"secretId": "prod/payments/db", "versionStage": "AWSCURRENT"})";
  c.read_only = true;
  c.tls = TlsDetails{"TLSv1.3", "TLS_AES_128_GCM_SHA256", "secretsmanager.eu-west-1.amazonaws.com"};
  return c;
}

TEST(BuildRecordTest, ExactTextOfASuccessfulRead) {
  auto r = BuildRecord(GetSecretValue());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(
      *r,
      R"({"eventVersion":"1.11","userIdentity":{"type":"IAMUser","principalId":"AIDA4EXAMPLEUSER0001",)"
      R"("arn":"arn:aws:iam::111122223333:user/ci-deployer","accountId":"111122223333",)"
      R"("accessKeyId":"AKIA4EXAMPLELONGKEY2","userName":"ci-deployer"},)"
      R"("eventTime":"2025-03-04T09:12:37Z","eventSource":"secretsmanager.amazonaws.com",)"
      R"("eventName":"GetSecretValue","awsRegion":"eu-west-1","sourceIPAddress":"203.0.113.25",)"
      R"("userAgent":"aws-cli/2.15.30","requestParameters":{"secretId":"prod/payments/db",)"
      R"("versionStage":"AWSCURRENT"},"responseElements":null,)"
      R"("requestID":"6c0e4b53-2f8a-4d0e-9a61-3b7f2f1d9c11",)"
      R"("eventID":"f2d9a0c4-8a55-4b1e-b6a3-0e2e9c7b5d44","readOnly":true,)"
      R"("eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333",)"
      R"("eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3",)"
      R"("cipherSuite":"TLS_AES_128_GCM_SHA256",)"
      R"("clientProvidedHostHeader":"secretsmanager.eu-west-1.amazonaws.com"}})");
}

struct ShapeCase {
  std::string name;
  ApiCall call;
  std::vector<std::string> keys;           // top-level keys in order
  std::vector<std::string> identity_keys;  // userIdentity keys in order
};

std::vector<ShapeCase> ShapeCases() {
  std::vector<ShapeCase> cases;
  const std::vector<std::string> user_keys = {"type",      "principalId", "arn",
                                              "accountId", "accessKeyId", "userName"};
  {
    ShapeCase c{"success_write", GetSecretValue(), {}, user_keys};
    c.call.event_name = "CreateSecret";
    c.call.read_only = false;
    c.call.request_parameters = R"({"name":"prod/db","clientRequestToken":"t-1"})";
    c.call.response_elements =
        R"({"arn":"arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-AbCdEf"})";
    c.keys = {"eventVersion",      "userIdentity",     "eventTime",       "eventSource",
              "eventName",         "awsRegion",        "sourceIPAddress", "userAgent",
              "requestParameters", "responseElements", "requestID",       "eventID",
              "readOnly",          "eventType",        "managementEvent", "recipientAccountId",
              "eventCategory",     "tlsDetails"};
    cases.push_back(c);
  }
  {
    ShapeCase c{"failure", GetSecretValue(), {}, user_keys};
    c.call.error_code = "ResourceNotFoundException";
    c.call.error_message = "Secrets Manager can't find the specified secret.";
    c.call.tls.reset();
    c.keys = {"eventVersion",    "userIdentity",      "eventTime",
              "eventSource",     "eventName",         "awsRegion",
              "sourceIPAddress", "userAgent",         "errorCode",
              "errorMessage",    "requestParameters", "responseElements",
              "requestID",       "eventID",           "readOnly",
              "eventType",       "managementEvent",   "recipientAccountId",
              "eventCategory"};
    cases.push_back(c);
  }
  {
    ShapeCase c{"denied", GetSecretValue(), {}, user_keys};
    c.call.error_code = "AccessDenied";
    c.call.error_message =
        "User: arn:aws:iam::111122223333:user/ci-deployer is not authorized to perform: "
        "secretsmanager:GetSecretValue on resource: prod/payments/db because no identity-based "
        "policy allows the secretsmanager:GetSecretValue action";
    c.call.resources = {{"arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/payments/db",
                         "111122223333", "AWS::SecretsManager::Secret"}};
    c.keys = {"eventVersion", "userIdentity",    "eventTime",          "eventSource",
              "eventName",    "awsRegion",       "sourceIPAddress",    "userAgent",
              "errorCode",    "errorMessage",    "requestParameters",  "responseElements",
              "requestID",    "eventID",         "readOnly",           "resources",
              "eventType",    "managementEvent", "recipientAccountId", "eventCategory",
              "tlsDetails"};
    cases.push_back(c);
  }
  {
    ShapeCase c{
        "root", GetSecretValue(), {}, {"type", "principalId", "arn", "accountId", "accessKeyId"}};
    c.call.principal = {PrincipalType::kRoot, "", "", "111122223333", "AKIAROOTKEY000000001", ""};
    c.call.user_agent.clear();
    c.call.event_id.clear();
    c.keys = {"eventVersion",    "userIdentity",      "eventTime",
              "eventSource",     "eventName",         "awsRegion",
              "sourceIPAddress", "requestParameters", "responseElements",
              "requestID",       "eventID",           "readOnly",
              "eventType",       "managementEvent",   "recipientAccountId",
              "eventCategory",   "tlsDetails"};
    cases.push_back(c);
  }
  {
    ShapeCase c{"anonymous", GetSecretValue(), {}, {"type", "principalId", "accountId"}};
    c.call.principal = {};
    c.call.error_code = "AccessDenied";
    c.call.error_message = "unsigned request";
    c.call.request_id.clear();
    c.call.request_parameters.reset();
    c.call.tls.reset();
    c.keys = {
        "eventVersion",      "userIdentity",       "eventTime",    "eventSource", "eventName",
        "awsRegion",         "sourceIPAddress",    "userAgent",    "errorCode",   "errorMessage",
        "requestParameters", "responseElements",   "eventID",      "readOnly",    "eventType",
        "managementEvent",   "recipientAccountId", "eventCategory"};
    cases.push_back(c);
  }
  return cases;
}

class RecordShapeTest : public ::testing::TestWithParam<ShapeCase> {};

TEST_P(RecordShapeTest, KeysInCloudTrailOrder) {
  const ShapeCase& c = GetParam();
  auto r = BuildRecord(c.call);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->find('\n'), std::string::npos);
  const auto j = nlohmann::ordered_json::parse(*r);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_EQ(keys, c.keys);
  std::vector<std::string> identity;
  for (const auto& [k, v] : j["userIdentity"].items()) identity.push_back(k);
  EXPECT_EQ(identity, c.identity_keys);
  EXPECT_EQ(j["eventType"], "AwsApiCall");
  EXPECT_EQ(j["eventCategory"], "Management");
  EXPECT_EQ(j["managementEvent"], true);
  EXPECT_EQ(j["eventVersion"], "1.11");
  EXPECT_EQ(j["eventTime"], "2025-03-04T09:12:37Z");
  EXPECT_TRUE(IsUuidV4(j["eventID"].get<std::string>())) << j["eventID"];
  if (!c.call.error_code.empty()) {
    EXPECT_EQ(j["errorCode"], c.call.error_code);
  }
}

INSTANTIATE_TEST_SUITE_P(Calls, RecordShapeTest, ::testing::ValuesIn(ShapeCases()),
                         [](const auto& p) { return p.param.name; });

TEST(BuildRecordTest, RootAndAnonymousIdentities) {
  ApiCall c = GetSecretValue();
  c.principal = {PrincipalType::kRoot, "", "", "111122223333", "", ""};
  auto j = nlohmann::json::parse(*BuildRecord(c));
  EXPECT_EQ(j["userIdentity"]["type"], "Root");
  EXPECT_EQ(j["userIdentity"]["principalId"], "111122223333");
  EXPECT_EQ(j["userIdentity"]["arn"], "arn:aws:iam::111122223333:root");
  EXPECT_EQ(j["userIdentity"]["accessKeyId"], "");
  c.principal = {};
  j = nlohmann::json::parse(*BuildRecord(c));
  EXPECT_EQ(j["userIdentity"]["type"], "AWSAccount");
  EXPECT_EQ(j["userIdentity"]["accountId"], "ANONYMOUS_PRINCIPAL");
}

TEST(BuildRecordTest, EscapesAndTruncates) {
  ApiCall c = GetSecretValue();
  c.user_agent = std::string(2000, 'a') + "\"";
  c.error_message = "line1\nline2 \"quoted\" \x01";
  c.error_code = "InvalidRequestException";
  auto r = BuildRecord(c);
  ASSERT_TRUE(r.ok());
  const auto j = nlohmann::json::parse(*r);
  EXPECT_EQ(j["userAgent"].get<std::string>().size(), 1024u);
  EXPECT_EQ(j["errorMessage"], "line1\nline2 \"quoted\" \x01");
}

TEST(BuildRecordTest, RejectsBadInput) {
  struct Case {
    std::string name;
    ApiCall call;
  };
  std::vector<Case> cases;
  cases.push_back({"params_not_json", GetSecretValue()});
  cases.back().call.request_parameters = "{secretId:";
  cases.push_back({"params_array", GetSecretValue()});
  cases.back().call.request_parameters = "[1]";
  cases.push_back({"response_string", GetSecretValue()});
  cases.back().call.response_elements = "\"x\"";
  cases.push_back({"no_event_name", GetSecretValue()});
  cases.back().call.event_name.clear();
  cases.push_back({"no_region", GetSecretValue()});
  cases.back().call.region.clear();
  for (const Case& c : cases) {
    auto r = BuildRecord(c.call);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.name;
  }
}

}  // namespace
}  // namespace trailwatch::trail
