#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/clock.h"
#include "common/time.h"
#include "notify/notify.h"
#include "notify/servers.h"
#include "testing/files.h"

namespace trailwatch::notify {
namespace {

using test_support::ReadFile;
using test_support::TempDir;

std::int64_t Ms(const char* iso) { return *ParseIso8601Millis(iso); }

FakeClock Now() {
  return FakeClock(TimePoint(std::chrono::milliseconds(Ms("2026-11-21T10:00:00Z"))));
}

constexpr char kTopic[] = "arn:aws:sns:us-east-1:123456789012:trailwatch-security-alerts";
constexpr char kSub[] =
    "arn:aws:sns:us-east-1:123456789012:trailwatch-security-alerts:c9135db0-26c4-47ec";

SnsMessage Notification() {
  SnsMessage m;
  m.message_id = "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324";
  m.topic_arn = kTopic;
  m.subscription_arn = kSub;
  m.subject = R"(ALARM: "Root \ use" in US East (N. Virginia))";
  m.message = "{\"AlarmName\":\"Root\",\"NewStateReason\":\"line1\\nline2 \u00e9\"}\nsecond line";
  m.timestamp_ms = Ms("2012-05-02T00:54:06Z");
  m.unsubscribe_url = UnsubscribeUrl("http://127.0.0.1:4580/sns/", kSub);
  return m;
}

SnsMessage Confirmation(SnsMessageType type) {
  SnsMessage m;
  m.type = type;
  m.message_id = "165545c9-2a5c-472c-8df2-7ff2be2b3b1b";
  m.topic_arn = kTopic;
  m.subscription_arn = kSub;
  m.token = "2336412f37fb687f5d51e6e2425f004aed8";
  m.message = type == SnsMessageType::kSubscriptionConfirmation
                  ? SubscriptionConfirmationText(kTopic)
                  : UnsubscribeConfirmationText(kSub);
  m.subscribe_url = SubscribeUrl("http://127.0.0.1:4580/sns/", kTopic, m.token);
  m.timestamp_ms = Ms("2012-04-26T20:45:04.751Z");
  return m;
}

TEST(StringToSign, AwsDocumentedExample) {
  SnsMessage m;
  m.message = "My Test Message";
  m.message_id = "4d4dc071-ddbf-465d-bba8-08f81c89da64";
  m.subject = "My subject";
  m.timestamp_ms = Ms("2019-01-31T04:37:04.321Z");
  m.topic_arn = "arn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P";
  EXPECT_EQ(StringToSign(m),
            "Message\nMy Test Message\nMessageId\n4d4dc071-ddbf-465d-bba8-08f81c89da64\n"
            "Subject\nMy subject\nTimestamp\n2019-01-31T04:37:04.321Z\nTopicArn\n"
            "arn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P\nType\nNotification\n");
  m.subject.reset();
  EXPECT_EQ(StringToSign(m).find("Subject"), std::string::npos);
  const std::string confirmation =
      StringToSign(Confirmation(SnsMessageType::kSubscriptionConfirmation));
  EXPECT_EQ(confirmation.substr(confirmation.find("\nSubscribeURL\n") + 1),
            "SubscribeURL\nhttp://127.0.0.1:4580/sns/?Action=ConfirmSubscription&TopicArn="
            "arn:aws:sns:us-east-1:123456789012:trailwatch-security-alerts&Token="
            "2336412f37fb687f5d51e6e2425f004aed8\nTimestamp\n2012-04-26T20:45:04.751Z\nToken\n"
            "2336412f37fb687f5d51e6e2425f004aed8\nTopicArn\n"
            "arn:aws:sns:us-east-1:123456789012:trailwatch-security-alerts\nType\n"
            "SubscriptionConfirmation\n");
}

TEST(MessageSigner, CreatesKeyOnceAndReloadsIt) {
  TempDir dir;
  const std::string keys = dir.path() + "/trail-signing";
  FakeClock clock = Now();
  Result<MessageSigner> first =
      MessageSigner::LoadOrCreate(keys, "https://tw.example:4580/sns/", clock);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  struct stat st {};
  ASSERT_EQ(::stat((keys + "/sns-signing-key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(keys.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(first->CertificatePem().rfind("-----BEGIN CERTIFICATE-----", 0), 0u);
  EXPECT_EQ(first->SigningCertUrl(), "https://tw.example:4580/sns/" + first->CertificateFileName());
  EXPECT_EQ(first->CertificateFileName().size(),
            std::string("SimpleNotificationService-.pem").size() + 32);

  const std::string key_pem = ReadFile(keys + "/sns-signing-key.pem");
  Result<MessageSigner> again = MessageSigner::LoadOrCreate(keys, "https://x/sns", clock);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->CertificatePem(), first->CertificatePem());
  EXPECT_EQ(ReadFile(keys + "/sns-signing-key.pem"), key_pem);
  EXPECT_EQ(*again->Sign("abc"), *first->Sign("abc"));  // PKCS#1 v1.5 is deterministic

  // Near the certificate's end it is re-issued from the same key.
  clock.Advance(std::chrono::hours(24 * (10 * 365 - 10)));
  Result<MessageSigner> renewed = MessageSigner::LoadOrCreate(keys, "https://x/sns", clock);
  ASSERT_TRUE(renewed.ok());
  EXPECT_NE(renewed->CertificatePem(), first->CertificatePem());
  EXPECT_NE(renewed->CertificateFileName(), first->CertificateFileName());
  EXPECT_EQ(*renewed->Sign("abc"), *first->Sign("abc"));

  dir.Write("bad/sns-signing-key.pem", "not a key");
  Result<MessageSigner> bad = MessageSigner::LoadOrCreate(dir.path() + "/bad", "", clock);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kCorruption);
}

TEST(EnvelopeJson, KeyOrderAndLayout) {
  TempDir dir;
  FakeClock clock = Now();
  Result<MessageSigner> signer =
      MessageSigner::LoadOrCreate(dir.path(), "http://127.0.0.1:4580/sns", clock);
  ASSERT_TRUE(signer.ok());
  const std::string sig = *signer->Sign(StringToSign(Notification()));
  EXPECT_EQ(*EnvelopeJson(Notification(), *signer),
            "{\n"
            "  \"Type\" : \"Notification\",\n"
            "  \"MessageId\" : \"22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324\",\n"
            "  \"TopicArn\" : \"" +
                std::string(kTopic) +
                "\",\n"
                "  \"Subject\" : \"ALARM: \\\"Root \\\\ use\\\" in US East (N. Virginia)\",\n"
                "  \"Message\" : \"{\\\"AlarmName\\\":\\\"Root\\\",\\\"NewStateReason\\\":"
                "\\\"line1\\\\nline2 \u00e9\\\"}\\nsecond line\",\n"
                "  \"Timestamp\" : \"2012-05-02T00:54:06.000Z\",\n"
                "  \"SignatureVersion\" : \"2\",\n"
                "  \"Signature\" : \"" +
                sig +
                "\",\n"
                "  \"SigningCertURL\" : \"http://127.0.0.1:4580/sns/" +
                signer->CertificateFileName() +
                "\",\n"
                "  \"UnsubscribeURL\" : "
                "\"http://127.0.0.1:4580/sns/?Action=Unsubscribe&SubscriptionArn=" +
                std::string(kSub) +
                "\"\n"
                "}");
  const std::string confirm =
      *EnvelopeJson(Confirmation(SnsMessageType::kSubscriptionConfirmation), *signer);
  std::vector<std::string> keys;
  for (std::size_t at = confirm.find("\n  \""); at != std::string::npos;
       at = confirm.find("\n  \"", at + 1)) {
    keys.push_back(confirm.substr(at + 4, confirm.find('"', at + 4) - at - 4));
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"Type", "MessageId", "Token", "TopicArn", "Message",
                                            "SubscribeURL", "Timestamp", "SignatureVersion",
                                            "Signature", "SigningCertURL"}));
  SnsMessage no_subject = Notification();
  no_subject.subject.reset();
  EXPECT_EQ(EnvelopeJson(no_subject, *signer)->find("Subject"), std::string::npos);
}

TEST(EnvelopeHeaders, PerType) {
  const struct {
    SnsMessage message;
    std::vector<Header> expected;
  } cases[] = {
      {Notification(),
       {{"x-amz-sns-message-type", "Notification"},
        {"x-amz-sns-message-id", "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324"},
        {"x-amz-sns-topic-arn", kTopic},
        {"x-amz-sns-subscription-arn", kSub},
        {"Content-Type", "text/plain; charset=UTF-8"},
        {"User-Agent", "Amazon Simple Notification Service Agent"}}},
      {Confirmation(SnsMessageType::kSubscriptionConfirmation),
       {{"x-amz-sns-message-type", "SubscriptionConfirmation"},
        {"x-amz-sns-message-id", "165545c9-2a5c-472c-8df2-7ff2be2b3b1b"},
        {"x-amz-sns-topic-arn", kTopic},
        {"Content-Type", "text/plain; charset=UTF-8"},
        {"User-Agent", "Amazon Simple Notification Service Agent"}}},
      {Confirmation(SnsMessageType::kUnsubscribeConfirmation),
       {{"x-amz-sns-message-type", "UnsubscribeConfirmation"},
        {"x-amz-sns-message-id", "165545c9-2a5c-472c-8df2-7ff2be2b3b1b"},
        {"x-amz-sns-topic-arn", kTopic},
        {"x-amz-sns-subscription-arn", kSub},
        {"Content-Type", "text/plain; charset=UTF-8"},
        {"User-Agent", "Amazon Simple Notification Service Agent"}}},
  };
  for (const auto& c : cases) EXPECT_EQ(EnvelopeHeaders(c.message), c.expected);
}

// A verifier that follows AWS's documented procedure (tests/notify/verify_sns.py, python's
// cryptography package) accepts every message type; a changed byte is rejected.
TEST(EnvelopeJson, StandardVerifierAcceptsTheSignature) {
  const std::string python = notify_test::FindPython();
  if (python.empty()) GTEST_SKIP() << "python3 is not on PATH; cannot run verify_sns.py";
  std::string probe;
  if (notify_test::Run({python, "-c", "import cryptography"}, &probe) != 0) {
    GTEST_SKIP() << "python3 has no 'cryptography' package: " << probe;
  }
  TempDir dir;
  FakeClock clock = Now();
  Result<MessageSigner> signer =
      MessageSigner::LoadOrCreate(dir.path() + "/k", "http://h/sns", clock);
  ASSERT_TRUE(signer.ok());
  const std::string cert = dir.Write("cert.pem", signer->CertificatePem());
  const std::string script = std::string(TRAILWATCH_SOURCE_DIR) + "/tests/notify/verify_sns.py";
  SnsMessage no_subject = Notification();
  no_subject.subject.reset();
  const struct {
    const char* name;
    SnsMessage message;
  } cases[] = {
      {"notification", Notification()},
      {"notification without subject", no_subject},
      {"subscription confirmation", Confirmation(SnsMessageType::kSubscriptionConfirmation)},
      {"unsubscribe confirmation", Confirmation(SnsMessageType::kUnsubscribeConfirmation)},
  };
  for (const auto& c : cases) {
    const std::string envelope = *EnvelopeJson(c.message, *signer);
    std::string out;
    EXPECT_EQ(notify_test::Run({python, script, dir.Write("m.json", envelope), cert}, &out), 0)
        << c.name << ": " << out;
    std::string tampered = envelope;
    tampered.replace(tampered.find("\"Timestamp\" : \"20") + 16, 2, "19");
    out.clear();
    EXPECT_EQ(notify_test::Run({python, script, dir.Write("t.json", tampered), cert}, &out), 1)
        << c.name << ": " << out;
  }
}

}  // namespace
}  // namespace trailwatch::notify
