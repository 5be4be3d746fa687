// Evaluate(): actions, resources, principals, explicit deny precedence, the same-account rule
// and AWS's denial messages, with fixtures modelled on the Secrets Manager documentation's
// examples (written for these tests).
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "iam/policy.h"

namespace trailwatch::iam {
namespace {

constexpr const char* kAccount = "111122223333";
constexpr const char* kAlice = "arn:aws:iam::111122223333:user/alice";
constexpr const char* kBob = "arn:aws:iam::111122223333:user/bob";
constexpr const char* kRoot = "arn:aws:iam::111122223333:root";
constexpr const char* kProdDb =
    "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf";
constexpr const char* kDevDb = "arn:aws:secretsmanager:us-east-1:111122223333:secret:dev/db-GhIjKl";

Policy MustParse(const std::string& text, PolicyKind kind = PolicyKind::kIdentity) {
  ParseOptions o;
  o.kind = kind;
  o.limit = kind == PolicyKind::kIdentity ? kInlineUserPolicyLimit : kSecretResourcePolicyLimit;
  auto p = Policy::Parse(text, o);
  EXPECT_TRUE(p.ok()) << p.status().ToString() << "\n" << text;
  if (!p.ok())
    return *Policy::Parse(R"({"Statement":{"Effect":"Deny","Action":"*","Resource":"*"}})");
  return *p;
}

Request MakeRequest(const char* principal, const char* action, const char* resource) {
  Request r;
  r.principal_arn = principal;
  r.principal_account = kAccount;
  r.action = action;
  r.resource = resource;
  return r;
}

std::string Allow(const std::string& action, const std::string& resource) {
  return R"({"Version":"2012-10-17","Statement":[{"Sid":"Grant","Effect":"Allow","Action":)" +
         action + R"(,"Resource":)" + resource + "}]}";
}

struct ActionResourceCase {
  const char* name;
  const char* policy;
  const char* action;
  const char* resource;
  Effect expected;
};

TEST(PolicyEvaluateTest, ActionsAndResources) {
  const ActionResourceCase cases[] = {
      {"exact",
       R"({"Statement":{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}})",
       "secretsmanager:GetSecretValue", kProdDb, Effect::kAllow},
      {"action ignores case",
       R"({"Statement":{"Effect":"Allow","Action":"SecretsManager:getsecretvalue","Resource":"*"}})",
       "secretsmanager:GetSecretValue", kProdDb, Effect::kAllow},
      {"action prefix wildcard",
       R"({"Statement":{"Effect":"Allow","Action":"secretsmanager:Get*","Resource":"*"}})",
       "secretsmanager:GetSecretValue", kProdDb, Effect::kAllow},
      {"action ? wildcard",
       R"({"Statement":{"Effect":"Allow","Action":"secretsmanager:?etSecretValue","Resource":"*"}})",
       "secretsmanager:GetSecretValue", kProdDb, Effect::kAllow},
      {"other action",
       R"({"Statement":{"Effect":"Allow","Action":"secretsmanager:List*","Resource":"*"}})",
       "secretsmanager:GetSecretValue", kProdDb, Effect::kImplicitDeny},
      {"other service",
       R"({"Statement":{"Effect":"Allow","Action":"kms:GetSecretValue","Resource":"*"}})",
       "secretsmanager:GetSecretValue", kProdDb, Effect::kImplicitDeny},
      {"star action", R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}})",
       "secretsmanager:DeleteSecret", kProdDb, Effect::kAllow},
      {"action list",
       R"({"Statement":{"Effect":"Allow","Action":["secretsmanager:DescribeSecret","secretsmanager:GetSecretValue"],"Resource":"*"}})",
       "secretsmanager:GetSecretValue", kProdDb, Effect::kAllow},
      {"NotAction allows the rest",
       R"({"Statement":{"Effect":"Allow","NotAction":"secretsmanager:DeleteSecret","Resource":"*"}})",
       "secretsmanager:GetSecretValue", kProdDb, Effect::kAllow},
      {"NotAction excludes",
       R"({"Statement":{"Effect":"Allow","NotAction":["secretsmanager:Delete*"],"Resource":"*"}})",
       "secretsmanager:DeleteSecret", kProdDb, Effect::kImplicitDeny},
      {"resource exact",
       R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf"}})",
       "secretsmanager:GetSecretValue", kProdDb, Effect::kAllow},
      {"resource wildcard suffix",
       R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-??????"}})",
       "secretsmanager:GetSecretValue", kProdDb, Effect::kAllow},
      {"resource is case-sensitive",
       R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:secretsmanager:us-east-1:111122223333:secret:Prod/*"}})",
       "secretsmanager:GetSecretValue", kProdDb, Effect::kImplicitDeny},
      {"resource region wildcard",
       R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:secretsmanager:*:111122223333:secret:prod/*"}})",
       "secretsmanager:GetSecretValue", kProdDb, Effect::kAllow},
      {"trailing star spans components",
       R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:secretsmanager:*"}})",
       "secretsmanager:GetSecretValue", kProdDb, Effect::kAllow},
      {"other secret",
       R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:secretsmanager:*:111122223333:secret:dev/*"}})",
       "secretsmanager:GetSecretValue", kProdDb, Effect::kImplicitDeny},
      {"NotResource allows the rest",
       R"({"Statement":{"Effect":"Allow","Action":"*","NotResource":"arn:aws:secretsmanager:*:*:secret:dev/*"}})",
       "secretsmanager:GetSecretValue", kProdDb, Effect::kAllow},
      {"NotResource excludes",
       R"({"Statement":{"Effect":"Allow","Action":"*","NotResource":["arn:aws:secretsmanager:*:*:secret:prod/*"]}})",
       "secretsmanager:GetSecretValue", kProdDb, Effect::kImplicitDeny},
      {"Deny NotResource",
       R"({"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","NotResource":"arn:aws:secretsmanager:*:*:secret:dev/*"}]})",
       "secretsmanager:GetSecretValue", kProdDb, Effect::kExplicitDeny},
      {"Deny NotResource spares dev",
       R"({"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","NotResource":"arn:aws:secretsmanager:*:*:secret:dev/*"}]})",
       "secretsmanager:GetSecretValue", kDevDb, Effect::kAllow},
      {"resource variable",
       R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:secretsmanager:*:*:secret:${aws:username}/*"}})",
       "secretsmanager:GetSecretValue",
       "arn:aws:secretsmanager:us-east-1:111122223333:secret:alice/db-AbCdEf", Effect::kAllow},
      {"resource variable, other user's secret",
       R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:secretsmanager:*:*:secret:${aws:username}/*"}})",
       "secretsmanager:GetSecretValue", kProdDb, Effect::kImplicitDeny},
      {"resource variable, old version is literal",
       R"({"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:secretsmanager:*:*:secret:${aws:username}/*"}})",
       "secretsmanager:GetSecretValue",
       "arn:aws:secretsmanager:us-east-1:111122223333:secret:alice/db-AbCdEf",
       Effect::kImplicitDeny},
  };
  for (const ActionResourceCase& c : cases) {
    Request r = MakeRequest(kAlice, c.action, c.resource);
    r.context.Set("aws:username", "alice");
    const std::vector<NamedPolicy> policies = {{"p", MustParse(c.policy)}};
    EXPECT_EQ(EffectName(Evaluate(r, policies, nullptr).effect), EffectName(c.expected)) << c.name;
  }
}

TEST(PolicyEvaluateTest, UnresolvableResourceVariableDoesNotApply) {
  const Policy p = MustParse(
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},)"
      R"({"Effect":"Deny","Action":"*","NotResource":"arn:aws:secretsmanager:*:*:secret:${aws:username}/*"}]})");
  Request r = MakeRequest(kAlice, "secretsmanager:GetSecretValue", kProdDb);
  const std::vector<NamedPolicy> policies = {{"p", p}};
  r.context.Set("aws:username", "alice");
  EXPECT_EQ(Evaluate(r, policies, nullptr).effect, Effect::kExplicitDeny);
  r.context.Erase("aws:username");
  EXPECT_EQ(Evaluate(r, policies, nullptr).effect, Effect::kAllow);
}

TEST(PolicyEvaluateTest, NoPoliciesIsImplicitDeny) {
  const Request r = MakeRequest(kAlice, "secretsmanager:GetSecretValue", kProdDb);
  const Decision d = Evaluate(r, {}, nullptr);
  EXPECT_EQ(d.effect, Effect::kImplicitDeny);
  EXPECT_EQ(d.decided_by, DecidedBy::kNone);
  EXPECT_FALSE(d.allowed());
  EXPECT_EQ(AccessDeniedMessage(kAlice, r.action, "prod/db", d),
            "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: "
            "secretsmanager:GetSecretValue on resource: prod/db because no identity-based policy "
            "allows the secretsmanager:GetSecretValue action");
}

TEST(PolicyEvaluateTest, ExplicitDenyWinsAndIsReported) {
  const std::vector<NamedPolicy> identity = {
      {"ReadAll", MustParse(Allow(R"("secretsmanager:*")", R"("*")"))},
      {"NoProd",
       MustParse(
           R"({"Version":"2012-10-17","Statement":[)"
           R"({"Sid":"First","Effect":"Deny","Action":"secretsmanager:Delete*","Resource":"*"},)"
           R"({"Sid":"DenyProd","Effect":"Deny","Action":"secretsmanager:GetSecretValue",)"
           R"("Resource":"arn:aws:secretsmanager:*:*:secret:prod/*"}]})")},
  };
  const Request r = MakeRequest(kAlice, "secretsmanager:GetSecretValue", kProdDb);
  const Decision d = Evaluate(r, identity, nullptr);
  EXPECT_EQ(d.effect, Effect::kExplicitDeny);
  EXPECT_EQ(d.decided_by, DecidedBy::kIdentity);
  EXPECT_EQ(d.policy_name, "NoProd");
  EXPECT_EQ(d.statement_sid, "DenyProd");
  EXPECT_EQ(d.statement_index, 1u);
  EXPECT_EQ(AccessDeniedMessage(kAlice, r.action, "prod/db", d),
            "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: "
            "secretsmanager:GetSecretValue on resource: prod/db with an explicit deny in an "
            "identity-based policy");

  const Decision dev =
      Evaluate(MakeRequest(kAlice, "secretsmanager:GetSecretValue", kDevDb), identity, nullptr);
  EXPECT_EQ(dev.effect, Effect::kAllow);
  EXPECT_EQ(dev.decided_by, DecidedBy::kIdentity);
  EXPECT_EQ(dev.policy_name, "ReadAll");
  EXPECT_EQ(dev.statement_sid, "Grant");
  EXPECT_EQ(dev.statement_index, 0u);
}

// "Deny unless the request uses TLS": a resource policy statement that denies everyone when
// aws:SecureTransport is false, on top of an identity-based grant.
TEST(PolicyEvaluateTest, ResourcePolicyDeniesInsecureTransport) {
  const NamedPolicy resource{
      "prod/db",
      MustParse(R"({"Version":"2012-10-17","Statement":[{"Sid":"RequireTls",)"
                R"("Effect":"Deny","Principal":"*","Action":"secretsmanager:*",)"
                R"("Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]})",
                PolicyKind::kResource)};
  const std::vector<NamedPolicy> identity = {
      {"Read", MustParse(Allow(R"("secretsmanager:GetSecretValue")", R"("*")"))}};
  Request r = MakeRequest(kAlice, "secretsmanager:GetSecretValue", kProdDb);
  r.context.Set("aws:SecureTransport", "true");
  EXPECT_EQ(Evaluate(r, identity, &resource).effect, Effect::kAllow);
  r.context.Set("aws:SecureTransport", "false");
  const Decision d = Evaluate(r, identity, &resource);
  EXPECT_EQ(d.effect, Effect::kExplicitDeny);
  EXPECT_EQ(d.decided_by, DecidedBy::kResource);
  EXPECT_EQ(d.policy_name, "prod/db");
  EXPECT_EQ(d.statement_sid, "RequireTls");
  EXPECT_EQ(AccessDeniedMessage(kAlice, r.action, kProdDb, d),
            std::string("User: arn:aws:iam::111122223333:user/alice is not authorized to perform: "
                        "secretsmanager:GetSecretValue on resource: ") +
                kProdDb + " with an explicit deny in a resource-based policy");
  // The root user is denied by the resource policy too.
  r.principal_arn = kRoot;
  EXPECT_EQ(Evaluate(r, {}, &resource).effect, Effect::kExplicitDeny);
}

// "Restrict access to a range of source IP addresses", as an identity policy.
TEST(PolicyEvaluateTest, IdentityPolicyRestrictsSourceIp) {
  const std::vector<NamedPolicy> identity = {
      {"Office",
       MustParse(R"({"Version":"2012-10-17","Statement":[)"
                 R"({"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"},)"
                 R"({"Effect":"Deny","Action":"secretsmanager:*","Resource":"*","Condition":)"
                 R"({"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:db8::/32"]}}}]})")}};
  Request r = MakeRequest(kAlice, "secretsmanager:GetSecretValue", kProdDb);
  r.context.Set("aws:SourceIp", "192.0.2.10");
  EXPECT_EQ(Evaluate(r, identity, nullptr).effect, Effect::kAllow);
  r.context.Set("aws:SourceIp", "2001:db8::10");
  EXPECT_EQ(Evaluate(r, identity, nullptr).effect, Effect::kAllow);
  r.context.Set("aws:SourceIp", "198.51.100.4");
  EXPECT_EQ(Evaluate(r, identity, nullptr).effect, Effect::kExplicitDeny);
  // No source address at all: NotIpAddress holds, so the deny applies.
  r.context.Erase("aws:SourceIp");
  EXPECT_EQ(Evaluate(r, identity, nullptr).effect, Effect::kExplicitDeny);
}

// "Access by tag": read secrets whose owner tag is the caller's user name.
TEST(PolicyEvaluateTest, AccessByResourceTag) {
  const std::vector<NamedPolicy> identity = {
      {"Own",
       MustParse(R"({"Version":"2012-10-17","Statement":{"Effect":"Allow",)"
                 R"("Action":["secretsmanager:GetSecretValue","secretsmanager:DescribeSecret"],)"
                 R"("Resource":"*","Condition":{"StringEquals":)"
                 R"({"secretsmanager:ResourceTag/Owner":"${aws:username}"}}}})")}};
  Request r = MakeRequest(kAlice, "secretsmanager:GetSecretValue", kProdDb);
  r.context.Set("aws:username", "alice");
  r.context.Set("secretsmanager:ResourceTag/owner", "alice");  // tag keys ignore case
  EXPECT_EQ(Evaluate(r, identity, nullptr).effect, Effect::kAllow);
  r.context.Set("secretsmanager:ResourceTag/Owner", "bob");
  EXPECT_EQ(Evaluate(r, identity, nullptr).effect, Effect::kImplicitDeny);
  r.context.Erase("secretsmanager:resourcetag/owner");
  EXPECT_EQ(Evaluate(r, identity, nullptr).effect, Effect::kImplicitDeny);
}

// A resource policy grants one user of the same account access with no identity policy.
TEST(PolicyEvaluateTest, ResourcePolicyGrantsAnotherUserInTheAccount) {
  const NamedPolicy resource{
      "prod/db",
      MustParse(R"({"Version":"2012-10-17","Statement":[{"Sid":"BobReads","Effect":"Allow",)"
                R"("Principal":{"AWS":["arn:aws:iam::111122223333:user/bob"]},)"
                R"("Action":"secretsmanager:GetSecretValue","Resource":"*"}]})",
                PolicyKind::kResource)};
  const Decision bob =
      Evaluate(MakeRequest(kBob, "secretsmanager:GetSecretValue", kProdDb), {}, &resource);
  EXPECT_EQ(bob.effect, Effect::kAllow);
  EXPECT_EQ(bob.decided_by, DecidedBy::kResource);
  EXPECT_EQ(bob.statement_sid, "BobReads");
  EXPECT_EQ(
      Evaluate(MakeRequest(kAlice, "secretsmanager:GetSecretValue", kProdDb), {}, &resource).effect,
      Effect::kImplicitDeny);
  EXPECT_EQ(
      Evaluate(MakeRequest(kBob, "secretsmanager:PutSecretValue", kProdDb), {}, &resource).effect,
      Effect::kImplicitDeny);
}

struct PrincipalCase {
  const char* name;
  const char* principal;  // the Principal/NotPrincipal member, e.g. "Principal":"*"
  const char* effect;
  const char* caller;
  Effect expected;
};

TEST(PolicyEvaluateTest, PrincipalMatching) {
  const PrincipalCase cases[] = {
      {"star", R"("Principal":"*")", "Allow", kAlice, Effect::kAllow},
      {"AWS star", R"("Principal":{"AWS":"*"})", "Allow", kAlice, Effect::kAllow},
      {"user ARN", R"("Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"})", "Allow", kAlice,
       Effect::kAllow},
      {"other user ARN", R"("Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"})", "Allow",
       kAlice, Effect::kImplicitDeny},
      // Naming the account delegates to IAM: a user still needs an identity-based Allow.
      {"account id, Allow, user", R"("Principal":{"AWS":"111122223333"})", "Allow", kAlice,
       Effect::kImplicitDeny},
      {"account root ARN, Allow, user", R"("Principal":{"AWS":"arn:aws:iam::111122223333:root"})",
       "Allow", kAlice, Effect::kImplicitDeny},
      {"account id, Deny, user", R"("Principal":{"AWS":"111122223333"})", "Deny", kAlice,
       Effect::kExplicitDeny},
      {"other account, Deny", R"("Principal":{"AWS":"444455556666"})", "Deny", kAlice,
       Effect::kImplicitDeny},
      {"service", R"("Principal":{"Service":"secretsmanager.amazonaws.com"})", "Allow", kAlice,
       Effect::kImplicitDeny},
      {"federated never matches", R"("Principal":{"Federated":"cognito-identity.amazonaws.com"})",
       "Deny", kAlice, Effect::kImplicitDeny},
      {"NotPrincipal: user and account listed",
       R"("NotPrincipal":{"AWS":["arn:aws:iam::111122223333:user/alice","111122223333"]})", "Deny",
       kAlice, Effect::kImplicitDeny},
      {"NotPrincipal: only the user listed denies the user",
       R"("NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"})", "Deny", kAlice,
       Effect::kExplicitDeny},
      {"NotPrincipal: someone else",
       R"("NotPrincipal":{"AWS":["arn:aws:iam::111122223333:user/bob","111122223333"]})", "Deny",
       kAlice, Effect::kExplicitDeny},
      {"NotPrincipal: account exempts the root user",
       R"("NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"})", "Deny", kRoot, Effect::kAllow},
      {"NotPrincipal: star", R"("NotPrincipal":{"AWS":"*"})", "Deny", kAlice,
       Effect::kImplicitDeny},
  };
  for (const PrincipalCase& c : cases) {
    const NamedPolicy resource{
        "r", MustParse(std::string(R"({"Version":"2012-10-17","Statement":[{"Effect":")") +
                           c.effect + "\"," + c.principal +
                           R"(,"Action":"secretsmanager:GetSecretValue","Resource":"*"}]})",
                       PolicyKind::kResource)};
    const Request r = MakeRequest(c.caller, "secretsmanager:GetSecretValue", kProdDb);
    EXPECT_EQ(EffectName(Evaluate(r, {}, &resource).effect), EffectName(c.expected)) << c.name;
  }
}

TEST(PolicyEvaluateTest, ServicePrincipal) {
  const NamedPolicy resource{
      "r",
      MustParse(
          R"({"Statement":{"Effect":"Allow","Principal":{"Service":["secretsmanager.amazonaws.com"]},)"
          R"("Action":"secretsmanager:DescribeSecret","Resource":"*"}})",
          PolicyKind::kResource)};
  Request r = MakeRequest("secretsmanager.amazonaws.com", "secretsmanager:DescribeSecret", kProdDb);
  EXPECT_EQ(Evaluate(r, {}, &resource).effect, Effect::kAllow);
}

TEST(PolicyEvaluateTest, RootUser) {
  Request r = MakeRequest(kRoot, "secretsmanager:DeleteSecret", kProdDb);
  const Decision d = Evaluate(r, {}, nullptr);
  EXPECT_EQ(d.effect, Effect::kAllow);
  EXPECT_EQ(d.decided_by, DecidedBy::kRoot);
  // The account is derived from the ARN when the request leaves it empty.
  r.principal_account.clear();
  EXPECT_EQ(Evaluate(r, {}, nullptr).effect, Effect::kAllow);
  // Another account's root is not this account's root... but same-account evaluation only
  // knows the caller's own account, so a mismatching account makes it an ordinary caller.
  r.principal_account = "444455556666";
  EXPECT_EQ(Evaluate(r, {}, nullptr).effect, Effect::kImplicitDeny);
}

TEST(PolicyEvaluateTest, IdentityAllowPlusResourceAllow) {
  // Either one allowing is enough within one account.
  const std::vector<NamedPolicy> identity = {
      {"Read", MustParse(Allow(R"("secretsmanager:GetSecretValue")", R"("*")"))}};
  const NamedPolicy resource{
      "r",
      MustParse(
          R"({"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},)"
          R"("Action":"secretsmanager:PutSecretValue","Resource":"*"}})",
          PolicyKind::kResource)};
  EXPECT_EQ(
      Evaluate(MakeRequest(kAlice, "secretsmanager:GetSecretValue", kProdDb), identity, &resource)
          .decided_by,
      DecidedBy::kIdentity);
  EXPECT_EQ(
      Evaluate(MakeRequest(kAlice, "secretsmanager:PutSecretValue", kProdDb), identity, &resource)
          .decided_by,
      DecidedBy::kResource);
  EXPECT_EQ(
      Evaluate(MakeRequest(kAlice, "secretsmanager:DeleteSecret", kProdDb), identity, &resource)
          .effect,
      Effect::kImplicitDeny);
}

TEST(PolicyEvaluateTest, RequestContextKeysIgnoreCase) {
  RequestContext c;
  c.Set("aws:SourceIp", "192.0.2.1");
  c.Add("AWS:TagKeys", "a");
  c.Add("aws:tagkeys", "b");
  ASSERT_NE(c.Find("AWS:SOURCEIP"), nullptr);
  EXPECT_EQ(*c.Find("aws:sourceip"), std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(*c.Find("aws:TagKeys"), (std::vector<std::string>{"a", "b"}));
  c.Set("aws:TagKeys", std::vector<std::string>{"c"});
  EXPECT_EQ(*c.Find("aws:tagKeys"), std::vector<std::string>{"c"});
  c.Erase("AWS:TAGKEYS");
  EXPECT_EQ(c.Find("aws:TagKeys"), nullptr);
  EXPECT_EQ(c.Find("aws:username"), nullptr);
}

TEST(PolicyEvaluateTest, SharedAcrossThreads) {
  const std::vector<NamedPolicy> identity = {
      {"Read",
       MustParse(
           R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"secretsmanager:Get*",)"
           R"("Resource":"arn:aws:secretsmanager:*:*:secret:${aws:username}/*"}})")}};
  std::vector<std::thread> threads;
  std::vector<int> allowed(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        Request r = MakeRequest(kAlice, "secretsmanager:GetSecretValue",
                                "arn:aws:secretsmanager:us-east-1:111122223333:secret:alice/x");
        r.context.Set("aws:username", i % 2 == 0 ? "alice" : "bob");
        if (Evaluate(r, identity, nullptr).allowed()) ++allowed[static_cast<std::size_t>(t)];
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int n : allowed) EXPECT_EQ(n, 100);
}

}  // namespace
}  // namespace trailwatch::iam
