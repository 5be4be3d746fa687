// Request checks, output helpers and identifiers shared by the operations.
#include <fmt/format.h>

#include <ctime>

#include "common/crypto.h"
#include "common/encoding.h"
#include "vault/internal.h"

namespace trailwatch::vault::internal {
namespace {

// AWS's front end names members in lower camel case in validation messages.
std::string LowerCamel(std::string_view member) {
  std::string s(member);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

Outcome Serialization(std::string_view member) {
  return Error("SerializationException",
               fmt::format("Unexpected value type for member '{}'", LowerCamel(member)));
}

}  // namespace

Outcome Error(std::string type, std::string message, int status) {
  Outcome o;
  o.status = status;
  o.error_type = std::move(type);
  o.error_message = std::move(message);
  return o;
}

Outcome NotFound() {
  return Error("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
}

Outcome Internal() {
  return Error("InternalServiceError", "An error occurred on the server side.", 500);
}

Outcome ArnAndName(const store::SecretRow& s) {
  Outcome o;
  o.body = {{"ARN", s.arn}, {"Name", s.name}};
  o.response_elements = {{"arn", s.arn}, {"name", s.name}};
  return o;
}

Outcome Deleted() {
  return Error("InvalidRequestException",
               "You can't perform this operation on the secret because it was marked for "
               "deletion.");
}

Outcome Validation(std::string_view member, std::string_view constraint) {
  return Error("ValidationException",
               fmt::format("1 validation error detected: Value at '{}' failed to satisfy "
                           "constraint: {}",
                           LowerCamel(member), constraint));
}

Check GetString(const json& req, const char* member, bool required, std::size_t min,
                std::size_t max, std::optional<std::string>* out) {
  out->reset();
  auto it = req.find(member);
  if (it == req.end() || it->is_null()) {
    if (required) return Validation(member, "Member must not be null");
    return std::nullopt;
  }
  if (!it->is_string()) return Serialization(member);
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() < min) {
    return Validation(member,
                      fmt::format("Member must have length greater than or equal to {}", min));
  }
  if (s.size() > max) {
    return Validation(member, fmt::format("Member must have length less than or equal to {}", max));
  }
  *out = s;
  return std::nullopt;
}

Check GetInt(const json& req, const char* member, std::int64_t min, std::int64_t max,
             std::optional<std::int64_t>* out) {
  out->reset();
  auto it = req.find(member);
  if (it == req.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer()) return Serialization(member);
  const std::int64_t v = it->get<std::int64_t>();
  if (v < min) {
    return Validation(member,
                      fmt::format("Member must have value greater than or equal to {}", min));
  }
  if (v > max) {
    return Validation(member, fmt::format("Member must have value less than or equal to {}", max));
  }
  *out = v;
  return std::nullopt;
}

Check GetBool(const json& req, const char* member, std::optional<bool>* out) {
  out->reset();
  auto it = req.find(member);
  if (it == req.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) return Serialization(member);
  *out = it->get<bool>();
  return std::nullopt;
}

Check GetStringList(const json& req, const char* member, bool required, std::size_t max_items,
                    std::size_t min, std::size_t max,
                    std::optional<std::vector<std::string>>* out) {
  out->reset();
  auto it = req.find(member);
  if (it == req.end() || it->is_null()) {
    if (required) return Validation(member, "Member must not be null");
    return std::nullopt;
  }
  if (!it->is_array()) return Serialization(member);
  if (it->size() > max_items) {
    return Validation(member,
                      fmt::format("Member must have length less than or equal to {}", max_items));
  }
  std::vector<std::string> items;
  for (const auto& e : *it) {
    if (!e.is_string()) return Serialization(member);
    const auto& s = e.get_ref<const std::string&>();
    if (s.size() < min || s.size() > max) {
      return Validation(member, fmt::format("Member must satisfy constraint: [Member must have "
                                            "length between {} and {}]",
                                            min, max));
    }
    items.push_back(s);
  }
  *out = std::move(items);
  return std::nullopt;
}

Check GetTags(const json& req, const char* member, bool required, std::optional<Tags>* out) {
  out->reset();
  auto it = req.find(member);
  if (it == req.end() || it->is_null()) {
    if (required) return Validation(member, "Member must not be null");
    return std::nullopt;
  }
  if (!it->is_array()) return Serialization(member);
  Tags tags;
  for (const auto& t : *it) {
    if (!t.is_object()) return Serialization(member);
    std::optional<std::string> key;
    std::optional<std::string> value;
    if (auto c = GetString(t, "Key", false, 1, 128, &key)) return c;
    if (auto c = GetString(t, "Value", false, 0, 256, &value)) return c;
    if (!key) {
      return Error("InvalidParameterException", "You must specify a Key for every tag.");
    }
    tags.emplace_back(*key, value.value_or(""));
  }
  *out = std::move(tags);
  return std::nullopt;
}

Check GetValue(const json& req, Value* out) {
  *out = Value{};
  std::optional<std::string> str;
  if (auto c = GetString(req, "SecretString", false, 1, 65536, &str)) return c;
  auto bin = req.find("SecretBinary");
  const bool has_bin = bin != req.end() && !bin->is_null();
  if (str && has_bin) {
    return Error("InvalidParameterException",
                 "You can't specify both a binary secret value and a string secret value in the "
                 "same secret.");
  }
  if (str) {
    out->present = true;
    out->bytes = std::move(*str);
    return std::nullopt;
  }
  if (has_bin) {
    if (!bin->is_string()) return Serialization("SecretBinary");
    auto decoded = Base64Decode(bin->get_ref<const std::string&>());
    // The decoder's message may quote an offset only, never the bytes.
    if (!decoded.ok()) return Serialization("SecretBinary");
    if (decoded->empty() || decoded->size() > 65536) {
      return Validation("SecretBinary", "Member must have length between 1 and 65536");
    }
    out->present = true;
    out->binary = true;
    out->bytes = std::move(decoded).value();
  }
  return std::nullopt;
}

Check GetToken(const json& req, std::string* out) {
  std::optional<std::string> token;
  if (auto c = GetString(req, "ClientRequestToken", false, 32, 64, &token)) return c;
  if (token) {
    *out = *token;
    return std::nullopt;
  }
  auto id = NewUuid();
  if (!id.ok()) return Internal();
  *out = std::move(*id);
  return std::nullopt;
}

std::string ArnFor(const VaultOptions& opt, std::string_view name_with_suffix) {
  return fmt::format("arn:aws:secretsmanager:{}:{}:secret:{}", opt.region, opt.account_id,
                     name_with_suffix);
}

Tags ParseTags(const std::string& tags_json) {
  Tags out;
  json j = json::parse(tags_json, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& t : j) {
    if (t.is_object() && t.contains("Key") && t["Key"].is_string()) {
      out.emplace_back(t["Key"].get<std::string>(), t.contains("Value") && t["Value"].is_string()
                                                        ? t["Value"].get<std::string>()
                                                        : "");
    }
  }
  return out;
}

json TagsToJson(const Tags& tags) {
  json arr = json::array();
  for (const auto& [k, v] : tags) arr.push_back({{"Key", k}, {"Value", v}});
  return arr;
}

std::string TagsJson(const Tags& tags) {
  return TagsToJson(tags).dump(-1, ' ', false, json::error_handler_t::replace);
}

bool Expired(const store::SecretRow& row, std::int64_t now_ms) {
  return row.deletion_ms.has_value() && *row.deletion_ms <= now_ms;
}

json Epoch(std::int64_t ms) {
  if (ms % 1000 == 0) return ms / 1000;
  return static_cast<double>(ms) / 1000.0;
}

std::int64_t DayStart(std::int64_t ms) {
  constexpr std::int64_t kDay = 86400000;
  return ms - ((ms % kDay) + kDay) % kDay;
}

std::string CloudTrailDate(std::int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof(buf), "%b %e, %Y, %I:%M:%S %p", &tm);
  std::string s(buf, n);
  // strftime pads %e with a space ("Jul  1"); AWS writes "Jul 1".
  if (auto pos = s.find("  "); pos != std::string::npos) s.erase(pos, 1);
  // %I is zero-padded; AWS writes "2:07:59 PM".
  if (auto comma = s.rfind(", "); comma != std::string::npos && s[comma + 2] == '0') {
    s.erase(comma + 2, 1);
  }
  return s;
}

Result<json> DescribeJson(store::Transaction& tx, const store::SecretRow& s,
                          const char* versions_key) {
  json j = json::object();
  j["ARN"] = s.arn;
  j["Name"] = s.name;
  if (s.description) j["Description"] = *s.description;
  if (s.kms_key_id) j["KmsKeyId"] = *s.kms_key_id;
  j["RotationEnabled"] = s.rotation_enabled;
  if (s.rotation_lambda_arn) j["RotationLambdaARN"] = *s.rotation_lambda_arn;
  if (s.rotation_rules_json) {
    json rules = json::parse(*s.rotation_rules_json, nullptr, false);
    if (rules.is_object()) j["RotationRules"] = rules;
  }
  if (s.last_rotated_ms) j["LastRotatedDate"] = Epoch(*s.last_rotated_ms);
  j["LastChangedDate"] = Epoch(s.last_changed_ms);
  if (s.last_accessed_ms) j["LastAccessedDate"] = Epoch(*s.last_accessed_ms);
  if (s.deleted_ms) j["DeletedDate"] = Epoch(*s.deleted_ms);
  if (s.rotation_enabled && s.next_rotation_ms) j["NextRotationDate"] = Epoch(*s.next_rotation_ms);
  const Tags tags = ParseTags(s.tags_json);
  if (!tags.empty()) j["Tags"] = TagsToJson(tags);
  auto versions = tx.ListVersions(s.id);
  if (!versions.ok()) return versions.status();
  json stages = json::object();
  for (const auto& v : *versions) {
    if (!v.stages.empty()) stages[v.version_id] = v.stages;
  }
  j[versions_key] = stages;
  j["CreatedDate"] = Epoch(s.created_ms);
  return j;
}

}  // namespace trailwatch::vault::internal
