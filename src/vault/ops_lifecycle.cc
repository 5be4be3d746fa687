// Lifecycle operations: DeleteSecret, RestoreSecret, RotateSecret, CancelRotateSecret, and
// GetRandomPassword with the built-in rotation it powers.
#include <openssl/crypto.h>

#include <algorithm>
#include <cstdlib>

#include "common/crypto.h"
#include "vault/envelope.h"
#include "vault/internal.h"

namespace trailwatch::vault::internal {
namespace {

constexpr std::int64_t kDayMs = 86400000;
constexpr std::string_view kPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

// A uniformly random index below n, from the OS generator (rejection sampling).
Result<std::size_t> RandomIndex(std::size_t n) {
  const std::uint32_t limit = static_cast<std::uint32_t>(0xffffffffu - (0xffffffffu % n));
  for (;;) {
    auto b = RandomBytes(4);
    if (!b.ok()) return b.status();
    std::uint32_t v = 0;
    for (char c : *b) v = (v << 8) | static_cast<unsigned char>(c);
    if (v < limit) return static_cast<std::size_t>(v % n);
  }
}

// RotationRules → days between rotations. Only AutomaticallyAfterDays and "rate(N days)" are
// supported by the built-in rotation.
Check ParseRules(const json& rules, std::int64_t* days) {
  if (!rules.is_object()) return Error("SerializationException", "RotationRules must be an object");
  std::optional<std::int64_t> after;
  std::optional<std::string> schedule;
  std::optional<std::string> duration;
  if (auto c = GetInt(rules, "AutomaticallyAfterDays", 1, 1000, &after)) return c;
  if (auto c = GetString(rules, "ScheduleExpression", false, 1, 256, &schedule)) return c;
  if (auto c = GetString(rules, "Duration", false, 2, 3, &duration)) return c;
  if (after && schedule) {
    return Error("InvalidParameterException",
                 "You can't specify both AutomaticallyAfterDays and ScheduleExpression.");
  }
  if (schedule) {
    const std::string& e = *schedule;
    const std::string_view head = "rate(";
    const std::size_t sp = e.find(' ');
    if (e.rfind(head, 0) != 0 || sp == std::string::npos || e.back() != ')') {
      return Error("InvalidParameterException",
                   "Only rate(N days) schedule expressions are supported.");
    }
    const std::string n = e.substr(head.size(), sp - head.size());
    const std::string unit = e.substr(sp + 1, e.size() - sp - 2);
    if (n.empty() || n.size() > 4 || !std::all_of(n.begin(), n.end(), ::isdigit) ||
        (unit != "days" && unit != "day")) {
      return Error("InvalidParameterException",
                   "Only rate(N days) schedule expressions are supported.");
    }
    after = std::stoll(n);
    if (*after < 1 || *after > 1000) {
      return Error("InvalidParameterException", "The rotation interval must be 1 to 1000 days.");
    }
  }
  if (!after) {
    return Error("InvalidParameterException",
                 "RotationRules needs AutomaticallyAfterDays or ScheduleExpression.");
  }
  *days = *after;
  return std::nullopt;
}

}  // namespace

Result<std::string> RandomPassword(std::size_t length, std::string_view exclude, bool numbers,
                                   bool punctuation, bool upper, bool lower, bool space,
                                   bool require_each) {
  std::vector<std::string> classes;
  auto add = [&](bool on, std::string_view chars) {
    if (!on) return;
    std::string kept;
    for (char c : chars) {
      if (exclude.find(c) == std::string_view::npos) kept += c;
    }
    if (!kept.empty()) classes.push_back(std::move(kept));
  };
  add(lower, "abcdefghijklmnopqrstuvwxyz");
  add(upper, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  add(numbers, "0123456789");
  add(punctuation, kPunctuation);
  add(space, " ");
  std::string all;
  for (const auto& c : classes) all += c;
  if (all.empty()) return Status::InvalidArgument("no characters left to choose from");
  if (require_each && classes.size() > length) {
    return Status::InvalidArgument("the password is too short to include every character type");
  }
  std::string out;
  for (std::size_t i = 0; i < length; ++i) {
    auto idx = RandomIndex(all.size());
    if (!idx.ok()) return idx.status();
    out += all[*idx];
  }
  if (require_each) {
    // Put one character of each class at distinct random positions.
    std::vector<std::size_t> positions(length);
    for (std::size_t i = 0; i < length; ++i) positions[i] = i;
    for (std::size_t c = 0; c < classes.size(); ++c) {
      auto pick = RandomIndex(length - c);
      if (!pick.ok()) return pick.status();
      std::swap(positions[c], positions[c + *pick]);
      auto ch = RandomIndex(classes[c].size());
      if (!ch.ok()) return ch.status();
      out[positions[c]] = classes[c][*ch];
    }
  }
  return out;
}

Check RotateNow(Env& env, store::SecretRow& s, const std::string& token) {
  auto current_id = env.tx.VersionForStage(s.id, kCurrent);
  if (!current_id.ok()) return Internal();
  Value value;
  auto fresh = RandomPassword(32, "", true, true, true, true, false, true);
  if (!fresh.ok()) return Internal();
  value.present = true;
  value.bytes = *fresh;
  if (*current_id) {
    auto cur = env.tx.FindVersion(s.id, **current_id);
    if (!cur.ok() || !*cur) return Internal();
    if ((*cur)->binary) {
      return Error("InvalidRequestException",
                   "Built-in rotation replaces string secrets only; this secret is binary.");
    }
    auto plain = OpenValue(env.key, s.arn, **cur);
    if (!plain.ok()) return Error("DecryptionFailure", "Secrets Manager can't decrypt the value.");
    // A JSON object with a "password" member keeps its other members (user name, host…).
    json doc = json::parse(*plain, nullptr, false);
    OPENSSL_cleanse(plain->data(), plain->size());
    if (doc.is_object() && doc.contains("password")) {
      doc["password"] = *fresh;
      value.bytes = doc.dump(-1, ' ', false, json::error_handler_t::replace);
    }
  }
  OPENSSL_cleanse(fresh->data(), fresh->size());
  bool created = false;
  if (auto c = AddVersion(env, s, token, value, {std::string(kPending)}, &created)) return c;
  OPENSSL_cleanse(value.bytes.data(), value.bytes.size());
  // finishSecret: the pending version becomes current; the old current becomes previous.
  if (!MoveStage(env.tx, s.id, kCurrent, token).ok()) return Internal();
  if (!env.tx.RemoveStage(s.id, kPending).ok()) return Internal();
  s.last_rotated_ms = env.now_ms;
  s.last_changed_ms = env.now_ms;
  return std::nullopt;
}

Outcome DeleteSecret(Env& env) {
  std::optional<std::int64_t> window;
  std::optional<bool> force;
  if (auto c = GetInt(env.req, "RecoveryWindowInDays", INT64_MIN, INT64_MAX, &window)) return *c;
  if (auto c = GetBool(env.req, "ForceDeleteWithoutRecovery", &force)) return *c;
  store::SecretRow s;
  if (auto c = Locate(env, "secretsmanager:DeleteSecret", &s)) return *c;
  if (window && force.value_or(false)) {
    return Error("InvalidParameterException",
                 "You can't use ForceDeleteWithoutRecovery in conjunction with "
                 "RecoveryWindowInDays.");
  }
  if (window && (*window < 7 || *window > 30)) {
    return Error("InvalidParameterException",
                 "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).");
  }
  std::int64_t deletion_ms = env.now_ms;
  if (force.value_or(false)) {
    if (!env.tx.DeleteSecret(s.id).ok()) return Internal();
  } else {
    if (s.deleted_ms) {
      return Error("InvalidRequestException",
                   "You tried to perform the operation on a secret that's currently marked "
                   "deleted.");
    }
    deletion_ms = env.now_ms + window.value_or(30) * kDayMs;
    s.deleted_ms = env.now_ms;
    s.deletion_ms = deletion_ms;
    s.last_changed_ms = env.now_ms;
    if (!env.tx.UpdateSecret(s).ok()) return Internal();
  }
  Outcome o;
  o.body = {{"ARN", s.arn}, {"Name", s.name}, {"DeletionDate", Epoch(deletion_ms)}};
  o.response_elements = {
      {"arn", s.arn}, {"name", s.name}, {"deletionDate", CloudTrailDate(deletion_ms)}};
  return o;
}

Outcome RestoreSecret(Env& env) {
  store::SecretRow s;
  if (auto c = Locate(env, "secretsmanager:RestoreSecret", &s)) return *c;
  if (s.deleted_ms) {
    s.deleted_ms.reset();
    s.deletion_ms.reset();
    s.last_changed_ms = env.now_ms;
    if (!env.tx.UpdateSecret(s).ok()) return Internal();
  }
  return ArnAndName(s);
}

Outcome RotateSecret(Env& env) {
  std::string token;
  std::optional<std::string> lambda;
  std::optional<bool> immediately;
  if (auto c = GetToken(env.req, &token)) return *c;
  if (auto c = GetString(env.req, "RotationLambdaARN", false, 0, 2048, &lambda)) return *c;
  if (auto c = GetBool(env.req, "RotateImmediately", &immediately)) return *c;
  std::optional<std::int64_t> days;
  auto rules_it = env.req.find("RotationRules");
  if (rules_it != env.req.end() && !rules_it->is_null()) {
    std::int64_t d = 0;
    if (auto c = ParseRules(*rules_it, &d)) return *c;
    days = d;
  }
  store::SecretRow s;
  if (auto c = Locate(env, "secretsmanager:RotateSecret", &s)) return *c;
  if (s.deleted_ms) return Deleted();
  if (!days && !s.rotation_rules_json) {
    return Error("InvalidRequestException",
                 "No rotation schedule is configured; specify RotationRules.");
  }
  auto pending = env.tx.VersionForStage(s.id, kPending);
  auto current = env.tx.VersionForStage(s.id, kCurrent);
  if (!pending.ok() || !current.ok()) return Internal();
  if (*pending && *pending != *current) {
    return Error("InvalidRequestException",
                 "A previous rotation isn't complete. That rotation will be reattempted.");
  }
  if (days) {
    s.rotation_rules_json = json{{"AutomaticallyAfterDays", *days}}.dump();
    if (rules_it->contains("ScheduleExpression")) {
      s.rotation_rules_json = json{
          {"ScheduleExpression", (*rules_it)["ScheduleExpression"]},
          {"AutomaticallyAfterDays",
           *days}}.dump();
    }
  } else {
    json rules = json::parse(*s.rotation_rules_json, nullptr, false);
    days = rules.is_object() ? rules.value("AutomaticallyAfterDays", std::int64_t{30}) : 30;
  }
  if (lambda) s.rotation_lambda_arn = lambda;
  s.rotation_enabled = true;
  Outcome o;
  o.body = {{"ARN", s.arn}, {"Name", s.name}};
  if (immediately.value_or(true)) {
    if (auto c = RotateNow(env, s, token)) return *c;
    o.body["VersionId"] = token;
  }
  const std::int64_t base = s.last_rotated_ms.value_or(env.now_ms);
  s.next_rotation_ms = DayStart(base) + *days * kDayMs;
  s.last_changed_ms = env.now_ms;
  if (!env.tx.UpdateSecret(s).ok()) return Internal();
  o.response_elements = o.body.contains("VersionId")
                            ? json{{"arn", s.arn}, {"name", s.name}, {"versionId", token}}
                            : json{{"arn", s.arn}, {"name", s.name}};
  return o;
}

Outcome CancelRotateSecret(Env& env) {
  store::SecretRow s;
  if (auto c = Locate(env, "secretsmanager:CancelRotateSecret", &s)) return *c;
  if (s.deleted_ms) return Deleted();
  s.rotation_enabled = false;
  s.next_rotation_ms.reset();
  s.last_changed_ms = env.now_ms;
  if (!env.tx.UpdateSecret(s).ok()) return Internal();
  return ArnAndName(s);
}

Outcome GetRandomPassword(Env& env) {
  std::optional<std::int64_t> length;
  std::optional<std::string> exclude;
  std::optional<bool> ex_numbers, ex_punct, ex_upper, ex_lower, space, require_each;
  if (auto c = GetInt(env.req, "PasswordLength", 1, 4096, &length)) return *c;
  if (auto c = GetString(env.req, "ExcludeCharacters", false, 0, 4096, &exclude)) return *c;
  if (auto c = GetBool(env.req, "ExcludeNumbers", &ex_numbers)) return *c;
  if (auto c = GetBool(env.req, "ExcludePunctuation", &ex_punct)) return *c;
  if (auto c = GetBool(env.req, "ExcludeUppercase", &ex_upper)) return *c;
  if (auto c = GetBool(env.req, "ExcludeLowercase", &ex_lower)) return *c;
  if (auto c = GetBool(env.req, "IncludeSpace", &space)) return *c;
  if (auto c = GetBool(env.req, "RequireEachIncludedType", &require_each)) return *c;
  if (auto c = Authorize(env, "secretsmanager:GetRandomPassword", "*", nullptr, "*")) return *c;
  auto pw = RandomPassword(static_cast<std::size_t>(length.value_or(32)), exclude.value_or(""),
                           !ex_numbers.value_or(false), !ex_punct.value_or(false),
                           !ex_upper.value_or(false), !ex_lower.value_or(false),
                           space.value_or(false), require_each.value_or(true));
  if (!pw.ok()) {
    return Error("InvalidParameterException",
                 "The password can't be generated with the given length and exclusions.");
  }
  Outcome o;
  o.body = {{"RandomPassword", *pw}};
  OPENSSL_cleanse(pw->data(), pw->size());
  return o;
}

}  // namespace trailwatch::vault::internal
