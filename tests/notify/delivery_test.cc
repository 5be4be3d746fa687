#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/time.h"
#include "notify/notify.h"
#include "notify/servers.h"
#include "testing/files.h"

namespace trailwatch::notify {
namespace {

using test_support::ReadFile;
using test_support::TempDir;

std::string Script(const char* name) {
  return std::string(TRAILWATCH_SOURCE_DIR) + "/tests/notify/" + name;
}

using notify_test::Receiver;

#define REQUIRE_RECEIVER(r) \
  if (!(r).error().empty()) GTEST_SKIP() << "cannot start the python3 receiver: " << (r).error()

EventSummary Event() {
  EventSummary e;
  e.event_time = "2026-11-21T09:59:01Z";
  e.principal = "arn:aws:iam::123456789012:user/mallory";
  e.access_key_id = "AKIAEXAMPLE";
  e.event_source = "secretsmanager.amazonaws.com";
  e.event_name = "GetSecretValue";
  e.resource = "prod/db";
  e.error_code = "AccessDenied";
  e.source_ip = "203.0.113.7";
  e.user_agent = "aws-cli/2 <script>";
  e.aws_region = "us-east-1";
  e.recipient_account_id = "123456789012";
  e.event_id = "e-1";
  return e;
}

Delivery Mail(std::string subject, std::string body) {
  Delivery d;
  d.protocol = Protocol::kEmail;
  d.endpoint = "secops@example.com";
  d.message_id = "4d4dc071-ddbf-465d-bba8-08f81c89da64";
  d.time_ms = *ParseIso8601Millis("2021-09-15T18:32:31Z");
  d.subject = std::move(subject);
  d.body = std::move(body);
  return d;
}

SmtpOptions Smtp(int port) {
  SmtpOptions o;
  o.url = "smtp://127.0.0.1:" + std::to_string(port);
  o.from = "trailwatch@alerts.example.com";
  o.from_display_name = "trailwatch";
  o.timeout_ms = 10'000;
  return o;
}

// Decodes the received mail with python's email package, which applies RFC 2047 and the
// transfer encoding, and prints headers and text as JSON.
nlohmann::json ParseMail(const std::string& path) {
  std::string out;
  const int rc = notify_test::Run(
      {notify_test::FindPython(), "-c",
       "import email, email.policy, json, sys\n"
       "m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)\n"
       "print(json.dumps({'headers': {k: str(v) for k, v in m.items()},\n"
       "                  'body': m.get_content(), 'cte': m['Content-Transfer-Encoding']}))\n",
       path},
      &out);
  EXPECT_EQ(rc, 0) << out;
  return nlohmann::json::parse(out, nullptr, false);
}

TEST(SmtpDeliverer, SendsAMimeMessageThroughARealServer) {
  Receiver smtp(Script("smtp_server.py"), {});
  REQUIRE_RECEIVER(smtp);
  auto deliverer = NewSmtpDeliverer(Smtp(smtp.port()));
  const struct {
    const char* name;
    std::string subject;
    std::string body;
    const char* cte;
  } cases[] = {
      {"ascii", R"(ALARM: "CIS.3.10" in US East (N. Virginia))",
       "You are receiving this email.\n\n.dot line\nlast\n", "7bit"},
      {"utf-8",
       "ALARM: \"\xe2\x82\xac-Kosten \xc3\xbc"
       "ber Limit\" in EU (Frankfurt)",
       "Who: J\xc3\xbcrgen\n" + std::string(1200, 'x') + "\n", "quoted-printable"},
      {"email-json", "OK: \"x\" in EU (Ireland)",
       "{\n  \"Type\" : \"Notification\",\n  \"Message\" : \"{\\\"a\\\":1}\"\n}\n", "7bit"},
  };
  std::size_t n = 0;
  std::string connections_after_first;
  for (const auto& c : cases) {
    const DeliveryResult r = deliverer->Deliver(Mail(c.subject, c.body));
    ASSERT_TRUE(r.ok) << c.name << ": " << r.error;
    EXPECT_EQ(r.code, 250) << c.name;
    const std::vector<std::string> mails = notify_test::WaitForFiles(smtp.dir(), ".eml", ++n);
    ASSERT_EQ(mails.size(), n) << c.name;
    if (n == 1) connections_after_first = ReadFile(smtp.dir() + "/connections.log");
    EXPECT_EQ(ReadFile(mails.back().substr(0, mails.back().size() - 4) + ".env"),
              "trailwatch@alerts.example.com\nsecops@example.com\n");
    const nlohmann::json mail = ParseMail(mails.back());
    ASSERT_TRUE(mail.is_object()) << c.name;
    const auto& h = mail["headers"];
    EXPECT_EQ(h["Subject"], c.subject) << c.name;
    EXPECT_EQ(h["From"], "trailwatch <trailwatch@alerts.example.com>");
    EXPECT_EQ(h["To"], "secops@example.com");
    EXPECT_EQ(h["Date"], "Wed, 15 Sep 2021 18:32:31 +0000");
    EXPECT_EQ(h["Message-ID"], "<4d4dc071-ddbf-465d-bba8-08f81c89da64@alerts.example.com>");
    EXPECT_EQ(h["Content-Type"], "text/plain; charset=\"UTF-8\"");
    EXPECT_EQ(mail["cte"], c.cte);
    // smtpd keeps the CRLF before the ".CRLF" terminator to itself.
    EXPECT_EQ(mail["body"].get<std::string>() + "\n", c.body) << c.name;
  }
  const std::string raw = ReadFile(notify_test::WaitForFiles(smtp.dir(), ".eml", 3)[1]);
  EXPECT_NE(raw.find("Subject: =?UTF-8?B?"), std::string::npos);
  // The second and third mails reused the first one's SMTP connection (the deliverer keeps it
  // open): no connection was opened after the first mail.
  EXPECT_EQ(ReadFile(smtp.dir() + "/connections.log"), connections_after_first);
}

TEST(SmtpDeliverer, AuthenticatesAndKeepsThePasswordOutOfErrors) {
  Receiver smtp(Script("smtp_server.py"), {"--auth", "tw:s3cret-pass"});
  REQUIRE_RECEIVER(smtp);
  SmtpOptions o = Smtp(smtp.port());
  o.username = "tw";
  o.password = "s3cret-pass";
  DeliveryResult r = NewSmtpDeliverer(o)->Deliver(Mail("OK: \"x\" in EU (Ireland)", "hi\n"));
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(notify_test::WaitForFiles(smtp.dir(), ".eml", 1).size(), 1u);

  o.password = "wrong-pass-XYZ";
  r = NewSmtpDeliverer(o)->Deliver(Mail("OK", "hi\n"));
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.retryable);  // a refused login needs the operator, not a retry
  EXPECT_EQ(r.error.find("wrong-pass-XYZ"), std::string::npos) << r.error;

  o.username.clear();  // the server demands AUTH: 530 is permanent
  r = NewSmtpDeliverer(o)->Deliver(Mail("OK", "hi\n"));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.code, 530);
  EXPECT_FALSE(r.retryable);
}

TEST(SmtpDeliverer, FailureClasses) {
  Receiver transient(Script("smtp_server.py"), {"--rcpt-code", "451"});
  REQUIRE_RECEIVER(transient);
  Receiver permanent(Script("smtp_server.py"), {"--rcpt-code", "550"});
  REQUIRE_RECEIVER(permanent);
  SmtpOptions tls = Smtp(transient.port());
  tls.require_tls = true;  // smtpd offers no STARTTLS
  SmtpOptions closed = Smtp(notify_test::FreePort());
  SmtpOptions bad_from = Smtp(transient.port());
  bad_from.from = "a@b>\r\nBcc: x@y";
  const struct {
    const char* name;
    SmtpOptions options;
    bool retryable;
    int code;
  } cases[] = {
      {"451 on RCPT", Smtp(transient.port()), true, 451},
      {"550 on RCPT", Smtp(permanent.port()), false, 550},
      {"STARTTLS required but not offered", tls, false, -1},
      {"nothing listening", closed, true, 0},
      {"header injection", bad_from, false, 0},
  };
  for (const auto& c : cases) {
    const DeliveryResult r = NewSmtpDeliverer(c.options)->Deliver(Mail("ALARM", "x\n"));
    EXPECT_FALSE(r.ok) << c.name;
    EXPECT_EQ(r.retryable, c.retryable) << c.name << ": " << r.error;
    if (c.code >= 0) {
      EXPECT_EQ(r.code, c.code) << c.name << ": " << r.error;
    }
    EXPECT_FALSE(r.error.empty()) << c.name;
  }
}

TEST(MimeMessage, LongUtf8SubjectIsFoldedIntoEncodedWords) {
  std::string subject = "ALARM: \"";
  for (int i = 0; i < 40; ++i) subject += "\xe2\x82\xac";
  subject += "\" in EU (Frankfurt)";
  const std::string m = *MimeMessage(Smtp(25), Mail(subject, "x"));
  const std::string header =
      m.substr(m.find("Subject: "), m.find("\r\nMessage-ID") - m.find("Subject: "));
  std::size_t words = 0;
  for (std::size_t at = header.find("=?UTF-8?B?"); at != std::string::npos;
       at = header.find("=?UTF-8?B?", at + 1)) {
    const std::size_t end = header.find("?=", at + 10);
    EXPECT_LE(end + 2 - at, 75u);
    ++words;
  }
  EXPECT_GE(words, 2u);
  EXPECT_NE(header.find("?=\r\n =?UTF-8?B?"), std::string::npos);
  EXPECT_NE(m.find("\r\n\r\nx\r\n"), std::string::npos);
}

Delivery Post(Protocol protocol, int port, std::string body, std::vector<Header> headers) {
  Delivery d;
  d.protocol = protocol;
  d.endpoint = "http://127.0.0.1:" + std::to_string(port) + "/hook?x=1";
  d.message_id = "m-1";
  d.body = std::move(body);
  d.headers = std::move(headers);
  return d;
}

TEST(HttpDeliverer, PostsTheEnvelopeWithItsHeaders) {
  Receiver http(Script("http_server.py"), {});
  REQUIRE_RECEIVER(http);
  TempDir keys;
  FakeClock clock(
      TimePoint(std::chrono::milliseconds(*ParseIso8601Millis("2026-11-21T10:00:00Z"))));
  Result<MessageSigner> signer =
      MessageSigner::LoadOrCreate(keys.path(), "http://127.0.0.1/sns", clock);
  ASSERT_TRUE(signer.ok());
  SnsMessage m;
  m.message_id = "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324";
  m.topic_arn = "arn:aws:sns:us-east-1:123456789012:t";
  m.subscription_arn = "arn:aws:sns:us-east-1:123456789012:t:sub";
  m.subject = "ALARM: \"x\" in US East (N. Virginia)";
  m.message = R"({"AlarmName":"x"})";
  m.timestamp_ms = clock.Now().time_since_epoch().count();
  const std::string envelope = *EnvelopeJson(m, *signer);
  const DeliveryResult r = NewHttpDeliverer({})->Deliver(
      Post(Protocol::kHttp, http.port(), envelope, EnvelopeHeaders(m)));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.code, 200);
  const auto files = notify_test::WaitForFiles(http.dir(), ".json", 1);
  ASSERT_EQ(files.size(), 1u);
  const nlohmann::json got = nlohmann::json::parse(ReadFile(files[0]));
  EXPECT_EQ(got["path"], "/hook?x=1");
  EXPECT_EQ(got["body"], envelope);
  const auto& h = got["headers"];
  EXPECT_EQ(h["x-amz-sns-message-type"], "Notification");
  EXPECT_EQ(h["x-amz-sns-message-id"], m.message_id);
  EXPECT_EQ(h["x-amz-sns-topic-arn"], m.topic_arn);
  EXPECT_EQ(h["x-amz-sns-subscription-arn"], m.subscription_arn);
  EXPECT_EQ(h["Content-Type"], "text/plain; charset=UTF-8");
  EXPECT_EQ(h["User-Agent"], "Amazon Simple Notification Service Agent");
}

TEST(HttpDeliverer, FailureClassesFollowSns) {
  const struct {
    int status;
    Protocol protocol;
    bool retryable;
  } cases[] = {
      {500, Protocol::kHttp, true},  {503, Protocol::kHttp, true},   {400, Protocol::kHttp, false},
      {404, Protocol::kHttp, false}, {301, Protocol::kHttp, false},  {429, Protocol::kHttp, false},
      {429, Protocol::kSlack, true}, {410, Protocol::kSlack, false},
  };
  for (const auto& c : cases) {
    Receiver http(Script("http_server.py"), {"--status", std::to_string(c.status)});
    REQUIRE_RECEIVER(http);
    const DeliveryResult r = NewHttpDeliverer({})->Deliver(Post(c.protocol, http.port(), "{}", {}));
    EXPECT_FALSE(r.ok) << c.status;
    EXPECT_EQ(r.code, c.status);
    EXPECT_EQ(r.retryable, c.retryable) << c.status << " " << ProtocolName(c.protocol);
    EXPECT_NE(r.error.find(std::to_string(c.status)), std::string::npos) << r.error;
  }
  HttpOptions quick;
  quick.connect_timeout_ms = 2000;
  DeliveryResult r =
      NewHttpDeliverer(quick)->Deliver(Post(Protocol::kHttp, notify_test::FreePort(), "{}", {}));
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.retryable) << r.error;  // connection refused
  Delivery wrong_scheme = Post(Protocol::kHttps, 1, "{}", {});
  r = NewHttpDeliverer({})->Deliver(wrong_scheme);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.retryable);
}

TEST(SlackPayload, WhoWhatWhereWhenBlocks) {
  const std::string payload =
      SlackPayload("ALARM: \"Root\" in US East (N. Virginia)", "Threshold Crossed: 1 > 0",
                   "https://tw/alarms/Root", {Event(), Event()});
  const nlohmann::json j = nlohmann::json::parse(payload);
  EXPECT_EQ(j["text"], "ALARM: \"Root\" in US East (N. Virginia)");
  ASSERT_EQ(j["blocks"].size(), 4u);
  EXPECT_EQ(j["blocks"][0]["type"], "header");
  EXPECT_EQ(j["blocks"][1]["text"]["text"],
            "Threshold Crossed: 1 &gt; 0\n<https://tw/alarms/Root|View this alarm>");
  const auto& fields = j["blocks"][2]["fields"];
  ASSERT_EQ(fields.size(), 4u);
  EXPECT_EQ(fields[0]["text"],
            "*Who*\narn:aws:iam::123456789012:user/mallory\nAccess key: AKIAEXAMPLE");
  EXPECT_EQ(fields[1]["text"],
            "*What*\nsecretsmanager.amazonaws.com GetSecretValue\nResource: prod/db\nError: "
            "AccessDenied");
  EXPECT_EQ(
      fields[2]["text"],
      "*Where*\nSource IP: 203.0.113.7\nRegion: us-east-1\nAccount: 123456789012\nUser agent: "
      "aws-cli/2 &lt;script&gt;");
  EXPECT_EQ(fields[3]["text"], "*When*\n2026-11-21T09:59:01Z\nEvent ID: e-1");

  std::vector<EventSummary> many(13, Event());
  const nlohmann::json capped = nlohmann::json::parse(SlackPayload("s", "r", "", many));
  EXPECT_EQ(capped["blocks"].size(), 2u + 10u + 1u);
  EXPECT_EQ(capped["blocks"].back()["elements"][0]["text"], "3 more contributing events not shown");
}

TEST(HttpDeliverer, PostsSlackJson) {
  Receiver http(Script("http_server.py"), {});
  REQUIRE_RECEIVER(http);
  const std::string payload = SlackPayload("ALARM: \"Root\"", "reason", "", {Event()});
  const DeliveryResult r =
      NewHttpDeliverer({})->Deliver(Post(Protocol::kSlack, http.port(), payload, {}));
  ASSERT_TRUE(r.ok) << r.error;
  const auto files = notify_test::WaitForFiles(http.dir(), ".json", 1);
  ASSERT_EQ(files.size(), 1u);
  const nlohmann::json got = nlohmann::json::parse(ReadFile(files[0]));
  EXPECT_EQ(got["headers"]["Content-Type"], "application/json");
  EXPECT_EQ(got["body"], payload);
}

TEST(FileDeliverer, AppendsValidNdjson) {
  TempDir dir;
  const std::string path = dir.path() + "/alerts.ndjson";
  auto deliverer = NewFileDeliverer();
  for (int i = 0; i < 3; ++i) {
    Delivery d;
    d.protocol = Protocol::kFile;
    d.endpoint = path;
    d.body =
        FileLine(*ParseIso8601Millis("2026-11-21T10:00:00Z") + i, "m-" + std::to_string(i),
                 "arn:aws:sns:us-east-1:1:t", "ALARM: \"x\"", R"({"AlarmName":"x"})", {Event()});
    const DeliveryResult r = deliverer->Deliver(d);
    ASSERT_TRUE(r.ok) << r.error;
  }
  const std::string text = ReadFile(path);
  std::size_t lines = 0;
  for (std::size_t from = 0, nl; (nl = text.find('\n', from)) != std::string::npos; from = nl + 1) {
    const nlohmann::json j = nlohmann::json::parse(text.substr(from, nl - from));
    EXPECT_EQ(j["messageId"], "m-" + std::to_string(lines));
    EXPECT_EQ(j["topicArn"], "arn:aws:sns:us-east-1:1:t");
    EXPECT_EQ(j["subject"], "ALARM: \"x\"");
    EXPECT_EQ(nlohmann::json::parse(j["message"].get<std::string>())["AlarmName"], "x");
    EXPECT_EQ(j["events"][0]["principal"], "arn:aws:iam::123456789012:user/mallory");
    EXPECT_EQ(j["events"][0]["eventID"], "e-1");
    ++lines;
  }
  EXPECT_EQ(lines, 3u);
  EXPECT_EQ(text.substr(0, 34), R"({"time":"2026-11-21T10:00:00.000Z")");

  Delivery bad;
  bad.endpoint = dir.path() + "/missing/dir/alerts.ndjson";
  bad.body = "{}";
  DeliveryResult r = deliverer->Deliver(bad);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.retryable);
  bad.endpoint = path;
  bad.body = "{}\n{}";
  r = deliverer->Deliver(bad);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.retryable);
}

TEST(RedactedEndpoint, WebhookCredentialsStayOut) {
  const struct {
    const char* protocol;
    const char* endpoint;
    const char* shown;
  } cases[] = {
      {"slack", "https://hooks.slack.com/services/T0/B0/XXXX", "https://hooks.slack.com/..."},
      {"https", "https://user:pw@hooks.example.com:8443/p/KEY?token=x",
       "https://hooks.example.com:8443/..."},
      {"http", "http://127.0.0.1:9000", "http://127.0.0.1:9000"},
      {"http", "not a url", "<url>"},
      {"email", "secops@example.com", "secops@example.com"},
      {"sns", "arn:aws:sns:us-east-1:123456789012:t", "arn:aws:sns:us-east-1:123456789012:t"},
  };
  for (const auto& c : cases) EXPECT_EQ(RedactedEndpoint(c.protocol, c.endpoint), c.shown);
}

TEST(Protocol, NamesRoundTrip) {
  for (Protocol p : {Protocol::kEmail, Protocol::kEmailJson, Protocol::kHttp, Protocol::kHttps,
                     Protocol::kSlack, Protocol::kFile, Protocol::kSns}) {
    EXPECT_EQ(*ParseProtocol(ProtocolName(p)), p);
  }
  EXPECT_FALSE(ParseProtocol("sms").ok());
}

}  // namespace
}  // namespace trailwatch::notify
