// IAM users and access keys of the vault, kept in the store (secret access keys sealed under
// the master key), and who a signed request's access key belongs to. Used by `trailwatch up`
// (authentication and authorisation) and by the `trailwatch iam` commands, which work on the
// data dir directly, also while `up` runs.
#ifndef TRAILWATCH_APP_IDENTITY_H_
#define TRAILWATCH_APP_IDENTITY_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "iam/policy.h"
#include "store/store.h"
#include "vault/vault.h"

namespace trailwatch::app {

// What `aws iam create-access-key` returns.
struct AccessKey {
  std::string user_name;
  std::string access_key_id;
  std::string secret_access_key;
  std::string status = "Active";
  std::int64_t created_ms = 0;

  // {"AccessKey":{"UserName":…,"AccessKeyId":…,"Status":…,"SecretAccessKey":…,"CreateDate":…}}
  std::string ToJson() const;
};

// A caller: the principal for CloudTrail and its identity policies for evaluation.
struct Caller {
  vault::Principal principal;
  std::vector<iam::NamedPolicy> policies;
};

class Identity {
 public:
  Identity(store::Store* store, const vault::MasterKey* key, std::string account_id,
           const Clock& clock);

  // IAM's rules: names of 1-64 characters from [A-Za-z0-9+=,.@_-]; a second user of the same
  // name is EntityAlreadyExists.
  Result<store::UserRow> CreateUser(std::string_view name);
  // A new active key for an existing user (AKIA… id, 40-character secret).
  Result<AccessKey> CreateAccessKey(std::string_view user_name);
  // Validates the document as an identity policy (iam/policy.h) before storing it.
  Status PutUserPolicy(std::string_view user_name, std::string_view policy_name,
                       std::string_view document);
  Result<std::size_t> UserCount();

  // The secret access key of an active key; NotFound for unknown or inactive keys. For the
  // SigV4 verifier.
  Result<std::string> SecretFor(std::string_view access_key_id);
  // The user behind a key, with parsed policies. Cached for a second so that a burst of
  // requests reads the store once, and policy changes still apply at once for practical
  // purposes. Shared with the cache, never copied.
  Result<std::shared_ptr<const Caller>> CallerFor(std::string_view access_key_id);

 private:
  store::Store* store_;
  const vault::MasterKey* key_;
  std::string account_id_;
  const Clock& clock_;
  std::mutex mu_;
  struct Cached {
    Caller caller;
    std::string secret;
    TimePoint loaded;
  };
  std::map<std::string, std::shared_ptr<const Cached>, std::less<>> cache_;  // guarded by mu_
  // Bumped (under mu_) by every change made through this object, so that a Load that read the
  // store before the change does not put what it read back into the cache.
  std::uint64_t generation_ = 0;
  Result<Cached> Load(std::string_view access_key_id);
  Result<std::shared_ptr<const Cached>> Get(std::string_view access_key_id);
};

}  // namespace trailwatch::app

#endif  // TRAILWATCH_APP_IDENTITY_H_
