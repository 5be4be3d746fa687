#include "app/daemon.h"

#include <fmt/format.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "app/data_dir.h"
#include "app/pipeline.h"
#include "app/vault_endpoint.h"
#include "common/files.h"
#include "server/server.h"
#include "store/store.h"
#include "trail/trail.h"
#include "vault/vault.h"

namespace trailwatch::app {
namespace {

constexpr std::string_view kAdminPolicy =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})";

// On first start: an administrator with full access, its key written 0600 in the data dir,
// never printed.
Status Bootstrap(Identity& identity, const std::string& data_dir, std::FILE* err) {
  auto users = identity.UserCount();
  if (!users.ok()) return users.status();
  if (*users > 0) return Status::Ok();
  auto user = identity.CreateUser("admin");
  if (!user.ok()) return user.status();
  if (Status s = identity.PutUserPolicy("admin", "AdministratorAccess", kAdminPolicy); !s.ok()) {
    return s;
  }
  auto key = identity.CreateAccessKey("admin");
  if (!key.ok()) return key.status();
  const std::string json = data_dir + "/admin-credentials.json";
  const std::string ini = data_dir + "/credentials";
  if (Status s = WriteFileAtomic(json, key->ToJson() + "\n", 0600); !s.ok()) return s;
  if (Status s = WriteFileAtomic(ini,
                                 fmt::format("[default]\naws_access_key_id = {}\n"
                                             "aws_secret_access_key = {}\n",
                                             key->access_key_id, key->secret_access_key),
                                 0600);
      !s.ok()) {
    return s;
  }
  fmt::print(err,
             "trailwatch: created user admin; its access key is in {} and {} (mode 0600, "
             "AWS_SHARED_CREDENTIALS_FILE format)\n",
             json, ini);
  return Status::Ok();
}

}  // namespace

// Members in the order they are built; they are torn down in reverse.
struct Daemon::Impl {
  Config config;
  std::FILE* log = nullptr;
  SystemClock clock;
  DataDir dir;
  std::optional<Identity> identity;
  std::unique_ptr<Pipeline> pipeline;
  std::optional<aws::Verifier> verifier;
  VaultEndpoint* endpoint_ptr = nullptr;  // set once `endpoint` exists; read by the authorizer
  std::unique_ptr<vault::Vault> vault;
  std::optional<VaultEndpoint> endpoint;
  std::unique_ptr<trail::TrailWriter> writer;
  std::optional<server::Server> http;

  std::mutex deliver_mu;  // one delivery at a time: the trail thread's or DeliverTrail's
  std::mutex mu;
  std::condition_variable wake;
  bool stopping = false;  // guarded by mu
  std::thread trail_thread;
  std::optional<Status> stopped;

  // The trail: audit records are durable in the store's journal from the moment a call is
  // answered; this moves them into CloudTrail log files and marks them delivered only after
  // the file is written, so a crash re-delivers rather than loses.
  Status Deliver() {
    std::lock_guard lock(deliver_mu);
    store::Store* db = dir.store.get();
    for (;;) {
      auto entries = db->ReadUndelivered(10000);
      if (!entries.ok()) return entries.status();
      if (entries->empty()) break;
      for (store::JournalEntry& e : *entries) {
        if (Status s = writer->Append(e.account, e.region, std::move(e.record_json)); !s.ok()) {
          return s;
        }
      }
      auto written = writer->Flush();
      if (!written.ok()) return written.status();
      if (Status s = db->MarkDelivered(entries->back().seq); !s.ok()) return s;
      if (entries->size() < 10000) break;
    }
    return writer->Tick();
  }

  void TrailLoop() {
    auto last = std::chrono::steady_clock::now();
    std::unique_lock lock(mu);
    while (!stopping) {
      wake.wait_for(lock, std::chrono::seconds(1));
      if (stopping) break;
      const auto now = std::chrono::steady_clock::now();
      lock.unlock();
      Status s;
      if (now - last < std::chrono::seconds(config.trail_delivery_seconds)) {
        std::lock_guard d(deliver_mu);
        s = writer->Tick();  // digests whose period ended
      } else {
        last = now;
        s = Deliver();
        if (Status pruned = pipeline->Prune(); !pruned.ok()) {
          fmt::print(log, "trailwatch: {}\n", pruned.ToString());
        }
        if (auto rotated = vault->RotateDue(clock.Now()); !rotated.ok()) {
          fmt::print(log, "trailwatch: rotation: {}\n", rotated.status().ToString());
        }
      }
      lock.lock();
      if (!s.ok()) fmt::print(log, "trailwatch: trail: {}\n", s.ToString());
    }
  }
};

Daemon::Daemon(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Daemon::~Daemon() { (void)Stop(); }

Result<std::unique_ptr<Daemon>> Daemon::Start(const Config& config, std::FILE* log,
                                              DaemonHooks hooks) {
  auto impl = std::make_unique<Impl>();
  Impl& p = *impl;
  p.config = config;
  p.log = log;
  auto dir = OpenDataDir(config.data_dir);
  if (!dir.ok()) return dir.status();
  p.dir = std::move(*dir);
  store::Store* db = p.dir.store.get();
  p.identity.emplace(db, &*p.dir.key, config.account_id, p.clock);
  if (Status s = Bootstrap(*p.identity, config.data_dir, log); !s.ok()) return s;

  // The port first: with port 0 the links, SigningCertURL and SubscribeURL the pipeline
  // renders need the one actually bound.
  server::ServerOptions sopt;
  sopt.host = config.ListenHost();
  sopt.port = config.ListenPort();
  sopt.tls_cert_file = config.tls_cert;
  sopt.tls_key_file = config.tls_key;
  p.http.emplace(sopt);
  if (Status s = p.http->Bind(); !s.ok()) return s;
  const bool v6 = sopt.host.find(':') != std::string::npos;
  p.config.listen = v6 ? fmt::format("[{}]:{}", sopt.host, p.http->port())
                       : fmt::format("{}:{}", sopt.host, p.http->port());

  auto pipeline = Pipeline::Create(p.config, db, p.clock, log, std::move(hooks.on_notice));
  if (!pipeline.ok()) return pipeline.status();
  p.pipeline = std::move(*pipeline);

  aws::VerifierConfig vc;
  vc.region = config.region;
  vc.service = "secretsmanager";
  Identity* identity = &*p.identity;
  p.verifier.emplace(
      vc, [identity](std::string_view id) { return identity->SecretFor(id); }, p.clock);
  vault::VaultOptions vo;
  vo.account_id = config.account_id;
  vo.region = config.region;
  Impl* raw = &p;
  vo.authorizer = [raw](const vault::AuthzRequest& r, const vault::CallContext& c) {
    return raw->endpoint_ptr->Authorize(r, c);
  };
  const std::string region = config.region;
  const std::string account = config.account_id;
  vo.audit = [region, account](const vault::Response& r, const vault::CallContext& c) {
    return AuditRecord(r, c, region, account);
  };
  Pipeline* monitor = p.pipeline.get();
  vo.recorded = [monitor](std::vector<store::JournalEntry> records) {
    monitor->Submit(std::move(records));
  };
  auto vault = vault::Vault::Create(db, *p.dir.key, std::move(vo));
  if (!vault.ok()) return vault.status();
  p.vault = std::move(*vault);
  p.endpoint.emplace(identity, p.vault.get(), &*p.verifier, p.clock);
  p.endpoint_ptr = &*p.endpoint;

  trail::TrailWriterOptions to;
  to.location.root = config.data_dir + "/trail";
  to.location.home_region = config.region;
  to.signing_dir = config.data_dir + "/trail-signing";
  to.delivery_interval_ms = std::int64_t{config.trail_delivery_seconds} * 1000;
  to.digest_period_ms = std::int64_t{config.trail_digest_seconds} * 1000;
  auto writer = trail::TrailWriter::Open(to, p.clock);
  if (!writer.ok()) return writer.status();
  p.writer = std::move(*writer);

  VaultEndpoint* endpoint = &*p.endpoint;
  p.http->SetAwsJsonHandler([endpoint](const aws::HttpRequest& r, const server::Peer& peer) {
    return endpoint->Handle(r, peer);
  });
  p.http->Route("GET", "/api/health", [](const aws::HttpRequest&, const server::Peer&) {
    server::Reply r;
    r.content_type = "application/json";
    r.body = R"({"status":"ok"})";
    return r;
  });
  monitor->AddRoutes(&*p.http);
  if (Status s = monitor->Start(); !s.ok()) return s;
  if (Status s = p.http->Start(); !s.ok()) {
    monitor->Stop();
    return s;
  }
  p.trail_thread = std::thread([raw] { raw->TrailLoop(); });
  return std::unique_ptr<Daemon>(new Daemon(std::move(impl)));
}

std::string Daemon::url() const {
  const Impl& p = *impl_;
  std::string host = p.config.ListenHost();
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return fmt::format("{}://{}:{}", p.http->scheme(), host, p.http->port());
}

Identity& Daemon::identity() { return *impl_->identity; }

Status Daemon::DeliverTrail() { return impl_->Deliver(); }

Status Daemon::Stop() {
  Impl& p = *impl_;
  if (p.stopped) return *p.stopped;
  p.http->Stop();  // requests in flight finish; their records are in the journal
  {
    // Before the monitor stops: the trail thread's rotations also write records.
    std::lock_guard lock(p.mu);
    p.stopping = true;
  }
  p.wake.notify_all();
  p.trail_thread.join();
  p.pipeline->Stop();  // what it holds is evaluated; notifications wait in the outbox
  Status result = p.Deliver().WithContext("trail");
  const auto closed = p.writer->Close();
  if (result.ok() && !closed.ok()) result = closed.status().WithContext("trail");
  p.stopped = result;
  return result;
}

}  // namespace trailwatch::app
