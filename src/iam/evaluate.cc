// Evaluate(): AWS's policy evaluation logic for a request within one account.
//
//   1. An explicit Deny in any identity policy or in the resource policy decides (identity
//      policies first, in the order given, then the resource policy).
//   2. The account root user is allowed (no identity policy restricts it).
//   3. An Allow in an identity policy, else an Allow in the resource policy whose Principal
//      names the caller, allows.
//   4. Otherwise the request is implicitly denied.
#include <algorithm>
#include <utility>

#include "fmt/format.h"
#include "iam/compiled.h"
#include "iam/glob.h"
#include "iam/policy.h"

namespace trailwatch::iam {
namespace {

using internal::PrincipalSet;
using internal::Statement;

// The caller as principal matching sees it.
struct Caller {
  std::string_view arn;
  std::string account;
  bool root = false;
};

Caller MakeCaller(const Request& request) {
  Caller c;
  c.arn = request.principal_arn;
  c.account = request.principal_account;
  // arn:partition:iam::<account>:root
  const std::size_t partition_end = c.arn.find(':', 4);
  if (c.arn.starts_with("arn:") && partition_end != std::string_view::npos) {
    const std::string_view rest = c.arn.substr(partition_end + 1);
    if (rest.starts_with("iam::") && rest.size() == 22 && rest.substr(17) == ":root") {
      if (c.account.empty()) c.account = std::string(rest.substr(5, 12));
      c.root = rest.substr(5, 12) == c.account;
    } else if (c.account.empty() && rest.size() > 17 && rest[4] == ':' && rest[17] == ':') {
      c.account = std::string(rest.substr(5, 12));
    }
  }
  return c;
}

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// Does a Principal element of an Allow/Deny statement name the caller? Naming the account
// delegates to the account's own IAM policies: it covers every principal of the account for a
// Deny, but grants an Allow to the root user only (AWS: the account ARN "does not limit
// permissions to only the root user", and a user still needs an identity-based Allow).
bool PrincipalMatches(const PrincipalSet& p, bool allow, const Caller& caller) {
  if (p.everyone || Contains(p.arns, caller.arn) || Contains(p.services, caller.arn)) return true;
  if (!caller.account.empty() && Contains(p.accounts, caller.account)) {
    return !allow || caller.root;
  }
  return false;
}

// NotPrincipal (Deny only): the caller is exempt only if every identity AWS checks for it is
// listed: its account, and, unless it is the root user, its own ARN.
bool NotPrincipalExempts(const PrincipalSet& p, const Caller& caller) {
  if (p.everyone || Contains(p.services, caller.arn)) return true;
  const bool account_listed = !caller.account.empty() && Contains(p.accounts, caller.account);
  return account_listed && (caller.root || Contains(p.arns, caller.arn));
}

class Evaluator {
 public:
  explicit Evaluator(const Request& request) : request_(request), caller_(MakeCaller(request)) {
    lookup_ = [this](std::string_view key) { return Find(key); };
  }

  const Caller& caller() const { return caller_; }

  bool Applies(const Statement& st, bool resource_policy) const {
    if (resource_policy && st.has_principal) {
      const bool named = st.not_principal ? !NotPrincipalExempts(st.principals, caller_)
                                          : PrincipalMatches(st.principals, st.allow, caller_);
      if (!named) return false;
    }
    return ActionMatches(st) && ResourceMatches(st) && ConditionsHold(st);
  }

 private:
  const std::vector<std::string>* Find(std::string_view key) const {
    if (const auto* values = request_.context.Find(key)) return values;
    if (internal::EqualsIgnoreCase(key, "aws:PrincipalArn") && !request_.principal_arn.empty()) {
      principal_arn_ = {request_.principal_arn};
      return &principal_arn_;
    }
    if (internal::EqualsIgnoreCase(key, "aws:PrincipalAccount") && !caller_.account.empty()) {
      principal_account_ = {caller_.account};
      return &principal_account_;
    }
    return nullptr;
  }

  bool ActionMatches(const Statement& st) const {
    bool any = false;
    for (const std::string& pattern : st.actions) {
      if (internal::GlobMatch(pattern, request_.action, true)) {
        any = true;
        break;
      }
    }
    return any != st.not_action;
  }

  // A resource entry whose policy variable cannot be resolved makes the statement not apply,
  // whether it is in Resource or NotResource (AWS: the statement becomes invalid).
  bool ResourceMatches(const Statement& st) const {
    bool any = false;
    for (const internal::ValueTemplate& resource : st.resources) {
      if (any && resource.fixed_pattern() != nullptr) continue;
      std::optional<std::string> resolved;
      const std::string* pattern = resource.fixed_pattern();
      if (pattern == nullptr) {
        resolved = resource.Pattern(lookup_);
        if (!resolved) return false;
        pattern = &*resolved;
      }
      if (!any && internal::GlobMatch(*pattern, request_.resource, false)) any = true;
    }
    return any != st.not_resource;
  }

  bool ConditionsHold(const Statement& st) const {
    for (const internal::ConditionClause& clause : st.conditions) {
      if (!internal::EvaluateClause(clause, lookup_)) return false;
    }
    return true;
  }

  const Request& request_;
  Caller caller_;
  internal::KeyLookup lookup_;
  // Defaults of aws:PrincipalArn/aws:PrincipalAccount, built when first asked for.
  mutable std::vector<std::string> principal_arn_;
  mutable std::vector<std::string> principal_account_;
};

Decision Decided(Effect effect, DecidedBy by, const NamedPolicy& policy, std::size_t index) {
  Decision d;
  d.effect = effect;
  d.decided_by = by;
  d.policy_name = policy.name;
  d.statement_sid = policy.policy.impl().statements[index].sid;
  d.statement_index = index;
  return d;
}

// The first statement of `policy` with the given effect that applies, or npos.
std::size_t FindApplying(const Evaluator& e, const NamedPolicy& policy, bool allow,
                         bool resource_policy) {
  const std::vector<Statement>& statements = policy.policy.impl().statements;
  for (std::size_t i = 0; i < statements.size(); ++i) {
    if (statements[i].allow == allow && e.Applies(statements[i], resource_policy)) return i;
  }
  return std::string::npos;
}

}  // namespace

void RequestContext::Set(std::string_view key, std::string value) {
  values_[internal::ToLower(key)] = {std::move(value)};
}

void RequestContext::Set(std::string_view key, std::vector<std::string> values) {
  values_[internal::ToLower(key)] = std::move(values);
}

void RequestContext::Add(std::string_view key, std::string value) {
  values_[internal::ToLower(key)].push_back(std::move(value));
}

void RequestContext::Erase(std::string_view key) { values_.erase(internal::ToLower(key)); }

const std::vector<std::string>* RequestContext::Find(std::string_view key) const {
  auto it = values_.find(internal::ToLower(key));
  return it == values_.end() ? nullptr : &it->second;
}

std::string_view EffectName(Effect effect) {
  switch (effect) {
    case Effect::kAllow:
      return "Allow";
    case Effect::kExplicitDeny:
      return "ExplicitDeny";
    case Effect::kImplicitDeny:
      return "ImplicitDeny";
  }
  return "ImplicitDeny";
}

Decision Evaluate(const Request& request, std::span<const NamedPolicy> identity_policies,
                  const NamedPolicy* resource_policy) {
  const Evaluator e(request);
  for (const NamedPolicy& p : identity_policies) {
    const std::size_t i = FindApplying(e, p, false, false);
    if (i != std::string::npos) return Decided(Effect::kExplicitDeny, DecidedBy::kIdentity, p, i);
  }
  if (resource_policy != nullptr) {
    const std::size_t i = FindApplying(e, *resource_policy, false, true);
    if (i != std::string::npos) {
      return Decided(Effect::kExplicitDeny, DecidedBy::kResource, *resource_policy, i);
    }
  }
  if (e.caller().root) {
    Decision d;
    d.effect = Effect::kAllow;
    d.decided_by = DecidedBy::kRoot;
    return d;
  }
  for (const NamedPolicy& p : identity_policies) {
    const std::size_t i = FindApplying(e, p, true, false);
    if (i != std::string::npos) return Decided(Effect::kAllow, DecidedBy::kIdentity, p, i);
  }
  if (resource_policy != nullptr) {
    const std::size_t i = FindApplying(e, *resource_policy, true, true);
    if (i != std::string::npos) {
      return Decided(Effect::kAllow, DecidedBy::kResource, *resource_policy, i);
    }
  }
  return Decision{};
}

std::string AccessDeniedMessage(std::string_view principal_arn, std::string_view action,
                                std::string_view resource, const Decision& decision) {
  const std::string head = fmt::format("User: {} is not authorized to perform: {} on resource: {}",
                                       principal_arn, action, resource);
  if (decision.effect == Effect::kExplicitDeny) {
    return fmt::format(
        "{} with an explicit deny in {} policy", head,
        decision.decided_by == DecidedBy::kResource ? "a resource-based" : "an identity-based");
  }
  return fmt::format("{} because no identity-based policy allows the {} action", head, action);
}

}  // namespace trailwatch::iam
