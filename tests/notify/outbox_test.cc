// The durable outbox against a real store and real receivers: the retry schedules as tables,
// SMTP down then up, dead letters, restarts, and a kill -9 in the middle of retrying.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "common/clock.h"
#include "notify/notify.h"
#include "notify/servers.h"
#include "store/store.h"
#include "testing/files.h"

namespace trailwatch::notify {
namespace {

using test_support::ReadFile;
using test_support::TempDir;
using namespace std::chrono_literals;

std::string Script(const char* name) {
  return std::string(TRAILWATCH_SOURCE_DIR) + "/tests/notify/" + name;
}

constexpr std::int64_t kStartMs = 1'790'000'000'000;  // 2026-09-21

std::unique_ptr<store::Store> OpenStore(const std::string& path) {
  store::StoreOptions o;
  o.path = path;
  auto s = store::Store::Open(o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

// Polls `done` every few milliseconds for up to `timeout`.
bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout = 15s) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return done();
}

Delivery Mail(const std::string& id) {
  Delivery d;
  d.protocol = Protocol::kEmail;
  d.endpoint = "secops@example.com";
  d.message_id = id;
  d.time_ms = kStartMs;
  d.subject = "ALARM: \"RootAccountUsage\" in US East (N. Virginia)";
  d.body = "You are receiving this email because your Amazon CloudWatch Alarm ... " + id;
  return d;
}

Delivery Line(const std::string& path, const std::string& id) {
  Delivery d;
  d.protocol = Protocol::kFile;
  d.endpoint = path;
  d.message_id = id;
  d.time_ms = kStartMs;
  d.body = R"({"messageId":")" + id + R"("})";
  return d;
}

Delivery Post(int port, const std::string& id) {
  Delivery d;
  d.protocol = Protocol::kHttp;
  d.endpoint = "http://127.0.0.1:" + std::to_string(port) + "/hook";
  d.message_id = id;
  d.time_ms = kStartMs;
  d.body = R"({"Type" : "Notification", "MessageId" : ")" + id + R"("})";
  d.headers = {{"x-amz-sns-message-type", "Notification"}, {"x-amz-sns-message-id", id}};
  return d;
}

SmtpOptions Smtp(int port) {
  SmtpOptions o;
  o.url = "smtp://127.0.0.1:" + std::to_string(port);
  o.from = "trailwatch@alerts.example.com";
  o.connect_timeout_ms = 2'000;
  o.timeout_ms = 10'000;
  return o;
}

OutboxOptions FastOptions(const Clock* clock) {
  OutboxOptions o;
  o.clock = clock;
  o.poll_interval = 5ms;
  o.workers = 2;
  return o;
}

const OutboxLabel kLabel{"arn:aws:sns:us-east-1:123456789012:trailwatch-security-alerts",
                         "RootAccountUsage"};

std::vector<OutboxEntry> ListAll(const Outbox& outbox, std::optional<OutboxState> state = {}) {
  OutboxQuery q;
  q.state = state;
  q.limit = 1000;
  auto r = outbox.List(q);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<OutboxEntry>{};
}

std::size_t CountIn(const std::vector<std::string>& files, const std::string& needle) {
  std::size_t n = 0;
  for (const std::string& f : files) {
    if (ReadFile(f).find(needle) != std::string::npos) ++n;
  }
  return n;
}

std::size_t CountLines(const std::string& path, const std::string& needle) {
  const std::string text = ReadFile(path);
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

#define REQUIRE_PYTHON() \
  if (notify_test::FindPython().empty()) GTEST_SKIP() << "python3 is not on PATH"

// ---- the schedules (spec 4.8) ----

TEST(RetryDelay, DefaultSchedulesPerProtocol) {
  struct Case {
    Protocol protocol;
    int attempts;  // failed so far
    std::optional<std::int64_t> want_ms;
  };
  const std::vector<Case> cases = {
      // SNS's default HTTP/S policy: 3 retries 20 s apart, then the message is dead.
      {Protocol::kHttp, 0, std::nullopt},
      {Protocol::kHttp, 1, 20'000},
      {Protocol::kHttp, 2, 20'000},
      {Protocol::kHttp, 3, 20'000},
      {Protocol::kHttp, 4, std::nullopt},
      {Protocol::kHttps, 3, 20'000},
      {Protocol::kHttps, 4, std::nullopt},
      {Protocol::kSlack, 1, 20'000},
      {Protocol::kSlack, 4, std::nullopt},
      // SNS's customer-managed (SMTP) policy: 2 at 10 s, 10 exponential 10..600 s, 38 at 600 s.
      {Protocol::kEmail, 1, 10'000},
      {Protocol::kEmail, 2, 10'000},
      {Protocol::kEmail, 3, 10'000},
      {Protocol::kEmail, 4, 15'761},
      {Protocol::kEmail, 5, 24'840},
      {Protocol::kEmail, 8, 97'244},
      {Protocol::kEmail, 11, 380'697},
      {Protocol::kEmail, 12, 600'000},
      {Protocol::kEmail, 13, 600'000},
      {Protocol::kEmail, 50, 600'000},
      {Protocol::kEmail, 51, std::nullopt},
      {Protocol::kEmailJson, 4, 15'761},
      {Protocol::kEmailJson, 51, std::nullopt},
      // Ours for files: 1, 2, 4 s.
      {Protocol::kFile, 1, 1'000},
      {Protocol::kFile, 2, 2'000},
      {Protocol::kFile, 3, 4'000},
      {Protocol::kFile, 4, std::nullopt},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(RetryDelayMs(c.protocol, c.attempts), c.want_ms)
        << ProtocolName(c.protocol) << " after " << c.attempts << " attempt(s)";
  }
}

TEST(RetryDelay, EmailPolicyRetriesForAboutSixHours) {
  std::int64_t total = 0;
  int retries = 0;
  for (int a = 1; RetryDelayMs(Protocol::kEmail, a); ++a, ++retries) {
    total += *RetryDelayMs(Protocol::kEmail, a);
  }
  EXPECT_EQ(retries, 50);
  EXPECT_GT(total, 6 * 3'600'000);
  EXPECT_LT(total, 7 * 3'600'000);
}

TEST(RetryDelay, CustomPolicyPhases) {
  // The delivery policy example in SNS's documentation: 3 immediate, 2 at 1 s, 10 exponential
  // 1..60 s, 35 at 60 s.
  RetryPolicy doc;
  doc.num_retries = 50;
  doc.num_no_delay_retries = 3;
  doc.num_min_delay_retries = 2;
  doc.num_max_delay_retries = 35;
  doc.min_delay_ms = 1'000;
  doc.max_delay_ms = 60'000;
  doc.backoff = BackoffFunction::kExponential;
  RetryPolicy linear;
  linear.num_retries = 10;
  linear.min_delay_ms = 10'000;
  linear.max_delay_ms = 100'000;
  linear.backoff = BackoffFunction::kLinear;
  RetryPolicy arithmetic = linear;
  arithmetic.backoff = BackoffFunction::kArithmetic;
  RetryPolicy geometric = linear;
  geometric.backoff = BackoffFunction::kGeometric;
  struct Case {
    const char* name;
    const RetryPolicy* policy;
    int attempts;
    std::optional<std::int64_t> want_ms;
  };
  const std::vector<Case> cases = {
      {"doc", &doc, 1, 0},
      {"doc", &doc, 3, 0},
      {"doc", &doc, 4, 1'000},
      {"doc", &doc, 5, 1'000},
      {"doc", &doc, 6, 1'000},
      {"doc", &doc, 7, 1'576},
      {"doc", &doc, 15, 60'000},
      {"doc", &doc, 16, 60'000},
      {"doc", &doc, 50, 60'000},
      {"doc", &doc, 51, std::nullopt},
      {"linear", &linear, 1, 10'000},
      {"linear", &linear, 2, 20'000},
      {"linear", &linear, 10, 100'000},
      {"linear", &linear, 11, std::nullopt},
      // Concave curves: ahead of the line early, meeting it at both ends.
      {"arithmetic", &arithmetic, 1, 10'000},
      {"arithmetic", &arithmetic, 2, 28'889},
      {"arithmetic", &arithmetic, 10, 100'000},
      {"geometric", &geometric, 2, 36'790},
      {"geometric", &geometric, 10, 100'000},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(RetryDelayMs(*c.policy, c.attempts), c.want_ms)
        << c.name << " after " << c.attempts << " attempt(s)";
  }
}

// ---- the outbox ----

TEST(Outbox, EnqueueValidatesStoresOnceAndListsWithLabels) {
  TempDir dir;
  auto db = OpenStore(dir.path() + "/t.db");
  ASSERT_NE(db, nullptr);
  auto file = NewFileDeliverer();
  FakeClock clock{TimePoint(std::chrono::milliseconds(kStartMs))};
  Outbox outbox(*db, {{Protocol::kFile, file.get()}}, FastOptions(&clock));
  const std::string path = dir.path() + "/alerts.ndjson";

  Delivery no_id = Line(path, "");
  Delivery slack = Line(path, "s");
  slack.protocol = Protocol::kSlack;
  struct Case {
    const char* name;
    std::vector<Delivery> deliveries;
  };
  const std::vector<Case> rejected = {
      {"no message id", {Line(path, "a"), no_id}},
      {"no endpoint", {Line("", "b")}},
      {"no deliverer for slack", {Line(path, "c"), slack}},
  };
  for (const Case& c : rejected) {
    auto r = outbox.Enqueue(c.deliveries, kLabel);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.name;
  }
  EXPECT_TRUE(ListAll(outbox).empty()) << "a rejected batch stores nothing";

  auto first = outbox.Enqueue({Line(path, "m1"), Line(path, "m2")}, kLabel);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, 2u);
  auto again = outbox.Enqueue({Line(path, "m2"), Line(path, "m3")}, kLabel);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 1u) << "m2 is already queued for this endpoint";
  EXPECT_EQ(outbox.Stats().queued, 3u);

  const std::vector<OutboxEntry> all = ListAll(outbox);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].delivery.message_id, "m3");  // newest first
  EXPECT_EQ(all[0].label.topic_arn, kLabel.topic_arn);
  EXPECT_EQ(all[0].label.source, "RootAccountUsage");
  EXPECT_EQ(all[0].state, OutboxState::kPending);
  EXPECT_EQ(all[0].delivery.protocol, Protocol::kFile);
  EXPECT_EQ(all[0].created_ms, kStartMs);
  EXPECT_TRUE(all[0].delivery.body.empty()) << "bodies only when asked for";
  OutboxQuery with_body;
  with_body.with_body = true;
  with_body.limit = 1;
  EXPECT_EQ(outbox.List(with_body)->at(0).delivery.body, Line(path, "m3").body);
  EXPECT_FALSE(std::filesystem::exists(path)) << "nothing is sent before Start()";
}

TEST(Outbox, SmtpDownThenUpDeliversEachMessageExactlyOnce) {
  REQUIRE_PYTHON();
  TempDir dir;
  TempDir spool;
  auto db = OpenStore(dir.path() + "/t.db");
  ASSERT_NE(db, nullptr);
  const int port = notify_test::FreePort();
  auto smtp = NewSmtpDeliverer(Smtp(port));
  FakeClock clock{TimePoint(std::chrono::milliseconds(kStartMs))};
  Outbox outbox(*db, {{Protocol::kEmail, smtp.get()}}, FastOptions(&clock));
  ASSERT_TRUE(outbox.Start().ok());
  ASSERT_TRUE(outbox.Enqueue({Mail("id-1"), Mail("id-2"), Mail("id-3")}, kLabel).ok());

  // Nobody listens: every message fails its first attempt and waits 10 s (by the fake clock).
  ASSERT_TRUE(WaitFor([&] { return outbox.Stats().failed_attempts >= 3; }));
  std::this_thread::sleep_for(50ms);
  for (const OutboxEntry& e : ListAll(outbox)) {
    EXPECT_EQ(e.state, OutboxState::kPending);
    EXPECT_EQ(e.attempts, 1);
    EXPECT_EQ(e.next_attempt_ms, kStartMs + 10'000);
    EXPECT_FALSE(e.last_error.empty());
  }
  EXPECT_EQ(outbox.Stats().failed_attempts, 3u) << "no retry before the delay has passed";
  EXPECT_EQ(outbox.Stats().queued, 3u);

  notify_test::Helper server;
  ASSERT_EQ(server.Start({notify_test::FindPython(), "-W", "ignore", Script("smtp_server.py"),
                          "--port", std::to_string(port), "--dir", spool.path()},
                         port),
            "");
  clock.Advance(10s);
  outbox.Kick();
  ASSERT_TRUE(WaitFor([&] { return outbox.Stats().sent == 3; }));
  // Time passes; nothing is sent again.
  clock.Advance(24h);
  outbox.Kick();
  std::this_thread::sleep_for(100ms);
  const auto mails = notify_test::WaitForFiles(spool.path(), ".eml", 3);
  ASSERT_EQ(mails.size(), 3u);
  for (const char* id : {"id-1", "id-2", "id-3"}) {
    EXPECT_EQ(CountIn(mails, "Message-ID: <" + std::string(id) + "@alerts.example.com>"), 1u) << id;
  }
  const OutboxStats stats = outbox.Stats();
  EXPECT_EQ(stats.sent, 3u);
  EXPECT_EQ(stats.failed_attempts, 3u);
  EXPECT_EQ(stats.dead, 0u);
  EXPECT_EQ(stats.queued, 0u);
  for (const OutboxEntry& e : ListAll(outbox)) {
    EXPECT_EQ(e.state, OutboxState::kDelivered);
    EXPECT_EQ(e.attempts, 2);
    EXPECT_EQ(e.finished_ms, kStartMs + 10'000);
    EXPECT_EQ(e.last_code, 250);
  }
}

TEST(Outbox, PermanentFailureIsDeadAfterOneAttempt) {
  REQUIRE_PYTHON();
  struct Case {
    const char* name;
    const char* script;
    std::vector<std::string> args;
    Protocol protocol;
    int code;
  };
  const std::vector<Case> cases = {
      {"SMTP 550 on RCPT", "smtp_server.py", {"--rcpt-code", "550"}, Protocol::kEmail, 550},
      {"HTTP 404", "http_server.py", {"--status", "404"}, Protocol::kHttp, 404},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    notify_test::Receiver receiver(Script(c.script), c.args);
    ASSERT_EQ(receiver.error(), "");
    TempDir dir;
    auto db = OpenStore(dir.path() + "/t.db");
    ASSERT_NE(db, nullptr);
    auto smtp = NewSmtpDeliverer(Smtp(receiver.port()));
    auto http = NewHttpDeliverer(HttpOptions{});
    FakeClock clock{TimePoint(std::chrono::milliseconds(kStartMs))};
    std::mutex log_mu;
    std::vector<std::string> log;
    OutboxOptions options = FastOptions(&clock);
    options.log = [&](std::string_view line) {
      std::lock_guard lock(log_mu);
      log.emplace_back(line);
    };
    Outbox outbox(*db, {{Protocol::kEmail, smtp.get()}, {Protocol::kHttp, http.get()}}, options);
    ASSERT_TRUE(outbox.Start().ok());
    const Delivery d =
        c.protocol == Protocol::kEmail ? Mail("dead-1") : Post(receiver.port(), "dead-1");
    ASSERT_TRUE(outbox.Enqueue({d}, kLabel).ok());
    ASSERT_TRUE(WaitFor([&] { return outbox.Stats().dead == 1; }));
    clock.Advance(1h);
    outbox.Kick();
    std::this_thread::sleep_for(50ms);
    const std::vector<OutboxEntry> dead = ListAll(outbox, OutboxState::kDead);
    ASSERT_EQ(dead.size(), 1u);
    EXPECT_EQ(dead[0].attempts, 1);
    EXPECT_EQ(dead[0].last_code, c.code);
    EXPECT_EQ(dead[0].finished_ms, kStartMs);
    EXPECT_EQ(outbox.Stats().failed_attempts, 1u);
    EXPECT_EQ(outbox.Stats().queued, 0u);
    std::lock_guard lock(log_mu);
    ASSERT_EQ(log.size(), 1u);
    EXPECT_NE(log[0].find("dead after 1 attempt(s) (not retryable)"), std::string::npos) << log[0];
  }
}

TEST(Outbox, RetriesTheSameBytesUntilTheLastAttemptThenDead) {
  REQUIRE_PYTHON();
  notify_test::Receiver receiver(Script("http_server.py"), {"--status", "503"});
  ASSERT_EQ(receiver.error(), "");
  TempDir dir;
  auto db = OpenStore(dir.path() + "/t.db");
  ASSERT_NE(db, nullptr);
  auto http = NewHttpDeliverer(HttpOptions{});
  FakeClock clock{TimePoint(std::chrono::milliseconds(kStartMs))};
  Outbox outbox(*db, {{Protocol::kHttp, http.get()}}, FastOptions(&clock));
  ASSERT_TRUE(outbox.Start().ok());
  ASSERT_TRUE(outbox.Enqueue({Post(receiver.port(), "retry-1")}, kLabel).ok());

  // SNS's default HTTP/S policy: the first attempt and 3 retries 20 s apart.
  for (std::uint64_t attempt = 1; attempt <= 4; ++attempt) {
    ASSERT_TRUE(WaitFor([&] { return outbox.Stats().failed_attempts == attempt; }))
        << "attempt " << attempt;
    std::this_thread::sleep_for(30ms);
    EXPECT_EQ(outbox.Stats().failed_attempts, attempt) << "no attempt before its time";
    clock.Advance(20s);
    outbox.Kick();
  }
  ASSERT_TRUE(WaitFor([&] { return outbox.Stats().dead == 1; }));
  const auto requests = notify_test::WaitForFiles(receiver.dir(), ".json", 4);
  ASSERT_EQ(requests.size(), 4u);
  const std::string first = ReadFile(requests[0]);
  for (const std::string& r : requests) EXPECT_EQ(ReadFile(r), first) << "byte-identical";
  EXPECT_NE(first.find("retry-1"), std::string::npos);
  const std::vector<OutboxEntry> dead = ListAll(outbox, OutboxState::kDead);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].attempts, 4);
  EXPECT_EQ(dead[0].last_code, 503);
  EXPECT_EQ(dead[0].finished_ms, kStartMs + 60'000);
}

TEST(Outbox, RestartSendsPendingOnceAndNeverResendsDelivered) {
  TempDir dir;
  const std::string db_path = dir.path() + "/t.db";
  const std::string out = dir.path() + "/alerts.ndjson";
  auto file = NewFileDeliverer();
  FakeClock clock{TimePoint(std::chrono::milliseconds(kStartMs))};
  {
    auto db = OpenStore(db_path);
    ASSERT_NE(db, nullptr);
    Outbox outbox(*db, {{Protocol::kFile, file.get()}}, FastOptions(&clock));
    ASSERT_TRUE(outbox.Start().ok());
    ASSERT_TRUE(outbox.Enqueue({Line(out, "sent-before")}, kLabel).ok());
    ASSERT_TRUE(WaitFor([&] { return outbox.Stats().sent == 1; }));
    outbox.Stop();
    // Queued while stopped, then the process goes away: the row must survive.
    ASSERT_TRUE(outbox.Enqueue({Line(out, "pending-1"), Line(out, "pending-2")}, kLabel).ok());
  }
  EXPECT_EQ(CountLines(out, "sent-before"), 1u);
  EXPECT_EQ(CountLines(out, "pending-"), 0u);

  for (int run = 0; run < 2; ++run) {
    SCOPED_TRACE(run == 0 ? "first restart" : "second restart");
    auto db = OpenStore(db_path);
    ASSERT_NE(db, nullptr);
    Outbox outbox(*db, {{Protocol::kFile, file.get()}}, FastOptions(&clock));
    // A producer that re-enqueues after a restart does not cause a second copy.
    auto again = outbox.Enqueue({Line(out, "sent-before"), Line(out, "pending-1")}, kLabel);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, 0u);
    ASSERT_TRUE(outbox.Start().ok());
    ASSERT_TRUE(WaitFor([&] { return outbox.Stats().queued == 0; }));
    clock.Advance(1h);
    outbox.Kick();
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(outbox.Stats().sent, run == 0 ? 2u : 0u);
    EXPECT_EQ(ListAll(outbox, OutboxState::kDelivered).size(), 3u);
  }
  EXPECT_EQ(CountLines(out, "sent-before"), 1u);
  EXPECT_EQ(CountLines(out, "pending-1"), 1u);
  EXPECT_EQ(CountLines(out, "pending-2"), 1u);
}

// Many dispatchers racing over few endpoints: every message is written exactly once. (A
// dispatcher acting on a view of the queue older than another's recorded attempt would send
// twice; TSan's slower threads once hit that in RetriesTheSameBytes... before Claim re-read
// the row. This test makes the race likely, not certain.)
TEST(Outbox, ManyWorkersSendEachMessageOnce) {
  TempDir dir;
  auto db = OpenStore(dir.path() + "/t.db");
  ASSERT_NE(db, nullptr);
  auto file = NewFileDeliverer();
  FakeClock clock{TimePoint(std::chrono::milliseconds(kStartMs))};
  OutboxOptions options = FastOptions(&clock);
  options.workers = 8;
  options.poll_interval = 1ms;
  Outbox outbox(*db, {{Protocol::kFile, file.get()}}, options);
  ASSERT_TRUE(outbox.Start().ok());
  constexpr int kFiles = 3;
  constexpr int kMessages = 150;
  for (int i = 0; i < kMessages; ++i) {
    const std::string path = dir.path() + "/out" + std::to_string(i % kFiles) + ".ndjson";
    ASSERT_TRUE(outbox.Enqueue({Line(path, "msg-" + std::to_string(i) + "-")}, kLabel).ok());
  }
  ASSERT_TRUE(WaitFor([&] { return outbox.Stats().sent == kMessages; }, 60s));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(outbox.Stats().sent, static_cast<std::uint64_t>(kMessages));
  for (int i = 0; i < kMessages; ++i) {
    const std::string path = dir.path() + "/out" + std::to_string(i % kFiles) + ".ndjson";
    EXPECT_EQ(CountLines(path, "msg-" + std::to_string(i) + "-"), 1u) << i;
  }
}

// The child of KillNine: runs an outbox until its file deliveries are acknowledged and its mails
// have failed once, reports on `ready_fd`, then waits to be killed. Never returns.
[[noreturn]] void RunUntilKilled(const std::string& db_path, const std::string& out, int port,
                                 int ready_fd) {
  auto db = OpenStore(db_path);
  if (db == nullptr) ::_exit(2);
  auto file = NewFileDeliverer();
  auto smtp = NewSmtpDeliverer(Smtp(port));
  OutboxOptions options;
  options.poll_interval = 10ms;
  Outbox outbox(*db, {{Protocol::kFile, file.get()}, {Protocol::kEmail, smtp.get()}}, options);
  if (!outbox.Start().ok()) ::_exit(3);
  std::vector<Delivery> batch;
  for (int i = 0; i < 3; ++i) batch.push_back(Line(out, "line-" + std::to_string(i)));
  for (int i = 0; i < 5; ++i) batch.push_back(Mail("mail-" + std::to_string(i)));
  if (!outbox.Enqueue(batch, kLabel).ok()) ::_exit(4);
  while (outbox.Stats().sent < 3 || outbox.Stats().failed_attempts < 5) {
    std::this_thread::sleep_for(5ms);
  }
  const char ready = 'r';
  if (::write(ready_fd, &ready, 1) != 1) ::_exit(5);
  for (;;) ::pause();
}

TEST(Outbox, KillNineWithPendingDeliveriesDeliversAllOnceAfterRestart) {
  REQUIRE_PYTHON();
  TempDir dir;
  TempDir spool;
  const std::string db_path = dir.path() + "/t.db";
  const std::string out = dir.path() + "/alerts.ndjson";
  const int port = notify_test::FreePort();
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    RunUntilKilled(db_path, out, port, fds[1]);
  }
  ::close(fds[1]);
  pollfd p{fds[0], POLLIN, 0};
  const bool ready = ::poll(&p, 1, 30'000) == 1;
  char byte = 0;
  const bool got = ready && ::read(fds[0], &byte, 1) == 1;
  ::close(fds[0]);
  ::kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(got) << "the child did not get its deliveries going";
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_EQ(CountLines(out, "line-"), 3u);

  notify_test::Helper server;
  ASSERT_EQ(server.Start({notify_test::FindPython(), "-W", "ignore", Script("smtp_server.py"),
                          "--port", std::to_string(port), "--dir", spool.path()},
                         port),
            "");
  auto db = OpenStore(db_path);
  ASSERT_NE(db, nullptr);
  auto file = NewFileDeliverer();
  auto smtp = NewSmtpDeliverer(Smtp(port));
  // The mails wait 10 s after their failed attempt; a clock an hour ahead makes them due.
  FakeClock clock(SystemClock::Instance().Now() + 1h);
  Outbox outbox(*db, {{Protocol::kFile, file.get()}, {Protocol::kEmail, smtp.get()}},
                FastOptions(&clock));
  EXPECT_EQ(outbox.Stats().queued, 5u);
  ASSERT_TRUE(outbox.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return outbox.Stats().queued == 0; }));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(outbox.Stats().sent, 5u);
  const auto mails = notify_test::WaitForFiles(spool.path(), ".eml", 5);
  ASSERT_EQ(mails.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(CountIn(mails, "<mail-" + std::to_string(i) + "@"), 1u) << i;
  }
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(CountLines(out, "line-" + std::to_string(i)), 1u) << "never resent: " << i;
  }
}

}  // namespace
}  // namespace trailwatch::notify
