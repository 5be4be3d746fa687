// TLS paths of the deliverers against real loopback servers: SMTP with STARTTLS and smtps
// (tls_smtp_server.py), HTTPS (http_server.py --cert). The certificate comes from the openssl
// command-line tool.
#include <gtest/gtest.h>

#include "notify/notify.h"
#include "notify/servers.h"
#include "testing/files.h"

namespace trailwatch::notify {
namespace {

using notify_test::Receiver;
using test_support::ReadFile;
using test_support::TempDir;

std::string Script(const char* name) {
  return std::string(TRAILWATCH_SOURCE_DIR) + "/tests/notify/" + name;
}

// A self-signed certificate for 127.0.0.1, made once for all tests here.
class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const std::string openssl = notify_test::FindProgram("openssl");
    if (openssl.empty() || notify_test::FindPython().empty()) return;
    std::string out;
    const int rc =
        notify_test::Run({openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                          "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                          "-keyout", dir_->path() + "/key.pem", "-out", dir_->path() + "/cert.pem"},
                         &out);
    if (rc == 0) ready_ = true;
  }
  static void TearDownTestSuite() { delete dir_; }

  void SetUp() override {
    if (!ready_) GTEST_SKIP() << "needs python3 and the openssl command to make a certificate";
  }

  static std::string Cert() { return dir_->path() + "/cert.pem"; }
  static std::vector<std::string> CertArgs() {
    return {"--cert", Cert(), "--key", dir_->path() + "/key.pem"};
  }

  static TempDir* dir_;
  static bool ready_;
};

TempDir* TlsTest::dir_ = nullptr;
bool TlsTest::ready_ = false;

Delivery Mail() {
  Delivery d;
  d.protocol = Protocol::kEmail;
  d.endpoint = "secops@example.com";
  d.message_id = "m-1";
  d.subject = "ALARM: \"x\" in EU (Ireland)";
  d.body = "secret text\n";
  return d;
}

TEST_F(TlsTest, SmtpUsesTls) {
  std::vector<std::string> implicit = CertArgs();
  implicit.push_back("--implicit");
  Receiver starttls(Script("tls_smtp_server.py"), CertArgs());
  Receiver smtps(Script("tls_smtp_server.py"), implicit);
  ASSERT_EQ(starttls.error(), "");
  ASSERT_EQ(smtps.error(), "");
  const struct {
    const char* name;
    const Receiver* server;
    std::string scheme;
    bool require_tls;
  } cases[] = {
      {"STARTTLS when offered", &starttls, "smtp", false},
      {"STARTTLS required", &starttls, "smtp", true},
      {"smtps", &smtps, "smtps", false},
  };
  std::size_t sent_starttls = 0;
  for (const auto& c : cases) {
    SmtpOptions o;
    o.url = c.scheme + "://127.0.0.1:" + std::to_string(c.server->port());
    o.from = "tw@example.com";
    o.require_tls = c.require_tls;
    o.ca_file = Cert();
    o.timeout_ms = 10'000;
    const DeliveryResult r = NewSmtpDeliverer(o)->Deliver(Mail());
    ASSERT_TRUE(r.ok) << c.name << ": " << r.error;
    const std::size_t want = c.server == &starttls ? ++sent_starttls : 1;
    const auto mails = notify_test::WaitForFiles(c.server->dir(), ".env", want);
    ASSERT_EQ(mails.size(), want) << c.name;
    EXPECT_EQ(ReadFile(mails.back()), "tw@example.com\nsecops@example.com\ntls\n") << c.name;
  }
  // Without our CA the self-signed server is refused, and retrying will not help.
  SmtpOptions untrusted;
  untrusted.url = "smtps://127.0.0.1:" + std::to_string(smtps.port());
  untrusted.from = "tw@example.com";
  const DeliveryResult r = NewSmtpDeliverer(untrusted)->Deliver(Mail());
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.retryable) << r.error;
}

TEST_F(TlsTest, HttpsVerifiesThePeer) {
  Receiver https(Script("http_server.py"), CertArgs());
  ASSERT_EQ(https.error(), "");
  Delivery d;
  d.protocol = Protocol::kHttps;
  d.endpoint = "https://127.0.0.1:" + std::to_string(https.port()) + "/sns";
  d.body = "{}";
  HttpOptions trusted;
  trusted.ca_file = Cert();
  DeliveryResult r = NewHttpDeliverer(trusted)->Deliver(d);
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.code, 200);
  r = NewHttpDeliverer({})->Deliver(d);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.retryable) << r.error;
}

TEST(HttpTimeout, IsRetryable) {
  Receiver slow(Script("http_server.py"), {"--delay", "3"});
  if (!slow.error().empty()) GTEST_SKIP() << "cannot start the python3 receiver: " << slow.error();
  Delivery d;
  d.protocol = Protocol::kHttp;
  d.endpoint = "http://127.0.0.1:" + std::to_string(slow.port()) + "/";
  d.body = "{}";
  HttpOptions quick;
  quick.timeout_ms = 500;
  const DeliveryResult r = NewHttpDeliverer(quick)->Deliver(d);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.retryable) << r.error;
  EXPECT_NE(r.error.find("timed out"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace trailwatch::notify
