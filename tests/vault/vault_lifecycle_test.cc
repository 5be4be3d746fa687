// The whole life of a secret through Vault::Handle, and idempotency.
#include <algorithm>

#include "vault/vault_fixture.h"

namespace trailwatch::vault::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kTok1 = "11111111-1111-4111-8111-111111111111";
constexpr const char* kTok2 = "22222222-2222-4222-8222-222222222222";
constexpr const char* kTok3 = "33333333-3333-4333-8333-333333333333";

class LifecycleTest : public VaultFixture {};

TEST_F(LifecycleTest, FullLifecycle) {
  // Create.
  auto created = Call("CreateSecret", {{"Name", "prod/db"},
                                       {"Description", "the db"},
                                       {"SecretString", "{\"user\":\"u\",\"password\":\"p1\"}"},
                                       {"ClientRequestToken", kTok1},
                                       {"Tags", {{{"Key", "team"}, {"Value", "pay"}}}}});
  ASSERT_EQ(created.status, 200) << Redact(created.body);
  const std::string arn = created.body["ARN"];
  EXPECT_EQ(created.body["Name"], "prod/db");
  EXPECT_EQ(created.body["VersionId"], kTok1);
  const std::string prefix = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-";
  ASSERT_EQ(arn.size(), prefix.size() + 6);
  EXPECT_EQ(arn.substr(0, prefix.size()), prefix);

  // Get by name, full ARN and partial ARN.
  for (const std::string& id : {std::string("prod/db"), arn, arn.substr(0, arn.size() - 7)}) {
    auto got = Call("GetSecretValue", {{"SecretId", id}});
    ASSERT_EQ(got.status, 200) << id << " " << Redact(got.body);
    EXPECT_EQ(got.body["SecretString"], "{\"user\":\"u\",\"password\":\"p1\"}");
    EXPECT_EQ(got.body["VersionStages"], json::array({"AWSCURRENT"}));
    EXPECT_EQ(got.body["CreatedDate"], 1700000000);
  }
  // The name with a made-up suffix is not the secret.
  EXPECT_EQ(Call("GetSecretValue", {{"SecretId", "prod/db-abcdef"}}).type(),
            "ResourceNotFoundException");

  // Put a new value: AWSCURRENT moves, the old one becomes AWSPREVIOUS.
  clock_.Advance(1500ms);
  auto put = Call("PutSecretValue",
                  {{"SecretId", "prod/db"}, {"SecretString", "v2"}, {"ClientRequestToken", kTok2}});
  ASSERT_EQ(put.status, 200) << Redact(put.body);
  EXPECT_EQ(put.body["VersionStages"], json::array({"AWSCURRENT"}));
  auto prev = Call("GetSecretValue", {{"SecretId", "prod/db"}, {"VersionStage", "AWSPREVIOUS"}});
  EXPECT_EQ(prev.body["VersionId"], kTok1);
  auto by_id = Call("GetSecretValue", {{"SecretId", "prod/db"}, {"VersionId", kTok2}});
  EXPECT_EQ(by_id.body["SecretString"], "v2");
  EXPECT_EQ(by_id.body["CreatedDate"], 1700000001.5);

  // Binary values round-trip as base64.
  auto bin = Call("PutSecretValue", {{"SecretId", "prod/db"},
                                     {"SecretBinary", "AAEC/w=="},
                                     {"ClientRequestToken", kTok3},
                                     {"VersionStages", {"AWSPENDING"}}});
  ASSERT_EQ(bin.status, 200) << Redact(bin.body);
  auto pending = Call("GetSecretValue", {{"SecretId", arn}, {"VersionStage", "AWSPENDING"}});
  EXPECT_EQ(pending.body["SecretBinary"], "AAEC/w==");
  EXPECT_FALSE(pending.body.contains("SecretString"));

  // Move AWSCURRENT by hand; AWSPREVIOUS follows.
  auto moved = Call("UpdateSecretVersionStage", {{"SecretId", "prod/db"},
                                                 {"VersionStage", "AWSCURRENT"},
                                                 {"MoveToVersionId", kTok3},
                                                 {"RemoveFromVersionId", kTok2}});
  ASSERT_EQ(moved.status, 200) << Redact(moved.body);
  auto described = Call("DescribeSecret", {{"SecretId", "prod/db"}});
  ASSERT_EQ(described.status, 200);
  const json stages = described.body["VersionIdsToStages"];
  EXPECT_EQ(stages[kTok3].size(), 2u);  // AWSCURRENT and AWSPENDING
  EXPECT_EQ(stages[kTok2], json::array({"AWSPREVIOUS"}));
  EXPECT_FALSE(stages.contains(kTok1));  // deprecated
  EXPECT_EQ(described.body["Description"], "the db");
  EXPECT_EQ(described.body["Tags"][0]["Key"], "team");
  EXPECT_EQ(described.body["RotationEnabled"], false);
  EXPECT_EQ(described.body["LastAccessedDate"], 1699920000);  // the day of the reads

  // Version ids, with and without deprecated ones.
  auto ids = Call("ListSecretVersionIds", {{"SecretId", "prod/db"}});
  EXPECT_EQ(ids.body["Versions"].size(), 2u);
  auto all_ids =
      Call("ListSecretVersionIds", {{"SecretId", "prod/db"}, {"IncludeDeprecated", true}});
  EXPECT_EQ(all_ids.body["Versions"].size(), 3u);

  // Tags.
  ASSERT_EQ(
      Call("TagResource",
           {{"SecretId", "prod/db"},
            {"Tags", {{{"Key", "env"}, {"Value", "prod"}}, {{"Key", "team"}, {"Value", "core"}}}}})
          .status,
      200);
  auto tagged = Call("DescribeSecret", {{"SecretId", "prod/db"}});
  EXPECT_EQ(tagged.body["Tags"].size(), 2u);
  EXPECT_EQ(tagged.body["Tags"][0]["Value"], "core");
  ASSERT_EQ(Call("UntagResource", {{"SecretId", "prod/db"}, {"TagKeys", {"team"}}}).status, 200);
  EXPECT_EQ(Call("DescribeSecret", {{"SecretId", "prod/db"}}).body["Tags"].size(), 1u);

  // Resource policy.
  const std::string policy =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]})";
  ASSERT_EQ(Call("PutResourcePolicy", {{"SecretId", "prod/db"}, {"ResourcePolicy", policy}}).status,
            200);
  EXPECT_EQ(Call("GetResourcePolicy", {{"SecretId", "prod/db"}}).body["ResourcePolicy"], policy);
  ASSERT_EQ(Call("DeleteResourcePolicy", {{"SecretId", "prod/db"}}).status, 200);
  EXPECT_FALSE(
      Call("GetResourcePolicy", {{"SecretId", "prod/db"}}).body.contains("ResourcePolicy"));

  // Delete with a window: described but not readable; restore brings it back.
  auto deleted = Call("DeleteSecret", {{"SecretId", "prod/db"}, {"RecoveryWindowInDays", 7}});
  ASSERT_EQ(deleted.status, 200) << Redact(deleted.body);
  EXPECT_EQ(deleted.body["DeletionDate"], 1700000001.5 + 7 * 86400);
  EXPECT_EQ(Call("GetSecretValue", {{"SecretId", "prod/db"}}).type(), "InvalidRequestException");
  EXPECT_EQ(Call("PutSecretValue", {{"SecretId", "prod/db"}, {"SecretString", "x"}}).type(),
            "InvalidRequestException");
  EXPECT_EQ(Call("DeleteSecret", {{"SecretId", "prod/db"}}).type(), "InvalidRequestException");
  EXPECT_EQ(Call("CreateSecret", {{"Name", "prod/db"}, {"SecretString", "x"}}).type(),
            "InvalidRequestException");
  EXPECT_TRUE(Call("DescribeSecret", {{"SecretId", "prod/db"}}).body.contains("DeletedDate"));
  EXPECT_EQ(Call("ListSecrets", json::object()).body["SecretList"].size(), 0u);
  EXPECT_EQ(Call("ListSecrets", {{"IncludePlannedDeletion", true}}).body["SecretList"].size(), 1u);
  ASSERT_EQ(Call("RestoreSecret", {{"SecretId", "prod/db"}}).status, 200);
  EXPECT_EQ(Call("GetSecretValue", {{"SecretId", "prod/db"}}).body["VersionId"], kTok3);

  // Rotation: a new random value, moved to AWSCURRENT; the old current is AWSPREVIOUS.
  ASSERT_EQ(Call("UpdateSecretVersionStage", {{"SecretId", "prod/db"},
                                              {"VersionStage", "AWSPENDING"},
                                              {"RemoveFromVersionId", kTok3}})
                .status,
            200);
  ASSERT_EQ(Call("PutSecretValue", {{"SecretId", "prod/db"},
                                    {"SecretString", "{\"user\":\"u\",\"password\":\"p4\"}"}})
                .status,
            200);
  auto rotated = Call("RotateSecret", {{"SecretId", "prod/db"},
                                       {"RotationRules", {{"AutomaticallyAfterDays", 10}}}});
  ASSERT_EQ(rotated.status, 200) << Redact(rotated.body);
  auto now_value = Call("GetSecretValue", {{"SecretId", "prod/db"}});
  EXPECT_EQ(now_value.body["VersionId"], rotated.body["VersionId"]);
  const json doc = json::parse(now_value.body["SecretString"].get<std::string>());
  EXPECT_EQ(doc["user"], "u");
  EXPECT_EQ(doc["password"].get<std::string>().size(), 32u);
  EXPECT_EQ(Call("GetSecretValue", {{"SecretId", "prod/db"}, {"VersionStage", "AWSPREVIOUS"}})
                .body["SecretString"],
            "{\"user\":\"u\",\"password\":\"p4\"}");
  auto rdesc = Call("DescribeSecret", {{"SecretId", "prod/db"}});
  EXPECT_EQ(rdesc.body["RotationEnabled"], true);
  EXPECT_EQ(rdesc.body["RotationRules"]["AutomaticallyAfterDays"], 10);
  EXPECT_EQ(rdesc.body["NextRotationDate"], 1699920000 + 10 * 86400);

  // The daemon's timer rotates again once due.
  ASSERT_EQ(*vault_->RotateDue(clock_.Now()), 0);
  auto later = TimePoint(std::chrono::milliseconds((1699920000LL + 10 * 86400) * 1000));
  TakeJournal();
  ASSERT_EQ(*vault_->RotateDue(later), 1);
  auto journal = TakeJournal();
  ASSERT_EQ(journal.size(), 1u);
  EXPECT_EQ(journal[0]["eventName"], "RotationSucceeded");
  EXPECT_NE(Call("GetSecretValue", {{"SecretId", "prod/db"}}).body["VersionId"],
            rotated.body["VersionId"]);

  // Force delete: gone at once, and the name is free again.
  auto forced =
      Call("DeleteSecret", {{"SecretId", "prod/db"}, {"ForceDeleteWithoutRecovery", true}});
  ASSERT_EQ(forced.status, 200);
  EXPECT_EQ(Call("DescribeSecret", {{"SecretId", "prod/db"}}).type(), "ResourceNotFoundException");
  auto again = Call("CreateSecret", {{"Name", "prod/db"}, {"SecretString", "new"}});
  ASSERT_EQ(again.status, 200);
  EXPECT_NE(again.body["ARN"], arn);
}

TEST_F(LifecycleTest, IdempotentTokens) {
  json create = {{"Name", "idem"}, {"SecretString", "a"}, {"ClientRequestToken", kTok1}};
  auto first = Call("CreateSecret", create);
  ASSERT_EQ(first.status, 200);
  auto retry = Call("CreateSecret", create);
  EXPECT_EQ(retry.status, 200) << Redact(retry.body);
  EXPECT_EQ(retry.body["ARN"], first.body["ARN"]);
  create["SecretString"] = "b";
  EXPECT_EQ(Call("CreateSecret", create).type(), "ResourceExistsException");
  create["ClientRequestToken"] = kTok2;
  EXPECT_EQ(Call("CreateSecret", create).type(), "ResourceExistsException");

  json put = {{"SecretId", "idem"}, {"SecretString", "c"}, {"ClientRequestToken", kTok2}};
  ASSERT_EQ(Call("PutSecretValue", put).status, 200);
  ASSERT_EQ(Call("PutSecretValue", put).status, 200);  // same token, same value: no-op
  auto ids = Call("ListSecretVersionIds", {{"SecretId", "idem"}, {"IncludeDeprecated", true}});
  EXPECT_EQ(ids.body["Versions"].size(), 2u);
  put["SecretString"] = "d";
  auto conflict = Call("PutSecretValue", put);
  EXPECT_EQ(conflict.type(), "ResourceExistsException");
  EXPECT_EQ(conflict.raw.body.find("\"d\""), std::string::npos);
}

TEST_F(LifecycleTest, ListSecretsFiltersSortAndPages) {
  for (int i = 0; i < 7; ++i) {
    const std::string name = (i % 2 == 0 ? "prod/" : "dev/") + std::to_string(i);
    ASSERT_EQ(Call("CreateSecret", {{"Name", name},
                                    {"Description", i < 3 ? "Alpha team" : "beta"},
                                    {"Tags", {{{"Key", "n"}, {"Value", std::to_string(i)}}}}})
                  .status,
              200);
    clock_.Advance(1000ms);
  }
  struct Case {
    json filters;
    std::vector<std::string> names;
  };
  const std::vector<Case> cases = {
      {json::array({{{"Key", "name"}, {"Values", {"prod/"}}}}),
       {"prod/0", "prod/2", "prod/4", "prod/6"}},
      {json::array({{{"Key", "name"}, {"Values", {"!prod/"}}}}), {"dev/1", "dev/3", "dev/5"}},
      {json::array({{{"Key", "description"}, {"Values", {"Alpha"}}}}),
       {"prod/0", "dev/1", "prod/2"}},
      {json::array({{{"Key", "all"}, {"Values", {"alpha"}}}}), {"prod/0", "dev/1", "prod/2"}},
      {json::array({{{"Key", "tag-value"}, {"Values", {"5", "6"}}}}), {"dev/5", "prod/6"}},
      {json::array(
           {{{"Key", "name"}, {"Values", {"prod/"}}}, {{"Key", "tag-key"}, {"Values", {"!n"}}}}),
       {}},
  };
  for (const auto& c : cases) {
    auto r = Call("ListSecrets", {{"Filters", c.filters}});
    ASSERT_EQ(r.status, 200) << c.filters << Redact(r.body);
    std::vector<std::string> names;
    for (const auto& e : r.body["SecretList"]) names.push_back(e["Name"]);
    EXPECT_EQ(names, c.names) << c.filters;
  }
  // Pages of 3 in descending order cover everything once.
  std::vector<std::string> seen;
  json req = {{"MaxResults", 3}, {"SortOrder", "desc"}};
  for (int page = 0; page < 5; ++page) {
    auto r = Call("ListSecrets", req);
    ASSERT_EQ(r.status, 200) << Redact(r.body);
    for (const auto& e : r.body["SecretList"]) seen.push_back(e["Name"]);
    if (!r.body.contains("NextToken")) break;
    req["NextToken"] = r.body["NextToken"];
  }
  ASSERT_EQ(seen.size(), 7u);
  EXPECT_EQ(seen.front(), "prod/6");
  EXPECT_EQ(seen.back(), "prod/0");
  EXPECT_TRUE(
      Call("ListSecrets", json::object()).body["SecretList"][0].contains("SecretVersionsToStages"));
}

TEST_F(LifecycleTest, BatchGetSecretValue) {
  ASSERT_EQ(Call("CreateSecret", {{"Name", "b1"}, {"SecretString", "one"}}).status, 200);
  ASSERT_EQ(Call("CreateSecret", {{"Name", "b2"}, {"SecretString", "two"}}).status, 200);
  TakeJournal();
  auto r = Call("BatchGetSecretValue", {{"SecretIdList", {"b1", "b2", "missing"}}});
  ASSERT_EQ(r.status, 200) << Redact(r.body);
  ASSERT_EQ(r.body["SecretValues"].size(), 2u);
  EXPECT_EQ(r.body["SecretValues"][1]["SecretString"], "two");
  ASSERT_EQ(r.body["Errors"].size(), 1u);
  EXPECT_EQ(r.body["Errors"][0]["ErrorCode"], "ResourceNotFoundException");
  auto journal = TakeJournal();
  ASSERT_EQ(journal.size(), 4u);  // the batch call and one GetSecretValue per secret
  EXPECT_EQ(journal[0]["eventName"], "BatchGetSecretValue");
  EXPECT_EQ(journal[1]["eventName"], "GetSecretValue");
  EXPECT_EQ(journal[3]["errorCode"], "ResourceNotFoundException");
  auto filtered = Call("BatchGetSecretValue",
                       {{"Filters", json::array({{{"Key", "name"}, {"Values", {"b2"}}}})}});
  ASSERT_EQ(filtered.status, 200) << Redact(filtered.body);
  EXPECT_EQ(filtered.body["SecretValues"].size(), 1u);
}

// LastAccessedDate is a day; a read on a day already stamped writes nothing but its audit
// record, and the first read of the next day moves the stamp on both the secret and the version.
TEST_F(LifecycleTest, LastAccessedDateFollowsTheDayOfTheReads) {
  ASSERT_EQ(Call("CreateSecret", {{"Name", "stamped"}, {"SecretString", "v"}}).status, 200);
  auto described = Call("DescribeSecret", {{"SecretId", "stamped"}});
  EXPECT_FALSE(described.body.contains("LastAccessedDate"));  // never read
  constexpr std::int64_t kDay = 1699920000;                   // 2023-11-14, the fixture's day
  struct Step {
    std::chrono::minutes advance;
    std::int64_t expected_day;
  };
  const Step steps[] = {{0min, kDay}, {30min, kDay}, {24h, kDay + 86400}, {30min, kDay + 86400}};
  for (const Step& step : steps) {
    clock_.Advance(step.advance);
    ASSERT_EQ(Call("GetSecretValue", {{"SecretId", "stamped"}}).status, 200);
    described = Call("DescribeSecret", {{"SecretId", "stamped"}});
    EXPECT_EQ(described.body["LastAccessedDate"], step.expected_day);
    auto ids = Call("ListSecretVersionIds", {{"SecretId", "stamped"}});
    ASSERT_EQ(ids.body["Versions"].size(), 1u);
    EXPECT_EQ(ids.body["Versions"][0]["LastAccessedDate"], step.expected_day);
  }
}

// The daemon's monitor reads calls from VaultOptions::recorded: every journalled record, once
// durable, in journal order — reads, writes, failures and BatchGet's per-secret records alike.
TEST_F(LifecycleTest, RecordedSeesExactlyTheJournal) {
  TakeJournal();
  const struct {
    const char* op;
    json request;
    int status;
  } calls[] = {
      {"CreateSecret", {{"Name", "r1"}, {"SecretString", "v"}}, 200},
      {"GetSecretValue", {{"SecretId", "r1"}}, 200},
      {"GetSecretValue", {{"SecretId", "missing"}}, 400},
      {"BatchGetSecretValue", {{"SecretIdList", {"r1"}}}, 200},
      {"NoSuchOperation", json::object(), 400},
      {"DeleteSecret", {{"SecretId", "r1"}, {"ForceDeleteWithoutRecovery", true}}, 200},
  };
  for (const auto& c : calls) EXPECT_EQ(Call(c.op, c.request).status, c.status) << c.op;
  const std::vector<json> journal = TakeJournal();
  std::vector<json> recorded;
  {
    std::lock_guard lock(recorded_mu_);
    for (const std::string& r : recorded_) recorded.push_back(json::parse(r));
  }
  ASSERT_EQ(journal.size(), 7u);  // BatchGet adds one GetSecretValue record
  // The fixture's Create in SetUp recorded nothing: only these calls.
  ASSERT_GE(recorded.size(), journal.size());
  const std::vector<json> tail(recorded.end() - static_cast<std::ptrdiff_t>(journal.size()),
                               recorded.end());
  EXPECT_EQ(tail, journal);
}

TEST_F(LifecycleTest, GetRandomPassword) {
  auto r =
      Call("GetRandomPassword",
           {{"PasswordLength", 40}, {"ExcludePunctuation", true}, {"ExcludeCharacters", "abc"}});
  ASSERT_EQ(r.status, 200);
  const std::string pw = r.body["RandomPassword"];
  EXPECT_EQ(pw.size(), 40u);
  EXPECT_EQ(pw.find_first_of("abc!@#$%^&*()"), std::string::npos);
  EXPECT_NE(pw.find_first_of("0123456789"), std::string::npos);
  EXPECT_NE(pw.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), std::string::npos);
  EXPECT_EQ(
      Call("GetRandomPassword", json::object()).body["RandomPassword"].get<std::string>().size(),
      32u);
  auto journal = TakeJournal();
  ASSERT_FALSE(journal.empty());
  EXPECT_EQ(journal.back().dump().find(pw), std::string::npos);
}

TEST_F(LifecycleTest, ReopenKeepsEverything) {
  auto created = Call("CreateSecret", {{"Name", "durable"}, {"SecretString", "kept"}});
  ASSERT_EQ(created.status, 200);
  Close();
  Open();
  auto got = Call("GetSecretValue", {{"SecretId", "durable"}});
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body["SecretString"], "kept");
  EXPECT_EQ(got.body["ARN"], created.body["ARN"]);
  // A different master key cannot read it (fails closed, no value leaks).
  Close();
  key_bytes_ = std::string(32, '\x43');
  Open();
  auto wrong = Call("GetSecretValue", {{"SecretId", "durable"}});
  EXPECT_EQ(wrong.type(), "DecryptionFailure");
  EXPECT_EQ(wrong.raw.body.find("kept"), std::string::npos);
}

}  // namespace
}  // namespace trailwatch::vault::testing
