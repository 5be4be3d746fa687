// Fuzzes IAM policy parsing and evaluation: the input is a policy document. It is parsed as an
// identity policy and as a resource policy; each document that parses is evaluated against a
// few fixed requests (different principals, actions, context keys, including multi-valued and
// absent ones), both as an identity policy and as the resource policy.
//
// Besides memory errors (ASan/UBSan), it checks that no exception escapes (simdjson is used
// without exceptions, but the tree and compile steps allocate), that every error has a message
// and that a rejected document is never half accepted, that parsing and evaluation are
// deterministic, and that a decision names a statement of the policy with the decision's effect.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "iam/compiled.h"  // to check the deciding statement
#include "iam/policy.h"

namespace {

namespace iam = trailwatch::iam;

// Policies are at most 20,480 characters; longer inputs only slow each run down.
constexpr std::size_t kMaxInput = 24576;

void Check(bool ok) {
  if (!ok) std::abort();
}

std::vector<iam::Request> FixedRequests() {
  std::vector<iam::Request> requests;
  iam::Request alice;
  alice.principal_arn = "arn:aws:iam::111122223333:user/alice";
  alice.principal_account = "111122223333";
  alice.action = "secretsmanager:GetSecretValue";
  alice.resource = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf";
  alice.context.Set("aws:SourceIp", "203.0.113.7");
  alice.context.Set("aws:SecureTransport", "true");
  alice.context.Set("aws:CurrentTime", "2026-11-21T10:00:00Z");
  alice.context.Set("aws:EpochTime", "1794996000");
  alice.context.Set("aws:username", "alice");
  alice.context.Set("aws:userid", "AIDAEXAMPLE*?");
  alice.context.Set("aws:TagKeys", std::vector<std::string>{"team", "env", ""});
  alice.context.Set("aws:RequestTag/team", "payments");
  alice.context.Set("secretsmanager:ResourceTag/owner", "alice");
  alice.context.Set("secretsmanager:SecretId", "prod/db");
  alice.context.Set("secretsmanager:Name", "prod/db");
  alice.context.Set("secretsmanager:VersionStage", std::vector<std::string>{"AWSCURRENT"});
  alice.context.Set("secretsmanager:resource/AllowRotationLambdaArn",
                    "arn:aws:lambda:us-east-1:111122223333:function:rotate");
  requests.push_back(alice);

  iam::Request bob;  // few context keys, IPv6, another action
  bob.principal_arn = "arn:aws:iam::111122223333:user/bob";
  bob.principal_account = "111122223333";
  bob.action = "secretsmanager:DeleteSecret";
  bob.resource = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:dev/x:y-123456";
  bob.context.Set("aws:SourceIp", "2001:db8::1");
  requests.push_back(bob);

  iam::Request root;  // the root user, no account given, odd values
  root.principal_arn = "arn:aws:iam::111122223333:root";
  root.action = "SecretsManager:PutSecretValue";
  root.resource = "*";
  root.context.Set("aws:SecureTransport", "maybe");
  root.context.Set("aws:CurrentTime", "not a time");
  root.context.Set("aws:SourceIp", "");
  requests.push_back(root);
  return requests;
}

std::string Summary(const iam::Decision& d) {
  return std::string(iam::EffectName(d.effect)) + "/" +
         std::to_string(static_cast<int>(d.decided_by)) + "/" + d.policy_name + "/" +
         d.statement_sid + "/" + std::to_string(d.statement_index);
}

void EvaluateAll(const iam::Policy& policy, const std::vector<iam::Request>& requests) {
  const std::array<iam::NamedPolicy, 1> named = {iam::NamedPolicy{"fuzz", policy}};
  const std::span<const iam::NamedPolicy> none;
  for (const iam::Request& r : requests) {
    const bool resource = policy.kind() == iam::PolicyKind::kResource;
    const iam::Decision d =
        resource ? iam::Evaluate(r, none, &named[0]) : iam::Evaluate(r, named, nullptr);
    const iam::Decision again =
        resource ? iam::Evaluate(r, none, &named[0]) : iam::Evaluate(r, named, nullptr);
    Check(Summary(d) == Summary(again));
    if (d.decided_by == iam::DecidedBy::kIdentity || d.decided_by == iam::DecidedBy::kResource) {
      Check(d.policy_name == "fuzz");
      Check(d.statement_index < policy.statement_count());
      Check(d.statement_sid == policy.statement_sid(d.statement_index));
      // The deciding statement has the decision's effect.
      Check(policy.impl().statements[d.statement_index].allow == d.allowed());
    } else {
      Check(d.effect != iam::Effect::kExplicitDeny);
    }
    if (!d.allowed()) {
      Check(!iam::AccessDeniedMessage(r.principal_arn, r.action, r.resource, d).empty());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInput) return 0;
  static const std::vector<iam::Request> requests = FixedRequests();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (iam::PolicyKind kind : {iam::PolicyKind::kIdentity, iam::PolicyKind::kResource}) {
    iam::ParseOptions options;
    options.kind = kind;
    options.limit = iam::kSecretResourcePolicyLimit;
    auto first = iam::Policy::Parse(text, options);
    auto second = iam::Policy::Parse(text, options);
    Check(first.ok() == second.ok());
    if (!first.ok()) {
      Check(!first.status().message().empty());
      Check(first.status().ToString() == second.status().ToString());
      continue;
    }
    Check(first->statement_count() > 0);
    Check(first->statement_count() == second->statement_count());
    EvaluateAll(*first, requests);
  }
  return 0;
}
