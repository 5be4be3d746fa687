#include "vault/vault_fixture.h"

#include "testing/files.h"

namespace trailwatch::vault::testing {

std::string StandInRecord(const Response& r, const CallContext& ctx) {
  json j = {{"eventName", r.event_name},
            {"readOnly", r.read_only},
            {"requestParameters", json::parse(r.request_parameters, nullptr, false)},
            {"responseElements", json::parse(r.response_elements, nullptr, false)},
            {"resources", r.resources},
            {"requestID", ctx.request_id},
            {"userArn", ctx.principal.arn},
            {"sourceIPAddress", ctx.source_ip}};
  if (!r.error_code.empty()) {
    j["errorCode"] = r.error_code;
    j["errorMessage"] = r.error_message;
  }
  return j.dump();
}

namespace {
json RedactJson(const json& j) {
  if (j.is_array()) {
    json out = json::array();
    for (const auto& e : j) out.push_back(RedactJson(e));
    return out;
  }
  if (!j.is_object()) return j;
  json out = json::object();
  for (const auto& [k, v] : j.items()) {
    const bool secret = k == "SecretString" || k == "SecretBinary" || k == "RandomPassword";
    out[k] = secret ? json("***") : RedactJson(v);
  }
  return out;
}
}  // namespace

std::string Redact(const json& j) {
  return RedactJson(j).dump(-1, ' ', false, json::error_handler_t::replace);
}

void VaultFixture::SetUp() {
  ASSERT_TRUE(dir_.ok());
  db_path_ = dir_.path() + "/trailwatch.db";
  Open();
}

void VaultFixture::TearDown() { Close(); }

void VaultFixture::Open() {
  store::StoreOptions o;
  o.path = db_path_;
  auto s = store::Store::Open(o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  store_ = std::move(s).value();
  VaultOptions vo;
  vo.account_id = "123456789012";
  vo.region = "us-east-1";
  vo.authorizer = [this](const AuthzRequest& req, const CallContext&) {
    std::lock_guard lock(authz_mu_);
    authz_log_.push_back(req);
    return AuthzDecision{allow_.load(), allow_.load() ? "" : "denied by test: " + req.action};
  };
  vo.audit = [this](const Response& r, const CallContext& ctx) -> Result<std::string> {
    if (fail_audit_.load()) return Status::IoError("audit sink unavailable");
    return StandInRecord(r, ctx);
  };
  vo.recorded = [this](std::vector<store::JournalEntry> records) {
    std::lock_guard lock(recorded_mu_);
    for (store::JournalEntry& e : records) {
      EXPECT_GT(e.seq, 0) << "the journal's seq comes with the record";
      recorded_.push_back(std::move(e.record_json));
    }
  };
  auto key = MasterKey::FromBytes(key_bytes_);
  ASSERT_TRUE(key.ok());
  auto v = Vault::Create(store_.get(), std::move(key).value(), std::move(vo));
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  vault_ = std::move(v).value();
}

void VaultFixture::Close() {
  vault_.reset();
  store_.reset();
}

CallContext VaultFixture::Context() const {
  CallContext ctx;
  ctx.principal.arn = "arn:aws:iam::123456789012:user/alice";
  ctx.principal.account_id = "123456789012";
  ctx.principal.user_name = "alice";
  ctx.principal.access_key_id = "AKIAEXAMPLEALICE0001";
  ctx.source_ip = "127.0.0.1";
  ctx.user_agent = "vault-test";
  ctx.request_id = "req-1";
  ctx.time = clock_.Now();
  return ctx;
}

Reply VaultFixture::CallRaw(const std::string& op, const std::string& body) {
  Reply r;
  r.raw = vault_->Handle(op, body, Context());
  r.status = r.raw.http_status;
  r.body = json::parse(r.raw.body, nullptr, false);
  return r;
}

Reply VaultFixture::Call(const std::string& op, const json& request) {
  return CallRaw(op, request.dump());
}

std::vector<json> VaultFixture::TakeJournal() {
  std::vector<json> out;
  auto entries = store_->ReadUndelivered(100000);
  EXPECT_TRUE(entries.ok());
  if (!entries.ok()) return out;
  for (const auto& e : *entries) {
    if (e.seq <= journal_seq_) continue;
    journal_seq_ = e.seq;
    out.push_back(json::parse(e.record_json));
  }
  return out;
}

std::string ReadDatabaseFiles(const std::string& db_path) {
  return test_support::ReadFile(db_path) + test_support::ReadFile(db_path + "-wal") +
         test_support::ReadFile(db_path + "-shm");
}

}  // namespace trailwatch::vault::testing
