// Operations on secret values: CreateSecret, GetSecretValue, BatchGetSecretValue,
// PutSecretValue, UpdateSecret.
#include <openssl/crypto.h>

#include "common/crypto.h"
#include "common/encoding.h"
#include "vault/envelope.h"
#include "vault/internal.h"

namespace trailwatch::vault::internal {
namespace {

constexpr const char* kAllowedNameChars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+=.@-";

json ArnOnly(const std::string& arn) { return json{{"arn", arn}}; }

// The version GetSecretValue asks for: VersionId and/or VersionStage (default AWSCURRENT).
Check PickVersion(Env& env, const store::SecretRow& s, const json& req, store::VersionRow* out) {
  std::optional<std::string> version_id;
  std::optional<std::string> stage;
  if (auto c = GetString(req, "VersionId", false, 32, 64, &version_id)) return c;
  if (auto c = GetString(req, "VersionStage", false, 1, 256, &stage)) return c;
  if (!version_id) {
    const std::string label = stage.value_or(std::string(kCurrent));
    auto vid = env.tx.VersionForStage(s.id, label);
    if (!vid.ok()) return Internal();
    if (!*vid) {
      return Error(
          "ResourceNotFoundException",
          "Secrets Manager can't find the specified secret value for staging label: " + label);
    }
    version_id = **vid;
  }
  auto v = env.tx.FindVersion(s.id, *version_id);
  if (!v.ok()) return Internal();
  if (!*v || (stage &&
              std::find((*v)->stages.begin(), (*v)->stages.end(), *stage) == (*v)->stages.end())) {
    return Error(
        "ResourceNotFoundException",
        "Secrets Manager can't find the specified secret value for VersionId: " + *version_id);
  }
  *out = std::move(**v);
  return std::nullopt;
}

// The GetSecretValue output for one version; decrypts.
Check ValueJson(Env& env, const store::SecretRow& s, const store::VersionRow& v, json* out) {
  auto plain = OpenValue(env.key, s.arn, v);
  if (!plain.ok()) return Error("DecryptionFailure", "Secrets Manager can't decrypt the value.");
  json j = {{"ARN", s.arn}, {"Name", s.name}, {"VersionId", v.version_id}};
  if (v.binary) {
    j["SecretBinary"] = Base64Encode(*plain);
  } else {
    j["SecretString"] = *plain;
  }
  OPENSSL_cleanse(plain->data(), plain->size());
  j["VersionStages"] = v.stages;
  j["CreatedDate"] = Epoch(v.created_ms);
  // LastAccessedDate is a day: once stamped today there is nothing to write, which keeps
  // the write that follows a read down to its audit record.
  const std::int64_t today = DayStart(env.now_ms);
  if (s.last_accessed_ms != today || v.last_accessed_ms != today) {
    env.accessed.emplace_back(s.arn, v.version_id);
  }
  *out = std::move(j);
  return std::nullopt;
}

}  // namespace

Outcome CreateSecret(Env& env) {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::string> kms;
  std::optional<Tags> tags;
  std::optional<bool> force_overwrite;
  Value value;
  std::string token;
  if (auto c = GetString(env.req, "Name", true, 1, 512, &name)) return *c;
  if (auto c = GetString(env.req, "Description", false, 0, 2048, &description)) return *c;
  if (auto c = GetString(env.req, "KmsKeyId", false, 0, 2048, &kms)) return *c;
  if (auto c = GetTags(env.req, "Tags", false, &tags)) return *c;
  if (auto c = GetBool(env.req, "ForceOverwriteReplicaSecret", &force_overwrite)) return *c;
  if (auto c = GetValue(env.req, &value)) return *c;
  if (auto c = GetToken(env.req, &token)) return *c;
  if (name->find_first_not_of(kAllowedNameChars) != std::string::npos) {
    return Error("ValidationException",
                 "Invalid name. Must be a valid name containing alphanumeric characters, or any "
                 "of the following: -/_+=.@!");
  }
  if (tags && tags->size() > 50) {
    return Error("ValidationException",
                 "1 validation error detected: Value at 'tags' failed to satisfy constraint: "
                 "Member must have length less than or equal to 50");
  }

  auto suffix = RandomString(6, kAlphanumeric);  // the suffix AWS gives every secret's ARN
  if (!suffix.ok()) return Internal();
  store::SecretRow row;
  row.name = *name;
  row.arn = ArnFor(env.opt, *name + "-" + *suffix);
  row.description = description;
  row.kms_key_id = kms;
  if (tags) row.tags_json = TagsJson(*tags);
  row.created_ms = env.now_ms;
  row.last_changed_ms = env.now_ms;

  auto existing = env.tx.FindSecretByName(*name);
  if (!existing.ok()) return Internal();
  const bool live = *existing && !Expired(**existing, env.now_ms);
  if (auto c = Authorize(env, "secretsmanager:CreateSecret", live ? (*existing)->arn : row.arn,
                         live ? &**existing : nullptr, *name)) {
    return *c;
  }
  if (*existing) {
    store::SecretRow& old = **existing;
    if (Expired(old, env.now_ms)) {
      if (!env.tx.DeleteSecret(old.id).ok()) return Internal();
    } else if (old.deleted_ms) {
      return Error("InvalidRequestException",
                   "You can't create this secret because a secret with this name is already "
                   "scheduled for deletion.");
    } else {
      // A retry of the same request (same token and value) answers as the first one did.
      auto version = env.tx.FindVersion(old.id, token);
      if (!version.ok()) return Internal();
      if (value.present && *version) {
        bool created = false;
        if (auto c = AddVersion(env, old, token, value, {}, &created)) {
          if (c->error_type != "ResourceExistsException") return *c;
        } else {
          env.resources.push_back(old.arn);
          Outcome o;
          o.body = {{"ARN", old.arn}, {"Name", old.name}, {"VersionId", token}};
          o.response_elements = ArnOnly(old.arn);
          return o;
        }
      }
      return Error("ResourceExistsException",
                   "The operation failed because the secret " + *name + " already exists.");
    }
  }
  auto id = env.tx.InsertSecret(row);
  if (!id.ok()) return Internal();
  row.id = *id;
  env.resources.push_back(row.arn);
  Outcome o;
  o.body = {{"ARN", row.arn}, {"Name", row.name}};
  if (value.present) {
    bool created = false;
    if (auto c = AddVersion(env, row, token, value, {}, &created)) return *c;
    o.body["VersionId"] = token;
  }
  o.response_elements = ArnOnly(row.arn);
  return o;
}

Outcome GetSecretValue(Env& env) {
  store::SecretRow s;
  if (auto c = Locate(env, "secretsmanager:GetSecretValue", &s)) return *c;
  if (s.deleted_ms) return Deleted();
  store::VersionRow v;
  if (auto c = PickVersion(env, s, env.req, &v)) return *c;
  Outcome o;
  if (auto c = ValueJson(env, s, v, &o.body)) return *c;
  return o;
}

Outcome PutSecretValue(Env& env) {
  Value value;
  std::string token;
  std::optional<std::vector<std::string>> stages;
  if (auto c = GetValue(env.req, &value)) return *c;
  if (auto c = GetToken(env.req, &token)) return *c;
  if (auto c = GetStringList(env.req, "VersionStages", false, 20, 1, 256, &stages)) return *c;
  store::SecretRow s;
  if (auto c = Locate(env, "secretsmanager:PutSecretValue", &s)) return *c;
  if (s.deleted_ms) return Deleted();
  if (!value.present) {
    return Error("InvalidRequestException",
                 "You must provide either SecretString or SecretBinary.");
  }
  bool created = false;
  if (auto c =
          AddVersion(env, s, token, value, stages.value_or(std::vector<std::string>{}), &created)) {
    return *c;
  }
  if (created) {
    s.last_changed_ms = env.now_ms;
    if (!env.tx.UpdateSecret(s).ok()) return Internal();
  }
  auto v = env.tx.FindVersion(s.id, token);
  if (!v.ok() || !*v) return Internal();
  Outcome o;
  o.body = {
      {"ARN", s.arn}, {"Name", s.name}, {"VersionId", token}, {"VersionStages", (*v)->stages}};
  o.response_elements = ArnOnly(s.arn);
  return o;
}

Outcome UpdateSecret(Env& env) {
  std::optional<std::string> description;
  std::optional<std::string> kms;
  Value value;
  std::string token;
  if (auto c = GetString(env.req, "Description", false, 0, 2048, &description)) return *c;
  if (auto c = GetString(env.req, "KmsKeyId", false, 0, 2048, &kms)) return *c;
  if (auto c = GetValue(env.req, &value)) return *c;
  if (auto c = GetToken(env.req, &token)) return *c;
  store::SecretRow s;
  if (auto c = Locate(env, "secretsmanager:UpdateSecret", &s)) return *c;
  if (s.deleted_ms) return Deleted();
  if (description) s.description = description;
  if (kms) s.kms_key_id = kms;
  Outcome o;
  o.body = {{"ARN", s.arn}, {"Name", s.name}};
  if (value.present) {
    bool created = false;
    if (auto c = AddVersion(env, s, token, value, {}, &created)) return *c;
    o.body["VersionId"] = token;
  }
  s.last_changed_ms = env.now_ms;
  if (!env.tx.UpdateSecret(s).ok()) return Internal();
  o.response_elements = ArnOnly(s.arn);
  return o;
}

Outcome BatchGetSecretValue(Env& env) {
  std::optional<std::vector<std::string>> ids;
  std::optional<std::int64_t> max_results;
  std::optional<std::string> next_token;
  if (auto c = GetStringList(env.req, "SecretIdList", false, 20, 1, 2048, &ids)) return *c;
  if (auto c = GetInt(env.req, "MaxResults", 1, 20, &max_results)) return *c;
  if (auto c = GetString(env.req, "NextToken", false, 1, 4096, &next_token)) return *c;
  const bool has_filters = env.req.contains("Filters") && !env.req["Filters"].is_null();
  if (ids.has_value() == has_filters) {
    return Error("InvalidParameterException",
                 "Either 'SecretIdList' or 'Filters' must be provided, but not both.");
  }
  if (auto c = Authorize(env, "secretsmanager:BatchGetSecretValue", "*", nullptr, "*")) {
    return *c;
  }
  if (has_filters) {
    // Filters select secrets as ListSecrets does; reuse it for the names.
    json list_req = {{"Filters", env.req["Filters"]}};
    if (max_results) list_req["MaxResults"] = *max_results;
    if (next_token) list_req["NextToken"] = *next_token;
    Env list_env{env.tx,        list_req,    env.ctx,      env.opt,   env.key,
                 env.resources, env.related, env.accessed, env.now_ms};
    Outcome listed = ListSecrets(list_env);
    if (listed.status != 200) return listed;
    ids = std::vector<std::string>{};
    for (const auto& e : listed.body["SecretList"]) ids->push_back(e["ARN"].get<std::string>());
    if (listed.body.contains("NextToken"))
      next_token = listed.body["NextToken"];
    else
      next_token.reset();
  } else {
    next_token.reset();
  }
  json values = json::array();
  json errors = json::array();
  for (const auto& id : *ids) {
    // Each secret is its own GetSecretValue: authorised and journalled one by one.
    json sub_req = {{"SecretId", id}};
    std::vector<std::string> sub_resources;
    Env sub{env.tx,        sub_req,     env.ctx,      env.opt,   env.key,
            sub_resources, env.related, env.accessed, env.now_ms};
    Outcome got = GetSecretValue(sub);
    Response rec;
    rec.event_name = "GetSecretValue";
    rec.read_only = true;
    rec.request_parameters = json{{"secretId", id}}.dump();
    rec.resources = sub_resources;
    rec.http_status = got.status;
    if (got.status == 200) {
      values.push_back(std::move(got.body));
    } else {
      rec.error_code = got.denied ? "AccessDenied" : got.error_type;
      rec.error_message = got.error_message;
      errors.push_back(
          {{"SecretId", id}, {"ErrorCode", got.error_type}, {"Message", got.error_message}});
    }
    env.related.push_back(std::move(rec));
  }
  Outcome o;
  o.body = {{"SecretValues", values}, {"Errors", errors}};
  if (next_token) o.body["NextToken"] = *next_token;
  return o;
}

}  // namespace trailwatch::vault::internal
