// The HTTP(S) server over real sockets on loopback, with httplib's client.
#include "server/server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <mutex>

#include "testing/files.h"

namespace trailwatch::server {
namespace {

std::string Header(const aws::HttpRequest& r, std::string_view name) {
  for (const auto& h : r.headers) {
    if (h.name.size() == name.size() &&
        std::equal(h.name.begin(), h.name.end(), name.begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return h.value;
    }
  }
  return "";
}

TEST(Server, RoutesAwsJsonAndRestRequests) {
  ServerOptions o;
  o.port = 0;
  Server s(o);
  std::mutex mu;
  aws::HttpRequest seen;
  Peer seen_peer;
  s.SetAwsJsonHandler([&](const aws::HttpRequest& r, const Peer& p) {
    std::lock_guard lock(mu);
    seen = r;
    seen_peer = p;
    Reply reply;
    reply.headers.push_back({"x-amzn-RequestId", "req-1"});
    reply.body = R"({"ok":true})";
    return reply;
  });
  s.Route("GET", "/api/health", [](const aws::HttpRequest&, const Peer&) {
    Reply r;
    r.content_type = "application/json";
    r.body = R"({"status":"ok"})";
    return r;
  });
  ASSERT_TRUE(s.Start().ok());
  ASSERT_NE(s.port(), 0);
  EXPECT_EQ(s.scheme(), "http");

  httplib::Client c("127.0.0.1", s.port());
  httplib::Headers h = {{"X-Amz-Target", "secretsmanager.ListSecrets"},
                        {"X-Amz-Date", "20261121T101010Z"}};
  auto res = c.Post("/?a=%2F&b", h, R"({"MaxResults":1})", "application/x-amz-json-1.1");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, R"({"ok":true})");
  EXPECT_EQ(res->get_header_value("x-amzn-RequestId"), "req-1");
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/x-amz-json-1.1");
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(seen.method, "POST");
    EXPECT_EQ(seen.path, "/");
    EXPECT_EQ(seen.query, "a=%2F&b");  // raw, for SigV4
    EXPECT_EQ(seen.body, R"({"MaxResults":1})");
    EXPECT_EQ(Header(seen, "x-amz-target"), "secretsmanager.ListSecrets");
    EXPECT_EQ(Header(seen, "REMOTE_ADDR"), "");  // httplib's own, not sent by the client
    EXPECT_EQ(seen_peer.ip, "127.0.0.1");
    EXPECT_FALSE(seen_peer.tls);
  }

  auto health = c.Get("/api/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, R"({"status":"ok"})");
  auto missing = c.Get("/nope");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  // A POST / without X-Amz-Target is not an AWS call.
  auto untargeted = c.Post("/", "{}", "application/x-amz-json-1.1");
  ASSERT_TRUE(untargeted);
  EXPECT_EQ(untargeted->status, 400);
  EXPECT_NE(untargeted->body.find("UnknownOperationException"), std::string::npos);
  // Oversized bodies are refused before any handler runs.
  auto big = c.Post("/", h, std::string(2 << 20, 'x'), "application/x-amz-json-1.1");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  s.Stop();
  s.Stop();  // idempotent
}

TEST(Server, PrefixRoutesAndFirstMatchWins) {
  ServerOptions o;
  o.port = 0;
  Server s(o);
  auto echo = [](std::string tag) {
    return [tag](const aws::HttpRequest& r, const Peer&) {
      Reply reply;
      reply.content_type = "text/plain";
      reply.body = tag + " " + r.path;
      return reply;
    };
  };
  s.Route("GET", "/api/alarms", echo("list"));
  s.Route("GET", "/api/alarms/*", echo("one"));
  s.Route("GET", "/api/*", echo("api"));
  ASSERT_TRUE(s.Start().ok());
  httplib::Client c("127.0.0.1", s.port());
  const struct {
    const char* path;
    int status;
    const char* body;
  } cases[] = {
      {"/api/alarms", 200, "list /api/alarms"},
      {"/api/alarms/", 200, "one /api/alarms/"},
      {"/api/alarms/Root/history", 200, "one /api/alarms/Root/history"},
      {"/api/outbox", 200, "api /api/outbox"},
      {"/api", 404, ""},
      {"/apix/alarms", 404, ""},
  };
  for (const auto& k : cases) {
    auto res = c.Get(k.path);
    ASSERT_TRUE(res) << k.path;
    EXPECT_EQ(res->status, k.status) << k.path;
    if (k.status == 200) {
      EXPECT_EQ(res->body, k.body);
    }
  }
  s.Stop();
}

// Bind() first: the port is known before the routes are set (the daemon renders URLs with
// it), and Start() then serves on that port; a taken port fails at Bind().
TEST(Server, BindBeforeRoutes) {
  ServerOptions o;
  o.port = 0;
  Server s(o);
  ASSERT_TRUE(s.Bind().ok());
  const std::uint16_t port = s.port();
  ASSERT_NE(port, 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  s.Route("GET", "/where", [url](const aws::HttpRequest&, const Peer&) {
    Reply reply;
    reply.content_type = "text/plain";
    reply.body = url;
    return reply;
  });
  ASSERT_TRUE(s.Start().ok());
  EXPECT_EQ(s.port(), port);
  httplib::Client c("127.0.0.1", port);
  auto res = c.Get("/where");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, url);

  ServerOptions again;
  again.port = port;
  Server second(again);
  EXPECT_FALSE(second.Bind().ok());
  s.Stop();
}

// A daemon that fails between Bind and Start (a bad rule file) stops its server: the socket
// is closed, not left bound until the process exits.
TEST(Server, StopAfterBindWithoutStartClosesTheSocket) {
  auto open_fds = [] {
    return std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                         std::filesystem::directory_iterator());
  };
  const auto before = open_fds();
  ServerOptions o;
  o.port = 0;
  Server s(o);
  ASSERT_TRUE(s.Bind().ok());
  EXPECT_EQ(open_fds(), before + 1);
  s.Stop();
  EXPECT_EQ(open_fds(), before);
  s.Stop();  // idempotent
}

TEST(Server, TakenPortIsAnError) {
  ServerOptions o;
  o.port = 0;
  Server first(o);
  ASSERT_TRUE(first.Start().ok());
  ServerOptions again;
  again.port = first.port();
  Server second(again);
  const Status st = second.Start();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("cannot listen"), std::string::npos);
}

TEST(Server, HttpsReportsTlsDetails) {
  test_support::TempDir dir;
  const std::string cert = dir.path() + "/cert.pem";
  const std::string key = dir.path() + "/key.pem";
  const std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -days 1 "
      "-keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "the openssl command is not available";
  ServerOptions o;
  o.port = 0;
  o.tls_cert_file = cert;
  o.tls_key_file = key;
  Server s(o);
  std::mutex mu;
  Peer seen;
  s.SetAwsJsonHandler([&](const aws::HttpRequest&, const Peer& p) {
    std::lock_guard lock(mu);
    seen = p;
    return Reply{};
  });
  ASSERT_TRUE(s.Start().ok());
  EXPECT_EQ(s.scheme(), "https");
  httplib::SSLClient c("127.0.0.1", s.port());
  c.enable_server_certificate_verification(false);
  auto res = c.Post("/", httplib::Headers{{"X-Amz-Target", "secretsmanager.ListSecrets"}}, "{}",
                    "application/x-amz-json-1.1");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  std::lock_guard lock(mu);
  EXPECT_TRUE(seen.tls);
  EXPECT_EQ(seen.tls_version.rfind("TLSv1.", 0), 0u) << seen.tls_version;
  EXPECT_FALSE(seen.cipher_suite.empty());
  EXPECT_EQ(seen.host_header.rfind("127.0.0.1", 0), 0u) << seen.host_header;

  ServerOptions bad = o;
  bad.tls_key_file = dir.path() + "/missing.pem";
  Server broken(bad);
  EXPECT_FALSE(broken.Start().ok());
}

}  // namespace
}  // namespace trailwatch::server
