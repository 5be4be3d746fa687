// `trailwatch up`: the daemon (design.md §5). The vault: the Secrets Manager API on the
// daemon's port with SigV4, IAM policies and the audit trail delivered as CloudTrail log files
// with signed digests; its records also go, in-process and at once, to the monitoring pipeline
// (app/pipeline.h): rules, alarms, notifications and the REST API.
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "app/commands.h"
#include "app/config.h"
#include "app/data_dir.h"
#include "app/identity.h"
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

int RunUp(const UpOptions& options, std::FILE* out, std::FILE* err) {
  auto fail = [err](const std::string& message) {
    fmt::print(err, "trailwatch: {}\n", message);
    return 2;
  };
  auto loaded = LoadConfigOrDefaults(options.config);
  if (!loaded.ok()) return fail(loaded.status().ToString());
  Config config = std::move(*loaded);
  if (options.data_dir) config.data_dir = *options.data_dir;
  if (options.listen) config.listen = *options.listen;
  if (options.tls_cert) config.tls_cert = *options.tls_cert;
  if (options.tls_key) config.tls_key = *options.tls_key;
  if (Status s = ValidateConfig(config); !s.ok()) return fail(s.ToString());

  // Signals are taken by the main thread only; every other thread starts with them blocked.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  SystemClock clock;
  auto dir = OpenDataDir(config.data_dir);
  if (!dir.ok()) return fail(dir.status().ToString());
  store::Store* db = dir->store.get();
  Identity identity(db, &*dir->key, config.account_id, clock);
  if (Status s = Bootstrap(identity, config.data_dir, err); !s.ok()) return fail(s.ToString());

  auto pipeline = Pipeline::Create(config, db, clock, err);
  if (!pipeline.ok()) return fail(pipeline.status().ToString());

  aws::VerifierConfig vc;
  vc.region = config.region;
  vc.service = "secretsmanager";
  aws::Verifier verifier(
      vc, [&identity](std::string_view id) { return identity.SecretFor(id); }, clock);
  VaultEndpoint* endpoint_ptr = nullptr;
  vault::VaultOptions vo;
  vo.account_id = config.account_id;
  vo.region = config.region;
  vo.authorizer = [&endpoint_ptr](const vault::AuthzRequest& r, const vault::CallContext& c) {
    return endpoint_ptr->Authorize(r, c);
  };
  vo.audit = [&config](const vault::Response& r, const vault::CallContext& c) {
    return AuditRecord(r, c, config.region, config.account_id);
  };
  Pipeline* monitor = pipeline->get();
  vo.recorded = [monitor](std::vector<std::string> records) {
    monitor->Submit(std::move(records));
  };
  auto vault = vault::Vault::Create(db, *dir->key, std::move(vo));
  if (!vault.ok()) return fail(vault.status().ToString());
  VaultEndpoint endpoint(&identity, vault->get(), &verifier, clock);
  endpoint_ptr = &endpoint;

  trail::TrailWriterOptions to;
  to.location.root = config.data_dir + "/trail";
  to.location.home_region = config.region;
  to.signing_dir = config.data_dir + "/trail-signing";
  to.delivery_interval_ms = std::int64_t{config.trail_delivery_seconds} * 1000;
  to.digest_period_ms = std::int64_t{config.trail_digest_seconds} * 1000;
  auto writer = trail::TrailWriter::Open(to, clock);
  if (!writer.ok()) return fail(writer.status().ToString());

  server::ServerOptions sopt;
  sopt.host = config.ListenHost();
  sopt.port = config.ListenPort();
  sopt.tls_cert_file = config.tls_cert;
  sopt.tls_key_file = config.tls_key;
  server::Server http(sopt);
  http.SetAwsJsonHandler([&endpoint](const aws::HttpRequest& r, const server::Peer& p) {
    return endpoint.Handle(r, p);
  });
  http.Route("GET", "/api/health", [](const aws::HttpRequest&, const server::Peer&) {
    server::Reply r;
    r.content_type = "application/json";
    r.body = R"({"status":"ok"})";
    return r;
  });
  monitor->AddRoutes(&http);
  if (Status s = monitor->Start(); !s.ok()) return fail(s.ToString());
  if (Status s = http.Start(); !s.ok()) return fail(s.ToString());
  fmt::print(err, "trailwatch: listening on {}://{}:{} (data dir {})\n", http.scheme(), sopt.host,
             http.port(), config.data_dir);
  std::fflush(err);
  (void)out;

  // The trail: audit records are durable in the store's journal from the moment a call is
  // answered; this loop moves them into CloudTrail log files and marks them delivered only
  // after the file is written, so a crash re-delivers rather than loses.
  std::mutex mu;
  std::condition_variable wake;
  bool stopping = false;
  auto deliver = [&]() -> Status {
    for (;;) {
      auto entries = db->ReadUndelivered(10000);
      if (!entries.ok()) return entries.status();
      if (entries->empty()) break;
      for (store::JournalEntry& e : *entries) {
        if (Status s = (*writer)->Append(e.account, e.region, std::move(e.record_json)); !s.ok()) {
          return s;
        }
      }
      auto written = (*writer)->Flush();
      if (!written.ok()) return written.status();
      if (Status s = db->MarkDelivered(entries->back().seq); !s.ok()) return s;
      if (entries->size() < 10000) break;
    }
    return (*writer)->Tick();
  };
  std::thread trail_thread([&] {
    auto last = std::chrono::steady_clock::now();
    std::unique_lock lock(mu);
    while (!stopping) {
      wake.wait_for(lock, std::chrono::seconds(1));
      if (stopping) break;
      const auto now = std::chrono::steady_clock::now();
      if (now - last < std::chrono::seconds(config.trail_delivery_seconds)) {
        lock.unlock();
        Status s = (*writer)->Tick();  // digests whose period ended
        lock.lock();
        if (!s.ok()) fmt::print(err, "trailwatch: trail: {}\n", s.ToString());
        continue;
      }
      last = now;
      lock.unlock();
      Status s = deliver();
      if (auto rotated = (*vault)->RotateDue(clock.Now()); !rotated.ok()) {
        fmt::print(err, "trailwatch: rotation: {}\n", rotated.status().ToString());
      }
      lock.lock();
      if (!s.ok()) fmt::print(err, "trailwatch: trail delivery: {}\n", s.ToString());
    }
  });

  int sig = 0;
  sigwait(&signals, &sig);
  fmt::print(err, "trailwatch: {} received, shutting down\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  http.Stop();      // requests in flight finish; their records are in the journal
  monitor->Stop();  // what it holds is evaluated; notifications wait in the outbox
  {
    std::lock_guard lock(mu);
    stopping = true;
  }
  wake.notify_all();
  trail_thread.join();
  const Status delivered = deliver();
  const auto closed = (*writer)->Close();
  if (!delivered.ok()) return fail("trail: " + delivered.ToString());
  if (!closed.ok()) return fail("trail: " + closed.status().ToString());
  fmt::print(err, "trailwatch: stopped; trail delivered and digested\n");
  return 0;
}

}  // namespace trailwatch::app
