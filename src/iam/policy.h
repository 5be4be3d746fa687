// iam: AWS IAM policy documents and their evaluation, for the vault's request authorisation.
//
//   text --Policy::Parse--> Policy (immutable) --Evaluate(request, policies)--> Decision
//
// Parse() validates a policy document the way IAM and Secrets Manager do (grammar, Version,
// Effect, Principal rules per policy kind, vendor-prefixed actions, ARN-shaped resources,
// condition operators and their values, unique Sids, size limits) and reports the first error
// as a MalformedPolicyDocument-style message naming the JSON path (e.g.
// "Statement[1].Condition.StringLike") with the line and column in Status::location().
// Evaluate() applies AWS's same-account evaluation logic: an explicit Deny in any policy wins;
// otherwise an Allow in an identity policy or in the resource policy (for a matching
// Principal) allows; otherwise the request is implicitly denied.
//
// Thread safety: a Policy is immutable and cheap to copy (it shares its compiled form); any
// number of threads may evaluate the same Policy concurrently. RequestContext and Request are
// plain values.
//
// The grammar, operators, context keys and every choice where AWS is undocumented are in
// docs/iam-policies.md.
#ifndef TRAILWATCH_IAM_POLICY_H_
#define TRAILWATCH_IAM_POLICY_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace trailwatch::iam {

// How the size of a document is measured against a quota.
struct SizeLimit {
  std::size_t max_characters = 0;  // Unicode characters (UTF-8 code points); 0: no limit
  bool excluding_white_space = false;
};
// IAM: an inline user policy may not exceed 2,048 characters; IAM does not count white space.
inline constexpr SizeLimit kInlineUserPolicyLimit{2048, true};
// Secrets Manager: PutResourcePolicy's ResourcePolicy is at most 20,480 characters.
inline constexpr SizeLimit kSecretResourcePolicyLimit{20480, false};

enum class PolicyKind : std::uint8_t {
  kIdentity,  // attached to a user: no Principal/NotPrincipal, Sids alphanumeric
  kResource,  // attached to a secret: Principal or NotPrincipal required in every statement
};

struct ParseOptions {
  PolicyKind kind = PolicyKind::kIdentity;
  SizeLimit limit = kInlineUserPolicyLimit;
  std::string source = "policy document";  // SourceLocation::source of errors
};

class Policy {
 public:
  // Errors (never throws):
  //   kInvalidArgument   the document is malformed; message "<reason> (at <json path>)" where
  //                      a path applies, location() has line and column (1-based, in bytes).
  //   kResourceExhausted the size limit: "Cannot exceed quota for PolicySize: 2048".
  static Result<Policy> Parse(std::string_view text, const ParseOptions& options = {});

  PolicyKind kind() const;
  const std::string& version() const;  // "2012-10-17", "2008-10-17" or "" when absent
  const std::string& id() const;       // the Id element, or ""
  std::size_t statement_count() const;
  // The Sid of statement `index` (0-based, in document order), or "" when it has none.
  const std::string& statement_sid(std::size_t index) const;

  struct Impl;
  const Impl& impl() const { return *impl_; }  // for the component's own code

 private:
  explicit Policy(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

// The request context: condition keys to their values. Key lookup is case-insensitive, as AWS
// treats context key names (aws:SourceIp == AWS:sourceip); values keep their case. A key may
// have several values (aws:TagKeys). Typical keys the vault supplies: aws:SourceIp,
// aws:SecureTransport ("true"/"false"), aws:CurrentTime (ISO 8601), aws:EpochTime,
// aws:PrincipalArn, aws:PrincipalAccount, aws:username, aws:userid, aws:RequestTag/<key>,
// aws:TagKeys, secretsmanager:ResourceTag/<key>, secretsmanager:SecretId, secretsmanager:Name,
// secretsmanager:VersionStage, secretsmanager:resource/AllowRotationLambdaArn.
class RequestContext {
 public:
  // Replaces the key's values.
  void Set(std::string_view key, std::string value);
  void Set(std::string_view key, std::vector<std::string> values);
  // Appends one value to the key's values.
  void Add(std::string_view key, std::string value);
  void Erase(std::string_view key);
  // The key's values, or null when the key is absent.
  const std::vector<std::string>* Find(std::string_view key) const;

 private:
  std::map<std::string, std::vector<std::string>, std::less<>> values_;  // lower-case keys
};

struct Request {
  std::string principal_arn;      // arn:aws:iam::123456789012:user/alice (or ...:root)
  std::string principal_account;  // 123456789012
  std::string action;             // secretsmanager:GetSecretValue
  std::string resource;           // the secret's ARN
  // aws:PrincipalArn and aws:PrincipalAccount default to the fields above when not set here.
  RequestContext context;
};

// A policy with the name denial messages and audit records use (the inline policy name, or
// for the resource policy anything the caller likes, e.g. the secret name).
struct NamedPolicy {
  std::string name;
  Policy policy;
};

enum class Effect : std::uint8_t { kAllow, kExplicitDeny, kImplicitDeny };
std::string_view EffectName(Effect effect);  // "Allow", "ExplicitDeny", "ImplicitDeny"

enum class DecidedBy : std::uint8_t {
  kNone,      // implicit deny: nothing allowed
  kIdentity,  // a statement of an identity-based policy
  kResource,  // a statement of the resource-based policy
  kRoot,      // the account root user, which no identity policy restricts
};

struct Decision {
  Effect effect = Effect::kImplicitDeny;
  DecidedBy decided_by = DecidedBy::kNone;
  std::string policy_name;          // of the deciding statement's policy
  std::string statement_sid;        // its Sid, or ""
  std::size_t statement_index = 0;  // its 0-based position in that policy
  bool allowed() const { return effect == Effect::kAllow; }
};

// Evaluates a same-account request. `resource_policy` may be null.
Decision Evaluate(const Request& request, std::span<const NamedPolicy> identity_policies,
                  const NamedPolicy* resource_policy);

// AWS's AccessDenied text for a denial, e.g. "User: arn:aws:iam::111122223333:user/bob is not
// authorized to perform: secretsmanager:GetSecretValue on resource: prod/db because no
// identity-based policy allows the secretsmanager:GetSecretValue action". `resource` is the
// resource as the caller named it (Secrets Manager echoes the SecretId given).
// REQUIRES: !decision.allowed().
std::string AccessDeniedMessage(std::string_view principal_arn, std::string_view action,
                                std::string_view resource, const Decision& decision);

}  // namespace trailwatch::iam

#endif  // TRAILWATCH_IAM_POLICY_H_
