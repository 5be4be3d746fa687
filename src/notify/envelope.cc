// The SNS HTTP/S envelope (spec cloudwatch.md 4.5), its string to sign (4.6), and the small
// text helpers the other notify sources share.
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "alarm/alarm.h"
#include "common/json_text.h"
#include "notify/notify.h"
#include "notify/text.h"

namespace trailwatch::notify {
namespace {

// "2012-05-02T00:54:06.655Z": always with milliseconds, as SNS writes Timestamp.
std::string SnsTimestamp(std::int64_t ms) {
  std::string s = alarm::FormatReasonDataTime(ms);  // "...T00:54:06.655+0000"
  s.resize(s.size() - 5);
  return s + 'Z';
}

// SNS pretty-prints the envelope with Jackson's default printer: two-space indent and
// " : " between key and value.
void PrettyField(std::string* out, std::string_view key, std::string_view value) {
  *out += out->size() > 2 ? ",\n  " : "  ";
  AppendJsonString(out, key);
  *out += " : ";
  AppendJsonString(out, value);
}

bool IsConfirmation(SnsMessageType type) { return type != SnsMessageType::kNotification; }

}  // namespace

std::string PercentEncode(std::string_view s) {
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~' || c == ':' || c == '@') {
      out += ch;
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

void AppendJsonField(std::string* out, std::string_view key, std::string_view value) {
  if (!out->empty() && out->back() != '{' && out->back() != '[') *out += ',';
  AppendJsonString(out, key);
  *out += ':';
  AppendJsonString(out, value);
}

std::string_view SnsMessageTypeName(SnsMessageType type) {
  switch (type) {
    case SnsMessageType::kSubscriptionConfirmation:
      return "SubscriptionConfirmation";
    case SnsMessageType::kUnsubscribeConfirmation:
      return "UnsubscribeConfirmation";
    case SnsMessageType::kNotification:
      break;
  }
  return "Notification";
}

std::string StringToSign(const SnsMessage& m) {
  std::string out;
  auto add = [&out](std::string_view key, std::string_view value) {
    out += key;
    out += '\n';
    out += value;
    out += '\n';
  };
  // Keys in byte order, as AWS's verifiers rebuild them.
  add("Message", m.message);
  add("MessageId", m.message_id);
  if (IsConfirmation(m.type)) {
    add("SubscribeURL", m.subscribe_url);
    add("Timestamp", SnsTimestamp(m.timestamp_ms));
    add("Token", m.token);
  } else {
    if (m.subject) add("Subject", *m.subject);
    add("Timestamp", SnsTimestamp(m.timestamp_ms));
  }
  add("TopicArn", m.topic_arn);
  add("Type", SnsMessageTypeName(m.type));
  return out;
}

std::string UnsubscribeUrl(std::string_view base, std::string_view subscription_arn) {
  return fmt::format("{}?Action=Unsubscribe&SubscriptionArn={}", base,
                     PercentEncode(subscription_arn));
}

std::string SubscribeUrl(std::string_view base, std::string_view topic_arn,
                         std::string_view token) {
  return fmt::format("{}?Action=ConfirmSubscription&TopicArn={}&Token={}", base,
                     PercentEncode(topic_arn), PercentEncode(token));
}

std::string SubscriptionConfirmationText(std::string_view topic_arn) {
  return fmt::format(
      "You have chosen to subscribe to the topic {}.\nTo confirm the subscription, visit the "
      "SubscribeURL included in this message.",
      topic_arn);
}

std::string UnsubscribeConfirmationText(std::string_view subscription_arn) {
  return fmt::format(
      "You have chosen to deactivate subscription {}.\nTo cancel this operation and restore the "
      "subscription, visit the SubscribeURL included in this message.",
      subscription_arn);
}

Result<std::string> EnvelopeJson(const SnsMessage& m, const MessageSigner& signer) {
  Result<std::string> signature = signer.Sign(StringToSign(m));
  if (!signature.ok()) return signature.status();
  std::string out = "{\n";
  PrettyField(&out, "Type", SnsMessageTypeName(m.type));
  PrettyField(&out, "MessageId", m.message_id);
  if (IsConfirmation(m.type)) {
    PrettyField(&out, "Token", m.token);
    PrettyField(&out, "TopicArn", m.topic_arn);
    PrettyField(&out, "Message", m.message);
    PrettyField(&out, "SubscribeURL", m.subscribe_url);
  } else {
    PrettyField(&out, "TopicArn", m.topic_arn);
    if (m.subject) PrettyField(&out, "Subject", *m.subject);
    PrettyField(&out, "Message", m.message);
  }
  PrettyField(&out, "Timestamp", SnsTimestamp(m.timestamp_ms));
  PrettyField(&out, "SignatureVersion", "2");
  PrettyField(&out, "Signature", *signature);
  PrettyField(&out, "SigningCertURL", signer.SigningCertUrl());
  if (!IsConfirmation(m.type)) PrettyField(&out, "UnsubscribeURL", m.unsubscribe_url);
  out += "\n}";
  return out;
}

std::vector<Header> EnvelopeHeaders(const SnsMessage& m) {
  std::vector<Header> h = {
      {"x-amz-sns-message-type", std::string(SnsMessageTypeName(m.type))},
      {"x-amz-sns-message-id", m.message_id},
      {"x-amz-sns-topic-arn", m.topic_arn},
  };
  if (m.type != SnsMessageType::kSubscriptionConfirmation) {
    h.emplace_back("x-amz-sns-subscription-arn", m.subscription_arn);
  }
  h.emplace_back("Content-Type", "text/plain; charset=UTF-8");
  // AWS's agent string: some receivers check it.
  h.emplace_back("User-Agent", "Amazon Simple Notification Service Agent");
  return h;
}

namespace {
constexpr std::array<std::pair<Protocol, std::string_view>, 7> kProtocols{{
    {Protocol::kEmail, "email"},
    {Protocol::kEmailJson, "email-json"},
    {Protocol::kHttp, "http"},
    {Protocol::kHttps, "https"},
    {Protocol::kSlack, "slack"},
    {Protocol::kFile, "file"},
    {Protocol::kSns, "sns"},
}};
}  // namespace

std::string RedactedEndpoint(std::string_view protocol, std::string_view endpoint) {
  if (protocol != "http" && protocol != "https" && protocol != "slack") {
    return std::string(endpoint);
  }
  const std::size_t scheme = endpoint.find("://");
  if (scheme == std::string_view::npos) return "<url>";
  std::size_t host = scheme + 3;
  const std::size_t path = endpoint.find_first_of("/?#", host);
  const std::string_view authority =
      endpoint.substr(host, path == std::string_view::npos ? std::string_view::npos : path - host);
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) host += at + 1;
  std::string out = fmt::format(
      "{}{}", endpoint.substr(0, scheme + 3),
      endpoint.substr(host, path == std::string_view::npos ? std::string_view::npos : path - host));
  if (path != std::string_view::npos) out += "/...";
  return out;
}

std::string_view ProtocolName(Protocol protocol) {
  for (const auto& [p, name] : kProtocols) {
    if (p == protocol) return name;
  }
  return "file";
}

Result<Protocol> ParseProtocol(std::string_view name) {
  for (const auto& [p, n] : kProtocols) {
    if (n == name) return p;
  }
  return Status::InvalidArgument(fmt::format(
      "unknown protocol '{}' (expected email, email-json, http, https, slack, file or sns)", name));
}

std::string FileLine(std::int64_t time_ms, std::string_view message_id, std::string_view topic_arn,
                     std::string_view subject, std::string_view message,
                     const std::vector<EventSummary>& events) {
  std::string out = "{";
  AppendJsonField(&out, "time", SnsTimestamp(time_ms));
  AppendJsonField(&out, "messageId", message_id);
  AppendJsonField(&out, "topicArn", topic_arn);
  AppendJsonField(&out, "subject", subject);
  AppendJsonField(&out, "message", message);
  out += ",\"events\":[";
  for (const EventSummary& e : events) {
    if (out.back() != '[') out += ',';
    out += '{';
    AppendJsonField(&out, "eventTime", e.event_time);
    AppendJsonField(&out, "principal", e.principal);
    AppendJsonField(&out, "accessKeyId", e.access_key_id);
    AppendJsonField(&out, "eventSource", e.event_source);
    AppendJsonField(&out, "eventName", e.event_name);
    AppendJsonField(&out, "resource", e.resource);
    AppendJsonField(&out, "errorCode", e.error_code);
    AppendJsonField(&out, "sourceIPAddress", e.source_ip);
    AppendJsonField(&out, "userAgent", e.user_agent);
    AppendJsonField(&out, "awsRegion", e.aws_region);
    AppendJsonField(&out, "recipientAccountId", e.recipient_account_id);
    AppendJsonField(&out, "eventID", e.event_id);
    out += '}';
  }
  out += "]}";
  return out;
}

}  // namespace trailwatch::notify
