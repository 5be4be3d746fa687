// Dispatch, audit records and transactions around the operations.
#include "vault/vault.h"

#include <array>
#include <exception>

#include "common/crypto.h"
#include "vault/internal.h"

namespace trailwatch::vault {
namespace {

using internal::Env;
using internal::json;
using internal::Outcome;

struct Operation {
  std::string_view name;
  Outcome (*run)(Env&);
  bool read_only;
};

constexpr std::array<Operation, 19> kOperations = {{
    {"CreateSecret", internal::CreateSecret, false},
    {"GetSecretValue", internal::GetSecretValue, true},
    {"BatchGetSecretValue", internal::BatchGetSecretValue, true},
    {"PutSecretValue", internal::PutSecretValue, false},
    {"UpdateSecret", internal::UpdateSecret, false},
    {"DescribeSecret", internal::DescribeSecret, true},
    {"ListSecrets", internal::ListSecrets, true},
    {"ListSecretVersionIds", internal::ListSecretVersionIds, true},
    {"UpdateSecretVersionStage", internal::UpdateSecretVersionStage, false},
    {"DeleteSecret", internal::DeleteSecret, false},
    {"RestoreSecret", internal::RestoreSecret, false},
    {"TagResource", internal::TagResource, false},
    {"UntagResource", internal::UntagResource, false},
    {"GetRandomPassword", internal::GetRandomPassword, true},
    {"PutResourcePolicy", internal::PutResourcePolicy, false},
    {"GetResourcePolicy", internal::GetResourcePolicy, true},
    {"DeleteResourcePolicy", internal::DeleteResourcePolicy, false},
    {"RotateSecret", internal::RotateSecret, false},
    {"CancelRotateSecret", internal::CancelRotateSecret, false},
}};

constexpr int kMaxEventNameLength = 128;

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// CloudTrail's requestParameters: the request with lower-camel keys and without the values
// CloudTrail never logs.
json RequestParameters(const json& req) {
  if (req.is_array()) {
    json out = json::array();
    for (const auto& e : req) out.push_back(RequestParameters(e));
    return out;
  }
  if (!req.is_object()) return req;
  json out = json::object();
  for (const auto& [k, v] : req.items()) {
    if (k == "SecretString" || k == "SecretBinary") continue;
    std::string key = k;
    if (!key.empty()) key[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(key[0])));
    out[key] = RequestParameters(v);
  }
  return out;
}

void ApplyOutcome(const Outcome& o, bool read_only, Response* r) {
  r->http_status = o.status;
  if (o.status == 200) {
    r->body = Dump(o.body);
    r->response_elements = read_only ? "null" : Dump(o.response_elements);
    return;
  }
  r->body = Dump(json{{"__type", o.error_type}, {"message", o.error_message}});
  r->response_elements = "null";
  r->error_code = o.denied ? "AccessDenied" : o.error_type;
  r->error_message = o.error_message;
}

Response InternalError(Response r) {
  r.http_status = 500;
  r.body = R"({"__type":"InternalServiceError","message":"An error occurred on the server side."})";
  r.response_elements = "null";
  r.error_code = "InternalServiceError";
  r.error_message = "An error occurred on the server side.";
  r.related.clear();
  return r;
}

class VaultImpl final : public Vault {
 public:
  VaultImpl(store::Store* store, MasterKey key, VaultOptions options)
      : store_(store), key_(std::move(key)), opt_(std::move(options)) {}

  Response Handle(std::string_view operation, std::string_view request_json,
                  const CallContext& ctx) override {
    Response r;
    try {
      return HandleUnsafe(operation, request_json, ctx);
    } catch (const std::exception&) {
      // nlohmann and std containers may throw on hostile input; fail closed.
    } catch (...) {
    }
    r.event_name = std::string(operation.substr(0, kMaxEventNameLength));
    return InternalError(std::move(r));
  }

  Result<int> RotateDue(TimePoint now) override;

 private:
  Response HandleUnsafe(std::string_view operation, std::string_view request_json,
                        const CallContext& ctx);

  // The journal entries of `r` and of r.related. Built outside the write job where the
  // response is already final, so that record building does not run on the single writer.
  Result<std::vector<store::JournalEntry>> Records(const Response& r, const CallContext& ctx) {
    std::vector<store::JournalEntry> out;
    auto add = [&](const Response& rec) -> Status {
      auto record = opt_.audit(rec, ctx);
      if (!record.ok()) return record.status();
      out.push_back({0, ctx.time.time_since_epoch().count(), opt_.account_id, opt_.region,
                     std::move(*record), false});
      return Status::Ok();
    };
    if (Status s = add(r); !s.ok()) return s;
    for (const Response& rel : r.related) {
      if (Status s = add(rel); !s.ok()) return s;
    }
    return out;
  }

  static Status Append(store::Transaction& tx, std::vector<store::JournalEntry>& entries) {
    for (store::JournalEntry& e : entries) {
      auto seq = tx.AppendJournal(e);
      if (!seq.ok()) return seq.status();
      e.seq = *seq;
    }
    return Status::Ok();
  }

  // Appends the journal records of `r` (and of r.related) inside a write job; `*written` gets
  // them for Recorded() once the job has committed.
  Status Journal(store::Transaction& tx, const Response& r, const CallContext& ctx,
                 std::vector<store::JournalEntry>* written) {
    auto entries = Records(r, ctx);
    if (!entries.ok()) return entries.status();
    *written = std::move(*entries);
    return Append(tx, *written);
  }

  // Hands committed records to VaultOptions::recorded; the journal has them, so they are
  // moved out of `entries`.
  void Recorded(std::vector<store::JournalEntry>& entries) const {
    if (!opt_.recorded || entries.empty()) return;
    opt_.recorded(std::move(entries));
    entries.clear();
  }

  // Stamps LastAccessedDate (a date, as AWS keeps it) on what a read returned.
  Status Touch(store::Transaction& tx, const std::vector<std::pair<std::string, std::string>>& a,
               std::int64_t now_ms) {
    const std::int64_t day = internal::DayStart(now_ms);
    for (const auto& [arn, version_id] : a) {
      auto s = tx.FindSecretByArn(arn);
      if (!s.ok()) return s.status();
      if (!*s) continue;
      if ((*s)->last_accessed_ms != day) {
        (*s)->last_accessed_ms = day;
        if (Status st = tx.UpdateSecret(**s); !st.ok()) return st;
      }
      if (Status st = tx.TouchVersion((*s)->id, version_id, day); !st.ok()) return st;
    }
    return Status::Ok();
  }

  store::Store* store_;
  const MasterKey key_;
  const VaultOptions opt_;
};

Response VaultImpl::HandleUnsafe(std::string_view operation, std::string_view request_json,
                                 const CallContext& ctx) {
  Response r;
  r.event_name = std::string(operation.substr(0, kMaxEventNameLength));
  const Operation* op = nullptr;
  for (const auto& o : kOperations) {
    if (o.name == operation) op = &o;
  }
  Outcome outcome;
  json req = request_json.empty() ? json::object() : json::parse(request_json, nullptr, false);
  if (op == nullptr) {
    outcome = internal::Error("UnknownOperationException", "");
  } else if (!req.is_object()) {
    outcome = internal::Error("SerializationException", "The request body is not a JSON object.");
  } else {
    r.request_parameters = Dump(RequestParameters(req));
  }
  r.read_only = op != nullptr && op->read_only;
  const std::int64_t now_ms = ctx.time.time_since_epoch().count();
  std::vector<std::pair<std::string, std::string>> accessed;

  auto run = [&](store::Transaction& tx) {
    Env env{tx, req, ctx, opt_, key_, r.resources, r.related, accessed, now_ms};
    try {
      outcome = op->run(env);
    } catch (const std::exception&) {
      // A JSON accessor threw on input we did not foresee: answer, and journal, a 500.
      outcome = internal::Internal();
    }
  };

  if (op == nullptr || !req.is_object()) {
    ApplyOutcome(outcome, r.read_only, &r);
    if (op == nullptr) r.body = R"({"__type":"UnknownOperationException"})";
    auto entries = Records(r, ctx);
    if (!entries.ok()) return InternalError(std::move(r));
    Status st = store_->Write([&](store::Transaction& tx) { return Append(tx, *entries); });
    if (!st.ok()) return InternalError(std::move(r));
    Recorded(*entries);
    return r;
  }

  if (op->read_only) {
    Status st = store_->Read([&](store::Transaction& tx) {
      run(tx);
      return Status::Ok();
    });
    if (!st.ok()) return InternalError(std::move(r));
    ApplyOutcome(outcome, true, &r);
    auto entries = Records(r, ctx);
    if (!entries.ok()) return InternalError(std::move(r));
    st = store_->Write([&](store::Transaction& tx) {
      if (Status s = Touch(tx, accessed, now_ms); !s.ok()) return s;
      return Append(tx, *entries);
    });
    if (!st.ok()) return InternalError(std::move(r));
    Recorded(*entries);
    return r;
  }

  std::vector<store::JournalEntry> written;
  Status st = store_->Write([&](store::Transaction& tx) {
    // A job may not run twice, but reset what the operation fills in to be safe.
    r.resources.clear();
    r.related.clear();
    Status nested = tx.Nested([&](store::Transaction& t) {
      run(t);
      return outcome.status == 200;
    });
    if (!nested.ok()) return nested;
    ApplyOutcome(outcome, false, &r);
    return Journal(tx, r, ctx, &written);
  });
  if (!st.ok()) return InternalError(std::move(r));
  Recorded(written);
  return r;
}

Result<int> VaultImpl::RotateDue(TimePoint now) {
  const std::int64_t now_ms = now.time_since_epoch().count();
  std::vector<std::string> due;
  Status st = store_->Read([&](store::Transaction& tx) {
    auto all = tx.ListSecrets();
    if (!all.ok()) return all.status();
    for (const auto& s : *all) {
      if (s.rotation_enabled && !s.deleted_ms && s.next_rotation_ms &&
          *s.next_rotation_ms <= now_ms) {
        due.push_back(s.arn);
      }
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  int rotated = 0;
  for (const auto& arn : due) {
    std::vector<store::JournalEntry> written;
    auto request_id = NewUuid();
    auto version_id = NewUuid();
    if (!request_id.ok()) return request_id.status();
    if (!version_id.ok()) return version_id.status();
    CallContext ctx;
    ctx.principal.type = "";  // service events carry no principal type
    ctx.principal.account_id = opt_.account_id;
    ctx.source_ip = "secretsmanager.amazonaws.com";
    ctx.user_agent = "secretsmanager.amazonaws.com";
    ctx.request_id = "Rotation-" + arn + "-" + *request_id;
    ctx.time = now;
    bool done = false;
    st = store_->Write([&](store::Transaction& tx) {
      auto s = tx.FindSecretByArn(arn);
      if (!s.ok()) return s.status();
      if (!*s || !(*s)->rotation_enabled || (*s)->deleted_ms || !(*s)->next_rotation_ms ||
          *(*s)->next_rotation_ms > now_ms) {
        return Status::Ok();  // changed since we looked
      }
      const json empty = json::object();
      std::vector<std::string> resources;
      std::vector<Response> related;
      std::vector<std::pair<std::string, std::string>> accessed;
      Env env{tx, empty, ctx, opt_, key_, resources, related, accessed, now_ms};
      Response rec;
      rec.event_name = "RotationSucceeded";
      rec.resources = {arn};
      if (auto c = internal::RotateNow(env, **s, *version_id)) {
        rec.event_name = "RotationFailed";
        rec.error_code = c->error_type;
        rec.error_message = c->error_message;
      } else {
        json rules = json::parse((*s)->rotation_rules_json.value_or("{}"), nullptr, false);
        const std::int64_t days =
            rules.is_object() ? rules.value("AutomaticallyAfterDays", std::int64_t{30}) : 30;
        (*s)->next_rotation_ms = internal::DayStart(now_ms) + days * 86400000;
        if (Status u = tx.UpdateSecret(**s); !u.ok()) return u;
        done = true;
      }
      return Journal(tx, rec, ctx, &written);
    });
    if (!st.ok()) return st;
    Recorded(written);
    rotated += done ? 1 : 0;
  }
  return rotated;
}

}  // namespace

Result<std::unique_ptr<Vault>> Vault::Create(store::Store* store, MasterKey key,
                                             VaultOptions options) {
  if (store == nullptr) return Status::InvalidArgument("vault: no store");
  if (!options.authorizer) return Status::InvalidArgument("vault: no authorizer");
  if (!options.audit) return Status::InvalidArgument("vault: no audit function");
  return std::unique_ptr<Vault>(new VaultImpl(store, std::move(key), std::move(options)));
}

}  // namespace trailwatch::vault
