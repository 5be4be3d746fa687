// Internal to vault: what the operation files share (request checks, secret lookup and
// authorisation, version and stage rules, JSON output helpers).
#ifndef TRAILWATCH_VAULT_INTERNAL_H_
#define TRAILWATCH_VAULT_INTERNAL_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/store.h"
#include "vault/vault.h"

namespace trailwatch::vault::internal {

using json = nlohmann::json;
using Tags = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::string_view kCurrent = "AWSCURRENT";
inline constexpr std::string_view kPrevious = "AWSPREVIOUS";
inline constexpr std::string_view kPending = "AWSPENDING";

// What an operation produced, before the vault turns it into a Response.
struct Outcome {
  int status = 200;
  json body = json::object();
  std::string error_type;  // __type
  std::string error_message;
  json response_elements;  // null unless the operation sets it
  bool denied = false;
};

// An early answer (an error) or nothing: the operation continues.
using Check = std::optional<Outcome>;

Outcome Error(std::string type, std::string message, int status = 400);
Outcome NotFound();
Outcome Internal();
Outcome Deleted();
// {ARN, Name}, also as the audit record's responseElements: what most changes return.
Outcome ArnAndName(const store::SecretRow& s);

// Everything an operation sees.
struct Env {
  store::Transaction& tx;
  const json& req;
  const CallContext& ctx;
  const VaultOptions& opt;
  const MasterKey& key;
  std::vector<std::string>& resources;
  std::vector<Response>& related;  // extra audit records (BatchGetSecretValue)
  // (ARN, version id) pairs read by this call whose LastAccessedDate is not yet today, to
  // stamp afterwards.
  std::vector<std::pair<std::string, std::string>>& accessed;
  std::int64_t now_ms;
};

// --- request members (names as in the AWS model) ---
// A string member: absent leaves *out empty and returns nothing unless `required`.
Check GetString(const json& req, const char* member, bool required, std::size_t min,
                std::size_t max, std::optional<std::string>* out);
Check GetInt(const json& req, const char* member, std::int64_t min, std::int64_t max,
             std::optional<std::int64_t>* out);
Check GetBool(const json& req, const char* member, std::optional<bool>* out);
// A list of strings, each min..max long, at most max_items.
Check GetStringList(const json& req, const char* member, bool required, std::size_t max_items,
                    std::size_t min, std::size_t max, std::optional<std::vector<std::string>>* out);
// [{Key, Value}] with AWS's tag limits.
Check GetTags(const json& req, const char* member, bool required, std::optional<Tags>* out);
// "1 validation error detected: …" as AWS's front end words it (no values, so no secrets).
Outcome Validation(std::string_view member, std::string_view constraint);

// SecretString or SecretBinary (base64 in JSON, decoded here).
struct Value {
  bool present = false;
  bool binary = false;
  std::string bytes;
};
Check GetValue(const json& req, Value* out);
// ClientRequestToken, or a fresh UUID when absent (what the SDKs would send).
Check GetToken(const json& req, std::string* out);

// --- secrets ---
std::string ArnFor(const VaultOptions& opt, std::string_view name_with_suffix);

Tags ParseTags(const std::string& tags_json);
std::string TagsJson(const Tags& tags);

// True when a scheduled deletion has come due: the secret is gone for every purpose.
bool Expired(const store::SecretRow& row, std::int64_t now_ms);

// Reads and checks SecretId, resolves it (name, full ARN, or partial ARN), authorises
// `action` on it, and answers ResourceNotFoundException when it does not exist. On success
// *out is the secret and its ARN is recorded in env.resources.
Check Locate(Env& env, std::string_view action, store::SecretRow* out);
// Authorises `action` on `resource_arn` (for actions without a secret: "*").
Check Authorize(Env& env, std::string_view action, std::string_view resource_arn,
                const store::SecretRow* secret, std::string_view secret_id_for_message);

// --- versions and stages ---
// Puts `stage` on `version_id`; moving AWSCURRENT also moves AWSPREVIOUS to the old current.
Status MoveStage(store::Transaction& tx, std::int64_t secret_id, std::string_view stage,
                 std::string_view version_id);
// Adds version `token` holding `value` with `stages` (AWSCURRENT when empty). A retry with
// the same token and value is a no-op (*created = false); a different value is
// ResourceExistsException.
Check AddVersion(Env& env, const store::SecretRow& secret, const std::string& token,
                 const Value& value, const std::vector<std::string>& stages, bool* created);

// --- output ---
json Epoch(std::int64_t ms);                  // epoch seconds, fractional when needed
std::int64_t DayStart(std::int64_t ms);       // midnight UTC of that day
std::string CloudTrailDate(std::int64_t ms);  // "Jul 10, 2023, 12:07:59 PM"
json TagsToJson(const Tags& tags);
// DescribeSecret's body; `versions_key` is VersionIdsToStages or SecretVersionsToStages.
Result<json> DescribeJson(store::Transaction& tx, const store::SecretRow& s,
                          const char* versions_key);

// Built-in rotation: a new random value as AWSPENDING, then moved to AWSCURRENT.
Check RotateNow(Env& env, store::SecretRow& secret, const std::string& token);
Result<std::string> RandomPassword(std::size_t length, std::string_view exclude, bool numbers,
                                   bool punctuation, bool upper, bool lower, bool space,
                                   bool require_each);

// --- operations (ops_*.cc) ---
Outcome CreateSecret(Env& env);
Outcome GetSecretValue(Env& env);
Outcome BatchGetSecretValue(Env& env);
Outcome PutSecretValue(Env& env);
Outcome UpdateSecret(Env& env);
Outcome DescribeSecret(Env& env);
Outcome ListSecrets(Env& env);
Outcome ListSecretVersionIds(Env& env);
Outcome UpdateSecretVersionStage(Env& env);
Outcome DeleteSecret(Env& env);
Outcome RestoreSecret(Env& env);
Outcome TagResource(Env& env);
Outcome UntagResource(Env& env);
Outcome GetRandomPassword(Env& env);
Outcome PutResourcePolicy(Env& env);
Outcome GetResourcePolicy(Env& env);
Outcome DeleteResourcePolicy(Env& env);
Outcome RotateSecret(Env& env);
Outcome CancelRotateSecret(Env& env);

}  // namespace trailwatch::vault::internal

#endif  // TRAILWATCH_VAULT_INTERNAL_H_
