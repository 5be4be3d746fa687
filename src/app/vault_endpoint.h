// The Secrets Manager endpoint of `trailwatch up`: every `POST /` with X-Amz-Target goes
// through SigV4 authentication (aws/sigv4.h), the caller's identity (identity.h), IAM
// authorisation (iam/policy.h) and the vault (vault/vault.h), which writes the call's
// CloudTrail record (trail/trail.h) durably before the reply leaves.
#ifndef TRAILWATCH_APP_VAULT_ENDPOINT_H_
#define TRAILWATCH_APP_VAULT_ENDPOINT_H_

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "app/identity.h"
#include "aws/sigv4.h"
#include "common/clock.h"
#include "iam/policy.h"
#include "server/server.h"
#include "vault/vault.h"

namespace trailwatch::app {

// The CloudTrail record of a vault call (vault::AuditFn).
Result<std::string> AuditRecord(const vault::Response& response, const vault::CallContext& context,
                                std::string_view region, std::string_view account_id);

// AWS's authorisation of a vault call for `caller` (vault::Authorizer's decision).
vault::AuthzDecision Authorize(const Caller& caller, const vault::AuthzRequest& request,
                               const vault::CallContext& context,
                               const std::optional<iam::Policy>& resource_policy);

class VaultEndpoint {
 public:
  VaultEndpoint(Identity* identity, vault::Vault* vault, const aws::Verifier* verifier,
                const Clock& clock);

  server::Reply Handle(const aws::HttpRequest& request, const server::Peer& peer);

  // For the vault's Authorizer: evaluates with the caller of the request in flight.
  vault::AuthzDecision Authorize(const vault::AuthzRequest& request,
                                 const vault::CallContext& context);

 private:
  std::optional<iam::Policy> ResourcePolicy(const std::optional<std::string>& text);

  Identity* identity_;
  vault::Vault* vault_;
  const aws::Verifier* verifier_;
  const Clock& clock_;
  std::mutex mu_;
  std::map<std::string, std::optional<iam::Policy>> policies_;  // by text; guarded by mu_
};

}  // namespace trailwatch::app

#endif  // TRAILWATCH_APP_VAULT_ENDPOINT_H_
