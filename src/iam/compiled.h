// Internal to src/iam: the compiled, immutable form of a policy document.
#ifndef TRAILWATCH_IAM_COMPILED_H_
#define TRAILWATCH_IAM_COMPILED_H_

#include <cstddef>
#include <string>
#include <vector>

#include "iam/condition.h"
#include "iam/policy.h"
#include "iam/variables.h"

namespace trailwatch::iam::internal {

// A Principal or NotPrincipal element.
struct PrincipalSet {
  bool everyone = false;              // "*" or {"AWS": "*"}
  std::vector<std::string> accounts;  // "123456789012" or "arn:aws:iam::123456789012:root"
  std::vector<std::string> arns;      // users, roles, sessions: exact ARNs
  std::vector<std::string> services;  // "secretsmanager.amazonaws.com"
  // Federated and CanonicalUser entries are accepted and never match a vault caller.
};

struct Statement {
  std::string sid;
  bool allow = false;
  bool has_principal = false;  // Principal or NotPrincipal given (resource policies)
  bool not_principal = false;
  PrincipalSet principals;
  bool not_action = false;
  std::vector<std::string> actions;  // glob patterns, matched ignoring case
  bool not_resource = false;
  std::vector<ValueTemplate> resources;
  std::vector<ConditionClause> conditions;  // ANDed
};

}  // namespace trailwatch::iam::internal

namespace trailwatch::iam {

struct Policy::Impl {
  PolicyKind kind = PolicyKind::kIdentity;
  std::string version;
  std::string id;
  std::vector<internal::Statement> statements;
};

}  // namespace trailwatch::iam

#endif  // TRAILWATCH_IAM_COMPILED_H_
