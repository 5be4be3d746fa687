// Fuzzes Vault::Handle: the input is "<operation>\n<JSON body>", run over one temporary store
// with an allow-all authorizer.
//
// Besides memory errors (ASan/UBSan), it checks that every answer is a JSON object with a
// status AWS could send, that errors carry a __type, that the audit fields are valid JSON, and
// that a secret value sent in the request never reaches the audit fields.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/crypto.h"
#include "store/store.h"
#include "vault/vault.h"

namespace {

constexpr std::size_t kMaxInput = 8192;

void Check(bool ok) {
  if (!ok) std::abort();
}

struct World {
  std::string dir;
  std::unique_ptr<trailwatch::store::Store> store;
  std::unique_ptr<trailwatch::vault::Vault> vault;
};

World& GetWorld() {
  static World* w = [] {
    // OpenSSL initialises itself, and keeps per-thread state, on first use; do that here, on
    // this thread and on the store's writer thread, so it is not mistaken for a leak of the
    // first input.
    Check(trailwatch::RandomBytes(1).ok());
    auto* world = new World;
    char tmpl[] = "/tmp/vault-fuzz-XXXXXX";
    Check(::mkdtemp(tmpl) != nullptr);
    world->dir = tmpl;
    trailwatch::store::StoreOptions o;
    o.path = world->dir + "/fuzz.db";
    auto s = trailwatch::store::Store::Open(o);
    Check(s.ok());
    world->store = std::move(s).value();
    Check(world->store
              ->Write([](trailwatch::store::Transaction&) {
                auto warm = trailwatch::vault::MasterKey::FromBytes(std::string(32, 'w'));
                if (!warm.ok()) return warm.status();
                return warm->Seal("warm-up", "aad").status();
              })
              .ok());
    trailwatch::vault::VaultOptions vo;
    vo.authorizer = [](const trailwatch::vault::AuthzRequest&,
                       const trailwatch::vault::CallContext&) {
      return trailwatch::vault::AuthzDecision{true, ""};
    };
    vo.audit = [](const trailwatch::vault::Response& r,
                  const trailwatch::vault::CallContext&) -> trailwatch::Result<std::string> {
      return r.request_parameters;
    };
    auto key = trailwatch::vault::MasterKey::FromBytes(std::string(32, 'k'));
    Check(key.ok());
    auto v =
        trailwatch::vault::Vault::Create(world->store.get(), std::move(key).value(), std::move(vo));
    Check(v.ok());
    world->vault = std::move(v).value();
    std::atexit([] {
      World& self = GetWorld();
      self.vault.reset();
      self.store.reset();
      std::error_code ec;
      std::filesystem::remove_all(self.dir, ec);
    });
    return world;
  }();
  return *w;
}

// The request as the audit fields may legitimately show it: lower-camel keys, no value.
nlohmann::json Logged(const nlohmann::json& j) {
  if (j.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : j) out.push_back(Logged(e));
    return out;
  }
  if (!j.is_object()) return j;
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [k, v] : j.items()) {
    if (k == "SecretString" || k == "SecretBinary") continue;
    std::string key = k;
    if (!key.empty() && key[0] >= 'A' && key[0] <= 'Z') key[0] = static_cast<char>(key[0] + 32);
    out[key] = Logged(v);
  }
  return out;
}

bool ValidJson(const std::string& text) {
  return !nlohmann::json::parse(text, nullptr, false).is_discarded();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInput) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nl = input.find('\n');
  const std::string_view op = nl == std::string_view::npos ? input : input.substr(0, nl);
  const std::string_view body = nl == std::string_view::npos ? "" : input.substr(nl + 1);
  World& w = GetWorld();
  trailwatch::vault::CallContext ctx;
  ctx.principal.arn = "arn:aws:iam::123456789012:user/fuzz";
  ctx.time = trailwatch::TimePoint(std::chrono::milliseconds(1700000000000));
  const auto r = w.vault->Handle(op, body, ctx);
  Check(r.http_status == 200 || r.http_status == 400 || r.http_status == 500);
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  Check(j.is_object());
  Check(r.http_status == 200 || j.contains("__type"));
  Check(ValidJson(r.request_parameters));
  Check(ValidJson(r.response_elements));
  // A SecretString sent in the body must not be echoed into the audit fields.
  const auto req = nlohmann::json::parse(body, nullptr, false);
  if (req.is_object() && req.contains("SecretString") && req["SecretString"].is_string()) {
    const std::string secret = req["SecretString"].get<std::string>();
    const std::string legit =
        Logged(req).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (secret.size() >= 8 && legit.find(secret) == std::string::npos) {
      Check(r.request_parameters.find(secret) == std::string::npos);
      Check(r.response_elements.find(secret) == std::string::npos);
    }
  }
  return 0;
}
