// aws::Client against a real HTTP server (cpp-httplib on loopback) that authenticates every
// request with aws::Verifier, as the vault does: signed calls verify, AWS JSON errors parse,
// headers and status come back, the connection is reused, and transport failures are errors
// that carry no credentials.
#include "aws/client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "aws/verifying_server.h"

namespace trailwatch::aws {
namespace {

constexpr char kKeyId[] = "AKIDEXAMPLECLIENT001";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

class ClientTest : public ::testing::Test {
 protected:
  ClientOptions Options(std::string secret = kSecret) const {
    ClientOptions o;
    o.endpoint = server_.url();
    o.region = "us-east-1";
    o.service = "secretsmanager";
    o.credentials = {kKeyId, std::move(secret), ""};
    return o;
  }

  SystemClock clock_;
  std::string target_, content_type_;
  testing::VerifyingServer server_{
      "us-east-1", "secretsmanager", kKeyId, kSecret,
      [this](const HttpRequest& r, httplib::Response& res) {
        target_ = std::string(HeaderValues(r.headers, "X-Amz-Target").at(0));
        content_type_ = std::string(HeaderValues(r.headers, "Content-Type").at(0));
        if (r.body == R"({"SecretId":"missing"})") {
          res.status = 400;
          res.set_content(R"({"__type":"com.amazonaws.secretsmanager#ResourceNotFoundException",)"
                          R"("Message":"Secrets Manager can't find the specified secret."})",
                          "application/x-amz-json-1.1");
          return;
        }
        res.set_header("x-amzn-RequestId", "req-1");
        res.set_content(R"({"echo":)" + r.body + "}", "application/x-amz-json-1.1");
      }};
};

TEST_F(ClientTest, SignedJsonCallsVerifyAndReuseTheConnection) {
  Client client(Options(), clock_);
  for (int i = 0; i < 3; ++i) {
    auto r = client.CallJson("secretsmanager.DescribeSecret", R"({"SecretId":"a"})");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(r->body, R"({"echo":{"SecretId":"a"}})");
    EXPECT_EQ(r->Header("X-AMZN-REQUESTID"), "req-1");
    EXPECT_FALSE(ParseJsonError(*r).has_value());
  }
  EXPECT_EQ(target_, "secretsmanager.DescribeSecret");
  EXPECT_EQ(content_type_, "application/x-amz-json-1.1");
  EXPECT_EQ(server_.requests(), 3);
  EXPECT_EQ(server_.connections(), 1u) << "one keep-alive connection for every call";
}

TEST_F(ClientTest, ErrorsParseAsAwsReportsThem) {
  struct Case {
    std::string secret;
    std::string body;
    int status;
    std::string type;
    std::string message;
  };
  const Case cases[] = {
      {kSecret, R"({"SecretId":"missing"})", 400, "ResourceNotFoundException",
       "Secrets Manager can't find the specified secret."},
      {"wrong-secret-key", R"({"SecretId":"a"})", 400, "InvalidSignatureException", "refused"},
  };
  for (const Case& c : cases) {
    Client client(Options(c.secret), clock_);
    auto r = client.CallJson("secretsmanager.GetSecretValue", c.body);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, c.status) << c.body;
    const auto e = ParseJsonError(*r);
    ASSERT_TRUE(e.has_value()) << c.body;
    EXPECT_EQ(e->type, c.type);
    EXPECT_EQ(e->message, c.message);
  }
}

TEST(ClientParseJsonError, TypeFromBodyOrHeader) {
  struct Case {
    int status;
    std::vector<HttpHeader> headers;
    std::string body;
    std::string type;
  };
  const Case cases[] = {
      {400, {}, R"({"__type":"ThrottlingException"})", "ThrottlingException"},
      {400,
       {{"x-amzn-ErrorType", "AccessDeniedException:http://internal.amazon.com/"}},
       "",
       "AccessDeniedException"},
      {503, {}, "<html>Service Unavailable</html>", "HTTP503"},
      {400,
       {},
       R"({"code":"InvalidParameterException","message":"x"})",
       "InvalidParameterException"},
  };
  for (const Case& c : cases) {
    Response r;
    r.status = c.status;
    r.headers = c.headers;
    r.body = c.body;
    const auto e = ParseJsonError(r);
    ASSERT_TRUE(e.has_value()) << c.body;
    EXPECT_EQ(e->type, c.type) << c.body;
  }
  Response ok;
  ok.status = 200;
  EXPECT_FALSE(ParseJsonError(ok).has_value());
}

TEST(ClientTransport, ConnectionRefusedIsAnErrorWithoutCredentials) {
  // A port nothing listens on: bind one, then close it.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);
  ::close(fd);
  SystemClock clock;
  ClientOptions o;
  o.endpoint = "http://127.0.0.1:" + std::to_string(port);
  o.region = "us-east-1";
  o.service = "secretsmanager";
  o.credentials = {kKeyId, kSecret, ""};
  o.connect_timeout_ms = 2000;
  Client client(o, clock);
  auto r = client.CallJson("secretsmanager.ListSecrets", "{}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  EXPECT_EQ(r.status().message().find(kSecret), std::string::npos);
  EXPECT_EQ(r.status().message().find(kKeyId), std::string::npos);
}

}  // namespace
}  // namespace trailwatch::aws
