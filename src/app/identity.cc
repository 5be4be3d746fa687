#include "app/identity.h"

#include <fmt/format.h>

#include "common/crypto.h"
#include "common/json_text.h"
#include "common/time.h"

namespace trailwatch::app {
namespace {

constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::string_view kSecretAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    std::string_view("+=,.@_-").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// The sealed secret is bound to its key id, so a row copied onto another key does not open.
std::string SecretAad(std::string_view access_key_id) {
  return fmt::format("trailwatch:access-key:{}", access_key_id);
}

// IAM's NoSuchEntity unless `name` exists.
Status RequireUser(store::Transaction& tx, std::string_view name) {
  auto user = tx.FindUser(name);
  if (!user.ok()) return user.status();
  if (!*user) {
    return Status::NotFound(
        fmt::format("NoSuchEntity: The user with name {} cannot be found.", name));
  }
  return Status::Ok();
}

}  // namespace

std::string AccessKey::ToJson() const {
  std::string out = "{\"AccessKey\":{\"UserName\":";
  AppendJsonString(&out, user_name);
  out += ",\"AccessKeyId\":";
  AppendJsonString(&out, access_key_id);
  out += ",\"Status\":";
  AppendJsonString(&out, status);
  out += ",\"SecretAccessKey\":";
  AppendJsonString(&out, secret_access_key);
  out += ",\"CreateDate\":";
  // The CLI prints IAM dates as "2026-11-21T10:00:00+00:00".
  std::string date = FormatIso8601(created_ms - created_ms % 1000);
  date.pop_back();
  AppendJsonString(&out, date + "+00:00");
  out += "}}";
  return out;
}

Identity::Identity(store::Store* store, const vault::MasterKey* key, std::string account_id,
                   const Clock& clock)
    : store_(store), key_(key), account_id_(std::move(account_id)), clock_(clock) {}

Result<store::UserRow> Identity::CreateUser(std::string_view name) {
  if (!ValidName(name)) {
    return Status::InvalidArgument(fmt::format(
        "ValidationError: user name '{}' must be 1-64 characters of A-Z a-z 0-9 +=,.@_-", name));
  }
  auto suffix = RandomString(17, kBase32);
  if (!suffix.ok()) return suffix.status();
  store::UserRow row;
  row.name = std::string(name);
  row.arn = fmt::format("arn:aws:iam::{}:user/{}", account_id_, name);
  row.user_id = "AIDA" + *suffix;
  row.created_ms = clock_.Now().time_since_epoch().count();
  Status st = store_->Write([&](store::Transaction& tx) -> Status {
    auto existing = tx.FindUser(name);
    if (!existing.ok()) return existing.status();
    if (*existing) {
      return Status::InvalidArgument(
          fmt::format("EntityAlreadyExists: User with name {} already exists.", name));
    }
    return tx.InsertUser(row);
  });
  if (!st.ok()) return st;
  return row;
}

Result<AccessKey> Identity::CreateAccessKey(std::string_view user_name) {
  auto id = RandomString(16, kBase32);
  auto secret = RandomString(40, kSecretAlphabet);
  if (!id.ok()) return id.status();
  if (!secret.ok()) return secret.status();
  AccessKey key;
  key.user_name = std::string(user_name);
  key.access_key_id = "AKIA" + *id;
  key.secret_access_key = std::move(*secret);
  key.created_ms = clock_.Now().time_since_epoch().count();
  auto sealed = key_->Seal(key.secret_access_key, SecretAad(key.access_key_id));
  if (!sealed.ok()) return sealed.status();
  store::AccessKeyRow row;
  row.access_key_id = key.access_key_id;
  row.user_name = key.user_name;
  row.sealed_secret = std::move(*sealed);
  row.created_ms = key.created_ms;
  Status st = store_->Write([&](store::Transaction& tx) -> Status {
    if (Status s = RequireUser(tx, user_name); !s.ok()) return s;
    return tx.InsertAccessKey(row);
  });
  if (!st.ok()) return st;
  return key;
}

Status Identity::PutUserPolicy(std::string_view user_name, std::string_view policy_name,
                               std::string_view document) {
  if (!ValidName(policy_name) || policy_name.size() > 128) {
    return Status::InvalidArgument(fmt::format(
        "ValidationError: policy name '{}' must be 1-128 characters of A-Z a-z 0-9 +=,.@_-",
        policy_name));
  }
  iam::ParseOptions po;
  po.kind = iam::PolicyKind::kIdentity;
  po.limit = iam::kInlineUserPolicyLimit;
  po.source = "policy document";
  auto parsed = iam::Policy::Parse(document, po);
  if (!parsed.ok()) return parsed.status().WithContext("MalformedPolicyDocument");
  Status st = store_->Write([&](store::Transaction& tx) -> Status {
    if (Status s = RequireUser(tx, user_name); !s.ok()) return s;
    return tx.PutUserPolicy(user_name, policy_name, document);
  });
  if (st.ok()) {
    std::lock_guard lock(mu_);
    cache_.clear();
    ++generation_;
  }
  return st;
}

Result<std::size_t> Identity::UserCount() {
  std::size_t n = 0;
  Status st = store_->Read([&](store::Transaction& tx) -> Status {
    auto users = tx.ListUsers();
    if (!users.ok()) return users.status();
    n = users->size();
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return n;
}

Result<Identity::Cached> Identity::Load(std::string_view access_key_id) {
  Cached c;
  std::optional<store::AccessKeyRow> key_row;
  std::optional<store::UserRow> user;
  std::vector<std::pair<std::string, std::string>> documents;
  Status st = store_->Read([&](store::Transaction& tx) -> Status {
    auto k = tx.FindAccessKey(access_key_id);
    if (!k.ok()) return k.status();
    key_row = std::move(*k);
    if (!key_row || key_row->status != "Active") return Status::Ok();
    auto u = tx.FindUser(key_row->user_name);
    if (!u.ok()) return u.status();
    user = std::move(*u);
    if (!user) return Status::Ok();
    auto p = tx.ListUserPolicies(user->name);
    if (!p.ok()) return p.status();
    documents = std::move(*p);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  if (!key_row || key_row->status != "Active" || !user) {
    return Status::NotFound("unknown or inactive access key");
  }
  auto secret = key_->Open(key_row->sealed_secret, SecretAad(key_row->access_key_id));
  if (!secret.ok()) return secret.status().WithContext("access key secret");
  c.secret = std::move(*secret);
  c.caller.principal.arn = user->arn;
  c.caller.principal.account_id = account_id_;
  c.caller.principal.principal_id = user->user_id;
  c.caller.principal.access_key_id = key_row->access_key_id;
  c.caller.principal.user_name = user->name;
  for (auto& [name, document] : documents) {
    iam::ParseOptions po;
    po.source = name;
    auto policy = iam::Policy::Parse(document, po);
    // Stored documents were validated by PutUserPolicy; one that no longer parses (an older
    // version's rules) grants nothing rather than failing every call of the user.
    if (policy.ok()) c.caller.policies.push_back({name, std::move(*policy)});
  }
  c.loaded = clock_.Now();
  return c;
}

Result<std::shared_ptr<const Identity::Cached>> Identity::Get(std::string_view access_key_id) {
  const TimePoint now = clock_.Now();
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(access_key_id);
    if (it != cache_.end() && now - it->second->loaded < std::chrono::seconds(1)) {
      return it->second;
    }
    generation = generation_;
  }
  auto loaded = Load(access_key_id);
  if (!loaded.ok()) return loaded.status();
  auto entry = std::make_shared<const Cached>(std::move(*loaded));
  std::lock_guard lock(mu_);
  // The request that loaded it may use it (it began before the change); later ones may not.
  if (generation != generation_) return entry;
  if (cache_.size() > 10000) cache_.clear();  // bounded; rebuilt on demand
  cache_[std::string(access_key_id)] = entry;
  return entry;
}

Result<std::string> Identity::SecretFor(std::string_view access_key_id) {
  auto c = Get(access_key_id);
  if (!c.ok()) return c.status();
  return (*c)->secret;
}

Result<std::shared_ptr<const Caller>> Identity::CallerFor(std::string_view access_key_id) {
  auto c = Get(access_key_id);
  if (!c.ok()) return c.status();
  // Shares the cache entry: no copy of the user's parsed policies per request.
  return std::shared_ptr<const Caller>(*c, &(*c)->caller);
}

}  // namespace trailwatch::app
