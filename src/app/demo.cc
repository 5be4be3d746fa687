// `trailwatch demo` (what `make run` runs): the whole stack in-process on a temporary data dir,
// driven by real SigV4-signed Secrets Manager calls over HTTP — the same path the aws CLI
// takes — while every alert is printed as the monitor publishes it. Meant to be read by
// someone who has never seen trailwatch: each step says who does what and what should happen.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "app/commands.h"
#include "app/config.h"
#include "app/daemon.h"
#include "aws/client.h"
#include "common/crypto.h"
#include "common/encoding.h"
#include "common/json_text.h"
#include "notify/notify.h"

namespace trailwatch::app {
namespace {

namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

constexpr std::string_view kSecretName = "prod/payments/db-password";
constexpr std::size_t kBurstReads = 6;  // pack:secrets' burst detection fires at 6 in 10 min
constexpr std::size_t kEventsShown = 2;

// Collects the monitor's notices (its thread) for the demo's thread, which prints them.
class Inbox {
 public:
  void Add(const Notice& n) {
    std::lock_guard lock(mu_);
    notices_.push_back({n, Steady::now()});
    cv_.notify_all();
  }
  struct Arrival {
    Notice notice;
    Steady::time_point at;
  };
  // Waits until nothing new has arrived for `quiet` (alerts come within milliseconds), at
  // most `limit`; returns what came.
  std::vector<Arrival> Settle(std::chrono::milliseconds quiet, std::chrono::milliseconds limit) {
    const auto deadline = Steady::now() + limit;
    std::unique_lock lock(mu_);
    for (;;) {
      const std::size_t seen = notices_.size();
      const auto until = std::min(deadline, Steady::now() + quiet);
      cv_.wait_until(lock, until, [&] { return notices_.size() != seen; });
      if (notices_.size() == seen) break;
      if (Steady::now() >= deadline) break;
    }
    std::vector<Arrival> out;
    out.swap(notices_);
    return out;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Arrival> notices_;
};

std::string Quoted(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

std::string Indent(std::string_view text, std::string_view prefix) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    out += prefix;
    out += text.substr(start, end - start);
    out += '\n';
    start = end + 1;
  }
  return out;
}

class Demo {
 public:
  Demo(std::FILE* out, Daemon* daemon, Inbox* inbox, Steady::time_point started)
      : out_(out), daemon_(daemon), inbox_(inbox), started_(started) {}

  // A client signing as `key`, as the aws CLI would.
  std::unique_ptr<aws::Client> ClientFor(const AccessKey& key) const {
    aws::ClientOptions o;
    o.endpoint = daemon_->url();
    o.region = "us-east-1";
    o.service = "secretsmanager";
    o.credentials = {key.access_key_id, key.secret_access_key, ""};
    o.user_agent = "trailwatch-demo/1.0";
    o.verify_tls = false;  // the daemon's own self-signed certificate, on loopback
    return std::make_unique<aws::Client>(std::move(o), clock_);
  }

  void Say(std::string_view text) {
    fmt::print(out_, "[{:4.1f}s] {}\n", Seconds(), text);
    std::fflush(out_);
  }

  // One signed call; prints its outcome; `expect_ok` false means a refusal is what the step
  // is about. Returns false when the outcome is not the expected one.
  bool Call(aws::Client& client, std::string_view op, std::string body, bool expect_ok) {
    auto r = client.CallJson(fmt::format("secretsmanager.{}", op), std::move(body));
    last_call_ = Steady::now();
    if (!r.ok()) {
      fmt::print(out_, "         -> {} failed: {}\n", op, r.status().ToString());
      return false;
    }
    const auto error = aws::ParseJsonError(*r);
    if (error) {
      fmt::print(out_, "         -> HTTP {} {}: {}\n", r->status, error->type, error->message);
    } else {
      fmt::print(out_, "         -> HTTP {} OK (request id {})\n", r->status,
                 r->Header("x-amzn-RequestId"));
    }
    std::fflush(out_);
    return expect_ok == !error.has_value();
  }

  // Prints the notices that arrive after the last call; `timed`: with the delay since that
  // call answered (the demo's own calls, not a user's).
  std::size_t ShowAlerts(bool timed = true) {
    const auto arrivals =
        inbox_->Settle(std::chrono::milliseconds(400), std::chrono::milliseconds(2000));
    for (const Inbox::Arrival& a : arrivals) {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(a.at - last_call_);
      fmt::print(out_, "\n    >>> {}\n", a.notice.subject);
      if (timed) {
        fmt::print(out_, "        published {} ms after the call was answered; {}\n",
                   std::max<std::int64_t>(0, ms.count()), a.notice.reason);
        latencies_.push_back(ms.count());
      } else {
        fmt::print(out_, "        {}\n", a.notice.reason);
      }
      for (std::size_t i = 0; i < a.notice.events.size() && i < kEventsShown; ++i) {
        fmt::print(out_, "{}",
                   Indent(notify::EventSummaryText(i + 1, a.notice.events[i]), "        "));
      }
      if (a.notice.events.size() > kEventsShown) {
        fmt::print(out_, "        ... and {} more events\n", a.notice.events.size() - kEventsShown);
      }
    }
    if (!arrivals.empty()) fmt::print(out_, "\n");
    std::fflush(out_);
    alerts_ += arrivals.size();
    return arrivals.size();
  }

  double Seconds() const { return std::chrono::duration<double>(Steady::now() - started_).count(); }
  std::size_t alerts() const { return alerts_; }
  std::int64_t SlowestMs() const {
    std::int64_t max = 0;
    for (std::int64_t l : latencies_) max = std::max(max, l);
    return max;
  }

 private:
  std::FILE* out_;
  Daemon* daemon_;
  Inbox* inbox_;
  Steady::time_point started_;
  SystemClock clock_;
  Steady::time_point last_call_ = Steady::now();
  std::size_t alerts_ = 0;
  std::vector<std::int64_t> latencies_;
};

std::string SecretArnPattern(const Config& c) {
  return fmt::format("arn:aws:secretsmanager:{}:{}:secret:{}-*", c.region, c.account_id,
                     kSecretName);
}

// The gzip'ed CloudTrail log files the trail has written so far.
std::vector<fs::path> TrailFiles(const std::string& data_dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(data_dir + "/trail", ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (it->is_regular_file() && name.ends_with(".json.gz") &&
        it->path().string().find("CloudTrail-Digest") == std::string::npos) {
      files.push_back(it->path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int RunDemo(const DemoOptions& options, std::FILE* out, std::FILE* err) {
  auto fail = [err](const std::string& message) {
    fmt::print(err, "trailwatch demo: {}\n", message);
    return 1;
  };
  const auto started = Steady::now();

  // Signals go to a thread that ends the demo cleanly; every other thread has them blocked.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::string work;
  if (options.data_dir) {
    work = *options.data_dir;
    // The demo creates users and a secret of fixed names: a used data dir would refuse them,
    // and a real one would keep them.
    std::error_code ec;
    if (fs::exists(work, ec) && !fs::is_empty(work, ec)) {
      return fail(fmt::format("--data-dir {} is not empty; the demo needs a new directory", work));
    }
  } else {
    std::string templ = (fs::temp_directory_path() / "trailwatch-demo-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) return fail("cannot create a temporary directory");
    work = templ;
  }
  const bool remove_after = !options.data_dir && !options.keep;
  struct Cleanup {
    std::string dir;
    bool remove;
    ~Cleanup() {
      std::error_code ec;
      if (remove) fs::remove_all(dir, ec);
    }
  } cleanup{work, remove_after};

  Config config;
  config.data_dir = work + "/data";
  config.listen = options.listen;
  config.trail_delivery_seconds = 1;
  const std::string reader_arn = fmt::format("arn:aws:iam::{}:user/reader", config.account_id);
  config.parameters["SecretReadAllowedPrincipals"] = reader_arn;
  // Every notification also goes, through the durable outbox, to a file: what a webhook or a
  // mailbox would receive.
  const std::string notifications = work + "/notifications.ndjson";
  config.subscriptions["trailwatch-security-alerts"].push_back({"file", notifications});
  if (Status s = ValidateConfig(config); !s.ok()) return fail(s.ToString());

  const std::string log_path = work + "/trailwatch.log";
  std::FILE* log = std::fopen(log_path.c_str(), "a");
  if (log == nullptr) return fail("cannot open " + log_path);
  struct CloseLog {
    std::FILE* f;
    ~CloseLog() { std::fclose(f); }
  } close_log{log};

  Inbox inbox;
  DaemonHooks hooks;
  hooks.on_notice = [&inbox](const Notice& n) { inbox.Add(n); };
  auto started_daemon = Daemon::Start(config, log, std::move(hooks));
  if (!started_daemon.ok()) return fail(started_daemon.status().ToString());
  Daemon& daemon = **started_daemon;

  std::atomic<bool> interrupted = false;
  std::atomic<bool> finished = false;
  std::thread signal_thread([&] {
    const timespec tick{0, 100'000'000};
    while (!finished) {
      if (sigtimedwait(&signals, nullptr, &tick) > 0) interrupted = true;
    }
  });
  struct JoinSignals {
    std::atomic<bool>& finished;
    std::thread& t;
    ~JoinSignals() {
      finished = true;
      t.join();
    }
  } join_signals{finished, signal_thread};

  fmt::print(out,
             "trailwatch demo: a secret is read -> the security team knows, in well under a "
             "second.\n\n");
  Demo demo(out, &daemon, &inbox, started);
  demo.Say(
      fmt::format("Started trailwatch at {} in this process: the vault (a Secrets Manager "
                  "API),\n        the audit trail and the monitor with pack:cis and "
                  "pack:secrets. Data dir: {}",
                  daemon.url(), config.data_dir));
  fmt::print(out,
             "        Allowlisted secret reader (SecretReadAllowedPrincipals): {}\n"
             "        Notifications go to the SNS topic trailwatch-security-alerts; here "
             "they are printed,\n        and delivered to {}.\n\n",
             reader_arn, notifications);

  Identity& iam = daemon.identity();
  auto admin_key = iam.CreateAccessKey("admin");
  if (!admin_key.ok()) return fail(admin_key.status().ToString());
  const std::string reader_policy = fmt::format(
      R"({{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":)"
      R"(["secretsmanager:GetSecretValue","secretsmanager:DescribeSecret"],"Resource":"{}"}}]}})",
      SecretArnPattern(config));
  for (const char* user : {"reader", "intruder"}) {
    if (auto u = iam.CreateUser(user); !u.ok()) return fail(u.status().ToString());
  }
  if (Status s = iam.PutUserPolicy("reader", "ReadPaymentsSecret", reader_policy); !s.ok()) {
    return fail(s.ToString());
  }
  auto reader_key = iam.CreateAccessKey("reader");
  auto intruder_key = iam.CreateAccessKey("intruder");
  if (!reader_key.ok()) return fail(reader_key.status().ToString());
  if (!intruder_key.ok()) return fail(intruder_key.status().ToString());
  demo.Say(
      "IAM: user \"reader\" may read the payments secret (identity policy ReadPaymentsSecret);"
      "\n        user \"intruder\" has no policy. (`trailwatch iam create-user` and "
      "`iam put-user-policy` do the same.)");

  auto admin = demo.ClientFor(*admin_key);
  auto reader = demo.ClientFor(*reader_key);
  auto intruder = demo.ClientFor(*intruder_key);
  auto random = RandomBytes(12);
  if (!random.ok()) return fail(random.status().ToString());
  const std::string value = "demo-" + HexEncode(*random);
  const std::string id = Quoted(kSecretName);
  const std::string read = fmt::format(R"({{"SecretId":{}}})", id);

  bool as_expected = true;
  demo.Say(
      fmt::format("admin creates the secret {} (its value is never printed, logged or "
                  "stored in clear)",
                  kSecretName));
  as_expected &=
      demo.Call(*admin, "CreateSecret",
                fmt::format(R"({{"Name":{},"SecretString":{}}})", id, Quoted(value)), true);
  demo.ShowAlerts();

  demo.Say("reader reads it: allowed by its policy, and reader is on the allowlist");
  as_expected &= demo.Call(*reader, "GetSecretValue", read, true);
  demo.ShowAlerts();

  demo.Say("intruder tries to read it: IAM denies the call, and trailwatch tells you who tried");
  as_expected &= demo.Call(*intruder, "GetSecretValue", read, false);
  demo.ShowAlerts();

  demo.Say(
      fmt::format("reader reads it {} more times in a row: allowed, but a burst like this "
                  "is how credential-sweeping tools look",
                  kBurstReads));
  for (std::size_t i = 0; i < kBurstReads && !interrupted; ++i) {
    as_expected &= demo.Call(*reader, "GetSecretValue", read, true);
  }
  demo.ShowAlerts();

  if (Status s = daemon.DeliverTrail(); !s.ok()) return fail(s.ToString());
  const std::vector<fs::path> files = TrailFiles(config.data_dir);
  demo.Say(
      fmt::format("The audit trail: every call above, allowed or denied, is a CloudTrail "
                  "record, delivered as {} gzip'ed log file(s):",
                  files.size()));
  for (const fs::path& f : files) fmt::print(out, "        {}\n", f.string());
  fmt::print(out,
             "        Read one with: zcat FILE | jq '.Records[] | {{eventName, errorCode, "
             "who: .userIdentity.arn}}'\n"
             "        {}\n\n",
             remove_after ? "(This temporary data dir is removed at the end; --keep keeps it.)"
                          : "`trailwatch validate-logs` checks them against their signed digests.");

  const double elapsed = demo.Seconds();
  fmt::print(out,
             "{} alerts in {:.1f} s; the slowest was published {} ms after its call was "
             "answered.\n(AWS: CloudTrail delivers in about 5 minutes, then CloudWatch mails "
             "\"Threshold Crossed: 1 datapoint\".)\n",
             demo.alerts(), elapsed, demo.SlowestMs());
  fmt::print(out,
             "\nPoint the aws CLI at {}:\n"
             "  export AWS_SHARED_CREDENTIALS_FILE={}/credentials AWS_DEFAULT_REGION=us-east-1\n"
             "  aws --endpoint-url {} secretsmanager list-secrets\n",
             options.keep ? "it (it keeps running)" : "a running trailwatch the same way",
             config.data_dir, daemon.url());
  if (options.keep && !interrupted) {
    fmt::print(out,
               "  curl {}/api/alerts    (and /api/alarms, /api/outbox, /metrics)\n\n"
               "trailwatch keeps running (--keep); Ctrl-C stops it. The log is {}.\n",
               daemon.url(), log_path);
    std::fflush(out);
    while (!interrupted) {
      const std::size_t shown = demo.ShowAlerts(/*timed=*/false);
      if (shown == 0) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  } else {
    fmt::print(out,
               "  (`trailwatch demo --keep` leaves this one running; `trailwatch up` is the "
               "daemon.)\n");
  }
  std::fflush(out);
  // Close the clients' keep-alive connections first: the server would otherwise wait for
  // them to time out before it stops.
  admin.reset();
  reader.reset();
  intruder.reset();
  if (Status s = daemon.Stop(); !s.ok()) return fail(s.ToString());
  if (options.keep) {
    fmt::print(out, "\nStopped; the trail is digested. Everything is in {}\n", work);
  }
  if (!as_expected) return fail("a call did not answer as expected (see above)");
  if (demo.alerts() == 0) return fail("no alert was published; see " + log_path);
  return 0;
}

}  // namespace trailwatch::app
