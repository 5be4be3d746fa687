// Metadata operations: DescribeSecret, ListSecrets, ListSecretVersionIds, TagResource,
// UntagResource, UpdateSecretVersionStage, and the resource policy operations.
#include <algorithm>
#include <cctype>

#include "common/encoding.h"
#include "vault/internal.h"

namespace trailwatch::vault::internal {
namespace {

constexpr std::int64_t kMaxPage = 100;

// NextToken is the base64 of "<kind>:<offset>", tied to the operation that issued it.
std::string PageToken(std::string_view kind, std::size_t offset) {
  return Base64Encode(std::string(kind) + ":" + std::to_string(offset));
}

Check ParsePageToken(const std::optional<std::string>& token, std::string_view kind,
                     std::size_t* offset) {
  *offset = 0;
  if (!token) return std::nullopt;
  auto raw = Base64Decode(*token);
  const std::string prefix = std::string(kind) + ":";
  if (!raw.ok() || raw->rfind(prefix, 0) != 0 || raw->size() == prefix.size() ||
      raw->size() > prefix.size() + 9 ||
      !std::all_of(raw->begin() + static_cast<std::ptrdiff_t>(prefix.size()), raw->end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    return Error("InvalidNextTokenException", "The NextToken value is invalid.");
  }
  *offset = std::stoul(raw->substr(prefix.size()));
  return std::nullopt;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Does the secret match one filter value (without its '!')?
bool MatchValue(const std::string& key, const store::SecretRow& s, const Tags& tags,
                const std::string& value) {
  if (key == "name") return StartsWith(s.name, value);
  if (key == "description") return s.description && StartsWith(*s.description, value);
  if (key == "tag-key") {
    return std::any_of(tags.begin(), tags.end(),
                       [&](auto& t) { return StartsWith(t.first, value); });
  }
  if (key == "tag-value") {
    return std::any_of(tags.begin(), tags.end(),
                       [&](auto& t) { return StartsWith(t.second, value); });
  }
  if (key == "primary-region" || key == "owning-service") return false;
  // "all": any attribute, case-insensitive.
  const std::string v = Lower(value);
  if (StartsWith(Lower(s.name), v)) return true;
  if (s.description && StartsWith(Lower(*s.description), v)) return true;
  return std::any_of(tags.begin(), tags.end(), [&](auto& t) {
    return StartsWith(Lower(t.first), v) || StartsWith(Lower(t.second), v);
  });
}

struct Filter {
  std::string key;
  std::vector<std::string> values;
};

Check ParseFilters(const json& req, std::vector<Filter>* out) {
  auto it = req.find("Filters");
  if (it == req.end() || it->is_null()) return std::nullopt;
  if (!it->is_array()) return Error("SerializationException", "Filters must be a list");
  if (it->size() > 10)
    return Validation("Filters", "Member must have length less than or equal to 10");
  static const std::vector<std::string> kKeys = {
      "description", "name", "tag-key", "tag-value", "primary-region", "owning-service", "all"};
  for (const auto& f : *it) {
    if (!f.is_object()) return Error("SerializationException", "a filter must be an object");
    std::optional<std::string> key;
    std::optional<std::vector<std::string>> values;
    if (auto c = GetString(f, "Key", false, 0, 64, &key)) return c;
    if (auto c = GetStringList(f, "Values", false, 10, 1, 512, &values)) return c;
    if (!key || std::find(kKeys.begin(), kKeys.end(), *key) == kKeys.end()) {
      return Validation("filters.key",
                        "Member must satisfy enum value set: [all, name, tag-key, description, "
                        "tag-value, primary-region, owning-service]");
    }
    out->push_back({*key, values.value_or(std::vector<std::string>{})});
  }
  return std::nullopt;
}

// Within a filter, positive values are alternatives and '!' values are exclusions; all
// filters must hold.
bool Matches(const std::vector<Filter>& filters, const store::SecretRow& s) {
  const Tags tags = ParseTags(s.tags_json);
  for (const auto& f : filters) {
    bool any_positive = false;
    bool positive_hit = false;
    for (const auto& v : f.values) {
      if (!v.empty() && v[0] == '!') {
        if (MatchValue(f.key, s, tags, v.substr(1))) return false;
      } else {
        any_positive = true;
        positive_hit = positive_hit || MatchValue(f.key, s, tags, v);
      }
    }
    if (any_positive && !positive_hit) return false;
  }
  return true;
}

Outcome NameArn(const store::SecretRow& s) { return ArnAndName(s); }

}  // namespace

Outcome DescribeSecret(Env& env) {
  store::SecretRow s;
  if (auto c = Locate(env, "secretsmanager:DescribeSecret", &s)) return *c;
  auto j = DescribeJson(env.tx, s, "VersionIdsToStages");
  if (!j.ok()) return Internal();
  Outcome o;
  o.body = std::move(j).value();
  return o;
}

Outcome ListSecrets(Env& env) {
  std::optional<std::int64_t> max_results;
  std::optional<std::string> next_token;
  std::optional<std::string> sort_order;
  std::optional<bool> include_deleted;
  std::vector<Filter> filters;
  if (auto c = GetInt(env.req, "MaxResults", 1, kMaxPage, &max_results)) return *c;
  if (auto c = GetString(env.req, "NextToken", false, 1, 4096, &next_token)) return *c;
  if (auto c = GetString(env.req, "SortOrder", false, 0, 10, &sort_order)) return *c;
  if (auto c = GetBool(env.req, "IncludePlannedDeletion", &include_deleted)) return *c;
  if (auto c = ParseFilters(env.req, &filters)) return *c;
  if (sort_order && *sort_order != "asc" && *sort_order != "desc") {
    return Validation("SortOrder", "Member must satisfy enum value set: [asc, desc]");
  }
  std::size_t offset = 0;
  if (auto c = ParsePageToken(next_token, "ListSecrets", &offset)) return *c;
  if (auto c = Authorize(env, "secretsmanager:ListSecrets", "*", nullptr, "*")) return *c;
  auto all = env.tx.ListSecrets();
  if (!all.ok()) return Internal();
  std::vector<store::SecretRow> picked;
  for (auto& s : *all) {
    if (Expired(s, env.now_ms)) continue;
    if (s.deleted_ms && !include_deleted.value_or(false)) continue;
    if (Matches(filters, s)) picked.push_back(std::move(s));
  }
  if (sort_order.value_or("asc") == "desc") std::reverse(picked.begin(), picked.end());
  const std::size_t page = static_cast<std::size_t>(max_results.value_or(kMaxPage));
  json list = json::array();
  for (std::size_t i = offset; i < picked.size() && i < offset + page; ++i) {
    auto j = DescribeJson(env.tx, picked[i], "SecretVersionsToStages");
    if (!j.ok()) return Internal();
    list.push_back(std::move(j).value());
  }
  Outcome o;
  o.body = {{"SecretList", list}};
  if (offset + page < picked.size()) o.body["NextToken"] = PageToken("ListSecrets", offset + page);
  return o;
}

Outcome ListSecretVersionIds(Env& env) {
  std::optional<std::int64_t> max_results;
  std::optional<std::string> next_token;
  std::optional<bool> include_deprecated;
  if (auto c = GetInt(env.req, "MaxResults", 1, kMaxPage, &max_results)) return *c;
  if (auto c = GetString(env.req, "NextToken", false, 1, 4096, &next_token)) return *c;
  if (auto c = GetBool(env.req, "IncludeDeprecated", &include_deprecated)) return *c;
  std::size_t offset = 0;
  if (auto c = ParsePageToken(next_token, "ListSecretVersionIds", &offset)) return *c;
  store::SecretRow s;
  if (auto c = Locate(env, "secretsmanager:ListSecretVersionIds", &s)) return *c;
  auto versions = env.tx.ListVersions(s.id);
  if (!versions.ok()) return Internal();
  std::vector<store::VersionRow> picked;
  for (auto& v : *versions) {
    if (!v.stages.empty() || include_deprecated.value_or(false)) picked.push_back(std::move(v));
  }
  const std::size_t page = static_cast<std::size_t>(max_results.value_or(kMaxPage));
  json list = json::array();
  for (std::size_t i = offset; i < picked.size() && i < offset + page; ++i) {
    const auto& v = picked[i];
    json e = {{"VersionId", v.version_id},
              {"VersionStages", v.stages},
              {"CreatedDate", Epoch(v.created_ms)}};
    if (v.last_accessed_ms) e["LastAccessedDate"] = Epoch(*v.last_accessed_ms);
    list.push_back(std::move(e));
  }
  Outcome o;
  o.body = {{"Versions", list}, {"ARN", s.arn}, {"Name", s.name}};
  if (offset + page < picked.size()) {
    o.body["NextToken"] = PageToken("ListSecretVersionIds", offset + page);
  }
  return o;
}

Outcome TagResource(Env& env) {
  std::optional<Tags> tags;
  if (auto c = GetTags(env.req, "Tags", true, &tags)) return *c;
  store::SecretRow s;
  if (auto c = Locate(env, "secretsmanager:TagResource", &s)) return *c;
  Tags current = ParseTags(s.tags_json);
  for (const auto& tag : *tags) {
    auto it =
        std::find_if(current.begin(), current.end(), [&](auto& t) { return t.first == tag.first; });
    if (it != current.end()) {
      it->second = tag.second;
    } else {
      current.push_back(tag);
    }
  }
  if (current.size() > 50) {
    return Error("LimitExceededException",
                 "The request failed because it would exceed one of "
                 "the Secrets Manager quotas (50 tags per secret).");
  }
  s.tags_json = TagsJson(current);
  s.last_changed_ms = env.now_ms;
  if (!env.tx.UpdateSecret(s).ok()) return Internal();
  return Outcome{};
}

Outcome UntagResource(Env& env) {
  std::optional<std::vector<std::string>> keys;
  if (auto c = GetStringList(env.req, "TagKeys", true, 50, 1, 128, &keys)) return *c;
  store::SecretRow s;
  if (auto c = Locate(env, "secretsmanager:UntagResource", &s)) return *c;
  Tags current = ParseTags(s.tags_json);
  std::erase_if(current, [&](auto& t) {
    return std::find(keys->begin(), keys->end(), t.first) != keys->end();
  });
  s.tags_json = TagsJson(current);
  s.last_changed_ms = env.now_ms;
  if (!env.tx.UpdateSecret(s).ok()) return Internal();
  return Outcome{};
}

Outcome UpdateSecretVersionStage(Env& env) {
  std::optional<std::string> stage;
  std::optional<std::string> remove_from;
  std::optional<std::string> move_to;
  if (auto c = GetString(env.req, "VersionStage", true, 1, 256, &stage)) return *c;
  if (auto c = GetString(env.req, "RemoveFromVersionId", false, 32, 64, &remove_from)) return *c;
  if (auto c = GetString(env.req, "MoveToVersionId", false, 32, 64, &move_to)) return *c;
  store::SecretRow s;
  if (auto c = Locate(env, "secretsmanager:UpdateSecretVersionStage", &s)) return *c;
  if (s.deleted_ms) return Deleted();
  for (const auto* vid : {&move_to, &remove_from}) {
    if (!*vid) continue;
    auto v = env.tx.FindVersion(s.id, **vid);
    if (!v.ok()) return Internal();
    if (!*v) {
      return Error("ResourceNotFoundException",
                   "Secrets Manager can't find the specified secret value for VersionId: " + **vid);
    }
  }
  auto holder = env.tx.VersionForStage(s.id, *stage);
  if (!holder.ok()) return Internal();
  if (remove_from && (!*holder || **holder != *remove_from)) {
    return Error("InvalidParameterException",
                 "The parameter RemoveFromVersionId can't be specified because the staging label " +
                     *stage + " isn't attached to that version.");
  }
  if (move_to) {
    if (*holder && **holder != *move_to && !remove_from) {
      return Error("InvalidParameterException",
                   "The staging label " + *stage + " is currently attached to version " + **holder +
                       ". You must specify it in RemoveFromVersionId.");
    }
    if (!MoveStage(env.tx, s.id, *stage, *move_to).ok()) return Internal();
  } else if (remove_from) {
    if (*stage == kCurrent) {
      return Error("InvalidParameterException",
                   "You can only move the staging label AWSCURRENT to a different secret "
                   "version. It can't be completely removed.");
    }
    if (!env.tx.RemoveStage(s.id, *stage).ok()) return Internal();
  }
  s.last_changed_ms = env.now_ms;
  if (!env.tx.UpdateSecret(s).ok()) return Internal();
  return NameArn(s);
}

Outcome PutResourcePolicy(Env& env) {
  std::optional<std::string> policy;
  std::optional<bool> block_public;
  if (auto c = GetString(env.req, "ResourcePolicy", true, 1, 20480, &policy)) return *c;
  if (auto c = GetBool(env.req, "BlockPublicPolicy", &block_public)) return *c;
  store::SecretRow s;
  if (auto c = Locate(env, "secretsmanager:PutResourcePolicy", &s)) return *c;
  json doc = json::parse(*policy, nullptr, false);
  if (!doc.is_object() || !doc.contains("Statement")) {
    return Error("MalformedPolicyDocumentException",
                 "This resource policy contains a syntax error.");
  }
  if (block_public.value_or(true)) {
    // A policy that allows everyone ("Principal": "*" or {"AWS": "*"}) is public.
    json statements =
        doc["Statement"].is_array() ? doc["Statement"] : json::array({doc["Statement"]});
    for (const auto& st : statements) {
      if (!st.is_object() || st.value("Effect", "") != "Allow" || !st.contains("Principal")) {
        continue;
      }
      const json& p = st["Principal"];
      const bool star =
          (p.is_string() && p == "*") ||
          (p.is_object() && p.contains("AWS") &&
           (p["AWS"] == "*" || (p["AWS"].is_array() && std::find(p["AWS"].begin(), p["AWS"].end(),
                                                                 "*") != p["AWS"].end())));
      if (star && !st.contains("Condition")) {
        return Error("PublicPolicyException",
                     "This resource policy will grant public access to the secret.");
      }
    }
  }
  s.resource_policy = *policy;
  s.last_changed_ms = env.now_ms;
  if (!env.tx.UpdateSecret(s).ok()) return Internal();
  return NameArn(s);
}

Outcome GetResourcePolicy(Env& env) {
  store::SecretRow s;
  if (auto c = Locate(env, "secretsmanager:GetResourcePolicy", &s)) return *c;
  Outcome o;
  o.body = {{"ARN", s.arn}, {"Name", s.name}};
  if (s.resource_policy) o.body["ResourcePolicy"] = *s.resource_policy;
  return o;
}

Outcome DeleteResourcePolicy(Env& env) {
  store::SecretRow s;
  if (auto c = Locate(env, "secretsmanager:DeleteResourcePolicy", &s)) return *c;
  s.resource_policy.reset();
  s.last_changed_ms = env.now_ms;
  if (!env.tx.UpdateSecret(s).ok()) return Internal();
  return NameArn(s);
}

}  // namespace trailwatch::vault::internal
