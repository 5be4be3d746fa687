// Secret lookup, authorisation, and the version/stage rules.
#include <fmt/format.h>
#include <openssl/crypto.h>

#include <algorithm>

#include "common/crypto.h"
#include "vault/envelope.h"
#include "vault/internal.h"

namespace trailwatch::vault::internal {
namespace {

constexpr std::size_t kSuffixLength = 6;
// Unlabelled versions kept per secret; older ones are purged (AWS keeps about 100).
constexpr std::size_t kMaxDeprecatedVersions = 100;

bool IsSuffixChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// The secret `secret_id` names: the name, the full ARN, or the ARN without its 6-character
// suffix (which must match exactly one secret).
Result<std::optional<store::SecretRow>> Resolve(Env& env, const std::string& secret_id) {
  auto& tx = env.tx;
  std::optional<store::SecretRow> found;
  if (secret_id.rfind("arn:", 0) == 0) {
    auto exact = tx.FindSecretByArn(secret_id);
    if (!exact.ok()) return exact.status();
    found = std::move(exact).value();
    if (!found) {
      auto candidates = tx.FindSecretsByArnPrefix(secret_id + "-");
      if (!candidates.ok()) return candidates.status();
      std::vector<store::SecretRow> matches;
      for (auto& c : *candidates) {
        const std::string_view rest = std::string_view(c.arn).substr(secret_id.size() + 1);
        if (rest.size() == kSuffixLength && std::all_of(rest.begin(), rest.end(), IsSuffixChar)) {
          matches.push_back(std::move(c));
        }
      }
      if (matches.size() == 1) found = std::move(matches.front());
    }
  } else {
    auto by_name = tx.FindSecretByName(secret_id);
    if (!by_name.ok()) return by_name.status();
    found = std::move(by_name).value();
  }
  if (found && Expired(*found, env.now_ms)) found.reset();
  return found;
}

}  // namespace

Check Authorize(Env& env, std::string_view action, std::string_view resource_arn,
                const store::SecretRow* secret, std::string_view secret_id_for_message) {
  AuthzRequest req;
  req.action = std::string(action);
  req.resource_arn = std::string(resource_arn);
  req.secret_exists = secret != nullptr;
  if (secret != nullptr) {
    req.tags = ParseTags(secret->tags_json);
    req.resource_policy = secret->resource_policy;
  }
  AuthzDecision d = env.opt.authorizer(req, env.ctx);
  if (d.allowed) return std::nullopt;
  if (d.message.empty()) {
    d.message = fmt::format(
        "User: {} is not authorized to perform: {} on resource: {} because no identity-based "
        "policy allows the {} action",
        env.ctx.principal.arn, action, secret_id_for_message, action);
  }
  Outcome o = Error("AccessDeniedException", std::move(d.message));
  o.denied = true;
  return o;
}

Check Locate(Env& env, std::string_view action, store::SecretRow* out) {
  std::optional<std::string> secret_id;
  if (auto c = GetString(env.req, "SecretId", true, 1, 2048, &secret_id)) return c;
  auto found = Resolve(env, *secret_id);
  if (!found.ok()) return Internal();
  // AWS authorises before it reveals whether the secret exists, so a caller without
  // permission learns nothing from the answer.
  const std::string arn = *found                             ? (*found)->arn
                          : secret_id->rfind("arn:", 0) == 0 ? *secret_id
                                                             : ArnFor(env.opt, *secret_id);
  if (auto c = Authorize(env, action, arn, *found ? &**found : nullptr, *secret_id)) {
    if (*found) env.resources.push_back(arn);
    return c;
  }
  if (!*found) return NotFound();
  env.resources.push_back((*found)->arn);
  *out = std::move(**found);
  return std::nullopt;
}

Status MoveStage(store::Transaction& tx, std::int64_t secret_id, std::string_view stage,
                 std::string_view version_id) {
  if (stage == kCurrent) {
    auto old = tx.VersionForStage(secret_id, kCurrent);
    if (!old.ok()) return old.status();
    if (*old && **old != version_id) {
      if (Status s = tx.SetStage(secret_id, kPrevious, **old); !s.ok()) return s;
    }
  }
  return tx.SetStage(secret_id, stage, version_id);
}

Check AddVersion(Env& env, const store::SecretRow& secret, const std::string& token,
                 const Value& value, const std::vector<std::string>& stages, bool* created) {
  *created = false;
  auto existing = env.tx.FindVersion(secret.id, token);
  if (!existing.ok()) return Internal();
  if (*existing) {
    auto plain = OpenValue(env.key, secret.arn, **existing);
    if (!plain.ok()) return Error("DecryptionFailure", "Secrets Manager can't decrypt the value.");
    const bool same =
        (*existing)->binary == value.binary && ConstantTimeEquals(*plain, value.bytes);
    OPENSSL_cleanse(plain->data(), plain->size());
    if (same) return std::nullopt;
    return Error("ResourceExistsException",
                 "You can't modify an existing version, you can only create a new version.");
  }
  store::VersionRow row;
  row.secret_id = secret.id;
  row.version_id = token;
  row.binary = value.binary;
  row.created_ms = env.now_ms;
  if (!SealValue(env.key, secret.arn, token, value.bytes, &row).ok()) {
    return Error("EncryptionFailure", "Secrets Manager can't encrypt the value.");
  }
  if (!env.tx.InsertVersion(row).ok()) return Internal();
  std::vector<std::string> labels = stages;
  if (labels.empty()) labels.emplace_back(kCurrent);
  for (const auto& stage : labels) {
    if (!MoveStage(env.tx, secret.id, stage, token).ok()) return Internal();
  }
  *created = true;
  // Purge the oldest unlabelled versions beyond the limit.
  auto versions = env.tx.ListVersions(secret.id);
  if (!versions.ok()) return Internal();
  std::size_t unlabelled = 0;
  for (const auto& v : *versions) unlabelled += v.stages.empty() ? 1u : 0u;
  for (const auto& v : *versions) {
    if (unlabelled <= kMaxDeprecatedVersions) break;
    if (v.stages.empty()) {
      if (!env.tx.DeleteVersion(secret.id, v.version_id).ok()) return Internal();
      --unlabelled;
    }
  }
  return std::nullopt;
}

}  // namespace trailwatch::vault::internal
